"""Per-layer profiles with real OpenVINO counters: averaging, storage, plan changes, timing moves."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import openvino as ov
import pytest
import yaml
from tiny_models import build_tiny, conv_relu

from pytest_ovbench.baselines.layers import kept_layers, layer_entry, pooled_layers, validate_layer_entry
from pytest_ovbench.judge.plan import SEVERITY, LayerChange, layer_changes
from pytest_ovbench.measure.layers import Layer, profile, read_counters
from pytest_ovbench.report.layers import NO_MOVES, describe_change, layer_records, moves_lines, top_moves

IMAGE = np.linspace(-1.0, 1.0, 3 * 16 * 16, dtype=np.float32).reshape(1, 3, 16, 16)


@pytest.fixture(scope="module")
def core() -> ov.Core:
    return ov.Core()


def compiled(core: ov.Core, model: Any, **config: Any) -> Any:
    return core.compile_model(model, "CPU", {"PERF_COUNT": True, **config})


def ready_request(compiled_model: Any) -> Any:
    request = compiled_model.create_infer_request()
    request.set_input_tensor(ov.Tensor(IMAGE))
    return request


def profiled(core: ov.Core, model: Any, iterations: int = 3, **config: Any) -> list[Layer]:
    return profile(ready_request(compiled(core, model, **config)), iterations)


def by_name(layers: Sequence[Layer]) -> dict[str, Layer]:
    return {layer.name: layer for layer in layers}


def precision_of(exec_type: str) -> str:
    """What an exec_type ends with (``brgconv_avx512_bf16`` -> ``bf16``): on a bf16-capable CPU f32
    models run in bf16 by default, so tests derive the precision from what the device ran."""
    return exec_type.rsplit("_", 1)[-1].lower()


def kinds(changes: Sequence[LayerChange]) -> dict[str, str]:
    return {change.name: change.kind for change in changes}


class RecordingRequest:
    """A real infer request that remembers every profiling_info it handed out, and counts inferences."""

    def __init__(self, request: Any) -> None:
        self.request = request
        self.snapshots: list[list[Any]] = []
        self.infers = 0

    def infer(self) -> None:
        self.infers += 1
        self.request.infer()

    @property
    def profiling_info(self) -> list[Any]:
        self.snapshots.append(list(self.request.profiling_info))
        return self.snapshots[-1]


def mean_ms(snapshots: Sequence[Sequence[Any]], name: str) -> float:
    times = [
        info.real_time.total_seconds() * 1e3
        for infos in snapshots
        for info in infos
        if info.node_name == name
    ]
    return float(sum(times) / len(times))


# ----------------------------------------------------------------------------------------- reading


def test_profile_averages_the_counters_of_each_inference(core: ov.Core) -> None:
    # f32 asked for: a bf16-capable CPU would otherwise run the convolution in bf16.
    recorder = RecordingRequest(ready_request(compiled(core, conv_relu(), INFERENCE_PRECISION_HINT="f32")))
    layers = profile(recorder, 4)
    assert recorder.infers == 4 and len(recorder.snapshots) == 4  # one read after each inference
    assert [layer.name for layer in layers] == [info.node_name for info in recorder.snapshots[0]]
    for layer in layers:
        assert layer.real_time_ms == pytest.approx(mean_ms(recorder.snapshots, layer.name))
    executed = [layer for layer in layers if layer.status == "EXECUTED"]
    assert "conv" in by_name(executed) and len(executed) >= 2  # and the reorders the kernel needs
    assert all(layer.real_time_ms > 0 and layer.cpu_time_ms > 0 for layer in executed)
    conv, relu = by_name(layers)["conv"], by_name(layers)["relu"]
    assert conv.type == "Convolution" and conv.exec_type.endswith("_f32")
    assert (relu.status, relu.real_time_ms) == ("NOT_RUN", 0.0)  # fused into the convolution


def test_profile_needs_at_least_one_iteration(core: ov.Core) -> None:
    with pytest.raises(ValueError, match="at least 1, got 0"):
        profile(ready_request(compiled(core, build_tiny())), 0)


def test_read_counters_averages_the_requests_of_an_async_queue(core: ov.Core) -> None:
    queue = ov.AsyncInferQueue(compiled(core, conv_relu(), NUM_STREAMS=2), 2)
    for _ in range(6):
        queue.start_async({0: IMAGE})
    queue.wait_all()
    snapshots = [list(queue[index].profiling_info) for index in range(len(queue))]
    layers = read_counters([queue[index] for index in range(len(queue))])
    assert [layer.name for layer in layers] == [info.node_name for info in snapshots[0]]
    for layer in layers:
        assert layer.real_time_ms == pytest.approx(mean_ms(snapshots, layer.name))
    assert by_name(layers)["conv"].real_time_ms > 0


def test_read_counters_leaves_out_requests_that_never_ran(core: ov.Core) -> None:
    # On CPU the counters belong to a stream's graph, so an idle request of a queue may well show the
    # counters of another request that ran on its stream. A request of a compiled model that never
    # ran at all is the reliable idle request: every node NOT_RUN, every time zero.
    model = conv_relu()
    ran = ready_request(compiled(core, model))
    ran.infer()
    idle = [compiled(core, model).create_infer_request() for _ in range(2)]
    assert not any(_ran(request) for request in idle)
    # Averaged in, the idle requests would cut every time to a third.
    assert read_counters([ran, *idle]) == read_counters([ran]) == read_counters([idle[0], ran])


def _ran(request: Any) -> bool:
    return any(str(info.status).endswith("EXECUTED") for info in request.profiling_info)


def test_read_counters_refuses_requests_without_counters(core: ov.Core) -> None:
    request = ready_request(core.compile_model(conv_relu(), "CPU"))  # no PERF_COUNT
    request.infer()
    with pytest.raises(ValueError, match="PERF_COUNT"):
        read_counters([request])
    with pytest.raises(ValueError, match="PERF_COUNT"):
        read_counters([compiled(core, conv_relu()).create_infer_request()])  # never ran


# ----------------------------------------------------------------------------------------- storage


def test_same_model_round_trips_through_yaml_without_changes(core: ov.Core) -> None:
    model = conv_relu()
    first = profiled(core, model)
    entry = yaml.safe_load(yaml.safe_dump(layer_entry(first)))
    validate_layer_entry(entry)
    assert entry["conv"] == {
        "type": "Convolution",
        "exec_type": by_name(first)["conv"].exec_type,
        "status": "EXECUTED",
        "real_time_ms": by_name(first)["conv"].real_time_ms,
    }
    assert all(type(layer["real_time_ms"]) is float for layer in entry.values())
    assert layer_changes(entry, first) == []
    assert layer_changes(entry, profiled(core, model)) == []  # compiled again: the same plan


def test_an_empty_layer_entry_is_valid() -> None:
    validate_layer_entry({})


LAYER = {"type": "Convolution", "exec_type": "brgconv_avx2_f32", "status": "EXECUTED", "real_time_ms": 0.5}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([LAYER], "'layers' must be a mapping .* not a list"),
        ({7: LAYER}, "layer names must be strings, got 7"),
        ({"conv": "brgconv_avx2_f32"}, "layers -> 'conv': must be a mapping with keys type, exec_type"),
        ({"conv": {**LAYER, "type": None}}, "layers -> 'conv': 'type' must be a string, got None"),
        ({"conv": {**LAYER, "exec_type": 3}}, "layers -> 'conv': 'exec_type' must be a string, got 3"),
        (
            {"conv": {**LAYER, "status": "RAN"}},
            "layers -> 'conv': 'status' must be one of EXECUTED.*got 'RAN'",
        ),
        (
            {"conv": {**LAYER, "real_time_ms": "0.5"}},
            "'real_time_ms' must be a finite number >= 0, got '0.5'",
        ),
        ({"conv": {**LAYER, "real_time_ms": True}}, "layers -> 'conv': 'real_time_ms' .* got True"),
        ({"conv": {**LAYER, "real_time_ms": math.nan}}, "layers -> 'conv': 'real_time_ms' .* got nan"),
        ({"conv": {**LAYER, "real_time_ms": math.inf}}, "layers -> 'conv': 'real_time_ms' .* got inf"),
        ({"conv": {**LAYER, "real_time_ms": -0.1}}, "layers -> 'conv': 'real_time_ms' .* got -0.1"),
        ({"x" * 500: []}, "layers -> 'xxx.*\\.\\.\\.: must"),
    ],
)
def test_validate_layer_entry_names_what_is_wrong(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_layer_entry(value)


@pytest.mark.parametrize("key", ["type", "exec_type", "status", "real_time_ms"])
def test_validate_layer_entry_names_a_missing_key(key: str) -> None:
    layer = {name: value for name, value in LAYER.items() if name != key}
    with pytest.raises(ValueError, match=f"layers -> 'relu': missing '{key}'"):
        validate_layer_entry({"conv": LAYER, "relu": layer})


def test_validate_layer_entry_tolerates_unknown_keys_and_integer_times() -> None:
    validate_layer_entry({"conv": {**LAYER, "cpu_time_ms": 0.4, "real_time_ms": 0}})


# ---------------------------------------------------------------------------- changes of the plan


def test_a_real_lost_fusion_is_reported_exactly(core: ov.Core) -> None:
    baseline = layer_entry(profiled(core, conv_relu()))
    layers = profiled(core, conv_relu(tap=True))  # the conv output is needed on its own now
    changes = layer_changes(baseline, layers)
    relu = changes[0]  # most serious first
    assert (relu.name, relu.kind, relu.before) == ("relu", "fusion lost", "undef (NOT_RUN)")
    assert relu.after == by_name(layers)["relu"].exec_type
    assert describe_change(relu).startswith(f"relu ({by_name(layers)['relu'].type}): undef (NOT_RUN) -> ")
    assert describe_change(relu).endswith("no longer fused or optimized out, now runs on its own")
    # The reorders in front of the outputs follow the graph; the convolution itself did not change.
    assert set(kinds(changes).values()) <= {"fusion lost", "added", "removed"}
    assert "tap" in kinds(changes) and "conv" not in kinds(changes)


def test_a_real_fusion_is_reported_the_other_way(core: ov.Core) -> None:
    baseline = layer_entry(profiled(core, conv_relu(tap=True)))
    changes = layer_changes(baseline, profiled(core, conv_relu()))
    assert kinds(changes)["relu"] == "fused" and kinds(changes)["tap"] == "removed"
    assert changes[-1].kind == "fused"  # an improvement comes last


def test_a_real_precision_change_int8_against_the_default(core: ov.Core) -> None:
    # f16/bf16 inference precision hints are ignored on an AVX2-only CPU; int8 through
    # FakeQuantize is what really changes the precision of the same node on every CPU. The
    # precision before is what this device runs by default (f32, or bf16 where the CPU has it).
    baseline = layer_entry(profiled(core, conv_relu()))
    before = precision_of(baseline["conv"]["exec_type"])
    layers = profiled(core, conv_relu(quantized=True))
    conv = next(change for change in layer_changes(baseline, layers) if change.name == "conv")
    assert (conv.kind, conv.before) == ("precision", baseline["conv"]["exec_type"])
    assert re.search(r"_[iu]8$", conv.after, re.IGNORECASE), conv.after
    assert re.search(rf"precision changed \({before} -> [iu]8\)$", describe_change(conv))
    assert kinds(layer_changes(baseline, layers))["quantize"] == "added"


def edited(entry: dict[str, dict[str, Any]], name: str, **fields: Any) -> dict[str, dict[str, Any]]:
    return {**entry, name: {**entry[name], **fields}}


@pytest.fixture(scope="module")
def tiny(core: ov.Core) -> list[Layer]:
    return profiled(core, conv_relu())


def with_exec_type(layers: Sequence[Layer], name: str, exec_type: str) -> list[Layer]:
    return [
        dataclasses.replace(layer, exec_type=exec_type) if layer.name == name else layer for layer in layers
    ]


def test_fallback_to_a_reference_kernel(tiny: list[Layer]) -> None:
    # No fallback could be provoked on this CPU for the same node; the current run is edited instead.
    baseline = layer_entry(tiny)
    before = baseline["conv"]["exec_type"]
    reference = f"ref_any_{precision_of(before)}"  # the same precision: only the kernel changes
    [change] = layer_changes(baseline, with_exec_type(tiny, "conv", reference))
    assert change == LayerChange("conv", "fallback", before, reference, "Convolution")
    assert describe_change(change) == (
        f"conv (Convolution): {before} -> {reference}: fell back to a reference implementation"
    )


def test_leaving_a_reference_kernel_is_a_change_of_implementation(tiny: list[Layer]) -> None:
    running = by_name(tiny)["conv"].exec_type
    baseline = edited(layer_entry(tiny), "conv", exec_type=f"ref_any_{precision_of(running)}")
    [change] = layer_changes(baseline, tiny)
    assert change.kind == "implementation" and describe_change(change).endswith(": implementation changed")


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        ("jit_uni_f32", "jit_uni_bf16", "precision"),
        ("brgconv_avx512_f32", "brgconv_avx512_amx_bf16", "precision"),
        ("unknown_FP32", "unknown_f16", "precision"),
        ("jit_avx2_f32", "gemm_ref_f32", "fallback"),
        ("jit_avx2_f32", "ref:any_f32", "fallback"),
        ("ref_any_f32", "ref_f32", "implementation"),
        ("jit_avx2_f32", "jit_avx512_f32", "implementation"),
        ("jit_avx2_f32", "jit_FP32", "implementation"),  # the same precision, spelt the old way
        ("jit_avx2", "jit_avx512", "implementation"),  # "avx2" is no precision
    ],
)
def test_exec_type_changes_are_classified(tiny: list[Layer], before: str, after: str, kind: str) -> None:
    baseline = edited(layer_entry(tiny), "conv", exec_type=before)
    [change] = layer_changes(baseline, with_exec_type(tiny, "conv", after))
    assert (change.kind, change.before, change.after) == (kind, before, after)


def test_not_run_and_optimized_out_differ_only_in_status(tiny: list[Layer]) -> None:
    baseline = edited(layer_entry(tiny), "relu", status="OPTIMIZED_OUT")
    [change] = layer_changes(baseline, tiny)
    assert (change.kind, change.before, change.after) == (
        "implementation",
        "undef (OPTIMIZED_OUT)",
        "undef (NOT_RUN)",
    )


def test_added_and_removed_nodes(tiny: list[Layer]) -> None:
    baseline = {name: layer for name, layer in layer_entry(tiny).items() if name != "conv"}
    baseline["old_conv"] = {**LAYER, "status": "EXECUTED"}
    changes = layer_changes(baseline, tiny)
    assert [(change.name, change.kind) for change in changes] == [("old_conv", "removed"), ("conv", "added")]
    assert (
        describe_change(changes[0])
        == "old_conv (Convolution): was brgconv_avx2_f32 in the baseline, now gone"
    )
    conv = by_name(tiny)["conv"]
    assert describe_change(changes[1]) == f"conv (Convolution): not in the baseline, now {conv.exec_type}"


def test_changes_come_most_serious_first(tiny: list[Layer]) -> None:
    baseline = layer_entry(tiny)
    del baseline["conv"]  # conv: added
    baseline["gone"] = LAYER  # removed
    # Only nodes every CPU class has: a reorder (one at least), the output, the Relu, the input.
    reorder = next(
        name for name, layer in baseline.items() if layer["status"] == "EXECUTED" and name != "gone"
    )
    baseline = edited(baseline, reorder, status="NOT_RUN")  # the reorder: fusion lost
    other = "f16" if precision_of(baseline["out"]["exec_type"]) != "f16" else "bf16"
    baseline = edited(baseline, "out", exec_type=f"unknown_{other}")  # the output: precision
    baseline = edited(baseline, "relu", status="EXECUTED", exec_type="jit_avx2_f32")  # fused
    layers = with_exec_type(tiny, "image", "ref_f32")  # the parameter: fallback
    order = [change.kind for change in layer_changes(baseline, layers)]
    assert order == ["fallback", "fusion lost", "precision", "removed", "added", "fused"]
    assert order == sorted(order, key=SEVERITY.index)


# --------------------------------------------------------------------------------------- reporting


def timed(layers: Sequence[Layer], **times: float) -> list[Layer]:
    return [
        dataclasses.replace(layer, real_time_ms=times.get(layer.name, layer.real_time_ms)) for layer in layers
    ]


def test_top_moves_lists_the_largest_moves_first_and_leaves_tiny_ones_out(tiny: list[Layer]) -> None:
    reorder = next(layer.name for layer in tiny if layer.type == "Reorder")  # one on every CPU class
    times = {"conv": 2.08, reorder: 0.0200, "out": 0.5}
    baseline = layer_entry(timed(tiny, **times))
    now = timed(tiny, conv=3.1, **{reorder: 0.0100, "out": 0.4})
    lines = top_moves(baseline, now)
    conv, out = by_name(tiny)["conv"], by_name(tiny)["out"]
    assert lines[0] == f"conv (Convolution, {conv.exec_type}): 2.08 -> 3.10 ms (+49%)"
    assert lines[1] == f"out ({out.type}, {out.exec_type}): 0.500 -> 0.400 ms (-20%)"
    # The reorder halved, but 0.01 ms is under 2% of the model's 3.6 ms: noise, whatever its percent.
    assert len(lines) == 2
    assert top_moves(baseline, now, count=1) == lines[:1]
    assert top_moves(baseline, now, count=0) == []


def test_a_tiny_layer_that_moved_tenfold_never_leads(tiny: list[Layer]) -> None:
    """The trial's unchanged detector listed ``Sigmoid 0.008 -> 0.094 ms (+1075%)``: in a 20 ms model
    that is noise, and so is a big layer moving within its own spread between the baseline's runs."""
    baseline = layer_entry(timed(tiny, conv=20.0, relu=0.008))
    baseline["conv"]["spread_ms"] = 0.4  # the convolution's runs varied by this much
    now = timed(tiny, conv=21.0, relu=0.094)  # +1.0 ms: within 3 spreads (1.2 ms)
    assert top_moves(baseline, now) == []
    assert moves_lines(baseline, now) == [f"  {NO_MOVES}"] == ["  no layer's time moved beyond its noise"]
    moved = timed(tiny, conv=22.0, relu=0.094)  # +2.0 ms: beyond its noise
    assert moves_lines(baseline, moved) == [
        "  layers whose time moved most:",
        f"    conv (Convolution, {by_name(tiny)['conv'].exec_type}): 20.0 -> 22.0 ms (+10%)",
    ]


