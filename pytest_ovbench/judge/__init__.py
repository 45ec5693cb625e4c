"""Deciding: whether a figure regressed, improved, passed or could not be told.

The statistics of one comparison (``verdict.py``), the gate's policy and its sequential looks
(``gate.py``) and the machine-speed factor. Pure: numpy and scipy only; never pytest, YAML or
openvino.
"""
