"""OpenVINO itself: reading, preparing and compiling models, and what identifies the machine.

The model under test (``models.py``), benchmark_app's preparation between reading and compiling
(``prepare.py``), the compile cache and effective properties (``compiling.py``), peak memory per
phase (``memory.py``), the hardware class (``environment.py``), and model files at a git revision
(``reference.py`` over ``git.py``). May import ``config`` (and ``inputs`` for the feeds a compiled
model caches); never pytest.
"""
