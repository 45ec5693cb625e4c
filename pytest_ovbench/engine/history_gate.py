"""Stored mode with a history store (--ov-history, docs/history.md): the baseline taken from the
recent stretch of the main branch's runs where there are enough, and a creep check that catches
a series which moved beyond the allowance in steps each PR's gate passed.

Reads the store only; an unusable store or a series too short leaves the YAML entry in charge and
says why. No pytest here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from pytest_ovbench.judge.baseline import StoredBaseline
from pytest_ovbench.judge.status import Status
from pytest_ovbench.judge.verdict import Comparison
from pytest_ovbench.metrics import HIGHER_IS_BETTER

if TYPE_CHECKING:
    from pytest_ovbench.history.rows import HistoryRow


@dataclass(frozen=True)
class HistoryGate:
    """Where the history is and how the gate uses it: ``branch`` whose runs make a baseline
    (None: every branch), ``since`` the point a creep is measured from (a commit or a time; None:
    the series' first run), ``creep`` what a creep beyond the allowance does."""

    address: str
    branch: str | None = "main"
    since: str | datetime | None = None
    creep: str = "fail"

    def series(self, test: str, measurement: str, metrics: Sequence[str], env_key: str) -> Series:
        """Each metric's rows on ``branch``, oldest first; empty, with the reason, when the store
        cannot be read."""
        from pytest_ovbench.history.errors import HistoryError
        from pytest_ovbench.history.rows import SeriesKey
        from pytest_ovbench.history.store import open_store

        try:
            with open_store(self.address, create=False) as store:
                rows = {
                    m: store.series(SeriesKey(test, measurement, m, env_key), self.branch) for m in metrics
                }
        except HistoryError as exc:
            return Series({}, f"history not used: {exc}")
        return Series(rows)


@dataclass(frozen=True)
class Series:
    rows: Mapping[str, Sequence[HistoryRow]]
    problem: str = ""


def with_history(baseline: StoredBaseline, series: Series, branch: str | None) -> tuple[StoredBaseline, str]:
    """The baseline with each metric whose recent stretch has enough runs taken from history (its
    runs' figures, raw: no machine-speed correction applies to them), and what was used."""
    from pytest_ovbench.history.creep import MIN_BASELINE_RUNS, history_baseline

    samples, used = dict(baseline.samples), []
    for metric, rows in series.rows.items():
        sample = history_baseline(rows, higher_is_better=metric in HIGHER_IS_BETTER) if rows else None
        if sample is not None:
            samples[metric] = sample
            used.append(f"{metric}: the last {len(sample.runs)} runs of {branch or 'every branch'}")
    if not used:
        longest = max((len(rows) for rows in series.rows.values()), default=0)
        return baseline, series.problem or (
            f"history has {longest} run(s) of this test on {branch or 'any branch'}, fewer than the "
            f"{MIN_BASELINE_RUNS} a baseline needs: compared with the stored entry"
        )
    history_based = replace(baseline, samples=samples, machine=None, processes=len(used) or None)
    return history_based, "compared with history (" + "; ".join(used) + ")"


def with_creep(
    comparisons: list[Comparison], series: Series, gate: HistoryGate
) -> tuple[list[Comparison], list[str]]:
    """A gated metric whose series moved beyond its allowance since ``gate.since`` fails (or is a
    note, or nothing) naming the commits where it moved."""
    if gate.creep == "off":
        return comparisons, []
    judged: list[Comparison] = []
    notes: list[str] = []
    for comparison in comparisons:
        text = _creep_text(comparison, series.rows.get(comparison.metric, ()), gate, notes)
        if text is None:
            judged.append(comparison)
        elif gate.creep == "fail":  # a run that regressed on its own says both
            reason = f"{comparison.reason}; {text}" if comparison.status == Status.REGRESSED else text
            judged.append(replace(comparison, status=Status.REGRESSED, reason=reason.lstrip("; ")))
        else:
            judged.append(comparison)
            notes.append(text)
    return judged, notes


def _creep_text(
    comparison: Comparison, rows: Sequence[HistoryRow], gate: HistoryGate, notes: list[str]
) -> str | None:
    """What crept beyond the allowance, naming the commits; None when nothing did (or the check
    could not run: why goes to ``notes``). Whatever this run measured: the creep is the history's."""
    if len(rows) < 2:
        return None
    from pytest_ovbench.history.creep import creep_check

    try:
        since = gate.since if gate.since is not None else rows[0].recorded_at  # the first level
        higher_is_better = comparison.metric in HIGHER_IS_BETTER
        creep = creep_check(rows, rows[0].figure, comparison.tolerance, since, higher_is_better)
    except ValueError as exc:  # no run at or after ``since``
        notes.append(f"creep not checked: {exc}")
        return None
    if not creep.beyond:
        return None
    return (
        f"{comparison.metric} crept {creep.worsening:+.1%} over the history "
        f"({len(rows)} runs since {_start(rows[0], gate.since)}), beyond the {creep.allowance:.0%} "
        f"allowance, in steps each within it; moved at {', '.join(c[:10] for c in creep.commits) or '?'}"
    )


def _start(row: HistoryRow, since: str | datetime | None) -> str:
    if since is not None:
        return str(since)
    commit = (row.commit or "")[:10]
    return f"{row.recorded_at:%Y-%m-%d}" + (f", commit {commit}" if commit else "")
