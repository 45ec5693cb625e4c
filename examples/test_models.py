"""An example perf suite: what a team that ships models writes.

Run it with ``pytest examples`` (``--ov-device=GPU`` on a GPU runner); record baselines with
``pytest examples --ov-update-baselines``.
"""

from __future__ import annotations

import pytest

MOBILENET = "examples/models/mobilenet_like.xml"
RESNET = "examples/models/resnet_like.xml"


@pytest.mark.ovbench(model=MOBILENET, hint="latency")
def test_mobilenet_latency(infer_sync):
    result = infer_sync()
    assert result.latency.median < 100.0  # milliseconds: a sanity bound, the baseline is the gate


@pytest.mark.ovbench(model=RESNET, hint="latency")
def test_resnet_latency(infer_sync):
    result = infer_sync()
    assert result.latency.median < 500.0


@pytest.mark.parametrize("ov_model", [MOBILENET, RESNET], indirect=True)
@pytest.mark.ovbench(hint="throughput")
def test_throughput(ov_model, infer_queue):
    result = infer_queue()
    assert result.throughput > 1.0  # inferences per second
