"""Stored mode's judgement: today's runs against a recorded baseline, at the machine's speed when it
was recorded (machine_speed.py), one look after each run until the verdict is decided (verdict.py).
No pytest here: the glue passes in how to measure again (a fresh process, replicate.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from pytest_ovbench.judge.baseline import StoredBaseline
from pytest_ovbench.judge.gate import (
    MAX_LOOKS,
    PROCESS_FLOOR,
    Policy,
    is_busy,
    not_measured,
    undecided,
    within_slack,
)
from pytest_ovbench.judge.machine_speed import (
    CORRECTION_DOUBT,
    INTERLEAVED_DOUBT,
    Machine,
    adjusted,
    baseline_factors,
    factor,
    floor_for,
    overhead_share,
)
from pytest_ovbench.judge.verdict import (
    INCONCLUSIVE,
    NO_BASELINE,
    Comparison,
    Rule,
    Sample,
    compare_runs,
)
from pytest_ovbench.measure.result import Result
from pytest_ovbench.measure.stats import geometric_mean
from pytest_ovbench.measure.yardstick import YARDSTICK_INTERLEAVED
from pytest_ovbench.metrics import WINDOW_METRICS


@dataclass(frozen=True)
class Look:
    """Where a stored-mode look stands in its sequence (verdict.compare_runs)."""

    looks: int = 1
    last: bool = True
    confirm_after: int = 1


def stored_comparison(
    stored: Mapping[str, Sample],
    runs: Sequence[Result],
    metric: str,
    rule: Rule,
    machine: Machine | None = None,
    look: Look = Look(),
) -> Comparison:
    if any(metric not in run.metrics for run in runs):
        baseline = stored[metric].value if metric in stored else float("nan")
        return not_measured(metric, baseline, rule, runs)
    current = [run.metrics[metric] for run in runs]
    if metric not in stored:
        return Comparison(metric, NO_BASELINE, float("nan"), current[0], rule.tolerance)
    if machine is not None and _yardstick_applies(machine.yardstick, runs, metric):
        return _against_machine(stored[metric], machine, runs, metric, rule, look)
    made = compare_runs(metric, stored[metric], current, rule, look.looks, look.last, look.confirm_after)
    return _other_yardstick(within_slack(made), machine, runs)


def _other_yardstick(made: Comparison, machine: Machine | None, runs: Sequence[Result]) -> Comparison:
    """A raw comparison because the entry's machine speed was measured another way (an older
    ovbench, or the yardstick in slices where it is now interleaved) says so."""
    name = runs[0].yardstick
    if machine is None or not name or machine.yardstick == name or made.metric not in WINDOW_METRICS:
        return made
    note = (
        f"compared raw: the entry's machine speed was measured as '{machine.yardstick}', this run's "
        f"as '{name}'; re-record it with --ov-update-baselines"
    )
    return replace(made, reason=f"{made.reason}; {note}" if made.reason else note)


def _yardstick_applies(name: str, runs: Sequence[Result], metric: str) -> bool:
    return metric in WINDOW_METRICS and all(r.yardstick == name and r.machine_ms for r in runs)


def _against_machine(
    stored: Sample, machine: Machine, runs: Sequence[Result], metric: str, rule: Rule, look: Look
) -> Comparison:
    """Compare figures at the machine's speed when the baseline was recorded (machine_speed.py):
    each run with its own yardstick and probe times."""
    share = overhead_share(machine, metric, stored.value)
    base_factors = baseline_factors(machine, share, len(stored.run_values))
    scale = geometric_mean(base_factors)  # so that the stored figure itself stays the baseline shown
    base_runs = stored.run_values if len(base_factors) > 1 else (stored.value,)
    base = tuple(adjusted(metric, v, f / scale) for v, f in zip(base_runs, base_factors))
    factors = [factor(machine, share, r.machine_ms or 0.0, r.probe_ms) / scale for r in runs]
    current = [adjusted(metric, r.metrics[metric], f) for r, f in zip(runs, factors)]
    today = geometric_mean(factors)  # the machine today against the recording; back to today's units below
    made = compare_runs(
        metric,
        Sample(geometric_mean(base), (), base),
        current,
        replace(rule, floor=floor_for(rule.floor, share, today, _doubt(machine.yardstick))),
        look.looks,
        look.last,
        look.confirm_after,
    )
    return replace(
        made,
        baseline=adjusted(metric, made.baseline, 1.0 / today),
        current=adjusted(metric, made.current, 1.0 / today),
        machine=today,
        overhead_share=share,
    )


def _doubt(yardstick: str) -> float:
    return INTERLEAVED_DOUBT if yardstick == YARDSTICK_INTERLEAVED else CORRECTION_DOUBT


def planned_stored_looks(policy: Policy, run_s: float) -> int:
    """How many runs a stored-mode verdict may take: the first and as many fresh processes as fit
    in ``max_time_s`` (one fresh run costs about ``run_s``), at least enough to confirm a
    regression, at most MAX_LOOKS; one without confirmations."""
    if policy.confirmations == 0:
        return 1
    fit = int(policy.max_time_s // max(run_s, 1e-3))  # the cap starts after the first run
    return max(1 + policy.confirmations, min(MAX_LOOKS, 1 + fit))


def judge_stored(
    result: Result,
    baseline: StoredBaseline,
    policy: Policy,
    measure_again: Callable[[], Result],
    run_s: float = 0.0,
    wait_quiet: Callable[[float, float], bool] | None = None,
) -> list[Comparison]:
    """Stored mode, sequential: runs (the first in this process, the rest each in a fresh one,
    see replicate.py) until every gated figure is clearly within the allowance (pass), clearly
    beyond it after ``confirmations`` more runs (regressed), cannot be decided by more runs, or
    the time cap is reached (inconclusive). A run while others used more than ``busy_limit`` of
    the machine is set aside: the next one waits until the machine is quiet again, within the cap."""
    stored, machine = baseline.samples, baseline.machine
    metrics = policy.metrics(result.mode)
    floor = stored_floor(baseline, policy)
    looks = planned_stored_looks(policy, run_s)
    deadline = time.monotonic() + policy.max_time_s
    counted: list[Result] = []
    busy: list[Result] = []

    def judge(last: bool) -> list[Comparison]:
        look = Look(looks, last, 1 + policy.confirmations if looks > 1 else 1)
        rules = {m: replace(policy.rule(m), floor=floor) for m in metrics}
        return [stored_comparison(stored, counted, m, rules[m], machine, look) for m in metrics]

    def take(run: Result) -> None:
        (busy if is_busy(run, policy.busy_limit) else counted).append(run)

    take(result)
    comparisons = judge(last=looks == 1) if counted else []
    while (not counted or undecided(comparisons)) and len(counted) < looks and time.monotonic() < deadline:
        if busy and wait_quiet is not None:
            wait_quiet(policy.busy_limit, deadline)
        take(measure_again())
        if counted:
            comparisons = judge(last=len(counted) == looks)
    if counted and undecided(comparisons):
        comparisons = judge(last=True)  # the time cap came first
    return distrust_busy(comparisons, counted, busy, metrics, policy)


def distrust_busy(
    comparisons: list[Comparison],
    counted: Sequence[Result],
    busy: Sequence[Result],
    metrics: Sequence[str],
    policy: Policy,
) -> list[Comparison]:
    """Runs set aside because others used more than ``busy_limit`` of the machine: with none left
    to judge, every figure is inconclusive; otherwise an undecided figure says why it had fewer runs."""
    if not busy:
        return comparisons
    load = max(r.foreign_load or 0.0 for r in busy)
    reason = (
        f"the machine was busy: other processes used up to {load:.0%} of its CPU time in "
        f"{len(busy)} of {len(busy) + len(counted)} runs, set aside"
    )
    if not counted:
        rules = {m: policy.rule(m) for m in metrics}
        return [
            Comparison(m, INCONCLUSIVE, float("nan"), float("nan"), rules[m].tolerance, reason=reason)
            for m in metrics
        ]
    return [
        replace(c, reason=f"{c.reason}; {reason}") if c.status == INCONCLUSIVE else c for c in comparisons
    ]


def stored_floor(baseline: StoredBaseline, policy: Policy) -> float:
    """The least spread between runs a stored comparison assumes: small where the entry's runs were
    separate processes (their spread is measured), the policy's floor for older entries."""
    return PROCESS_FLOOR if baseline.processes else policy.floor
