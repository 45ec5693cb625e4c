"""Baseline storage: one YAML file per test module under the baselines folder. The public API.

Data model, every key a string::

    test id -> measurement name -> environment key -> entry (a mapping owned by the caller)

Reading takes regular files of at most MAX_FILE_BYTES only (``reading.py``) and builds plain data
with SafeLoader after checking every parser event (``yaml_check.py``, ``yaml_loading.py``), so a
baseline file can never run code, hang or exhaust memory. Writing merges updates into the file
under an exclusive lock beside it (``locking.py``) and replaces the file atomically
(:mod:`pytest_ovbench.atomic`), so parallel writers lose no entry and a run killed mid-write leaves
the old file whole; the text comes from ``dumping.py``. Plain Python: no pytest, no OpenVINO.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from pytest_ovbench.atomic import write_atomically
from pytest_ovbench.baselines.dumping import SIGNIFICANT_DIGITS, dump_entries, plain
from pytest_ovbench.baselines.errors import (
    BaselineError,
    BaselineFileError,
    BaselineWriteError,
    os_reason,
)
from pytest_ovbench.baselines.locking import LOCK_TIMEOUT_S, exclusive_lock
from pytest_ovbench.baselines.reading import MAX_FILE_BYTES, check_size, decode, read_text
from pytest_ovbench.baselines.yaml_check import (
    FORMAT_VERSION,
    Entries,
    EntryKey,
    EntryValidator,
    iter_entries,
    parse_text,
)
from pytest_ovbench.baselines.yaml_loading import MAX_DEPTH

__all__ = [
    "FORMAT_VERSION",
    "LOCK_TIMEOUT_S",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "SIGNIFICANT_DIGITS",
    "BaselineError",
    "BaselineFileError",
    "BaselineWriteError",
    "Entries",
    "EntryKey",
    "EntryValidator",
    "dump_entries",
    "iter_entries",
    "load_entries",
    "module_file",
    "parse_entries",
    "write_entries",
]


def module_file(baselines_dir: Path, module_relpath: str) -> Path:
    """The baseline file for a test module: ``tests/test_models.py`` -> ``tests/test_models.yaml``.

    ``module_relpath`` is the module path relative to pytest's rootdir with ``/`` separators (the
    part of a node id before ``::``). A non-``.py`` path gets ``.yaml`` appended. Absolute paths
    and ``..`` components raise ValueError, so a crafted node id cannot escape ``baselines_dir``.
    """
    relpath = PurePosixPath(module_relpath)
    # PureWindowsPath also splits on "\" and sees drives, which Path would honour on Windows.
    windows_path = PureWindowsPath(module_relpath)
    if relpath.is_absolute() or windows_path.anchor or ".." in windows_path.parts:
        raise ValueError(f"module path must be relative and stay inside: {module_relpath!r}")
    if not relpath.parts:
        raise ValueError(f"module path names no file: {module_relpath!r}")
    if relpath.suffix == ".py":
        relpath = relpath.with_suffix(".yaml")
    else:
        relpath = relpath.with_name(f"{relpath.name}.yaml")
    return baselines_dir.joinpath(*relpath.parts)


def load_entries(path: Path, validate_entry: EntryValidator | None = None) -> Entries:
    """Read the baseline file at ``path``; a missing or empty file gives ``{}``.

    Only SafeLoader builds the data: a tag that would build a Python object is refused, never
    executed. Anything but a regular file (symlinks resolved), a file over MAX_FILE_BYTES, invalid
    YAML, anchors or aliases, nesting over MAX_DEPTH, numbers that are not finite floats, duplicate
    keys, a wrong structure or an entry that ``validate_entry`` rejects (with ValueError) raise
    BaselineFileError naming the file and the line or key path.
    """
    return parse_text(path, read_text(path), validate_entry)


def parse_entries(data: str | bytes, source: Path, validate_entry: EntryValidator | None = None) -> Entries:
    """The entries of a baseline file's content, read and checked as :func:`load_entries` reads a file.

    For content that is not on disk (e.g. a file at a git revision). ``source`` is what errors name
    as the file, e.g. ``HEAD:baselines/tests/test_a.yaml``. Bytes must be UTF-8.
    """
    if isinstance(data, str):
        check_size(source, len(data.encode("utf-8", "surrogatepass")))
    text = decode(source, data) if isinstance(data, bytes) else data
    return parse_text(source, text, validate_entry)


def write_entries(path: Path, updates: Mapping[EntryKey, dict[str, Any] | None]) -> None:
    """Merge ``updates`` into the baseline file at ``path``, creating it and its folders if needed.

    A dict replaces the entry under its key, None deletes it (and parents left empty; the file
    itself once no entry remains). Every other entry is kept. The read-merge-write runs under an
    exclusive ``fcntl.flock`` on a lock file beside ``path`` (``locking.py``), so xdist workers,
    CI jobs or containers sharing the folder lose no entry; Windows has no fcntl and gets no lock.
    The file is replaced atomically (temp file, fsync, os.replace). A corrupt existing file raises
    BaselineFileError and is left as it is; OS errors, a lock not released within LOCK_TIMEOUT_S
    and a result over MAX_FILE_BYTES (which could not be read back) raise BaselineWriteError.
    """
    if not updates:
        return
    prepared = _prepare_updates(updates)
    _create_folder(path.parent)
    with exclusive_lock(path):
        old_text = read_text(path)
        entries = parse_text(path, old_text)
        _apply_updates(entries, prepared)
        if not entries:
            _remove_file(path)
            return
        new_text = dump_entries(entries)
        if new_text != old_text:  # leave an unchanged file alone (mtime, inode)
            _check_new_size(path, new_text)
            _replace_file(path, new_text)


def _prepare_updates(
    updates: Mapping[EntryKey, dict[str, Any] | None],
) -> dict[EntryKey, dict[str, Any] | None]:
    """Check keys and turn entries into plain data now, so nothing can fail after the merge."""
    prepared: dict[EntryKey, dict[str, Any] | None] = {}
    for key, entry in updates.items():
        if not (isinstance(key, tuple) and len(key) == 3 and all(isinstance(k, str) for k in key)):
            raise TypeError(f"baseline key must be 3 strings (test, measurement, env), got {key!r}")
        if entry is not None and not isinstance(entry, Mapping):
            raise TypeError(f"baseline entry for {key!r} must be a mapping or None, got {entry!r}")
        prepared[key] = None if entry is None else plain(entry)
    return prepared


def _apply_updates(entries: Entries, updates: Mapping[EntryKey, dict[str, Any] | None]) -> None:
    for (test_id, measurement, env_key), entry in updates.items():
        if entry is None:
            _delete_entry(entries, test_id, measurement, env_key)
        else:
            entries.setdefault(test_id, {}).setdefault(measurement, {})[env_key] = entry


def _delete_entry(entries: Entries, test_id: str, measurement: str, env_key: str) -> None:
    measurements = entries.get(test_id, {})
    environments = measurements.get(measurement, {})
    environments.pop(env_key, None)
    if not environments:
        measurements.pop(measurement, None)
    if not measurements:
        entries.pop(test_id, None)


def _create_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BaselineWriteError(folder, os_reason(error)) from error


def _check_new_size(path: Path, text: str) -> None:
    # Never write a file the next run would refuse to read.
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        raise BaselineWriteError(
            path,
            f"the updated file would be {size:,} bytes, over the {MAX_FILE_BYTES:,} bytes (2 MiB) a "
            "baseline file may hold; the file is left as it was",
            "To fix: delete the entries no test uses any more (`ovbench prune`), or split the test "
            "module so each baseline file holds fewer entries.",
        )


def _remove_file(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise BaselineWriteError(path, os_reason(error)) from error


def _replace_file(path: Path, text: str) -> None:
    # Readers see the old file or the new one, never half of one; the temp file ends in ".tmp",
    # not ".yaml", so one left by a killed run is never read as a baseline.
    try:
        write_atomically(path, text)
    except OSError as error:
        raise BaselineWriteError(path, os_reason(error)) from error
