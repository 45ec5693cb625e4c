"""The gate: which metrics are judged, with what allowance, and how a suspected regression is
confirmed before it fails a test; reference mode's sequential judgement (stored mode's is in
stored.py). No pytest here: the glue passes in how to measure again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pytest_ovbench.judge.status import Status
from pytest_ovbench.judge.status import worst as worst_status
from pytest_ovbench.judge.verdict import (
    INCONCLUSIVE,
    PASS,
    Comparison,
    Rule,
    Sample,
    compare_paired_look,
)
from pytest_ovbench.measure.result import Result
from pytest_ovbench.measure.stats import geometric_mean

MEMORY = ("compile_memory_mb", "infer_memory_mb")
# Memory changes smaller than this never fail a test: allocator arenas and thread stacks move the
# resident size by a few MiB from run to run, whatever the model does.
SLACK_MB = 8.0
DEFAULT_TOLERANCE = 0.05
DEFAULT_FLOOR = 0.06  # spread between runs assumed at least, for baselines recorded in one process
PROCESS_FLOOR = 0.01  # the same for baselines recorded in fresh processes (their spread is measured)
DEFAULT_ALPHA = 0.01
# Stored runs measured close together (a baseline's 5 processes, a verdict's) share a level their
# own spread cannot show. Measured on a 2-vCPU AMD EPYC VM (AVX2, 2026-12-01): 8 baselines recorded
# back to back in two series, each judged by 10 checks over 20 minutes: their levels differed by
# 1.75% (sd), of which their runs' spread and the checks' noise explain about 1%: ~1.4% per burst.
SESSION_FLOOR = 0.014
BUSY_LIMIT = 0.25  # others using more than this share of the machine make a regression untrusted
DEFAULT_GATE = {"sync": ("median",), "async": ("throughput",)}
DEFAULT_MAX_TIME_S = 20.0  # seconds of measuring (rounds or fresh runs) one verdict may take
MAX_LOOKS = 8  # the most rounds planned: each look then spends alpha / 8
# After a busy run or round, the next waits this long at most for a quiet machine, then measures
# anyway: under a neighbour that stays, busy ones can still show a regression, and a wait as long
# as the cap left none to measure (a real +10% inconclusive after one busy round and the cap).
QUIET_WAIT_S = 2.0


@dataclass(frozen=True)
class Policy:
    """What is gated and how strictly (defaults from ini/CLI, overridden by the marker)."""

    tolerance: float = DEFAULT_TOLERANCE
    per_metric: Mapping[str, float] = field(default_factory=dict)
    gate: tuple[str, ...] | None = None
    floor: float = DEFAULT_FLOOR
    alpha: float = DEFAULT_ALPHA
    confirmations: int = 2  # fresh runs before a stored regression fails; 0: one run or round only
    max_time_s: float = DEFAULT_MAX_TIME_S  # measuring time one verdict may take
    baseline_runs: int = 5  # runs pooled into a recorded baseline (all but the first fresh processes)
    busy_limit: float = BUSY_LIMIT
    session_floor: float = SESSION_FLOOR  # stored runs: the level a burst of them shares (Rule.session)

    def metrics(self, mode: str) -> tuple[str, ...]:
        return self.gate if self.gate is not None else DEFAULT_GATE[mode]

    def rule(self, metric: str, paired: bool = False, alpha: float | None = None) -> Rule:
        tolerance = self.per_metric.get(metric, self.tolerance)
        chosen = self.alpha if alpha is None else alpha
        if paired:  # an exact test of pairs measured together: nothing shared to add
            return Rule(tolerance, chosen, 0.0)
        return Rule(tolerance, chosen, self.floor, self.session_floor)


def with_marker(policy: Policy, gate: Any, tolerance: Any) -> Policy:
    """The policy with the marker's ``gate=`` / ``tolerance=`` applied (already validated)."""
    if gate is not None:
        policy = replace(policy, gate=tuple(gate))
    if isinstance(tolerance, dict):
        policy = replace(policy, per_metric={**policy.per_metric, **tolerance})
    elif tolerance is not None:
        policy = replace(policy, tolerance=float(tolerance))
    return policy


def worst(comparisons: Sequence[Comparison]) -> Status:
    """The status that speaks for a measurement: regressed > inconclusive > improved > ... ."""
    return worst_status(c.status for c in comparisons)


def within_slack(comparison: Comparison) -> Comparison:
    """Memory figures that moved by less than SLACK_MB pass, whatever the ratio."""
    moved = abs(comparison.current - comparison.baseline)
    if comparison.metric in MEMORY and comparison.status != PASS and moved < SLACK_MB:
        return replace(comparison, status=PASS, reason=f"moved {moved:.1f} MiB, less than {SLACK_MB:g} MiB")
    return comparison


def not_measured(metric: str, baseline: float, rule: Rule, runs: Sequence[Result] = ()) -> Comparison:
    """A gated figure this run does not have (memory where it cannot be measured, cached compile
    time without cache_dir=, read time of an in-memory model)."""
    unavailable = [run.memory_unavailable for run in runs if run.memory_unavailable]
    why = f" ({unavailable[0]})" if metric in MEMORY and unavailable else ""
    reason = f"{metric} was not measured in this run{why}"
    return Comparison(metric, INCONCLUSIVE, baseline, float("nan"), rule.tolerance, reason=reason)


