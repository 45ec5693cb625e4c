"""The YAML loader of baseline files: ``yaml.SafeLoader`` with a check on every parser event.

Each event is checked as the composer pulls it, before a node is built from it, so a refused file
costs no more than the text up to the refused spot:

* anchors and aliases (``&a`` / ``*a``), on scalars too, and merge keys (``<<``) are refused:
  an alias shares one object between places, so it expands in full when the file is written
  back (a 264 kB file of scalar aliases became 105 MB), and merges of aliases are a "billion
  laughs" bomb even while composing;
* nesting deeper than MAX_DEPTH is refused: composing and dumping recurse, and a baseline entry
  needs about ten levels;
* integers and floats must be finite floats (a 400-digit integer overflows later figures), and a
  number, date or boolean that cannot be constructed is refused with its line;
* a key repeated in one mapping is refused, naming both lines (YAML would keep the last silently).

Construction is SafeLoader's own: plain data only, never a Python object. Plain Python: no pytest,
no OpenVINO.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from pytest_ovbench.baselines.errors import shown

__all__ = ["MAX_DEPTH", "RefusedYaml", "load_document"]

MAX_DEPTH = 64
"""The deepest nesting of mappings and lists read (a baseline file needs about ten levels)."""

_MAX_NUMBER_CHARS = 400  # longer "numbers" (e.g. sexagesimal 1:2:3:...) cost quadratic time
_TAG = "tag:yaml.org,2002:"
_CONSTRUCTED = {  # plain-scalar tags whose construction can fail or overflow: checked at once
    f"{_TAG}int": "an integer",
    f"{_TAG}float": "a number",
    f"{_TAG}timestamp": "a date",
    f"{_TAG}bool": "a boolean",
}


class RefusedYaml(Exception):
    """What the checks refuse: ``line`` (1-based, None if unknown) and a one-line ``reason``."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def load_document(text: str) -> object:
    """The document in ``text``, as ``yaml.safe_load`` builds it, after the checks above.

    RefusedYaml for what they refuse; yaml.YAMLError for what PyYAML refuses.
    """
    loader = _CheckedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]


@dataclass
class _Collection:
    """An open mapping or list: for a mapping, whether a key comes next and the keys seen."""

    is_mapping: bool
    expect_key: bool = True
    keys: dict[object, int] = field(default_factory=dict)


class _CheckedLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._open: list[_Collection] = []

    def get_event(self) -> Any:
        event = super().get_event()  # type: ignore[no-untyped-call]
        self._check(event)
        return event

    def _check(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise RefusedYaml(
                _line(event),
                "YAML anchors and aliases (& and *) are not supported in baseline files; "
                "write the value out in full",
            )
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            self._count_as_key_or_value(event)
        if isinstance(event, yaml.ScalarEvent):
            self._check_scalar(event)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(self._open) >= MAX_DEPTH:
                raise RefusedYaml(
                    _line(event),
                    f"nested more than {MAX_DEPTH} levels deep (a baseline entry needs about ten); "
                    "write it flatter",
                )
            self._open.append(_Collection(isinstance(event, yaml.MappingStartEvent)))
        elif isinstance(event, yaml.CollectionEndEvent):
            self._open.pop()

    def _count_as_key_or_value(self, event: yaml.NodeEvent) -> None:
        parent = self._open[-1] if self._open else None
        if parent is None or not parent.is_mapping:
            return
        if parent.expect_key and isinstance(event, yaml.ScalarEvent):
            self._add_key(parent, event)
        parent.expect_key = not parent.expect_key

    def _add_key(self, mapping: _Collection, event: yaml.ScalarEvent) -> None:
        tag = self._tag(event)
        key = event.value if tag == f"{_TAG}str" else (tag, event.value)  # 'a' is a, 1 is not '1'
        line = _line(event) or 0
        if key in mapping.keys:
            where = f"first at line {mapping.keys[key]}, again at line {line}"
            raise RefusedYaml(line or None, f"duplicate key {shown(event.value)} ({where}); keep one of them")
        mapping.keys[key] = line

    def _check_scalar(self, event: yaml.ScalarEvent) -> None:
        tag = self._tag(event)
        if tag == f"{_TAG}merge":
            raise RefusedYaml(
                _line(event), "YAML merge keys (<<) are not supported in baseline files; write the keys out"
            )
        kind = _CONSTRUCTED.get(tag)
        if kind is None:
            return
        if len(event.value) > _MAX_NUMBER_CHARS:
            raise RefusedYaml(_line(event), f"{shown(event.value)} is too long to be {kind}")
        value = self._construct(event, tag, kind)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not _finite(value):
            raise RefusedYaml(
                _line(event),
                f"the number {shown(event.value)} is out of range: numbers in a baseline file must be "
                "finite and below 1.8e308 in magnitude",
            )

    def _construct(self, event: yaml.ScalarEvent, tag: str, kind: str) -> object:
        node = yaml.ScalarNode(tag, event.value)  # no marks: the error below names the line
        try:  # the constructor itself, not construct_object: that caches every node it sees
            return self.yaml_constructors[tag](self, node)
        except Exception as error:  # ValueError, KeyError, ...: whatever a bad scalar raises
            raise RefusedYaml(_line(event), f"{shown(event.value)} is not {kind}") from error

    def _tag(self, event: yaml.ScalarEvent) -> str:
        # As the composer resolves it (Composer.compose_scalar_node).
        if event.tag is not None and event.tag != "!":
            return str(event.tag)
        return str(self.resolve(yaml.ScalarNode, event.value, event.implicit))  # type: ignore[no-untyped-call]


def _finite(number: int | float) -> bool:
    try:
        return math.isfinite(float(number))
    except OverflowError:  # an int beyond the float range
        return False


def _line(event: yaml.Event) -> int | None:
    return None if event.start_mark is None else event.start_mark.line + 1
