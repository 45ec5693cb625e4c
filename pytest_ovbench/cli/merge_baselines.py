"""``ovbench merge-baselines SHARD... [--into DIR] [--dry-run]``: combine the baselines folders that
the shards of a split suite recorded into the repository's folder, losing and duplicating nothing.

Each shard of ``pytest --ov-update-baselines --splits N --group K`` (pytest-split) starts from a copy
of the repository's folder and changes only its own tests' entries; the three-way rule that takes
every change and refuses contradicting ones is :mod:`pytest_ovbench.baselines.merging`. Here: the
folders are checked and read (``snapshot.load_folder``: every file parsed and every entry
validated), everything is computed, and only then are the files written, each through
``store.write_entries`` (locked, atomic). A conflict, a missing shard folder or a malformed file
writes nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_ovbench.baselines.merging import Change, Conflict, MergePlan, plan_merge
from pytest_ovbench.baselines.store import MAX_FILE_BYTES, Entries, dump_entries, write_entries
from pytest_ovbench.cli.snapshot import CliError, Ref, Snapshot, load_folder
from pytest_ovbench.report.escaping import printable

__all__ = ["add_merge_baselines_command", "run_merge_baselines"]

MAX_CONFLICTS_SHOWN = 20

_DESCRIPTION = (
    "Merge the baselines folders recorded by the shards of a split suite (pytest --ov-update-baselines "
    "--splits N --group K, each run in a copy of the repository) into the repository's folder. Every "
    "entry a shard added or changed is taken; entries no shard changed are kept. Two shards that "
    "changed one entry differently: refused, nothing written."
)


def add_merge_baselines_command(commands: Any) -> None:
    """Register ``merge-baselines`` on ``ovbench``'s subparsers."""
    parser = commands.add_parser(
        "merge-baselines",
        help="merge the baselines folders of a split suite's shards into the repository's",
        description=_DESCRIPTION,
        epilog="Exit codes: 0 merged (or nothing to merge), 1 a conflict, or a folder or file that cannot "
        "be used (nothing written); 2 bad arguments.",
    )
    parser.add_argument(
        "shards",
        nargs="+",
        metavar="SHARD",
        help="a shard's baselines folder (its artifact, unpacked), relative to --rootdir",
    )
    parser.add_argument(
        "--into",
        metavar="DIR",
        help="the folder the shards were copied from and are merged into, relative to --rootdir "
        "(default: --dir, baselines)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    parser.add_argument(
        "--rootdir",
        default=argparse.SUPPRESS,
        type=Path,
        metavar="DIR",
        help="project root that folders are relative to (default: .)",
    )
    parser.set_defaults(run=run_merge_baselines)


def run_merge_baselines(args: argparse.Namespace) -> int:
    root = Path(args.rootdir)
    into_name = str(args.into if args.into is not None else args.dir)
    into = root / into_name
    shard_folders = [(name, root / name) for name in args.shards]
    for name, folder in shard_folders:
        _check_shard(name, folder)
    _check_into(into_name, into)
    base = load_folder(into) if into.exists() else {}
    shards = [(name, load_folder(folder)) for name, folder in shard_folders]
    plan = plan_merge(base, shards)
    if plan.conflicts:
        raise CliError(conflict_message(plan.conflicts))
    check_sizes(base, plan.changes)
    if not args.dry_run:
        _write(into, plan.changes)
    print("\n".join(summary_lines(into_name, plan, shards, base, written=not args.dry_run)))
    return 0


def _check_shard(name: str, folder: Path) -> None:
    if folder.is_dir():
        return
    problem = "is not a folder" if folder.exists() else "does not exist"
    raise CliError(
        f"shard folder {printable(name)} {problem}; nothing written. To fix: pass the baselines folder each "
        "shard's `pytest --ov-update-baselines` run wrote (its artifact, unpacked), relative to --rootdir."
    )


