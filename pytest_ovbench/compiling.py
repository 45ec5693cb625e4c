"""Compiling models for a device, cached per session, and reading back the effective properties."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .errors import DeviceUnavailable, ModelError, openvino_reason

REPORTED_PROPERTIES = (
    "PERFORMANCE_HINT",
    "NUM_STREAMS",
    "INFERENCE_NUM_THREADS",
    "OPTIMAL_NUMBER_OF_INFER_REQUESTS",
    "INFERENCE_PRECISION_HINT",
)


@dataclass
class Compiled:
    """A compiled model with what it cost to make."""

    compiled_model: Any  # openvino.CompiledModel
    compile_ms: float
    properties: dict[str, Any]
    batch: int


def plain(value: Any) -> Any:
    """A property value as a plain YAML-friendly scalar (enums and ov.Type become strings)."""
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    text = str(value)
    return text.split("'")[1] if text.startswith("<Type: '") else text


def read_properties(compiled_model: Any) -> dict[str, Any]:
    """The effective compiled properties we report and record (those the device supports)."""
    supported = compiled_model.get_property("SUPPORTED_PROPERTIES")
    return {k: plain(compiled_model.get_property(k)) for k in REPORTED_PROPERTIES if k in supported}


def batch_size(model: Any) -> int:
    """Batch as benchmark_app takes it: the N dimension of a layout, else of a guessed image layout."""
    for port in model.inputs:
        shape = port.get_partial_shape()
        layout = port.get_node().get_layout()
        if layout.has_name("N"):
            index = layout.get_index_by_name("N")
        elif len(shape) == 4 and _image_like(shape):
            index = 0
        else:
            continue
        dim = shape[index]
        if dim.is_static:
            return max(1, int(dim.get_length()))
    return 1


def _image_like(shape: Any) -> bool:
    second, last = int(shape[1].get_max_length()), int(shape[3].get_max_length())
    return (second <= 4 < last) or (last <= 4 < second)


def check_device(core: Any, device: str) -> None:
    """Raise DeviceUnavailable when no available device matches (AUTO/MULTI/HETERO are virtual)."""
    base = device.split(":", 1)[0].split(".", 1)[0].upper()
    if base in ("AUTO", "MULTI", "HETERO", "BATCH"):
        return
    available = list(core.available_devices)
    if device not in available and base not in {d.split(".", 1)[0] for d in available}:
        raise DeviceUnavailable(device, available)


@dataclass
class CompileCache:
    """Compiled models for a session, keyed by model identity, device and config."""

    core: Any
    entries: dict[tuple[Any, ...], Compiled] = field(default_factory=dict)
    # Keep models alive so that id() keys cannot be reused by another object.
    _models: dict[int, Any] = field(default_factory=dict)

    def compile(self, model: Any, identity: Any, device: str, config: dict[str, Any]) -> Compiled:
        key = (identity, device, tuple(sorted((k, repr(v)) for k, v in config.items())))
        cached = self.entries.get(key)
        if cached is None:
            check_device(self.core, device)
            cached = self.entries[key] = compile_model(self.core, model, device, config)
            self._models[id(model)] = model
        return cached

    def clear(self) -> None:
        self.entries.clear()
        self._models.clear()


def compile_model(core: Any, model: Any, device: str, config: dict[str, Any]) -> Compiled:
    """``Core.compile_model`` timed; OpenVINO's errors shortened to a few lines."""
    start = time.perf_counter()
    try:
        compiled_model = core.compile_model(model, device, config)
    except Exception as exc:
        reason = openvino_reason(exc).replace("\n", "\n  ")
        raise ModelError(
            f"OpenVINO cannot compile model {model.get_friendly_name()!r} for "
            f"{device} with {config}:\n  {reason}"
        ) from None
    compile_ms = (time.perf_counter() - start) * 1e3
    return Compiled(compiled_model, compile_ms, read_properties(compiled_model), batch_size(model))
