#!/usr/bin/env bash
# Fetch real models that PyPI wheels ship (no model hub): an ONNX text detector and a dynamic-width
# OCR recognizer (rapidocr-onnxruntime), a multi-input audio model made stateful here (silero-vad),
# a TFLite face detector (mediapipe 0.10.21; 1.x wheels carry no .tflite). Into ./models and ./inputs.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p .cache/wheels .cache/x models inputs
pip download --no-deps -q -d .cache/wheels rapidocr-onnxruntime==1.4.4 silero-vad==6.2.3
pip download --no-deps -q -d .cache/wheels mediapipe==0.10.21 --python-version 3.11 --only-binary=:all: \
    --platform manylinux_2_28_x86_64
( cd .cache/x
  unzip -oq ../wheels/rapidocr_onnxruntime-1.4.4-py3-none-any.whl 'rapidocr_onnxruntime/models/*'
  unzip -oq ../wheels/silero_vad-6.2.3-py3-none-any.whl 'silero_vad/data/*.onnx'
  unzip -oq ../wheels/mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl 'mediapipe/modules/*.tflite' )
X=.cache/x
cp $X/rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx models/det.onnx
cp $X/rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx models/rec.onnx
cp $X/silero_vad/data/silero_vad_op18_ifless.onnx models/silero_vad_ifless.onnx
cp $X/silero_vad/data/silero_vad.onnx models/silero_vad_unsupported.onnx  # read_model fails: error path
cp $X/mediapipe/modules/face_detection/face_detection_short_range.tflite models/face_detection.tflite
python3 make_stateful.py
