"""Measurement settings: the known keywords, their validation, and precedence (pure, no pytest).

Sources, highest first: keywords given to the fixture call, the ``ovbench`` marker, then command-line
and ini defaults. ``--ov-device`` is the exception: when given it wins over every source, so one
suite runs unchanged on each CI runner's own device.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any, Callable

from pytest_ovbench.config.config_files import PropertyValue, plain_properties
from pytest_ovbench.config.shapes import (
    ALL,
    ModelChanges,
    element_type,
    parse_data_shape,
    parse_layout,
    parse_precision,
    parse_shape,
)
from pytest_ovbench.metrics import parse_gate, parse_tolerance

HINTS = ("latency", "throughput", "cumulative_throughput", "none")
DEFAULT_TIME_S = 2.0
DEFAULT_WINDOWS = 10


class SettingsError(ValueError):
    """A keyword with a bad value or an unknown keyword; ``str()`` is the user-facing reason."""

    def __init__(self, keyword: str, value: Any, reason: str) -> None:
        self.keyword = keyword
        self.value = value
        self.reason = reason
        super().__init__(f"{keyword}={value!r}: {reason}")


def positive_int(value: Any) -> int:
    """A whole number > 0 (ValueError says what is expected)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("expected a positive whole number")
    return value


def non_negative_int(value: Any) -> int:
    """A whole number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("expected a whole number >= 0")
    return value


def positive_seconds(value: Any) -> float:
    """A finite number of seconds > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("expected a number of seconds > 0")
    if not math.isfinite(value) or value <= 0:
        raise ValueError("expected a number of seconds > 0")
    return float(value)


def _non_negative_seconds(value: Any) -> float:
    if value == 0 and not isinstance(value, bool):
        return 0.0
    return positive_seconds(value)


def _hint(value: Any) -> str:
    text = str(value).lower().replace("-", "_")
    aliases = {"tput": "throughput", "ctput": "cumulative_throughput"}
    text = aliases.get(text, text)
    if text not in HINTS:
        raise ValueError(f"expected one of {', '.join(HINTS)}")
    return text