def test_layers_are_ranked_by_the_move_beyond_their_own_noise(tiny: list[Layer]) -> None:
    baseline = layer_entry(timed(tiny, conv=10.0, relu=4.0))
    baseline["conv"]["spread_ms"] = 1.0  # noisy: 3 ms of its move is noise
    baseline["relu"]["spread_ms"] = 0.01  # steady: the 2% floor (about 0.4 ms) is its noise
    lines = top_moves(baseline, timed(tiny, conv=14.0, relu=5.5))
    # conv moved 4 ms, 1 beyond its noise; relu 1.5 ms, 1.2 beyond: relu leads.
    assert [line.split(" ")[0] for line in lines] == ["relu", "conv"]


def test_top_moves_counts_new_and_gone_layers_as_moves_from_nothing(tiny: list[Layer]) -> None:
    baseline = layer_entry(timed(tiny, conv=1.0))
    baseline["gone"] = {**LAYER, "real_time_ms": 0.25}
    del baseline["relu"]
    now = timed(tiny, conv=1.0, relu=0.125)
    assert top_moves(baseline, now) == [
        "gone (Convolution, brgconv_avx2_f32): 0.250 ms in the baseline, gone now",
        "relu (Relu, undef): 0.125 ms, not in the baseline",
    ]


def test_top_moves_from_a_zero_baseline_has_no_percentage(tiny: list[Layer]) -> None:
    baseline = layer_entry(timed(tiny, relu=0.0))
    [line] = top_moves(baseline, timed(tiny, relu=12.5))
    assert line == "relu (Relu, undef): 0 -> 12.5 ms"


