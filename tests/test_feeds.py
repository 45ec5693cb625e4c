"""Input sets (feeds), shape groups, cycling loops and the state-reset cadence, on real OpenVINO."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import openvino
import pytest
from tiny_models import dynamic_conv, multi_input_model, stateful_model

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.config.shapes import parse_data_shape
from pytest_ovbench.errors import DynamicInputs, ModelError
from pytest_ovbench.inputs.feeds import groups_of, plan_feeds
from pytest_ovbench.measure.runner import Runner, measure
from pytest_ovbench.runtime.compiling import compile_model

CORE = openvino.Core()


def compiled_for(model: Any, **config: Any) -> Any:
    return compile_model(CORE, model, "CPU", {"PERFORMANCE_HINT": "LATENCY", **config})


def test_a_static_model_gets_one_seeded_random_feed() -> None:
    feeds = plan_feeds(multi_input_model(), {}, None, Path("."))
    assert len(feeds) == 1 and feeds[0].group == "" and groups_of(feeds) == []
    again = plan_feeds(multi_input_model(), {}, None, Path("."))
    assert all(np.array_equal(a, b) for a, b in zip(feeds[0].arrays, again[0].arrays))
    image, rate, mask = feeds[0].arrays
    assert image is not None and rate is not None and mask is not None
    assert (image.dtype, rate.dtype, mask.dtype) == (np.float32, np.int32, np.bool_)


def test_data_shapes_make_groups_with_their_batch() -> None:
    feeds = plan_feeds(dynamic_conv(), parse_data_shape("[1,3,8,8][4,3,16,16]"), None, Path("."))
    assert [f.group for f in feeds] == ["[1,3,8,8]", "[4,3,16,16]"]
    assert [f.batch for f in feeds] == [1, 4]
    assert [f.arrays[0].shape for f in feeds if f.arrays[0] is not None] == [(1, 3, 8, 8), (4, 3, 16, 16)]


def test_incompatible_data_shape_and_missing_shapes_are_named() -> None:
    with pytest.raises(ModelError, match=r"data_shape \[1,3,8\] does not fit input 'pixels'"):
        plan_feeds(dynamic_conv(), parse_data_shape("[1,3,8]"), None, Path("."))
    with pytest.raises(DynamicInputs, match=r"pixels \[\?,3,\?,\?\].*data_shape="):
        plan_feeds(dynamic_conv(), {}, None, Path("."))


def test_files_and_pinned_values_fill_their_inputs(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.full((1, 4), 2.0, np.float32))
    np.save(tmp_path / "b.npy", np.full((1, 4), 3.0, np.float32))
    spec = {"image": str(tmp_path), "rate": 7}
    feeds = plan_feeds(multi_input_model(), {}, spec, Path("."))
    assert len(feeds) == 2
    assert [float(f.arrays[0][0, 0]) for f in feeds] == [2.0, 3.0]  # type: ignore[index]
    assert all(int(f.arrays[1][0]) == 7 for f in feeds)  # type: ignore[index]
    assert feeds[0].arrays[2] is feeds[1].arrays[2]  # random data made once per input and shape
    with pytest.raises(
        ModelError, match=r"inputs= names 'imag', which the model does not have \(it has 'image'"
    ):
        plan_feeds(multi_input_model(), {}, {"imag": 1.0}, Path("."))


def test_shape_groups_are_measured_alike_and_reported_apart() -> None:
    compiled = compiled_for(dynamic_conv())
    settings = Settings(niter=19, warmup=0.0, data_shape=parse_data_shape("[1,3,8,8][1,3,128,128]"))
    result = measure(compiled, settings, "sync")
    assert result.count == 20  # 19 rounded up to a whole number of cycles through both groups
    assert sorted(result.groups) == ["[1,3,128,128]", "[1,3,8,8]"]
    assert [stats.count for stats in result.groups.values()] == [10, 10]
    # 256 times the work: the medians of ten each keep their order even on a busy machine
    assert result.groups["[1,3,128,128]"].median > result.groups["[1,3,8,8]"].median


def test_throughput_counts_the_frames_of_each_group() -> None:
    compiled = compiled_for(dynamic_conv())
    settings = Settings(niter=20, warmup=0.0, data_shape=parse_data_shape("[1,3,8,8][3,3,8,8]"))
    result = measure(compiled, settings, "async")
    assert result.batch == 2  # mean frames per inference
    assert result.throughput == pytest.approx(2.0 * result.count / result.duration)


def output_after(runner: Runner) -> float:
    return float(runner.target.get_output_tensor(0).data[0, 0])


@pytest.mark.parametrize(("reset_state", "expected"), [(None, 1.0), (3, 1.0), (4, 3.0), (0, 8.0)])
def test_state_is_reset_at_the_cadence(reset_state: int | None, expected: float) -> None:
    """Seven inferences after the first round; the accumulator counts those since the last reset."""
    compiled = compiled_for(stateful_model())
    compiled.feeds(Settings())[0].arrays[0][...] = 1.0  # type: ignore[index]
    runner = Runner.prepare(compiled, Settings(warmup=0.0, reset_state=reset_state), "sync")
    runner.run(7, None)
    assert output_after(runner) == expected


def test_async_requests_reset_their_own_state() -> None:
    compiled = compiled_for(stateful_model(), NUM_STREAMS=2)
    compiled.feeds(Settings())[0].arrays[0][...] = 1.0  # type: ignore[index]
    runner = Runner.prepare(compiled, Settings(warmup=0.0, nireq=2, reset_state=2), "async")
    runner.run(12, None)
    values = [float(runner.target[i].get_output_tensor(0).data[0, 0]) for i in range(2)]
    assert all(value in (1.0, 2.0) for value in values), values


def test_a_stateless_static_model_keeps_the_plain_loop() -> None:
    compiled = compiled_for(multi_input_model())
    assert Runner.prepare(compiled, Settings(warmup=0.0), "sync").cycle is None
    stateful = compiled_for(stateful_model())
    assert Runner.prepare(stateful, Settings(warmup=0.0), "sync").cycle is not None


def test_a_pinned_scalar_input_keeps_rank_zero_in_the_cycling_loop() -> None:
    """An audio model's sample rate is a rank-0 input; the stateful model takes the cycling loop."""
    compiled = compiled_for(stateful_model(with_rate=True))
    settings = Settings(warmup=0.0, inputs={"sr": 16000})
    (feed,) = compiled.feeds(settings)
    assert feed.arrays[1] is not None and feed.arrays[1].shape == () and int(feed.arrays[1]) == 16000
    runner = Runner.prepare(compiled, settings, "sync")
    assert runner.cycle is not None
    runner.run(3, None)
    first = float(feed.arrays[0][0, 0])  # type: ignore[index]
    assert output_after(runner) == pytest.approx(16000 * first)  # state reset before each inference


def test_a_shape_the_model_cannot_run_is_named_with_openvino_reason() -> None:
    import openvino.opset13 as ops

    x = ops.parameter([1, -1], np.float32, name="x")
    model = openvino.Model([ops.add(x, ops.constant(np.ones((1, 8), np.float32)))], [x], "adds_8")
    compiled = compiled_for(model)
    compiled.label = "adds_8.xml"
    with pytest.raises(ModelError, match=r"adds_8.xml: OpenVINO cannot infer with inputs x\[1,5\]:\n  \S"):
        measure(compiled, Settings(niter=2, warmup=0.0, data_shape=parse_data_shape("[1,5]")), "sync")
    assert measure(
        compiled, Settings(niter=2, warmup=0.0, data_shape=parse_data_shape("[1,8]")), "sync"
    ).count
