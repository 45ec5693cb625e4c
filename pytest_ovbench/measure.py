"""One measurement end to end (no pytest): request(s), inputs, warm-up, loop, figures."""

from __future__ import annotations

from typing import Any

from .compiling import Compiled
from .inputs import fill_request, make_inputs
from .loops import RawRun, run_async, run_sync, warm_up_async, warm_up_sync
from .result import Result, split_windows
from .settings import Settings
from .stats import LatencyStats


def build_result(
    raw: RawRun,
    compiled: Compiled,
    settings: Settings,
    mode: str,
    nireq: int,
    first_ms: float,
    read_ms: float | None = None,
) -> Result:
    """Figures from a raw run: statistics, windows, and the settings that produced them."""
    batch = compiled.batch
    return Result(
        name=settings.name or mode,
        mode=mode,
        device=settings.device,
        count=int(raw.latencies_ms.size),
        duration=raw.duration,
        throughput=batch * raw.latencies_ms.size / raw.duration,
        latency=LatencyStats.from_samples(raw.latencies_ms),
        latencies=raw.latencies_ms,
        windows=split_windows(raw.latencies_ms, raw.ends_s, raw.start_s, batch, settings.windows),
        first_inference_ms=first_ms,
        compile_ms=compiled.compile_ms,
        read_ms=read_ms,
        nireq=nireq,
        batch=batch,
        properties=dict(compiled.properties),
        settings=settings_record(settings, mode),
        model_name=compiled.compiled_model.get_runtime_model().get_friendly_name(),
    )


def settings_record(settings: Settings, mode: str) -> dict[str, Any]:
    """The settings as given plus the resolved hint and stop rule, for reports and baselines."""
    niter, seconds = settings.stop_rule()
    record: dict[str, Any] = {
        "hint": settings.effective_hint(mode),
        "niter": niter,
        "time": seconds,
        "windows": settings.windows,
        "warmup": settings.warmup,
    }
    for key in ("nireq", "nstreams", "nthreads"):
        if getattr(settings, key) is not None:
            record[key] = getattr(settings, key)
    if settings.config:
        record["config"] = dict(settings.config)
    return record


def measure_sync(compiled: Compiled, settings: Settings, read_ms: float | None = None) -> Result:
    """One infer request, inputs filled once, warm-up, then ``infer()`` in a loop."""
    request = compiled.compiled_model.create_infer_request()
    fill_request(request, make_inputs(compiled.compiled_model))
    first_ms = warm_up_sync(request, settings.warmup)
    niter, seconds = settings.stop_rule()
    raw = run_sync(request, niter, seconds)
    return build_result(raw, compiled, settings, "sync", 1, first_ms, read_ms)


def make_queue(compiled: Compiled, nireq: int | None) -> Any:
    """An AsyncInferQueue of ``nireq`` requests (default: OPTIMAL_NUMBER_OF_INFER_REQUESTS), filled."""
    from openvino import AsyncInferQueue

    queue = AsyncInferQueue(compiled.compiled_model, nireq or 0)
    arrays = make_inputs(compiled.compiled_model)
    for index in range(len(queue)):
        fill_request(queue[index], arrays)
    return queue


def measure_async(compiled: Compiled, settings: Settings, read_ms: float | None = None) -> Result:
    """Every request warmed up, all kept busy until the limits are met."""
    queue = make_queue(compiled, settings.nireq)
    first_ms = warm_up_async(queue, settings.warmup)
    niter, seconds = settings.stop_rule()
    raw = run_async(queue, niter, seconds)
    return build_result(raw, compiled, settings, "async", len(queue), first_ms, read_ms)