def test_layer_records_carry_the_baseline_time_where_known(tiny: list[Layer]) -> None:
    baseline = {name: layer for name, layer in layer_entry(timed(tiny, conv=2.5)).items() if name != "relu"}
    records = layer_records(tiny, baseline)
    assert [record["name"] for record in records] == [layer.name for layer in tiny]
    conv = next(record for record in records if record["name"] == "conv")
    assert conv == {
        "name": "conv",
        "type": "Convolution",
        "exec_type": by_name(tiny)["conv"].exec_type,
        "status": "EXECUTED",
        "real_time_ms": by_name(tiny)["conv"].real_time_ms,
        "baseline_real_time_ms": 2.5,
    }
    assert next(record for record in records if record["name"] == "relu")["baseline_real_time_ms"] is None
    assert all(record["baseline_real_time_ms"] is None for record in layer_records(tiny, None))


def test_nodes_numbered_by_openvino_are_paired_across_builds(core: ov.Core) -> None:
    """The same graph built twice (other models in between) gets other automatic node numbers
    (Convolution_5268 vs Convolution_5301); it is still the same plan."""
    from tiny_models import build_heavy

    first = profiled(core, build_heavy())
    profiled(core, build_tiny())  # moves OpenVINO's node counter on
    second = profiled(core, build_heavy())
    assert {layer.name for layer in first} != {layer.name for layer in second}
    assert layer_changes(layer_entry(first), second) == []
    records = layer_records(second, layer_entry(first))
    assert all(record["baseline_real_time_ms"] is not None for record in records)


