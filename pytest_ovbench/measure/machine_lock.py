"""One measurement at a time on a machine, whoever schedules the tests.

Two measurements at once distort each other. pytest-xdist's ``--dist loadgroup`` is asked to keep
ovbench tests on one worker (plugin/xdist.py), but a scheduler we do not control can stop doing that (it
did, with pytest 9.2), and a second pytest job on the same runner has no scheduler in common with
this one. So every measurement (compiling, measuring, confirming) holds an exclusive ``flock`` on
one machine-wide file, ``/tmp/pytest-ovbench-measure.lock`` by default: whatever ``TMPDIR`` each
process has, they all find the same file. A waiting process polls, reports how long it waited, and
after ``timeout`` seconds gives up with a message naming the holder (its pid and test, written into
the file while held). The file is left in place: deleting it while another process waits on it
would let a third one in beside the holder. Windows has no flock: there the lock is not taken and
the result says so.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from pytest_ovbench.errors import OvbenchError

DEFAULT_PATH = Path("/tmp/pytest-ovbench-measure.lock")
DEFAULT_TIMEOUT_S = 600.0
POLL_S = 0.05


class MeasureLockError(OvbenchError):
    """The lock could not be opened, or another measurement held it for longer than the timeout."""


class MeasureLock:
    """``with lock.held(label) as waited:`` around one measurement; ``waited()`` is the seconds it
    waited for another measurement on this machine to finish (None: no lock on this platform)."""

    def __init__(self, path: Path | None = DEFAULT_PATH, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.path = path  # None: switched off (--ov-measure-lock=off)
        self.timeout_s = timeout_s

    @contextlib.contextmanager
    def held(self, label: str) -> Iterator[float | None]:
        if self.path is None or sys.platform == "win32":
            yield None
            return
        descriptor = self._open()
        try:
            self._check_regular(descriptor)
            waited = self._acquire(descriptor)
            _write_holder(descriptor, label)
            yield waited
        finally:
            os.close(descriptor)  # closing releases the flock

    def _open(self) -> int:
        assert self.path is not None
        flags = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            try:
                return os.open(self.path, os.O_RDWR | flags)
            except FileNotFoundError:
                descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | flags, 0o666)
                with contextlib.suppress(OSError):
                    os.fchmod(descriptor, 0o666)  # other users' jobs on this runner take it too
                return descriptor
            except PermissionError:  # another user's file without write access: flock still works
                return os.open(self.path, os.O_RDONLY | flags)
        except OSError as error:
            raise MeasureLockError(
                f"cannot open the machine-wide measurement lock {self.path}: "
                f"{error.strerror or error}. Remove it if it is not a regular file, or choose another "
                "with --ov-measure-lock=PATH (ini ov_measure_lock); every job on this machine must use "
                "the same one"
            ) from None

    def _check_regular(self, descriptor: int) -> None:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise MeasureLockError(
                f"the machine-wide measurement lock {self.path} is not a regular file: remove it, or "
                "choose another with --ov-measure-lock=PATH (ini ov_measure_lock)"
            )

    def _acquire(self, descriptor: int) -> float:
        import fcntl

        start = time.monotonic()
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return time.monotonic() - start
            except BlockingIOError:
                if time.monotonic() - start >= self.timeout_s:
                    raise MeasureLockError(self._timeout_message()) from None
                time.sleep(POLL_S)

    def _timeout_message(self) -> str:
        return (
            f"waited {self.timeout_s:g} s for the machine-wide measurement lock {self.path}, held by "
            f"{holder(self.path)}. Another measurement on this machine has not finished: wait for it, "
            "stop it, or raise --ov-measure-lock-timeout"
        )


def _write_holder(descriptor: int, label: str) -> None:
    """Who holds the lock, for the message of whoever waits too long (best effort)."""
    with contextlib.suppress(OSError):
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"pid {os.getpid()}: {label}\n".encode(errors="replace")[:512], 0)


def holder(path: Path | None) -> str:
    """What the holder wrote into the lock file, or that it is unknown."""
    if path is None:
        return "nobody"
    try:
        with path.open("rb") as stream:
            text = stream.read(512).decode(errors="replace").strip()
    except OSError:
        text = ""
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return printable or "an unknown process"
