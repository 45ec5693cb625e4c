"""One test per kind of real model and feature; figures print with -s."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import INPUTS, MODELS

DET, REC = str(MODELS / "det.onnx"), str(MODELS / "rec.onnx")
VAD, VAD_ONNX = str(MODELS / "silero_vad_stateful.xml"), str(MODELS / "silero_vad_ifless.onnx")
FACE = str(MODELS / "face_detection.tflite")
AUDIO = {"input": str(INPUTS / "vad_chunk.npy"), "sr": 16000}


def show(label: str, result: Any) -> None:
    print(
        f"\n{label}: {result.summary()}; compile {result.compile_ms:.0f} ms, read {result.read_ms} ms, "
        f"memory compile/infer {result.compile_memory_mb}/{result.infer_memory_mb} MiB"
    )
    for group, stats in result.groups.items():
        print(f"  group {group}: median {stats.median:.3f} ms ({stats.count} inferences)")


@pytest.mark.ovbench(model=DET, shape="[1,3,736,736]")
def test_detector_latency(infer_sync):  # ONNX text detector, dynamic [?,3,?,?] made static
    show("det sync", infer_sync())


@pytest.mark.ovbench(model=DET, shape="[?,3,736,736]", batch=2, layout="NCHW")
def test_detector_throughput(infer_queue):
    result = infer_queue()
    assert result.batch == 2
    show("det async batch 2", result)


@pytest.mark.ovbench(model=REC, data_shape="[1,3,48,160][1,3,48,320][1,3,48,640]")
def test_ocr_widths(infer_sync):  # dynamic width, three shape groups
    result = infer_sync()
    medians = [stats.median for stats in result.groups.values()]
    assert len(medians) == 3 and medians == sorted(medians)
    show("rec data_shape", result)


@pytest.mark.ovbench(model=VAD, inputs=AUDIO, gate=["median", "infer_memory_mb"])
def test_vad_stateful(infer_sync):  # multi-input (audio chunk + rank-0 int64 sample rate), stateful
    show("vad stateful, reset per inference", infer_sync())
    show("vad stateful, never reset", infer_sync(name="no_reset", reset_state=0))


@pytest.mark.ovbench(
    model=VAD_ONNX, shape={"input": [1, 576], "state": [2, 1, 128], "sr": []}, inputs={"sr": 16000}
)
def test_vad_onnx_pinned_rate(infer_sync):
    show("vad onnx", infer_sync())


@pytest.mark.ovbench(
    model=FACE, perf_counts=True, gate=["median", "compile_ms"], tolerance={"compile_ms": 1.0}
)
def test_face_tflite(infer_sync, tmp_path):  # TFLite, per-layer profile, cold start with a model cache
    result = infer_sync(cache_dir=str(tmp_path / "cache"))
    assert result.layers and result.cached_compile_ms is not None
    show("face tflite", result)
    print(f"  cached compile {result.cached_compile_ms:.0f} ms; {len(result.layers)} layers")
