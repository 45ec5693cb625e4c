"""The shape keywords as benchmark_app spells them: ``shape=``, ``data_shape=``, ``layout=`` and the
element-type keywords (pure parsing, no OpenVINO; prepare.py applies them to a model).

Every keyword takes benchmark_app's string form or a dict keyed by input name:

* ``shape="[1,3,224,224]"`` (every input), ``shape="image[1,3,224,224],mask[1,224]"``,
  ``shape={"image": [1, 3, 224, 224]}``; a dimension is a number, ``?`` or ``-1`` (dynamic) or a
  range ``1..8``;
* ``data_shape="[1,3,224,224][1,3,448,448]"`` or ``{"image": [[1, 3, 224, 224], [1, 3, 448, 448]]}``:
  concrete shapes only;
* ``layout="NCHW"``, ``layout="image[NCHW],mask[NC]"`` or ``{"image": "NCHW"}``;
* ``input_precision="u8"`` / ``output_precision={"logits": "f16"}``: benchmark_app's ``-ip``,
  ``-op`` and (as a dict) ``-iop``.

Parsed values are dicts from input name to text; the key ``""`` means every input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ALL = ""  # the key that applies a value to every input (benchmark_app's unnamed form)
_DIM = re.compile(r"^(-1|\?|\d+|\d*\.\.\d*)$")
_NAMED = re.compile(r"(.*?)((?:\[[^\]]*\])+)(?:,|$)")
# benchmark_app's precision names (-ip/-op) and OpenVINO's own element type names.
ELEMENT_TYPES = {
    "u8": "u8", "i8": "i8", "u16": "u16", "i16": "i16", "u32": "u32", "i32": "i32", "u64": "u64",
    "i64": "i64", "f16": "f16", "bf16": "bf16", "f32": "f32", "f64": "f64", "boolean": "boolean",
    "bool": "boolean", "fp16": "f16", "fp32": "f32", "fp64": "f64",
}  # fmt: skip


def _dims(value: Any, static: bool) -> str:
    """A shape as canonical text '[1,3,?,1..8]' (ValueError says what is wrong)."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.startswith("[") and text.endswith("]")):
            raise ValueError(f"shape {value!r} must be written in brackets, e.g. '[1,3,224,224]'")
        parts = [p.strip() for p in text[1:-1].split(",")] if text[1:-1].strip() else []
    elif isinstance(value, (list, tuple)):
        parts = ["?" if d is None else str(d).strip() for d in value]
    else:
        raise ValueError(f"shape {value!r} must be a list of dimensions or a string like '[1,3,224,224]'")
    for part in parts:
        if not _DIM.match(part) or (static and not part.isdigit()):
            kind = "a number" if static else "a number, ? or a range like 1..8"
            raise ValueError(f"dimension {part!r} in {value!r} must be {kind}")
    return "[" + ",".join("?" if p == "-1" else p for p in parts) + "]"


def _named_groups(text: str) -> list[tuple[str, list[str]]]:
    """'a[1,2],b[3][4]' -> [('a', ['[1,2]']), ('b', ['[3]', '[4]'])]; '[1,2]' -> [('', ['[1,2]'])]."""
    groups: list[tuple[str, list[str]]] = []
    rest = text.strip()
    while rest:
        match = _NAMED.match(rest)
        if match is None or not match.group(0):
            raise ValueError(f"cannot read {text!r}: expected '[...]' or 'input[...],other[...]'")
        groups.append((match.group(1).strip(), re.findall(r"\[[^\]]*\]", match.group(2))))
        rest = rest[match.end() :].strip()
    names = [name for name, _ in groups]
    if len(groups) > 1 and ALL in names:
        # benchmark_app reads 'x[..],[..]' as two entries and silently drops shapes; say so instead.
        raise ValueError(
            f"cannot read {text!r}: a shape without an input name applies to every input and can't "
            "follow others; several shapes of one input go one after another: 'x[1,3,8,8][1,3,16,16]'"
        )
    if len(set(names)) < len(names):
        raise ValueError(f"cannot read {text!r}: an input is named twice")
    return groups


