"""Stored mode's judgement: today's runs against a recorded baseline, at the machine's speed when it
was recorded (machine_speed.py), one look after each run until the verdict is decided (verdict.py).
No pytest here: the glue passes in how to measure again (a fresh process, replicate.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from pytest_ovbench.judge.baseline import StoredBaseline
from pytest_ovbench.judge.gate import (
    MAX_LOOKS,
    PROCESS_FLOOR,
    QUIET_WAIT_S,
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
    REGRESSED,
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
    stored: Sample,
    machine: Machine,
    runs: Sequence[Result],
    metric: str,
    rule: Rule,
    look: Look,
    contended: bool = False,
) -> Comparison:
    """Compare figures at the machine's speed when the baseline was recorded (machine_speed.py):
    each run with its own yardstick and probe times. ``contended``: the correction's doubt is a bias
    the allowance grows by (``contention_bias``), not noise."""
    share = overhead_share(machine, metric, stored.value)
    base_factors = baseline_factors(machine, share, len(stored.run_values))
    scale = geometric_mean(base_factors)  # so that the stored figure itself stays the baseline shown
    base_runs = stored.run_values if len(base_factors) > 1 else (stored.value,)
    base = tuple(adjusted(metric, v, f / scale) for v, f in zip(base_runs, base_factors))
    factors = [factor(machine, share, r.machine_ms or 0.0, r.probe_ms) / scale for r in runs]
    current = [adjusted(metric, r.metrics[metric], f) for r, f in zip(runs, factors)]
    today = geometric_mean(factors)  # the machine today against the recording; back to today's units below
    rule = _corrected_rule(rule, share, factors, _doubt(machine.yardstick), contended)
    made = compare_runs(
        metric,
        Sample(geometric_mean(base), (), base),
        current,
        rule,
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


def _corrected_rule(
    rule: Rule, share: float, factors: Sequence[float], doubt: float, contended: bool
) -> Rule:
    """The rule for figures corrected by ``factors``: the correction's doubt joins the noise floor,
    or (``contended``) widens the allowance by the bias it can bring."""
    if not contended:
        return replace(rule, floor=floor_for(rule.floor, share, geometric_mean(factors), doubt))
    bias = contention_bias(factors, doubt)
    return replace(rule, tolerance=(1 + rule.tolerance) * (1 + bias) - 1, floor=floor_for(rule.floor, share))


def contention_bias(factors: Sequence[float], doubt: float) -> float:
    """The most a machine-speed correction by ``factors`` can shift the mean of the corrected runs
    (a fraction): a model follows the yardstick's slowdown with a slope within 1 +- ``doubt``."""
    return math.exp(doubt * sum(abs(math.log(f)) for f in factors) / max(len(factors), 1)) - 1.0


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
    the machine counts towards a regression only, and only beyond what contention can add
    (``judge_look``); the next run first waits up to QUIET_WAIT_S for a quiet machine. A fresh run
    starts only when it is expected to end within the cap (``run_s``: the longest run so far), but
    for the runs confirming a regression needs."""
    floor, looks = stored_floor(baseline, policy), planned_stored_looks(policy, run_s)
    deadline = time.monotonic() + policy.max_time_s
    runs = [result]

    def judge(last: bool) -> list[Comparison]:
        look = Look(looks, last, 1 + policy.confirmations if looks > 1 else 1)
        rules = {m: replace(policy.rule(m), floor=floor) for m in policy.metrics(result.mode)}
        return judge_look(baseline, runs, rules, look, policy.busy_limit)

    comparisons = judge(last=looks == 1)
    needed = 1 + policy.confirmations  # runs the plan holds even where the cap does not
    while _goes_on(comparisons, runs, policy.busy_limit) and len(runs) < looks:
        if wait_quiet is not None and is_busy(runs[-1], policy.busy_limit):
            wait_quiet(policy.busy_limit, min(deadline, time.monotonic() + QUIET_WAIT_S))
        if not _fits(len(runs) < needed, run_s, deadline):
            break
        start = time.monotonic()
        runs.append(measure_again())
        run_s = max(run_s, time.monotonic() - start)  # a busy machine's runs take longer
        comparisons = judge(last=len(runs) == looks)
    if _goes_on(comparisons, runs, policy.busy_limit):
        comparisons = judge(last=True)  # the time cap came first
    return comparisons


def _fits(needed: bool, run_s: float, deadline: float) -> bool:
    """Whether a fresh run may start: before the cap, and (unless the verdict needs it to confirm)
    expected to end within it, so that no verdict overruns the cap by a run."""
    now = time.monotonic()
    return now < deadline and (needed or now + run_s <= deadline)


def _goes_on(comparisons: Sequence[Comparison], runs: Sequence[Result], limit: float) -> bool:
    """Another run could decide: a figure undecided, or every run so far set aside as busy."""
    if undecided(comparisons):
        return True
    return all(is_busy(r, limit) for r in runs) and not any(c.status == REGRESSED for c in comparisons)


def judge_look(
    baseline: StoredBaseline, runs: Sequence[Result], rules: Mapping[str, Rule], look: Look, limit: float
) -> list[Comparison]:
    """One look over every run so far. A pass rests on the quiet runs alone. Busy runs count
    towards a regression only through ``contended``: all runs, beyond the allowance plus the most
    contention can add to the turn-taking yardstick's correction; elsewhere they are set aside."""
    stored, machine = baseline.samples, baseline.machine
    quiet = [r for r in runs if not is_busy(r, limit)]
    busy = [r for r in runs if is_busy(r, limit)]
    made = []
    for metric, rule in rules.items():
        on_quiet = stored_comparison(stored, quiet, metric, rule, machine, look) if quiet else None
        if not busy and on_quiet is not None:
            made.append(on_quiet)
            continue
        on_all = _contended(stored, runs, metric, rule, machine, look)
        made.append(_with_busy(metric, rule, on_quiet, on_all, busy, len(runs)))
    return made


