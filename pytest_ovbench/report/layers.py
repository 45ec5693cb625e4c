"""Per-layer profiles for people: the layers whose time moved beyond their noise, and the layer
tables of the JSON and HTML reports (each layer with its baseline time)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_ovbench.judge.plan import LayerChange, aligned, moved_beyond_noise, precision_of, total_ms
from pytest_ovbench.measure.layers import Layer
from pytest_ovbench.report.escaping import printable

NO_MOVES = "no layer's time moved beyond its noise"


def moves_lines(baseline: Mapping[str, Mapping[str, Any]], layers: Sequence[Layer]) -> list[str]:
    """The lines a failure message gives the layers' times: those that moved beyond their noise,
    or that none did (then the cause is spread thin, or outside the layers' counters)."""
    moves = top_moves(baseline, layers)
    if not moves:
        return [f"  {NO_MOVES}"]
    return ["  layers whose time moved most:", *(f"    {line}" for line in moves)]


def top_moves(
    baseline: Mapping[str, Mapping[str, Any]], layers: Sequence[Layer], count: int = 5
) -> list[str]:
    """Lines for a failure message: the layers whose real time moved most beyond their own noise.

    For example ``conv (Convolution, brgconv_avx2_f32): 2.08 -> 3.10 ms (+49%)``. A layer's noise is
    ``judge.plan.noise_ms``: a few of its standard deviations between the baseline's runs, at least
    2% of the model's total time, so that a 0.01 ms layer never leads. Ranked by the ms moved beyond
    that noise. Layers new in this run or gone from it count as moves from or to nothing. Empty when
    no layer moved beyond its noise.
    """
    baseline = aligned(baseline, layers)
    total = total_ms(baseline, layers)
    moves = []
    for head, old, before, after in _timed(baseline, layers):
        beyond = moved_beyond_noise(old, before or 0.0, after or 0.0, total)
        if beyond > 0:
            moves.append((beyond, _move_line(head, before, after)))
    moves.sort(key=lambda move: -move[0])  # stable: ties keep execution order
    return [line for _, line in moves[: max(count, 0)]]


def _timed(
    baseline: Mapping[str, Mapping[str, Any]], layers: Sequence[Layer]
) -> list[tuple[str, Mapping[str, Any] | None, float | None, float | None]]:
    """("name (type, exec_type)", stored layer, baseline ms, current ms) for the nodes of both; None
    where absent."""
    rows: list[tuple[str, Mapping[str, Any] | None, float | None, float | None]] = [
        (
            _head(layer.name, layer.type, layer.exec_type),
            baseline.get(layer.name),
            _baseline_ms(baseline, layer.name),
            layer.real_time_ms,
        )
        for layer in layers
    ]
    current = {layer.name for layer in layers}
    rows += [
        (_head(name, old["type"], old["exec_type"]), old, float(old["real_time_ms"]), None)
        for name, old in baseline.items()
        if name not in current
    ]
    return rows


def _head(name: str, node_type: object, exec_type: object) -> str:
    return printable(f"{name} ({node_type}, {exec_type})")  # a baseline's names, for a terminal


def _move_line(head: str, before: float | None, after: float | None) -> str:
    if before is None:
        return f"{head}: {_ms(after or 0.0)} ms, not in the baseline"
    if after is None:
        return f"{head}: {_ms(before)} ms in the baseline, gone now"
    if not before > 0:
        return f"{head}: {_ms(before)} -> {_ms(after)} ms"
    percent = (after / before - 1) * 100
    digits = "+.0f" if abs(percent) < 1e6 else "+.3g"  # a hand-edited baseline's 5e-324: no 300 digits
    change = f" ({percent:{digits}}%)"
    return f"{head}: {_ms(before)} -> {_ms(after)} ms{change}"


def _ms(value: float) -> str:
    """Three significant digits, trailing zeros kept so that both sides of an arrow line up (3.10)."""
    if not value > 0:  # also NaN
        return "0"
    if not 1e-6 <= value < 1e9:  # inf, or a hand-edited baseline's 5e-324
        return f"{value:.3g}"
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


_REASONS = {
    "fallback": "fell back to a reference implementation",
    "fusion lost": "no longer fused or optimized out, now runs on its own",
    "implementation": "implementation changed",
    "fused": "now fused into a neighbour or optimized out",
}


def describe_change(change: LayerChange) -> str:
    """One line for a failure message, e.g. ``conv (Convolution): brgconv_avx2_f32 -> ref_any_f32:
    fell back to a reference implementation``."""
    head = f"{change.name} ({change.type})" if change.type else change.name
    if change.kind == "added":
        return f"{head}: not in the baseline, now {change.after}"
    if change.kind == "removed":
        return f"{head}: was {change.before} in the baseline, now gone"
    return f"{head}: {change.before} -> {change.after}: {_reason(change)}"


def _reason(change: LayerChange) -> str:
    if change.kind == "precision":
        return f"precision changed ({precision_of(change.before)} -> {precision_of(change.after)})"
    return _REASONS.get(change.kind, change.kind)