def test_pairing_by_numbers_still_sees_a_changed_kernel(core: ov.Core) -> None:
    from tiny_models import build_heavy

    baseline = layer_entry(profiled(core, build_heavy()))
    second = profiled(core, build_heavy())
    conv = next(layer for layer in second if layer.type == "Convolution")
    changed = with_exec_type(second, conv.name, f"ref_any_{precision_of(conv.exec_type)}")
    changes = layer_changes(baseline, changed)
    assert [(c.name, c.kind) for c in changes] == [(conv.name, "fallback")]


# ------------------------------------------------------------- plans of several runs (the baseline)


def with_status(layers: Sequence[Layer], name: str, status: str) -> list[Layer]:
    return [dataclasses.replace(layer, status=status) if layer.name == name else layer for layer in layers]


def executed_reorder(layers: Sequence[Layer]) -> str:
    return next(layer.name for layer in layers if layer.type == "Reorder" and layer.status == "EXECUTED")


def test_a_status_that_flipped_between_the_baselines_runs_is_no_change(core: ov.Core) -> None:
    """The trial's detector: 2-3 Reorders ran in some processes and not in others, and every run
    warned "no longer fused" for an unchanged model. No flip can be provoked on demand, so one of
    three real runs has a reorder's status flipped as OpenVINO flipped it there."""
    model = conv_relu()
    runs = [profiled(core, model) for _ in range(3)]
    reorder = executed_reorder(runs[0])
    runs[1] = with_status(runs[1], reorder, "NOT_RUN")
    baseline = yaml.safe_load(yaml.safe_dump(pooled_layers(runs)))
    validate_layer_entry(baseline)
    assert baseline[reorder]["unstable"] == ["status"] and baseline[reorder]["status"] == "EXECUTED"
    assert all("unstable" not in layer for name, layer in baseline.items() if name != reorder)
    now = profiled(core, model)
    assert layer_changes(baseline, now) == []
    assert layer_changes(baseline, with_status(now, reorder, "NOT_RUN")) == []  # flipped again: noise
    # A single-run baseline (as before) cannot tell, and reports the flip.
    assert kinds(layer_changes(layer_entry(runs[0]), with_status(now, reorder, "NOT_RUN"))) == {
        reorder: "fused"
    }


