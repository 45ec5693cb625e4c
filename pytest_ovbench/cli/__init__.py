"""``ovbench``: the command-line tool over a baselines folder (``python -m pytest_ovbench``).

``main.py`` parses the arguments and dispatches; one module per command (``listing.py``,
``show.py``, ``diff.py``, ``prune.py``); ``snapshot.py`` reads a folder of baselines and
``revision.py`` the same folder at a git revision; ``figures.py`` picks and formats the figure a
line shows. Imports ``baselines``, ``report`` and ``runtime.git``; never pytest (``prune`` runs
pytest's collection as a subprocess) and never OpenVINO.
"""
