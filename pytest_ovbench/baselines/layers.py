"""Per-layer profiles as baseline data: what an entry's ``layers:`` holds, and its validation.

One node per line (``dumping.py`` writes each layer as a flow mapping)::

    conv: {exec_type: brgconv_avx2_f32, real_time_ms: 0.1234, spread_ms: 0.0031, status: EXECUTED, ...}
    reorder: {exec_type: jit_uni_bf16, real_time_ms: 0.012, spread_ms: 0.0061, ..., unstable: [status]}

``real_time_ms`` is the median over the baseline's runs, ``spread_ms`` their standard deviation
(two significant digits; only with several runs), ``unstable`` what differed between those runs
(``judge/plan.py`` ignores a flip of it). Entries written before these keys are read as they are.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_ovbench.judge.plan import aligned, layer_changes, moved_beyond_noise, total_ms
from pytest_ovbench.measure.layers import STATUSES, Layer

ENTRY_KEYS = ("type", "exec_type", "status", "real_time_ms")
VARYING = ("exec_type", "status")  # what ``unstable`` may name
SPREAD_DIGITS = 2  # a spread is a noise estimate: two digits say all it knows
_NAME_SHOWN = 80


def layer_entry(layers: Sequence[Layer]) -> dict[str, dict[str, Any]]:
    """The layers of one run as baseline data: ``{node_name: {type, exec_type, status, real_time_ms}}``.

    Plain str and float only; the storage layer rounds the times.
    """
    return pooled_layers([layers])


def pooled_layers(runs: Sequence[Sequence[Layer]]) -> dict[str, dict[str, Any]]:
    """The layers of one or more runs of a measurement as baseline data, keyed by the first run's
    node names (other runs' nodes paired as ``judge.plan.aligned`` pairs them): per node the kernel
    and status most runs had, the median time, with several runs the spread of the times, and
    ``unstable`` naming what differed between the runs."""
    first = runs[0]
    groups: dict[str, list[Layer]] = {layer.name: [layer] for layer in first}
    for run in runs[1:]:
        for name, layer in _paired(first, run).items():
            groups[name].append(layer)
    return {name: _pooled(group, several=len(runs) > 1) for name, group in groups.items()}


def _paired(first: Sequence[Layer], run: Sequence[Layer]) -> dict[str, Layer]:
    """The layers of ``run`` keyed by the name of the same node in ``first``."""
    by_name = {layer.name: layer for layer in run}
    table = {layer.name: {"type": layer.type, "name": layer.name} for layer in run}
    names = {layer.name for layer in first}
    return {name: by_name[str(old["name"])] for name, old in aligned(table, first).items() if name in names}


def _pooled(group: Sequence[Layer], several: bool) -> dict[str, Any]:
    times = [float(layer.real_time_ms) for layer in group]
    record: dict[str, Any] = {
        "type": group[0].type,
        "exec_type": _most_common([layer.exec_type for layer in group]),
        "status": _most_common([layer.status for layer in group]),
        "real_time_ms": float(statistics.median(times)),
    }
    if several:
        spread = statistics.stdev(times) if len(times) > 1 else 0.0
        record["spread_ms"] = float(f"{spread:.{SPREAD_DIGITS}g}")
    unstable = [key for key in VARYING if len({getattr(layer, key) for layer in group}) > 1]
    if unstable:
        record["unstable"] = unstable
    return record


def _most_common(values: Sequence[str]) -> str:
    return Counter(values).most_common(1)[0][0]  # ties: the first run's


def kept_layers(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """``new`` (an entry being rewritten), with each node whose plan did not change and whose time did
    not move beyond its noise taken from ``old`` exactly as it was, so that its line stays the same.

    A node ``old`` lacks a key of (an entry written before ``spread_ms``; a node newly seen
    ``unstable``) takes the new record."""
    current = [_as_layer(name, record) for name, record in new.items()]
    paired = aligned(old, current)
    total = total_ms(old)
    kept: dict[str, dict[str, Any]] = {}
    for layer in current:
        before, after = paired.get(layer.name), dict(new[layer.name])
        same = before is not None and _same(before, after, layer, total)
        kept[layer.name] = dict(before) if same and before is not None else after
    return kept


def _same(before: Mapping[str, Any], after: Mapping[str, Any], layer: Layer, total: float) -> bool:
    if set(after) - set(before) or not set(after.get("unstable", ())) <= set(before.get("unstable", ())):
        return False
    if layer_changes({layer.name: before}, [layer]):
        return False
    return moved_beyond_noise(before, float(before["real_time_ms"]), layer.real_time_ms, total) == 0.0


def _as_layer(name: str, record: Mapping[str, Any]) -> Layer:
    time = float(record["real_time_ms"])
    return Layer(name, str(record["type"]), str(record["exec_type"]), str(record["status"]), time, 0.0)


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
    for key in ("real_time_ms", "spread_ms"):
        if key in layer and not _time(layer[key]):
            raise ValueError(f"{where}: {key!r} must be a finite number >= 0, got {_shown(layer[key])}")
    unstable = layer.get("unstable", [])
    if not isinstance(unstable, list) or any(mark not in VARYING for mark in unstable):
        raise ValueError(
            f"{where}: 'unstable' must be a list of {' and '.join(VARYING)}, got {_shown(unstable)}"
        )


def _time(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and value >= 0


def _shown(value: Any) -> str:
    """``repr`` cut short: a hostile file must not flood the message."""
    text = repr(value)
    return text if len(text) <= _NAME_SHOWN else text[: _NAME_SHOWN - 3] + "..."
