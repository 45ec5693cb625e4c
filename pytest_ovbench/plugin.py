"""pytest hooks of pytest-ovbench (entry point ``pytest11: ovbench``). Glue only."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import options
from .fixtures import infer_queue, infer_sync, ov_model
from .markers import MARKER_HELP, marker_keywords
from .report import measurement_table
from .session import SESSION_KEY, OvbenchSession

__all__ = ["infer_queue", "infer_sync", "ov_model"]


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    session = OvbenchSession(rootdir=Path(config.rootpath), strict=options.strict(config))
    config.stash[SESSION_KEY] = session


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is None or not session.measurements:
        return
    terminalreporter.write_sep("-", "ovbench measurements")
    for line in measurement_table(session.measurements):
        terminalreporter.write_line(line)
