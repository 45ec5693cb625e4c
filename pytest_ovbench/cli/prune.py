"""``ovbench prune``: remove the entries of tests that ``pytest --collect-only`` no longer finds.

Collection runs in a subprocess (no pytest import here). Nothing is pruned when collection fails,
reports errors or deselects tests; a module that was not collected keeps its entries unless its
file is gone.

Test ids may depend on the machine (a test parametrized by the devices found), so a test that is
not collected here may exist on another runner. Prune therefore removes only the entries of this
machine's hardware classes (the environment key this machine gives each device named in the
entries, worked out by OpenVINO in a subprocess), unless ``--class KEY`` names the classes or
``--all-classes`` says every class; the output says which, and lists the classes' entries that
would go (``--dry-run``) or went, and those kept because they are another class's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_ovbench.baselines.store import module_file, write_entries
from pytest_ovbench.cli.snapshot import CliError, Ref, Snapshot, baselines_folder, load_folder, module_of
from pytest_ovbench.runtime.environment import SEPARATOR, is_classified

__all__ = [
    "ClassScope",
    "class_scope",
    "collect_nodeids",
    "collection_problem",
    "machine_classes",
    "parse_collection",
    "partly_selected_modules",
    "plan_prune",
    "run_prune",
]

_COLLECT_TIMEOUT_S = 600
_CLASSES_TIMEOUT_S = 300

# Run by sys.executable: this machine's environment key for each device named in argv[1] (JSON).
_CLASSES_SCRIPT = """
import json, sys
import openvino
from pytest_ovbench.runtime.environment import environment_key
core = openvino.Core()
print(json.dumps({device: environment_key(core, device) for device in json.loads(sys.argv[1])}))
"""


@dataclass(frozen=True)
class Removal:
    """One entry to remove: where it lives, the node id it stood for, and why it goes."""

    ref: Ref
    nodeid: str
    reason: str


@dataclass(frozen=True)
class ClassScope:
    """Whose entries prune may remove: the hardware classes (environment keys) in ``keys``, or
    every class when ``keys`` is None; ``how`` says for the output how they were chosen."""

    keys: frozenset[str] | None
    how: str

    def covers(self, env: str) -> bool:
        return self.keys is None or env in self.keys


def run_prune(args: argparse.Namespace) -> int:
    folder, rootdir = baselines_folder(args), Path(args.rootdir)
    snapshot = load_folder(folder, validate=False)  # a hand-edited entry must not block pruning
    collected = collect_nodeids(rootdir, args.pytest_args)
    partial = partly_selected_modules(rootdir, args.pytest_args)
    stale, kept_files = plan_prune(snapshot, folder, rootdir, collected, partial)
    scope = class_scope(args, {removal.ref.env for removal in stale})
    removals = [removal for removal in stale if scope.covers(removal.ref.env)]
    print(f"pruning the entries of {scope.how}")
    verb = "would remove" if args.dry_run else "removed"
    for removal in removals:
        print(f"{verb} {removal.nodeid} {removal.ref.measurement!r} [{removal.ref.env}]  ({removal.reason})")
    if not args.dry_run:
        apply_prune(folder, removals)
    for file in kept_files:
        print(f"kept {file}: its module {module_of(file)} was not collected with these arguments but exists")
    spared = [removal for removal in stale if not scope.covers(removal.ref.env)]
    for line in class_lines(verb, removals, spared):
        print(line)
    print(prune_summary(len(removals), len(snapshot), args.dry_run))
    return 0


def class_scope(args: argparse.Namespace, envs: set[str]) -> ClassScope:
    """The classes ``--all-classes`` / ``--class`` name, else this machine's (for the devices in ``envs``)."""
    if args.all_classes:
        return ClassScope(None, "every hardware class (--all-classes)")
    if args.classes:
        named = ", ".join(repr(key) for key in args.classes)
        return ClassScope(frozenset(args.classes), f"the hardware classes given with --class only: {named}")
    if not envs:  # nothing looks stale: no need to ask OpenVINO
        return ClassScope(frozenset(), "this machine's hardware classes only")
    devices = sorted({env.split(SEPARATOR)[0] for env in envs})
    keys = sorted(key for key in set(machine_classes(devices).values()) if is_classified(key))
    named = ", ".join(repr(key) for key in keys) or "none (no device of these entries is on this machine)"
    return ClassScope(
        frozenset(keys),
        f"this machine's hardware classes only: {named} (another runner's tests may be collected only "
        "there; --class KEY or --all-classes prune others)",
    )


def class_lines(verb: str, removals: Sequence[Removal], spared: Sequence[Removal]) -> list[str]:
    """Per hardware class: how many entries go, and how many stale-looking ones stay as another's."""
    lines = [f"{verb} {count} {_entries(count)} of class {env!r}" for env, count in _by_class(removals)]
    lines += [
        f"kept {count} {_entries(count)} of class {env!r} whose tests were not collected here: another "
        "runner's (prune there, or pass --class or --all-classes)"
        for env, count in _by_class(spared)
    ]
    return lines


def _by_class(removals: Iterable[Removal]) -> list[tuple[str, int]]:
    return sorted(Counter(removal.ref.env for removal in removals).items())


def _entries(count: int) -> str:
    return "entry" if count == 1 else "entries"


def machine_classes(devices: Sequence[str]) -> dict[str, str]:
    """This machine's environment key for each device, from OpenVINO run in a subprocess (this
    tool imports no OpenVINO); CliError (prune nothing) when it cannot run."""
    package_parent = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-c", _CLASSES_SCRIPT, json.dumps(list(devices))]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=_CLASSES_TIMEOUT_S,
            env={**os.environ, "PYTHONPATH": path},
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        raise _no_classes(str(error)) from None
    keys = _last_json_line(done.stdout) if done.returncode == 0 else None
    if isinstance(keys, dict) and all(isinstance(keys.get(device), str) for device in devices):
        return {device: str(keys[device]) for device in devices}
    errors = done.stderr.strip().splitlines()
    raise _no_classes(errors[-1] if errors else f"exit code {done.returncode}, output {done.stdout!r}")


def _last_json_line(stdout: str) -> object:
    try:
        return json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def _no_classes(reason: str) -> CliError:
    return CliError(
        f"cannot tell this machine's hardware classes (OpenVINO in a subprocess: {reason}); nothing "
        "pruned. To fix: run prune where OpenVINO runs, or name the classes to prune with --class KEY "
        "(as `ovbench list` shows them), or --all-classes"
    )


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
