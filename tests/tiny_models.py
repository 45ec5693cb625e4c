"""Small models built in-process with OpenVINO's opset API, for the plugin's own tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def build_tiny(batch: int = 1, name: str = "tiny_conv") -> Any:
    """A one-convolution model (Nx3x16x16 -> Nx8x16x16): about a tenth of a millisecond."""
    import openvino as ov
    import openvino.opset13 as ops

    rng = np.random.default_rng(0)
    x = ops.parameter([batch, 3, 16, 16], np.float32, name="image")
    w = ops.constant(rng.standard_normal((8, 3, 3, 3)).astype(np.float32))
    y = ops.relu(ops.convolution(x, w, [1, 1], [1, 1], [1, 1], [1, 1]))
    return ov.Model([y], [x], name)


def save_tiny(folder: Path, name: str = "tiny.xml", batch: int = 1) -> Path:
    import openvino as ov

    path = folder / name
    ov.save_model(build_tiny(batch), path)
    return path


def multi_input_model() -> Any:
    """Float image, integer scalar and boolean mask inputs, combined into one output."""
    import openvino as ov
    import openvino.opset13 as ops

    image = ops.parameter([1, 4], np.float32, name="image")
    rate = ops.parameter([1], np.int32, name="rate")
    mask = ops.parameter([1, 4], np.bool_, name="mask")
    scaled = ops.multiply(image, ops.convert(rate, np.float32))
    masked = ops.select(mask, scaled, ops.constant(np.zeros((1, 4), np.float32)))
    return ov.Model([masked], [image, rate, mask], "multi_input")


def build_heavy(channels: int = 64, size: int = 56) -> Any:
    """A few 3x3 convolutions: tens of times the work of ``build_tiny`` at the same input."""
    import openvino as ov
    import openvino.opset13 as ops

    rng = np.random.default_rng(1)
    x = param = ops.parameter([1, 3, 16, 16], np.float32, name="image")
    x = ops.interpolate(
        x,
        ops.constant(np.array([size, size], np.int64)),
        "nearest",
        "sizes",
        axes=ops.constant(np.array([2, 3], np.int64)),
    )
    in_ch = 3
    for _ in range(3):
        w = ops.constant(rng.standard_normal((channels, in_ch, 3, 3)).astype(np.float32) * 0.05)
        x = ops.relu(ops.convolution(x, w, [1, 1], [1, 1], [1, 1], [1, 1]))
        in_ch = channels
    return ov.Model([x], [param], "heavy")


def save_heavy(folder: Path, name: str = "heavy.xml") -> Path:
    import openvino as ov

    path = folder / name
    ov.save_model(build_heavy(), path)
    return path


def stateful_model(with_rate: bool = False) -> Any:
    """An accumulator: the state (ReadValue/Assign 'acc', zeros after a reset) plus the input.
    The output tells how many inferences ran since the last reset (all-ones input). ``with_rate``
    adds a rank-0 int64 input ``sr`` the sum is multiplied by (like an audio model's sample rate)."""
    import openvino as ov
    import openvino.opset6 as ops6
    import openvino.opset13 as ops

    x = ops.parameter([1, 4], np.float32, name="x")
    state = ops6.read_value(ops.constant(np.zeros((1, 4), np.float32)), "acc", np.float32, [1, 4])
    total = ops.add(state, x)
    params = [x]
    output = total
    if with_rate:
        rate = ops.parameter([], np.int64, name="sr")
        output = ops.multiply(total, ops.convert(rate, np.float32))
        params.append(rate)
    return ov.Model([ops.result(output)], [ops6.assign(total, "acc")], params, "accumulator")


def dynamic_conv() -> Any:
    """A convolution with dynamic batch, height and width ([?,3,?,?])."""
    import openvino as ov
    import openvino.opset13 as ops

    x = ops.parameter([-1, 3, -1, -1], np.float32, name="pixels")
    w = ops.constant(np.ones((4, 3, 3, 3), np.float32))
    return ov.Model([ops.relu(ops.convolution(x, w, [1, 1], [1, 1], [1, 1], [1, 1]))], [x], "dynamic_conv")


def named(node: Any, name: str) -> Any:
    node.set_friendly_name(name)
    return node


def conv_relu(*, tap: bool = False, quantized: bool = False) -> Any:
    """Conv + Relu with fixed node names, so that two variants can be compared node by node.

    ``tap`` also returns the convolution's own output, which keeps the Relu from being fused into it.
    ``quantized`` puts FakeQuantize on the input and the weights, so that the CPU runs the
    convolution in int8 (low-precision transformations).
    """
    import openvino as ov
    import openvino.opset13 as ops13

    rng = np.random.default_rng(0)
    image = ops13.parameter([1, 3, 16, 16], np.float32, name="image")
    weights: Any = ops13.constant(rng.standard_normal((8, 3, 3, 3)).astype(np.float32))
    source: Any = image
    if quantized:
        source = _fake_quantize(image, 0.0, 2.55, 256, "quantize")
        weights = _fake_quantize(weights, -4.0, 4.0, 255, "weights_quantize")
    conv = named(ops13.convolution(source, weights, [1, 1], [1, 1], [1, 1], [1, 1]), "conv")
    results = [named(ops13.result(named(ops13.relu(conv), "relu")), "out")]
    if tap:
        results.append(named(ops13.result(conv), "tap"))
    return ov.Model(results, [image], "conv_relu")


def _fake_quantize(node: Any, low: float, high: float, levels: int, name: str) -> Any:
    import openvino.opset13 as ops13

    low_c, high_c = ops13.constant(np.float32(low)), ops13.constant(np.float32(high))
    return named(ops13.fake_quantize(node, low_c, high_c, low_c, high_c, levels), name)


def tiny_project(pytester: Any, niter: int, ini: str = "") -> Any:
    """A pytester project: the tiny model as model.xml and one sync test, test_perf.py::test_lat."""
    save_tiny(pytester.path, "model.xml")
    pytester.makeini(f"[pytest]\n{ini}")
    pytester.makepyfile(
        test_perf=f"""
import pytest

@pytest.mark.ovbench(model="model.xml", niter={niter})
def test_lat(infer_sync):
    infer_sync()
"""
    )
    return pytester


def project(pytester: Any, tests: str, ini: str = "") -> Any:
    """A pytester project: the tiny model as model.xml, ``tests`` as test_perf.py, and an ini."""
    save_tiny(pytester.path, "model.xml")
    pytester.makeini(f"[pytest]\n{ini}")
    pytester.makepyfile(test_perf=tests)
    return pytester
