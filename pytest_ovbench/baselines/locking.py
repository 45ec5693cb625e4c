"""The exclusive lock that serialises read-merge-write of one baseline file across processes.

A ``fcntl.flock`` on a lock file beside the baseline file (``.test_models.yaml.lock``), so every
writer of that file finds the same lock whatever its ``TMPDIR``: xdist workers, two CI jobs or
containers sharing a checkout lose no entry. The holder writes its pid and host into the lock
file and deletes it when done, so none is left beside the baselines. Deleting a lock file others
may wait on is safe because each process, once it has the flock, checks that the file it locked
is still the one at that path, and starts over if not. A lock held longer than
LOCK_TIMEOUT_S is reported (naming the holder) rather than waited on forever. A process that dies
holding the lock releases it with its descriptor; the file it leaves is reused. Windows has no
fcntl and gets no lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from pytest_ovbench.baselines.errors import BaselineWriteError, os_reason

if sys.platform != "win32":
    import fcntl

__all__ = ["LOCK_TIMEOUT_S", "POLL_S", "exclusive_lock", "lock_file"]

LOCK_TIMEOUT_S = 120.0
"""How long a writer waits for another writer of the same baseline file before giving up."""
POLL_S = 0.05

_MAX_NAME_BYTES = 255  # the longest file name common file systems allow
_HOLDER_BYTES = 200
# O_NOFOLLOW: a symlink planted after the check fails the open; O_NONBLOCK: a FIFO cannot hang it
# (anything but a regular file is refused once open).
_OPEN_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
_TIMEOUT_FIX = (
    "To fix: let that update finish, or stop it, then run again (a lock whose holder died is "
    "released by the system, so no file needs deleting)."
)


@contextlib.contextmanager
def exclusive_lock(path: Path, timeout_s: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock of the baseline file ``path`` (its folder must exist).

    Waits up to ``timeout_s`` seconds (default LOCK_TIMEOUT_S, read at call time). BaselineWriteError
    naming the lock file if it times out (with the holder's pid and host), if the lock file is a
    symlink or not a regular file, or if it cannot be opened (with the permission problem).
    """
    if sys.platform == "win32":  # no fcntl: writes are atomic but not serialised
        yield
        return
    lock_path = lock_file(path)
    descriptor = _acquire(lock_path, LOCK_TIMEOUT_S if timeout_s is None else timeout_s)
    try:
        _write_holder(descriptor)
        yield
    finally:
        with contextlib.suppress(OSError):  # still held: see the module docstring
            os.unlink(lock_path)
        os.close(descriptor)


def lock_file(path: Path) -> Path:
    """The lock file of the baseline file ``path``: ``.NAME.lock`` beside it (hashed if too long)."""
    name = f".{path.name}.lock"
    if len(os.fsencode(name)) > _MAX_NAME_BYTES:
        digest = hashlib.sha256(os.fsencode(path.name)).hexdigest()[:16]
        name = f".{path.name[:32]}~{digest}.lock"
    return path.with_name(name)


def _acquire(lock_path: Path, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while True:
        descriptor = _open(lock_path)
        try:
            if not _lock_before(descriptor, deadline):
                reason = (
                    f"waited {timeout_s:g} s for the lock file {lock_path}, held by {_holder(descriptor)}; "
                    "another update of this baseline file has not finished"
                )
                raise BaselineWriteError(lock_path, reason, _TIMEOUT_FIX)
            if _is_current(descriptor, lock_path):
                return descriptor
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)  # the holder deleted that file as we locked it: lock the new one


def _lock_before(descriptor: int, deadline: float) -> bool:
    """Take the flock, polling until ``deadline``; False if it is still held by then."""
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_S)


def _is_current(descriptor: int, lock_path: Path) -> bool:
    try:
        on_disk = os.stat(lock_path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)


def _open(lock_path: Path) -> int:
    if lock_path.is_symlink():
        _refuse(lock_path, "the lock file is a symbolic link")
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | _OPEN_FLAGS, 0o666)
    except PermissionError as error:
        descriptor = _open_read_only(lock_path, error)
    except OSError as error:
        _refuse_unopenable(lock_path, error)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        _refuse(lock_path, "the lock file is not a regular file")
    return descriptor


def _open_read_only(lock_path: Path, denied: PermissionError) -> int:
    # Another user's lock file we may only read: flock works on a read-only descriptor.
    try:
        return os.open(lock_path, os.O_RDONLY | _OPEN_FLAGS)
    except OSError:
        _refuse_unopenable(lock_path, denied)


def _refuse_unopenable(lock_path: Path, error: OSError) -> NoReturn:
    if lock_path.is_symlink():  # planted between the check and the open
        _refuse(lock_path, "the lock file is a symbolic link")
    try:
        status = os.stat(lock_path, follow_symlinks=False)
    except OSError:
        raise BaselineWriteError(
            lock_path,
            f"cannot create the lock file: {os_reason(error)}",
            f"To fix: make the folder {lock_path.parent} writable, or point the ini option "
            "`ov_baselines_dir` at a writable folder.",
        ) from error
    owner = f"owned by uid {status.st_uid}, mode {stat.S_IMODE(status.st_mode):04o}"
    raise BaselineWriteError(
        lock_path,
        f"cannot open the lock file ({owner}): {os_reason(error)}",
        f"To fix: delete {lock_path} if no update is running (it is made again), or let every "
        "user who writes baselines read it.",
    ) from error


def _refuse(lock_path: Path, reason: str) -> NoReturn:
    raise BaselineWriteError(
        lock_path,
        f"{reason}; refused",
        f"To fix: delete {lock_path}; the next update makes a regular lock file there.",
    )


def _write_holder(descriptor: int) -> None:
    """Who holds the lock, for the message of whoever waits too long (best effort)."""
    with contextlib.suppress(OSError):
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)


def _holder(descriptor: int) -> str:
    try:
        text = os.pread(descriptor, _HOLDER_BYTES, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    printable = "".join(character if character.isprintable() else "?" for character in text)
    return printable or "an unknown process"
