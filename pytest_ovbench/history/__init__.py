"""The history of measurements and the trends in it: one row per run of a test's measured metric on
a hardware class, kept in a store (SQLite file or PostgreSQL database), and the change points, creep
and recent baseline read from a series of those rows.

``rows.py`` the typed row and series key, ``errors.py`` :class:`HistoryError`; ``schema.py`` the
tables and their version; ``store.py`` the store interface over SQL shared by both backends and
``open_store``; ``sqlite_store.py`` and ``postgres_store.py`` the two backends (psycopg 3, imported
lazily, the ``postgres`` extra); ``gitinfo.py`` the commit and branch a run measured; ``trend.py``
change points (``ruptures``, imported lazily, the ``history`` extra); ``creep.py`` the creep check
and the baseline from history; ``page.py`` the HTML page of ``ovbench trend --html``.

May import the standard library, numpy, scipy, ``metrics``, ``judge`` (the typed ``Sample``),
``runtime.git`` (running git) and ``report`` (figures and the SVG helpers); never pytest, openvino,
yaml, ``plugin``, ``engine``, ``cli`` or ``baselines``.
"""
