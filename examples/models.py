"""Models for the example suite and the benchmarks, built with OpenVINO's opset API (no downloads).

``mobilenet_like``: depthwise-separable convolutions, a few milliseconds on one CPU core.
``resnet_like``: residual 3x3 convolution blocks, tens of milliseconds. Weights are seeded random
numbers: the graphs are real, the predictions meaningless, which is all a performance test needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import openvino as ov
import openvino.opset13 as ops

Node = Any


def _weights(rng: np.random.Generator, *shape: int) -> Node:
    fan_in = int(np.prod(shape[1:]))
    return ops.constant((rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32))


def channels(x: Node) -> int:
    """Channel count (dimension 1) of a node or an output port."""
    shape = x.get_partial_shape() if hasattr(x, "get_partial_shape") else x.get_output_partial_shape(0)
    return int(shape[1].get_length())


def conv(x: Node, rng: np.random.Generator, out_ch: int, kernel: int = 3, stride: int = 1) -> Node:
    in_ch = channels(x)
    pad = kernel // 2
    y = ops.convolution(
        x, _weights(rng, out_ch, in_ch, kernel, kernel), [stride, stride], [pad, pad], [pad, pad], [1, 1]
    )
    return ops.relu(ops.add(y, _weights(rng, 1, out_ch, 1, 1)))


def depthwise(x: Node, rng: np.random.Generator, stride: int = 1) -> Node:
    y = ops.group_convolution(
        x, _weights(rng, channels(x), 1, 1, 3, 3), [stride, stride], [1, 1], [1, 1], [1, 1]
    )
    return ops.relu(y)


def _head(x: Node, rng: np.random.Generator, classes: int) -> Node:
    pooled = ops.reduce_mean(x, ops.constant(np.array([2, 3], dtype=np.int64)), keep_dims=False)
    return ops.softmax(ops.matmul(pooled, _weights(rng, channels(x), classes), False, False), 1)


def mobilenet_like(size: int = 224, width: float = 1.0, seed: int = 0) -> ov.Model:
    """A MobileNet-v1-like network: stem conv, depthwise-separable blocks, global pool, classifier."""
    rng = np.random.default_rng(seed)
    x = param = ops.parameter([1, 3, size, size], np.float32, name="image")
    x = conv(x, rng, int(32 * width), stride=2)
    for out_ch, stride in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (1024, 2)]:
        x = conv(depthwise(x, rng, stride), rng, int(out_ch * width), kernel=1)
    return ov.Model([_head(x, rng, 1000)], [param], "mobilenet_like")


def resnet_like(size: int = 224, blocks: int = 2, seed: int = 0) -> ov.Model:
    """A ResNet-like network: stem, stages of residual 3x3 blocks, global pool, classifier."""
    rng = np.random.default_rng(seed)
    x = param = ops.parameter([1, 3, size, size], np.float32, name="image")
    x = conv(x, rng, 64, kernel=7, stride=2)
    x = ops.max_pool(x, [2, 2], [1, 1], [1, 1], [1, 1], [3, 3]).output(0)
    for stage, width in enumerate([64, 128, 256, 512]):
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            shortcut = x if stride == 1 else conv(x, rng, width, kernel=1, stride=stride)
            y = conv(conv(x, rng, width, stride=stride), rng, width)
            x = ops.relu(ops.add(y, shortcut))
    return ov.Model([_head(x, rng, 1000)], [param], "resnet_like")


def single_op(size: int = 16) -> ov.Model:
    """One ReLU on a small tensor: the smallest real inference, for measuring loop overhead."""
    param = ops.parameter([1, size], np.float32, name="x")
    return ov.Model([ops.relu(param)], [param], "single_op")


BUILDERS: dict[str, Callable[[], ov.Model]] = {
    "mobilenet_like": mobilenet_like,
    "resnet_like": resnet_like,
    "single_op": single_op,
}


def ensure_model(name: str, folder: Path) -> Path:
    """The IR file of model ``name`` in ``folder``, built and saved on first use."""
    path = folder / f"{name}.xml"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        ov.save_model(BUILDERS[name](), path, compress_to_fp16=False)
    return path
