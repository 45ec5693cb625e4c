"""Session state: the run's workspace (engine/workspace.py), what the verdicts mean for tests,
and every measurement made with its verdict.

Kept as a plugin object under a ``pytest.StashKey`` (see plugin/hooks.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_ovbench.engine.workspace import Workspace
from pytest_ovbench.measure.machine_lock import MeasureLock
from pytest_ovbench.plugin.suite import Suite

if TYPE_CHECKING:  # numpy and scipy come with it: tests that measure nothing never pay for them
    from pytest_ovbench.engine.measurement import Measurement

SESSION_KEY = pytest.StashKey["OvbenchSession"]()


class OvbenchWarning(pytest.PytestWarning):
    """An ovbench verdict that needs attention but fails nothing (inconclusive, no baseline)."""


@dataclass
class OvbenchSession:
    """Everything the fixtures and hooks share across a pytest session."""

    workspace: Workspace
    strict: bool = False
    fail_on_improvement: bool = False
    fail_on_plan_change: bool = False  # a changed execution plan (perf_counts) fails the test
    fail_on_inconclusive: bool = False  # an inconclusive verdict fails the test (not only a warning)
    keep_latencies: bool = False  # records carry every latency (for --ov-json / --ov-report)
    measure_lock: MeasureLock = field(default_factory=MeasureLock)  # one measurement at a time
    measurements: list[Measurement] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)  # from reports, xdist workers' too
    outputs: list[Path] = field(default_factory=list)  # files written at the end (--ov-json, ...)
    history_rows: int = 0  # rows appended to the --ov-history store at the end
    suite: Suite | None = None  # the gated tests counted at collection (plugin/suite.py)
    suite_control: bool = True  # --ov-suite-control

    @property
    def update(self) -> bool:
        return self.workspace.update

    def record(self, measurement: Measurement) -> None:
        """Keep a measurement; a test's measurement names must be unique (baselines key on them)."""
        for earlier in self.measurements_of(measurement.nodeid):
            if earlier.result.name == measurement.result.name:
                raise pytest.UsageError(
                    f"{measurement.nodeid}: a second measurement named {earlier.result.name!r}; give "
                    "each measurement of a test its own name, e.g. infer_sync(name='batch8')"
                )
        self.measurements.append(measurement)

    def measurements_of(self, nodeid: str) -> list[Measurement]:
        from pytest_ovbench.plugin.xdist import plain_nodeid

        key = plain_nodeid(nodeid)
        return [m for m in self.measurements if m.nodeid == key]

    def forget(self, nodeid: str) -> None:
        """Drop a test's measurements: a rerun (pytest-rerunfailures) starts them afresh, and its
        names must not clash with the failed attempt's."""
        from pytest_ovbench.plugin.xdist import plain_nodeid

        key = plain_nodeid(nodeid)
        self.measurements = [m for m in self.measurements if m.nodeid != key]

    def close(self) -> None:
        self.workspace.close()
