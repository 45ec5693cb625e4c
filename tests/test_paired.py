"""Reference mode's measurement (measure/paired.py, the interleaved loop in measure/loops.py) on
real tiny models, called directly (no pytest glue)."""

from __future__ import annotations

from typing import Any

import numpy as np
import openvino as ov
import pytest
from tiny_models import build_tiny, conv_relu

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.measure.loops import run_sync_pairs
from pytest_ovbench.measure.paired import (
    DEFAULT_ROUND_S,
    PAIRED_WINDOWS,
    Pairing,
    measure_alternating,
    turn_size,
)
from pytest_ovbench.runtime.compiling import Compiled, compile_model


@pytest.fixture(scope="module")
def core() -> Any:
    return ov.Core()


def compiled(core: Any, model: Any, mode: str = "sync", **keywords: Any) -> Compiled:
    return compile_model(core, model, "CPU", Settings(**keywords).compile_config(mode))


def two_requests(core: Any) -> tuple[Any, Any]:
    first, second = compiled(core, build_tiny()), compiled(core, build_tiny(name="other"))
    return first.compiled_model.create_infer_request(), second.compiled_model.create_infer_request()


def test_pairs_run_both_sides_once_each_in_random_order(core: Any) -> None:
    paired = run_sync_pairs(*two_requests(core), 200, None, np.random.default_rng(7))
    ends = paired.ends_s
    assert ends[0].size == ends[1].size == 200 == paired.latencies_ms[0].size
    assert np.all(paired.latencies_ms[0] > 0) and np.all(paired.latencies_ms[1] > 0)
    first_went_first = ends[0] < ends[1]
    # each pair's two inferences are adjacent: the next pair starts after both of this one ended
    assert np.all(np.maximum(ends[0], ends[1])[:-1] <= np.minimum(ends[0], ends[1])[1:])
    # random order: both orders occur, neither side always leads (200 fair coins: 0.4..0.6)
    assert 0.35 < first_went_first.mean() < 0.65
    assert np.all(paired.calls_s[0] > 0) and np.all(paired.calls_s[0] <= paired.end_s - paired.start_s)


def test_a_turn_records_a_burst_after_settling_unrecorded(core: Any) -> None:
    """Each turn: unrecorded inferences first (the toll of switching models), then ``burst``
    recorded ones in a row; the last turn only what niter= still asks for."""
    paired = run_sync_pairs(*two_requests(core), 10, None, np.random.default_rng(3), burst=4, settle=3)
    ends = paired.ends_s
    assert ends[0].size == ends[1].size == 10  # turns of four, four and two: exactly the 10 asked for
    for side in (0, 1):
        turns = [ends[side][0:4], ends[side][4:8], ends[side][8:10]]
        other = ends[1 - side]
        # a turn's four recorded inferences are consecutive: none of the other side's falls between
        assert not any(((other > turn[0]) & (other < turn[-1])).any() for turn in turns)
    # the settling inferences ran but were not recorded: each side's calls sum to less than the run
    recorded = float(paired.calls_s[0].sum() + paired.calls_s[1].sum())
    assert recorded < 0.8 * (paired.end_s - paired.start_s)


def test_turn_sizes() -> None:
    assert turn_size(5.0, 4.0) == (0, 1)  # slow models: none to settle, one recorded
    assert turn_size(0.9, 4.0) == (1, 1)  # one side fast: it settles
    assert turn_size(0.1, 0.125) == (3, 8)  # fast: about 0.25 ms to settle, 1 ms recorded
    assert turn_size(0.01, 0.01) == (4, 8)  # capped
    assert turn_size(0.0, -1.0) == (0, 1)  # no latency known yet


def test_pairs_meet_both_limits(core: Any) -> None:
    paired = run_sync_pairs(*two_requests(core), 3, 0.2, np.random.default_rng(1))
    assert paired.latencies_ms[0].size > 3  # 0.2 s is far more than 3 tiny inferences
    assert paired.end_s - paired.start_s >= 0.2  # the whole run's seconds


