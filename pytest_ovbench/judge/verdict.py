"""Deciding whether a figure regressed (pure: numpy and math only; never raises on data).

The unit of replication is a *window*: a consecutive slice of a run, summarised by one figure
(its median latency, its throughput, ...). A verdict needs two things at once:

* a change beyond the allowance (``tolerance``), measured on the overall figures the user sees; and
* evidence that the change is real: a one-sided test on the log window figures, where the standard
  error adds a between-run noise ``floor`` to what the windows show, because windows of one run
  cannot see how much two separate runs differ (process start, neighbours, clocks).

Where the change is beyond the allowance but not significant, or where the noise is larger than the
allowance itself, the verdict is *inconclusive*: a warning, never a failure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Any

import numpy as np

from pytest_ovbench.judge.distributions import distribution as _distribution
from pytest_ovbench.judge.distributions import effective_freedom
from pytest_ovbench.judge.sign_flip import sign_flip_tails, smallest_sign_flip_p
from pytest_ovbench.judge.status import Status
from pytest_ovbench.metrics import HIGHER_IS_BETTER

PASS = Status.PASS
REGRESSED = Status.REGRESSED
IMPROVED = Status.IMPROVED
INCONCLUSIVE = Status.INCONCLUSIVE
NO_BASELINE = Status.NO_BASELINE


@dataclass(frozen=True)
class Sample:
    """A figure with its per-window values and, for stored baselines, the figure of each separate
    run it pools (any unit; both sides of a comparison share it)."""

    value: float
    windows: tuple[float, ...]
    runs: tuple[float, ...] = ()

    @property
    def run_values(self) -> tuple[float, ...]:
        return self.runs or (self.value,)


@dataclass(frozen=True)
class Rule:
    """How much change is allowed and how strong the evidence must be."""

    tolerance: float  # allowed worsening, a fraction (0.05 = 5%)
    alpha: float = 0.01  # one-sided significance level
    floor: float = 0.0  # between-run noise (fraction) added to the windows' standard error
    # Stored runs: a level shared by runs measured close together (a baseline's burst of processes,
    # a verdict's), which their own spread cannot show; added to each side's mean (fraction).
    session: float = 0.0


@dataclass(frozen=True)
class Comparison:
    """The verdict on one metric, with the numbers behind it."""

    metric: str
    status: Status
    baseline: float
    current: float
    tolerance: float
    p_value: float = float("nan")
    noise: float = float("nan")  # standard error of the log ratio (about a fraction)
    reason: str = ""
    # Stored mode with the yardstick: its time now / at recording (1.08 = machine 8% slower). The
    # baseline is then the stored figure at today's machine speed, and the change is the model's own.
    machine: float = float("nan")
    overhead_share: float = 0.0  # how much of the model's time an inference's fixed cost is (probe)
    # The smallest worsening (fraction) this comparison would have found significant with 90% power,
    # given the noise it measured: what it could see (inf: nothing at its false-alarm level).
    detectable: float = float("nan")
    final: bool = False  # inconclusive, and measuring more cannot change that
    # Reference mode: the 95% confidence interval of ``change`` (Student's t on the pairs' log ratios).
    interval: tuple[float, float] = (float("nan"), float("nan"))

    @property
    def raw_baseline(self) -> float:
        """The stored figure itself (``baseline`` before the machine-speed adjustment)."""
        if math.isnan(self.machine):
            return self.baseline
        return (
            self.baseline * self.machine if self.metric in HIGHER_IS_BETTER else self.baseline / self.machine
        )

    @property
    def raw_change(self) -> float:
        """current / stored figure - 1, before any machine-speed correction."""
        base = self.raw_baseline
        return self.current / base - 1.0 if base else float("nan")

    @property
    def change(self) -> float:
        """Signed relative change the verdict judged, current / baseline - 1 (with a machine-speed
        correction, the model's own change: the baseline is then at today's machine speed)."""
        return self.current / self.baseline - 1.0 if self.baseline else float("nan")


POWER = 0.9  # the chance of catching a change of the detectable size


def detectable_change(noise: float, rule: Rule, smallest_p: float = 0.0) -> float:
    """The minimum detectable effect: the smallest true worsening (fraction) that the test finds
    significant at the rule's alpha with ``POWER`` (it must stand ``z(1 - alpha) + z(POWER)``
    standard errors above no change). An allowance below it cannot be told apart from no change
    by this comparison. ``smallest_p``: the least p-value the test can give at all (an exact test
    on n pairs: 2**-n); at or above alpha nothing is detectable (inf)."""
    if smallest_p >= rule.alpha or not math.isfinite(noise) or noise < 0:
        return math.inf
    normal = NormalDist()
    return math.expm1((normal.inv_cdf(1.0 - rule.alpha) + normal.inv_cdf(POWER)) * noise)


def normal_sf(z: float) -> float:
    """P[Z > z] for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _log_windows(values: Sequence[float]) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    return np.log(array[np.isfinite(array) & (array > 0)])


