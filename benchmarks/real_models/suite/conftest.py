"""Real models from PyPI wheels (../fetch.sh), measured as a user's suite would."""

from __future__ import annotations

from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parents[1] / "models"
INPUTS = Path(__file__).resolve().parents[1] / "inputs"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not (MODELS / "det.onnx").exists():
        skip = pytest.mark.skip(reason=f"no models in {MODELS}: run benchmarks/real_models/fetch.sh first")
        for item in items:
            item.add_marker(skip)
