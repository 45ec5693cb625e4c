"""The exclusive lock that serialises read-merge-write of one baseline file across processes.

A ``fcntl.flock`` on a lock file in the temporary folder, so xdist workers or CI jobs on one
machine updating the same file lose no entry. Windows has no fcntl and gets no lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pytest_ovbench.baselines.errors import BaselineWriteError, os_reason

if sys.platform != "win32":
    import fcntl

__all__ = ["exclusive_lock"]

_LOCK_FIX = "To fix: make the temporary folder writable, or set TMPDIR to one that is."


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive flock for ``path``; closing the descriptor releases it.

    BaselineWriteError (naming the lock file) if the lock file cannot be opened.
    """
    if sys.platform == "win32":  # no fcntl: writes are atomic but not serialised
        yield
        return
    lock_path = _lock_path(path)
    try:
        descriptor = _open_lock_file(lock_path)
    except OSError as error:
        raise BaselineWriteError(lock_path, os_reason(error), _LOCK_FIX) from error
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _lock_path(path: Path) -> Path:
    # Outside the repo so the baselines folder stays clean; lock files are tiny and never
    # deleted, since deleting one while another process waits on it would break the lock.
    digest = hashlib.sha1(os.fsencode(path.resolve()), usedforsecurity=False).hexdigest()
    return Path(tempfile.gettempdir()) / f"pytest-ovbench-{digest}.lock"


def _open_lock_file(lock_path: Path) -> int:
    # Try without O_CREAT first: Linux's protected_regular refuses O_CREAT on another user's
    # file in /tmp. flock works on a read-only descriptor, so another user's lock file is fine.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(lock_path, flags)
    except FileNotFoundError:
        return os.open(lock_path, flags | os.O_CREAT, 0o666)