def _variance_of_mean(logs: np.ndarray) -> float:
    return float(logs.var(ddof=1) / logs.size) if logs.size > 1 else 0.0


def worsening(metric: str, baseline: float, current: float) -> float:
    """log(current/baseline), signed so that a positive number is always worse."""
    if not (baseline > 0 and current > 0):
        return float("nan")
    change = math.log(current / baseline)
    return -change if metric in HIGHER_IS_BETTER else change


def decide(
    metric: str,
    base: float,
    cur: float,
    shift: float,
    window_noise: float,
    rule: Rule,
    tails: tuple[float, float] | None = None,
) -> Comparison:
    """Status from the displayed change and the window evidence (``shift``: mean log worsening of
    the windows; ``window_noise``: its standard error as the windows show it). Without exact
    ``tails`` (p of worse, p of better), the test is normal with the rule's between-run floor
    added to the noise. Change and evidence must agree before anything but a pass is reported;
    windows noisier than the allowance itself make a pass inconclusive."""
    allowed = math.log1p(rule.tolerance)
    noise = math.sqrt(window_noise**2 + rule.floor**2)
    if tails is None:
        z = shift / noise if noise > 0 else math.copysign(math.inf, shift)
        tails = (normal_sf(z), normal_sf(-z))
    p_worse, p_better = tails
    bad = worsening(metric, base, cur)
    made = Comparison(metric, PASS, base, cur, rule.tolerance, p_worse, noise)
    if math.isnan(bad):
        return replace(made, status=INCONCLUSIVE, reason="a figure is missing or not positive")
    if bad > allowed:
        if p_worse < rule.alpha and shift > 0:
            return replace(made, status=REGRESSED)
        return replace(made, status=INCONCLUSIVE, reason="change beyond the allowance but within noise")
    if bad < -allowed and p_better < rule.alpha and shift < 0:
        return replace(made, status=IMPROVED, p_value=p_better)
    if window_noise > allowed:
        return replace(made, status=INCONCLUSIVE, reason="noise is larger than the allowance")
    return made


def compare_runs(
    metric: str,
    baseline: Sample,
    current: Sequence[float],
    rule: Rule,
    looks: int = 1,
    last: bool = True,
    confirm_after: int = 1,
) -> Comparison:
    """One look of a sequential comparison of current runs (each a fresh process) with a stored
    baseline's runs: one-sided Student's t on the mean log figures (pooled spread, at least the
    rule's ``floor``); each of ``looks`` spends ``1/looks`` of the miss level, each that may reject
    (from the ``confirm_after``-th) an equal share of alpha (``_Look.of``).
    Regressed (improved): beyond the allowance, significant, and at least ``confirm_after`` runs.
    Pass: clearly within the allowance and ``detectable`` at most the tolerance. Otherwise
    inconclusive (``final`` at the ``last`` look, or when the baseline's spread leaves no hope).
    """
    base = _log_windows(baseline.run_values)
    cur = _log_windows(current)
    if base.size == 0 or cur.size == 0:
        return decide(metric, baseline.value, float("nan"), math.nan, 0.0, rule)
    test = _runs_test(metric, base, cur, rule, _Look.of(rule, looks, max(1, looks - confirm_after + 1)))
    base_shown = float(np.exp(base.mean())) if baseline.runs else baseline.value
    current_shown, detectable = float(np.exp(cur.mean())), math.expm1(test.quantiles * test.error)
    made = Comparison(
        metric,
        PASS,
        base_shown,
        current_shown,
        rule.tolerance,
        test.p_worse,
        test.error,
        detectable=detectable,
    )
    decided = _settle(made, test.shift, test.p_better, test.p_within, test.look, cur.size >= confirm_after)
    if decided is not None:
        return decided
    hopeless = _hopeless(test, int(base.size), looks)
    reason = _runs_reason(made, test, int(cur.size), int(base.size), hopeless, last)
    return replace(made, status=INCONCLUSIVE, reason=reason, final=hopeless or last)


