"""When ``--ov-update-baselines`` rewrites a stored entry: only when something moved beyond its
noise, so baseline diffs in pull requests show only real changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pytest_ovbench.judge.baseline import StoredBaseline
from pytest_ovbench.judge.gate import Policy
from pytest_ovbench.judge.plan import layer_changes
from pytest_ovbench.judge.stored import stored_comparison, stored_floor
from pytest_ovbench.judge.verdict import IMPROVED, REGRESSED
from pytest_ovbench.measure.result import Result


def should_rewrite(baseline: StoredBaseline | None, runs: Sequence[Result], policy: Policy) -> bool:
    """On --ov-update-baselines: rewrite only when a figure moved beyond its noise (any verdict
    but pass on the gated metrics and median/throughput, all runs together) or the compiled
    properties changed, so baseline diffs in PRs show only real changes."""
    if baseline is None or baseline.properties != runs[0].properties:
        return True
    if runs[0].layers and (not baseline.layers or plan_moved(baseline.layers, runs)):
        return True  # no stored plan yet, or the plan changed: exact, no noise involved
    stored = baseline.samples
    metrics = sorted({*policy.metrics(runs[0].mode), "median", "throughput"})
    if any(m not in stored for m in metrics):
        return True
    machine = baseline.machine
    ruler, probe = runs[0].yardstick, runs[0].probe_ms
    if ruler and (machine is None or machine.yardstick != ruler or (probe and machine.probe is None)):
        return True  # the entry predates this yardstick or the probe: record the machine's speed
    if any(run.fresh_process for run in runs) and not baseline.processes:
        return True  # the entry's runs shared one process: record the spread between processes
    rules = {m: replace(policy.rule(m), floor=stored_floor(baseline, policy)) for m in metrics}
    made = [stored_comparison(stored, runs, m, rules[m], machine) for m in metrics]
    return any(c.status in (REGRESSED, IMPROVED) or abs(c.change) > c.tolerance for c in made)


def plan_moved(baseline: Mapping[str, Mapping[str, Any]], runs: Sequence[Result]) -> bool:
    """A plan change every new run shows. A node whose status or implementation differs between
    the new runs themselves flickers (OpenVINO reports some nodes either way from run to run): it
    is not a reason to rewrite an unchanged model's entry."""
    profiled = [run.layers for run in runs if run.layers]
    moved = [{(c.name, c.kind, c.after) for c in layer_changes(baseline, layers)} for layers in profiled]
    return bool(set.intersection(*moved)) if moved else False
