"""Per-layer profiles as baseline data: what an entry's ``layers:`` holds, and its validation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_ovbench.measure.layers import STATUSES, Layer

ENTRY_KEYS = ("type", "exec_type", "status", "real_time_ms")
_NAME_SHOWN = 80


def layer_entry(layers: Sequence[Layer]) -> dict[str, dict[str, Any]]:
    """The layers as baseline data: ``{node_name: {type, exec_type, status, real_time_ms}}``.

    Plain str and float only; the storage layer rounds the times.
    """
    return {
        layer.name: {
            "type": layer.type,
            "exec_type": layer.exec_type,
            "status": layer.status,
            "real_time_ms": float(layer.real_time_ms),
        }
        for layer in layers
    }


def validate_layer_entry(value: Any) -> None:
    """Raise ValueError naming what is wrong with (possibly hand-edited) stored layers.

    Keys other than those ``layer_entry`` writes are tolerated, like elsewhere in a baseline entry.
    """
    if not isinstance(value, Mapping):
        raise ValueError(
            "'layers' must be a mapping of layer names to {type, exec_type, status, real_time_ms}, "
            f"not a {type(value).__name__}"
        )
    for name, layer in value.items():
        if not isinstance(name, str):
            raise ValueError(f"layers: layer names must be strings, got {_shown(name)}")
        _validate_layer(name, layer)


def _validate_layer(name: str, layer: Any) -> None:
    where = f"layers -> {_shown(name)}"
    if not isinstance(layer, Mapping):
        raise ValueError(f"{where}: must be a mapping with keys {', '.join(ENTRY_KEYS)}")
    missing = [key for key in ENTRY_KEYS if key not in layer]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(repr(key) for key in missing)}")
    for key in ("type", "exec_type"):
        if not isinstance(layer[key], str):
            raise ValueError(f"{where}: {key!r} must be a string, got {_shown(layer[key])}")
    if layer["status"] not in STATUSES:
        raise ValueError(
            f"{where}: 'status' must be one of {', '.join(STATUSES)}, got {_shown(layer['status'])}"
        )
    time = layer["real_time_ms"]
    if isinstance(time, bool) or not isinstance(time, (int, float)) or not math.isfinite(time) or time < 0:
        raise ValueError(f"{where}: 'real_time_ms' must be a finite number >= 0, got {_shown(time)}")


def _shown(value: Any) -> str:
    """``repr`` cut short: a hostile file must not flood the message."""
    text = repr(value)
    return text if len(text) <= _NAME_SHOWN else text[: _NAME_SHOWN - 3] + "..."
