"""Numbers as the HTML report reads them from records, shared by its charts and tables.

Records carry None (and may carry NaN or infinities) where a figure is missing; the report draws and
prints only finite numbers, and shows a dash where there is none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from pytest_ovbench.report.text import percent


def finite(value: object) -> float | None:
    """A finite float, or None for None, NaN, infinities and anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def finite_numbers(values: Iterable[object] | None) -> list[float]:
    """The finite numbers among ``values``, in order (none for None)."""
    found = (finite(v) for v in values or ())
    return [v for v in found if v is not None]


def percent_or_dash(value: float | None) -> str:
    """A signed percentage as the text report writes it, or ``-`` when there is none."""
    return percent(value) or "-"
