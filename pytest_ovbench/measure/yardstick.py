"""The machine yardstick: a fixed small network measured alternately with the model under test in
stored-baseline mode, so that the verdict can compare the model's speed *relative to the machine's
speed at the time* with the same ratio when the baseline was recorded.

Why: on shared runners the whole machine runs 10-30% faster or slower from one process or minute to
the next (neighbours, clocks). Measured here (12 fresh processes, a loaded 2-vCPU VM), the median
latency of a MobileNet-like model varied by 14% (standard deviation of its log) while its ratio to
this yardstick, measured in alternating slices of the same run, varied by 5%. Reference mode gets
the same benefit from the reference model; stored mode gets it from the yardstick.

The network mixes the kernels common models use (3x3, depthwise and 1x1 convolutions, a residual
add, pooling, a matrix multiply) in about 2 ms on one CPU core. It is built with seeded weights, so
every process and machine measures the same graph. Its identity (``YARDSTICK``) is stored with
each baseline; a different yardstick makes the stored ratios unusable and the raw figures are used.

The probe: models of a few tens of microseconds spend much of each inference in the fixed cost of
an inference (the call, waking OpenVINO's threads), which varies between processes far more than
the machine's compute speed (sd of its log 20-23% here, against 4-7% for the yardstick). The probe
(``PROBE``, one ReLU on 8 numbers) measures that cost, after each yardstick slice; machine_speed.py
weighs the two by how much of the model's time the fixed cost is.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pytest_ovbench.measure.loops import MAX_SETTLE

YARDSTICK = "ovbench-yardstick-1"  # measured in slices after the model's (async, cycling inputs)
# The same network measured interleaved with a sync model a turn at a time (turns() below): the two
# see the same moments of the machine, but the yardstick's figure differs from the sliced one (its
# caches are cold after the model's turn), so the two kinds of entries are not compared.
YARDSTICK_INTERLEAVED = "ovbench-yardstick-1 interleaved"
SHARE = 0.5  # yardstick time as a share of the model's measured time
SETTLE = 0.25  # a model faster than the yardstick settles this many yardstick times a turn
PROBE = "ovbench-probe-1"
PROBE_SHARE = 0.1  # probe time per slice, as a share of the model's slice (~10 us per inference)


def _weights(rng: np.random.Generator, *shape: int) -> Any:
    import openvino.opset13 as ops

    fan_in = int(np.prod(shape[1:]))
    return ops.constant((rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32))


def _conv(x: Any, rng: np.random.Generator, channels: int, kernel: int, stride: int = 1) -> Any:
    import openvino.opset13 as ops

    in_ch = int(x.get_output_partial_shape(0)[1].get_length())
    pad = kernel // 2
    y = ops.convolution(
        x, _weights(rng, channels, in_ch, kernel, kernel), [stride] * 2, [pad] * 2, [pad] * 2, [1, 1]
    )
    return ops.relu(ops.add(y, _weights(rng, 1, channels, 1, 1)))


def _depthwise(x: Any, rng: np.random.Generator, stride: int) -> Any:
    import openvino.opset13 as ops

    ch = int(x.get_output_partial_shape(0)[1].get_length())
    return ops.relu(
        ops.group_convolution(x, _weights(rng, ch, 1, 1, 3, 3), [stride] * 2, [1, 1], [1, 1], [1, 1])
    )


def build() -> Any:
    """The yardstick network (an ``openvino.Model``), the same in every process."""
    import openvino as ov
    import openvino.opset13 as ops

    rng = np.random.default_rng(20261123)
    x = image = ops.parameter([1, 3, 96, 96], np.float32, name="image")
    x = _conv(x, rng, 32, 3, stride=2)
    for channels, stride in [(64, 1), (128, 2), (128, 1), (128, 2)]:
        x = _conv(_depthwise(x, rng, stride), rng, channels, 1)
    x = ops.relu(ops.add(_conv(_conv(x, rng, 128, 3), rng, 128, 3), x))
    pooled = ops.reduce_mean(x, ops.constant(np.array([2, 3], np.int64)), keep_dims=False)
    logits = ops.matmul(pooled, _weights(rng, 128, 100), False, False)
    return ov.Model([ops.softmax(logits, 1)], [image], YARDSTICK)


def build_probe() -> Any:
    """The probe (an ``openvino.Model``): next to no work, so its time is an inference's fixed cost."""
    import openvino as ov
    import openvino.opset13 as ops

    x = ops.parameter([1, 8], np.float32, name="x")
    return ov.Model([ops.relu(x)], [x], PROBE)


def machine_ms(latency_median_ms: float, throughput: float, mode: str) -> float:
    """The machine's speed as the yardstick saw it: ms per inference (sync: median latency; async:
    wall time per inference of the queue, 1000 / throughput)."""
    return latency_median_ms if mode == "sync" else 1000.0 / throughput


def ruler_config(config: dict[str, Any]) -> dict[str, Any]:
    """The model's compile config for the yardstick and the probe: same device settings, no
    per-layer counters and no model cache."""
    return {k: v for k, v in config.items() if k not in ("PERF_COUNT", "CACHE_DIR")}


def turns(model_ms: float, yardstick_ms: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """Unrecorded and recorded inferences a turn, (model, yardstick), when the two are interleaved.
    Chosen by the model's time in yardstick units, which moves far less between processes than
    either time (a choice near a boundary would flip between processes, and the first inference
    after a switch runs slower than the next, so the figures with it): a model at least as slow as
    the yardstick records one inference a turn; a faster one first settles (``SETTLE`` yardstick
    times unrecorded, at most ``MAX_SETTLE`` inferences), then records enough that the yardstick is
    at most ``SHARE`` of its time. The yardstick records one inference a turn, never settling."""
    ratio = model_ms / yardstick_ms if model_ms > 0 and yardstick_ms > 0 else 1.0
    if ratio >= 1.0:
        return (0, 0), (1, 1)
    settle = min(MAX_SETTLE, math.ceil(SETTLE / ratio))
    return (settle, 0), (max(1, round(1.0 / (SHARE * ratio))), 1)
