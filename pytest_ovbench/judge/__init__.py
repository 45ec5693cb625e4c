"""Deciding: whether a figure regressed, improved, passed or could not be told.

``status.py`` is the one vocabulary of verdicts; ``verdict.py`` the statistics of one comparison
(stored runs: Student's t; reference pairs: exact sign-flip); ``gate.py`` the policy (what is gated,
how strictly) and reference mode's sequential looks; ``stored.py`` stored mode's;
``machine_speed.py`` the yardstick's correction; ``plan.py`` the execution plan against a
baseline's; ``baseline.py`` a stored baseline as typed values. Pure: numpy and scipy, ``metrics``
and the ``measure.result`` value; never pytest, YAML or OpenVINO.
"""
