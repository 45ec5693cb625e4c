"""Text tables for the terminal (pure formatting)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import Measurement


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell; the first column left-aligned, the rest right."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]

    def line(cells: Sequence[str]) -> str:
        parts = [str(cells[0]).ljust(widths[0])]
        parts += [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "  ".join(parts).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def measurement_table(measurements: Sequence[Measurement]) -> list[str]:
    header = ["test", "measurement", "device", "nireq", "count", "median ms", "p90 ms", "inf/s"]
    rows = [
        [
            m.nodeid,
            m.result.name,
            m.result.device,
            str(m.result.nireq),
            str(m.result.count),
            f"{m.result.latency.median:.3f}",
            f"{m.result.latency.p90:.3f}",
            f"{m.result.throughput:.1f}",
        ]
        for m in measurements
    ]
    return format_table(header, rows)