@dataclass(frozen=True)
class _Look:
    """What one look of a sequential comparison spends: alpha and miss shares, and the allowance
    as a log shift."""

    alpha: float
    miss: float
    allowed: float

    @classmethod
    def of(cls, rule: Rule, looks: int, rejecting: int | None = None) -> _Look:
        """Bonferroni over the looks: the miss level over all ``looks`` (any may pass), alpha over
        the ``rejecting`` ones (those that may fail a test: after the confirmations, the last
        ``looks - confirm_after + 1``; a look that cannot reject spends none)."""
        return cls(rule.alpha / (rejecting or looks), (1.0 - POWER) / looks, math.log1p(rule.tolerance))


@dataclass(frozen=True)
class _RunsTest:
    """Student's t of current runs against a baseline's runs, on the mean log figures."""

    look: _Look
    shift: float  # log change, positive = worse
    sigma: float  # spread of one run (pooled, at least the rule's floor)
    session: float  # the rule's shared level per side (Rule.session)
    error: float  # standard error of the shift
    dist: Any  # scipy distribution of the statistic
    p_worse: float
    p_better: float
    p_within: float  # small: clearly within the allowance
    quantiles: float  # z(alpha) + z(power), for the detectable change


def _runs_test(metric: str, base: np.ndarray, cur: np.ndarray, rule: Rule, look: _Look) -> _RunsTest:
    shift = float(cur.mean() - base.mean())
    shift = -shift if metric in HIGHER_IS_BETTER else shift
    sigma = max(rule.floor, _pooled_sd(base, cur))
    sampled = sigma**2 * (1 / base.size + 1 / cur.size)
    error = math.sqrt(sampled + 2 * rule.session**2)
    dist = _distribution(effective_freedom(sampled, 2 * rule.session**2, _freedom(base, cur)))
    z = shift / error if error > 0 else math.copysign(math.inf, shift)
    p_within = float(dist.cdf((shift - look.allowed) / error)) if error > 0 else float(shift < look.allowed)
    quantiles = float(dist.ppf(1.0 - look.alpha) + dist.ppf(POWER))
    p_worse, p_better = float(dist.sf(z)), float(dist.cdf(z))
    return _RunsTest(look, shift, sigma, rule.session, error, dist, p_worse, p_better, p_within, quantiles)


def _settle(
    made: Comparison, shift: float, p_better: float, p_within: float, look: _Look, confirmed: bool = True
) -> Comparison | None:
    """A look's decided verdicts: regressed or improved (beyond the allowance and significant at
    the look's alpha, once confirmed), pass (clearly within it and able to see a change of the
    allowance); None when undecided."""
    if shift > look.allowed and made.p_value < look.alpha and confirmed:
        return replace(made, status=REGRESSED)
    if shift < -look.allowed and p_better < look.alpha and confirmed:
        return replace(made, status=IMPROVED, p_value=p_better)
    if p_within < look.miss and made.detectable <= made.tolerance:
        return made
    return None


FUTILITY = 0.1  # a stored look gives up when a regression it could still show is this unlikely


def _hopeless(test: _RunsTest, base_runs: int, looks: int) -> bool:
    """No number of current runs can decide: a pass cannot be shown (even with endless runs the
    error stays above the baseline's own share), and a regression it could show by the last look
    (its change at least what would be significant then, and beyond the allowance) has become
    unlikely, below ``FUTILITY``: a non-binding futility stop, which adds no false alarm and gives
    up on a true regression only that rarely (stopping whenever the change so far was within the
    allowance missed +8% regressions whose first run measured +4%)."""
    dist, sigma, allowed, shared = test.dist, test.sigma, test.look.allowed, 2 * test.session**2
    least = max(float(dist.ppf(1.0 - test.look.miss)), test.quantiles) * math.sqrt(
        sigma**2 / base_runs + shared
    )
    sampled = sigma**2 * (1 / base_runs + 1 / looks)
    at_last = _distribution(effective_freedom(sampled, shared, base_runs - 1 + looks - 1))
    reachable = float(at_last.ppf(1.0 - test.look.alpha)) * math.sqrt(sampled + shared)
    if least < allowed or abs(test.shift) > allowed:
        return False
    return test.error <= 0 or float(dist.sf((max(allowed, reachable) - test.shift) / test.error)) < FUTILITY


