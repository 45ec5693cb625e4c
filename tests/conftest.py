"""Fixtures shared by the plugin's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.stats  # noqa: F401  (once per process: pytester runs would import its C modules again)
from tiny_models import build_tiny, save_tiny

# The plugin imports these lazily, so that a run that measures nothing loads no numpy. Import them
# here, once per process and before any in-process pytester run: a module first imported during
# such a run is dropped from sys.modules after it, and a later monkeypatch or isinstance would
# then meet a second copy of it.
import pytest_ovbench.measure.result
import pytest_ovbench.plugin.outcomes  # noqa: F401


@pytest.fixture(autouse=True)
def _inner_runs_are_not_xdist_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under ``pytest -n 2`` the worker's PYTEST_XDIST_WORKER would leak into the pytester runs
    inside a test, and pytest-benchmark switches itself off when it sees it."""
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


@pytest.fixture(scope="session")
def tiny_model() -> Any:
    return build_tiny()


@pytest.fixture
def tiny_path(tmp_path: Path) -> Path:
    return save_tiny(tmp_path)


@pytest.fixture
def tiny_result_factory() -> Any:
    """Results with chosen figures (built from synthetic latencies, no OpenVINO run)."""
    from pytest_ovbench.measure.result import Result, Window
    from pytest_ovbench.measure.stats import LatencyStats

    def make(median_ms: float) -> Result:
        rng = np.random.default_rng(0)
        latencies = median_ms * np.exp(rng.normal(0, 0.002, 200))
        windows = [Window.of(latencies[i : i + 20], 0.02 * median_ms, 1) for i in range(0, 200, 20)]
        return Result(
            "sync",
            "sync",
            "CPU",
            200,
            0.2 * median_ms,
            1000 / median_ms,
            LatencyStats.from_samples(latencies),
            latencies,
            windows,
            1.0,
            1.0,
            None,
            1,
            1,
            {"NUM_STREAMS": 1},
        )

    return make
