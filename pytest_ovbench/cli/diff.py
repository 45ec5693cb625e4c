"""``ovbench diff``: entries removed, added and changed between two folders or git revisions.

Figures are shown as stored: raw, as measured on the machine that recorded them, never corrected
for that machine's speed (the yardstick correction is made at judging time, not stored). The plan
changes of an entry in both come from ``judge/plan.py`` (B's layers against A's, as a run's are
judged against its baseline) and read as failure messages do (``report/layers.py``).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ovbench.cli.figures import metric_text
from pytest_ovbench.cli.revision import load_revision
from pytest_ovbench.cli.snapshot import Entry, Snapshot, baselines_folder, load_folder
from pytest_ovbench.judge.plan import layer_changes
from pytest_ovbench.measure.layers import Layer
from pytest_ovbench.metrics import HIGHER_IS_BETTER, LABELS, METRICS
from pytest_ovbench.report.escaping import printable
from pytest_ovbench.report.layers import describe_change

__all__ = ["RAW_NOTE", "Side", "diff_lines", "run_diff"]

RAW_NOTE = (
    "Figures are raw, as stored: measured on whichever machine recorded each entry, not corrected "
    "for its speed. In plan lines, 'the baseline' is A."
)
FIELDS = ("openvino", "model_sha256")
# Labels stand in a column as wide as the longest, so no value runs into its label.
LABEL_WIDTH = max(len(label) for label in [*FIELDS, "plan", *(label for label, _ in LABELS.values())]) + 2
MAX_PLAN_LINES = 12  # per entry: a rebuilt graph changes every node, and the first ones tell the story


@dataclass(frozen=True)
class Side:
    """One side of ``diff``: a folder (``rev`` None) or the baselines folder at git revision ``rev``."""

    spec: str
    rev: str | None


def run_diff(args: argparse.Namespace) -> int:
    before, after = load_side(args.a, args), load_side(args.b, args)
    print(f"A: {describe_side(args.a, args)} ({len(before)} entries)")
    print(f"B: {describe_side(args.b, args)} ({len(after)} entries)")
    print(RAW_NOTE)
    print("\n".join(diff_lines(before, after, args.threshold)))
    return 0


def load_side(side: Side, args: argparse.Namespace) -> Snapshot:
    if side.rev is None:
        return load_folder(Path(args.rootdir) / side.spec)
    return load_revision(side.rev, baselines_folder(args), Path(args.rootdir))


def describe_side(side: Side, args: argparse.Namespace) -> str:
    if side.rev is None:
        return f"folder {Path(args.rootdir) / side.spec}"
    return f"{baselines_folder(args)} at git revision {side.rev}"


def diff_lines(before: Snapshot, after: Snapshot, threshold: float) -> list[str]:
    """The report of ``diff``: removed, added and changed entries, then a count of each."""
    removed = sorted(before.keys() - after.keys())
    added = sorted(after.keys() - before.keys())
    changed = [
        (ref, entry_changes(before[ref], after[ref], threshold))
        for ref in sorted(before.keys() & after.keys())
    ]
    changed = [(ref, lines) for ref, lines in changed if lines]
    # A baseline's text is shown printable: a newline or an escape sequence in it is shown escaped.
    lines = _section("removed (only in A)", (f"  - {printable(ref.label())}" for ref in removed))
    lines += _section("added (only in B)", (f"  + {printable(ref.label())}" for ref in added))
    lines += _section(
        "changed", (line for ref, found in changed for line in [f"  {printable(ref.label())}", *found])
    )
    unchanged = len(before.keys() & after.keys()) - len(changed)
    counts = f"{len(removed)} removed, {len(added)} added, {len(changed)} changed, {unchanged} unchanged"
    return [*lines, "", counts + (f" (metric changes under {threshold:.1%} hidden)" if threshold else "")]


def _section(title: str, lines: Iterable[str]) -> list[str]:
    body = list(lines)
    return ["", f"{title}:", *body] if body else []


def entry_changes(before: Entry, after: Entry, threshold: float) -> list[str]:
    """What differs between two versions of one entry, one indented line each."""
    lines = [
        f"    {field:<{LABEL_WIDTH}}{printable(before.get(field))} -> {printable(after.get(field))}"
        for field in FIELDS
        if before.get(field) != after.get(field)
    ]
    lines += property_changes(_mapping(before.get("properties")), _mapping(after.get("properties")))
    metrics_a, metrics_b = before.get("metrics", {}), after.get("metrics", {})
    for name in [name for name in METRICS if name in metrics_a and name in metrics_b]:
        change = metric_change(
            name, float(metrics_a[name]["value"]), float(metrics_b[name]["value"]), threshold
        )
        lines += [change] if change else []
    return lines + plan_changes(before.get("layers"), after.get("layers"))


def plan_changes(before: object, after: object) -> list[str]:
    """The execution-plan changes from A's layers to B's, one line each (none unless both have layers)."""
    if not (isinstance(before, dict) and before and isinstance(after, dict) and after):
        return []
    layers = [
        Layer(
            str(name),
            str(node["type"]),
            str(node["exec_type"]),
            str(node["status"]),
            float(node["real_time_ms"]),
            0.0,
        )
        for name, node in after.items()
    ]
    found = [printable(describe_change(change)) for change in layer_changes(before, layers)]
    shown = [f"    {'plan':<{LABEL_WIDTH}}{line}" for line in found[:MAX_PLAN_LINES]]
    more = len(found) - MAX_PLAN_LINES
    return shown + ([f"    {'':<{LABEL_WIDTH}}... and {more} more plan changes"] if more > 0 else [])


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}  # a hand-edited entry may hold anything here


def property_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    keys = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    return [printable(f"    property {key}: {before.get(key, '-')} -> {after.get(key, '-')}") for key in keys]


def metric_change(name: str, value_a: float, value_b: float, threshold: float) -> str | None:
    """'latency median    5.412 ms -> 6.873 ms  (+27.0%, worse)', or None if hidden."""
    change = (value_b - value_a) / value_a
    if change == 0 or abs(change) < threshold:
        return None
    worse = change < 0 if name in HIGHER_IS_BETTER else change > 0
    label = LABELS[name][0]
    figures = f"{metric_text(name, value_a)} -> {metric_text(name, value_b)}"
    return f"    {label:<{LABEL_WIDTH}}{figures}  ({change:+.1%}, {'worse' if worse else 'better'})"
