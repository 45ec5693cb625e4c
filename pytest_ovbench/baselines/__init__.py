"""Baselines: the content of one entry (``entry.py``, ``layers.py``) and the YAML files that hold them
(``store.py``, the public API: safe reading, locked atomic writing). Reading: ``reading.py`` (regular
files of bounded size), ``yaml_loading.py`` (SafeLoader checking every parser event),
``yaml_check.py`` (the data model); writing: ``dumping.py``, ``locking.py``; ``merging.py``: the
three-way merge of a split suite's shard folders. Never pytest.
"""
