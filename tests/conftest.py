"""Fixtures shared by the plugin's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tiny_models import build_tiny, save_tiny


@pytest.fixture(scope="session")
def tiny_model() -> Any:
    return build_tiny()


@pytest.fixture
def tiny_path(tmp_path: Path) -> Path:
    return save_tiny(tmp_path)
