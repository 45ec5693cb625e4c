"""The PostgreSQL backend: psycopg 3 (``pip install pytest-ovbench[postgres]``), imported only when
a ``postgresql://`` address is used. The connection is in autocommit mode and each append is one
transaction; concurrent creators of the tables are serialised by a transaction-level advisory lock.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from pytest_ovbench.history.errors import HistoryError
from pytest_ovbench.history.schema import POSTGRES
from pytest_ovbench.history.store import SqlStore, check_schema

__all__ = ["CONNECT_TIMEOUT_S", "open_postgres"]

CONNECT_TIMEOUT_S = 10
# serialises concurrent CREATE TABLE IF NOT EXISTS, which PostgreSQL does not make safe by itself
_CREATE_LOCK = "SELECT pg_advisory_xact_lock(7408521139)"


def open_postgres(url: str, create: bool = True) -> SqlStore:
    """The store in the PostgreSQL database at ``url``; ``create`` makes its tables when missing."""
    psycopg = _driver(url)
    try:
        connection = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as error:
        raise HistoryError(
            url,
            f"cannot connect: {_first_line(error)}",
            "check that the server runs and the URL's host, port, database, user and password are right",
        ) from None
    store = SqlStore(url, connection, POSTGRES, connection.transaction, (psycopg.Error,))
    try:
        check_schema(store, create, _CREATE_LOCK)
    except HistoryError:
        connection.close()
        raise
    return store


def _driver(url: str) -> Any:
    try:
        module: ModuleType = importlib.import_module("psycopg")
    except ImportError:
        raise HistoryError(
            url,
            "a PostgreSQL store needs the psycopg driver, which is not installed",
            "pip install pytest-ovbench[postgres]",
        ) from None
    return module


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
