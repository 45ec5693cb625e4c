"""Compiling models for a device, cached per session, and reading back the effective properties."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_ovbench.errors import DeviceUnavailable, ModelError, openvino_reason
from pytest_ovbench.runtime.memory import phase

if TYPE_CHECKING:
    from pytest_ovbench.config.settings import Settings
    from pytest_ovbench.inputs.feeds import Feed

REPORTED_PROPERTIES = (
    "PERFORMANCE_HINT",
    "NUM_STREAMS",
    "INFERENCE_NUM_THREADS",
    "OPTIMAL_NUMBER_OF_INFER_REQUESTS",
    "INFERENCE_PRECISION_HINT",
)


@dataclass
class Compiled:
    """A compiled model with what it cost to make (times in ms, memory in MiB)."""

    compiled_model: Any  # openvino.CompiledModel
    compile_ms: float
    properties: dict[str, Any]
    batch: int
    model: Any = None  # the openvino.Model compiled (after shape= and the other changes)
    read_ms: float | None = None
    cached_compile_ms: float | None = None  # compiling again from a warm cache_dir
    compile_memory_mb: float | None = None
    label: str = ""  # the model's path or name, for messages
    _feeds: dict[str, list[Feed]] = field(default_factory=dict)

    def feeds(self, settings: Settings) -> list[Feed]:
        """The input sets for these settings (planned once per data_shape/inputs combination)."""
        from pytest_ovbench.inputs.feeds import plan_feeds

        key = repr((settings.data_shape, settings.inputs))
        if key not in self._feeds:
            try:
                self._feeds[key] = plan_feeds(self.model, settings.data_shape, settings.inputs, Path("."))
            except ModelError as exc:
                raise ModelError(f"{self.label}: {exc}" if self.label else str(exc)) from None
        return self._feeds[key]


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

    def compile(
        self, model: Any, identity: Any, device: str, config: dict[str, Any], cache_dir: str | None = None
    ) -> Compiled:
        """Compiled once per (model identity, device, config, cache folder) in a session."""
        key = (identity, device, tuple(sorted((k, repr(v)) for k, v in config.items())), cache_dir)
        cached = self.entries.get(key)
        if cached is None:
            check_device(self.core, device)
            cached = self.entries[key] = compile_model(self.core, model, device, config, cache_dir)
            self._models[id(model)] = model
        return cached

    def clear(self) -> None:
        self.entries.clear()
        self._models.clear()


def _load_plugin(core: Any, device: str) -> None:
    """Load the device's plugin before compile time is taken (the first compile would pay for it)."""
    # Virtual devices (AUTO:...) may not answer; compiling then says what is wrong.
    with contextlib.suppress(Exception):
        core.get_property(device, "SUPPORTED_PROPERTIES")


def _timed_compile(core: Any, model: Any, device: str, config: dict[str, Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    try:
        compiled_model = core.compile_model(model, device, config)
    except Exception as exc:
        reason = openvino_reason(exc).replace("\n", "\n  ")
        raise ModelError(
            f"OpenVINO cannot compile model {model.get_friendly_name()!r} for "
            f"{device} with {config}:\n  {reason}"
        ) from None
    return compiled_model, (time.perf_counter() - start) * 1e3


def compile_model(
    core: Any, model: Any, device: str, config: dict[str, Any], cache_dir: str | None = None
) -> Compiled:
    """``Core.compile_model`` timed, with its peak resident memory; OpenVINO's errors shortened.

    ``compile_ms`` is always a compile from scratch. With ``cache_dir`` the model is then compiled
    twice more with ``CACHE_DIR`` set: once so that the cache holds it, once timed from the warm
    cache (``cached_compile_ms``), which is what a service restarting with a model cache pays.
    """
    _load_plugin(core, device)
    with phase() as used:
        compiled_model, compile_ms = _timed_compile(core, model, device, config)
    compiled = Compiled(compiled_model, compile_ms, read_properties(compiled_model), batch_size(model), model)
    compiled.compile_memory_mb = used.increase_mb
    if cache_dir is not None:
        cached_config = {**config, "CACHE_DIR": cache_dir}
        _timed_compile(core, model, device, cached_config)
        compiled.cached_compile_ms = _timed_compile(core, model, device, cached_config)[1]
    return compiled
