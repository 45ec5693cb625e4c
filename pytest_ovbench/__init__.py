"""pytest-ovbench: OpenVINO latency and throughput measured inside pytest, gated against baselines."""

from __future__ import annotations

__version__ = "0.1.0"
