"""Turning entries into the text of a baseline file: plain data, rounded figures, deterministic YAML.

Keys sorted, no anchors or aliases, lists of numbers on one line: a re-recorded entry changes as
few lines as possible, so baseline changes review like code. Plain Python: no pytest, no OpenVINO.
"""

from __future__ import annotations

import datetime
import numbers
import sys
from collections.abc import Mapping
from typing import Any

import yaml

from pytest_ovbench.baselines.yaml_check import FORMAT_VERSION, Entries, check_tests

__all__ = ["SIGNIFICANT_DIGITS", "dump_entries", "plain"]

SIGNIFICANT_DIGITS = 4

_HEADER = "# pytest-ovbench baselines. Written by `pytest --ov-update-baselines`; review changes like code."
_KEPT_AS_IS = (type(None), bool, datetime.date, datetime.datetime)  # exact types: safe representers


def dump_entries(entries: Entries) -> str:
    """The text of a baseline file holding ``entries``: header comment, version, tests.

    Deterministic and diff-friendly: keys sorted, no anchors or aliases, lists of numbers on one
    line, floats rounded to SIGNIFICANT_DIGITS significant digits, numpy scalars and arrays
    written as plain numbers and lists. Raises TypeError for values YAML cannot hold as plain
    data and ValueError if ``entries`` does not have the four-level shape.
    """
    tests = check_tests(plain(entries))
    body: str = yaml.dump(
        {"tests": tests},
        Dumper=_BaselineDumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=sys.maxsize,  # never wrap long keys or strings
    )
    return f"{_HEADER}\nversion: {FORMAT_VERSION}\n{body}"


def plain(value: object) -> Any:
    """``value`` as plain YAML data: str keys, numpy values converted, floats rounded."""
    if type(value) in _KEPT_AS_IS:
        return value
    if isinstance(value, str):
        return str(value)  # a str subclass such as numpy.str_ has no safe representer
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return _round_significant(float(value))
    if isinstance(value, Mapping):
        return {_plain_key(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "tolist"):  # numpy scalars (numpy.bool_ too) and arrays, without numpy
        return plain(value.tolist())
    raise TypeError(f"cannot store a {type(value).__name__} in a baseline file: {value!r:.80}")


def _plain_key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"baseline data keys must be strings, got {key!r}")
    return str(key)


def _round_significant(number: float) -> float:
    # Timings vary in the third digit already; more digits are noise that clutters every diff.
    return float(f"{number:.{SIGNIFICANT_DIGITS}g}")


class _BaselineDumper(yaml.SafeDumper):
    """SafeDumper that never writes anchors or aliases, so each entry reads on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    # Lists of numbers (measurement windows) on one line: one changed line per changed entry.
    numbers_only = all(isinstance(item, (int, float)) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=numbers_only)


_BaselineDumper.add_representer(list, _represent_list)
