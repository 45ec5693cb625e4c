"""Reference mode's measurement (no pytest): a candidate and a reference model measured together
in one run, so that drift of the machine hits both alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import replace

import numpy as np

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.measure.contention import foreign_load, snapshot
from pytest_ovbench.measure.loops import SETTLE_BELOW_MS, RawRun, run_sync_pairs, settle_count
from pytest_ovbench.measure.result import Result
from pytest_ovbench.measure.runner import Runner, Watch, _combined, slice_limits
from pytest_ovbench.runtime.compiling import Compiled

PAIRED_WINDOWS = 20  # windows (pairs for the verdict's exact test) of one interleaved round, at least
# Seconds of each model in a round when neither time= nor niter= is given. Interleaved pairs see
# about 1% (standard error) in a 1 s round of a 5 ms model on a 2-vCPU VM, enough to pass an
# unchanged model at the 5% default in one round; a sequential verdict measures more rounds only
# when it must (docs/verdict.md).
DEFAULT_ROUND_S = 1.0
# Compilations of each model in reference mode. Two compilations of one model can differ by about
# 1% (memory placement, thread pools); with several, each window pairs a different two, so that
# difference becomes noise between windows, which the verdict's test sees, not a hidden bias.
COMPILED_COPIES = 2


Side = Sequence[Runner]


class Pairing:
    """A candidate and a reference model (each one or several compilations) prepared once
    (requests, inputs, warm-up) and measured together round after round: each call is one round,
    each model getting the full stop rule.

    Sync with one static input set: interleaved one inference at a time in random order
    (:func:`run_sync_pairs`), in at least ``PAIRED_WINDOWS`` windows of consecutive pairs.
    Otherwise (async, several input sets, state): alternating slices, one window each, in ABBA
    blocks of random orientation (:func:`abba_orders`). With several compilations a side, each
    window takes a different pair of them in turn (:func:`copy_pairs`); their requests are made in
    :func:`balanced_order`. With ``perf_counts`` both
    sides' per-layer counters are read after each round (first compilations). Without ``time=`` or
    ``niter=`` a round is ``DEFAULT_ROUND_S`` of each model."""

    def __init__(
        self,
        candidate: Compiled | Sequence[Compiled],
        reference: Compiled | Sequence[Compiled],
        settings: Settings,
        mode: str,
        watch: Watch = nullcontext,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.rng = rng or np.random.default_rng()
        sides = (_copies(candidate), _copies(reference))
        prepared: tuple[list[Runner], list[Runner]] = ([], [])
        for side in balanced_order(len(sides[0]), len(sides[1]), self.rng):
            prepared[side].append(Runner.prepare(sides[side][len(prepared[side])], settings, mode))
        self.runners = prepared
        if settings.niter is None and settings.time is None:
            settings = replace(settings, time=DEFAULT_ROUND_S)
        self.interleaved = mode == "sync" and all(r.cycle is None for side in self.runners for r in side)
        if self.interleaved:
            settings = replace(settings, windows=max(settings.windows, PAIRED_WINDOWS))
        self.settings, self.watch = settings, watch

    def __call__(self) -> tuple[Result, Result]:
        runners, settings = self.runners, self.settings
        before = snapshot()
        with self.watch():
            raws = (_interleaved if self.interleaved else _sliced)(runners, settings, self.rng)
        load = foreign_load(before, snapshot())
        results = tuple(_combined(side[0], settings, side_raws) for side, side_raws in zip(runners, raws))
        for result, side in zip(results, runners):
            result.foreign_load = load
            if settings.perf_counts:
                result.layers = side[0].profile()
        return results[0], results[1]


def _copies(side: Compiled | Sequence[Compiled]) -> list[Compiled]:
    return list(side) if isinstance(side, Sequence) else [side]


def balanced_order(candidates: int, references: int, rng: np.random.Generator) -> list[int]:
    """The order in which to compile and prepare the two sides' copies (0 candidate, 1 reference):
    the Thue-Morse sequence (ABBA BAAB ...), its orientation drawn at random, then what is left of
    the larger side. What is set up earlier in a process runs measurably slower or faster (an
    identical ~6 ms model: the first of its compilations about 1.5% slower, its inference requests
    made first slower too), so neither side may always come first: this order cancels a steady
    trend over the set-up order, and the random orientation makes what remains noise between
    processes, not a bias of one side."""
    flip = int(rng.random() < 0.5)
    both = 2 * min(candidates, references)
    order = [(bin(k).count("1") + flip) % 2 for k in range(both)]
    return order + [0 if candidates > references else 1] * abs(candidates - references)


def balanced_copies(
    compile_copy: Callable[[int, int], Compiled], copies: int, rng: np.random.Generator
) -> tuple[list[Compiled], list[Compiled]]:
    """``copies`` compilations of each side, made in :func:`balanced_order`;
    ``compile_copy(side, k)`` compiles copy k (from 1) of side 0 (candidate) or 1 (reference)."""
    sides: tuple[list[Compiled], list[Compiled]] = ([], [])
    for side in balanced_order(copies, copies, rng):
        sides[side].append(compile_copy(side, len(sides[side]) + 1))
    return sides


def copy_pairs(
    runners: Sequence[Side], windows: int, rng: np.random.Generator
) -> list[tuple[Runner, Runner]]:
    """Which compilation of each side each window takes: every combination in turn, in an order
    drawn at random each round."""
    combos = [(c, r) for c in runners[0] for r in runners[1]]
    order = rng.permutation(len(combos))
    return [combos[order[k % len(combos)]] for k in range(windows)]


def measure_alternating(
    candidate: Compiled,
    reference: Compiled,
    settings: Settings,
    mode: str,
    watch: Watch = nullcontext,
    rng: np.random.Generator | None = None,
) -> tuple[Result, Result]:
    """One round of :class:`Pairing`: candidate and reference measured together in one run."""
    return Pairing(candidate, reference, settings, mode, watch, rng)()


def _interleaved(
    runners: Sequence[Side], settings: Settings, rng: np.random.Generator
) -> tuple[list[RawRun], list[RawRun]]:
    raws: tuple[list[RawRun], list[RawRun]] = ([], [])
    limits = slice_limits(settings)
    for (count, seconds), (candidate, reference) in zip(limits, copy_pairs(runners, len(limits), rng)):
        settle, burst = turn_size(candidate.target.latency, reference.target.latency)
        burst = min(burst, count) if count else burst  # niter= asks for this many a window: no more
        with candidate.explained(), reference.explained():
            wall = None if seconds is None else 2 * seconds  # seconds a side
            paired = run_sync_pairs(candidate.target, reference.target, count, wall, rng, burst, settle)
        raws[0].extend(paired.slices(0, 1))
        raws[1].extend(paired.slices(1, 1))
    return raws


BURST_MS = 1.0  # a turn of the interleaved loop records about this long of each model
MAX_BURST = 8


def turn_size(*latencies_ms: float) -> tuple[int, int]:
    """Unrecorded and recorded inferences a turn of the interleaved loop (loops.run_sync_pairs).
    Models faster than ``SETTLE_BELOW_MS`` first run about ``SWITCH_TOLL_MS`` unrecorded
    (loops.settle_count), to absorb the toll of switching from the other model (0.13 ms models:
    with one such inference, -2..+2% between identical models; with two, -0.6..+0.7%; with none,
    -12..+22%). Slower models settle with none: on a 6 ms model one unrecorded inference halved
    the pairs a round and left the A/A change where it was (+0.8% median, 20 checks). Then about
    ``BURST_MS`` of the slower model is recorded."""
    slowest = max((lat for lat in latencies_ms if lat > 0), default=BURST_MS)
    fastest = min((lat for lat in latencies_ms if lat > 0), default=SETTLE_BELOW_MS)
    return settle_count(fastest), int(min(MAX_BURST, max(1, round(BURST_MS / slowest))))


def _sliced(
    runners: Sequence[Side], settings: Settings, rng: np.random.Generator
) -> tuple[list[RawRun], list[RawRun]]:
    raws: tuple[list[RawRun], list[RawRun]] = ([], [])
    limits = slice_limits(settings)
    chosen = copy_pairs(runners, len(limits), rng)
    for (count, seconds), order, pair in zip(limits, abba_orders(len(limits), rng), chosen):
        for side in order:
            raws[side].append(pair[side].run(count, seconds))
    return raws


def abba_orders(slices: int, rng: np.random.Generator | None = None) -> list[tuple[int, int]]:
    """The order of the two sides (0 candidate, 1 reference) in each slice: blocks of two slices,
    each block AB-BA or BA-AB at random."""
    rng = rng or np.random.default_rng()
    orders: list[tuple[int, int]] = []
    for _ in range(0, slices, 2):
        first = (0, 1) if rng.random() < 0.5 else (1, 0)
        orders += [first, (first[1], first[0])]
    return orders[:slices]
