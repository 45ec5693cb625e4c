"""Silero VAD's state input/output pair turned into OpenVINO state (ReadValue/Assign), as a user
would for streaming; plus the input files the suite pins. Run by fetch.sh."""

from __future__ import annotations

import numpy as np
import openvino as ov
from openvino._offline_transformations import apply_make_stateful_transformation

model = ov.Core().read_model("models/silero_vad_ifless.onnx")
model.reshape({"input": [1, 576], "state": [2, 1, 128], "sr": []})  # static first: else state is [2,0,128]
apply_make_stateful_transformation(model, {"state": "stateN"})
ov.save_model(model, "models/silero_vad_stateful.xml")
chunk = (np.random.default_rng(0).standard_normal((1, 576)) * 0.1).astype(np.float32)
np.save("inputs/vad_chunk.npy", chunk)  # 36 ms of 16 kHz audio with the model's 64-sample context
print("inputs:", [(p.get_any_name(), str(p.get_partial_shape())) for p in model.inputs])