def _runs_reason(
    made: Comparison, test: _RunsTest, runs: int, base_runs: int, hopeless: bool, last: bool
) -> str:
    """Why a stored-mode look is undecided, and what would decide it."""
    side = "beyond" if test.shift > test.look.allowed else "within"
    if hopeless:
        shared = (
            f" and runs measured together share a level of {test.session:.1%} (ov_session_floor)"
            if test.session > 0
            else ""
        )
        return (
            f"the baseline's {base_runs} run(s) spread {test.sigma:.1%}{shared}: no number of runs here "
            f"can show a change within {made.tolerance:.0%}: record more runs (ov_baseline_runs), allow "
            "more (tolerance=) or use reference mode (--ov-reference-rev)"
        )
    if last:
        return (
            f"not decided after {runs} run(s), the most the time cap allows ({side} the "
            "allowance): a longer --ov-max-time, reference mode or a quieter runner would decide it"
        )
    if test.p_within < test.look.miss:
        return f"{runs} run(s): within the allowance, but it sees only changes of {made.detectable:.1%}"
    return f"{runs} run(s): {side} the allowance but not clearly"


def _freedom(*groups: np.ndarray) -> int:
    return sum(g.size - 1 for g in groups if g.size > 1)


def _pooled_sd(*groups: np.ndarray) -> float:
    """Pooled standard deviation of log values over groups with at least two members."""
    squares = sum(float(((g - g.mean()) ** 2).sum()) for g in groups if g.size > 1)
    freedom = sum(g.size - 1 for g in groups if g.size > 1)
    return math.sqrt(squares / freedom) if freedom else 0.0


def _paired_log_ratios(metric: str, reference: Sample, candidate: Sample) -> np.ndarray:
    """Per-pair log(candidate / reference) of the windows, positive = worse."""
    pairs = min(len(reference.windows), len(candidate.windows))
    ratios = np.log(np.asarray(candidate.windows[:pairs]) / np.asarray(reference.windows[:pairs]))
    ratios = np.asarray(ratios[np.isfinite(ratios)], dtype=np.float64)
    return np.negative(ratios) if metric in HIGHER_IS_BETTER else ratios


def compare_paired_look(
    metric: str, reference: Sample, candidate: Sample, rule: Rule, looks: int, last: bool
) -> Comparison:
    """One look of a sequential paired comparison (reference mode), over every pair so far.

    Each look spends ``1/looks`` of the false-alarm level ``alpha`` and of the miss level
    ``1 - POWER`` (Bonferroni over the planned looks, so looking after every round does not
    inflate either). With ``allowed = log(1 + tolerance)`` and the exact sign-flip test:

    * regressed: the mean log ratio is beyond the allowance and above 0 at ``alpha / looks``;
    * improved: the same the other way;
    * pass: below the allowance at ``(1 - POWER) / looks`` (the sign-flip test of the ratios
      minus the allowance), i.e. clearly within it, and able to see a change of the allowance;
    * otherwise undecided: measure another round, or, at the ``last`` look, inconclusive."""
    ratios = _paired_log_ratios(metric, reference, candidate)
    look = replace(rule, alpha=rule.alpha / looks, floor=0.0)
    if ratios.size < 2:
        shift = worsening(metric, reference.value, candidate.value)
        return decide(metric, reference.value, candidate.value, shift, math.inf, look)
    spend = _Look.of(rule, looks)
    p_worse, p_better = sign_flip_tails(ratios)
    p_beyond = sign_flip_tails(ratios - spend.allowed)[1]  # small: clearly below the allowance
    noise = math.sqrt(_variance_of_mean(ratios))
    detectable = detectable_change(noise, look, smallest_sign_flip_p(int(ratios.size)))
    mean = float(ratios.mean())
    # The current figure shown is the reference's times the paired ratio the verdict judged, so
    # that the change a reader sees is the one decided (the candidate's own median is in its run).
    current = reference.value * math.exp(-mean if metric in HIGHER_IS_BETTER else mean)
    made = Comparison(
        metric, PASS, reference.value, current, rule.tolerance, p_worse, noise, detectable=detectable
    )
    made = replace(made, interval=_interval(metric, mean, noise, int(ratios.size)))
    decided = _settle(made, mean, p_better, p_beyond, spend)
    if decided is not None:
        return decided
    side = "beyond" if mean > spend.allowed else "within"
    reason = f"{ratios.size} pairs: {side} the allowance but not clearly"
    if last:
        reason = f"not decided after {ratios.size} pairs, the most the time cap allows ({side} the allowance)"
    return replace(made, status=INCONCLUSIVE, reason=reason)


def _interval(metric: str, mean: float, noise: float, pairs: int) -> tuple[float, float]:
    """The 95% confidence interval of the change a paired comparison shows, from the mean log
    ratio (positive = worse) and its standard error over ``pairs`` pairs."""
    half = _distribution(pairs - 1).ppf(0.975) * noise
    ends = sorted(math.expm1(-x if metric in HIGHER_IS_BETTER else x) for x in (mean - half, mean + half))
    return ends[0], ends[1]
