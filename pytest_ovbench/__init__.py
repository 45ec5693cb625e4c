"""pytest-ovbench: OpenVINO latency and throughput measured inside pytest, gated against baselines.

The public API: the fixtures ``ov_model``, ``infer_sync`` and ``infer_queue`` (registered by the
``pytest11`` entry point, ``pytest_ovbench.plugin.hooks``), the types to annotate them with, and
what a measurement hands back::

    from pytest_ovbench import Measurer, Result

    def test_latency(infer_sync: Measurer) -> None:
        result: Result = infer_sync(time=2)
        assert result.latency.median > 0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_ovbench.judge.status import Status

if TYPE_CHECKING:
    from pytest_ovbench.measure.result import Result, Window
    from pytest_ovbench.measure.stats import LatencyStats
    from pytest_ovbench.plugin.fixtures import Measurer

__version__ = "0.1.0"
__all__ = ["LatencyStats", "Measurer", "Result", "Status", "Window", "__version__"]


def __getattr__(name: str) -> Any:
    """The rest on first use: ``Measurer`` belongs to the pytest glue, which plain imports need not
    load, and the others bring numpy, which a pytest run whose tests measure nothing never needs."""
    if name == "Measurer":
        from pytest_ovbench.plugin.fixtures import Measurer

        return Measurer
    if name in ("Result", "Window"):
        from pytest_ovbench.measure import result

        return getattr(result, name)
    if name == "LatencyStats":
        from pytest_ovbench.measure.stats import LatencyStats

        return LatencyStats
    raise AttributeError(f"module 'pytest_ovbench' has no attribute {name!r}")
