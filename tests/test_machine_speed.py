"""The machine's speed factored out of stored comparisons: yardstick and probe (pure: synthetic
results, no OpenVINO run)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pytest_ovbench.baselines.entry import machine_sample, make_entry, stored_baseline, validate_entry
from pytest_ovbench.judge.gate import Policy
from pytest_ovbench.judge.machine_speed import INTERLEAVED_DOUBT, Machine, factor, floor_for, overhead_share
from pytest_ovbench.judge.rewrite import should_rewrite
from pytest_ovbench.judge.stored import judge_stored
from pytest_ovbench.judge.verdict import INCONCLUSIVE, REGRESSED, Sample
from pytest_ovbench.measure.yardstick import PROBE, YARDSTICK, YARDSTICK_INTERLEAVED


def measured(make: Any, median_ms: float, yardstick_ms: float, probe_ms: float | None) -> Any:
    result = make(median_ms)
    result.machine_ms, result.probe_ms, result.yardstick = yardstick_ms, probe_ms, YARDSTICK
    return result


def recorded(make: Any, median_ms: float, probe_ms: float | None) -> dict[str, Any]:
    """An entry of three runs on a steady machine (yardstick 1 ms)."""
    runs = [
        measured(make, median_ms * f, 1.0 * f, None if probe_ms is None else probe_ms * f)
        for f in (0.99, 1, 1.01)
    ]
    return make_entry(runs, None, "test")


def test_the_factor_weighs_probe_and_yardstick_by_the_overhead_share() -> None:
    machine = Machine(YARDSTICK, Sample(2.0, ()), Sample(0.01, ()))
    assert factor(machine, 0.0, 2.2, 0.05) == pytest.approx(1.1)  # a large model: the yardstick only
    assert factor(machine, 0.5, 2.0, 0.02) == pytest.approx(1.5)  # half fixed cost, which doubled
    assert overhead_share(machine, "median", 0.04) == pytest.approx(0.25)
    assert overhead_share(machine, "throughput", 25_000.0) == pytest.approx(0.25)  # 0.04 ms each
    assert overhead_share(machine, "median", 0.005) == 1.0  # never more than the whole
    assert overhead_share(Machine(YARDSTICK, Sample(2.0, ())), "median", 0.04) == 0.0  # no probe stored
    assert floor_for(0.06, 0.0) == pytest.approx(0.06) and floor_for(0.06, 0.4) > 0.1


def test_entries_keep_the_probe_and_refuse_a_broken_one(tiny_result_factory: Any) -> None:
    entry = recorded(tiny_result_factory, 0.03, 0.015)
    probe = entry["machine"]["probe"]
    assert (
        probe["name"] == PROBE
        and len(probe["runs"]) == 3
        and probe["value"] == pytest.approx(0.015, rel=0.01)
    )
    machine = machine_sample(entry)
    assert machine is not None and machine.probe is not None
    validate_entry(entry)
    entry["machine"]["probe"] = {"name": PROBE, "value": -1}
    with pytest.raises(ValueError, match="machine -> probe: 'value' must be a number from 1e-09"):
        validate_entry(entry)
    entry["machine"]["probe"] = {"name": "some-other-probe", "value": 0.5}
    other = machine_sample(entry)
    assert other is not None and other.probe is None  # another probe's times mean nothing here


def test_a_small_model_whose_fixed_cost_rose_with_the_probe_is_not_regressed(
    tiny_result_factory: Any,
) -> None:
    """A 30 us model, half of it fixed cost; in this process the fixed cost doubled (the probe saw
    it) while the yardstick did not move. The model's +50% is the machine's, not the model's."""
    entry = recorded(tiny_result_factory, 0.03, 0.015)

    def slow_process() -> Any:
        return measured(tiny_result_factory, 0.045, 1.0, 0.03)

    verdict = judge_stored(slow_process(), stored_baseline(entry), Policy(), slow_process)[0]
    # Not regressed; and with a correction this large, not able to show +-5% either.
    assert verdict.status == INCONCLUSIVE and verdict.overhead_share == pytest.approx(0.5, rel=0.02)
    assert verdict.machine == pytest.approx(1.5, rel=0.02)
    without_probe = recorded(tiny_result_factory, 0.03, None)  # the yardstick alone sees no change
    blind = judge_stored(slow_process(), stored_baseline(without_probe), Policy(), slow_process)[0]
    assert blind.status == REGRESSED

    # The model itself 80% slower, the process as fast as before: caught (the floor of a model this
    # small is 14%, so smaller changes are inconclusive; see the next test).
    def slow_model() -> Any:
        return measured(tiny_result_factory, 0.054, 1.0, 0.015)

    assert judge_stored(slow_model(), stored_baseline(entry), Policy(), slow_model)[0].status == REGRESSED


