"""Per-layer profiles: OpenVINO's performance counters averaged, stored and compared with a baseline.

With ``PERF_COUNT`` on, every infer request keeps the counters of its last inference in
``profiling_info``: one entry per node of the *executed* graph (node name, type, the kernel that ran as
``exec_type`` such as ``brgconv_avx2_f32``, status, real and CPU time). Two uses follow:

* timing: the layers whose time moved most explain a regression (``top_moves``);
* the execution plan: the kernel and status of each node are exact, so a fallback to a reference
  kernel, a lost fusion or a precision change is reported without any timing noise
  (``layer_changes``), even when the timing verdict is inconclusive.

Counters are averaged per node name like ``benchmark_app -pc -report_type average_counters`` does,
except that each node is divided by the number of snapshots that hold it, and snapshots in which
nothing executed (a request that never ran) are left out rather than averaged in as zeros.

On CPU the counters live in the graph of a stream, not in the request: every request on a stream
reports the last inference that ran on that stream, whichever request ran it. Reading the requests
of a queue therefore averages only the last inference of each stream; ``profile`` averages many.
OpenVINO itself is not imported: requests and their counters are duck-typed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

EXECUTED = "EXECUTED"
STATUSES = (EXECUTED, "NOT_RUN", "OPTIMIZED_OUT")
ENTRY_KEYS = ("type", "exec_type", "status", "real_time_ms")

# Most serious first: a reference kernel or a lost fusion costs time for sure; a precision change may
# be intended (a quantized model) but changes results too; added/removed nodes mean the graph changed.
SEVERITY = ("fallback", "fusion lost", "precision", "implementation", "removed", "added", "fused")

_REASONS = {
    "fallback": "fell back to a reference implementation",
    "fusion lost": "no longer fused or optimized out, now runs on its own",
    "implementation": "implementation changed",
    "fused": "now fused into a neighbour or optimized out",
}

# The CPU plugin ends exec_type with the precision it ran in: f32, bf16, I8, u8, FP32 (older), ...
_PRECISION = re.compile(r"_(b?f\d+|fp\d+|[iu]\d+|nf4|f\de\dm\d|boolean|bin)$", re.IGNORECASE)
# "ref" as a word of the name (ref_any_f32, gemm_ref, ref:any), not any three letters that spell it.
_REFERENCE = re.compile(r"(?:^|[_:])ref(?:[_:]|$)", re.IGNORECASE)
_MS = timedelta(milliseconds=1)
_NAME_SHOWN = 80


@dataclass(frozen=True)
class Layer:
    """One node of the executed graph with its counters (times averaged over the snapshots read)."""

    name: str
    type: str
    exec_type: str
    status: str  # "EXECUTED" | "NOT_RUN" | "OPTIMIZED_OUT"
    real_time_ms: float
    cpu_time_ms: float


@dataclass(frozen=True)
class LayerChange:
    """A difference in the execution plan of one node between the baseline and this run."""

    name: str
    kind: str  # one of SEVERITY
    before: str  # the baseline's exec_type (with its status when it did not execute); "" when added
    after: str  # this run's, likewise; "" when removed
    type: str = ""  # the node type, for messages

    def describe(self) -> str:
        """One line for a failure message, e.g. ``conv (Convolution): brgconv_avx2_f32 -> ref_any_f32:
        fell back to a reference implementation``."""
        head = f"{self.name} ({self.type})" if self.type else self.name
        if self.kind == "added":
            return f"{head}: not in the baseline, now {self.after}"
        if self.kind == "removed":
            return f"{head}: was {self.before} in the baseline, now gone"
        return f"{head}: {self.before} -> {self.after}: {self._reason()}"

    def _reason(self) -> str:
        if self.kind == "precision":
            return f"precision changed ({_precision(self.before)} -> {_precision(self.after)})"
        return _REASONS.get(self.kind, self.kind)


# ----------------------------------------------------------------------------------------- reading


def read_counters(requests: Sequence[Any]) -> list[Layer]:
    """Average the current ``profiling_info`` of one or more infer requests.

    Each request holds the counters of the last inference (on CPU: the last of its stream, see the
    module docstring). Requests in which no node executed (never run, or compiled without
    ``PERF_COUNT``: OpenVINO then reports every node NOT_RUN with zero times) are left out. The order
    of the first request is kept; nodes only later requests have follow it. Raises ValueError when
    no request has counters.
    """
    return _average([_snapshot(request.profiling_info) for request in requests])


def profile(request: Any, iterations: int) -> list[Layer]:
    """Run ``request.infer()`` ``iterations`` times and average the counters read after each run.

    Meant to follow the measured loop, so that the loop itself never pays for reading counters. The
    request must be compiled with ``PERF_COUNT`` and have its inputs set.
    """
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, got {iterations}")
    snapshots = []
    for _ in range(iterations):
        request.infer()
        snapshots.append(_snapshot(request.profiling_info))
    return _average(snapshots)


def _snapshot(infos: Sequence[Any]) -> list[Layer]:
    return [
        Layer(
            name=str(info.node_name),
            type=str(info.node_type),
            exec_type=str(info.exec_type),
            status=str(info.status).split(".")[-1],  # "Status.EXECUTED" -> "EXECUTED"
            real_time_ms=info.real_time / _MS,
            cpu_time_ms=info.cpu_time / _MS,
        )
        for info in infos
    ]


def _average(snapshots: Sequence[Sequence[Layer]]) -> list[Layer]:
    ran = [layers for layers in snapshots if any(layer.status == EXECUTED for layer in layers)]
    if not ran:
        raise ValueError(
            "no layer executed in any request: compile the model with PERF_COUNT enabled and run "
            "an inference before reading the counters"
        )
    groups: dict[str, list[Layer]] = {}
    for layers in ran:
        for layer in layers:
            groups.setdefault(layer.name, []).append(layer)
    return [_mean(group) for group in groups.values()]


def _mean(group: Sequence[Layer]) -> Layer:
    first = group[0]
    # A node that ran in some inferences only (a branch of an If, a dynamic shape) still ran.
    status = EXECUTED if any(layer.status == EXECUTED for layer in group) else first.status
    return Layer(
        name=first.name,
        type=first.type,
        exec_type=first.exec_type,
        status=status,
        real_time_ms=math.fsum(layer.real_time_ms for layer in group) / len(group),
        cpu_time_ms=math.fsum(layer.cpu_time_ms for layer in group) / len(group),
    )


# ----------------------------------------------------------------------------------------- storage


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


# -------------------------------------------------------------------------------------- comparison


_NUMBER = re.compile(r"\d+")


def aligned(
    baseline: Mapping[str, Mapping[str, Any]], layers: Sequence[Layer]
) -> dict[str, Mapping[str, Any]]:
    """The baseline keyed by this run's node names.

    Nodes OpenVINO names itself carry a number from a counter of the whole process
    (``Convolution_109445``, ``Multiply_30917_abcd_acdb_...``): the same graph compiled after other
    models gets other numbers. Names that match exactly are paired first; the rest are paired when
    they differ only in their numbers and have the same type, in the order of those numbers (the
    order OpenVINO created them). Baseline nodes left over keep their names (they were removed).
    """
    result: dict[str, Mapping[str, Any]] = {
        layer.name: baseline[layer.name] for layer in layers if layer.name in baseline
    }
    current = {layer.name for layer in layers}
    spare: dict[tuple[str, str], list[str]] = {}
    for name, old in baseline.items():
        if name not in current:
            spare.setdefault((_NUMBER.sub("#", name), str(old.get("type"))), []).append(name)
    for key in spare:
        spare[key].sort(key=_numbers)
    unpaired = sorted(
        (layer for layer in layers if layer.name not in baseline), key=lambda layer: _numbers(layer.name)
    )
    for layer in unpaired:
        candidates = spare.get((_NUMBER.sub("#", layer.name), layer.type))
        if candidates:
            result[layer.name] = baseline[candidates.pop(0)]
    for names in spare.values():
        result.update({name: baseline[name] for name in names})
    return result


def _numbers(name: str) -> tuple[int, ...]:
    return tuple(int(number) for number in _NUMBER.findall(name))


def layer_changes(baseline: Mapping[str, Mapping[str, Any]], layers: Sequence[Layer]) -> list[LayerChange]:
    """The exact, timing-free differences of the execution plan against a (validated) baseline.

    Compares each node's exec_type and status by node name (see :func:`aligned` for names OpenVINO
    numbers itself), and finds nodes added or removed. Sorted by ``SEVERITY``, most serious first;
    within a kind in execution order.
    """
    baseline = aligned(baseline, layers)
    current = {layer.name: layer for layer in layers}
    changes = [_change(baseline[layer.name], layer) for layer in layers if layer.name in baseline]
    changes += [
        LayerChange(layer.name, "added", "", _plan(layer.exec_type, layer.status), layer.type)
        for layer in layers
        if layer.name not in baseline
    ]
    changes += [
        LayerChange(name, "removed", _plan(old["exec_type"], old["status"]), "", str(old["type"]))
        for name, old in baseline.items()
        if name not in current
    ]
    found = [change for change in changes if change is not None]
    return sorted(found, key=lambda change: SEVERITY.index(change.kind))


def _change(old: Mapping[str, Any], layer: Layer) -> LayerChange | None:
    kind = _kind(str(old["exec_type"]), str(old["status"]), layer)
    if kind is None:
        return None
    before = _plan(str(old["exec_type"]), str(old["status"]))
    return LayerChange(layer.name, kind, before, _plan(layer.exec_type, layer.status), layer.type)


def _kind(old_exec: str, old_status: str, layer: Layer) -> str | None:
    # The node type is left out on purpose: a fused Relu may be listed as Relu or as PowerStatic,
    # without any change in what runs.
    was_run, runs = old_status == EXECUTED, layer.status == EXECUTED
    if was_run != runs:
        return "fusion lost" if runs else "fused"
    if old_exec != layer.exec_type:
        return _exec_kind(old_exec, layer.exec_type)
    return "implementation" if old_status != layer.status else None


def _exec_kind(before: str, after: str) -> str:
    if _REFERENCE.search(after) and not _REFERENCE.search(before):
        return "fallback"
    old, new = _precision(before), _precision(after)
    # A change of precision usually brings another kernel too (brgconv_avx2_f32 -> jit_avx2_I8):
    # the precision is the news then, not the kernel name.
    if old and new and old != new:
        return "precision"
    return "implementation"


def _precision(exec_type: str) -> str:
    """The precision an exec_type names, normalized (``jit_avx2_I8`` -> ``i8``, ``FP32`` -> ``f32``);
    "" when it names none (``undef``)."""
    match = _PRECISION.search(exec_type.split(" ")[0])  # plan text may carry " (NOT_RUN)"
    if not match:
        return ""
    precision = match.group(1).lower()
    return "f" + precision[2:] if precision.startswith("fp") else precision


def _plan(exec_type: str, status: str) -> str:
    return exec_type if status == EXECUTED else f"{exec_type} ({status})"


# --------------------------------------------------------------------------------------- reporting


def top_moves(
    baseline: Mapping[str, Mapping[str, Any]], layers: Sequence[Layer], count: int = 5
) -> list[str]:
    """Lines for a failure message: the layers whose real time moved most (in ms) against the baseline.

    For example ``conv (Convolution, brgconv_avx2_f32): 2.08 -> 3.10 ms (+49%)``. Layers new in this
    run or gone from it count as moves from or to nothing. Layers that did not move are left out.
    """
    baseline = aligned(baseline, layers)
    moves = [
        (abs((after or 0.0) - (before or 0.0)), _move_line(head, before, after))
        for head, before, after in _timed(baseline, layers)
        if (after or 0.0) != (before or 0.0)
    ]
    moves.sort(key=lambda move: -move[0])  # stable: ties keep execution order
    return [line for _, line in moves[: max(count, 0)]]


def _timed(
    baseline: Mapping[str, Mapping[str, Any]], layers: Sequence[Layer]
) -> list[tuple[str, float | None, float | None]]:
    """("name (type, exec_type)", baseline ms, current ms) for the nodes of both; None where absent."""
    rows: list[tuple[str, float | None, float | None]] = [
        (
            _head(layer.name, layer.type, layer.exec_type),
            _baseline_ms(baseline, layer.name),
            layer.real_time_ms,
        )
        for layer in layers
    ]
    current = {layer.name for layer in layers}
    rows += [
        (_head(name, old["type"], old["exec_type"]), float(old["real_time_ms"]), None)
        for name, old in baseline.items()
        if name not in current
    ]
    return rows


def _head(name: str, node_type: object, exec_type: object) -> str:
    return f"{name} ({node_type}, {exec_type})"


def _move_line(head: str, before: float | None, after: float | None) -> str:
    if before is None:
        return f"{head}: {_ms(after or 0.0)} ms, not in the baseline"
    if after is None:
        return f"{head}: {_ms(before)} ms in the baseline, gone now"
    change = f" ({(after / before - 1) * 100:+.0f}%)" if before > 0 else ""
    return f"{head}: {_ms(before)} -> {_ms(after)} ms{change}"


def _ms(value: float) -> str:
    """Three significant digits, trailing zeros kept so that both sides of an arrow line up (3.10)."""
    if value <= 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(value)))
    return f"{value:.{decimals}f}"


def layer_records(
    layers: Sequence[Layer], baseline: Mapping[str, Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    """The layers for the JSON and HTML reports, each with its baseline time (None when unknown)."""
    baseline = aligned(baseline or {}, layers)
    return [
        {
            "name": layer.name,
            "type": layer.type,
            "exec_type": layer.exec_type,
            "status": layer.status,
            "real_time_ms": layer.real_time_ms,
            "baseline_real_time_ms": _baseline_ms(baseline, layer.name),
        }
        for layer in layers
    ]


def _baseline_ms(baseline: Mapping[str, Mapping[str, Any]], name: str) -> float | None:
    old = baseline.get(name)
    return None if old is None else float(old["real_time_ms"])
