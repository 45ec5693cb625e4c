"""The SQLite backend (stdlib ``sqlite3``): one file, WAL journal so readers never block the writer,
a busy timeout so concurrent writers wait for each other, and one ``BEGIN IMMEDIATE`` transaction
per append. Keep the file on a local disk: WAL needs shared memory, which network file systems lack.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytest_ovbench.history.errors import HistoryError
from pytest_ovbench.history.schema import SQLITE
from pytest_ovbench.history.store import SqlStore, check_schema

__all__ = ["BUSY_TIMEOUT_S", "open_sqlite"]

BUSY_TIMEOUT_S = 60.0  # how long a writer waits for another one's transaction before giving up


def open_sqlite(address: str, create: bool = True) -> SqlStore:
    """The store in the SQLite file at ``address`` (a path, or ``sqlite:///path``); ``create``
    makes the file and its tables when missing (its folder must exist)."""
    path = Path(address[len("sqlite:///") :] if address.startswith("sqlite:///") else address)
    _check_path(path, create)
    try:
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}",
            uri=True,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,  # autocommit; transactions are explicit
            check_same_thread=False,
        )
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        connection.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        raise HistoryError(
            str(path),
            f"cannot open it as an SQLite database ({error})",
            "point --ov-history at a writable SQLite file on a local disk",
        ) from None
    store = SqlStore(str(path), connection, SQLITE, lambda: _immediate(connection), (sqlite3.Error,))
    try:
        check_schema(store, create)
    except HistoryError:
        connection.close()
        raise
    return store


def _check_path(path: Path, create: bool) -> None:
    if path.is_dir():
        raise HistoryError(str(path), "it is a folder", "name a file in it, e.g. --ov-history=history.db")
    if not create and not path.exists():
        raise HistoryError(str(path), "no such file", "run pytest with --ov-history first, or fix the path")
    if create and not path.parent.is_dir():
        raise HistoryError(
            str(path), f"its folder {path.parent} does not exist", "create the folder, or fix the path"
        )


@contextmanager
def _immediate(connection: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken at once (IMMEDIATE) so two writers never deadlock upgrading."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