def test_an_unstable_node_still_reports_a_fallback_and_a_precision_change(core: ov.Core) -> None:
    runs = [profiled(core, conv_relu()) for _ in range(2)]
    reorder = executed_reorder(runs[0])
    baseline = pooled_layers([runs[0], with_status(runs[1], reorder, "NOT_RUN")])
    kernel = baseline[reorder]["exec_type"]
    now = with_status(runs[0], reorder, "NOT_RUN")
    fallback = with_exec_type(now, reorder, f"ref_any_{precision_of(kernel)}")
    assert kinds(layer_changes(baseline, fallback)) == {reorder: "fallback"}
    other = "i8" if precision_of(kernel) != "i8" else "f32"
    changed = with_exec_type(now, reorder, f"jit_uni_{other}")
    assert kinds(layer_changes(baseline, changed)) == {reorder: "precision"}
    assert kinds(layer_changes(baseline, with_exec_type(now, reorder, "jit_other_kernel"))) == {
        reorder: "implementation"  # the kernel never varied: another one is news
    }


def test_a_stable_node_that_lost_its_fusion_is_still_reported(core: ov.Core) -> None:
    runs = [profiled(core, conv_relu()) for _ in range(3)]
    reorder = executed_reorder(runs[0])
    runs[2] = with_status(runs[2], reorder, "NOT_RUN")
    baseline = pooled_layers(runs)  # the reorder unstable, the relu fused in every run
    changes = layer_changes(baseline, profiled(core, conv_relu(tap=True)))
    assert kinds(changes)["relu"] == "fusion lost" and changes[0].name == "relu"
    assert reorder not in kinds(changes) or kinds(changes)[reorder] != "fusion lost"


