"""Where progress of long measurements goes (engine/progress.py): the real terminal with ``-v``.

It writes with pytest's output capture suspended, the way pytest's own live logging does, and
tells the engine whether that output is a terminal (a line rewritten in place) or not (a CI log
or a file: plain lines, no carriage returns).
"""

from __future__ import annotations

import contextlib

import pytest

from pytest_ovbench.engine.progress import Write


class _TerminalWriter:
    """Writes to pytest's terminal reporter, looked up late: plugins may register after ovbench."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def __call__(self, text: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        capture = self.config.pluginmanager.get_plugin("capturemanager")
        if reporter is None:
            return
        guard = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        with guard:
            reporter.write(text, flush=True)

    def rewrites(self) -> bool:
        """True on a terminal; a pipe or a file gets lines of their own."""
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        return reporter is not None and bool(reporter.isatty)


def terminal_writer(config: pytest.Config) -> Write | None:
    """A writer to the real terminal, or None when progress is not wanted (not -v, xdist worker)."""
    if config.get_verbosity() <= 0 or hasattr(config, "workerinput"):
        return None
    return _TerminalWriter(config)