def parse_shape(value: Any) -> dict[str, str]:
    """``shape=``: input name ("" for all) -> '[d0,d1,...]' (may be partial)."""
    if isinstance(value, Mapping):
        return {_input_name(k): _dims(v, static=False) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return {ALL: _dims(value, static=False)}
    if not isinstance(value, str):
        raise ValueError("expected '[1,3,224,224]', 'input[1,3,224,224],...' or a dict input -> shape")
    parsed: dict[str, str] = {}
    for name, shapes in _named_groups(value):
        if len(shapes) != 1:
            raise ValueError(f"give one shape per input in {value!r} (several are for data_shape=)")
        parsed[name] = _dims(shapes[0], static=False)
    return parsed


def parse_data_shape(value: Any) -> dict[str, list[str]]:
    """``data_shape=``: input name ("" for all) -> one or more concrete shapes."""
    if isinstance(value, Mapping):
        return {_input_name(k): _shape_list(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return {ALL: _shape_list(value)}
    if not isinstance(value, str):
        raise ValueError("expected '[1,3,224,224][1,3,448,448]', 'input[...][...],...' or a dict")
    return {name: [_dims(s, static=True) for s in shapes] for name, shapes in _named_groups(value)}


def _shape_list(value: Any) -> list[str]:
    """One shape ([1,3,8,8] or '[1,3,8,8]') or several ([[...], [...]] or '[..][..]')."""
    if isinstance(value, str):
        return [_dims(s, static=True) for s in re.findall(r"\[[^\]]*\]", value)] or [_dims(value, True)]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (list, tuple, str)) for v in value):
        return [_dims(v, static=True) for v in value]
    return [_dims(value, static=True)]


def parse_layout(value: Any) -> dict[str, str]:
    """``layout=``: input name ("" for all) -> layout letters such as 'NCHW' or 'N...'."""
    if isinstance(value, Mapping):
        return {_input_name(k): _layout(v) for k, v in value.items()}
    if not isinstance(value, str):
        raise ValueError("expected 'NCHW', 'input[NCHW],other[NC]' or a dict input -> layout")
    if "[" not in value:
        return {ALL: _layout(value)}
    parsed: dict[str, str] = {}
    for name, layouts in _named_groups(value):
        parsed[name] = _layout(layouts[0][1:-1])
    return parsed


def _layout(value: Any) -> str:
    text = str(value).strip().strip("[]").upper() if isinstance(value, str) else ""
    if not text or not re.fullmatch(r"[A-Z?.]+", text):
        raise ValueError(f"layout {value!r} must be letters such as 'NCHW', 'NHWC', 'NC' or 'N...'")
    return text


def parse_precision(value: Any) -> dict[str, str]:
    """``input_precision=`` / ``output_precision=``: name ("" for all) -> OpenVINO element type."""
    if isinstance(value, Mapping):
        return {_input_name(k): element_type(v) for k, v in value.items()}
    return {ALL: element_type(value)}


def element_type(value: Any) -> str:
    """'FP16', 'f16', 'U8' -> OpenVINO's element type name ('f16', 'u8', ...)."""
    name = ELEMENT_TYPES.get(str(value).strip().lower()) if isinstance(value, str) else None
    if name is None:
        raise ValueError(
            f"element type {value!r} unknown (use one of {', '.join(sorted(set(ELEMENT_TYPES)))})"
        )
    return name


def _input_name(key: Any) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"input names must be non-empty strings, got {key!r}")
    return key.strip()


def for_input(values: Mapping[str, Any], names: Sequence[str]) -> Any:
    """The value for an input known by ``names`` (its tensor names and node name), else the one
    given for every input, else None."""
    for name in names:
        if name in values:
            return values[name]
    return values.get(ALL)


def unknown_names(values: Mapping[str, Any], known: Sequence[Sequence[str]]) -> list[str]:
    """Keys that name no input (so a typo is an error, not silently ignored)."""
    every = {name for names in known for name in names}
    return [key for key in values if key != ALL and key not in every]


@dataclass(frozen=True)
class ModelChanges:
    """What to change in the model before compiling, parsed from the keywords above; empty means
    the model is used as read."""

    shape: Mapping[str, str] = field(default_factory=dict)
    layout: Mapping[str, str] = field(default_factory=dict)
    batch: int | None = None
    input_precision: Mapping[str, str] = field(default_factory=dict)
    output_precision: Mapping[str, str] = field(default_factory=dict)
    # benchmark_app's --mean_values / --scale_values (input name -> per-channel values) and MO's
    # --reverse_input_channels, built into the model with OpenVINO's PrePostProcessor (prepare.py).
    mean_values: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    scale_values: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    reverse_input_channels: bool = False

    def __bool__(self) -> bool:
        return any(bool(value) for value in vars(self).values())

    def key(self) -> tuple[Any, ...]:
        """Hashable identity, part of the compiled-model cache key."""
        return tuple(sorted((k, repr(v)) for k, v in vars(self).items() if v))
