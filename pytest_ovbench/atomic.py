"""Atomic file writing: a temp file in the target's folder, fsynced, then ``os.replace``-d onto it.

Readers see the old file or the new one, never half of one, and a run killed mid-write leaves the
old file whole. Plain Python: no pytest, no OpenVINO.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically; OSError if that fails.

    The folder must exist. The temp file sits next to ``path`` (``os.replace`` needs one file
    system) and its name ends in ``.tmp``, so one left by a killed run is never mistaken for the
    real file (a baseline ``.yaml``, a report). It is removed if anything fails.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        _write_synced(temporary, text)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):  # already gone after a successful replace
            temporary.unlink()


def _write_synced(path: Path, text: str) -> None:
    # O_EXCL: never write through a file someone else created; mode 0o666 lets the umask decide.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    with open(os.open(path, flags, 0o666), "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
