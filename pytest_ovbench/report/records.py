"""Measurements as plain JSON-able records.

A record travels with the test's report (so pytest-xdist brings it from a worker to the controller),
feeds the summary table and ``--ov-json``, and gives JUnit XML its properties.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_ovbench.judge.gate import worst
from pytest_ovbench.report.escaping import json_ready, junit_value, printable
from pytest_ovbench.report.layers import describe_change, layer_records
from pytest_ovbench.report.text import figure, machine_effect, sees

if TYPE_CHECKING:
    from pytest_ovbench.engine.measurement import Measurement, Run
    from pytest_ovbench.judge.verdict import Comparison


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def comparison_record(c: Comparison) -> dict[str, Any]:
    """``baseline`` is the stored figure as the YAML holds it and ``current`` the figure measured
    (over every run the verdict counted), ``change`` their ratio; with a machine-speed correction
    (stored mode's yardstick) ``machine`` is that factor (the yardstick's time now / at recording:
    1.04, the machine 4% slower), ``machine_change`` what the machine alone did to this figure
    (+4% on a latency, -3.8% on a throughput) and ``adjusted_change`` the change net of it, the
    model's own, which the verdict judged: (1 + change) / (1 + machine_change) - 1. Without a
    correction, both changes are equal and ``machine_change`` is null."""
    return {
        "metric": c.metric,
        "status": str(c.status),
        "baseline": _number(c.raw_baseline),
        "current": _number(c.current),
        "change": _number(c.raw_change),
        "machine": _number(c.machine),
        "machine_change": _number(machine_effect(c.metric, c.machine)),
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
        # reference mode: the 95% confidence interval of the paired change (null elsewhere)
        "ci_low": _number(c.interval[0]),
        "ci_high": _number(c.interval[1]),
    }


def measurement_record(m: Measurement, with_latencies: bool = False) -> dict[str, Any]:
    """Everything about one measurement a report or another tool needs. ``figures`` are the
    measurement's over all its runs (their geometric mean, as a baseline records them; a judged
    figure is the one its comparison judged), ``first_run`` the first run's, which ``count``,
    ``duration``, ``windows`` and ``latencies_ms`` describe. Paths are absolute here;
    :func:`relative_paths` makes them relative to pytest's rootdir."""
    result = m.result
    record: dict[str, Any] = {
        "nodeid": m.nodeid,
        "test": m.nodeid.partition("::")[2] or m.nodeid,
        "name": result.name,
        "mode": result.mode,
        "device": result.device,
        "environment": m.env_key,
        **_where(m),
        "verdict": m.written or str(worst(m.comparisons)),
        "source": m.source,
        "comparisons": [comparison_record(c) for c in m.comparisons],
        **_figures(m),
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
        "started": _utc(m.started),  # ISO 8601 UTC: the span the machine-wide lock was held
        "finished": _utc(m.finished),
        "lock_wait_s": m.lock_wait_s,
    }
    record.update(_optional_parts(m))
    if with_latencies:
        record["latencies_ms"] = [float(v) for v in result.latencies]
        if m.reference is not None:
            record["reference_latencies_ms"] = [float(v) for v in m.reference.latencies]
    return record


def relative_paths(record: dict[str, Any], root: Path) -> dict[str, Any]:
    """The record with its paths (the model file, the baseline file) relative to ``root``
    (pytest's rootdir), as posix paths; one outside it stays absolute."""
    for key in ("model", "baseline_file"):
        value = record.get(key)
        if isinstance(value, str) and Path(value).is_absolute():
            record[key] = _relative(Path(value), root)
    return record


def _relative(path: Path, root: Path) -> str:
    for base, target in ((root, path), (root.resolve(), path.resolve())):
        try:
            return target.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def _utc(epoch_s: float) -> str | None:
    """Epoch seconds as ISO 8601 in UTC (None for a time never set)."""
    if not epoch_s:
        return None
    return datetime.datetime.fromtimestamp(epoch_s, datetime.timezone.utc).isoformat(timespec="milliseconds")


def _where(m: Measurement) -> dict[str, Any]:
    """The model, what it was judged against, and the baseline file (stored mode)."""
    return {
        "model": m.result.model_path or m.result.model_name,
        "against": "baseline" if m.baseline_file is not None else "reference",
        "baseline_file": str(m.baseline_file) if m.baseline_file else None,
    }


def _figures(m: Measurement) -> dict[str, Any]:
    """The measurement's figures (all runs), the first run's, and when each run ran."""
    return {
        "figures": pooled_figures(m),
        "first_run": {"figures": {k: _number(v) for k, v in m.result.metrics.items()}},
        "runs": [_run_record(run) for run in m.runs],
    }


def _run_record(run: Run) -> dict[str, Any]:
    return {
        "started": run.started.isoformat(timespec="milliseconds"),
        "finished": run.finished.isoformat(timespec="milliseconds"),
        "fresh_process": run.fresh_process,
        "figures": {k: _number(v) for k, v in run.figures.items()},
    }


def _pool(values: list[float]) -> float | None:
    """The runs' figures as one: their geometric mean (a baseline's value), or their mean where
    one is not positive (a memory increase of 0 MiB)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return None
    if min(finite) > 0:
        return math.exp(sum(math.log(v) for v in finite) / len(finite))
    return sum(finite) / len(finite)


def pooled_figures(m: Measurement) -> dict[str, float | None]:
    """Every figure over all runs of the measurement; a judged one exactly as its comparison has
    it (the runs the verdict counted), so that no two places give two numbers for one figure."""
    figures = {k: _number(v) for k, v in m.result.metrics.items()}
    for metric in figures:
        values = [run.figures[metric] for run in m.runs if metric in run.figures]
        if len(values) > 1:
            figures[metric] = _pool(values)
    for c in m.comparisons:
        if c.metric in figures and not math.isnan(c.current):
            figures[c.metric] = float(c.current)
    return figures


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
    names and text printable (no control characters), figures to 4 significant digits as the
    baselines store them, non-finite numbers empty."""
    prefix = f"ovbench.{record['name']}"
    pairs: list[tuple[str, object]] = [(f"{prefix}.verdict", record["verdict"])]
    for c in record["comparisons"]:
        corrected = ("machine_change", "adjusted_change") if c.get("machine") is not None else ()
        paired = ("ci_low", "ci_high") if c.get("ci_low") is not None else ()
        for key in ("baseline", "current", "change", *corrected, *paired, "detectable", "status"):
            pairs.append((f"{prefix}.{c['metric']}.{key}", c[key]))
    if not record["comparisons"]:
        for metric in ("median", "throughput"):
            pairs.append((f"{prefix}.{metric}.current", record["figures"].get(metric)))
    return [(printable(name), junit_value(_rounded(value))) for name, value in pairs]


def _rounded(value: object) -> object:
    """A float to 4 significant digits (``0.01594``, ``13740``); anything else as it is."""
    if isinstance(value, float) and math.isfinite(value):
        return figure(value)
    return value
