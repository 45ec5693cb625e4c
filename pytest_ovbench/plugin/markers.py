"""The ``ovbench`` marker: its registration text and the parsing of its keywords."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_ovbench.config.settings import SettingsError, validate

MARKER_HELP = (
    "ovbench(model=None, device='CPU', hint=None, niter=None, time=None, nireq=None, "
    "nstreams=None, nthreads=None, config=None, name=None, warmup=0.2, windows=10, gate=None, "
    "tolerance=None, reference=None, shape=None, data_shape=None, layout=None, batch=None, "
    "inputs=None, reset_state=None, input_precision=None, output_precision=None, "
    "infer_precision=None, cache_dir=None, perf_counts=False, mean_values=None, scale_values=None, "
    "reverse_input_channels=False): "
    "settings of the OpenVINO measurements this test makes with the infer_sync / infer_queue "
    "fixtures (pytest-ovbench). hint: latency|throughput|cumulative_throughput|none; time in "
    "seconds; with niter and time both, both must be met. gate: metrics judged against the "
    "baseline (default median for sync, throughput for async); tolerance: allowed worsening, a "
    "fraction or a dict per metric; reference: a model measured alternately as the baseline. "
    "shape/data_shape/layout/batch/inputs/input_precision/output_precision/infer_precision/"
    "cache_dir/perf_counts/mean_values/scale_values: as benchmark_app's -shape/-data_shape/-layout/-b/-i/"
    "-ip/-op/-infer_precision/-cache_dir/-pc/-mean_values/-scale_values; reverse_input_channels: RGB <-> "
    "BGR before them (README: 'benchmark_app options')."
)


def marker_keywords(item: pytest.Item) -> dict[str, Any]:
    """The marker's keywords, nearest marker winning per keyword, validated.

    Raises pytest.UsageError naming the test, the keyword and the value.
    """
    merged: dict[str, Any] = {}
    for mark in reversed(list(item.iter_markers("ovbench"))):
        if mark.args:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.ovbench takes keywords only, got positional {mark.args!r}"
            )
        merged.update(mark.kwargs)
    try:
        return validate(merged)
    except SettingsError as exc:
        raise pytest.UsageError(
            f"{item.nodeid}: @pytest.mark.ovbench({exc.keyword}={exc.value!r}): {exc.reason}"
        ) from None
