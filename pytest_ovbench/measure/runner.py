"""Measurements end to end (no pytest): request(s), inputs, warm-up, loop, figures.

``measure`` runs one model (with the yardstick beside it in stored mode); reference mode's
candidate-and-reference measurement is in paired.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.errors import ModelError, openvino_reason
from pytest_ovbench.inputs.feeds import Feed, groups_of
from pytest_ovbench.inputs.generated import fill_request
from pytest_ovbench.measure.contention import foreign_load, snapshot
from pytest_ovbench.measure.loops import (
    Cycle,
    RawRun,
    run_async,
    run_async_cycle,
    run_sync,
    run_sync_cycle,
    run_sync_pairs,
)
from pytest_ovbench.measure.result import FloatArray, Result, Window, split_windows
from pytest_ovbench.measure.settings_record import settings_record
from pytest_ovbench.measure.stats import LatencyStats
from pytest_ovbench.measure.yardstick import (
    PROBE_SHARE,
    SHARE,
    YARDSTICK,
    YARDSTICK_INTERLEAVED,
    machine_ms,
    turns,
)
from pytest_ovbench.runtime.compiling import Compiled
from pytest_ovbench.runtime.memory import phase

PROFILE_ITERATIONS = 20  # inferences averaged for per-layer counters in sync mode


@dataclass
class Runner:
    """A compiled model ready to be measured: its request (sync) or queue (async), fed and warmed up."""

    compiled: Compiled
    mode: str
    target: Any  # InferRequest or AsyncInferQueue
    feeds: list[Feed]
    cycle: Cycle | None  # None: one static input set, filled once (the plain loops)
    first_inference_ms: float = 0.0

    @classmethod
    def prepare(cls, compiled: Compiled, settings: Settings, mode: str) -> Runner:
        feeds = compiled.feeds(settings)
        if mode == "sync":
            target: Any = compiled.compiled_model.create_infer_request()
            requests = [target]
        else:
            from openvino import AsyncInferQueue

            target = AsyncInferQueue(compiled.compiled_model, settings.nireq or 0)
            requests = [target[index] for index in range(len(target))]
        cycle = _cycle(feeds, compiled, requests[0], settings)
        runner = cls(compiled, mode, target, feeds, cycle)
        with runner.explained():
            for request in requests:
                _feed_first(request, feeds[0], cycle)
            runner.first_inference_ms = runner.first_round()
            if settings.warmup > 0:
                runner.run(None, settings.warmup)
        return runner

    @contextmanager
    def explained(self) -> Iterator[None]:
        """OpenVINO's errors while inferring (a shape the model can't take, ...) as a ModelError
        naming the model and the input shapes."""
        try:
            yield
        except RuntimeError as exc:
            groups = ", ".join(dict.fromkeys(_shapes_text(self.compiled.model, feed) for feed in self.feeds))
            raise ModelError(
                f"{self.compiled.label or 'the model'}: OpenVINO cannot infer with inputs {groups}:\n  "
                + openvino_reason(exc).replace("\n", "\n  ")
                + "\n  fix: check shape=, data_shape= and inputs= against the shapes the model accepts"
            ) from None

    @property
    def nireq(self) -> int:
        return 1 if self.mode == "sync" else len(self.target)

    @property
    def requests(self) -> list[Any]:
        return [self.target] if self.mode == "sync" else [self.target[i] for i in range(len(self.target))]

    def first_round(self) -> float:
        """Every request runs once; the first inference's latency (ms) is returned."""
        if self.mode == "sync":
            self.target.infer()
            return float(self.target.latency)
        for _ in range(len(self.target)):
            self.target.start_async()
        self.target.wait_all()
        return float(self.target[0].latency)

    def run(self, niter: int | None, seconds: float | None) -> RawRun:
        if self.cycle is not None:
            cycling = run_sync_cycle if self.mode == "sync" else run_async_cycle
            return cycling(self.target, self.cycle, niter, seconds)
        loop = run_sync if self.mode == "sync" else run_async
        return loop(self.target, niter, seconds)

    def profile(self) -> list[Any]:
        """Per-layer counters after the measured loop: sync runs ``PROFILE_ITERATIONS`` more
        inferences reading the counters after each; async averages the counters every request
        holds from its last inference of the run (read once, so the loop itself never reads them)."""
        from pytest_ovbench.measure.layers import profile, read_counters

        if self.mode == "sync":
            return profile(self.target, PROFILE_ITERATIONS)
        return read_counters(self.requests)

    def frames(self, raw: RawRun) -> float:
        """Frames per inference over a run: the batch, or with input sets of several batches their
        mean over the inferences made."""
        if raw.feed_ids is None or len({f.batch for f in self.feeds}) == 1:
            return float(self.feeds[0].batch if self.cycle is not None else self.compiled.batch)
        batches = np.array([feed.batch for feed in self.feeds], dtype=np.float64)
        return float(batches[raw.feed_ids].mean()) if raw.feed_ids.size else 1.0

    def groups(
        self, latencies: FloatArray, feed_ids: npt.NDArray[np.int64] | None
    ) -> dict[str, LatencyStats]:
        """Latency per shape group (only when there are several)."""
        labels = groups_of(self.feeds)
        if not labels or feed_ids is None:
            return {}
        of_feed = np.array([labels.index(feed.group) for feed in self.feeds])[feed_ids]
        return {
            label: LatencyStats.from_samples(latencies[of_feed == index])
            for index, label in enumerate(labels)
            if np.any(of_feed == index)
        }

    def result(
        self, settings: Settings, raw: RawRun, duration: float, windows: list[Window], frames: float
    ) -> Result:
        compiled, latencies = self.compiled, raw.latencies_ms
        return Result(
            name=settings.name or self.mode,
            mode=self.mode,
            device=settings.device,
            count=int(latencies.size),
            duration=duration,
            throughput=frames * latencies.size / duration,
            latency=LatencyStats.from_samples(latencies),
            latencies=latencies,
            windows=windows,
            first_inference_ms=self.first_inference_ms,
            compile_ms=compiled.compile_ms,
            read_ms=compiled.read_ms,
            nireq=self.nireq,
            batch=round(frames) or 1,
            properties=dict(compiled.properties),
            settings=settings_record(settings, self.mode),
            model_name=compiled.compiled_model.get_runtime_model().get_friendly_name(),
            groups=self.groups(latencies, raw.feed_ids),
            cached_compile_ms=compiled.cached_compile_ms,
            compile_memory_mb=compiled.compile_memory_mb,
        )