def test_slices_pair_up_and_add_up(core: Any) -> None:
    paired = run_sync_pairs(*two_requests(core), 103, None, np.random.default_rng(2))
    sides = [paired.slices(side, 20) for side in (0, 1)]
    assert [len(s) for s in sides] == [20, 20]
    assert [r.latencies_ms.size for r in sides[0]] == [r.latencies_ms.size for r in sides[1]]
    assert sum(r.latencies_ms.size for r in sides[0]) == 103
    for side, raws in zip((0, 1), sides):
        assert np.array_equal(np.concatenate([r.latencies_ms for r in raws]), paired.latencies_ms[side])
        assert sum(r.duration for r in raws) == pytest.approx(float(paired.calls_s[side].sum()))
    assert len(paired.slices(0, 500)) == 103  # never an empty slice


def test_sync_reference_mode_is_interleaved_in_windows_of_pairs(core: Any) -> None:
    settings = Settings(niter=60, warmup=0.0)
    candidate, reference = measure_alternating(
        compiled(core, build_tiny()), compiled(core, build_tiny(name="ref")), settings, "sync"
    )
    assert len(candidate.windows) == len(reference.windows) == PAIRED_WINDOWS
    assert [w.count for w in candidate.windows] == [w.count for w in reference.windows] == [3] * 20
    assert candidate.count == reference.count == 60
    assert candidate.throughput == pytest.approx(60 / candidate.duration)
    assert candidate.settings["windows"] == PAIRED_WINDOWS


def test_a_pairing_prepares_once_and_measures_round_after_round(core: Any) -> None:
    pairing = Pairing(
        compiled(core, build_tiny()), compiled(core, build_tiny(name="ref")), Settings(niter=40), "sync"
    )
    first, second = pairing(), pairing()
    assert first[0].count == second[0].count == 40
    assert first[0].latencies is not second[0].latencies  # each round measured anew
    # one warm-up and first inference for all rounds: the same figure in each round's result
    assert first[0].first_inference_ms == second[0].first_inference_ms
    assert first[1].first_inference_ms == second[1].first_inference_ms


def test_a_round_is_the_stop_rule_given_or_the_reference_default(core: Any) -> None:
    models = compiled(core, build_tiny()), compiled(core, build_tiny(name="ref"))
    assert Pairing(*models, Settings(warmup=0.0), "sync").settings.stop_rule() == (None, DEFAULT_ROUND_S)
    assert Pairing(*models, Settings(time=0.3, warmup=0.0), "sync").settings.stop_rule() == (None, 0.3)
    assert Pairing(*models, Settings(niter=7, warmup=0.0), "sync").settings.stop_rule() == (7, None)


def test_async_reference_mode_keeps_alternating_slices(core: Any) -> None:
    settings = Settings(niter=24, warmup=0.0, nireq=2, windows=4)
    candidate, reference = measure_alternating(
        compiled(core, build_tiny(), "async", nireq=2),
        compiled(core, build_tiny(name="ref"), "async", nireq=2),
        settings,
        "async",
    )
    assert len(candidate.windows) == len(reference.windows) == 4
    assert candidate.count == reference.count == 24


def test_reference_mode_reads_both_sides_layer_counters(core: Any) -> None:
    settings = Settings(niter=20, warmup=0.0, perf_counts=True)
    candidate, reference = measure_alternating(
        compiled(core, conv_relu(), perf_counts=True),
        compiled(core, conv_relu(tap=True), perf_counts=True),
        settings,
        "sync",
    )
    assert candidate.layers and reference.layers
    plans = [{(layer.name, layer.status) for layer in side.layers} for side in (candidate, reference)]
    assert plans[0] != plans[1]  # the tap keeps the Relu from being fused: the two plans differ


