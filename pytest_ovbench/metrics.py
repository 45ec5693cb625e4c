"""Names, units and directions of the figures a measurement produces (no imports beyond stdlib)."""

from __future__ import annotations

WINDOW_METRICS = ("median", "mean", "min", "max", "p90", "p99", "throughput")
# One figure per run, no windows: cold start (ms) and peak resident memory (MiB).
SINGLE_METRICS = (
    "first_inference_ms",
    "compile_ms",
    "cached_compile_ms",
    "read_ms",
    "compile_memory_mb",
    "infer_memory_mb",
)
METRICS = (*WINDOW_METRICS, *SINGLE_METRICS)
HIGHER_IS_BETTER = frozenset({"throughput"})

LABELS = {
    "median": ("latency median", "ms"),
    "mean": ("latency mean", "ms"),
    "min": ("latency min", "ms"),
    "max": ("latency max", "ms"),
    "p90": ("latency p90", "ms"),
    "p99": ("latency p99", "ms"),
    "throughput": ("throughput", "inf/s"),
    "first_inference_ms": ("first inference", "ms"),
    "compile_ms": ("compile time", "ms"),
    "cached_compile_ms": ("compile time from cache", "ms"),
    "read_ms": ("model read time", "ms"),
    "compile_memory_mb": ("compile peak memory", "MiB"),
    "infer_memory_mb": ("inference peak memory", "MiB"),
}


def parse_gate(value: object) -> tuple[str, ...]:
    """Marker ``gate=``: a metric name or a list of them (ValueError names the unknown one)."""
    if isinstance(value, str):
        names: tuple[object, ...] = (value,)
    elif isinstance(value, (list, tuple)):
        names = tuple(value)
    else:
        names = ()
    if not names or not all(isinstance(n, str) for n in names):
        raise ValueError(f"expected a metric name or a list of them, from {', '.join(METRICS)}")
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric {unknown[0]!r} (known: {', '.join(METRICS)})")
    return tuple(str(n) for n in names)


def parse_fraction(value: object) -> float:
    """A tolerance: a fraction > 0 (0.05 = 5%)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 10:
        raise ValueError("expected a fraction > 0, e.g. 0.05 for 5%")
    return float(value)


def parse_tolerance(value: object) -> float | dict[str, float]:
    """Marker ``tolerance=``: a fraction, or a dict metric -> fraction."""
    if isinstance(value, dict):
        parse_gate(list(value))
        return {str(k): parse_fraction(v) for k, v in value.items()}
    return parse_fraction(value)
