"""``ovbench``: a command-line tool over a baselines folder (also ``python -m pytest_ovbench``).

Commands, each with the common options ``--dir DIR`` (the baselines folder, default ``baselines``)
and ``--rootdir DIR`` (default ``.``; ``--dir`` and folder arguments are resolved against it):

``list [--test SUBSTR] [--env SUBSTR]``
    One row per entry: file, test id, measurement, environment key, date recorded, OpenVINO version
    and the main figure (latency median of a sync entry, throughput of an async one).
``show TEST [--measurement NAME] [--env SUBSTR]``
    Every field of the matching entries: where and with what each was recorded (date, OpenVINO,
    model hash, compiled properties, settings, foreign load) and each metric with its windows.
    TEST is a test id or part of ``module.py::test id``.
``diff A B [--threshold FRACTION]``
    A and B are each a folder or ``git:REV`` (the baselines folder as committed at REV). Prints the
    entries only in A (removed), only in B (added), and the changed figures of entries in both,
    each marked "worse" or "better"; also changed OpenVINO versions, model hashes and properties.
``prune [--dry-run] [-- PYTEST_ARGS...]``
    Removes the entries of tests that no longer exist, as found by ``pytest --collect-only`` run in
    a subprocess. Prunes nothing if collection fails; keeps the entries of a module that was not
    collected unless its file is gone.

Exit codes: 0 done (``diff`` is informational), 1 a folder, revision or file cannot be used, or prune
refused; 2 bad arguments. Files are read and written only through :mod:`pytest_ovbench.baselines.store`;
no pytest import (prune runs pytest as a subprocess) and no OpenVINO.
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from pytest_ovbench import __version__
from pytest_ovbench.baselines.entry import validate_entry
from pytest_ovbench.baselines.store import (
    BaselineError,
    BaselineFileError,
    iter_entries,
    load_entries,
    module_file,
    write_entries,
)
from pytest_ovbench.metrics import HIGHER_IS_BETTER, LABELS, METRICS
from pytest_ovbench.report.text import figure, format_table
from pytest_ovbench.runtime.environment import is_classified

__all__ = ["CliError", "main"]

Entry = dict[str, Any]
_GIT_TIMEOUT_S = 120
_COLLECT_TIMEOUT_S = 600
_NO_ENTRY_FIX = "To fix: run `ovbench list` to see the entries there, or check --dir and --rootdir."


class CliError(Exception):
    """A problem the user can fix; the message names the thing and the fix. Exit code 1."""


class Ref(NamedTuple):
    """Where an entry lives: its file (relative to the baselines folder, ``/``-separated) and key."""

    file: str
    test: str
    measurement: str
    env: str

    @property
    def nodeid(self) -> str:
        return f"{module_of(self.file)}::{self.test}"

    def label(self) -> str:
        return f"{self.nodeid} {self.measurement!r} [{self.env}]"


Snapshot = dict[Ref, Entry]
"""Every entry of a baselines folder (on disk or at a git revision)."""


@dataclass(frozen=True)
class Side:
    """One side of ``diff``: a folder (``rev`` None) or the baselines folder at git revision ``rev``."""

    spec: str
    rev: str | None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns the exit code (argparse exits with 2 on bad arguments)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (CliError, BaselineError) as error:
        print(f"ovbench: error: {error}", file=sys.stderr)
        return 1


# Arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ovbench",
        description="Inspect, compare and prune pytest-ovbench baseline files.",
        epilog="Exit codes: 0 done, 1 a folder, revision or file cannot be used, 2 bad arguments.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_common(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_list(commands)
    _add_show(commands)
    _add_diff(commands)
    _add_prune(commands)
    return parser


def _add_common(parser: argparse.ArgumentParser, suppress: str | None = None) -> None:
    parser.add_argument(
        "--dir",
        default=suppress or "baselines",
        help="baselines folder, relative to --rootdir (default: baselines)",
    )
    parser.add_argument(
        "--rootdir",
        default=suppress or ".",
        type=Path,
        metavar="DIR",
        help="project root, pytest's rootdir (default: .)",
    )


def _subparser(commands: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text)
    _add_common(parser, argparse.SUPPRESS)  # given after the command: overrides; else the main default
    return parser


def _add_list(commands: Any) -> None:
    parser = _subparser(commands, "list", "one row per baseline entry, with its main figure")
    parser.add_argument("--test", metavar="SUBSTR", help="only tests whose `module.py::test id` has this")
    parser.add_argument("--env", metavar="SUBSTR", help="only environment keys containing this")
    parser.set_defaults(run=run_list)


def _add_show(commands: Any) -> None:
    parser = _subparser(commands, "show", "every field of the entries of one test")
    parser.add_argument("test", metavar="TEST", help="a test id, or part of `module.py::test id`")
    parser.add_argument("--measurement", metavar="NAME", help="only this measurement")
    parser.add_argument("--env", metavar="SUBSTR", help="only environment keys containing this")
    parser.set_defaults(run=run_show)


def _add_diff(commands: Any) -> None:
    parser = _subparser(commands, "diff", "compare two baselines folders, or one at a git revision")
    for name in ("a", "b"):
        parser.add_argument(
            name, metavar=name.upper(), type=side_type, help="a folder (relative to --rootdir), or git:REV"
        )
    parser.add_argument(
        "--threshold",
        type=fraction_type,
        default=0.0,
        metavar="FRACTION",
        help="hide metric changes smaller than this (0.05 = 5%%; default 0)",
    )
    parser.set_defaults(run=run_diff)


def _add_prune(commands: Any) -> None:
    parser = _subparser(commands, "prune", "remove the entries of tests that no longer exist")
    parser.add_argument("--dry-run", action="store_true", help="print what would be removed, change nothing")
    parser.add_argument(
        "pytest_args", nargs="*", metavar="PYTEST_ARGS", help="after --: arguments for pytest --collect-only"
    )
    parser.set_defaults(run=run_prune)


def side_type(value: str) -> Side:
    """``diff`` side: ``git:REV`` or a folder path."""
    if not value.startswith("git:"):
        return Side(value, None)
    rev = value[len("git:") :]
    if not rev or rev.startswith("-") or rev.isspace():
        raise argparse.ArgumentTypeError(
            f"{value!r} names no git revision; write one after 'git:', e.g. git:HEAD or git:origin/main"
        )
    return Side(value, rev)


def fraction_type(value: str) -> float:
    """``--threshold``: a fraction >= 0."""
    try:
        fraction = float(value)
    except ValueError:
        fraction = math.nan
    if not (math.isfinite(fraction) and fraction >= 0):
        raise argparse.ArgumentTypeError(f"{value!r} is not a fraction >= 0; write e.g. 0.05 for 5%")
    return fraction


# Reading baselines


def module_of(file: str) -> str:
    """Test module of a baseline file: ``tests/test_a.yaml`` -> ``tests/test_a.py`` (inverse of
    :func:`storage.module_file`; a file of a non-``.py`` module such as ``a.txt.yaml`` gives ``a.txt``)."""
    stem = file.removesuffix(".yaml")
    return stem if PurePosixPath(stem).suffix else f"{stem}.py"


def snapshot_of(file: str, entries: dict[str, Any]) -> Snapshot:
    return {Ref(file, *key): entry for key, entry in iter_entries(entries)}


def baselines_folder(args: argparse.Namespace) -> Path:
    return Path(args.rootdir) / str(args.dir)


def load_folder(folder: Path, validate: bool = True) -> Snapshot:
    """Every entry of the ``.yaml`` files under ``folder``; CliError if the folder does not exist."""
    if not folder.is_dir():
        raise CliError(
            f"baselines folder {folder} does not exist. To fix: pass --dir (relative to --rootdir) "
            "naming the folder that holds the baseline .yaml files, or record some with "
            "`pytest --ov-update-baselines`."
        )
    snapshot: Snapshot = {}
    for path in sorted(folder.rglob("*.yaml")):
        entries = load_entries(path, validate_entry if validate else None)
        snapshot.update(snapshot_of(path.relative_to(folder).as_posix(), entries))
    return snapshot


def parse_text(data: bytes, label: str, scratch: Path) -> dict[str, Any]:
    """Entries of a baseline file's content, read by storage's own safe loader via a scratch file;
    errors name ``label`` (e.g. ``HEAD:baselines/tests/test_a.yaml``) instead of the scratch file."""
    path = scratch / "entries.yaml"
    path.write_bytes(data)
    try:
        return load_entries(path, validate_entry)
    except BaselineFileError as error:
        raise BaselineFileError(Path(label), error.line, error.reason, error.fix) from None


# git


def git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=_GIT_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CliError(f"git could not run in {cwd}: {error}. To fix: install git, put it on PATH.") from None


def git_toplevel(rootdir: Path) -> Path:
    done = git(["rev-parse", "--show-toplevel"], rootdir)
    if done.returncode != 0:
        raise CliError(
            f"{rootdir.resolve()} is not inside a git repository, so git:REV has nothing to read. "
            "To fix: pass --rootdir inside the repository, or compare two folders."
        )
    return Path(done.stdout.decode().strip()).resolve()


def check_revision(rev: str, top: Path) -> None:
    done = git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    if done.returncode != 0:
        raise CliError(
            f"git does not know the revision {rev!r} in {top}. To fix: fetch it first "
            "(e.g. git fetch origin) or name another one (a branch, tag or commit)."
        )


def folder_in_repo(folder: Path, top: Path) -> str:
    try:
        return folder.resolve().relative_to(top).as_posix()
    except ValueError:
        raise CliError(
            f"baselines folder {folder} is outside the git repository {top}. To fix: pass --rootdir "
            "and --dir naming a folder inside it."
        ) from None


def revision_files(rev: str, prefix: str, top: Path) -> list[str]:
    """The ``.yaml`` files under ``prefix`` at ``rev``, as paths from the repository top."""
    done = git(["ls-tree", "-r", "--name-only", "-z", rev, "--", prefix], top)
    if done.returncode != 0:
        raise CliError(f"git ls-tree {rev} failed in {top}: {done.stderr.decode(errors='replace').strip()}")
    names = [name.decode("utf-8", "surrogateescape") for name in done.stdout.split(b"\0") if name]
    files = [name for name in names if name.endswith(".yaml")]
    if not files:
        raise CliError(
            f"revision {rev} has no baselines folder {prefix!r} (no .yaml files under it) in {top}. "
            "To fix: check --dir, or pick a revision that has baselines."
        )
    return files


def load_revision(rev: str, folder: Path, rootdir: Path) -> Snapshot:
    """Every entry of the baselines folder as it is at git revision ``rev``."""
    top = git_toplevel(rootdir)
    check_revision(rev, top)
    prefix = folder_in_repo(folder, top)
    snapshot: Snapshot = {}
    with tempfile.TemporaryDirectory(prefix="ovbench-") as scratch:
        for name in revision_files(rev, prefix, top):
            done = git(["show", f"{rev}:{name}"], top)
            if done.returncode != 0:
                raise CliError(
                    f"git show {rev}:{name} failed: {done.stderr.decode(errors='replace').strip()}"
                )
            entries = parse_text(done.stdout, f"{rev}:{name}", Path(scratch))
            relative = PurePosixPath(name).relative_to(prefix) if prefix != "." else PurePosixPath(name)
            snapshot.update(snapshot_of(relative.as_posix(), entries))
    return snapshot


# Figures


def main_metric(entry: Entry) -> str:
    return "throughput" if entry.get("mode") == "async" else "median"


def metric_text(name: str, value: float) -> str:
    return f"{figure(value)} {LABELS[name][1]}" if name in LABELS else figure(value)


def main_figure(entry: Entry) -> str:
    """'median 5.412 ms' for a sync entry, 'throughput 182.3 inf/s' for an async one."""
    name = main_metric(entry)
    metric = entry.get("metrics", {}).get(name)
    return "-" if metric is None else f"{name} {metric_text(name, float(metric['value']))}"


def short_version(entry: Entry) -> str:
    version = entry.get("openvino")
    return str(version).split("-")[0] if version else "-"


# list


def run_list(args: argparse.Namespace) -> int:
    snapshot = load_folder(baselines_folder(args))
    refs = [r for r in sorted(snapshot) if _has(r.nodeid, args.test) and _has(r.env, args.env)]
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


def _has(text: str, part: str | None) -> bool:
    return part is None or part in text


LEGACY_NOTE = (
    "recorded before hardware classes: never used for a verdict; re-record on each kind of runner "
    "(pytest --ov-update-baselines)"
)


def list_row(ref: Ref, entry: Entry) -> list[str]:
    recorded = str(entry.get("recorded") or "-")
    env = ref.env if is_classified(ref.env) else f"{ref.env} *"
    return [ref.file, ref.test, ref.measurement, env, recorded, short_version(entry), main_figure(entry)]


# show


def run_show(args: argparse.Namespace) -> int:
    snapshot = load_folder(baselines_folder(args))
    refs = [r for r in sorted(snapshot) if matches_test(r, args.test)]
    refs = [r for r in refs if args.measurement in (None, r.measurement) and _has(r.env, args.env)]
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
        message += " Close test ids: " + ", ".join(close) + "."
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
    lines = [ref.label(), *(f"  {name:<14}{'-' if value is None else value}" for name, value in fields)]
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
    label = LABELS.get(name, (name, ""))[0]
    windows = [float(v) for v in metric.get("windows", [])]
    spread = f"{len(windows)} windows, {figure(min(windows))}..{figure(max(windows))}" if windows else ""
    unit = LABELS.get(name, ("", ""))[1]
    return f"    {label:<17}{figure(float(metric['value'])):>9} {unit:<7}{spread}".rstrip()


# diff


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
    lines = _section("removed (only in A)", (f"  - {ref.label()}" for ref in removed))
    lines += _section("added (only in B)", (f"  + {ref.label()}" for ref in added))
    lines += _section("changed", (line for ref, found in changed for line in [f"  {ref.label()}", *found]))
    unchanged = len(before.keys() & after.keys()) - len(changed)
    counts = f"{len(removed)} removed, {len(added)} added, {len(changed)} changed, {unchanged} unchanged"
    return [*lines, "", counts + (f" (metric changes under {threshold:.1%} hidden)" if threshold else "")]


def _section(title: str, lines: Iterable[str]) -> list[str]:
    body = list(lines)
    return ["", f"{title}:", *body] if body else []


def entry_changes(before: Entry, after: Entry, threshold: float) -> list[str]:
    """What differs between two versions of one entry, one indented line each."""
    lines = [
        f"    {field:<18}{before.get(field)} -> {after.get(field)}"
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
    return [f"    property {key}: {before.get(key, '-')} -> {after.get(key, '-')}" for key in keys]


def metric_change(name: str, value_a: float, value_b: float, threshold: float) -> str | None:
    """'latency median    5.412 ms -> 6.873 ms  (+27.0%, worse)', or None if hidden."""
    change = (value_b - value_a) / value_a
    if change == 0 or abs(change) < threshold:
        return None
    worse = change < 0 if name in HIGHER_IS_BETTER else change > 0
    label = LABELS[name][0]
    figures = f"{metric_text(name, value_a)} -> {metric_text(name, value_b)}"
    return f"    {label:<18}{figures}  ({change:+.1%}, {'worse' if worse else 'better'})"


# prune


@dataclass(frozen=True)
class Removal:
    ref: Ref
    nodeid: str
    reason: str


def run_prune(args: argparse.Namespace) -> int:
    folder, rootdir = baselines_folder(args), Path(args.rootdir)
    snapshot = load_folder(folder, validate=False)  # a hand-edited entry must not block pruning
    collected = collect_nodeids(rootdir, args.pytest_args)
    partial = partly_selected_modules(rootdir, args.pytest_args)
    removals, kept_files = plan_prune(snapshot, folder, rootdir, collected, partial)
    for removal in removals:
        verb = "would remove" if args.dry_run else "removed"
        print(f"{verb} {removal.nodeid} {removal.ref.measurement!r} [{removal.ref.env}]  ({removal.reason})")
    if not args.dry_run:
        apply_prune(folder, removals)
    for file in kept_files:
        print(f"kept {file}: its module {module_of(file)} was not collected with these arguments but exists")
    print(prune_summary(len(removals), len(snapshot), args.dry_run))
    return 0


def prune_summary(removed: int, checked: int, dry_run: bool) -> str:
    if not removed:
        return f"nothing to prune: {checked} entries checked"
    if dry_run:
        return f"{removed} of {checked} entries would be removed (dry run: no file changed)"
    return f"{removed} of {checked} entries removed"


def collect_nodeids(rootdir: Path, pytest_args: Sequence[str]) -> set[str]:
    """The node ids ``pytest --collect-only`` finds in ``rootdir``; CliError (prune nothing) when
    collection fails, reports errors or deselects tests, or its output cannot be read."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    command += [f"--rootdir={rootdir.resolve()}", *pytest_args]
    try:
        done = subprocess.run(
            command, cwd=rootdir, capture_output=True, text=True, check=False, timeout=_COLLECT_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CliError(f"could not run pytest collection in {rootdir}: {error}; nothing pruned.") from None
    nodeids = parse_collection(done.stdout)
    summary = next((line for line in reversed(done.stdout.splitlines()) if line.strip()), "")
    problem = collection_problem(done.returncode, summary, nodeids)
    if problem:
        output = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise CliError(f"{problem}\n$ {shlex.join(command)}\n{output}")
    return nodeids


def parse_collection(stdout: str) -> set[str]:
    """Node ids from ``pytest --collect-only -q``: the ``path::test`` lines before the first blank one."""
    nodeids: set[str] = set()
    for line in stdout.splitlines():
        if not line.strip():
            break
        if "::" in line and not line.startswith(" "):
            nodeids.add(line.strip())
    return nodeids


def collection_problem(returncode: int, summary: str, nodeids: set[str]) -> str | None:
    """Why a collection cannot be trusted to say which tests exist (with the fix), or None."""
    if returncode not in (0, 5):
        return (
            f"pytest collection failed (exit code {returncode}); nothing pruned. To fix: make "
            "`python -m pytest --collect-only` pass (its output is below), then prune again."
        )
    if re.search(r"\b\d+ errors?\b", summary):
        return (
            f"pytest collection reported errors ({summary.strip('= ')}); nothing pruned. "
            "To fix: fix them (the output is below), then prune again."
        )
    if "deselected" in summary:
        return (
            "pytest deselected tests (-k, -m or a plugin), whose entries would look stale; nothing "
            "pruned. To fix: select tests by path only, or not at all, then prune again."
        )
    if returncode == 0 and not nodeids:
        return (
            "no node ids could be read from pytest's output (-v or -qq in addopts?); nothing pruned. "
            "To fix: pass PYTEST_ARGS that undo it (e.g. `-- -o addopts=`), then prune again."
        )
    return None


def partly_selected_modules(rootdir: Path, pytest_args: Sequence[str]) -> set[str]:
    """Modules named as ``module.py::test`` in PYTEST_ARGS: only some of their tests are collected."""
    modules: set[str] = set()
    for arg in pytest_args:
        if "::" in arg and not arg.startswith("-"):
            path = (rootdir / arg.partition("::")[0]).resolve()
            try:
                modules.add(path.relative_to(rootdir.resolve()).as_posix())
            except ValueError:
                continue
    return modules


def plan_prune(
    snapshot: Snapshot, folder: Path, rootdir: Path, collected: set[str], partial: set[str]
) -> tuple[list[Removal], list[str]]:
    """Entries to remove, and the baseline files kept because their module exists but was not collected."""
    modules = {nodeid.partition("::")[0] for nodeid in collected} - partial
    by_file = {file: module for module in modules if (file := baseline_file(folder, module))}
    removals: list[Removal] = []
    kept: set[str] = set()
    for ref in sorted(snapshot):
        module = by_file.get(ref.file)
        if module is not None:
            if f"{module}::{ref.test}" not in collected:
                removals.append(Removal(ref, f"{module}::{ref.test}", "test no longer collected"))
        elif module_exists(rootdir, ref.file):
            kept.add(ref.file)
        else:
            removals.append(Removal(ref, ref.nodeid, f"module {module_of(ref.file)} no longer exists"))
    return removals, sorted(kept)


def baseline_file(folder: Path, module: str) -> str | None:
    """Path of ``module``'s baseline file relative to ``folder``, None for a module outside rootdir."""
    try:
        return module_file(folder, module).relative_to(folder).as_posix()
    except ValueError:
        return None


def module_exists(rootdir: Path, file: str) -> bool:
    stem = file.removesuffix(".yaml")
    return any((rootdir / candidate).is_file() for candidate in (f"{stem}.py", stem))


def apply_prune(folder: Path, removals: Sequence[Removal]) -> None:
    by_file: dict[str, dict[tuple[str, str, str], None]] = {}
    for removal in removals:
        ref = removal.ref
        by_file.setdefault(ref.file, {})[(ref.test, ref.measurement, ref.env)] = None
    for file, updates in by_file.items():
        write_entries(folder / file, updates)
