"""How busy the rest of the machine was during a measurement (Linux ``/proc/stat``).

``foreign_load`` is the share of the machine's CPU time used by anything but this process during
a measurement: other processes, and on a virtual machine the time the hypervisor gave to its other
guests (``steal``). A stored-baseline regression measured while others used much of the machine
is not trusted: it is reported inconclusive with the figure. Elsewhere (no /proc/stat) it is None
and the verdict does without it. Read before and after the loop, never inside it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_PROC_STAT = Path("/proc/stat")
_BUSY_FIELDS = (0, 1, 2, 5, 6, 7)  # user nice system irq softirq steal (idle, iowait excluded)


@dataclass(frozen=True)
class CpuSnapshot:
    wall_s: float
    busy_s: float  # CPU time spent busy by the whole machine, all CPUs
    own_s: float  # CPU time of this process, all threads
    cpus: int


def snapshot() -> CpuSnapshot | None:
    """The machine's and this process's CPU time now; None where /proc/stat cannot be read."""
    try:
        lines = _PROC_STAT.read_text().splitlines()
    except OSError:
        return None
    total = [int(v) for v in lines[0].split()[1:]]
    cpus = sum(1 for line in lines if line.startswith("cpu") and line[3:4].isdigit())
    ticks = os.sysconf("SC_CLK_TCK")
    busy = sum(total[i] for i in _BUSY_FIELDS if i < len(total)) / ticks
    own = os.times()
    return CpuSnapshot(time.perf_counter(), busy, own.user + own.system, max(cpus, 1))


def foreign_load(before: CpuSnapshot | None, after: CpuSnapshot | None) -> float | None:
    """Share (0..1) of the machine's CPU capacity others used between the two snapshots."""
    if before is None or after is None:
        return None
    wall = after.wall_s - before.wall_s
    if wall <= 0:
        return None
    foreign = (after.busy_s - before.busy_s) - (after.own_s - before.own_s)
    return min(1.0, max(0.0, foreign / (wall * after.cpus)))


QUIET_POLL_S = 0.5


def wait_until_quiet(limit: float, deadline: float) -> bool:
    """Sleep in short polls until others use at most ``limit`` of the machine, or until
    ``deadline`` (``time.monotonic()``); True when it was quiet. Without /proc/stat: True at once."""
    while time.monotonic() < deadline:
        before = snapshot()
        time.sleep(min(QUIET_POLL_S, max(0.0, deadline - time.monotonic())))
        load = foreign_load(before, snapshot())
        if load is None or load <= limit:
            return True
    return False
