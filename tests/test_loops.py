"""The measuring code on real tiny models, called directly (no pytest glue)."""

from __future__ import annotations

from typing import Any

import numpy as np
import openvino as ov
import pytest
from tiny_models import build_tiny, multi_input_model

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.measure.loops import run_async, run_sync
from pytest_ovbench.measure.runner import Runner, measure_async, measure_sync
from pytest_ovbench.runtime.compiling import Compiled, batch_size, compile_model


@pytest.fixture(scope="module")
def core() -> Any:
    return ov.Core()


def compiled_for(core: Any, model: Any, mode: str, **keywords: Any) -> Compiled:
    settings = Settings(**keywords)
    return compile_model(core, model, "CPU", settings.compile_config(mode))


def test_sync_loop_runs_exactly_niter(core: Any, tiny_model: Any) -> None:
    request = compiled_for(core, tiny_model, "sync").compiled_model.create_infer_request()
    raw = run_sync(request, 37, None)
    assert raw.latencies_ms.size == 37 == raw.ends_s.size
    assert np.all(raw.latencies_ms > 0)
    assert np.all(np.diff(raw.ends_s) >= 0)


def test_sync_loop_meets_both_limits(core: Any, tiny_model: Any) -> None:
    request = compiled_for(core, tiny_model, "sync").compiled_model.create_infer_request()
    raw = run_sync(request, 3, 0.2)
    assert raw.duration >= 0.2 and raw.latencies_ms.size > 3


def test_async_loop_ends_on_a_multiple_of_the_queue(core: Any, tiny_model: Any) -> None:
    compiled = compiled_for(core, tiny_model, "async", nireq=3)
    queue = Runner.prepare(compiled, Settings(nireq=3, warmup=0.0), "async").target
    raw = run_async(queue, 10, None)
    assert len(queue) == 3
    assert raw.latencies_ms.size == 12  # 10 aligned up to a multiple of 3, as benchmark_app does


def test_sync_result_figures(core: Any, tiny_model: Any) -> None:
    settings = Settings(niter=50, warmup=0.0, windows=5)
    result = measure_sync(compiled_for(core, tiny_model, "sync"), settings)
    assert result.count == 50 == result.latencies.size
    assert result.throughput == pytest.approx(result.batch * 50 / result.duration)
    assert result.latency.min <= result.latency.median <= result.latency.max
    assert result.first_inference_ms > 0 and result.compile_ms > 0
    assert [w.count for w in result.windows] == [10] * 5
    assert result.properties["PERFORMANCE_HINT"] == "LATENCY"
    assert result.properties["NUM_STREAMS"] == 1
    assert result.name == "sync" and result.nireq == 1


def test_async_result_uses_optimal_requests(core: Any, tiny_model: Any) -> None:
    compiled = compiled_for(core, tiny_model, "async")
    result = measure_async(compiled, Settings(niter=20, warmup=0.0))
    optimal = compiled.compiled_model.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")
    assert result.nireq == optimal
    assert result.count >= 20 and result.count % optimal == 0
    assert result.properties["PERFORMANCE_HINT"] == "THROUGHPUT"


def test_batch_is_counted_in_throughput(core: Any) -> None:
    model = build_tiny(batch=4)
    assert batch_size(model) == 4
    result = measure_sync(compiled_for(core, model, "sync"), Settings(niter=10, warmup=0.0))
    assert result.batch == 4
    assert result.throughput == pytest.approx(4 * result.count / result.duration)


def test_inputs_keep_each_type_and_are_seeded(core: Any) -> None:
    image, rate, mask = compiled_for(core, multi_input_model(), "sync").feeds(Settings())[0].arrays
    assert image is not None and image.dtype == np.float32 and image.shape == (1, 4)
    assert rate is not None and rate.dtype == np.int32 and 0 <= int(rate[0]) <= 255
    assert mask is not None and mask.dtype == np.bool_
    again = compiled_for(core, multi_input_model(), "sync").feeds(Settings())[0].arrays[0]
    assert again is not None and np.array_equal(image, again)
    result = measure_sync(compiled_for(core, multi_input_model(), "sync"), Settings(niter=5))
    assert result.count == 5
