"""pytest hooks of pytest-ovbench (entry point ``pytest11: ovbench``). Glue only."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_ovbench.engine.workspace import Workspace
from pytest_ovbench.plugin import options, output_options
from pytest_ovbench.plugin.fixtures import infer_queue, infer_sync, ov_model
from pytest_ovbench.plugin.history_options import history_address, history_gate
from pytest_ovbench.plugin.markers import MARKER_HELP, marker_keywords
from pytest_ovbench.plugin.progress import terminal_writer
from pytest_ovbench.plugin.session import SESSION_KEY, OvbenchSession
from pytest_ovbench.plugin.xdist import refuse_if_marked

__all__ = ["infer_queue", "infer_sync", "ov_model"]

COLLECTOR = "ovbench-records"
SUITE_COUNTER = "ovbench-suite"


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


@pytest.hookimpl(tryfirst=True)  # before pytest-split's: SuiteCounter must count before it splits
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    workspace = Workspace(
        rootdir=Path(config.rootpath),
        baselines_dir=options.baselines_dir(config),
        policy_values=options.policy_values(config),
        update=bool(config.getoption("ov_update_baselines")),
        reference_rev=config.getoption("ov_reference_rev"),
        use_yardstick=options.use_yardstick(config),
        progress_writer=terminal_writer(config),
        history=history_gate(config),
    )
    state = OvbenchSession(
        workspace=workspace,
        strict=options.strict(config),
        fail_on_improvement=options.fail_on_improvement(config),
        fail_on_plan_change=options.fail_on_plan_change(config),
        fail_on_inconclusive=options.fail_on_inconclusive(config),
        keep_latencies=output_options.wants_latencies(config),
        measure_lock=options.measure_lock(config),
        suite_control=options.suite_control_on(config),
    )
    output_options.report_path(config)  # a bad --ov-report ending is a usage error now, not at the end
    config.stash[SESSION_KEY] = state
    config.pluginmanager.register(RecordCollector(state), COLLECTOR)
    config.pluginmanager.register(SuiteCounter(state), SUITE_COUNTER)


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()
        del config.stash[SESSION_KEY]
    for name in (COLLECTOR, SUITE_COUNTER):
        plugin = config.pluginmanager.get_plugin(name)
        if plugin is not None:
            config.pluginmanager.unregister(plugin)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check every ovbench marker before anything runs (a bad keyword is a usage error), and keep
    measurements from running at once under pytest-xdist (see plugin/xdist.py)."""
    ovbench_items = [item for item in items if item.get_closest_marker("ovbench") is not None]
    for item in ovbench_items:
        marker_keywords(item)
    from pytest_ovbench.plugin.xdist import serialize_under_xdist

    serialize_under_xdist(config, ovbench_items)


def pytest_collection_finish(session: pytest.Session) -> None:
    """After every collection_modifyitems (xdist's too): did xdist's loadgroup take (plugin/xdist.py)?"""
    from pytest_ovbench.plugin.session import OvbenchWarning
    from pytest_ovbench.plugin.xdist import check_grouping

    warning = check_grouping(session.config, session.items)
    if warning is not None:
        session.config.issue_config_time_warning(OvbenchWarning(warning), stacklevel=2)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Every test passes here: a test that measures nothing must cost next to nothing.
    refuse_if_marked(item)
    session = item.config.stash[SESSION_KEY]
    if session.measurements:
        session.forget(item.nodeid)  # a rerun measures afresh


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """After the body: fail the test whose measurement regressed, or write its baselines."""
    session = item.config.stash.get(SESSION_KEY, None)
    try:
        result = yield
    except BaseException:
        if session is not None and _measured(session, item):
            from pytest_ovbench.plugin.outcomes import keep_records

            keep_records(item, session)  # the summary still shows what was measured
        raise
    if session is not None and _measured(session, item):
        from pytest_ovbench.plugin.outcomes import settle

        settle(item, session)
    return result


def _measured(session: OvbenchSession, item: pytest.Item) -> bool:
    # session.measurements first: an empty list spares tests that measure nothing the node id work.
    return bool(session.measurements) and bool(session.measurements_of(item.nodeid))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Records ride on the call report, so xdist brings them to the controller's summary."""
    report = yield
    session = item.config.stash.get(SESSION_KEY, None)
    # No measurement yet, no records: outcomes.py (numpy, scipy) stays unloaded for such tests.
    if report.when == "call" and session is not None and session.measurements:
        from pytest_ovbench.plugin.outcomes import RECORDS_KEY

        records = item.stash.get(RECORDS_KEY, None)
        if records:
            report.ovbench_records = records  # type: ignore[attr-defined]
    return report


