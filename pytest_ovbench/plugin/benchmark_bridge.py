"""Each ovbench measurement also appears in pytest-benchmark's table and JSON (glue).

pytest-benchmark measures with its own timer around a Python callable; ovbench has already
measured, so its per-request latencies are handed to the test's ``benchmark`` fixture as rounds of
one iteration each. pytest-benchmark's table, ``--benchmark-json``, ``--benchmark-autosave``,
``--benchmark-compare`` and histograms then work on them, and its machine and commit info come with
them; ovbench's figures, settings and verdict go in ``extra_info``.

Only when pytest-benchmark's own options ask for its output (:func:`wanted`): otherwise its table,
220 columns of microseconds, would bury ovbench's verdict table, which already shows the figures.

This is the one place ovbench uses a private pytest-benchmark method, ``BenchmarkFixture._make_stats``
(the call its own ``pedantic`` makes to store rounds): the public ``pedantic`` may be used once per
test, and a test may make several ovbench measurements, each of which gets its own row. setup.cfg
bounds pytest-benchmark to the majors it was checked with, and both ends are tested (tox
``oldest``/``newest``); without ``_make_stats`` the measurements are simply not exported. A test
that measures with ovbench cannot also call ``benchmark(...)`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_ovbench.judge.gate import worst

if TYPE_CHECKING:
    from pytest_ovbench.engine.measurement import Measurement


def extra_info(m: Measurement) -> dict[str, Any]:
    result = m.result
    return {
        "ovbench": True,
        "measurement": result.name,
        "mode": result.mode,
        "device": result.device,
        "environment": m.env_key,
        "nireq": result.nireq,
        "batch": result.batch,
        "throughput": result.throughput,
        "latency_ms": result.latency.as_dict(),
        "first_inference_ms": result.first_inference_ms,
        "compile_ms": result.compile_ms,
        "properties": dict(result.properties),
        "settings": dict(result.settings),
        "verdict": m.written or str(worst(m.comparisons)),
    }


# pytest-benchmark's options that ask for its table or files: (dest, value when not given).
_ASKING: tuple[tuple[str, object], ...] = (
    ("benchmark_json", None),
    ("benchmark_save", None),
    ("benchmark_autosave", False),
    ("benchmark_compare", []),
    ("benchmark_histogram", []),
    ("benchmark_verbose", False),
    (
        "benchmark_columns",
        ["min", "max", "mean", "stddev", "median", "iqr", "outliers", "ops", "rounds", "iterations"],
    ),
    ("benchmark_sort", "min"),
    ("benchmark_group_by", "group"),
    ("benchmark_name", "normal"),
    ("benchmark_time_unit", None),
    ("benchmark_cprofile", None),
)


def wanted(config: pytest.Config) -> bool:
    """Whether pytest-benchmark is there and one of its options asks for its output (a table
    option such as --benchmark-verbose or --benchmark-columns, or a file: --benchmark-json,
    --benchmark-save, --benchmark-autosave, --benchmark-compare, --benchmark-histogram)."""
    if not config.pluginmanager.hasplugin("benchmark"):
        return False
    return any(config.getoption(dest, default) not in (default, None) for dest, default in _ASKING)


def publish(request: pytest.FixtureRequest, m: Measurement) -> None:
    """Add the measurement to pytest-benchmark's session (skipped when it is off or absent, or
    when none of its options asks for its output)."""
    if not wanted(request.config):
        return
    bench = request.getfixturevalue("benchmark")
    if bench.disabled or not hasattr(bench, "_make_stats"):
        return
    bench.name = f"{request.node.name}[{m.result.name}]"
    bench.fullname = f"{m.nodeid}[{m.result.name}]"
    bench.group = "ovbench"
    bench.extra_info = extra_info(m)
    bench._mode = "pytest-ovbench"  # marks the fixture used (no "not used" warning; no second use)
    stats = bench._make_stats(1)
    for latency_ms in m.result.latencies:
        stats.update(float(latency_ms) / 1e3)  # pytest-benchmark works in seconds
