"""What the commands work on: the entries of a baselines folder, each under its :class:`Ref`.

Also :class:`CliError`, the error every command raises for a problem the user can fix.
"""

from __future__ import annotations

import argparse
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from pytest_ovbench.baselines.entry import validate_entry
from pytest_ovbench.baselines.store import iter_entries, load_entries

__all__ = [
    "CliError",
    "Entry",
    "Ref",
    "Snapshot",
    "baselines_folder",
    "load_folder",
    "module_of",
    "passes_filter",
    "snapshot_of",
]

Entry = dict[str, Any]


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


def module_of(file: str) -> str:
    """Test module of a baseline file: ``tests/test_a.yaml`` -> ``tests/test_a.py`` (inverse of
    :func:`pytest_ovbench.baselines.store.module_file`; a file of a non-``.py`` module such as
    ``a.txt.yaml`` gives ``a.txt``)."""
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


def passes_filter(text: str, part: str | None) -> bool:
    """Whether ``text`` passes a ``--test``/``--env SUBSTR`` filter: no filter, or it contains ``part``."""
    return part is None or part in text
