"""OpenVINO itself: reading, preparing and compiling models, and what identifies the machine.

The model under test (``models.py``), benchmark_app's preparation between reading and compiling
(``prepare.py``), the compile cache (``compiling.py``), peak memory, the hardware class
(``environment.py``) and model files at a git revision (``reference.py``). May import ``config``;
never pytest.
"""
