"""Session state: one OpenVINO Core, the model and compiled-model caches, and every result made.

Kept as a plugin object under a ``pytest.StashKey`` (see plugin.py). OpenVINO is imported on first
use, so a run without ovbench tests never pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .errors import ModelError
from .models import LoadedModel, read_model, resolve_path

if TYPE_CHECKING:
    from .compiling import CompileCache, Compiled
    from .result import Result

SESSION_KEY = pytest.StashKey["OvbenchSession"]()


@dataclass
class Measurement:
    """A result and the test that made it."""

    nodeid: str
    result: Result
    model: LoadedModel


@dataclass
class OvbenchSession:
    """Everything the fixtures share across a pytest session."""

    rootdir: Path
    strict: bool = False
    measurements: list[Measurement] = field(default_factory=list)
    _core: Any = None
    _compile_cache: CompileCache | None = None
    _models_by_path: dict[tuple[str, int, int], LoadedModel] = field(default_factory=dict)
    _models_by_id: dict[int, LoadedModel] = field(default_factory=dict)

    @property
    def core(self) -> Any:
        if self._core is None:
            import openvino

            self._core = openvino.Core()
        return self._core

    def load_model(self, spec: Any) -> LoadedModel:
        """A path (read once per session while the file is unchanged) or an openvino.Model."""
        if isinstance(spec, (str, Path)):
            path = resolve_path(spec, self.rootdir)
            stat = path.stat() if path.is_file() else None
            key = (str(path), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
            if key not in self._models_by_path:
                self._models_by_path[key] = self._remember(read_model(self.core, path))
            return self._models_by_path[key]
        if hasattr(spec, "get_parameters") and hasattr(spec, "inputs"):
            known = self._models_by_id.get(id(spec))
            return known if known is not None else self._remember(LoadedModel(spec, None, 0.0))
        raise ModelError(
            f"cannot use {spec!r} as a model: give a file path (IR .xml, .onnx, "
            ".tflite, .pdmodel, ...) or an openvino.Model"
        )

    def _remember(self, loaded: LoadedModel) -> LoadedModel:
        self._models_by_id[id(loaded.model)] = loaded
        return loaded

    def compile(self, loaded: LoadedModel, device: str, config: dict[str, Any]) -> Compiled:
        if self._compile_cache is None:
            from .compiling import CompileCache

            self._compile_cache = CompileCache(self.core)
        identity = str(loaded.path) if loaded.path is not None else id(loaded.model)
        return self._compile_cache.compile(loaded.model, identity, device, config)

    def record(self, nodeid: str, result: Result, model: LoadedModel) -> None:
        """Keep a result; a test's measurement names must be unique, since baselines key on them."""
        for earlier in self.measurements_of(nodeid):
            if earlier.result.name == result.name:
                raise pytest.UsageError(
                    f"{nodeid}: a second measurement named {result.name!r}; give each measurement "
                    "of a test its own name, e.g. infer_sync(name='batch8')"
                )
        self.measurements.append(Measurement(nodeid, result, model))

    def measurements_of(self, nodeid: str) -> list[Measurement]:
        return [m for m in self.measurements if m.nodeid == nodeid]

    def close(self) -> None:
        if self._compile_cache is not None:
            self._compile_cache.clear()
        self._models_by_path.clear()
        self._models_by_id.clear()
        self._core = None