def is_busy(run: Result, limit: float) -> bool:
    return run.foreign_load is not None and run.foreign_load > limit


def _pooled(results: Sequence[Result], metric: str) -> Sample:
    """One sample from several alternating runs: every pair's window, the runs' geometric mean."""
    windows = tuple(w.figures[metric] for r in results for w in r.windows if metric in w.figures)
    values = [r.metrics[metric] for r in results]
    return Sample(geometric_mean(values), windows)


def _paired_comparison(
    candidates: Sequence[Result],
    references: Sequence[Result],
    metric: str,
    rule: Rule,
    looks: int,
    last: bool,
) -> Comparison:
    if any(metric not in r.metrics for r in [*candidates, *references]):
        known = [r.metrics[metric] for r in references if metric in r.metrics]
        return not_measured(metric, known[0] if known else float("nan"), rule, candidates)
    reference, candidate = _pooled(references, metric), _pooled(candidates, metric)
    return within_slack(compare_paired_look(metric, reference, candidate, rule, looks, last))


def planned_looks(policy: Policy, round_s: float) -> int:
    """How many alternating rounds a reference-mode verdict may take: as many as fit in
    ``max_time_s`` (the first round's length tells), at least one; none more with confirmations=0."""
    if policy.confirmations == 0 or round_s <= 0:
        return 1
    return max(1, min(MAX_LOOKS, int(policy.max_time_s // round_s)))


def undecided(comparisons: Sequence[Comparison]) -> bool:
    """A look that asks for another round: a measured figure neither clearly within nor beyond,
    that more measuring could still decide."""
    return any(c.status == INCONCLUSIVE and not math.isnan(c.current) and not c.final for c in comparisons)


def judge_paired(
    measure_pair: Callable[[], tuple[Result, Result]],
    policy: Policy,
    wait_quiet: Callable[[float, float], bool] | None = None,
) -> tuple[Result, Result, list[Comparison]]:
    """Reference mode, sequential: alternating rounds until every gated figure is clearly within
    the allowance (pass), clearly beyond it (regressed, or improved), or the time cap is reached
    (inconclusive). The looks are planned after the first round (as many as ``max_time_s`` holds)
    and each spends an equal share of the false-alarm and miss levels (verdict.compare_paired_look),
    so stopping early inflates neither. Each look judges every pair so far.

    Rounds while others used more than ``busy_limit`` of the machine count towards a regression
    (contention shrinks a real change's ratio; it does not make one) but not towards a pass: a
    pass rests on the quiet rounds alone, and after a busy round the next waits for a quiet
    machine (``wait_quiet``, at most QUIET_WAIT_S), then measures anyway; a round starts only when
    it is expected to end within the cap (the longest round so far tells)."""
    start = time.perf_counter()
    runs = [measure_pair()]
    round_s = time.perf_counter() - start
    looks = planned_looks(policy, round_s)
    deadline = time.monotonic() + policy.max_time_s
    candidate, reference = runs[0]
    metrics = policy.metrics(candidate.mode)

    def judge(last: bool) -> list[Comparison]:
        return _paired_look(runs, metrics, policy, looks, last)

    comparisons = judge(last=looks == 1)
    while undecided(comparisons) and len(runs) < looks and time.monotonic() < deadline:
        if wait_quiet is not None and is_busy(runs[-1][0], policy.busy_limit):
            wait_quiet(policy.busy_limit, min(deadline, time.monotonic() + QUIET_WAIT_S))
        if time.monotonic() + round_s > deadline:
            break  # the round would end after the cap
        started = time.perf_counter()
        runs.append(measure_pair())
        round_s = max(round_s, time.perf_counter() - started)
        comparisons = judge(last=len(runs) == looks)
    if undecided(comparisons) and len(runs) < looks:
        comparisons = judge(last=True)  # the time cap came first
    return candidate, reference, comparisons


def _paired_look(
    runs: Sequence[tuple[Result, Result]], metrics: Sequence[str], policy: Policy, looks: int, last: bool
) -> list[Comparison]:
    """One look over every round so far; a pass needs the quiet rounds alone to pass too."""

    def over(chosen: Sequence[tuple[Result, Result]]) -> list[Comparison]:
        candidates, references = [c for c, _ in chosen], [r for _, r in chosen]
        return [
            _paired_comparison(candidates, references, m, policy.rule(m, paired=True), looks, last)
            for m in metrics
        ]

    comparisons = over(runs)
    busy = [c for c, _ in runs if is_busy(c, policy.busy_limit)]
    if not busy or not any(c.status == PASS for c in comparisons):
        return comparisons
    quiet = [pair for pair in runs if not is_busy(pair[0], policy.busy_limit)]
    on_quiet = over(quiet) if quiet else [None] * len(comparisons)
    load = max(c.foreign_load or 0.0 for c in busy)
    reason = (
        f"the machine was busy: others used up to {load:.0%} of its CPU time in {len(busy)} of "
        f"{len(runs)} rounds, and a contended measurement can shrink a real change below the "
        "allowance; the quiet rounds alone did not show a pass: a quieter runner would decide it"
    )
    return [
        c
        if c.status != PASS or (q is not None and q.status == PASS)
        else replace(c, status=INCONCLUSIVE, reason=reason)
        for c, q in zip(comparisons, on_quiet)
    ]
