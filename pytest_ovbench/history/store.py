"""The store interface and its SQL, shared by both backends; :func:`open_store` picks one by address.

An address is a file path (SQLite, the default ``--ov-history`` kind) or a ``postgresql://`` URL
(PostgreSQL, the ``postgres`` extra). Each append is one transaction, so concurrent writers (pytest-xdist
workers, parallel CI jobs) lose nothing; every failure to reach, read or write the store is a
:class:`~pytest_ovbench.history.errors.HistoryError` naming it and the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Protocol

from pytest_ovbench.history.errors import HistoryError
from pytest_ovbench.history.rows import HistoryRow, SeriesInfo, SeriesKey, decode_figures, encode_figures
from pytest_ovbench.history.schema import COLUMNS, META, SCHEMA_VERSION, TABLE, Dialect, schema_statements

__all__ = ["HistoryStore", "SqlStore", "check_schema", "is_postgres_url", "open_store", "translated"]

_SELECT = f"SELECT id, {', '.join(COLUMNS)} FROM {TABLE}"
_KEY = "test = ? AND measurement = ? AND metric = ? AND hardware_class = ?"
_PRUNE = f"""DELETE FROM {TABLE} WHERE id IN (
    SELECT id FROM (
        SELECT id, ROW_NUMBER() OVER (
            PARTITION BY test, measurement, metric, hardware_class ORDER BY recorded_at DESC, id DESC
        ) AS newness FROM {TABLE}
    ) ranked WHERE newness > ?)"""


class HistoryStore(Protocol):
    """What the glue and the commands use; both backends implement it."""

    location: str

    def append(self, rows: Sequence[HistoryRow]) -> None: ...
    def series(self, key: SeriesKey, branch: str | None = None) -> list[HistoryRow]: ...
    def list_series(self) -> list[SeriesInfo]: ...
    def prune(self, keep: int) -> int: ...
    def close(self) -> None: ...
    def __enter__(self) -> HistoryStore: ...
    def __exit__(self, *exc: object) -> None: ...


def is_postgres_url(address: str) -> bool:
    return address.startswith(("postgresql://", "postgres://"))


def open_store(address: str, create: bool = True) -> SqlStore:
    """The store at ``address``; ``create`` False (the commands) refuses a missing SQLite file
    instead of making an empty one. Raises HistoryError."""
    if is_postgres_url(address):
        from pytest_ovbench.history.postgres_store import open_postgres

        return open_postgres(address, create)
    from pytest_ovbench.history.sqlite_store import open_sqlite

    return open_sqlite(address, create)


Transaction = Callable[[], AbstractContextManager[Any]]


class SqlStore:
    """A history store over a DB-API connection whose ``execute`` returns a cursor (sqlite3 and
    psycopg 3 alike); ``transaction`` opens one transaction, ``errors`` are the driver's own."""

    def __init__(
        self,
        location: str,
        connection: Any,
        dialect: Dialect,
        transaction: Transaction,
        errors: tuple[type[BaseException], ...],
    ) -> None:
        self.location = location
        self.dialect = dialect
        self._connection = connection
        self._transaction = transaction
        self._errors = errors

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._connection.close()

    def append(self, rows: Sequence[HistoryRow]) -> None:
        """Add rows, all or none (one transaction)."""
        names = ", ".join(COLUMNS)
        query = self.dialect.sql(f"INSERT INTO {TABLE} ({names}) VALUES ({', '.join('?' * len(COLUMNS))})")
        with self._failing("cannot append rows"), self._transaction():
            for row in rows:
                self._connection.execute(query, self._values(row))

    def series(self, key: SeriesKey, branch: str | None = None) -> list[HistoryRow]:
        """The rows of one series, oldest first (by time, then by order of appending)."""
        where, values = _KEY, [key.test, key.measurement, key.metric, key.hardware_class]
        if branch is not None:
            where, values = f"{where} AND git_branch = ?", [*values, branch]
        query = self.dialect.sql(f"{_SELECT} WHERE {where} ORDER BY recorded_at, id")
        with self._failing("cannot read a series"):
            found = self._connection.execute(query, values).fetchall()
        return [self._row(record) for record in found]

    def list_series(self) -> list[SeriesInfo]:
        """Every series with its number of rows and first and last time, sorted by key."""
        query = (
            "SELECT test, measurement, metric, hardware_class, COUNT(*), MIN(recorded_at), "
            f"MAX(recorded_at) FROM {TABLE} GROUP BY test, measurement, metric, hardware_class"
        )
        with self._failing("cannot list the series"):
            found = self._connection.execute(query).fetchall()
        infos = [
            SeriesInfo(SeriesKey(*record[:4]), int(record[4]), self._time(record[5]), self._time(record[6]))
            for record in found
        ]
        return sorted(infos, key=lambda info: info.key)

    def prune(self, keep: int) -> int:
        """Delete all but the newest ``keep`` rows of each series; returns how many went."""
        if keep < 1:
            raise ValueError(f"keep must be at least 1, not {keep}")
        with self._failing("cannot prune"), self._transaction():
            return int(self._connection.execute(self.dialect.sql(_PRUNE), (keep,)).rowcount)

    def create_tables(self, first: str | None = None) -> None:
        """The current schema and its version, in one transaction; ``first`` is a statement that
        serialises concurrent creators (PostgreSQL's advisory lock)."""
        insert = f"INSERT INTO {META} (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"
        with self._failing("cannot create its tables"), self._transaction():
            for statement in ([first] if first else []) + list(schema_statements(self.dialect)):
                self._connection.execute(statement)
            self._connection.execute(self.dialect.sql(insert), ("schema_version", str(SCHEMA_VERSION)))

    # conversions

    def _values(self, row: HistoryRow) -> tuple[Any, ...]:
        key = row.key
        stamp = row.recorded_at.astimezone(timezone.utc)
        return (
            row.run_id,
            stamp.isoformat(timespec="microseconds") if self.dialect.name == "sqlite" else stamp,
            key.test,
            key.measurement,
            key.metric,
            key.hardware_class,
            float(row.figure),
            encode_figures(row.runs),
            encode_figures(row.windows),
            row.commit,
            row.branch,
            row.openvino,
            row.model_sha256,
            row.status,
        )

    def _row(self, record: Sequence[Any]) -> HistoryRow:
        row_id, run_id, recorded_at, test, measurement, metric, hardware_class, figure = record[:8]
        runs, windows = decode_figures(record[8]), decode_figures(record[9])
        if runs is None or windows is None:
            raise self._bad_row(row_id, "its runs or windows are not a JSON list of figures")
        try:
            return HistoryRow(
                SeriesKey(test, measurement, metric, hardware_class),
                float(figure),
                self._time(recorded_at),
                runs,
                windows,
                commit=record[10],
                branch=record[11],
                openvino=record[12],
                model_sha256=record[13],
                status=record[14],
                run_id=run_id,
                row_id=int(row_id),
            )
        except (TypeError, ValueError) as error:
            raise self._bad_row(row_id, str(error)) from None

    def _time(self, value: Any) -> datetime:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.astimezone(timezone.utc)

    def _bad_row(self, row_id: Any, problem: str) -> HistoryError:
        return HistoryError(
            self.location,
            f"row {row_id} of {TABLE} cannot be read ({problem})",
            f"delete that row (DELETE FROM {TABLE} WHERE id = {row_id})",
        )

    def _failing(self, doing: str) -> AbstractContextManager[None]:
        return translated(self.location, doing, self._errors)

    def schema_version(self) -> int | None:
        """The version in the meta table; None when the store has no tables yet."""
        query = self.dialect.sql(f"SELECT value FROM {META} WHERE key = ?")
        try:
            found = self._connection.execute(query, ("schema_version",)).fetchone()
        except self._errors:
            return None
        if found is None:
            return None
        try:
            return int(found[0])
        except ValueError:
            raise HistoryError(
                self.location,
                f"its schema_version {found[0]!r} is not a number",
                "point the history option at another store, or repair the ovbench_meta table",
            ) from None


@contextmanager
def translated(location: str, doing: str, errors: tuple[type[BaseException], ...]) -> Iterator[None]:
    """Turns the driver's errors inside the block into one HistoryError naming the store."""
    try:
        yield
    except errors as error:
        raise HistoryError(
            location,
            f"{doing}: {_first_line(error)}",
            "check that it is reachable and writable (another process may hold it locked for longer "
            "than the busy timeout), or point the history option at another store",
        ) from error


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def check_schema(store: SqlStore, create: bool, first: str | None = None) -> None:
    """Create the tables of a new store (when ``create``); refuse a store without them otherwise,
    and one written by a newer pytest-ovbench."""
    version = store.schema_version()
    if version is None and not create:
        raise HistoryError(store.location, "it holds no history yet", "run pytest with --ov-history first")
    if version is None:
        store.create_tables(first)
        version = store.schema_version()
    if version is not None and version > SCHEMA_VERSION:
        raise HistoryError(
            store.location,
            f"its schema version is {version}, written by a newer pytest-ovbench (this one reads up to "
            f"version {SCHEMA_VERSION})",
            "upgrade pytest-ovbench (pip install -U pytest-ovbench), or point the history option at "
            "another store",
        )
