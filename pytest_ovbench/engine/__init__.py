"""The flow of one check, without pytest: measure, fetch the baseline or the reference, judge,
and keep what the verdict said.

``workspace.py`` owns the OpenVINO core, the model and compile caches and the baselines read;
``judging.py`` runs stored mode and reference mode for one call; ``measurement.py`` is what it
keeps (plain data); ``progress.py`` shows long measurements. May import every core subpackage;
never pytest, never ``report``.
"""
