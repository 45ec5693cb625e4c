"""Baselines: the content of one entry (``entry.py``) and the YAML files that hold them
(``store.py``: safe reading, locked atomic writing). Never pytest.
"""
