"""The gate: which metrics are judged, with what allowance, and how a suspected regression is
confirmed before it fails a test. No pytest here: the glue passes in how to measure again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .baseline import entry_samples, machine_sample
from .layers import layer_changes
from .machine_speed import Machine, adjusted, baseline_factors, factor, floor_for, overhead_share
from .memory import SLACK_MB
from .memory import UNAVAILABLE as MEMORY_REASON
from .metrics import WINDOW_METRICS
from .result import Result
from .stats import geometric_mean
from .verdict import (
    IMPROVED,
    INCONCLUSIVE,
    NO_BASELINE,
    PASS,
    REGRESSED,
    Comparison,
    Rule,
    Sample,
    compare_paired_look,
    compare_runs,
    window_noise,
)

MEMORY = ("compile_memory_mb", "infer_memory_mb")
DEFAULT_TOLERANCE = 0.05
DEFAULT_FLOOR = 0.06  # spread of one run's figure between runs, assumed at least (README "Method")
DEFAULT_ALPHA = 0.01
SCREEN_ALPHA = 0.2  # a run this suspicious is measured again before anything is decided
BUSY_LIMIT = 0.25  # others using more than this share of the machine make a regression untrusted
DEFAULT_GATE = {"sync": ("median",), "async": ("throughput",)}
DEFAULT_MAX_TIME_S = 20.0  # reference mode: seconds of alternating rounds one verdict may take
MAX_LOOKS = 8  # the most rounds planned: each look then spends alpha / 8
SEVERITY = {REGRESSED: 4, INCONCLUSIVE: 3, IMPROVED: 2, NO_BASELINE: 1, PASS: 0}


@dataclass(frozen=True)
class Policy:
    """What is gated and how strictly (defaults from ini/CLI, overridden by the marker)."""

    tolerance: float = DEFAULT_TOLERANCE
    per_metric: Mapping[str, float] = field(default_factory=dict)
    gate: tuple[str, ...] | None = None
    floor: float = DEFAULT_FLOOR
    alpha: float = DEFAULT_ALPHA
    screen_alpha: float = SCREEN_ALPHA
    confirmations: int = 2  # more runs (stored) when suspicious; 0: reference mode measures one round
    max_time_s: float = DEFAULT_MAX_TIME_S  # reference mode: measuring time one verdict may take
    baseline_runs: int = 3  # runs pooled into a recorded baseline
    busy_limit: float = BUSY_LIMIT
    confirm_improvements: bool = False  # set with --ov-fail-on-improvement: then they fail tests

    def metrics(self, mode: str) -> tuple[str, ...]:
        return self.gate if self.gate is not None else DEFAULT_GATE[mode]

    def rule(self, metric: str, paired: bool = False, alpha: float | None = None) -> Rule:
        tolerance = self.per_metric.get(metric, self.tolerance)
        chosen = self.alpha if alpha is None else alpha
        return Rule(tolerance, chosen, 0.0 if paired else self.floor)  # paired: exact test

    def needs_confirmation(self, comparisons: Sequence[Comparison]) -> bool:
        """Measure again when a run looks worse, or when it cannot tell (one run is too noisy to
        see a change of the allowance: more runs pooled usually can), or, when improvements fail
        tests, when it looks better. A figure that was not measured at all is not retried."""
        statuses = {c.status for c in comparisons if not math.isnan(c.current)}
        return (
            REGRESSED in statuses
            or INCONCLUSIVE in statuses
            or (self.confirm_improvements and IMPROVED in statuses)
        )


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


def _stored_comparison(
    stored: Mapping[str, Sample],
    runs: Sequence[Result],
    metric: str,
    rule: Rule,
    machine: Machine | None = None,
) -> Comparison:
    if any(metric not in run.metrics for run in runs):
        baseline = stored[metric].value if metric in stored else float("nan")
        return not_measured(metric, baseline, rule)
    current = [run.metrics[metric] for run in runs]
    if metric not in stored:
        return Comparison(metric, NO_BASELINE, float("nan"), current[0], rule.tolerance)
    if machine is not None and _yardstick_applies(machine.yardstick, runs, metric):
        return _against_machine(stored[metric], machine, runs, metric, rule)
    windows = [w.figures[metric] for w in runs[0].windows] if metric in WINDOW_METRICS else []
    return within_slack(compare_runs(metric, stored[metric], current, rule, window_noise(windows)))


def _yardstick_applies(name: str, runs: Sequence[Result], metric: str) -> bool:
    return metric in WINDOW_METRICS and all(r.yardstick == name and r.machine_ms for r in runs)


def _against_machine(
    stored: Sample, machine: Machine, runs: Sequence[Result], metric: str, rule: Rule
) -> Comparison:
    """Compare figures at the machine's speed when the baseline was recorded (machine_speed.py):
    each run, and each window of the first, with its own yardstick and probe times."""
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
        replace(rule, floor=floor_for(rule.floor, share, today)),
        _first_run_noise(machine, share, runs[0], metric),
    )
    return replace(
        made,
        baseline=adjusted(metric, made.baseline, 1.0 / today),
        current=adjusted(metric, made.current, 1.0 / today),
        machine=today,
        overhead_share=share,
    )


def _first_run_noise(machine: Machine, share: float, run: Result, metric: str) -> float:
    """The spread of the first run's windows, each at the machine's speed of the slices after it
    (the machine's drift within the run cancels from it as from the run's figure)."""
    windows = [w.figures[metric] for w in run.windows]
    if not run.machine_windows:
        return window_noise(windows)
    probes: Sequence[float | None] = run.probe_windows or [None] * len(run.machine_windows)
    factors = [factor(machine, share, y, p) for y, p in zip(run.machine_windows, probes)]
    return window_noise([adjusted(metric, value, f) for value, f in zip(windows, factors)])


def within_slack(comparison: Comparison) -> Comparison:
    """Memory figures that moved by less than memory.SLACK_MB pass, whatever the ratio."""
    moved = abs(comparison.current - comparison.baseline)
    if comparison.metric in MEMORY and comparison.status != PASS and moved < SLACK_MB:
        return replace(comparison, status=PASS, reason=f"moved {moved:.1f} MiB, less than {SLACK_MB:g} MiB")
    return comparison


def not_measured(metric: str, baseline: float, rule: Rule) -> Comparison:
    """A gated figure this run does not have (memory where it cannot be measured, cached compile
    time without cache_dir=, read time of an in-memory model)."""
    why = f" ({MEMORY_REASON[0]})" if metric in MEMORY and MEMORY_REASON else ""
    reason = f"{metric} was not measured in this run{why}"
    return Comparison(metric, INCONCLUSIVE, baseline, float("nan"), rule.tolerance, reason=reason)


def judge_stored(
    result: Result, entry: dict[str, Any], policy: Policy, measure_again: Callable[[], Result]
) -> list[Comparison]:
    """Compare with a stored entry, one run being one replicate. A run that looks worse (or, when
    improvements fail tests, better) at the loose screening level is joined by ``confirmations``
    more runs, and the verdict rests on all of them together."""
    stored = entry_samples(entry)
    machine = machine_sample(entry)
    metrics = policy.metrics(result.mode)
    runs = [result]

    def judge(alpha: float) -> list[Comparison]:
        return [_stored_comparison(stored, runs, m, policy.rule(m, alpha=alpha), machine) for m in metrics]

    if not policy.needs_confirmation(judge(policy.screen_alpha)) or policy.confirmations == 0:
        return judge(policy.alpha)
    runs.extend(measure_again() for _ in range(policy.confirmations))
    return distrust_busy(judge(policy.alpha), runs, policy.busy_limit)


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
        return not_measured(metric, known[0] if known else float("nan"), rule)
    reference, candidate = _pooled(references, metric), _pooled(candidates, metric)
    return within_slack(compare_paired_look(metric, reference, candidate, rule, looks, last))


def planned_looks(policy: Policy, round_s: float) -> int:
    """How many alternating rounds a reference-mode verdict may take: as many as fit in
    ``max_time_s`` (the first round's length tells), at least one; none more with confirmations=0."""
    if policy.confirmations == 0 or round_s <= 0:
        return 1
    return max(1, min(MAX_LOOKS, int(policy.max_time_s // round_s)))


def undecided(comparisons: Sequence[Comparison]) -> bool:
    """A look that asks for another round: a measured figure neither clearly within nor beyond."""
    return any(c.status == INCONCLUSIVE and not math.isnan(c.current) for c in comparisons)


def judge_paired(
    measure_pair: Callable[[], tuple[Result, Result]], policy: Policy
) -> tuple[Result, Result, list[Comparison]]:
    """Reference mode, sequential: alternating rounds until every gated figure is clearly within
    the allowance (pass), clearly beyond it (regressed, or improved), or the time cap is reached
    (inconclusive). The looks are planned after the first round (as many as ``max_time_s`` holds)
    and each spends an equal share of the false-alarm and miss levels (verdict.compare_paired_look),
    so stopping early inflates neither. Each look judges every pair so far."""
    start = time.perf_counter()
    runs = [measure_pair()]
    looks = planned_looks(policy, time.perf_counter() - start)
    candidate, reference = runs[0]
    metrics = policy.metrics(candidate.mode)

    def judge(last: bool) -> list[Comparison]:
        candidates, references = [c for c, _ in runs], [r for _, r in runs]
        return [
            _paired_comparison(candidates, references, m, policy.rule(m, paired=True), looks, last)
            for m in metrics
        ]

    comparisons = judge(last=looks == 1)
    while undecided(comparisons) and len(runs) < looks:
        runs.append(measure_pair())
        comparisons = judge(last=len(runs) == looks)
    return candidate, reference, comparisons


def should_rewrite(entry: dict[str, Any] | None, runs: Sequence[Result], policy: Policy) -> bool:
    """On --ov-update-baselines: rewrite only when a figure moved beyond its noise (any verdict
    but pass on the gated metrics and median/throughput, all runs together) or the compiled
    properties changed, so baseline diffs in PRs show only real changes."""
    if entry is None or entry.get("properties") != runs[0].properties:
        return True
    if runs[0].layers and (not entry.get("layers") or layer_changes(entry["layers"], runs[0].layers)):
        return True  # no stored plan yet, or the plan changed: exact, no noise involved
    stored = entry_samples(entry)
    metrics = sorted({*policy.metrics(runs[0].mode), "median", "throughput"})
    if any(m not in stored for m in metrics):
        return True
    machine = machine_sample(entry)
    if runs[0].yardstick and (machine is None or (runs[0].probe_ms and machine.probe is None)):
        return True  # the entry predates the yardstick or the probe: record the machine's speed
    return any(_stored_comparison(stored, runs, m, policy.rule(m), machine).status != PASS for m in metrics)
