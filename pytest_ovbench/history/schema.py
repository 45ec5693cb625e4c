"""The tables of a history store and their version (the same columns in SQLite and PostgreSQL).

``meta`` holds ``schema_version``; a store whose version is newer than :data:`SCHEMA_VERSION` is
refused (an older pytest-ovbench must not write rows a newer one would misread). Version 1 is the
first; a later version adds a step to ``MIGRATIONS`` that lifts a store from the one before.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COLUMNS",
    "META",
    "MIGRATIONS",
    "POSTGRES",
    "SCHEMA_VERSION",
    "SQLITE",
    "TABLE",
    "Dialect",
    "schema_statements",
]

SCHEMA_VERSION = 1
TABLE = "ovbench_history"
META = "ovbench_meta"

# version N -> the statements lifting a store from N - 1 to N (none yet: version 1 is the first)
MIGRATIONS: dict[int, tuple[str, ...]] = {}


@dataclass(frozen=True)
class Dialect:
    """What differs between the backends' SQL: the id column, the time and figure types, and the
    placeholder (queries are written with ``?``)."""

    name: str
    id_column: str
    time_type: str
    float_type: str
    placeholder: str

    def sql(self, query: str) -> str:
        return query.replace("?", self.placeholder)


SQLITE = Dialect("sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "REAL", "?")
POSTGRES = Dialect(
    "postgresql", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ", "DOUBLE PRECISION", "%s"
)

COLUMNS = (
    "run_id",
    "recorded_at",
    "test",
    "measurement",
    "metric",
    "hardware_class",
    "figure",
    "runs",
    "windows",
    "git_commit",
    "git_branch",
    "openvino",
    "model_sha256",
    "status",
)


def schema_statements(dialect: Dialect) -> tuple[str, ...]:
    """CREATE statements of the current schema (idempotent: IF NOT EXISTS)."""
    return (
        f"CREATE TABLE IF NOT EXISTS {META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            id {dialect.id_column},
            run_id TEXT NOT NULL,
            recorded_at {dialect.time_type} NOT NULL,
            test TEXT NOT NULL,
            measurement TEXT NOT NULL,
            metric TEXT NOT NULL,
            hardware_class TEXT NOT NULL,
            figure {dialect.float_type} NOT NULL,
            runs TEXT NOT NULL,
            windows TEXT NOT NULL,
            git_commit TEXT,
            git_branch TEXT,
            openvino TEXT,
            model_sha256 TEXT,
            status TEXT
        )""",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_series ON {TABLE} "
        "(test, measurement, metric, hardware_class, recorded_at, id)",
    )
