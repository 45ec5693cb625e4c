"""The workspace of a run, without pytest: one OpenVINO Core, the model and compiled-model caches,
the baselines read so far, temporary folders, and how the engine is asked to judge.

The pytest session object (``plugin/session.py``) holds one; so could any other front end.
OpenVINO is imported on first use, so a run without ovbench tests never pays for it.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_ovbench.config.paths import resolve_path
from pytest_ovbench.config.settings import Settings
from pytest_ovbench.config.shapes import ModelChanges
from pytest_ovbench.errors import DynamicInputs, ModelError
from pytest_ovbench.runtime.models import LoadedModel, dynamic_inputs, read_model
from pytest_ovbench.runtime.prepare import apply_changes

if TYPE_CHECKING:
    from pytest_ovbench.baselines.store import Entries
    from pytest_ovbench.engine.history_gate import HistoryGate
    from pytest_ovbench.judge.gate import Policy
    from pytest_ovbench.measure.result import Result
    from pytest_ovbench.measure.runner import Rulers
    from pytest_ovbench.runtime.compiling import CompileCache, Compiled


def _check_static(model: Any, settings: Settings) -> None:
    """A model left dynamic needs data_shape= or inputs= to say what it runs with."""
    dynamic = dynamic_inputs(model)
    if dynamic and not settings.data_shape and settings.inputs is None:
        raise DynamicInputs(dynamic, len(model.inputs) > 1)


@dataclass
class Workspace:
    """What every check of a run shares: where things are, how to judge, and the caches."""

    rootdir: Path
    baselines_dir: Path
    policy_values: dict[str, Any] = field(default_factory=dict)  # Policy fields set by ini/CLI
    update: bool = False  # record baselines instead of judging
    reference_rev: str | None = None  # reference mode against the model files at this git revision
    use_yardstick: bool = True  # stored mode measures the machine yardstick alongside (yardstick.py)
    progress_writer: Callable[[str], None] | None = None  # progress of long measurements, if wanted
    history: HistoryGate | None = None  # stored mode reads the history store (--ov-history)
    _core: Any = None
    _compile_cache: CompileCache | None = None
    _models_by_path: dict[tuple[str, int, int], LoadedModel] = field(default_factory=dict)
    _models_by_id: dict[int, LoadedModel] = field(default_factory=dict)
    _entries: dict[Path, Entries] = field(default_factory=dict)
    _env_keys: dict[str, str] = field(default_factory=dict)
    _temp_dirs: list[Path] = field(default_factory=list)
    _prepared_models: dict[Any, Any] = field(default_factory=dict)
    _yardstick_models: tuple[Any, Any] | None = None
    _saved_models: dict[int, str] = field(default_factory=dict)  # compiled model -> its IR (fresh runs)

    @functools.cached_property
    def policy(self) -> Policy:
        """Policy's defaults with ``policy_values``; built on first use, as judge/gate.py brings
        numpy and scipy, which a run without ovbench tests never needs."""
        from pytest_ovbench.judge.gate import Policy

        return replace(Policy(), **self.policy_values)

    def judge_at(self, alpha: float) -> None:
        """Judge every later comparison at this false-alarm level (the suite's share of it)."""
        self.policy_values["alpha"] = alpha
        self.__dict__.pop("policy", None)  # built again, with it, on next use

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

    def compile(self, loaded: LoadedModel, settings: Settings, mode: str, copy: int = 0) -> Compiled:
        """The model prepared (shape=, layout=, ...) and compiled for the settings, once per session
        (per ``copy``: reference mode compiles each model more than once, measure/paired.py)."""
        if self._compile_cache is None:
            from pytest_ovbench.runtime.compiling import CompileCache

            self._compile_cache = CompileCache(self.core)
        changes = settings.changes()
        identity = (str(loaded.path) if loaded.path is not None else id(loaded.model), changes.key())
        label = str(loaded.path) if loaded.path is not None else repr(loaded.model.get_friendly_name())
        try:
            model = self._prepared(loaded, changes, identity)
            _check_static(model, settings)
            cache_dir = self.cache_dir(settings.cache_dir)
            compiled = self._compile_cache.compile(
                model,
                (identity, copy) if copy else identity,
                settings.device,
                settings.compile_config(mode),
                cache_dir,
            )
        except ModelError as exc:
            raise ModelError(f"{label}: {exc}") from None
        compiled.read_ms = loaded.read_ms if loaded.path is not None else None
        compiled.label = label
        return compiled

    def rulers(self, settings: Settings, mode: str) -> Rulers | None:
        """The yardstick and the probe compiled like the model (same device, hint, streams,
        threads), or None when they are switched off (ini ``ov_yardstick = false``)."""
        if not self.use_yardstick:
            return None
        from pytest_ovbench.measure.runner import Rulers
        from pytest_ovbench.measure.yardstick import PROBE, YARDSTICK, build, build_probe, ruler_config

        if self._yardstick_models is None:
            self._yardstick_models = (build(), build_probe())
        config = ruler_config(settings.compile_config(mode))
        assert self._compile_cache is not None  # the model was compiled first
        yardstick, probe = (
            self._compile_cache.compile(model, name, settings.device, config)
            for model, name in zip(self._yardstick_models, (YARDSTICK, PROBE))
        )
        return Rulers(yardstick, probe)

    def _prepared(self, loaded: LoadedModel, changes: ModelChanges, identity: Any) -> Any:
        if not changes:
            return loaded.model
        if identity not in self._prepared_models:
            self._prepared_models[identity] = apply_changes(loaded.model, changes)
        return self._prepared_models[identity]

    def cache_dir(self, folder: str | None) -> str | None:
        """``cache_dir=`` / --ov-cache-dir as an absolute, existing, writable folder."""
        if folder is None:
            return None
        path = resolve_path(folder, self.rootdir)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelError(f"cannot create the model cache folder {path}: {exc.strerror}") from None
        if not os.access(path, os.W_OK):
            raise ModelError(
                f"the model cache folder {path} is not writable: fix its permissions or give "
                "another folder with cache_dir= / --ov-cache-dir"
            )
        return str(path)

    def env_key(self, device: str) -> str:
        if device not in self._env_keys:
            from pytest_ovbench.runtime.environment import environment_key

            self._env_keys[device] = environment_key(self.core, device)
        return self._env_keys[device]

    def entries(self, path: Path) -> Entries:
        """The baselines of one module file, read once (BaselineFileError if unusable)."""
        if path not in self._entries:
            from pytest_ovbench.baselines.entry import validate_entry
            from pytest_ovbench.baselines.store import load_entries

            self._entries[path] = load_entries(path, validate_entry)
        return self._entries[path]

    def forget_entries(self, path: Path) -> None:
        self._entries.pop(path, None)

    def watch(self, label: str, seconds: float | None) -> Callable[[], AbstractContextManager[object]]:
        """What measure() wraps its loop in: progress on the terminal with -v, else nothing. One
        stopwatch for every run of a measurement, so that its clock counts them all."""
        from pytest_ovbench.engine.progress import Stopwatch

        return Stopwatch(self.progress_writer, label)

    def temp_dir(self) -> Path:
        from pytest_ovbench.runtime.reference import reference_folder

        self._temp_dirs.append(reference_folder())
        return self._temp_dirs[-1]

    def fresh_run(self, compiled: Compiled, settings: Settings, mode: str) -> Result:
        """Measure the compiled model again in a fresh process (replicate.py); ReplicateError
        says why not. The prepared model is written as IR once per session."""
        from pytest_ovbench.measure.replicate import Job, run_fresh, save_model

        key = id(compiled.compiled_model)
        if key not in self._saved_models:
            self._saved_models[key] = save_model(compiled.model, self.temp_dir() / "model")
        job = Job(
            self._saved_models[key],
            settings.device,
            settings.compile_config(mode),
            self.cache_dir(settings.cache_dir),
            replace(settings, reference=None),
            mode,
            self.use_yardstick,
        )
        return run_fresh(job, self.temp_dir())

    def close(self) -> None:
        if self._compile_cache is not None:
            self._compile_cache.clear()
        self._models_by_path.clear()
        self._models_by_id.clear()
        self._prepared_models.clear()
        self._core = None
        for folder in self._temp_dirs:
            shutil.rmtree(folder, ignore_errors=True)
