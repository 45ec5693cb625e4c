"""``ovbench show``: every field of the entries of one test, and close test ids when none match."""

from __future__ import annotations

import argparse
import difflib
from typing import Any

from pytest_ovbench.cli.figures import LEGACY_NOTE
from pytest_ovbench.cli.snapshot import (
    CliError,
    Entry,
    Ref,
    Snapshot,
    baselines_folder,
    load_folder,
    passes_filter,
)
from pytest_ovbench.metrics import LABELS, METRICS
from pytest_ovbench.report.escaping import printable
from pytest_ovbench.report.text import figure
from pytest_ovbench.runtime.environment import is_classified

__all__ = ["run_show"]

_NO_ENTRY_FIX = "To fix: run `ovbench list` to see the entries there, or check --dir and --rootdir."


def run_show(args: argparse.Namespace) -> int:
    snapshot = load_folder(baselines_folder(args))
    refs = [r for r in sorted(snapshot) if matches_test(r, args.test)]
    refs = [r for r in refs if args.measurement in (None, r.measurement) and passes_filter(r.env, args.env)]
    if not refs:
        raise CliError(no_match_message(args, snapshot))
    blocks = [show_lines(ref, snapshot[ref]) for ref in refs]
    print("\n\n".join("\n".join(block) for block in blocks))
    return 0


def matches_test(ref: Ref, test: str) -> bool:
    return test == ref.test or test in ref.nodeid or test in f"{ref.file}::{ref.test}"


def no_match_message(args: argparse.Namespace, snapshot: Snapshot) -> str:
    filters = "".join(
        f", {name} {value!r}"
        for name, value in (("measurement", args.measurement), ("environment containing", args.env))
        if value is not None
    )
    message = f"no baseline entry for test {args.test!r}{filters} in {baselines_folder(args)}."
    pool = sorted({ref.nodeid if "::" in args.test else ref.test for ref in snapshot})
    close = difflib.get_close_matches(args.test, pool, n=3, cutoff=0.75)
    if close:
        message += " Close test ids: " + ", ".join(printable(test) for test in close) + "."
    return f"{message} {_NO_ENTRY_FIX}"


def show_lines(ref: Ref, entry: Entry) -> list[str]:
    fields = [
        ("file", ref.file),
        ("recorded", entry.get("recorded")),
        ("openvino", entry.get("openvino")),
        ("model_sha256", entry.get("model_sha256")),
        ("mode", entry.get("mode")),
        ("properties", mapping_text(entry.get("properties"))),
        ("settings", mapping_text(entry.get("settings"))),
        ("foreign_load", entry.get("foreign_load")),
    ]
    # A baseline's text is shown printable: a newline or an escape sequence in it is shown escaped.
    shown = [f"  {name:<14}{'-' if value is None else printable(value)}" for name, value in fields]
    lines = [printable(ref.label()), *shown]
    if not is_classified(ref.env):
        lines.append(f"  {'class':<14}{LEGACY_NOTE}")
    lines.append("  metrics")
    metrics: dict[str, Any] = entry.get("metrics", {})
    ordered = sorted(metrics, key=lambda name: METRICS.index(name) if name in METRICS else len(METRICS))
    lines.extend(metric_line(name, metrics[name]) for name in ordered)
    return lines


def mapping_text(value: object) -> object:
    if not isinstance(value, dict):
        return value
    return ", ".join(f"{key}={item}" for key, item in sorted(value.items())) or "{}"


def metric_line(name: str, metric: dict[str, Any]) -> str:
    label = printable(LABELS.get(name, (name, ""))[0])
    windows = [float(v) for v in metric.get("windows", [])]
    spread = f"{len(windows)} windows, {figure(min(windows))}..{figure(max(windows))}" if windows else ""
    unit = LABELS.get(name, ("", ""))[1]
    return f"    {label:<17}{figure(float(metric['value'])):>9} {unit:<7}{spread}".rstrip()
