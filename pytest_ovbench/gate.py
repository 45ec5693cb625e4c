"""The gate: which metrics are judged, with what allowance, and how a suspected regression is
confirmed before it fails a test. No pytest here: the glue passes in how to measure again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .baseline import entry_samples, result_samples
from .metrics import WINDOW_METRICS
from .result import Result
from .verdict import (
    IMPROVED,
    INCONCLUSIVE,
    NO_BASELINE,
    PASS,
    REGRESSED,
    Comparison,
    Rule,
    compare_paired,
    compare_stored,
    confirm,
)

DEFAULT_TOLERANCE = 0.05
DEFAULT_FLOOR = 0.05  # between-run noise assumed in stored mode (fraction), see README "Method"
DEFAULT_ALPHA = 0.01
BUSY_LIMIT = 0.25  # others using more than this share of the machine make a regression untrusted
DEFAULT_GATE = {"sync": ("median",), "async": ("throughput",)}
SEVERITY = {REGRESSED: 4, INCONCLUSIVE: 3, IMPROVED: 2, NO_BASELINE: 1, PASS: 0}


@dataclass(frozen=True)
class Policy:
    """What is gated and how strictly (defaults from ini/CLI, overridden by the marker)."""

    tolerance: float = DEFAULT_TOLERANCE
    per_metric: Mapping[str, float] = field(default_factory=dict)
    gate: tuple[str, ...] | None = None
    floor: float = DEFAULT_FLOOR
    alpha: float = DEFAULT_ALPHA
    confirmations: int = 1
    busy_limit: float = BUSY_LIMIT
    confirm_improvements: bool = False  # set with --ov-fail-on-improvement: then they fail tests

    def metrics(self, mode: str) -> tuple[str, ...]:
        return self.gate if self.gate is not None else DEFAULT_GATE[mode]

    def rule(self, metric: str, paired: bool = False) -> Rule:
        tolerance = self.per_metric.get(metric, self.tolerance)
        return Rule(tolerance, self.alpha, 0.0 if paired else self.floor)  # paired: exact test

    def needs_confirmation(self, comparisons: Sequence[Comparison]) -> bool:
        statuses = {c.status for c in comparisons}
        return REGRESSED in statuses or (self.confirm_improvements and IMPROVED in statuses)


def with_marker(policy: Policy, gate: Any, tolerance: Any) -> Policy:
    """The policy with the marker's ``gate=`` / ``tolerance=`` applied (already validated)."""
    if gate is not None:
        policy = replace(policy, gate=tuple(gate))
    if isinstance(tolerance, dict):
        policy = replace(policy, per_metric={**policy.per_metric, **tolerance})
    elif tolerance is not None:
        policy = replace(policy, tolerance=float(tolerance))
    return policy


def worst(comparisons: Sequence[Comparison]) -> str:
    """The status that speaks for a measurement: regressed > inconclusive > improved > ... ."""
    if not comparisons:
        return NO_BASELINE
    return max((c.status for c in comparisons), key=lambda s: SEVERITY[s])


def _compare_all(
    stored: Mapping[str, Any], current: Result, metrics: Sequence[str], policy: Policy
) -> list[Comparison]:
    samples = result_samples(current)
    return [
        compare_stored(m, stored[m], samples[m], policy.rule(m))
        if m in stored
        else Comparison(m, NO_BASELINE, float("nan"), samples[m].value, policy.rule(m).tolerance)
        for m in metrics
    ]


def judge_stored(
    result: Result, entry: dict[str, Any], policy: Policy, measure_again: Callable[[], Result]
) -> list[Comparison]:
    """Compare with a stored entry; a suspected regression is measured again (``confirmations``
    times, each a fresh run) and stands only if every run shows it."""
    stored = entry_samples(entry)
    metrics = policy.metrics(result.mode)
    first = _compare_all(stored, result, metrics, policy)
    if not policy.needs_confirmation(first):
        return first
    runs = [measure_again() for _ in range(policy.confirmations)]
    again = [_compare_all(stored, run, metrics, policy) for run in runs]
    confirmed = [confirm(c, [run[i] for run in again]) for i, c in enumerate(first)]
    return distrust_busy(confirmed, [result, *runs], policy.busy_limit)


def distrust_busy(comparisons: list[Comparison], runs: Sequence[Result], limit: float) -> list[Comparison]:
    """A stored-mode regression measured while other processes used more than ``limit`` of the
    machine says more about the neighbours than about the model: inconclusive, with the figure."""
    loads = [r.foreign_load for r in runs if r.foreign_load is not None]
    if not loads or max(loads) <= limit:
        return comparisons
    reason = (
        f"the machine was busy: other processes used {max(loads):.0%} of its CPU time during the measurement"
    )
    return [
        replace(c, status=INCONCLUSIVE, reason=reason) if c.status == REGRESSED else c for c in comparisons
    ]


def _compare_pair(
    candidate: Result, reference: Result, metrics: Sequence[str], policy: Policy
) -> list[Comparison]:
    cand, ref = result_samples(candidate), result_samples(reference)
    return [compare_paired(m, ref[m], cand[m], policy.rule(m, paired=True)) for m in metrics]


def judge_paired(
    measure_pair: Callable[[], tuple[Result, Result]], policy: Policy
) -> tuple[Result, Result, list[Comparison]]:
    """Reference mode: candidate and reference measured alternately; a suspected regression is
    measured again the same way and stands only if every run shows it."""
    candidate, reference = measure_pair()
    metrics = policy.metrics(candidate.mode)
    first = _compare_pair(candidate, reference, metrics, policy)
    if not policy.needs_confirmation(first):
        return candidate, reference, first
    again = [_compare_pair(*measure_pair(), metrics, policy) for _ in range(policy.confirmations)]
    return candidate, reference, [confirm(c, [run[i] for run in again]) for i, c in enumerate(first)]


def should_rewrite(entry: dict[str, Any] | None, result: Result, policy: Policy) -> bool:
    """On --ov-update-baselines: rewrite only when a figure moved beyond its noise (any verdict
    but pass on the gated metrics and median/throughput) or the compiled properties changed, so
    baseline diffs in PRs show only real changes."""
    if entry is None or entry.get("properties") != result.properties:
        return True
    stored = entry_samples(entry)
    metrics = sorted({*policy.metrics(result.mode), "median", "throughput"})
    if any(m not in stored or not stored[m].windows for m in metrics if m in WINDOW_METRICS):
        return True
    return any(c.status != PASS for c in _compare_all(stored, result, metrics, policy))