def _contended(
    stored: Mapping[str, Sample],
    runs: Sequence[Result],
    metric: str,
    rule: Rule,
    machine: Machine | None,
    look: Look,
) -> Comparison | None:
    """All runs, busy ones too, judged for a regression beyond the allowance plus the most
    contention can add; None where that cannot be bounded (no turn-taking yardstick)."""
    if machine is None or machine.yardstick != YARDSTICK_INTERLEAVED or metric not in stored:
        return None
    if not _yardstick_applies(machine.yardstick, runs, metric):
        return None
    return _against_machine(stored[metric], machine, runs, metric, rule, look, contended=True)


def _with_busy(
    metric: str,
    rule: Rule,
    on_quiet: Comparison | None,
    on_all: Comparison | None,
    busy: Sequence[Result],
    runs: int,
) -> Comparison:
    """The verdict with busy runs among ``runs``: a regression the quiet runs or all runs (beyond
    what contention can add) show; else what the quiet runs decided; else inconclusive, saying why."""
    load = max(r.foreign_load or 0.0 for r in busy)
    share = f"{load:.0%} of its CPU time in {len(busy)} of {runs} runs"
    why = f"the machine was busy: other processes used up to {share}"
    if on_quiet is not None and on_quiet.status == REGRESSED:
        return on_quiet
    if on_all is not None and on_all.status == REGRESSED:
        bias = (1 + on_all.tolerance) / (1 + rule.tolerance) - 1
        counted = f"counted beyond the {rule.tolerance:.0%} allowance plus the {bias:.1%} contention can add"
        return replace(on_all, tolerance=rule.tolerance, reason=f"{why}, {counted}")
    if on_quiet is not None and on_quiet.status != INCONCLUSIVE:
        return on_quiet
    if on_quiet is not None:
        final = on_quiet.final and (on_all is None or on_all.final)
        return replace(on_quiet, reason=_joined(on_quiet.reason, f"{why}, set aside"), final=final)
    if on_all is not None:
        beyond = "a regression beyond the allowance plus what contention can add was not shown"
        note = f"{why}; a pass needs a quiet run, and {beyond}"
        return replace(on_all, status=INCONCLUSIVE, tolerance=rule.tolerance, reason=note, final=False)
    note = f"{why}, set aside"
    return Comparison(metric, INCONCLUSIVE, float("nan"), float("nan"), rule.tolerance, reason=note)


def _joined(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second


def stored_floor(baseline: StoredBaseline, policy: Policy) -> float:
    """The least spread between runs a stored comparison assumes: small where the entry's runs were
    separate processes (their spread is measured), the policy's floor for older entries."""
    return PROCESS_FLOOR if baseline.processes else policy.floor
