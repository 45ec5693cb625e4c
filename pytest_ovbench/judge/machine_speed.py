"""The machine's speed at the time, factored out of stored-baseline comparisons (yardstick.py).

An inference's time is part fixed cost (the call, waking OpenVINO's threads) and part compute. The
probe measures the first, the yardstick the second; each run's *speed factor* is their change
since the baseline was recorded, weighed by the model's ``overhead share`` (the probe's time over
the model's, at recording):

    factor = share * probe_now / probe_then + (1 - share) * yardstick_now / yardstick_then

Latencies are divided by the factor, throughputs multiplied, before runs are compared. What the
factors cannot remove grows with the share (measured: 24 fresh processes on a 2-vCPU VM, a 27 us
model, share 0.36: sd of the log 20% raw, 14-18% by the yardstick alone, 11% with both; a 0.16 ms
model, share 0.06: 8-10% raw, 4-6% either way), so the noise floor does too (``floor_for``). So
does it with the size of the correction: a model does not follow the machine exactly as the rulers
do, and a large factor (the machine 25% faster today) carries that doubt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pytest_ovbench.judge.verdict import Sample
from pytest_ovbench.metrics import HIGHER_IS_BETTER

OVERHEAD_NOISE = 0.25  # between-process noise of the fixed cost left after the factors, per unit share
# A model follows the machine's speed only partly as the rulers do: over 16-24 fresh processes the
# slope of log model time on log yardstick time was 0.5-0.6 for 0.2-1.3 ms models in one series, 1.0
# and 1.5 in others (a 1.3 ms model 12% faster where the yardstick was 23% faster). So a large
# correction is itself uncertain: this much of its log size joins the noise floor.
CORRECTION_DOUBT = 0.5
# With the yardstick interleaved a turn at a time (yardstick.YARDSTICK_INTERLEAVED) the model follows
# it more closely: over 2 x 12 fresh processes of a ~6 ms model on a noisy 2-vCPU VM (the machine's
# speed moving by 10-15%), slopes of 1.00 and 1.25 (sliced, in the same processes: 0.74-1.01).
INTERLEAVED_DOUBT = 0.25


@dataclass(frozen=True)
class Machine:
    """The machine when an entry was recorded: yardstick and probe ms per inference (per run)."""

    yardstick: str
    speed: Sample
    probe: Sample | None = None


def per_inference_ms(metric: str, value: float) -> float:
    """A figure as ms per inference: latencies as they are, throughput as its inverse."""
    return 1000.0 / value if metric in HIGHER_IS_BETTER else value


def overhead_share(machine: Machine, metric: str, value: float) -> float:
    """How much of the model's time (the stored figure) the probe's fixed cost is, 0..1."""
    if machine.probe is None or value <= 0:
        return 0.0
    return min(1.0, machine.probe.value / per_inference_ms(metric, value))


def floor_for(
    floor: float, share: float, speed_factor: float = 1.0, doubt: float = CORRECTION_DOUBT
) -> float:
    """The between-run noise floor of a model with this overhead share, judged on a machine whose
    speed factor (today against the recording) is ``speed_factor``; ``doubt``: how much of the
    correction's log size is uncertain (CORRECTION_DOUBT, or INTERLEAVED_DOUBT)."""
    return math.hypot(floor, OVERHEAD_NOISE * share, doubt * math.log(speed_factor))


def factor(machine: Machine, share: float, yardstick_ms: float, probe_ms: float | None) -> float:
    """One run's (or window's) speed factor against the machine at recording (1.1 = 10% slower)."""
    compute = yardstick_ms / machine.speed.value
    if machine.probe is None or probe_ms is None or share == 0.0:
        return compute
    return share * probe_ms / machine.probe.value + (1.0 - share) * compute


def baseline_factors(machine: Machine, share: float, runs: int) -> tuple[float, ...]:
    """Each stored run's factor, or (1.0,) when the stored runs cannot be paired (hand-edited)."""
    speeds = machine.speed.run_values
    probes: Sequence[float | None] = machine.probe.run_values if machine.probe else [None] * len(speeds)
    if len(speeds) != runs or len(probes) != runs:
        return (1.0,)
    return tuple(factor(machine, share, y, p) for y, p in zip(speeds, probes))


def adjusted(metric: str, value: float, speed_factor: float) -> float:
    """The figure at the machine's speed when the baseline was recorded."""
    return value * speed_factor if metric in HIGHER_IS_BETTER else value / speed_factor
