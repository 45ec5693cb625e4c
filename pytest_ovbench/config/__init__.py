"""Measurement settings and the one place their precedence is settled.

The known keywords and their validation (``settings.py``), benchmark_app's shape keywords
(``shapes.py``) and ``config=`` files. Pure Python: imports only ``errors`` and ``metrics``;
never pytest or openvino.
"""
