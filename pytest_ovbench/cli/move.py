"""``ovbench mv OLD NEW``: carry a renamed test's baselines over to its new node id.

Every entry of OLD (all its measurements, all hardware classes) moves to NEW, in the same baseline
file or into another module's. The read-check-write runs under the baseline files' locks
(``baselines/locking.py``; two files are locked in a fixed order, so two moves in opposite
directions cannot deadlock) and each file is replaced atomically (:mod:`pytest_ovbench.atomic`).
Between two files the destination is written first: a failure between the two writes leaves the
entries in both places, never in neither.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ovbench.atomic import write_atomically
from pytest_ovbench.baselines.errors import os_reason
from pytest_ovbench.baselines.locking import exclusive_lock
from pytest_ovbench.baselines.store import (
    MAX_FILE_BYTES,
    BaselineWriteError,
    Entries,
    dump_entries,
    load_entries,
    module_file,
)
from pytest_ovbench.cli.snapshot import CliError, baselines_folder
from pytest_ovbench.report.escaping import printable

__all__ = ["NodeId", "node_id_type", "run_move"]


@dataclass(frozen=True)
class NodeId:
    """A pytest node id split where its module path ends: ``tests/test_a.py`` and ``test_x[1]``."""

    module: str
    test: str

    def __str__(self) -> str:
        return f"{self.module}::{self.test}"


def node_id_type(value: str) -> NodeId:
    """``mv`` argument: a node id as pytest prints it, ``tests/test_a.py::test_x``."""
    module, separator, test = value.partition("::")
    if not (separator and module.strip() and test.strip()):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a test's node id; write it as pytest prints it, with the module path "
            "relative to --rootdir, e.g. tests/test_models.py::test_latency[batch1]"
        )
    return NodeId(module, test)


def run_move(args: argparse.Namespace) -> int:
    old, new = args.old, args.new
    if old == new:
        raise CliError(f"{old} and the new id are the same; nothing to move")
    folder = baselines_folder(args)
    if not folder.is_dir():
        raise CliError(
            f"baselines folder {folder} does not exist. To fix: pass --dir (relative to --rootdir)."
        )
    old_path, new_path = _file(folder, old), _file(folder, new)
    if not old_path.is_file():  # checked again under the lock; this spares making folders for nothing
        raise CliError(_nothing_to_move(old, old_path, {}))
    with _locked(old_path, new_path):
        moved = _move(old, new, old_path, new_path, args.force)
    print(f"moved {_entries(len(moved))} of {printable(str(old))} to {printable(str(new))}")
    for measurement, env in moved:
        print(printable(f"  {measurement!r} [{env}]"))
    return 0


def _file(folder: Path, node: NodeId) -> Path:
    try:
        return module_file(folder, node.module)
    except ValueError as error:
        raise CliError(
            f"{printable(str(node))}: {error}; give the module path relative to --rootdir"
        ) from error


@contextlib.contextmanager
def _locked(*paths: Path) -> Iterator[None]:
    """Hold the lock of each distinct baseline file, in sorted order (no deadlock between two mv's)."""
    with contextlib.ExitStack() as stack:
        for path in sorted(set(paths)):
            _make_folder(path.parent)  # the lock file lives beside the baseline file
            stack.enter_context(exclusive_lock(path))
        yield


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BaselineWriteError(folder, os_reason(error)) from error


def _move(old: NodeId, new: NodeId, old_path: Path, new_path: Path, force: bool) -> list[tuple[str, str]]:
    """Move the entries under the held locks; the (measurement, environment) keys moved."""
    source = load_entries(old_path)
    target = source if new_path == old_path else load_entries(new_path)
    carried = source.get(old.test)
    if not carried:
        raise CliError(_nothing_to_move(old, old_path, source))
    if target.get(new.test) and not force:
        raise CliError(
            f"{printable(str(new))} already has {_entries(_entry_count(target[new.test]))} in "
            f"{new_path}; refused, nothing changed. To fix: pass --force to replace them with "
            f"{printable(str(old))}'s, or move them away first (ovbench mv)."
        )
    del source[old.test]
    target[new.test] = carried
    texts = {new_path: _text(new_path, target)}
    if old_path != new_path:
        texts[old_path] = _text(old_path, source)
    for path, text in texts.items():  # the destination first: a failure duplicates, never loses
        _write(path, text)
    return [(measurement, env) for measurement, envs in carried.items() for env in envs]


def _nothing_to_move(old: NodeId, path: Path, entries: Entries) -> str:
    if not entries:
        return (
            f"{printable(str(old))} has no entries: there is no baseline file {path}, or it holds none. "
            "Check the module path (ovbench list shows every test id)."
        )
    close = difflib.get_close_matches(old.test, list(entries), n=3)
    hint = (
        f" Did you mean: {', '.join(printable(f'{old.module}::{name}') for name in close)}?" if close else ""
    )
    listing = " (ovbench list shows every test id)"
    return f"{printable(str(old))} has no entries in {path}; nothing moved.{hint}{listing}"


def _entry_count(measurements: dict[str, Any]) -> int:
    return sum(len(envs) for envs in measurements.values())


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


def _text(path: Path, entries: Entries) -> str | None:
    """The file's new text (None: no entry left, the file goes); refused if it would be too big to read."""
    if not entries:
        return None
    text = dump_entries(entries)
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        raise CliError(
            f"{path} would be {size:,} bytes, over the {MAX_FILE_BYTES:,} bytes a baseline file may hold; "
            "nothing changed. To fix: remove entries no test uses (ovbench prune) first."
        )
    return text


def _write(path: Path, text: str | None) -> None:
    try:
        if text is None:
            path.unlink(missing_ok=True)
        else:
            write_atomically(path, text)
    except OSError as error:
        raise BaselineWriteError(path, os_reason(error)) from error
