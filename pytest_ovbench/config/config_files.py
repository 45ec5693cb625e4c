"""OpenVINO properties: ``config={...}`` made plain, and ``config="file.json"`` read.

``config={...}`` may use OpenVINO's own property objects as keys and its enums and types as values
(as OpenVINO's docs write them); :func:`plain_properties` turns them into the string names and
plain values OpenVINO accepts as well, the one form records, baselines and reports ever see.

A JSON file is in benchmark_app's ``-load_config`` form (what its ``-dump_config`` writes)::

    {"CPU": {"NUM_STREAMS": "2", "PERF_COUNT": "NO"}, "GPU": {...}}

The section of the measured device is used (``CPU`` for ``CPU``; ``GPU.1`` falls back to ``GPU``).
A file whose values are not all sections (``{"NUM_STREAMS": "2"}``) applies to every device.
``"YES"``/``"NO"`` become booleans, as benchmark_app reads them.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Union

from pytest_ovbench.config.paths import resolve_path
from pytest_ovbench.errors import OvbenchError

if TYPE_CHECKING:
    from pytest_ovbench.config.settings import Settings

PropertyValue = Union[str, int, float, bool]
"""A property value as records, baselines, JSON and reports hold it, and OpenVINO accepts it."""

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")  # what OVAny prints for an enum it has no name for


def plain_properties(properties: Mapping[Any, Any]) -> dict[str, PropertyValue]:
    """OpenVINO properties with string names and plain values (ValueError names the bad one).

    Keys may be OpenVINO's property objects (``openvino.properties.hint.inference_precision``,
    which return their name when called) and values its enums and types
    (``openvino.properties.hint.PerformanceMode.LATENCY``, ``openvino.Type.f32``): they become
    ``"INFERENCE_PRECISION_HINT"``, ``"LATENCY"`` and ``"f32"``, the strings OpenVINO itself
    accepts, so that everything stored or printed only ever sees plain values.
    """
    plain: dict[str, PropertyValue] = {}
    for key, value in properties.items():
        name = property_name(key)
        try:
            plain[name] = property_value(value)
        except ValueError as exc:
            raise ValueError(f"property {name}: {exc}") from None
    return plain


def property_name(key: Any) -> str:
    """A property's name: a string as given, or what an OpenVINO property object returns."""
    name = key() if _from_openvino(key) and callable(key) else key
    if not isinstance(name, str):
        raise ValueError(
            f"property names must be strings or openvino.properties objects, got {type(key).__name__} {key!r}"
        )
    if not name or not name.isprintable() or name != name.strip():
        raise ValueError(f"{name!r} is not a property name (e.g. 'NUM_STREAMS')")
    return str.__str__(name)


def property_value(value: Any) -> PropertyValue:
    """A plain str, int, float or bool: as given, or converted from OpenVINO's or numpy's own types."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)  # an IntEnum becomes its number
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a usable number")
        return float(value)
    if isinstance(value, str):
        return str.__str__(value)  # a str enum becomes its value, not 'Class.NAME'
    if _from_openvino(value):
        return _openvino_text(value)
    if type(value).__module__ == "numpy" and callable(getattr(value, "item", None)):
        return property_value(value.item())
    raise ValueError(f"expected a string, number or boolean, got {type(value).__name__} {value!r}")


def _from_openvino(value: Any) -> bool:
    return type(value).__module__.split(".", 1)[0] == "openvino"


def _openvino_text(value: Any) -> PropertyValue:
    """OpenVINO's own string for one of its values, e.g. ``Type.f32`` -> ``"f32"``,
    ``log.Level.ERR`` -> ``"LOG_ERROR"`` (what ``OVAny.astype(str)`` says)."""
    # Not imported here (this package never imports openvino): the value came from it, so it is loaded.
    openvino = sys.modules["openvino"]
    if isinstance(value, openvino.OVAny):
        return property_value(value.value)
    try:
        text = openvino.OVAny(value).astype(str)
    except Exception:  # OpenVINO raises its own types; the fallback below says why
        text = ""
    name = getattr(value, "name", None)
    unprinted = not text or _ADDRESS.fullmatch(text) or text == f"{type(value).__name__}.{name}"
    if unprinted and isinstance(name, str):
        text = name  # an enum OVAny cannot print (CacheMode): its name is what OpenVINO reads
    if not isinstance(text, str) or not text or _ADDRESS.fullmatch(text):
        raise ValueError(f"cannot turn {value!r} into a property value; give it as a string")
    return text


def read_config(path: Path, device: str) -> dict[str, PropertyValue]:
    """The properties ``path`` gives ``device`` (OvbenchError names the file and the problem)."""
    data = _load(path)
    if data and all(isinstance(v, dict) for v in data.values()):
        section = data.get(device, data.get(device.split(".", 1)[0]))
        if section is None:
            raise OvbenchError(
                f"config file {path} has no section for device {device} (it has {', '.join(data)}); "
                f'add one: {{"{device}": {{"NUM_STREAMS": "1"}}}}'
            )
        data = section
    return _properties(path, data)


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OvbenchError(
            f"config file not found: {path} (relative paths are taken against pytest's rootdir)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise OvbenchError(f"cannot read config file {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OvbenchError(
            f"config file {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise OvbenchError(f"config file {path} must hold a JSON object of devices to properties")
    return data


def _properties(path: Path, data: dict[str, Any]) -> dict[str, PropertyValue]:
    try:
        properties = plain_properties(data)
    except ValueError as exc:
        raise OvbenchError(f"config file {path}: {exc}") from None
    return {key: value == "YES" if value in ("YES", "NO") else value for key, value in properties.items()}


def with_files(settings: Settings, rootdir: Path) -> Settings:
    """The settings with paths taken against pytest's rootdir and a ``config=`` file read."""
    changed: dict[str, Any] = {}
    if isinstance(settings.config, str):
        changed["config"] = read_config(resolve_path(settings.config, rootdir), settings.device)
    if isinstance(settings.inputs, (str, PurePath)):
        changed["inputs"] = resolve_path(str(settings.inputs), rootdir)
    elif isinstance(settings.inputs, dict):
        changed["inputs"] = {
            name: resolve_path(str(value), rootdir) if isinstance(value, (str, PurePath)) else value
            for name, value in settings.inputs.items()
        }
    return replace(settings, **changed) if changed else settings
