"""Measurements as plain JSON-able records.

A record travels with the test's report (so pytest-xdist brings it from a worker to the controller),
feeds the summary table and ``--ov-json``, and gives JUnit XML its properties.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pytest_ovbench.judge.gate import worst
from pytest_ovbench.report.escaping import json_ready, junit_value, printable
from pytest_ovbench.report.layers import describe_change, layer_records
from pytest_ovbench.report.text import sees

if TYPE_CHECKING:
    from pytest_ovbench.engine.measurement import Measurement
    from pytest_ovbench.judge.verdict import Comparison


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def comparison_record(c: Comparison) -> dict[str, Any]:
    """``baseline`` is the stored figure as the YAML holds it and ``current`` the figure measured,
    ``change`` their ratio; with a machine-speed correction (stored mode's yardstick) ``machine``
    is that factor (1.04: the machine 4% slower than at recording) and ``adjusted_change`` the
    change the verdict judged, the model's own. Without one, both changes are equal."""
    return {
        "metric": c.metric,
        "status": str(c.status),
        "baseline": _number(c.raw_baseline),
        "current": _number(c.current),
        "change": _number(c.raw_change),
        "machine": _number(c.machine),
        "adjusted_change": _number(c.change),
        "tolerance": c.tolerance,
        "p_value": _number(c.p_value),
        "noise": _number(c.noise),
        "reason": c.reason,
        "overhead_share": c.overhead_share,
        # the smallest worsening it could have caught (90% power); "sees" the same as text, and
        # "none" where nothing was detectable at its false-alarm level (detectable is then null)
        "detectable": c.detectable if math.isfinite(c.detectable) else None,
        "sees": sees(c.detectable),
    }


def measurement_record(m: Measurement, with_latencies: bool = False) -> dict[str, Any]:
    """Everything about one measurement a report or another tool needs."""
    result = m.result
    record: dict[str, Any] = {
        "nodeid": m.nodeid,
        "test": m.nodeid.partition("::")[2] or m.nodeid,
        "name": result.name,
        "mode": result.mode,
        "device": result.device,
        "environment": m.env_key,
        "model": result.model_path or result.model_name,
        "verdict": m.written or str(worst(m.comparisons)),
        "source": m.source,
        "comparisons": [comparison_record(c) for c in m.comparisons],
        "figures": {k: _number(v) for k, v in result.metrics.items()},
        "count": result.count,
        "duration": result.duration,
        "nireq": result.nireq,
        "batch": result.batch,
        "foreign_load": result.foreign_load,
        # plain values only: a record crosses pytest-xdist's channel, which carries nothing else
        "properties": json_ready(dict(result.properties)),
        "settings": json_ready(dict(result.settings)),
        "windows": [w.figures for w in result.windows],
        "baseline_windows": dict(m.baseline_windows),
        "baseline_figures": {k: _number(v) for k, v in m.baseline_figures.items()},
        "started": m.started,  # epoch seconds: the span the machine-wide lock was held
        "finished": m.finished,
        "lock_wait_s": m.lock_wait_s,
    }
    record.update(_optional_parts(m))
    if with_latencies:
        record["latencies_ms"] = [float(v) for v in result.latencies]
        if m.reference is not None:
            record["reference_latencies_ms"] = [float(v) for v in m.reference.latencies]
    return record


def _optional_parts(m: Measurement) -> dict[str, Any]:
    """The parts of a record that only some measurements have."""
    result = m.result
    parts: dict[str, Any] = {}
    if m.other_classes:
        parts["other_classes"] = list(m.other_classes)
    if m.new_entry is not None:  # update mode: what was written (all runs pooled), not the first run
        parts["recorded_figures"] = {k: v["value"] for k, v in m.new_entry["metrics"].items()}
    if result.layers:
        parts["layers"] = layer_records(result.layers, m.baseline_layers)
        parts["layer_changes"] = [describe_change(change) for change in m.layer_changes]
    if result.machine_ms is not None:  # stored mode's rulers (yardstick.py), ms per inference
        parts["machine"] = {"yardstick_ms": result.machine_ms, "probe_ms": result.probe_ms}
    if result.groups:
        parts["groups"] = {label: stats.as_dict() for label, stats in result.groups.items()}
    if m.reference is not None:
        parts["reference_figures"] = {k: _number(v) for k, v in m.reference.metrics.items()}
    return parts


def junit_properties(record: dict[str, Any]) -> list[tuple[str, object]]:
    """Flat name/value pairs for JUnit XML <properties> (metric, baseline, current, change, verdict):
    names and text printable (no control characters), non-finite numbers empty."""
    prefix = f"ovbench.{record['name']}"
    pairs: list[tuple[str, object]] = [(f"{prefix}.verdict", record["verdict"])]
    for c in record["comparisons"]:
        for key in ("baseline", "current", "change", "detectable", "status"):
            pairs.append((f"{prefix}.{c['metric']}.{key}", c[key]))
    if not record["comparisons"]:
        for metric in ("median", "throughput"):
            pairs.append((f"{prefix}.{metric}.current", record["figures"].get(metric)))
    return [(printable(name), junit_value(value)) for name, value in pairs]
