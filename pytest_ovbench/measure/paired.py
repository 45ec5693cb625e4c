"""Reference mode's measurement (no pytest): a candidate and a reference model measured together
in one run, so that drift of the machine hits both alike.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.measure.contention import foreign_load, snapshot
from pytest_ovbench.measure.loops import RawRun
from pytest_ovbench.measure.result import Result
from pytest_ovbench.measure.runner import Runner, Watch, _combined, slice_limits
from pytest_ovbench.runtime.compiling import Compiled


def measure_alternating(
    candidate: Compiled, reference: Compiled, settings: Settings, mode: str, watch: Watch = nullcontext
) -> tuple[Result, Result]:
    """Candidate and reference in alternating slices, each slice one window, in ABBA blocks of
    random orientation (ABBA or BAAB, :func:`abba_orders`): drift that is linear over a block
    cancels from each pair, and no periodic disturbance can line up with one side.

    Each model gets the full stop rule (time or iterations) spread over ``settings.windows`` slices.
    """
    runners = [Runner.prepare(candidate, settings, mode), Runner.prepare(reference, settings, mode)]
    raws: list[list[RawRun]] = [[], []]
    limits = slice_limits(settings)
    before = snapshot()
    with watch():
        for (count, seconds), order in zip(limits, abba_orders(len(limits))):
            for side in order:
                raws[side].append(runners[side].run(count, seconds))
    load = foreign_load(before, snapshot())
    results = (_combined(runners[0], settings, raws[0]), _combined(runners[1], settings, raws[1]))
    for result in results:
        result.foreign_load = load
    return results


def abba_orders(slices: int, rng: np.random.Generator | None = None) -> list[tuple[int, int]]:
    """The order of the two sides (0 candidate, 1 reference) in each slice: blocks of two slices,
    each block AB-BA or BA-AB at random."""
    rng = rng or np.random.default_rng()
    orders: list[tuple[int, int]] = []
    for _ in range(0, slices, 2):
        first = (0, 1) if rng.random() < 0.5 else (1, 0)
        orders += [first, (first[1], first[0])]
    return orders[:slices]