def _shapes_text(model: Any, feed: Feed) -> str:
    from pytest_ovbench.runtime.prepare import display_name

    return " ".join(
        f"{display_name(port)}[{','.join(str(d) for d in array.shape)}]"
        for port, array in zip(model.inputs, feed.arrays)
        if array is not None
    )


def _cycle(feeds: list[Feed], compiled: Compiled, request: Any, settings: Settings) -> Cycle | None:
    """The cycling loop's plan, or None when the plain loops do: one input set, static shapes,
    no state to reset."""
    stateful = bool(request.query_state())
    reset_every = settings.reset_state if settings.reset_state is not None else len(feeds)
    reset_every = reset_every if stateful else 0
    dynamic = any(port.get_partial_shape().is_dynamic for port in compiled.compiled_model.inputs)
    if len(feeds) == 1 and not dynamic and not reset_every:
        return None
    from openvino import Tensor

    tensors = [{i: Tensor(a) for i, a in enumerate(feed.arrays) if a is not None} for feed in feeds]
    return Cycle(tensors, reset_every, max(1, len(groups_of(feeds))))


def _feed_first(request: Any, feed: Feed, cycle: Cycle | None) -> None:
    """Put the first input set in place, outside any measured loop."""
    if cycle is None:
        fill_request(request, list(feed.arrays))
    else:
        request.set_input_tensors(cycle.tensors[0])


Watch = Callable[[], AbstractContextManager[object]]


@dataclass(frozen=True)
class Rulers:
    """What stored-baseline mode measures beside the model, compiled like it (yardstick.py)."""

    yardstick: Compiled
    probe: Compiled

    def with_shares(self) -> tuple[tuple[Compiled, float], tuple[Compiled, float]]:
        """Each ruler with its time per slice, as a share of the model's slice before it."""
        return (self.yardstick, SHARE), (self.probe, PROBE_SHARE)


