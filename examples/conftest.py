"""The example suite builds its models on first use, with OpenVINO's opset API (no downloads)."""

from __future__ import annotations

from pathlib import Path

import pytest

from examples.models import BUILDERS, ensure_model

MODELS_DIR = Path(__file__).parent / "models"


def pytest_sessionstart(session: pytest.Session) -> None:
    for name in BUILDERS:
        ensure_model(name, MODELS_DIR)
