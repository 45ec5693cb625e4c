"""Measuring: the loops, a measurement end to end, and what it hands back.

The synchronous and asynchronous loops (``loops.py``), one measurement from request to figures
(``runner.py``), the machine yardstick, per-layer counters, the ``Result`` value and its
statistics, fresh-process replicates, the machine lock and the foreign-load probe. May import
``config``, ``runtime`` and ``inputs``; never pytest, YAML or the verdict.
"""