def _check_into(name: str, folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise CliError(
            f"--into {printable(name)} is not a folder; nothing written. To fix: pass the repository's "
            "baselines folder (the one the shards were copied from)."
        )


def conflict_message(conflicts: Sequence[Conflict[Ref]]) -> str:
    """The refusal: each conflicting entry with the shards on each side, and the way out."""
    count = len(conflicts)
    lines = [f"{_entries(count)} changed differently by different shards (a vs b); nothing written:"]
    for conflict in sorted(conflicts, key=lambda c: c.key)[:MAX_CONFLICTS_SHOWN]:
        sides = " vs ".join(", ".join(names) for names in conflict.groups)
        lines.append(printable(f"  {conflict.key.label()}: {sides}"))
    if count > MAX_CONFLICTS_SHOWN:
        lines.append(f"  ... and {count - MAX_CONFLICTS_SHOWN} more")
    lines.append(
        "To fix: each test must run in exactly one shard (the same --splits N and durations file on "
        "every runner, each shard a fresh copy of the repository's folder); re-record those tests, or "
        "merge only the shards whose figures you want."
    )
    return "\n".join(lines)


def check_sizes(base: Snapshot, changes: Sequence[Change[Ref]]) -> None:
    """CliError if a changed file would be too big to read back: found before anything is written."""
    files: dict[str, Entries] = {change.key.file: {} for change in changes}
    for ref, entry in [*base.items(), *((change.key, change.entry) for change in changes)]:
        if ref.file in files:
            files[ref.file].setdefault(ref.test, {}).setdefault(ref.measurement, {})[ref.env] = entry
    for file, entries in files.items():
        size = len(dump_entries(entries).encode("utf-8"))
        if size > MAX_FILE_BYTES:
            raise CliError(
                f"{printable(file)} would be {size:,} bytes after the merge, over the {MAX_FILE_BYTES:,} "
                "bytes a baseline file may hold; nothing written. To fix: remove entries no test uses "
                "(ovbench prune) first, or split the test module."
            )


def _write(into: Path, changes: Sequence[Change[Ref]]) -> None:
    updates: dict[str, dict[tuple[str, str, str], dict[str, Any] | None]] = {}
    for change in changes:
        ref = change.key
        updates.setdefault(ref.file, {})[(ref.test, ref.measurement, ref.env)] = change.entry
    for file, entries in sorted(updates.items()):
        write_entries(into / file, entries)


def summary_lines(
    into_name: str,
    plan: MergePlan[Ref],
    shards: Sequence[tuple[str, Snapshot]],
    base: Snapshot,
    written: bool,
) -> list[str]:
    """Per file the entries added and updated (each with the shards it came from), then the totals."""
    plural = "s" if len(shards) != 1 else ""
    lines = [printable(f"merging {len(shards)} shard folder{plural} into {into_name}")]
    if not base and plan.changes:
        lines.append(printable(f"  note: {into_name} holds no baseline entries: every entry is new"))
    empty = [name for name, snapshot in shards if not snapshot]
    lines += [printable(f"  note: shard {name} holds no baseline entries") for name in empty]
    base_files = {ref.file for ref in base}
    for file in sorted({change.key.file for change in plan.changes}):
        changes = sorted((c for c in plan.changes if c.key.file == file), key=lambda c: c.key)
        added = sum(change.added for change in changes)
        new = "" if file in base_files else " (new file)"
        lines.append(printable(f"  {file}{new}: {added} added, {len(changes) - added} updated"))
        lines += [_change_line(change) for change in changes]
    return [*lines, _totals(plan, written)]


def _change_line(change: Change[Ref]) -> str:
    verb = "added  " if change.added else "updated"
    return printable(f"    {verb} {change.key.label()}  (from {', '.join(change.shards)})")


def _totals(plan: MergePlan[Ref], written: bool) -> str:
    if not plan.changes:
        return f"nothing to merge: no shard changed an entry; {_kept(plan.unchanged)}"
    added = sum(change.added for change in plan.changes)
    files = len({change.key.file for change in plan.changes})
    outcome = f"wrote {files} file{'s' if files != 1 else ''}" if written else "dry run: nothing written"
    return f"{added} added, {len(plan.changes) - added} updated, {_kept(plan.unchanged)}; {outcome}"


def _kept(count: int) -> str:
    return f"{_entries(count)} kept as {'it was' if count == 1 else 'they were'}"


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"
