"""The execution plan compared with a baseline's: exact, timing-free differences per node.

The kernel (``exec_type``) and status of each node are exact, so a fallback to a reference kernel,
a lost fusion or a precision change is found without any timing noise, even when the timing
verdict is inconclusive. The baseline's layers are plain mappings (``baselines/layers.py``); this
run's are ``measure.layers.Layer``.

A recorded baseline pools several runs in fresh processes. A node whose status (or kernel) differed
between those runs is stored with ``unstable: [status]`` (or ``[exec_type]``, or both): OpenVINO
itself decides it anew in each process (a Reorder that runs in one process and not in the next),
so a flip of what varied is no change; a fallback to a reference kernel or a precision change
still is. Timing moves of single layers are judged against each layer's own spread between those
runs, and never below a share of the model's total time (:func:`moved_beyond_noise`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_ovbench.measure.layers import EXECUTED, Layer

# Most serious first: a reference kernel or a lost fusion costs time for sure; a precision change may
# be intended (a quantized model) but changes results too; added/removed nodes mean the graph changed.
SEVERITY = ("fallback", "fusion lost", "precision", "implementation", "removed", "added", "fused")

# The CPU plugin ends exec_type with the precision it ran in: f32, bf16, I8, u8, FP32 (older), ...
_PRECISION = re.compile(r"_(b?f\d+|fp\d+|[iu]\d+|nf4|f\de\dm\d|boolean|bin)$", re.IGNORECASE)
# "ref" as a word of the name (ref_any_f32, gemm_ref, ref:any), not any three letters that spell it.
_REFERENCE = re.compile(r"(?:^|[_:])ref(?:[_:]|$)", re.IGNORECASE)


@dataclass(frozen=True)
class LayerChange:
    """A difference in the execution plan of one node between the baseline and this run."""

    name: str
    kind: str  # one of SEVERITY
    before: str  # the baseline's exec_type (with its status when it did not execute); "" when added
    after: str  # this run's, likewise; "" when removed
    type: str = ""  # the node type, for messages


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
    kind = _kind(str(old["exec_type"]), str(old["status"]), layer, varied(old))
    if kind is None:
        return None
    before = _plan(str(old["exec_type"]), str(old["status"]))
    return LayerChange(layer.name, kind, before, _plan(layer.exec_type, layer.status), layer.type)


def varied(old: Mapping[str, Any]) -> frozenset[str]:
    """What differed between the baseline's own runs for this node: "status", "exec_type" or both."""
    marks = old.get("unstable")
    return frozenset(str(mark) for mark in marks) if isinstance(marks, (list, tuple)) else frozenset()


def _kind(old_exec: str, old_status: str, layer: Layer, unstable: frozenset[str]) -> str | None:
    # The node type is left out on purpose: a fused Relu may be listed as Relu or as PowerStatic,
    # without any change in what runs.
    status_counts = "status" not in unstable  # a status that flipped between the baseline's runs: noise
    was_run, runs = old_status == EXECUTED, layer.status == EXECUTED
    if was_run != runs and status_counts:
        return "fusion lost" if runs else "fused"
    if old_exec != layer.exec_type:
        kind = _exec_kind(old_exec, layer.exec_type)
        # A kernel that varied between the baseline's runs: only a fallback or a precision is news.
        return None if kind == "implementation" and "exec_type" in unstable else kind
    return "implementation" if old_status != layer.status and status_counts else None


def _exec_kind(before: str, after: str) -> str:
    if _REFERENCE.search(after) and not _REFERENCE.search(before):
        return "fallback"
    old, new = precision_of(before), precision_of(after)
    # A change of precision usually brings another kernel too (brgconv_avx2_f32 -> jit_avx2_I8):
    # the precision is the news then, not the kernel name.
    if old and new and old != new:
        return "precision"
    return "implementation"


def precision_of(exec_type: str) -> str:
    """The precision an exec_type names, normalized (``jit_avx2_I8`` -> ``i8``, ``FP32`` -> ``f32``);
    "" when it names none (``undef``)."""
    match = _PRECISION.search(exec_type.split(" ")[0])  # plan text may carry " (NOT_RUN)"
    if not match:
        return ""
    precision = match.group(1).lower()
    return "f" + precision[2:] if precision.startswith("fp") else precision


def _plan(exec_type: str, status: str) -> str:
    return exec_type if status == EXECUTED else f"{exec_type} ({status})"


# ------------------------------------------------------------------------------------ time moves

NOISE_SPREADS = 3.0
"""A layer's time moved when it moved by more than this many of its standard deviations between the
baseline's runs (``spread_ms``)..."""
FLOOR_SHARE = 0.02
"""...and by more than this share of the model's total time: a 0.01 ms Sigmoid that takes 0.09 ms
once moved by +800%, which says nothing about a 20 ms model."""


def total_ms(baseline: Mapping[str, Mapping[str, Any]], layers: Sequence[Layer] = ()) -> float:
    """The model's time as the layers add up, the larger of the baseline's and this run's."""
    stored = math.fsum(float(old["real_time_ms"]) for old in baseline.values())
    return max(stored, math.fsum(layer.real_time_ms for layer in layers))


def noise_ms(old: Mapping[str, Any] | None, total: float) -> float:
    """How far a layer's time may move by noise alone: ``NOISE_SPREADS`` of its spread between the
    baseline's runs, at least ``FLOOR_SHARE`` of the model's ``total`` time."""
    spread = float(old.get("spread_ms") or 0.0) if old is not None else 0.0
    return max(NOISE_SPREADS * spread, FLOOR_SHARE * total)


def moved_beyond_noise(old: Mapping[str, Any] | None, before: float, after: float, total: float) -> float:
    """By how many ms a layer's time moved beyond its noise (:func:`noise_ms`); 0 when within it."""
    return max(0.0, abs(after - before) - noise_ms(old, total))
