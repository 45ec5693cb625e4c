"""Stored mode's yardstick measured with the model (yardstick.py, runner.py), with real OpenVINO
for the loops and pure checks of the turn sizes and the paired ratio."""

from __future__ import annotations

from typing import Any

import numpy as np
import openvino as ov
import pytest
from tiny_models import build_tiny

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.measure.loops import run_sync_pairs
from pytest_ovbench.measure.result import Window
from pytest_ovbench.measure.runner import Rulers, measure, paired_ratio
from pytest_ovbench.measure.yardstick import (
    YARDSTICK,
    YARDSTICK_INTERLEAVED,
    build,
    build_probe,
    ruler_config,
    turns,
)
from pytest_ovbench.runtime.compiling import Compiled, compile_model


@pytest.fixture(scope="module")
def core() -> Any:
    return ov.Core()


def compiled(core: Any, model: Any, mode: str, settings: Settings) -> Compiled:
    config = settings.compile_config(mode)
    return compile_model(core, model, "CPU", config)


def rulers(core: Any, mode: str, settings: Settings) -> Rulers:
    config = ruler_config(settings.compile_config(mode))
    yardstick, probe = (compile_model(core, model, "CPU", config) for model in (build(), build_probe()))
    return Rulers(yardstick, probe)


def test_turns_follow_the_model_in_yardstick_units() -> None:
    assert turns(6.0, 1.2) == ((0, 0), (1, 1))  # slower than the yardstick: one each a turn
    assert turns(1.2, 1.2) == ((0, 0), (1, 1))
    # a tenth of the yardstick: settles 3 (0.25 yardstick times), records 20 (the yardstick <= half)
    assert turns(0.1, 1.0) == ((3, 0), (20, 1))
    assert turns(0.2, 2.0) == turns(0.1, 1.0)  # a machine twice as slow chooses the same
    assert turns(0.001, 1.0)[0] == (4, 0)  # settling is capped
    assert turns(0.0, 1.0) == ((0, 0), (1, 1))  # not known yet


def test_pairs_with_bursts_per_side_count_the_first_side(core: Any) -> None:
    settings = Settings()
    first, second = (
        compiled(core, build_tiny(name=name), "sync", settings).compiled_model.create_infer_request()
        for name in ("a", "b")
    )
    paired = run_sync_pairs(first, second, 10, None, np.random.default_rng(5), (3, 1), (0, 0))
    # turns of 3, 3, 3 and the last 1 of side 0; side 1 one a turn
    assert paired.latencies_ms[0].size == 10 and paired.latencies_ms[1].size == 4
    ends = paired.ends_s
    for turn in (ends[0][0:3], ends[0][3:6], ends[0][6:9]):  # a turn's three are consecutive
        assert not ((ends[1] > turn[0]) & (ends[1] < turn[-1])).any()


def test_sync_stored_mode_interleaves_the_yardstick_and_async_slices_it(core: Any) -> None:
    settings = Settings(niter=60, windows=5, warmup=0.0)
    model = build_tiny()
    ruled = rulers(core, "sync", settings)
    sync = measure(compiled(core, model, "sync", settings), settings, "sync", rulers=ruled)
    assert sync.yardstick == YARDSTICK_INTERLEAVED
    assert sync.count == 60 and len(sync.windows) == len(sync.machine_windows) == 5
    ratio = paired_ratio(sync.windows, sync.machine_windows)
    assert sync.machine_ms == pytest.approx(sync.latency.median / ratio)
    assert sync.probe_ms is not None and sync.probe_ms > 0
    ruled = rulers(core, "async", settings)
    queued = measure(compiled(core, model, "async", settings), settings, "async", rulers=ruled)
    assert queued.yardstick == YARDSTICK and queued.machine_ms is not None and queued.machine_ms > 0


def window(median_ms: float) -> Window:
    return Window.of(np.array([median_ms]), median_ms / 1000.0, 1.0)


def test_the_paired_ratio_is_the_geometric_mean_of_the_windows() -> None:
    windows = [window(2.0), window(8.0)]
    assert paired_ratio(windows, [1.0, 1.0]) == pytest.approx(4.0)  # sqrt(2 * 8)
    assert paired_ratio(windows, [2.0, 4.0]) == pytest.approx(np.sqrt(1.0 * 2.0))
    assert paired_ratio([window(2.0)], [0.0]) == 1.0  # nothing to pair: no correction
