"""What the gate learns from a series: the recent stretch (the rows since the last change point),
whether the series crept beyond an allowance since a given point, and a baseline made of the recent
stretch's runs, which a per-PR comparison with one stored figure cannot give.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from pytest_ovbench.history.rows import HistoryRow
from pytest_ovbench.history.trend import ChangePoint, TrendSettings, change_points
from pytest_ovbench.judge.verdict import Sample

__all__ = ["MIN_BASELINE_RUNS", "Creep", "creep_check", "history_baseline", "recent_stretch"]

MIN_BASELINE_RUNS = 5


@dataclass(frozen=True)
class Creep:
    """How far the recent level sits from a reference, in the metric's bad direction.

    ``reference`` is the level at the point asked about (the median of the segment holding it), or
    the stored baseline's figure when no point was given; ``recent`` the median of the recent
    stretch, which starts at row ``recent_start``. ``worsening`` is the change in the bad
    direction (0.159 = 15.9% worse; negative: better). ``moves`` are the change points after the
    point, each naming its commit."""

    reference: float
    recent: float
    recent_start: int
    worsening: float
    allowance: float
    moves: tuple[ChangePoint, ...]
    span: tuple[str | None, str | None]  # first and last commit after the point

    @property
    def beyond(self) -> bool:
        return self.worsening > self.allowance

    @property
    def commits(self) -> tuple[str, ...]:
        """The commits where it moved worse; the span's ends when no single move was found."""
        named = tuple(move.commit or "?" for move in self.moves if move.worse)
        return named or tuple(commit for commit in self.span if commit)


def recent_stretch(rows: Sequence[HistoryRow], changes: Sequence[ChangePoint]) -> Sequence[HistoryRow]:
    """The rows since the last change point (all of them when there is none)."""
    return rows[changes[-1].index :] if changes else rows


def creep_check(
    rows: Sequence[HistoryRow],
    baseline: float,
    allowance: float,
    since: str | datetime | None = None,
    higher_is_better: bool = False,
    settings: TrendSettings | None = None,
) -> Creep:
    """Whether the series (oldest first, not empty) moved beyond ``allowance`` (a fraction) from
    the level at ``since`` (a commit, or a time: the first row at or after it), or from the stored
    ``baseline`` figure when ``since`` is None."""
    if not rows:
        raise ValueError("a creep check needs at least one row")
    changes = change_points(rows, higher_is_better, settings)
    start = _point(rows, since)
    bounds = [0, *(change.index for change in changes), len(rows)]
    recent = median(row.figure for row in recent_stretch(rows, changes))
    reference = baseline
    if since is not None:
        low = max(bound for bound in bounds[:-1] if bound <= start)
        high = min(bound for bound in bounds[1:] if bound > start)
        reference = median(row.figure for row in rows[low:high])
    ratio = recent / reference
    worsening = (1.0 / ratio if higher_is_better else ratio) - 1.0
    later = rows[start + 1 :] if since is not None else rows
    return Creep(
        reference,
        recent,
        bounds[-2],
        worsening,
        allowance,
        tuple(change for change in changes if change.index > start or since is None),
        (later[0].commit, later[-1].commit) if later else (None, None),
    )


def _point(rows: Sequence[HistoryRow], since: str | datetime | None) -> int:
    """The row the check starts from: the first of commit ``since`` (a prefix of its hash does),
    or the first at or after time ``since``; ValueError naming it when no row matches."""
    if since is None:
        return 0
    for index, row in enumerate(rows):
        if isinstance(since, datetime) and row.recorded_at >= since:
            return index
        if isinstance(since, str) and row.commit and since and row.commit.startswith(since):
            return index
    raise ValueError(f"no row of the series is at or after {since}; name a commit or time it holds")


def history_baseline(
    rows: Sequence[HistoryRow],
    min_runs: int = MIN_BASELINE_RUNS,
    higher_is_better: bool = False,
    settings: TrendSettings | None = None,
) -> Sample | None:
    """A baseline for the verdict from the recent stretch: each row's figure as one run (the
    between-session spread is the noise a new run must beat), the geometric mean of them as the
    figure, their windows pooled; None when the stretch has fewer than ``min_runs`` rows."""
    stretch = recent_stretch(rows, change_points(rows, higher_is_better, settings))
    if len(stretch) < min_runs:
        return None
    figures = tuple(row.figure for row in stretch)
    centre = math.exp(sum(math.log(figure) for figure in figures) / len(figures))
    return Sample(centre, tuple(window for row in stretch for window in row.windows), figures)
