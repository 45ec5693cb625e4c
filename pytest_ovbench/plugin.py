"""pytest hooks of pytest-ovbench (entry point ``pytest11: ovbench``). Glue only."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from pathlib import Path

import pytest

from . import options
from .fixtures import infer_queue, infer_sync, ov_model
from .markers import MARKER_HELP, marker_keywords
from .session import SESSION_KEY, OvbenchSession

__all__ = ["infer_queue", "infer_sync", "ov_model"]


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    from .gate import Policy

    config.addinivalue_line("markers", MARKER_HELP)
    config.stash[SESSION_KEY] = OvbenchSession(
        rootdir=Path(config.rootpath),
        baselines_dir=options.baselines_dir(config),
        policy=replace(Policy(), **options.policy_values(config)),
        strict=options.strict(config),
        update=bool(config.getoption("ov_update_baselines")),
        reference_rev=config.getoption("ov_reference_rev"),
        fail_on_improvement=options.fail_on_improvement(config),
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()
        del config.stash[SESSION_KEY]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Check every ovbench marker before anything runs: a bad keyword is a usage error."""
    for item in items:
        if item.get_closest_marker("ovbench") is not None:
            marker_keywords(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """After the body: fail the test whose measurement regressed, or write its baselines."""
    result = yield
    session = item.config.stash.get(SESSION_KEY, None)
    if session is not None and session.measurements_of(item.nodeid):
        from .outcomes import settle

        settle(item, session)
    return result


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is None or not session.measurements:
        return
    from .report import summary_table

    title = "ovbench baselines updated" if session.update else "ovbench verdicts"
    terminalreporter.write_sep("-", title)
    for line in summary_table(session.measurements):
        terminalreporter.write_line(line)
