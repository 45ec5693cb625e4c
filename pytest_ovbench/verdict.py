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

import numpy as np

from .metrics import HIGHER_IS_BETTER

PASS = "pass"
REGRESSED = "regressed"
IMPROVED = "improved"
INCONCLUSIVE = "inconclusive"
NO_BASELINE = "no baseline"


@dataclass(frozen=True)
class Sample:
    """A figure and its per-window values (any unit; both sides of a comparison share it)."""

    value: float
    windows: tuple[float, ...]


@dataclass(frozen=True)
class Rule:
    """How much change is allowed and how strong the evidence must be."""

    tolerance: float  # allowed worsening, a fraction (0.05 = 5%)
    alpha: float = 0.01  # one-sided significance level
    floor: float = 0.0  # between-run noise (fraction) added to the windows' standard error


@dataclass(frozen=True)
class Comparison:
    """The verdict on one metric, with the numbers behind it."""

    metric: str
    status: str
    baseline: float
    current: float
    tolerance: float
    p_value: float = float("nan")
    noise: float = float("nan")  # standard error of the log ratio (about a fraction)
    reason: str = ""

    @property
    def change(self) -> float:
        """Signed relative change of the figure, current / baseline - 1."""
        return self.current / self.baseline - 1.0 if self.baseline else float("nan")


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


def compare_stored(metric: str, baseline: Sample, current: Sample, rule: Rule) -> Comparison:
    """Current run against stored windows: difference of mean log windows, floor added."""
    base_logs, cur_logs = _log_windows(baseline.windows), _log_windows(current.windows)
    if base_logs.size == 0 or cur_logs.size == 0:
        shift = worsening(metric, baseline.value, current.value)
        return decide(metric, baseline.value, current.value, shift, 0.0, rule)
    shift = float(cur_logs.mean() - base_logs.mean())
    shift = -shift if metric in HIGHER_IS_BETTER else shift
    noise = math.sqrt(_variance_of_mean(base_logs) + _variance_of_mean(cur_logs))
    return decide(metric, baseline.value, current.value, shift, noise, rule)


def sign_flip_tails(values: np.ndarray) -> tuple[float, float]:
    """Exact one-sided p-values (mean > 0, mean < 0) of a paired sign-flip permutation test.

    Under "no difference" each pair's log ratio is as likely negative as positive; with n pairs
    all 2**n sign patterns are enumerated (n <= 16, else 50,000 seeded random patterns).
    """
    n = int(values.size)
    if n <= 16:
        signs = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1) * 2 - 1
    else:
        signs = np.random.default_rng(0).choice([-1, 1], size=(50_000, n))
    means = (signs * np.abs(values)).mean(axis=1)
    observed = float(values.mean())
    slack = 1e-12 * max(1.0, abs(observed))  # the observed pattern itself counts despite rounding
    return float(np.mean(means >= observed - slack)), float(np.mean(means <= observed + slack))


def compare_paired(metric: str, reference: Sample, candidate: Sample, rule: Rule) -> Comparison:
    """Candidate against a reference measured alternately in the same run: the windows pair up,
    and an exact sign-flip test runs on the per-pair log ratios, so drift common to both cancels
    and no distribution is assumed."""
    pairs = min(len(reference.windows), len(candidate.windows))
    ratios = np.log(np.asarray(candidate.windows[:pairs]) / np.asarray(reference.windows[:pairs]))
    ratios = ratios[np.isfinite(ratios)]
    if metric in HIGHER_IS_BETTER:
        ratios = -ratios  # positive = worse from here on
    if ratios.size < 2:
        shift = worsening(metric, reference.value, candidate.value)
        return decide(metric, reference.value, candidate.value, shift, math.inf, rule)
    noise = math.sqrt(_variance_of_mean(ratios))
    tails = sign_flip_tails(ratios)
    return decide(metric, reference.value, candidate.value, float(ratios.mean()), noise, rule, tails)


def _holds(first: Comparison, again: Comparison) -> bool:
    """The re-measurement moved the same way beyond the allowance (significant or not)."""
    bad = worsening(again.metric, again.baseline, again.current)
    allowed = math.log1p(again.tolerance)
    return bad > allowed if first.status == REGRESSED else bad < -allowed


def confirm(first: Comparison, again: Sequence[Comparison]) -> Comparison:
    """A regression (or improvement) stands only if every re-measurement also moves beyond the
    allowance the same way. The first run carries the significance; requiring it twice over would
    square the power away. A regression that does not hold is inconclusive; an improvement, a pass."""
    if first.status not in (REGRESSED, IMPROVED) or all(_holds(first, c) for c in again):
        return first
    changes = ", ".join(f"{c.change:+.1%}" for c in again)
    status = INCONCLUSIVE if first.status == REGRESSED else PASS
    return replace(first, status=status, reason=f"did not hold when measured again ({changes})")
