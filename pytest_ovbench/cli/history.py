"""``ovbench history URL --test ID`` (one series as a table) and ``ovbench prune-history URL --keep N``
(all but the newest N rows of each series deleted), over a history store: an SQLite file (relative
to ``--rootdir``) or a ``postgresql://`` URL. Also the shared pieces of ``trend``: opening the store
for a command and choosing series by ``--test``/``--class``/``--metric``.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pytest_ovbench.cli.snapshot import CliError
from pytest_ovbench.history.errors import HistoryError
from pytest_ovbench.history.rows import HistoryRow, SeriesInfo
from pytest_ovbench.history.store import SqlStore, is_postgres_url, open_store
from pytest_ovbench.metrics import LABELS
from pytest_ovbench.report.text import figure, format_table

__all__ = [
    "add_history_commands",
    "chosen_series",
    "opened",
    "run_history",
    "run_prune_history",
    "short_date",
]


def add_history_commands(commands: Any) -> None:
    """Register ``history`` and ``prune-history`` on ``ovbench``'s subparsers."""
    shown = commands.add_parser("history", help="one series of a history store as a table")
    shown.add_argument("url", metavar="URL", help="history store: an SQLite file or a postgresql:// URL")
    shown.add_argument("--test", required=True, metavar="ID", help="a test id (or part of one)")
    add_series_filters(shown, with_test=False)
    shown.set_defaults(run=run_history)
    pruning = commands.add_parser(
        "prune-history", help="delete all but the newest N rows of each series of a history store"
    )
    pruning.add_argument("url", metavar="URL", help="history store: an SQLite file or a postgresql:// URL")
    pruning.add_argument("--keep", required=True, type=keep_type, metavar="N", help="rows kept per series")
    pruning.set_defaults(run=run_prune_history)


def add_series_filters(parser: argparse.ArgumentParser, with_test: bool = True) -> None:
    if with_test:
        parser.add_argument("--test", metavar="PATTERN", help="test ids containing this, or matching a glob")
    parser.add_argument(
        "--class", dest="hardware_class", metavar="KEY", help="hardware classes containing this"
    )
    parser.add_argument("--metric", metavar="NAME", help="only this metric (median, throughput, ...)")
    parser.add_argument("--measurement", metavar="NAME", help="only this measurement")
    parser.add_argument("--branch", metavar="NAME", help="only the rows recorded on this git branch")


def keep_type(value: str) -> int:
    """``--keep``: a whole number >= 1."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number >= 1; write e.g. --keep 200")
    return int(value)


@contextmanager
def opened(args: argparse.Namespace) -> Iterator[SqlStore]:
    """The store named by ``args.url`` (a relative file path against ``--rootdir``); its errors
    become the command's (exit code 1)."""
    address = args.url if is_postgres_url(args.url) else str(Path(getattr(args, "rootdir", ".")) / args.url)
    try:
        with open_store(address, create=False) as store:
            yield store
    except HistoryError as error:
        raise CliError(str(error)) from None


def matches(text: str, pattern: str | None) -> bool:
    """No pattern; a part of ``text`` (a test id's ``[param]`` too); or a glob matching all of it."""
    if pattern is None or pattern in text:
        return True
    return any(c in pattern for c in "*?[") and fnmatchcase(text, pattern)


def chosen_series(store: SqlStore, args: argparse.Namespace) -> list[SeriesInfo]:
    """The series that pass the command's filters."""
    return [
        info
        for info in store.list_series()
        if matches(info.key.test, args.test)
        and matches(info.key.hardware_class, args.hardware_class)
        and args.metric in (None, info.key.metric)
        and args.measurement in (None, info.key.measurement)
    ]


def short_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def run_history(args: argparse.Namespace) -> int:
    with opened(args) as store:
        every = store.list_series()
        exact = [info for info in chosen_series(store, args) if info.key.test == args.test]
        found = exact or chosen_series(store, args)
        if not found:
            raise CliError(_no_match(args.test, [info.key.test for info in every], store.location))
        for info in found:
            rows = store.series(info.key, args.branch)
            print(
                f"{info.key.label()}: {len(rows)} runs" + (f" on branch {args.branch}" if args.branch else "")
            )
            print("\n".join(format_table(*history_table(rows))) if rows else "  (no rows on that branch)")
            print()
    return 0


def _no_match(test: str, known: list[str], location: str) -> str:
    def likeness(candidate: str) -> float:  # to the whole id or to its name after the last ::
        parts = (candidate, candidate.rsplit("::", 1)[-1])
        return max(difflib.SequenceMatcher(None, test, part).ratio() for part in parts)

    close = sorted((c for c in set(known) if likeness(c) >= 0.6), key=likeness, reverse=True)[:3]
    hint = f"; close: {', '.join(close)}" if close else "; `ovbench trend URL` lists every series"
    return f"no series of test {test!r} (with these filters) in history store {location}{hint}"


def history_table(rows: list[HistoryRow]) -> tuple[list[str], list[list[str]]]:
    """Header and cells: one line per run, oldest first."""
    unit = LABELS[rows[0].key.metric][1] if rows and rows[0].key.metric in LABELS else ""
    header = ["recorded (UTC)", "commit", "branch", "figure", "runs", "windows", "openvino", "status"]
    cells = [
        [
            row.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
            (row.commit or "-")[:10],
            row.branch or "-",
            f"{figure(row.figure)} {unit}".strip(),
            str(len(row.runs)),
            str(len(row.windows)),
            (row.openvino or "-").split("-")[0],
            row.status or "-",
        ]
        for row in rows
    ]
    return header, cells


def run_prune_history(args: argparse.Namespace) -> int:
    with opened(args) as store:
        try:
            removed = store.prune(args.keep)
        except HistoryError as error:
            raise CliError(str(error)) from None
        print(f"removed {removed} rows from {store.location}; kept the newest {args.keep} of each series")
    return 0