def test_a_kernel_that_varied_between_the_baselines_runs_reports_only_fallbacks(tiny: list[Layer]) -> None:
    kernel = by_name(tiny)["conv"].exec_type
    precision = precision_of(kernel)
    baseline = pooled_layers([tiny, with_exec_type(tiny, "conv", f"jit_other_{precision}"), tiny])
    assert baseline["conv"]["exec_type"] == kernel and baseline["conv"]["unstable"] == ["exec_type"]
    assert layer_changes(baseline, with_exec_type(tiny, "conv", f"jit_third_{precision}")) == []
    fallback = with_exec_type(tiny, "conv", f"ref_any_{precision}")
    assert kinds(layer_changes(baseline, fallback)) == {"conv": "fallback"}


def test_pooled_layers_keep_the_median_time_the_spread_and_the_runs_majority(tiny: list[Layer]) -> None:
    runs = [timed(tiny, conv=time) for time in (1.0, 1.2, 5.0)]  # one slow process
    runs[2] = with_status(runs[2], "relu", "EXECUTED")
    conv, relu = pooled_layers(runs)["conv"], pooled_layers(runs)["relu"]
    assert conv["real_time_ms"] == 1.2 and conv["spread_ms"] == 2.3  # stdev 2.254..., two digits
    assert "unstable" not in conv
    assert relu["status"] == "NOT_RUN" and relu["unstable"] == ["status"]
    single = layer_entry(tiny)["conv"]
    assert set(single) == {"type", "exec_type", "status", "real_time_ms"}  # one run: no spread


