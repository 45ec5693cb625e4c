"""``ovbench``: the command-line tool over a baselines folder (``python -m pytest_ovbench``).

``main.py`` parses the arguments and dispatches; one module per command (``listing.py``,
``show.py``, ``diff.py``, ``move.py``, ``prune.py``, ``merge_baselines.py``; ``merge.py`` over the
shards' ``--ov-json`` files; ``trend.py`` and ``history.py`` over a history store);
``snapshot.py`` reads a folder of baselines and ``revision.py`` the same folder at a git revision;
``figures.py`` picks and formats the figure a line shows. Imports ``baselines``, ``report`` and
``runtime.git``; never pytest (``prune`` runs pytest's collection as a subprocess) and never
OpenVINO.
"""
