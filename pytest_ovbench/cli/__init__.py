"""``ovbench``: the command-line tool over a baselines folder (``python -m pytest_ovbench``)."""
