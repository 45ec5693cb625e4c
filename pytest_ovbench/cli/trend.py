"""``ovbench trend URL``: the change points of each series of a history store (where, by how much,
how surely); exit code 1 when it reports a change, 0 when none. ``--html PATH`` also writes one
self-contained page with each series over time and its changes marked (``history/page.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pytest_ovbench.atomic import write_atomically
from pytest_ovbench.cli.history import add_series_filters, chosen_series, opened, short_date
from pytest_ovbench.cli.snapshot import CliError
from pytest_ovbench.history.page import render_trend_page, short_commit
from pytest_ovbench.history.trend import ChangePoint, SeriesTrend, TrendError, TrendSettings
from pytest_ovbench.metrics import LABELS
from pytest_ovbench.report.escaping import printable
from pytest_ovbench.report.text import figure, p_figure

__all__ = ["add_trend_command", "change_line", "run_trend"]


def add_trend_command(commands: Any) -> None:
    """Register ``trend`` on ``ovbench``'s subparsers."""
    parser = commands.add_parser(
        "trend",
        help="change points of each series of a history store (exit 1 when there is one)",
        description="Change points of each series of a history store; exit code 1 when one is reported.",
    )
    parser.add_argument("url", metavar="URL", help="history store: an SQLite file or a postgresql:// URL")
    add_series_filters(parser)
    parser.add_argument("--html", type=Path, metavar="PATH", help="also write a page with a chart per series")
    parser.set_defaults(run=run_trend)


def run_trend(args: argparse.Namespace) -> int:
    with opened(args) as store:
        infos = chosen_series(store, args)
        series = [(info.key, store.series(info.key, args.branch)) for info in infos]
        location = store.location
    try:
        trends = [SeriesTrend.of(key, rows, TrendSettings()) for key, rows in series if rows]
    except TrendError as error:
        raise CliError(str(error)) from None
    if not trends:
        print(f"no series in {location} pass these filters")
    for trend in trends:
        print("\n".join(trend_lines(trend)))
    changes = sum(len(trend.changes) for trend in trends)
    worse = sum(change.worse for trend in trends for change in trend.changes)
    print(f"{len(trends)} series, {changes} change points ({worse} worse)")
    if args.html is not None:
        page = Path(getattr(args, "rootdir", ".")) / args.html
        try:
            write_atomically(page, render_trend_page(trends, location))
        except OSError as error:
            raise CliError(f"cannot write --html {page}: {error.strerror or error}; fix the path") from None
        print(f"wrote {page}")
    return 1 if changes else 0


def trend_lines(trend: SeriesTrend) -> list[str]:
    rows = trend.rows
    span = f"{short_date(rows[0].recorded_at)} .. {short_date(rows[-1].recorded_at)}"
    lines = [printable(f"{trend.key.label()}: {len(rows)} runs, {span}")]
    if not trend.changes:
        return [*lines, "  no change"]
    unit = LABELS[trend.key.metric][1] if trend.key.metric in LABELS else ""
    return [*lines, *(change_line(change, unit) for change in trend.changes)]


def change_line(change: ChangePoint, unit: str) -> str:
    """'  at run 5, commit 3f2a9c01d2 (2026-01-04 10:12): 10.01 ms -> 10.31 ms (+3.0%, worse), p <0.001'"""
    where = f"at run {change.index}, commit {short_commit(change.commit)} ({short_date(change.recorded_at)})"
    figures = f"{figure(change.before)} {unit} -> {figure(change.after)} {unit}".replace("  ", " ")
    size = f"{change.change:+.1%}, {'worse' if change.worse else 'better'}"
    return printable(f"  {where}: {figures} ({size}), p {p_figure(change.p_value)}")