def measure(
    compiled: Compiled,
    settings: Settings,
    mode: str,
    watch: Watch = nullcontext,
    rulers: Rulers | None = None,
) -> Result:
    """Warm up, run the loop until the limits are met, cut it into windows. With ``rulers``
    (stored mode, yardstick.py) the yardstick takes turns with the model (sync, plain loop) or
    follows each of ``settings.windows`` slices, then the probe; the result carries the machine's
    speed (``machine_ms``, ``probe_ms``).
    ``watch`` wraps the measured loop (progress; nothing per iteration)."""
    plain = _plain(settings)
    ruling = (
        None
        if rulers is None
        else [(Runner.prepare(r, plain, mode), share) for r, share in rulers.with_shares()]
    )
    with phase() as used:
        runner = Runner.prepare(compiled, settings, mode)
        interleaved = ruling is not None and _interleavable(runner, ruling[0][0])
        before = snapshot()
        with watch(), runner.explained():
            raws, ruler_raws = _run(runner, ruling, settings)
        load = foreign_load(before, snapshot())
    if ruling is None:
        raw = raws[0]
        frames = runner.frames(raw)
        windows = split_windows(raw.latencies_ms, raw.ends_s, raw.start_s, frames, settings.windows)
        result = runner.result(settings, raw, raw.duration, windows, frames)
    else:
        result = _combined(runner, settings, raws)
        rulers_measured = [_combined(r, plain, rr) for (r, _), rr in zip(ruling, ruler_raws)]
        _add_machine_speed(result, rulers_measured[0], rulers_measured[1], mode, interleaved)
    result.foreign_load = load
    result.infer_memory_mb, result.peak_memory_mb = used.increase_mb, used.peak_mb
    result.memory_unavailable = used.unavailable
    if settings.perf_counts:
        result.layers = runner.profile()
    return result


def _add_machine_speed(result: Result, machine: Result, probe: Result, mode: str, interleaved: bool) -> None:
    """The yardstick's and the probe's ms per inference, overall and after each window (interleaved:
    the yardstick's overall figure by ``paired_ratio``)."""
    result.machine_windows = [machine_ms(w.median_ms, w.throughput, mode) for w in machine.windows]
    result.machine_ms = (
        result.latency.median / paired_ratio(result.windows, result.machine_windows)
        if interleaved
        else machine_ms(machine.latency.median, machine.throughput, mode)
    )
    result.probe_ms = machine_ms(probe.latency.median, probe.throughput, mode)
    result.probe_windows = [machine_ms(w.median_ms, w.throughput, mode) for w in probe.windows]
    result.yardstick = YARDSTICK_INTERLEAVED if interleaved else YARDSTICK


def paired_ratio(windows: Sequence[Window], yardstick_ms: Sequence[float]) -> float:
    """The model's time in yardstick units over an interleaved run: the geometric mean of each
    window's ratio of medians (over 2 x 12 fresh processes on a noisy 2-vCPU VM, its spread
    between processes was 2.3% and 3.0% of the log, the whole run's ratio of medians 2.9% and
    4.6%). An interleaved run's ``machine_ms`` is the model's median over this ratio: the
    yardstick's time as the model's turns saw it."""
    logs = [math.log(w.median_ms / y) for w, y in zip(windows, yardstick_ms) if w.median_ms > 0 and y > 0]
    return math.exp(sum(logs) / len(logs)) if logs else 1.0


def _plain(settings: Settings) -> Settings:
    """The yardstick's settings: the same loop, hint and limits, none of the model's inputs."""
    return replace(settings, data_shape={}, inputs=None, reset_state=None, perf_counts=False, warmup=0.1)


