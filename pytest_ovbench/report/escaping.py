"""Text from outside (baseline files, model paths, test ids, measurement names) made safe for the
medium it goes to: a terminal, Markdown, JUnit XML properties or JSON (pure, no pytest).

A baseline file is reviewed like code but written by anyone with a pull request: a newline in its
``recorded:`` field must not start a line of its own in a CI log (GitHub Actions reads
``::error ...::`` at the start of a line as a command), an escape sequence must not recolour or
rewrite the terminal, and ``<img>`` or ``[a link](...)`` must not render in a PR comment.
"""

from __future__ import annotations

import math
import numbers
import unicodedata
from collections.abc import Mapping
from typing import Any

__all__ = ["json_ready", "junit_value", "markdown_text", "printable"]

# Control characters, format characters (bidirectional overrides, zero-width ones), lone surrogates
# (which no file or terminal can encode) and line and paragraph separators: none printed as itself.
_HIDDEN = ("Cc", "Cf", "Cs", "Zl", "Zp")
_MARKDOWN = {c: f"\\{c}" for c in "\\`*[]|@"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def printable(text: object) -> str:
    """``text`` for a terminal or a log: every control character shown escaped as Python writes it
    (``\\n``, ``\\r``, ``\\x1b``, ``\\u202e``), everything else as it is."""
    shown = str(text)
    if shown.isprintable():  # the common case: nothing to escape (a space is printable)
        return shown
    return "".join(repr(c)[1:-1] if unicodedata.category(c) in _HIDDEN else c for c in shown)


def markdown_text(text: object) -> str:
    """``text`` for a Markdown table cell or list item: printable, and shown literally (no tags,
    links, images, code spans, emphasis or table cells of its own)."""
    return "".join(_MARKDOWN.get(c, c) for c in printable(text))


def junit_value(value: object) -> object:
    """A JUnit XML property value: numbers as they are (non-finite ones empty), text printable."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else ""
    return printable(value)


def json_ready(value: Any) -> Any:
    """``value`` as strict JSON can hold it: non-finite numbers become None, keys strings, tuples
    lists, and anything else not JSON its ``str()`` (so one odd value never loses the document)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, numbers.Integral):  # numpy's integers
        return int(value)
    if isinstance(value, numbers.Real):  # float and numpy's floats
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    return str(value)
