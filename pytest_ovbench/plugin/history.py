"""``--ov-history``: at the end of a run (on the controller under pytest-xdist), every measurement's
figures appended to the history store in one transaction. A store that cannot be reached or
written is a warning naming it and the fix, never a lost test result or a changed exit status.
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Any

import pytest

from pytest_ovbench.plugin.history_options import history_address


def append_history(config: pytest.Config, records: list[dict[str, Any]]) -> int:
    """Append the records' rows to the store --ov-history names; how many rows (0: none asked)."""
    address = history_address(config)
    if address is None or not records:
        return 0
    from pytest_ovbench.history.errors import HistoryError

    try:
        rows = _rows(Path(config.rootpath), records)
        from pytest_ovbench.history.store import open_store

        with open_store(address) as store:
            store.append(rows)
    except HistoryError as exc:
        _warn(config, f"ovbench: the history was not appended: {exc}")
        return 0
    return len(rows)


def _rows(root: Path, records: list[dict[str, Any]]) -> list[Any]:
    import openvino

    from pytest_ovbench.history.from_records import rows_from_records
    from pytest_ovbench.history.gitinfo import git_state
    from pytest_ovbench.history.rows import utc_now

    git = git_state(root)
    return rows_from_records(
        records, utc_now(), uuid.uuid4().hex, git.commit, git.branch, openvino.get_version()
    )


def _warn(config: pytest.Config, message: str) -> None:
    from pytest_ovbench.plugin.session import OvbenchWarning

    with contextlib.suppress(Warning):  # -W error: the run's result still stands
        config.issue_config_time_warning(OvbenchWarning(message), stacklevel=2)
