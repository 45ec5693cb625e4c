"""Per-layer profiles: OpenVINO's performance counters read and averaged.

With ``PERF_COUNT`` on, every infer request keeps the counters of its last inference in
``profiling_info``: one entry per node of the *executed* graph (node name, type, the kernel that ran as
``exec_type`` such as ``brgconv_avx2_f32``, status, real and CPU time). Two uses follow:

* timing: the layers whose time moved most explain a regression (``report/layers.py``);
* the execution plan: the kernel and status of each node are exact, so a fallback to a reference
  kernel, a lost fusion or a precision change is reported without any timing noise
  (``judge/plan.py``), even when the timing verdict is inconclusive. Baselines store them as
  ``baselines/layers.py`` says.

Counters are averaged per node name like ``benchmark_app -pc -report_type average_counters`` does,
except that each node is divided by the number of snapshots that hold it, and snapshots in which
nothing executed (a request that never ran) are left out rather than averaged in as zeros.

On CPU the counters live in the graph of a stream, not in the request: every request on a stream
reports the last inference that ran on that stream, whichever request ran it. Reading the requests
of a queue therefore averages only the last inference of each stream; ``profile`` averages many.
OpenVINO itself is not imported: requests and their counters are duck-typed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

EXECUTED = "EXECUTED"
STATUSES = (EXECUTED, "NOT_RUN", "OPTIMIZED_OUT")
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Layer:
    """One node of the executed graph with its counters (times averaged over the snapshots read)."""

    name: str
    type: str
    exec_type: str
    status: str  # "EXECUTED" | "NOT_RUN" | "OPTIMIZED_OUT"
    real_time_ms: float
    cpu_time_ms: float


def read_counters(requests: Sequence[Any]) -> list[Layer]:
    """Average the current ``profiling_info`` of one or more infer requests.

    Each request holds the counters of the last inference (on CPU: the last of its stream, see the
    module docstring). Requests in which no node executed (never run, or compiled without
    ``PERF_COUNT``: OpenVINO then reports every node NOT_RUN with zero times) are left out. The order
    of the first request is kept; nodes only later requests have follow it. Raises ValueError when
    no request has counters.
    """
    return _average([_snapshot(request.profiling_info) for request in requests])


def profile(request: Any, iterations: int) -> list[Layer]:
    """Run ``request.infer()`` ``iterations`` times and average the counters read after each run.

    Meant to follow the measured loop, so that the loop itself never pays for reading counters. The
    request must be compiled with ``PERF_COUNT`` and have its inputs set.
    """
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, got {iterations}")
    snapshots = []
    for _ in range(iterations):
        request.infer()
        snapshots.append(_snapshot(request.profiling_info))
    return _average(snapshots)


def _snapshot(infos: Sequence[Any]) -> list[Layer]:
    return [
        Layer(
            name=str(info.node_name),
            type=str(info.node_type),
            exec_type=str(info.exec_type),
            status=str(info.status).split(".")[-1],  # "Status.EXECUTED" -> "EXECUTED"
            real_time_ms=info.real_time / _MS,
            cpu_time_ms=info.cpu_time / _MS,
        )
        for info in infos
    ]


def _average(snapshots: Sequence[Sequence[Layer]]) -> list[Layer]:
    ran = [layers for layers in snapshots if any(layer.status == EXECUTED for layer in layers)]
    if not ran:
        raise ValueError(
            "no layer executed in any request: compile the model with PERF_COUNT enabled and run "
            "an inference before reading the counters"
        )
    groups: dict[str, list[Layer]] = {}
    for layers in ran:
        for layer in layers:
            groups.setdefault(layer.name, []).append(layer)
    return [_mean(group) for group in groups.values()]


def _mean(group: Sequence[Layer]) -> Layer:
    first = group[0]
    # A node that ran in some inferences only (a branch of an If, a dynamic shape) still ran.
    status = EXECUTED if any(layer.status == EXECUTED for layer in group) else first.status
    return Layer(
        name=first.name,
        type=first.type,
        exec_type=first.exec_type,
        status=status,
        real_time_ms=math.fsum(layer.real_time_ms for layer in group) / len(group),
        cpu_time_ms=math.fsum(layer.cpu_time_ms for layer in group) / len(group),
    )
