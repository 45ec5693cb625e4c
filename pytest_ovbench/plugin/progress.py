"""Where progress of long measurements goes (engine/progress.py): the real terminal with ``-v``.

It writes with pytest's output capture suspended, the way pytest's own live logging does.
"""

from __future__ import annotations

import contextlib

import pytest

from pytest_ovbench.engine.progress import Write


def terminal_writer(config: pytest.Config) -> Write | None:
    """A writer to the real terminal, or None when progress is not wanted (not -v, xdist worker)."""
    if config.get_verbosity() <= 0 or hasattr(config, "workerinput"):
        return None

    def write(text: str) -> None:  # plugins looked up late: they may register after ovbench
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        capture = config.pluginmanager.get_plugin("capturemanager")
        if reporter is None:
            return
        guard = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        with guard:
            reporter.write(text, flush=True)

    return write
