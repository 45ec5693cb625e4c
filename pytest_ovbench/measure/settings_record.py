"""The settings of a measurement as plain values, for reports and baselines (no pytest)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.config.shapes import ALL
from pytest_ovbench.runtime.prepare import describe_changes


def settings_record(settings: Settings, mode: str) -> dict[str, Any]:
    """The settings as given plus the resolved hint and stop rule, for reports and baselines."""
    niter, seconds = settings.stop_rule()
    record: dict[str, Any] = {
        "hint": settings.effective_hint(mode),
        "niter": niter,
        "time": seconds,
        "windows": settings.windows,
    }
    for key in ("nireq", "nstreams", "nthreads", "infer_precision", "reset_state", "cache_dir"):
        if getattr(settings, key) is not None:
            record[key] = getattr(settings, key)
    if settings.config:
        record["config"] = settings.config if isinstance(settings.config, str) else dict(settings.config)
    record.update(describe_changes(settings.changes()))
    if settings.data_shape:
        record["data_shape"] = {"*" if k == ALL else k: list(v) for k, v in settings.data_shape.items()}
    if settings.inputs is not None:
        record["inputs"] = describe_inputs(settings.inputs)
    if settings.perf_counts:
        record["perf_counts"] = True
    return record


def describe_inputs(spec: Any) -> Any:
    """``inputs=`` as plain values: paths as text, pinned arrays by shape and type."""
    if isinstance(spec, dict):
        return {name: describe_inputs(value) for name, value in spec.items()}
    if isinstance(spec, np.ndarray):
        return f"array {list(spec.shape)} {spec.dtype}"
    return spec if isinstance(spec, (bool, int, float)) else str(spec)
