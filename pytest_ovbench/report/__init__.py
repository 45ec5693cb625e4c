"""Wording: measurements as plain records, verdict messages and the summary table (``text.py``),
Markdown and self-contained HTML reports. Pure formatting; never pytest or openvino.
"""
