"""``ovbench list``: one row per baseline entry, with its main figure."""

from __future__ import annotations

import argparse

from pytest_ovbench.cli.figures import LEGACY_NOTE, main_figure, short_version
from pytest_ovbench.cli.snapshot import Entry, Ref, baselines_folder, load_folder, passes_filter
from pytest_ovbench.report.text import format_table
from pytest_ovbench.runtime.environment import is_classified

__all__ = ["run_list"]


def run_list(args: argparse.Namespace) -> int:
    snapshot = load_folder(baselines_folder(args))
    refs = [
        r for r in sorted(snapshot) if passes_filter(r.nodeid, args.test) and passes_filter(r.env, args.env)
    ]
    if not refs:
        what = "entries match these filters" if snapshot else "baseline entries"
        print(f"no {what} in {baselines_folder(args)}")
        return 0
    header = ["file", "test", "measurement", "environment", "recorded", "openvino", "main figure"]
    rows = [list_row(ref, snapshot[ref]) for ref in refs]
    print("\n".join(format_table(header, rows)))
    if any(not is_classified(ref.env) for ref in refs):
        print(f"* {LEGACY_NOTE}")
    return 0


def list_row(ref: Ref, entry: Entry) -> list[str]:
    recorded = str(entry.get("recorded") or "-")
    env = ref.env if is_classified(ref.env) else f"{ref.env} *"
    return [ref.file, ref.test, ref.measurement, env, recorded, short_version(entry), main_figure(entry)]
