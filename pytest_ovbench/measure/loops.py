"""The measured loops: synchronous (one request, ``infer()``) and asynchronous (``AsyncInferQueue``).

No pytest here. The loops follow benchmark_app (openvino/tools/benchmark/benchmark.py): per-request
latency from ``InferRequest.latency``; the run ends when every given limit (iterations, seconds) is
met; the asynchronous loop also ends on a multiple of the number of requests. Inside the loop there
is only the inference call, one clock read and two list appends: no statistics, no logging.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_ovbench.measure.result import FloatArray


@dataclass
class RawRun:
    """What one loop produced, before any statistics."""

    latencies_ms: FloatArray
    ends_s: FloatArray  # perf_counter at each completion (async: when the loop picked it up)
    start_s: float
    end_s: float
    feed_ids: npt.NDArray[np.int64] | None = None  # which input set each latency's inference took
    busy_s: float | None = None  # interleaved runs: the time of this side's own inference calls

    @property
    def duration(self) -> float:
        """Seconds the run took: its wall time, or for one side of an interleaved run the time of
        its own inference calls (the other side's excluded)."""
        if self.busy_s is not None:
            return max(self.busy_s, 1e-9)
        return max(self.end_s - self.start_s, 1e-9)


def _limits(niter: int | None, seconds: float | None, start: float) -> tuple[int, float]:
    """Limits as plain numbers, so the loop tests them inline (a call costs ~0.1 us per iteration):
    a missing iteration limit is 0 (always met), a missing time limit is -inf (always met)."""
    if niter is None and seconds is None:
        raise ValueError("give niter, seconds or both")
    return (niter or 0), (-math.inf if seconds is None else start + seconds)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Garbage collection off for the block (a collection inside a measured loop would land in one
    iteration's wall time), back on afterwards if it was on before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_sync(request: Any, niter: int | None, seconds: float | None) -> RawRun:
    """``request.infer()`` until both limits are met (at least one of them must be given)."""
    latencies: list[float] = []
    ends: list[float] = []
    infer, clock = request.infer, time.perf_counter
    add_latency, add_end = latencies.append, ends.append
    with _gc_paused():
        start = now = clock()
        iterations, deadline = _limits(niter, seconds, start)
        count = 0
        while count < iterations or now < deadline:
            infer()
            now = clock()
            add_latency(request.latency)
            add_end(now)
            count += 1
    return RawRun(np.asarray(latencies), np.asarray(ends), start, now)


def run_async(queue: Any, niter: int | None, seconds: float | None) -> RawRun:
    """Keep every request of ``queue`` busy until both limits are met, on a multiple of its size.

    A request's latency is read when the loop finds it idle again (benchmark_app's scheme); the
    duration runs from the first submit to the last completion, the final drain included.
    """
    size = len(queue)
    in_flight: set[int] = set()
    latencies: list[float] = []
    ends: list[float] = []
    clock = time.perf_counter
    with _gc_paused():
        start = now = clock()
        iterations, deadline = _limits(niter, seconds, start)
        count = 0
        while count < iterations or now < deadline or count % size:
            idle = queue.get_idle_request_id()
            now = clock()
            if idle in in_flight:
                latencies.append(queue[idle].latency)
                ends.append(now)
            else:
                in_flight.add(idle)
            queue.start_async()
            count += 1
        queue.wait_all()
        end = clock()
    latencies.extend(queue[i].latency for i in sorted(in_flight))
    ends.extend([end] * len(in_flight))
    return RawRun(np.asarray(latencies), np.asarray(ends), start, end)


ORDER_BLOCK = 256  # coin flips drawn at a time for the interleaved loop's order (a window takes a few dozen)


@dataclass
class PairedRun:
    """What the interleaved loop produced: per side (0, 1) each inference's latency (ms),
    completion time and the wall time of its ``infer()`` call (s)."""

    latencies_ms: tuple[FloatArray, FloatArray]
    ends_s: tuple[FloatArray, FloatArray]
    calls_s: tuple[FloatArray, FloatArray]
    start_s: float
    end_s: float

    def slices(self, side: int, pieces: int) -> list[RawRun]:
        """One side cut into ``pieces`` consecutive slices of pairs (slice k of one side pairs with
        slice k of the other), each lasting the time of its own calls; never empty."""
        count = int(self.latencies_ms[side].size)
        bounds = np.linspace(0, count, max(1, min(pieces, count)) + 1).round().astype(int)
        latencies, ends, calls = self.latencies_ms[side], self.ends_s[side], self.calls_s[side]
        return [
            RawRun(
                latencies[lo:hi],
                ends[lo:hi],
                float(ends[lo] - calls[lo]),
                float(ends[hi - 1]),
                busy_s=float(calls[lo:hi].sum()),
            )
            for lo, hi in zip(bounds[:-1], bounds[1:])
            if hi > lo
        ]


# SWITCHING: the first inference after a switch from the other compiled model pays for moving
# OpenVINO's worker threads over, and that toll grows with the order the models were compiled in
# (2 vCPUs, OpenVINO 2026.4: 0.15 ms models compiled 2nd, 3rd, 4th measured 7%, 20%, 35% slower than
# the 1st when switching every inference; within 0.5% once 5 ran in a row), which would pass for a
# difference between the models. So each turn of run_sync_pairs settles before it records
# (measure/paired.turn_size sizes both).
SWITCH_TOLL_MS = 0.25  # unrecorded inferences at the start of a turn last at least about this long
SETTLE_BELOW_MS = 1.0  # ... for models faster than this; slower ones record from the first
MAX_SETTLE = 4


def settle_count(latency_ms: float) -> int:
    """Unrecorded inferences that absorb the toll of switching to a model this fast (ms; 0 for
    models of ``SETTLE_BELOW_MS`` or more, or when the latency is not known yet)."""
    if latency_ms <= 0 or latency_ms >= SETTLE_BELOW_MS:
        return 0
    return min(MAX_SETTLE, max(1, math.ceil(SWITCH_TOLL_MS / latency_ms)))


def run_sync_pairs(
    first: Any,
    second: Any,
    niter: int | None,
    seconds: float | None,
    rng: np.random.Generator,
    burst: int | tuple[int, int] = 1,
    settle: int | tuple[int, int] = 1,
) -> PairedRun:
    """Two requests interleaved a turn each, in random order, until both limits are met (``niter``
    recorded inferences of ``first``; ``seconds`` of the whole run). A turn is ``settle`` unrecorded
    inferences, then ``burst`` recorded ones (SWITCHING above), alike or per side (first, second)."""
    requests, bursts, settles = (first, second), _per_side(burst), _per_side(settle)
    latencies: tuple[list[float], list[float]] = ([], [])
    ends: tuple[list[float], list[float]] = ([], [])
    calls: tuple[list[float], list[float]] = ([], [])
    clock = time.perf_counter
    with _gc_paused():
        pairs, deadline = _limits(niter, seconds, start := clock())
        now = start
        count = 0
        while count < pairs or now < deadline:
            for flip in rng.random(ORDER_BLOCK) < 0.5:
                steps = _steps(bursts, pairs - count if count < pairs else None)  # niter=: no more
                for side in (1, 0) if flip else (0, 1):
                    request = requests[side]
                    for _ in range(settles[side]):
                        request.infer()
                    for _ in range(steps[side]):
                        before = clock()
                        request.infer()
                        now = clock()
                        latencies[side].append(request.latency)
                        ends[side].append(now)
                        calls[side].append(now - before)
                count += steps[0]
                if not (count < pairs or now < deadline):
                    break
    arrays = [tuple(np.asarray(values[side]) for side in (0, 1)) for values in (latencies, ends, calls)]
    return PairedRun(arrays[0], arrays[1], arrays[2], start, now)  # type: ignore[arg-type]


def _per_side(count: int | tuple[int, int]) -> tuple[int, int]:
    return (count, count) if isinstance(count, int) else count


def _steps(bursts: tuple[int, int], wanted: int | None) -> tuple[int, int]:
    """Recorded inferences of each side this turn: the bursts, or on the last turn of ``niter=``
    only what side 0 still needs (side 1 in proportion)."""
    if wanted is None or wanted >= bursts[0]:
        return bursts
    return wanted, max(1, round(bursts[1] * wanted / bursts[0]))


@dataclass(frozen=True)
class Cycle:
    """What the cycling loops do besides inferring: the input sets to take in turn (``set_input_tensors``
    dicts; a single set is put in place before the loop, not in it), how often to reset the state
    of a stateful model (every ``reset_every`` inferences of a request, 0: never), and the multiple
    of inferences the run ends on (the number of shape groups, so each is measured alike)."""

    tensors: list[dict[int, Any]]
    reset_every: int = 0
    multiple: int = 1


def run_sync_cycle(request: Any, cycle: Cycle, niter: int | None, seconds: float | None) -> RawRun:
    """``run_sync`` taking the input sets in turn and resetting state at the cycle's cadence. The
    set and reset calls stay outside ``InferRequest.latency`` but inside the run's wall time."""
    latencies: list[float] = []
    ends: list[float] = []
    feeds, reset_every, multiple = cycle.tensors, cycle.reset_every, cycle.multiple
    count_feeds = len(feeds)
    infer, set_tensors, reset, clock = (
        request.infer,
        request.set_input_tensors,
        request.reset_state,
        time.perf_counter,
    )
    with _gc_paused():
        start = now = clock()
        iterations, deadline = _limits(niter, seconds, start)
        count = 0
        while count < iterations or now < deadline or count % multiple:
            if count_feeds > 1:
                set_tensors(feeds[count % count_feeds])
            if reset_every and count % reset_every == 0:
                reset()
            infer()
            now = clock()
            latencies.append(request.latency)
            ends.append(now)
            count += 1
    ids = np.arange(count, dtype=np.int64) % count_feeds
    return RawRun(np.asarray(latencies), np.asarray(ends), start, now, ids)


def run_async_cycle(queue: Any, cycle: Cycle, niter: int | None, seconds: float | None) -> RawRun:
    """``run_async`` where each submitted inference takes the next input set (benchmark_app's full
    mode) and each request's state is reset every ``reset_every`` of its own inferences."""
    size = len(queue)
    feeds, reset_every = cycle.tensors, cycle.reset_every
    count_feeds = len(feeds)
    multiple = math.lcm(size, cycle.multiple)
    in_flight: dict[int, int] = {}  # request id -> the feed it runs
    done = [0] * size
    latencies: list[float] = []
    ends: list[float] = []
    ids: list[int] = []
    clock = time.perf_counter
    with _gc_paused():
        start = now = clock()
        iterations, deadline = _limits(niter, seconds, start)
        count = 0
        while count < iterations or now < deadline or count % multiple:
            idle = queue.get_idle_request_id()
            now = clock()
            request = queue[idle]
            if idle in in_flight:
                latencies.append(request.latency)
                ends.append(now)
                ids.append(in_flight[idle])
            feed = count % count_feeds
            if count_feeds > 1:
                request.set_input_tensors(feeds[feed])
            if reset_every and done[idle] % reset_every == 0:
                request.reset_state()
            done[idle] += 1
            in_flight[idle] = feed
            queue.start_async()
            count += 1
        queue.wait_all()
        end = clock()
    last_latencies, last_ends, last_ids = _last_round(queue, in_flight, end)
    feed_ids = np.asarray(ids + last_ids, dtype=np.int64)
    return RawRun(np.asarray(latencies + last_latencies), np.asarray(ends + last_ends), start, end, feed_ids)


def _last_round(
    queue: Any, in_flight: Mapping[int, int], end: float
) -> tuple[list[float], list[float], list[int]]:
    """Latency, end and feed of each request's last inference, which finished in the final
    ``wait_all`` (in request order)."""
    order = sorted(in_flight)
    return (
        [queue[index].latency for index in order],
        [end] * len(order),
        [in_flight[index] for index in order],
    )
