"""Atomic file writing: a temp file in the target's folder, fsynced, then ``os.replace``-d onto it.

Readers see the old file or the new one, never half of one, and a run killed mid-write leaves the
old file whole. The temp file's name is short whatever the target's (the start of the target's
name, a hash of all of it, the writer's pid: at most ~140 bytes), so any valid file name can be
written, and it carries the pid so the next write to that target removes the temp files of
writers that died mid-write. Plain Python: no pytest, no OpenVINO.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import sys
from pathlib import Path

__all__ = ["remove_stale_temporaries", "temporary_path", "write_atomically"]

_NAME_CHARS = 24  # of the target's name, so a person can tell whose temp file it is
_WRITER = re.compile(r"(\d{1,10})-[0-9a-f]{8}\.tmp")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically; OSError if that fails.

    The folder must exist. The temp file sits next to ``path`` (``os.replace`` needs one file
    system) and its name ends in ``.tmp``, so one left by a killed run is never mistaken for the
    real file (a baseline ``.yaml``, a report). It is removed if anything fails, and those of
    dead writers to ``path`` are removed first.
    """
    remove_stale_temporaries(path)
    temporary = temporary_path(path)
    try:
        _write_synced(temporary, text)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):  # already gone after a successful replace
            temporary.unlink()


def temporary_path(path: Path) -> Path:
    """A fresh temp file name beside ``path`` for this process: ``.NAME~HASH.PID-RANDOM.tmp``."""
    return path.with_name(f"{_prefix(path)}{os.getpid()}-{secrets.token_hex(4)}.tmp")


def remove_stale_temporaries(path: Path) -> None:
    """Delete the temp files beside ``path`` that writers to ``path`` left when they died.

    Only names this module makes for ``path`` (and the longer ones of earlier versions) whose
    pid is not a live process; best effort, never raises.
    """
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process there
        return
    prefixes = (_prefix(path), f".{path.name}.")
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        for prefix in prefixes:
            writer = _WRITER.fullmatch(name[len(prefix) :]) if name.startswith(prefix) else None
            if writer and not _alive(int(writer.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(path.parent / name)
                break


def _prefix(path: Path) -> str:
    digest = hashlib.sha256(os.fsencode(path.name)).hexdigest()[:12]
    return f".{path.name[:_NAME_CHARS]}~{digest}."


def _alive(pid: int) -> bool:
    if pid <= 0:  # no writer's pid; os.kill(0, ...) would signal our own process group
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # no such process; no such pid at all
        return False
    except OSError:  # PermissionError: another user's process, alive
        return True
    return True


def _write_synced(path: Path, text: str) -> None:
    # O_EXCL: never write through a file someone else created; mode 0o666 lets the umask decide.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    with open(os.open(path, flags, 0o666), "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
