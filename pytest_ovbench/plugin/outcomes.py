"""After a test body: what its measurements' verdicts mean for the test (glue).

A regression fails the test in its call phase; an inconclusive verdict is a warning; in update
mode the planned entries are written (atomically, under a lock) and the test passes.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from pytest_ovbench.baselines.store import BaselineError, EntryKey, write_entries
from pytest_ovbench.engine.measurement import Measurement
from pytest_ovbench.judge.gate import worst
from pytest_ovbench.judge.verdict import IMPROVED, INCONCLUSIVE, NO_BASELINE, REGRESSED
from pytest_ovbench.plugin.session import OvbenchSession, OvbenchWarning
from pytest_ovbench.report.records import junit_properties, measurement_record, relative_paths
from pytest_ovbench.report.text import plan_message, verdict_message


def write_baselines(measurements: list[Measurement]) -> list[str]:
    """Write every planned entry, one locked merge per file; returns the error messages."""
    updates: dict[Path, dict[EntryKey, dict[str, Any] | None]] = defaultdict(dict)
    for m in measurements:
        if m.new_entry is not None and m.baseline_file is not None:
            updates[m.baseline_file][(m.test_id, m.result.name, m.env_key)] = m.new_entry
    errors = []
    for path, entries in updates.items():
        try:
            write_entries(path, entries)
        except BaselineError as exc:
            errors.append(str(exc))
            for m in measurements:
                if m.baseline_file == path:
                    m.written = "not written"
    return errors


def failing(measurement: Measurement, session: OvbenchSession) -> bool:
    status = worst(measurement.comparisons)
    return (
        status == REGRESSED
        or (status == IMPROVED and session.fail_on_improvement)
        or (status == NO_BASELINE and session.strict)
        or (status == INCONCLUSIVE and session.fail_on_inconclusive)
    )


RECORDS_KEY = pytest.StashKey[list[dict[str, Any]]]()


def keep_records(item: pytest.Item, session: OvbenchSession) -> None:
    """Records of the test's measurements: on its report (see plugin/hooks.py) and in JUnit properties."""
    root = session.workspace.rootdir
    records = [
        relative_paths(measurement_record(m, session.keep_latencies), root)
        for m in session.measurements_of(item.nodeid)
    ]
    item.stash[RECORDS_KEY] = records
    for record in records:
        if session.suite is not None:
            record["suite"] = session.suite.as_record()
        item.user_properties.extend(junit_properties(record))


def warn_busy_recording(item: pytest.Item, session: OvbenchSession, measurements: list[Measurement]) -> None:
    """A baseline recorded while others used the machine is too slow; later runs would look fast."""
    for m in measurements:
        load = m.result.foreign_load
        if m.new_entry is not None and load is not None and load > session.workspace.policy.busy_limit:
            item.warn(
                OvbenchWarning(
                    f"ovbench: {m.nodeid} {m.result.name!r}: baseline recorded while other processes used "
                    f"{load:.0%} of the machine's CPU time; it is likely too slow. Re-record it on a quiet "
                    "runner (pytest --ov-update-baselines)."
                )
            )


def settle(item: pytest.Item, session: OvbenchSession) -> None:
    """Turn the verdicts of ``item``'s measurements into a failure, warnings, or written files."""
    __tracebackhide__ = True
    measurements = session.measurements_of(item.nodeid)
    for m in measurements:
        for note in m.notes:
            item.warn(OvbenchWarning(f"ovbench: {m.nodeid} {m.result.name!r}: {note}"))
    if session.update:
        errors = write_baselines(measurements)
        for m in measurements:
            if m.baseline_file is not None:
                session.workspace.forget_entries(m.baseline_file)
        warn_busy_recording(item, session, measurements)
        keep_records(item, session)
        if errors:
            pytest.fail("ovbench: baselines not written:\n" + "\n".join(errors), pytrace=False)
        return
    keep_records(item, session)
    for m in measurements:
        if worst(m.comparisons) == INCONCLUSIVE and not failing(m, session):
            item.warn(OvbenchWarning(verdict_message(m)))
        elif m.layer_changes and not failing(m, session) and not session.fail_on_plan_change:
            item.warn(OvbenchWarning(plan_message(m)))
    failed = [verdict_message(m) for m in measurements if failing(m, session)]
    if session.fail_on_plan_change:
        failed += [plan_message(m) for m in measurements if m.layer_changes and not failing(m, session)]
    if failed:
        pytest.fail("\n".join(failed), pytrace=False)