def test_pooled_layers_pair_nodes_numbered_by_openvino_across_runs(core: ov.Core) -> None:
    from tiny_models import build_heavy

    first = profiled(core, build_heavy())
    profiled(core, build_tiny())  # moves OpenVINO's node counter on, as another process would
    second = profiled(core, build_heavy())
    pooled = pooled_layers([first, second])
    assert list(pooled) == [layer.name for layer in first]
    assert all("unstable" not in layer for layer in pooled.values())
    assert layer_changes(pooled, second) == []


# ------------------------------------------------------------------------ rewriting a layer entry


def test_a_rewritten_entry_keeps_the_lines_of_layers_that_did_not_move(tiny: list[Layer]) -> None:
    old = pooled_layers([timed(tiny, conv=2.0), timed(tiny, conv=2.2)])
    old["conv"]["spread_ms"] = 0.2
    new = pooled_layers([timed(tiny, conv=2.3), timed(tiny, conv=2.5)])  # 2.4: within 3 spreads
    kept = kept_layers(old, new)
    assert kept == old  # every record as it was stored: the same lines in the file
    moved = pooled_layers([timed(tiny, conv=3.0), timed(tiny, conv=3.2)])
    assert kept_layers(old, moved)["conv"] == moved["conv"]
    assert {name: layer for name, layer in kept_layers(old, moved).items() if name != "conv"} == {
        name: layer for name, layer in old.items() if name != "conv"
    }


def test_a_rewritten_entry_takes_new_plans_and_new_keys(tiny: list[Layer]) -> None:
    reorder = executed_reorder(tiny)
    old = pooled_layers([tiny, tiny])
    fused = pooled_layers([with_status(tiny, reorder, "NOT_RUN")] * 2)
    assert kept_layers(old, fused)[reorder]["status"] == "NOT_RUN"  # the plan changed
    flipping = pooled_layers([tiny, with_status(tiny, reorder, "NOT_RUN")])
    assert kept_layers(old, flipping)[reorder]["unstable"] == ["status"]  # newly seen unstable
    assert kept_layers(flipping, old)[reorder]["unstable"] == ["status"]  # still known unstable
    older_format = layer_entry(tiny)  # no spread_ms: entries written before it take the new record
    assert kept_layers(older_format, old) == old


def test_validate_layer_entry_names_a_bad_spread_or_unstable_mark() -> None:
    with pytest.raises(
        ValueError, match="layers -> 'conv': 'spread_ms' must be a finite number >= 0, got -1"
    ):
        validate_layer_entry({"conv": {**LAYER, "spread_ms": -1}})
    with pytest.raises(ValueError, match="'unstable' must be a list of exec_type and status, got 'status'"):
        validate_layer_entry({"conv": {**LAYER, "unstable": "status"}})
    with pytest.raises(ValueError, match=r"'unstable' must be a list .* got \['time'\]"):
        validate_layer_entry({"conv": {**LAYER, "unstable": ["time"]}})
    validate_layer_entry({"conv": {**LAYER, "spread_ms": 0, "unstable": ["exec_type", "status"]}})
