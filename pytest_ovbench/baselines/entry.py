"""The content of one baseline entry: made from a result, read back as samples for the verdict.

An entry (one test, one measurement, one environment) looks like::

    recorded: '2026-11-23'
    openvino: 2026.4.1-22982-...
    model_sha256: 3f1c...        # first 16 hex digits; None for in-memory models
    mode: sync
    processes: 5
    properties: {NUM_STREAMS: 1, PERFORMANCE_HINT: LATENCY, ...}
    settings: {hint: latency, time: 2.0, windows: 10, inputs: data/image.png, ...}
    metrics:
      median: {value: 5.53, runs: [5.5, 5.52, ...]}   # ms; each run's figure: what the verdict uses
      throughput: {value: 178.3, runs: [...]}         # inferences/s
      first_inference_ms: {value: 9.1}
    layers:                      # with perf_counts: one line per node (baselines/layers.py)
      conv: {exec_type: brgconv_avx2_f32, real_time_ms: 0.1234, spread_ms: 0.0031, status: EXECUTED, ...}

Older entries also hold ``windows`` (each window's figure) per metric: still read, never written
again, since no verdict uses them (the runs are the replicates).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_ovbench.baselines.errors import shown
from pytest_ovbench.baselines.layers import pooled_layers, validate_layer_entry
from pytest_ovbench.judge.baseline import StoredBaseline
from pytest_ovbench.judge.machine_speed import Machine
from pytest_ovbench.judge.verdict import Sample
from pytest_ovbench.measure.result import Result
from pytest_ovbench.measure.stats import geometric_mean
from pytest_ovbench.measure.yardstick import PROBE
from pytest_ovbench.metrics import METRICS, SINGLE_METRICS, WINDOW_METRICS

MIN_FIGURE = 1e-9
MAX_FIGURE = 1e12
"""The range of every stored figure (ms, inferences/s, MiB): outside it a figure is corrupt, and
the ratios and means taken from it would overflow or divide by (nearly) zero."""


def make_entry(
    runs: Sequence[Result], model_sha256: str | None, openvino: str, rootdir: Path | None = None
) -> dict[str, Any]:
    """The entry that records one or more runs of a measurement: what the verdict needs, compactly.
    Each metric keeps its value (the runs' geometric mean) and each run's figure when there are
    several (the replicates the verdict uses); per-layer profiles pool every run
    (``baselines/layers.py``). Paths among the settings are relative to ``rootdir`` where they lie
    inside it, so that every checkout records the same text."""
    metrics: dict[str, Any] = {}
    for name in [n for n in METRICS if all(n in run.metrics for run in runs)]:
        values = [run.metrics[name] for run in runs]
        metrics[name] = {"value": geometric_mean(values)}
        if len(runs) > 1 and name in WINDOW_METRICS:
            metrics[name]["runs"] = values
    first = runs[0]
    loads = [run.foreign_load for run in runs if run.foreign_load is not None]
    entry: dict[str, Any] = {
        "recorded": datetime.date.today().isoformat(),
        "openvino": openvino,
        "model_sha256": model_sha256,
        "mode": first.mode,
        "properties": dict(first.properties),
        "settings": _relative_inputs(dict(first.settings), rootdir),
        "foreign_load": max(loads) if loads else None,
        "metrics": metrics,
    }
    fresh = sum(run.fresh_process for run in runs)
    if fresh:
        entry["processes"] = fresh + 1  # runs in separate processes (replicate.py): their spread is real
    if first.layers and all(run.layers for run in runs):
        entry["layers"] = pooled_layers([run.layers for run in runs])
    machine = _machine_entry(runs)
    if machine:
        entry["machine"] = machine
    return entry


def _relative_inputs(settings: dict[str, Any], rootdir: Path | None) -> dict[str, Any]:
    """``settings`` with the paths of ``inputs`` (a path, or a mapping of input names to paths)
    relative to ``rootdir`` where they lie inside it: the checkout's own location is no setting."""
    inputs = settings.get("inputs")
    if rootdir is None or inputs is None:
        return settings
    if isinstance(inputs, dict):
        settings["inputs"] = {name: _relative(value, rootdir) for name, value in inputs.items()}
    else:
        settings["inputs"] = _relative(inputs, rootdir)
    return settings


def _relative(value: Any, rootdir: Path) -> Any:
    if not isinstance(value, str) or not Path(value).is_absolute():
        return value  # a pinned array's description ("array [1, 3] float32"), a number
    try:
        return Path(value).relative_to(rootdir).as_posix()
    except ValueError:
        return value  # outside the rootdir: kept as given


def _machine_entry(runs: Sequence[Result]) -> dict[str, Any]:
    """The machine's speed while the runs were measured (yardstick.py), or {} without one."""
    speeds = [run.machine_ms for run in runs if run.machine_ms is not None]
    if not runs[0].yardstick or len(speeds) != len(runs):
        return {}
    machine: dict[str, Any] = {"yardstick": runs[0].yardstick, "value": geometric_mean(speeds)}
    if len(runs) > 1:
        machine["runs"] = speeds
    probes = [run.probe_ms for run in runs if run.probe_ms is not None]
    if len(probes) == len(runs):
        machine["probe"] = {"name": PROBE, "value": geometric_mean(probes)}
        if len(runs) > 1:
            machine["probe"]["runs"] = probes
    return machine


def result_samples(result: Result) -> dict[str, Sample]:
    """Every gateable metric of a result, with its window values."""
    figures = result.metrics
    samples = {n: Sample(figures[n], tuple(w.figures[n] for w in result.windows)) for n in WINDOW_METRICS}
    samples.update({n: Sample(figures[n], ()) for n in SINGLE_METRICS if n in figures})
    return samples


def entry_samples(entry: dict[str, Any]) -> dict[str, Sample]:
    """The metrics of a stored entry (validated by :func:`validate_entry` first)."""
    return {
        name: Sample(
            float(m["value"]),
            tuple(float(v) for v in m.get("windows", ())),
            tuple(float(v) for v in m.get("runs", ())),
        )
        for name, m in entry["metrics"].items()
    }


def _figure(value: Any) -> bool:
    """A number within [MIN_FIGURE, MAX_FIGURE] (so not NaN or infinite; a huge int compares fine)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return MIN_FIGURE <= value <= MAX_FIGURE


_RANGE = f"from {MIN_FIGURE:g} to {MAX_FIGURE:g}"


def validate_entry(entry: dict[str, Any]) -> None:
    """Raise ValueError naming what is wrong with a (possibly hand-edited) entry."""
    metrics = entry.get("metrics")
    if not isinstance(metrics, dict) or not metrics:
        raise ValueError("'metrics' must be a mapping of metric names to {value, windows}")
    for name, metric in metrics.items():
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r} (known: {', '.join(METRICS)})")
        if not isinstance(metric, dict):
            raise ValueError(f"metrics -> {name}: must be a mapping with 'value', 'windows' and 'runs'")
        _validate_figures(f"metrics -> {name}", metric)
    if "layers" in entry:
        validate_layer_entry(entry["layers"])
    if "machine" in entry:
        _validate_machine(entry["machine"])


def _validate_machine(machine: Any) -> None:
    if not isinstance(machine, dict) or not isinstance(machine.get("yardstick"), str):
        raise ValueError("'machine' must be a mapping with 'yardstick' (a name), 'value' and 'runs'")
    _validate_figures("machine", machine)
    if "probe" in machine:
        probe = machine["probe"]
        if not isinstance(probe, dict) or not isinstance(probe.get("name"), str):
            raise ValueError("machine -> probe: must be a mapping with 'name', 'value' and 'runs'")
        _validate_figures("machine -> probe", probe)


def _validate_figures(where: str, block: dict[str, Any]) -> None:
    """``value`` and each of ``windows`` and ``runs`` (where present) must be figures in range."""
    if not _figure(block.get("value")):
        raise ValueError(f"{where}: 'value' must be a number {_RANGE}, got {shown(block.get('value'))}")
    for key in ("windows", "runs"):
        values = block.get(key, [])
        if not isinstance(values, list):
            raise ValueError(f"{where}: {key!r} must be a list of numbers {_RANGE}")
        wrong = [value for value in values if not _figure(value)]
        if wrong:
            raise ValueError(f"{where}: {key!r} must be a list of numbers {_RANGE}, got {shown(wrong[0])}")


def machine_sample(entry: dict[str, Any]) -> Machine | None:
    """The machine's speed when the entry was recorded: the yardstick's (and the probe's) ms per
    inference; the probe only if it is the one this version measures."""
    machine = entry.get("machine")
    if not isinstance(machine, dict):
        return None
    probe = machine.get("probe")
    return Machine(
        str(machine["yardstick"]),
        _speed_sample(machine),
        _speed_sample(probe) if isinstance(probe, dict) and probe.get("name") == PROBE else None,
    )


def _speed_sample(block: dict[str, Any]) -> Sample:
    return Sample(float(block["value"]), (), tuple(float(v) for v in block.get("runs", ())))


def stored_baseline(entry: dict[str, Any]) -> StoredBaseline:
    """A (validated) entry as the judge takes it."""
    processes = entry.get("processes")
    return StoredBaseline(
        samples=entry_samples(entry),
        machine=machine_sample(entry),
        processes=int(processes) if processes else None,
        properties=dict(entry.get("properties") or {}),
        layers=entry.get("layers"),
    )


def describe(entry: dict[str, Any]) -> str:
    """Where a baseline came from, for messages: 'recorded 2026-11-20, openvino 2026.4.1'."""
    parts = []
    if entry.get("recorded"):
        parts.append(f"recorded {entry['recorded']}")
    if entry.get("openvino"):
        parts.append(f"openvino {str(entry['openvino']).split('-')[0]}")
    return ", ".join(parts)
