"""The history options' values (their definitions and ini twins are in options.py): where the
store is, and how stored mode uses it (engine/history_gate.HistoryGate)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

CREEP_ACTIONS = ("fail", "warn", "off")


def creep_action(value: str) -> str:
    """``--ov-creep`` / ini ``ov_creep``: fail, warn or off."""
    if value not in CREEP_ACTIONS:
        raise ValueError("expected fail, warn or off")
    return value


def _value(config: pytest.Config, name: str) -> str:
    """The command-line value of ``--ov-...`` (dest ``name``), else its ini twin, stripped."""
    return str(config.getoption(name) or config.getini(name) or "").strip()


def history_address(config: pytest.Config) -> str | None:
    """Where --ov-history (else ini ov_history) keeps the history: a database URL as given, a
    file path relative to pytest's rootdir; None when neither is set."""
    value = _value(config, "ov_history")
    if not value:
        return None
    if "://" in value:
        return value
    return str(Path(config.rootpath) / Path(value).expanduser())


def history_gate(config: pytest.Config) -> Any:
    """How stored mode uses the history store (engine/history_gate.HistoryGate); None without one."""
    address = history_address(config)
    if address is None:
        return None
    from pytest_ovbench.engine.history_gate import HistoryGate

    branch = _value(config, "ov_history_branch")
    try:
        creep = creep_action(_value(config, "ov_creep") or "fail")
    except ValueError as exc:
        raise pytest.UsageError(f"ini option ov_creep: {exc}") from None
    since_text = _value(config, "ov_history_since")
    since: Any = since_text or None
    if since_text:
        try:
            since = datetime.fromisoformat(since_text).astimezone()
        except ValueError:
            since = since_text  # a commit
    return HistoryGate(address, None if branch in ("", "*") else branch, since, creep)
