"""Turning entries into the text of a baseline file: plain data, rounded figures, deterministic YAML.

Keys sorted, no anchors or aliases, lists of numbers on one line, each layer of a per-layer profile
on one line: a re-recorded entry changes as few lines as possible, so baseline changes review like
code, and a file read and written back unchanged is the same text, byte for byte. Plain Python: no
pytest, no OpenVINO.
"""

from __future__ import annotations

import datetime
import math
import numbers
import sys
from collections.abc import Mapping
from typing import Any

import yaml

from pytest_ovbench.baselines.yaml_check import FORMAT_VERSION, Entries, check_tests
from pytest_ovbench.baselines.yaml_loading import MAX_DEPTH

__all__ = ["SIGNIFICANT_DIGITS", "dump_entries", "plain"]

SIGNIFICANT_DIGITS = 4

_HEADER = "# pytest-ovbench baselines. Written by `pytest --ov-update-baselines`; review changes like code."
_KEPT_AS_IS = (type(None), bool, datetime.date, datetime.datetime)  # exact types: safe representers


def dump_entries(entries: Entries) -> str:
    """The text of a baseline file holding ``entries``: header comment, version, tests.

    Deterministic and diff-friendly: keys sorted, no anchors or aliases, lists of numbers on one
    line, each layer of an entry's ``layers`` on one line, floats rounded to SIGNIFICANT_DIGITS
    significant digits, numpy scalars and arrays written as plain numbers and lists. Raises
    TypeError for values YAML cannot hold as plain data, and ValueError if ``entries`` does not
    have the four-level shape or holds what the reader would refuse: numbers that are not finite
    floats, nesting deeper than MAX_DEPTH.
    """
    tests = check_tests(plain(entries))
    _check_depth({"tests": tests})
    _layers_on_one_line(tests)
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
    """``value`` as plain YAML data: str keys, numpy values converted, floats rounded.

    TypeError for what YAML cannot hold as plain data, ValueError for a number that is not a
    finite float (NaN, infinity, an int beyond 1.8e308): the reader would refuse the file.
    """
    if type(value) in _KEPT_AS_IS:
        return value
    if isinstance(value, str):
        return str(value)  # a str subclass such as numpy.str_ has no safe representer
    if isinstance(value, numbers.Integral):
        return _finite(int(value))
    if isinstance(value, numbers.Real):
        return _finite(_round_significant(value))
    if isinstance(value, Mapping):
        return {_plain_key(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "tolist"):  # numpy scalars (numpy.bool_ too) and arrays, without numpy
        return plain(value.tolist())
    raise TypeError(f"cannot store a {type(value).__name__} in a baseline file: {value!r:.80}")


def _check_depth(document: object) -> None:
    pending: list[tuple[object, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise ValueError(
                    f"cannot store data nested more than {MAX_DEPTH} levels deep: the reader refuses it"
                )
            items = value.values() if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)


def _layers_on_one_line(tests: Entries) -> None:
    """Mark each layer record of each entry's ``layers`` to be written as one flow mapping: a
    detector's 200 layers take 200 lines, and one layer that changed changes one line."""
    for measurements in tests.values():
        for environments in measurements.values():
            for entry in environments.values():
                layers = entry.get("layers")
                if not isinstance(layers, dict):
                    continue
                for name, record in layers.items():
                    if isinstance(record, dict):
                        layers[name] = _OneLine(record)


class _OneLine(dict):  # type: ignore[type-arg]
    """A mapping written in flow style, on one line."""


def _plain_key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"baseline data keys must be strings, got {key!r}")
    return str(key)


def _finite(number: int | float) -> int | float:
    try:
        finite = math.isfinite(number)
    except OverflowError:  # an int beyond the float range
        finite = False
    if not finite:
        raise ValueError(f"cannot store {number!r:.80} in a baseline file: its numbers must be finite floats")
    return number


def _round_significant(number: numbers.Real) -> float:
    # Timings vary in the third digit already; more digits are noise that clutters every diff.
    try:
        return float(f"{float(number):.{SIGNIFICANT_DIGITS}g}")  # 1.79999e308 rounds to inf
    except OverflowError:  # a Fraction or Decimal beyond the float range
        return math.inf


class _BaselineDumper(yaml.SafeDumper):
    """SafeDumper that never writes anchors or aliases, so each entry reads on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    # Lists of numbers (measurement windows) on one line: one changed line per changed entry.
    numbers_only = all(isinstance(item, (int, float)) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=numbers_only)


def _represent_one_line(dumper: yaml.SafeDumper, mapping: _OneLine) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", dict(mapping), flow_style=True)


_BaselineDumper.add_representer(list, _represent_list)
_BaselineDumper.add_representer(_OneLine, _represent_one_line)
