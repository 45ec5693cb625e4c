"""Peak resident memory of one phase (compiling, inferring), in MiB.

On Linux the process's resident high-water mark (``VmHWM`` in ``/proc/self/status``) is reset to
the current resident size by writing ``5`` to ``/proc/self/clear_refs`` before the phase, and read
after it: the peak *during* the phase, not since the process started. A phase's figure is that
peak minus the resident size when the phase began: what the phase needed on top of what was
already there. benchmark_app reports ``VmPeak``, the peak of *virtual* memory, which counts address
space reserved and never touched; resident memory is what a machine runs out of.

Where the mark cannot be reset (not Linux, or ``clear_refs`` not writable), phases report None and
nothing is gated on memory; each phase says why (:attr:`Phase.unavailable`), and the reason is
found once per process (``_UNAVAILABLE``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")
_UNAVAILABLE: list[str] = []  # why memory is not measured in this process, once known
# Smallest figure reported: a phase that needed nothing new still gets a positive figure, so
# that ratios against a baseline exist (the gate also ignores small changes: judge/gate.py).
RESOLUTION_MB = 0.1


def _status_kib(field: str) -> int | None:
    try:
        text = STATUS.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def _reset_peak() -> bool:
    if _UNAVAILABLE:
        return False
    try:
        CLEAR_REFS.write_text("5")
    except OSError as exc:
        _UNAVAILABLE.append(f"cannot reset the resident high-water mark ({CLEAR_REFS}: {exc.strerror})")
        return False
    return True


@dataclass
class Phase:
    """Filled in when the ``phase()`` block ends: MiB, None where not measurable."""

    start_mb: float | None = None
    peak_mb: float | None = None
    unavailable: str | None = None  # why not measured, where it cannot be

    @property
    def increase_mb(self) -> float | None:
        if self.start_mb is None or self.peak_mb is None:
            return None
        return max(self.peak_mb - self.start_mb, RESOLUTION_MB)


@contextmanager
def phase() -> Iterator[Phase]:
    """Measure the resident peak of the block (``with phase() as used: ...; used.increase_mb``)."""
    measured = Phase()
    start = _status_kib("VmRSS")
    if start is None and not _UNAVAILABLE:
        _UNAVAILABLE.append(f"no {STATUS} (not Linux)")
    if start is None or not _reset_peak():
        measured.unavailable = _UNAVAILABLE[0]
        yield measured
        return
    yield measured
    peak = _status_kib("VmHWM")
    if peak is not None:
        measured.start_mb, measured.peak_mb = start / 1024, peak / 1024