class RecordCollector:
    """Gathers the records that ride on call reports (its own or, under xdist, the workers')."""

    def __init__(self, state: OvbenchSession) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        records = getattr(report, "ovbench_records", None)
        if records and report.when == "call":
            self.state.records.extend(records)


class SuiteCounter:
    """Counts the suite's gated tests for the suite-level control (plugin/suite.py): trylast, so
    after ``-k``/``-m`` deselect; registered (pytest_configure, tryfirst) before pytest-split
    registers its splitter, so that among the trylast ones this runs first, before the split."""

    def __init__(self, state: OvbenchSession) -> None:
        self.state = state

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        from pytest_ovbench.plugin.suite import Suite, measures

        tests = sum(1 for item in items if measures(item))
        if not tests:  # a run that gates nothing loads no numpy (judge/gate.py brings it)
            return
        from pytest_ovbench.judge.gate import DEFAULT_ALPHA

        suite = Suite(tests, DEFAULT_ALPHA, self.state.suite_control)
        self.state.suite = suite
        if not self.state.update:
            self.state.workspace.judge_at(suite.level)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Generator[None, None, object]:
    """Write --ov-json / --ov-report before the terminal summary names them. Outermost, so that
    after the summary it sees everything that went wrong: a file not written or a summary not
    shown turns a passing run's exit status into 3 (INTERNAL_ERROR), never 0 (docs/outputs.md)."""
    from pytest_ovbench.plugin.outputs import problems, report_problem, write_outputs

    state = session.config.stash.get(SESSION_KEY, None)
    if state is not None and not hasattr(session.config, "workerinput") and state.records:
        try:
            state.outputs = write_outputs(session.config, state.records)
        except Exception as exc:  # write_outputs keeps each file's trouble; this is anything else
            report_problem(session.config, f"ovbench: cannot write the outputs: {type(exc).__name__}: {exc}")
        from pytest_ovbench.plugin.history import append_history

        state.history_rows = append_history(session.config, state.records)
    result = yield
    if problems(session.config) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
    return result


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """The verdict table, the files written, and what could not be done (with its exit status)."""
    from pytest_ovbench.plugin.outputs import problems, report_problem, stdout_reports

    session = config.stash.get(SESSION_KEY, None)
    if session is not None and session.records:
        title = "ovbench baselines updated" if session.update else "ovbench verdicts"
        terminalreporter.write_sep("-", title)
        try:
            _write_summary(terminalreporter, session.records)
        except Exception as exc:  # a record no table can show must not hide the rest of the summary
            report_problem(config, f"ovbench: cannot show the summary table: {type(exc).__name__}: {exc}")
        suite = _suite_of(session)
        if suite is not None and not session.update:
            terminalreporter.write_line(suite.summary_line())
        for path in session.outputs:
            terminalreporter.write_line(f"ovbench: wrote {path}")
        if session.history_rows:
            where = history_address(config)
            terminalreporter.write_line(
                f"ovbench: appended {session.history_rows} rows to the history {where}"
            )
    for problem in problems(config):
        terminalreporter.write_line(problem, red=True)
    if problems(config) and exitstatus == pytest.ExitCode.OK:
        terminalreporter.write_line("ovbench: exit status 3 (INTERNAL_ERROR): see above", red=True)
    for text in stdout_reports(config):  # --ov-report=-: last, so that it can be cut from the rest
        terminalreporter.write(text)


def _write_summary(terminalreporter: pytest.TerminalReporter, records: list[dict[str, Any]]) -> None:
    from pytest_ovbench.report.text import summary_table

    for line in summary_table(records):
        terminalreporter.write_line(line)


def _suite_of(session: OvbenchSession) -> Any:
    """The suite-level control the verdicts were judged under: this process's count, or under
    pytest-xdist (the controller collects nothing) the one its workers' records carry."""
    if session.suite is not None:
        return session.suite
    from pytest_ovbench.plugin.suite import Suite

    found = next((r["suite"] for r in session.records if r.get("suite")), None)
    if found is None:
        return None
    return Suite(int(found["tests"]), float(found["alpha"]), found["control"] != "off")
