"""Wording: measurements as plain records, verdict messages and the summary table (``text.py``),
Markdown and self-contained HTML reports, JUnit XML (``junit.py``) and the shards of a split suite
put together as one run (``merge.py``). Pure formatting; never pytest or openvino.
"""
