"""``ovbench diff``: entries removed, added and changed between two folders or git revisions."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ovbench.cli.figures import metric_text
from pytest_ovbench.cli.revision import load_revision
from pytest_ovbench.cli.snapshot import Entry, Snapshot, baselines_folder, load_folder
from pytest_ovbench.metrics import HIGHER_IS_BETTER, LABELS, METRICS
from pytest_ovbench.report.escaping import printable

__all__ = ["Side", "diff_lines", "run_diff"]


@dataclass(frozen=True)
class Side:
    """One side of ``diff``: a folder (``rev`` None) or the baselines folder at git revision ``rev``."""

    spec: str
    rev: str | None


def run_diff(args: argparse.Namespace) -> int:
    before, after = load_side(args.a, args), load_side(args.b, args)
    print(f"A: {describe_side(args.a, args)} ({len(before)} entries)")
    print(f"B: {describe_side(args.b, args)} ({len(after)} entries)")
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
        f"    {field:<18}{printable(before.get(field))} -> {printable(after.get(field))}"
        for field in ("openvino", "model_sha256")
        if before.get(field) != after.get(field)
    ]
    lines += property_changes(_mapping(before.get("properties")), _mapping(after.get("properties")))
    metrics_a, metrics_b = before.get("metrics", {}), after.get("metrics", {})
    for name in [name for name in METRICS if name in metrics_a and name in metrics_b]:
        change = metric_change(
            name, float(metrics_a[name]["value"]), float(metrics_b[name]["value"]), threshold
        )
        lines += [change] if change else []
    return lines


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
    return f"    {label:<18}{figures}  ({change:+.1%}, {'worse' if worse else 'better'})"
