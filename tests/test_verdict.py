"""The regression rules on synthetic window figures (pure: no OpenVINO, no pytest glue)."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_ovbench.gate import Policy, distrust_busy, judge_stored, should_rewrite, worst
from pytest_ovbench.verdict import (
    IMPROVED,
    INCONCLUSIVE,
    NO_BASELINE,
    PASS,
    REGRESSED,
    Comparison,
    Rule,
    Sample,
    compare_paired,
    compare_stored,
    confirm,
    sign_flip_tails,
)


def windows(center: float, spread: float, n: int = 10, seed: int = 0) -> Sample:
    values = center * np.exp(np.random.default_rng(seed).normal(0, spread, n))
    return Sample(float(np.median(values)), tuple(float(v) for v in values))


RULE = Rule(tolerance=0.05, alpha=0.01, floor=0.03)


def test_unchanged_passes() -> None:
    assert compare_stored("median", windows(10, 0.01), windows(10, 0.01, seed=1), RULE).status == PASS


def test_large_clear_slowdown_regresses() -> None:
    result = compare_stored("median", windows(10, 0.01), windows(12.5, 0.01, seed=1), RULE)
    assert result.status == REGRESSED
    assert result.change == pytest.approx(0.25, abs=0.02)
    assert result.p_value < 0.001


def test_change_within_allowance_passes_even_if_significant() -> None:
    result = compare_stored("median", windows(10, 0.005), windows(10.3, 0.005, seed=1), Rule(0.05))
    assert result.status == PASS


def test_change_beyond_allowance_inside_noise_is_inconclusive() -> None:
    result = compare_stored("median", windows(10, 0.02), windows(10.8, 0.02, seed=1), Rule(0.05, floor=0.1))
    assert result.status == INCONCLUSIVE and "within noise" in result.reason


def test_noisy_windows_are_inconclusive_not_pass() -> None:
    result = compare_stored("median", windows(10, 0.3), windows(10, 0.3, seed=1), RULE)
    assert result.status == INCONCLUSIVE and "noise" in result.reason


def test_throughput_direction_is_reversed() -> None:
    slower = compare_stored("throughput", windows(100, 0.01), windows(75, 0.01, seed=1), RULE)
    faster = compare_stored("throughput", windows(100, 0.01), windows(130, 0.01, seed=1), RULE)
    assert (slower.status, faster.status) == (REGRESSED, IMPROVED)


def test_improvement_of_latency() -> None:
    assert compare_stored("median", windows(10, 0.01), windows(7, 0.01, seed=1), RULE).status == IMPROVED


def test_floor_protects_against_between_run_shifts() -> None:
    # +8% between two runs with tight windows: significant without a floor, not with one.
    base, cur = windows(10, 0.005), windows(10.8, 0.005, seed=1)
    assert compare_stored("median", base, cur, Rule(0.05, floor=0.0)).status == REGRESSED
    assert compare_stored("median", base, cur, Rule(0.05, floor=0.05)).status == INCONCLUSIVE


def test_paired_ratio_cancels_common_drift() -> None:
    drift = np.linspace(1.0, 1.5, 10)  # the machine slows down by half during the run
    reference = Sample(10.0, tuple(10.0 * drift))
    candidate = Sample(11.0, tuple(11.0 * drift * (1 + 0.002 * np.sin(np.arange(10)))))
    result = compare_paired("median", reference, candidate, Rule(0.05))
    assert result.status == REGRESSED and result.noise < 0.01
    same = compare_paired("median", reference, Sample(10.0, tuple(10.0 * drift)), Rule(0.05))
    assert same.status == PASS


def test_missing_figures_are_inconclusive() -> None:
    result = compare_stored("median", Sample(0.0, ()), Sample(5.0, ()), RULE)
    assert result.status == INCONCLUSIVE


def test_confirmation_must_hold() -> None:
    first = Comparison("median", REGRESSED, 10, 13, 0.05, p_value=1e-5)
    held = confirm(first, [Comparison("median", REGRESSED, 10, 12.8, 0.05, p_value=1e-4)])
    assert held.status == REGRESSED and held.p_value == 1e-5
    # beyond the allowance the same way, even without significance of its own: it holds
    assert confirm(first, [Comparison("median", INCONCLUSIVE, 10, 10.7, 0.05)]).status == REGRESSED
    gone = confirm(first, [Comparison("median", PASS, 10, 10.2, 0.05)])
    assert gone.status == INCONCLUSIVE and "+2.0%" in gone.reason
    faster = Comparison("median", IMPROVED, 10, 7, 0.05)
    assert confirm(faster, [Comparison("median", PASS, 10, 9.9, 0.05)]).status == PASS
    assert confirm(faster, [Comparison("median", IMPROVED, 10, 7.2, 0.05)]).status == IMPROVED


def test_sign_flip_test_is_exact() -> None:
    all_worse = np.full(10, 0.1)
    assert sign_flip_tails(all_worse) == (1 / 1024, 1.0)
    mixed = np.array([0.1, -0.1] * 5)
    upper, lower = sign_flip_tails(mixed)
    assert 0.5 < upper < 0.7 and 0.5 < lower < 0.7
    assert sign_flip_tails(np.full(20, -0.1)) == (1.0, 0.0)  # sampled patterns beyond 16 pairs


def test_worst_status_speaks_for_a_measurement() -> None:
    comparisons = [Comparison("median", PASS, 1, 1, 0.05), Comparison("p90", REGRESSED, 1, 2, 0.05)]
    assert worst(comparisons) == REGRESSED
    assert worst([]) == NO_BASELINE


def test_policy_defaults_and_overrides() -> None:
    policy = Policy(tolerance=0.1, per_metric={"p90": 0.2})
    assert policy.metrics("sync") == ("median",) and policy.metrics("async") == ("throughput",)
    assert policy.rule("p90").tolerance == 0.2 and policy.rule("median").tolerance == 0.1
    assert policy.rule("median", paired=True).floor < policy.rule("median").floor


def test_unmoved_update_keeps_the_entry(tiny_result_factory) -> None:  # type: ignore[no-untyped-def]
    result = tiny_result_factory(10.0)
    entry = {
        "properties": result.properties,
        "metrics": {
            "median": {"value": 10.0, "windows": [w.figures["median"] for w in result.windows]},
            "throughput": {"value": result.throughput, "windows": [w.throughput for w in result.windows]},
        },
    }
    assert not should_rewrite(entry, result, Policy())
    moved = tiny_result_factory(13.0)
    assert should_rewrite(entry, moved, Policy())
    assert should_rewrite(None, result, Policy())
    assert should_rewrite({**entry, "properties": {"NUM_STREAMS": 4}}, result, Policy())


def test_regression_on_a_busy_machine_is_not_trusted(tiny_result_factory) -> None:  # type: ignore[no-untyped-def]
    quiet, busy = tiny_result_factory(10.0), tiny_result_factory(10.0)
    quiet.foreign_load, busy.foreign_load = 0.05, 0.6
    regressed = [Comparison("median", REGRESSED, 5, 10, 0.05), Comparison("p90", PASS, 5, 5, 0.05)]
    assert distrust_busy(regressed, [quiet], 0.25) == regressed
    judged = distrust_busy(regressed, [quiet, busy], 0.25)
    assert judged[0].status == INCONCLUSIVE and "60%" in judged[0].reason
    assert judged[1].status == PASS


def test_stored_judgement_confirms_by_measuring_again(tiny_result_factory) -> None:  # type: ignore[no-untyped-def]
    baseline = tiny_result_factory(10.0)
    entry = {
        "metrics": {"median": {"value": 10.0, "windows": [w.figures["median"] for w in baseline.windows]}}
    }
    calls: list[float] = []

    def again(median: float):  # type: ignore[no-untyped-def]
        def measure():  # type: ignore[no-untyped-def]
            calls.append(median)
            return tiny_result_factory(median)

        return measure

    slow = tiny_result_factory(13.0)
    assert judge_stored(slow, entry, Policy(), again(13.0))[0].status == REGRESSED
    assert judge_stored(slow, entry, Policy(), again(10.0))[0].status == INCONCLUSIVE
    assert judge_stored(baseline, entry, Policy(), again(13.0))[0].status == PASS
    assert calls == [13.0, 10.0]  # a pass is not measured again
