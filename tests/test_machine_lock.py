"""The machine-wide measurement lock: one measurement at a time, whoever schedules the tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_ovbench.measure.machine_lock import MeasureLock, MeasureLockError, holder

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")

HOLD = """
import sys, time
from pathlib import Path
from pytest_ovbench.measure.machine_lock import MeasureLock
with MeasureLock(Path(sys.argv[1])).held("test_other.py::test_big 'sync'"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
    print("releasing", time.time(), flush=True)
"""


def hold_elsewhere(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process (another pytest job, another xdist worker) holding the lock."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_a_measurement_waits_for_another_process_and_says_how_long(tmp_path: Path) -> None:
    path = tmp_path / "measure.lock"
    other = hold_elsewhere(path, 0.6)
    start = time.monotonic()
    with MeasureLock(path, timeout_s=30).held("mine") as waited:
        inside, got_it = time.monotonic(), time.time()
    assert other.stdout is not None
    _, released = other.stdout.readline().split()
    other.wait()
    assert got_it >= float(released)  # the other one was done before this one began
    assert waited is not None and 0.2 < waited <= inside - start + 0.01
    assert holder(path).endswith(": mine") and holder(path).startswith(f"pid {os.getpid()}")


def test_an_uncontended_lock_waits_nothing_and_can_be_taken_again(tmp_path: Path) -> None:
    lock = MeasureLock(tmp_path / "measure.lock")
    for _ in range(2):
        with lock.held("again") as waited:
            assert waited is not None and waited < 0.5


def test_waiting_too_long_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "measure.lock"
    other = hold_elsewhere(path, 5)
    try:
        with pytest.raises(MeasureLockError) as error, MeasureLock(path, timeout_s=0.3).held("mine"):
            pass
    finally:
        other.kill()
        other.wait()
    message = str(error.value)
    assert f"waited 0.3 s for the machine-wide measurement lock {path}" in message
    assert f"held by pid {other.pid}: test_other.py::test_big 'sync'" in message
    assert "--ov-measure-lock-timeout" in message


def test_a_planted_symlink_or_fifo_is_refused_with_the_fix(tmp_path: Path) -> None:
    link = tmp_path / "link.lock"
    link.symlink_to(tmp_path / "elsewhere")
    refused = r"cannot open .*link\.lock.*--ov-measure-lock=PATH"
    with pytest.raises(MeasureLockError, match=refused), MeasureLock(link).held("x"):
        pass
    assert not (tmp_path / "elsewhere").exists()
    fifo = tmp_path / "fifo.lock"
    os.mkfifo(fifo)
    refused = r"fifo\.lock is not a regular file: remove it"
    with pytest.raises(MeasureLockError, match=refused), MeasureLock(fifo).held("x"):
        pass


def test_switched_off_it_takes_nothing(tmp_path: Path) -> None:
    with MeasureLock(None).held("x") as waited:
        assert waited is None
    assert list(tmp_path.iterdir()) == []


def test_the_lock_file_is_shared_with_other_users(tmp_path: Path) -> None:
    path = tmp_path / "measure.lock"
    with MeasureLock(path).held("x"):
        pass
    assert path.stat().st_mode & 0o666 == 0o666  # another user's job on the runner can take it too