def test_the_noise_floor_grows_with_the_fixed_cost(tiny_result_factory: Any) -> None:
    """The same steady +20% on an unchanged machine: judged on a 3 ms model, not on a 20 us one,
    whose fixed cost varies between processes more than that."""
    large = recorded(tiny_result_factory, 3.0, 0.015)
    small = recorded(tiny_result_factory, 0.02, 0.015)

    def again(median: float) -> Any:
        return lambda: measured(tiny_result_factory, median, 1.0, 0.015)

    assert judge_stored(again(3.6)(), stored_baseline(large), Policy(), again(3.6))[0].status == REGRESSED
    tiny = judge_stored(again(0.024)(), stored_baseline(small), Policy(), again(0.024))[0]
    assert tiny.status == INCONCLUSIVE and tiny.overhead_share == pytest.approx(0.75, rel=0.02)


def test_a_large_correction_is_itself_uncertain(tiny_result_factory: Any) -> None:
    """+20% on a 3 ms model: regressed on an unchanged machine; inconclusive when it shows only
    after taking off a machine 25% faster (a model follows the machine only partly as the rulers do)."""
    entry = recorded(tiny_result_factory, 3.0, 0.015)

    def again(median: float, yardstick_ms: float) -> Any:
        return lambda: measured(tiny_result_factory, median, yardstick_ms, 0.015)

    steady = judge_stored(again(3.6, 1.0)(), stored_baseline(entry), Policy(), again(3.6, 1.0))[0]
    assert steady.status == REGRESSED
    corrected = judge_stored(again(2.7, 0.75)(), stored_baseline(entry), Policy(), again(2.7, 0.75))[0]
    assert corrected.status == INCONCLUSIVE and corrected.change == pytest.approx(0.2, abs=0.01)
    assert floor_for(0.06, 0.0, 0.75) > floor_for(0.06, 0.0, 0.95) > floor_for(0.06, 0.0, 1.0) == 0.06


def test_an_entry_without_the_probe_is_rewritten_on_update(tiny_result_factory: Any) -> None:
    old = recorded(tiny_result_factory, 0.03, None)
    again = [measured(tiny_result_factory, 0.03, 1.0, 0.015)]
    assert should_rewrite(stored_baseline(old), again, Policy())
    assert not should_rewrite(stored_baseline(recorded(tiny_result_factory, 0.03, 0.015)), again, Policy())


def test_an_entry_of_the_sliced_yardstick_is_compared_raw_and_rewritten(tiny_result_factory: Any) -> None:
    """The interleaved yardstick's figure differs from the sliced one's: an entry measured the old
    way is never divided by it; the verdict says so and re-recording rewrites the entry."""
    entry = recorded(tiny_result_factory, 3.0, 0.015)  # sliced (YARDSTICK)

    def interleaved() -> Any:
        result = measured(tiny_result_factory, 3.0, 2.0, 0.015)  # the yardstick "twice as slow"
        result.yardstick = YARDSTICK_INTERLEAVED
        return result

    made = judge_stored(interleaved(), stored_baseline(entry), Policy(), interleaved)[0]
    assert math.isnan(made.machine) and made.change == pytest.approx(0.0, abs=0.01)  # raw: no correction
    assert "compared raw" in made.reason and "--ov-update-baselines" in made.reason
    assert should_rewrite(stored_baseline(entry), [interleaved()], Policy())
    same_way = measured(tiny_result_factory, 3.0, 1.0, 0.015)
    assert not should_rewrite(stored_baseline(entry), [same_way], Policy())


def test_the_interleaved_yardstick_leaves_less_doubt_in_a_large_correction() -> None:
    faster = floor_for(0.01, 0.0, 0.75, INTERLEAVED_DOUBT)
    assert faster < floor_for(0.01, 0.0, 0.75)
    assert faster > floor_for(0.01, 0.0, 1.0, INTERLEAVED_DOUBT) == 0.01