def _device(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a device name such as 'CPU' or 'GPU.0'")
    return value.strip()


def _nstreams(value: Any) -> int | str:
    if isinstance(value, str) and value.upper() == "AUTO":
        return "AUTO"
    return positive_int(value)


def _config(value: Any) -> dict[str, PropertyValue] | str:
    if isinstance(value, (str, PurePath)) and str(value).strip():
        return str(value)  # a JSON file (benchmark_app -load_config), read by the glue
    if not isinstance(value, Mapping):
        raise ValueError("expected a dict of OpenVINO property names to values, or a JSON file's path")
    return plain_properties(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected True or False")
    return value


def _folder(value: Any) -> str:
    if not isinstance(value, (str, PurePath)) or not str(value).strip():
        raise ValueError("expected a folder path")
    return str(value)


def _inputs(value: Any) -> Any:
    if isinstance(value, (str, PurePath)) and str(value).strip():
        return value
    if isinstance(value, Mapping) and value and all(isinstance(k, str) and k for k in value):
        return dict(value)
    raise ValueError(
        "expected a file or folder path, or a dict input name -> file, folder, array or value to pin"
    )


def _infer_precision(value: Any) -> str:
    return element_type(value)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


def _model(value: Any) -> Any:
    if isinstance(value, (str,)) and not value.strip():
        raise ValueError("expected a model path or an openvino.Model")
    return value


_CHANNEL_GROUP = re.compile(r"\s*([^\[\],]*?)\s*\[([^\]]*)\]\s*(?:,|$)")
CHANNEL_VALUES_FORMS = (
    "'[123.675,116.28,103.53]', 'image[0.5,0.5,0.5],other[1]', [R, G, B], a number or a dict"
)


def parse_channel_values(value: Any, nonzero: bool = False) -> dict[str, tuple[float, ...]]:
    """``mean_values=`` / ``scale_values=``: input name ("" for every image input) -> one value, or
    one per channel in the model's channel order (benchmark_app's --mean_values '[R,G,B]' forms)."""
    if isinstance(value, Mapping):
        return {_input_key(key): _channel_numbers(item, nonzero) for key, item in value.items()}
    if not isinstance(value, str) or "[" not in value:
        return {ALL: _channel_numbers(value, nonzero)}
    groups: list[tuple[str, str]] = []
    position = 0
    while position < len(value):
        match = _CHANNEL_GROUP.match(value, position)
        if match is None:
            raise ValueError(f"cannot read {value!r}: expected {CHANNEL_VALUES_FORMS}")
        groups.append((match.group(1), match.group(2)))
        position = match.end()
    names = [name for name, _ in groups]
    if len(set(names)) < len(names) or (len(names) > 1 and ALL in names):
        raise ValueError(f"cannot read {value!r}: name each input once, or give one unnamed '[...]'")
    return {name: _channel_numbers(f"[{numbers}]", nonzero) for name, numbers in groups}


def _input_key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"input names must be non-empty strings, got {key!r}")
    return key.strip()


def _channel_numbers(value: Any, nonzero: bool) -> tuple[float, ...]:
    if isinstance(value, str):
        text = value.strip().removeprefix("[").removesuffix("]")
        items: Any = [part.strip() for part in text.split(",")] if text.strip() else []
    else:
        items = value if isinstance(value, (list, tuple)) else [value]
    try:
        numbers = tuple(float(item) for item in items if not isinstance(item, bool))
    except (TypeError, ValueError):
        numbers = ()
    if not numbers or len(numbers) != len(items) or not all(math.isfinite(n) for n in numbers):
        raise ValueError(f"expected finite numbers: {CHANNEL_VALUES_FORMS}")
    if nonzero and 0.0 in numbers:
        raise ValueError("a scale of 0 would divide by zero; scale_values divide the input")
    return numbers


VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "model": _model,
    "device": _device,
    "hint": _hint,
    "niter": positive_int,
    "time": positive_seconds,
    "nireq": positive_int,
    "nstreams": _nstreams,
    "nthreads": positive_int,
    "config": _config,
    "name": _name,
    "warmup": _non_negative_seconds,
    "windows": positive_int,
    "gate": parse_gate,
    "tolerance": parse_tolerance,
    "reference": _model,
    "shape": parse_shape,
    "data_shape": parse_data_shape,
    "layout": parse_layout,
    "batch": positive_int,
    "inputs": _inputs,
    "reset_state": non_negative_int,
    "input_precision": parse_precision,
    "output_precision": parse_precision,
    "infer_precision": _infer_precision,
    "cache_dir": _folder,
    "perf_counts": _flag,
    "mean_values": parse_channel_values,
    "scale_values": lambda value: parse_channel_values(value, nonzero=True),
    "reverse_input_channels": _flag,
}


