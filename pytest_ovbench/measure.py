"""Measurements end to end (no pytest): request(s), inputs, warm-up, loop, figures.

``measure`` runs one model; ``measure_alternating`` runs a candidate and a reference model in
alternating slices of one run (reference mode), so that drift of the machine hits both alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np

from .compiling import Compiled
from .contention import foreign_load, snapshot
from .inputs import fill_request, make_inputs
from .loops import RawRun, run_async, run_sync, warm_up_async, warm_up_sync
from .result import FloatArray, Result, Window, split_windows
from .settings import Settings
from .stats import LatencyStats


def settings_record(settings: Settings, mode: str) -> dict[str, Any]:
    """The settings as given plus the resolved hint and stop rule, for reports and baselines."""
    niter, seconds = settings.stop_rule()
    record: dict[str, Any] = {
        "hint": settings.effective_hint(mode),
        "niter": niter,
        "time": seconds,
        "windows": settings.windows,
    }
    for key in ("nireq", "nstreams", "nthreads"):
        if getattr(settings, key) is not None:
            record[key] = getattr(settings, key)
    if settings.config:
        record["config"] = dict(settings.config)
    return record


@dataclass
class Runner:
    """A compiled model ready to be measured: its request (sync) or queue (async), warmed up."""

    compiled: Compiled
    mode: str
    target: Any  # InferRequest or AsyncInferQueue
    first_inference_ms: float

    @classmethod
    def prepare(cls, compiled: Compiled, settings: Settings, mode: str) -> Runner:
        arrays = make_inputs(compiled.compiled_model)
        if mode == "sync":
            request = compiled.compiled_model.create_infer_request()
            fill_request(request, arrays)
            return cls(compiled, mode, request, warm_up_sync(request, settings.warmup))
        from openvino import AsyncInferQueue

        queue = AsyncInferQueue(compiled.compiled_model, settings.nireq or 0)
        for index in range(len(queue)):
            fill_request(queue[index], arrays)
        return cls(compiled, mode, queue, warm_up_async(queue, settings.warmup))

    @property
    def nireq(self) -> int:
        return 1 if self.mode == "sync" else len(self.target)

    def run(self, niter: int | None, seconds: float | None) -> RawRun:
        loop = run_sync if self.mode == "sync" else run_async
        return loop(self.target, niter, seconds)

    def result(
        self, settings: Settings, latencies: FloatArray, duration: float, windows: list[Window]
    ) -> Result:
        compiled = self.compiled
        return Result(
            name=settings.name or self.mode,
            mode=self.mode,
            device=settings.device,
            count=int(latencies.size),
            duration=duration,
            throughput=compiled.batch * latencies.size / duration,
            latency=LatencyStats.from_samples(latencies),
            latencies=latencies,
            windows=windows,
            first_inference_ms=self.first_inference_ms,
            compile_ms=compiled.compile_ms,
            read_ms=None,
            nireq=self.nireq,
            batch=compiled.batch,
            properties=dict(compiled.properties),
            settings=settings_record(settings, self.mode),
            model_name=compiled.compiled_model.get_runtime_model().get_friendly_name(),
        )


Watch = Callable[[], AbstractContextManager[object]]


def measure(compiled: Compiled, settings: Settings, mode: str, watch: Watch = nullcontext) -> Result:
    """Warm up, run the loop once until the limits are met, cut it into windows.

    ``watch`` wraps the measured loop (the pytest glue shows progress with it; nothing per iteration).
    """
    runner = Runner.prepare(compiled, settings, mode)
    niter, seconds = settings.stop_rule()
    before = snapshot()
    with watch():
        raw = runner.run(niter, seconds)
    load = foreign_load(before, snapshot())
    windows = split_windows(raw.latencies_ms, raw.ends_s, raw.start_s, compiled.batch, settings.windows)
    result = runner.result(settings, raw.latencies_ms, raw.duration, windows)
    result.foreign_load = load
    return result


def measure_sync(compiled: Compiled, settings: Settings) -> Result:
    """One infer request, inputs filled once, warm-up, then ``infer()`` in a loop."""
    return measure(compiled, settings, "sync")


def measure_async(compiled: Compiled, settings: Settings) -> Result:
    """An AsyncInferQueue (``nireq`` requests, default the optimal number), all kept busy."""
    return measure(compiled, settings, "async")


def _slice_limits(settings: Settings, slices: int) -> tuple[int | None, float | None]:
    niter, seconds = settings.stop_rule()
    return (
        None if niter is None else max(1, -(-niter // slices)),
        None if seconds is None else seconds / slices,
    )


def measure_alternating(
    candidate: Compiled, reference: Compiled, settings: Settings, mode: str, watch: Watch = nullcontext
) -> tuple[Result, Result]:
    """Candidate and reference in alternating slices (ABBA order), each slice one window.

    Each model gets the full stop rule (time or iterations) spread over ``settings.windows`` slices.
    """
    runners = [Runner.prepare(candidate, settings, mode), Runner.prepare(reference, settings, mode)]
    niter, seconds = _slice_limits(settings, settings.windows)
    raws: list[list[RawRun]] = [[], []]
    before = snapshot()
    with watch():
        for index in range(settings.windows):
            order = (0, 1) if index % 2 == 0 else (1, 0)
            for side in order:
                raws[side].append(runners[side].run(niter, seconds))
    load = foreign_load(before, snapshot())
    results = (_combined(runners[0], settings, raws[0]), _combined(runners[1], settings, raws[1]))
    for result in results:
        result.foreign_load = load
    return results


def _combined(runner: Runner, settings: Settings, raws: Sequence[RawRun]) -> Result:
    latencies = np.concatenate([raw.latencies_ms for raw in raws])
    duration = sum(raw.duration for raw in raws)
    batch = runner.compiled.batch
    windows = [Window.of(raw.latencies_ms, raw.duration, batch) for raw in raws]
    return runner.result(settings, latencies, duration, windows)