def test_reference_mode_shows_the_plan_changes_between_the_two_models(pytester: pytest.Pytester) -> None:
    ov.save_model(conv_relu(), str(pytester.path / "model.xml"))
    ov.save_model(conv_relu(tap=True), str(pytester.path / "base.xml"))
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        test_perf="""
        import pytest

        @pytest.mark.ovbench(model="model.xml", reference="base.xml", niter=40, perf_counts=True)
        def test_lat(infer_sync):
            infer_sync()
    """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--ov-fail-on-plan-change")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*execution plan changed*", "*relu*"])


def test_several_compilations_a_side_take_turns_window_by_window(core: Any) -> None:
    from collections import Counter

    from pytest_ovbench.measure.paired import copy_pairs

    sides = [[compiled(core, build_tiny(name=f"{side}{k}")) for k in range(2)] for side in "cr"]
    pairing = Pairing(
        sides[0], sides[1], Settings(niter=40, warmup=0.0), "sync", rng=np.random.default_rng(1)
    )
    chosen = copy_pairs(pairing.runners, 20, np.random.default_rng(2))
    counts = Counter((id(c), id(r)) for c, r in chosen)
    assert len(counts) == 4 and set(counts.values()) == {5}  # every pair of compilations, alike
    candidate, reference = pairing()
    assert len(candidate.windows) == len(reference.windows) == PAIRED_WINDOWS
    assert candidate.count == reference.count == 40


def test_the_sides_are_set_up_in_a_balanced_order_of_random_orientation() -> None:
    from pytest_ovbench.measure.paired import balanced_copies, balanced_order

    orders = {tuple(balanced_order(4, 4, np.random.default_rng(seed))) for seed in range(20)}
    assert orders == {(0, 1, 1, 0, 1, 0, 0, 1), (1, 0, 0, 1, 0, 1, 1, 0)}  # Thue-Morse, either way
    for order in orders:  # a steady trend over the set-up order cancels: equal mean positions
        positions = [[k for k, side in enumerate(order) if side == s] for s in (0, 1)]
        assert sum(positions[0]) == sum(positions[1])
    assert balanced_order(1, 3, np.random.default_rng(0))[2:] == [1, 1]  # the rest of the larger side
    assert sorted(balanced_order(3, 1, np.random.default_rng(0))) == [0, 0, 0, 1]
    made: list[tuple[int, int]] = []
    sides = balanced_copies(
        lambda side, copy: made.append((side, copy)) or (side, copy), 2, np.random.default_rng(1)
    )
    assert sides == ([(0, 1), (0, 2)], [(1, 1), (1, 2)])  # copies numbered from 1: not the test's own
    assert [side for side, _ in made] == balanced_order(2, 2, np.random.default_rng(1))


def test_the_pairing_prepares_each_compilation_once_on_its_side(core: Any) -> None:
    sides = [[compiled(core, build_tiny(name=f"{side}{k}")) for k in range(2)] for side in "cr"]
    pairing = Pairing(sides[0], sides[1], Settings(niter=4, warmup=0.0), "sync", rng=np.random.default_rng(3))
    assert [[r.compiled for r in side] for side in pairing.runners] == sides


def test_reference_mode_json_lists_every_round(pytester: pytest.Pytester) -> None:
    import json

    ov.save_model(build_tiny(), str(pytester.path / "model.xml"))
    ov.save_model(build_tiny(name="base"), str(pytester.path / "base.xml"))
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        test_perf="""
        import pytest

        @pytest.mark.ovbench(model="model.xml", reference="base.xml", niter=40, tolerance=0.5)
        def test_lat(infer_sync):
            infer_sync()
    """
    )
    pytester.runpytest("-p", "no:cacheprovider", "--ov-json=out.json")
    (record,) = json.loads((pytester.path / "out.json").read_text())["measurements"]
    assert record["runs"], "every round, with when it ran"
    assert all(run["started"] <= run["finished"] and not run["fresh_process"] for run in record["runs"])
    assert all(run["figures"]["median"] > 0 for run in record["runs"])