def validate(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check every keyword and convert its value; raise SettingsError on the first bad one."""
    cleaned: dict[str, Any] = {}
    for keyword, value in values.items():
        validator = VALIDATORS.get(keyword)
        if validator is None:
            known = ", ".join(sorted(VALIDATORS))
            raise SettingsError(keyword, value, f"unknown keyword (known: {known})")
        if value is None:
            continue
        try:
            cleaned[keyword] = validator(value)
        except ValueError as exc:
            raise SettingsError(keyword, value, str(exc)) from None
    return cleaned


@dataclass(frozen=True)
class Settings:
    """Everything one measurement needs to know, after precedence is settled."""

    device: str = "CPU"
    hint: str | None = None
    niter: int | None = None
    time: float | None = None
    nireq: int | None = None
    nstreams: int | str | None = None
    nthreads: int | None = None
    config: dict[str, PropertyValue] | str = field(default_factory=dict)  # str: a JSON file not read yet
    name: str | None = None
    warmup: float = 0.2
    windows: int = DEFAULT_WINDOWS
    shape: dict[str, str] = field(default_factory=dict)
    data_shape: dict[str, list[str]] = field(default_factory=dict)
    layout: dict[str, str] = field(default_factory=dict)
    batch: int | None = None
    inputs: Any = None
    reset_state: int | None = None  # None: when the input sets start over (every inference for one set)
    input_precision: dict[str, str] = field(default_factory=dict)
    output_precision: dict[str, str] = field(default_factory=dict)
    infer_precision: str | None = None
    cache_dir: str | None = None
    perf_counts: bool = False
    mean_values: dict[str, tuple[float, ...]] = field(default_factory=dict)  # subtracted per channel
    scale_values: dict[str, tuple[float, ...]] = field(default_factory=dict)  # then divided by
    reverse_input_channels: bool = False  # RGB <-> BGR before the mean and scale
    gate: tuple[str, ...] | None = None  # the metrics judged (marker's gate=); the policy's otherwise
    tolerance: float | dict[str, float] | None = None  # the allowance (marker's tolerance=)
    reference: Any = None  # reference mode against this path or openvino.Model (marker's reference=)

    def changes(self) -> ModelChanges:
        """What to change in the model before compiling (shape, layout, batch, element types,
        preprocessing)."""
        return ModelChanges(
            self.shape,
            self.layout,
            self.batch,
            self.input_precision,
            self.output_precision,
            self.mean_values,
            self.scale_values,
            self.reverse_input_channels,
        )

    def stop_rule(self) -> tuple[int | None, float | None]:
        """(niter, seconds): with neither given, the CI default of DEFAULT_TIME_S seconds."""
        if self.niter is None and self.time is None:
            return None, DEFAULT_TIME_S
        return self.niter, self.time

    def effective_hint(self, mode: str) -> str:
        """The hint used: as given, else LATENCY for sync and THROUGHPUT for async (benchmark_app)."""
        if self.hint is not None:
            return self.hint
        return "latency" if mode == "sync" else "throughput"

    def compile_config(self, mode: str) -> dict[str, Any]:
        """OpenVINO properties passed to ``Core.compile_model``, the way benchmark_app maps its flags."""
        config: dict[str, Any] = {}
        hint = self.effective_hint(mode)
        if hint != "none":
            config["PERFORMANCE_HINT"] = hint.upper()
        if self.nireq is not None and hint != "none":
            config["PERFORMANCE_HINT_NUM_REQUESTS"] = self.nireq
        if self.nstreams is not None:
            config["NUM_STREAMS"] = self.nstreams
        if self.nthreads is not None:
            config["INFERENCE_NUM_THREADS"] = self.nthreads
        if self.infer_precision is not None:
            config["INFERENCE_PRECISION_HINT"] = self.infer_precision
        if self.perf_counts:
            config["PERF_COUNT"] = True
        if isinstance(self.config, str):
            raise ValueError(f"config file {self.config} must be read before compiling (config_files.py)")
        config.update(self.config)
        return config


_FIELDS = set(Settings.__dataclass_fields__)


def merge(
    defaults: Mapping[str, Any],
    marker: Mapping[str, Any],
    call: Mapping[str, Any],
    forced_device: str | None = None,
) -> tuple[Settings, Any]:
    """Settle precedence (call > marker > defaults; a forced device over all).

    Returns the Settings and the ``model`` value (a path, an openvino.Model, or None), which the
    fixtures resolve separately because the indirect parameter outranks the marker.
    """
    combined: dict[str, Any] = {}
    for source in (defaults, marker, call):
        combined.update({k: v for k, v in source.items() if v is not None})
    if forced_device:
        combined["device"] = forced_device
    model = combined.pop("model", None)
    unknown = sorted(set(combined) - _FIELDS)
    if unknown:  # validate() refuses them first; this guards callers that skip it
        raise ValueError(f"unknown settings: {', '.join(unknown)}")
    if combined.get("gate") is not None:
        combined["gate"] = tuple(combined["gate"])
    return replace(Settings(), **combined), model
