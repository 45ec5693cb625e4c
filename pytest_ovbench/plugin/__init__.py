"""The pytest glue, and the only part of the package that imports pytest.

Hooks (``hooks.py``, the ``pytest11`` entry point), command-line options and their ini twins,
the ``ovbench`` marker, the fixtures users write against, the session object kept in the config's
stash, what a test's verdicts mean for it (``outcomes.py``), pytest-xdist scheduling, progress
lines, the pytest-benchmark bridge and the files written at the end. It may import every other
subpackage; nothing imports it but the CLI's test collection.
"""