def _run(
    runner: Runner, rulers: list[tuple[Runner, float]] | None, settings: Settings
) -> tuple[list[RawRun], list[list[RawRun]]]:
    """The measured loop; with rulers, slices of the model each followed by the yardstick and the
    probe (raws of the model; raws of each ruler), or in sync mode the two interleaved."""
    niter, seconds = settings.stop_rule()
    if rulers is None:
        return [runner.run(niter, seconds)], []
    if _interleavable(runner, rulers[0][0]):
        return _run_interleaved(runner, rulers, settings)
    raws: list[RawRun] = []
    ruler_raws: list[list[RawRun]] = [[] for _ in rulers]
    for count, slice_seconds in slice_limits(settings):
        raws.append(runner.run(count, slice_seconds))
        for (ruler, share), done in zip(rulers, ruler_raws):
            done.append(ruler.run(None, share * raws[-1].duration))
    return raws, ruler_raws


def _interleavable(runner: Runner, yardstick: Runner) -> bool:
    """Sync with one static input set (the plain loop): the yardstick can take turns with it."""
    return runner.mode == "sync" and runner.cycle is None and yardstick.cycle is None


def _run_interleaved(
    runner: Runner, rulers: list[tuple[Runner, float]], settings: Settings
) -> tuple[list[RawRun], list[list[RawRun]]]:
    """Stored mode's sync loop: in each of ``settings.windows`` slices the model and the yardstick
    take turns (loops.run_sync_pairs, sized once by yardstick.turns), so both see the same moments
    of the machine, the model for about its share of the time; then the probe. Raws as ``_run``'s."""
    (yardstick, _), (probe, probe_share) = rulers
    raws: list[RawRun] = []
    ruler_raws: list[list[RawRun]] = [[], []]
    rng = np.random.default_rng()
    model_ms, yardstick_ms = _median_ms(runner.target), _median_ms(yardstick.target)
    settle, burst = turns(model_ms, yardstick_ms)
    stretch = 1.0 + burst[1] * yardstick_ms / max(burst[0] * model_ms, 1e-6)  # wall s per s of the model
    for count, seconds in slice_limits(settings):
        wall = None if seconds is None else seconds * stretch
        paired = run_sync_pairs(runner.target, yardstick.target, count, wall, rng, burst, settle)
        raws.append(paired.slices(0, 1)[0])
        ruler_raws[0].append(paired.slices(1, 1)[0])
        ruler_raws[1].append(probe.run(None, probe_share * raws[-1].duration))
    return raws, ruler_raws


def _median_ms(request: Any, count: int = 5) -> float:
    """Median latency (ms) of a few more inferences of a warmed-up request."""
    latencies = []
    for _ in range(count):
        request.infer()
        latencies.append(request.latency)
    return float(np.median(latencies))


def measure_sync(compiled: Compiled, settings: Settings) -> Result:
    """One infer request, inputs filled once, warm-up, then ``infer()`` in a loop."""
    return measure(compiled, settings, "sync")


def measure_async(compiled: Compiled, settings: Settings) -> Result:
    """An AsyncInferQueue (``nireq`` requests, default the optimal number), all kept busy."""
    return measure(compiled, settings, "async")


def slice_limits(settings: Settings) -> list[tuple[int | None, float | None]]:
    """The stop rule cut into ``settings.windows`` slices (fewer when niter is smaller): each slice's
    iterations (summing to niter exactly: niter=7 stays 7) and seconds."""
    niter, seconds = settings.stop_rule()
    slices = settings.windows if niter is None else max(1, min(settings.windows, niter))
    counts = [None] * slices if niter is None else [len(p) for p in np.array_split(range(niter), slices)]
    return [(count, None if seconds is None else seconds / slices) for count in counts]


def _combined(runner: Runner, settings: Settings, raws: Sequence[RawRun]) -> Result:
    ids = [raw.feed_ids for raw in raws]
    joined = RawRun(
        np.concatenate([raw.latencies_ms for raw in raws]),
        np.concatenate([raw.ends_s for raw in raws]),
        raws[0].start_s,
        raws[-1].end_s,
        None if any(i is None for i in ids) else np.concatenate(ids),  # type: ignore[arg-type]
    )
    frames = runner.frames(joined)
    windows = [Window.of(raw.latencies_ms, raw.duration, runner.frames(raw)) for raw in raws]
    return runner.result(settings, joined, sum(raw.duration for raw in raws), windows, frames)
