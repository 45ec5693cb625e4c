"""Measuring and judging one call of ``infer_sync``/``infer_queue``: stored-baseline mode and
reference mode. The statistics live in verdict.py, gate.py and stored.py; this module fetches what they
need (baseline entries, reference models) and keeps what they say in a Measurement.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from pytest_ovbench.baselines.entry import describe, make_entry, result_samples, stored_baseline
from pytest_ovbench.baselines.layers import kept_layers, layer_entry
from pytest_ovbench.baselines.store import BaselineError, Entries, module_file
from pytest_ovbench.config.settings import Settings
from pytest_ovbench.engine.history_gate import HistoryGate, with_creep, with_history
from pytest_ovbench.engine.measurement import Measurement, Run, now_utc
from pytest_ovbench.engine.workspace import Workspace
from pytest_ovbench.errors import OvbenchError
from pytest_ovbench.judge.baseline import StoredBaseline
from pytest_ovbench.judge.gate import Policy, judge_paired, with_marker
from pytest_ovbench.judge.plan import layer_changes
from pytest_ovbench.judge.rewrite import should_rewrite
from pytest_ovbench.judge.status import Status
from pytest_ovbench.judge.stored import judge_stored
from pytest_ovbench.judge.verdict import Comparison, Sample
from pytest_ovbench.measure.contention import wait_until_quiet
from pytest_ovbench.measure.paired import COMPILED_COPIES, Pairing, balanced_copies
from pytest_ovbench.measure.replicate import FRESH_START_S, ReplicateError
from pytest_ovbench.measure.result import Result
from pytest_ovbench.measure.runner import measure
from pytest_ovbench.runtime.compiling import Compiled
from pytest_ovbench.runtime.environment import is_classified, openvino_version
from pytest_ovbench.runtime.models import LoadedModel, model_hash
from pytest_ovbench.runtime.reference import files_at_revision, unchanged_since


def split_nodeid(nodeid: str) -> tuple[str, str]:
    """'tests/test_a.py::TestX::test_y[CPU]' -> ('tests/test_a.py', 'TestX::test_y[CPU]')."""
    module, _, test_id = nodeid.partition("::")
    return module, test_id or module


def baseline_location(workspace: Workspace, nodeid: str) -> tuple[Path, str]:
    module, test_id = split_nodeid(nodeid)
    if not module:
        raise OvbenchError(
            f"no baseline file for {nodeid}: its module is outside pytest's rootdir "
            f"({workspace.rootdir}), so its node id names no module to key baselines on; run pytest "
            "with a rootdir that holds the module (--rootdir, or an ini file in a common parent)"
        )
    try:
        return module_file(workspace.baselines_dir, module), test_id
    except ValueError as exc:
        raise OvbenchError(f"no baseline file for {nodeid}: {exc}") from None


def policy_for(workspace: Workspace, settings: Settings) -> Policy:
    return with_marker(workspace.policy, settings.gate, settings.tolerance)


def relative(workspace: Workspace, path: Path) -> str:
    try:
        return path.relative_to(workspace.rootdir).as_posix()
    except ValueError:
        return str(path)


def read_entries(workspace: Workspace, path: Path) -> Entries:
    try:
        return workspace.entries(path)
    except BaselineError as exc:
        raise OvbenchError(str(exc)) from None


def _finish(result: Result, loaded: LoadedModel) -> Result:
    result.read_ms = loaded.read_ms if loaded.path is not None else None
    result.model_path = str(loaded.path) if loaded.path else None
    return result


class _Runs:
    """The runs of one stored-mode measurement: the first in this process, the rest each in a
    fresh one (measure/replicate.py), or in this one where that cannot work (said once)."""

    def __init__(
        self, workspace: Workspace, compiled: Compiled, settings: Settings, mode: str, label: str
    ) -> None:
        self.workspace, self.compiled, self.settings, self.mode = workspace, compiled, settings, mode
        self.watch = workspace.watch(label, settings.stop_rule()[1])
        self.rulers = workspace.rulers(settings, mode)
        self.fallback: list[str] = []  # why fresh processes could not be used, once
        self.run_s = 0.0  # what one fresh run costs, about: the last run here and a fresh start
        self.log: list[Run] = []  # every run, when it ran (reports)

    def here(self) -> Result:
        start, started = time.monotonic(), now_utc()
        result = measure(self.compiled, self.settings, self.mode, self.watch, self.rulers)
        self.run_s = time.monotonic() - start + FRESH_START_S
        self.log.append(Run(started, now_utc(), False, result.metrics))
        return result

    def fresh(self) -> Result:
        if not self.fallback:
            try:
                with self.watch():  # the progress line counts the fresh process too
                    started = now_utc()
                    result = self.workspace.fresh_run(self.compiled, self.settings, self.mode)
                self.log.append(Run(started, now_utc(), True, result.metrics))
                return result
            except ReplicateError as exc:
                self.fallback.append(f"runs after the first measured in this process: {exc}")
        return self.here()


def against_baseline(
    workspace: Workspace,
    nodeid: str,
    loaded: LoadedModel,
    compiled: Compiled,
    settings: Settings,
    mode: str,
    env_key: str,
) -> Measurement:
    """Measure; unless updating, compare with the stored entry (no entry: 'no baseline')."""
    path, test_id = baseline_location(workspace, nodeid)
    entries = read_entries(workspace, path)  # a corrupt file fails fast, before measuring
    runs = _Runs(workspace, compiled, settings, mode, f"{test_id} {settings.name or mode!r}")
    result = _finish(runs.here(), loaded)
    measurement = Measurement(nodeid, result, loaded, env_key, baseline_file=path, test_id=test_id)
    stored = entries.get(test_id, {}).get(result.name, {})
    policy = policy_for(workspace, settings)
    if workspace.update:
        more = [_finish(runs.fresh(), loaded) for _ in range(policy.baseline_runs - 1)]
        planned_update(measurement, stored.get(env_key), policy, [result, *more], workspace.rootdir)
    elif env_key not in stored:
        measurement.source = missing_baseline(relative(workspace, path), env_key, list(stored))
        measurement.other_classes = [key for key in stored if is_classified(key)]
    else:
        entry = stored[env_key]
        measurement.source = f"{relative(workspace, path)}, {describe(entry)}"
        baseline = stored_baseline(entry)
        keep_baseline(measurement, dict(baseline.samples))
        compare_layers(measurement, baseline.layers)
        judge = lambda chosen: judge_stored(  # noqa: E731
            result, chosen, policy, lambda: _finish(runs.fresh(), loaded), runs.run_s, wait_until_quiet
        )
        measurement.comparisons = _judged(workspace.history, measurement, baseline, policy, judge)
    measurement.notes += runs.fallback
    measurement.runs = runs.log
    return measurement


def _judged(
    gate: HistoryGate | None,
    measurement: Measurement,
    baseline: StoredBaseline,
    policy: Policy,
    judge: Callable[[StoredBaseline], list[Comparison]],
) -> list[Comparison]:
    """The stored-mode verdict; with a history store, against the recent runs of the main branch
    where there are enough, then the creep check (engine/history_gate.py)."""
    if gate is None:
        return judge(baseline)
    result = measurement.result
    series = gate.series(measurement.nodeid, result.name, policy.metrics(result.mode), measurement.env_key)
    chosen, used = with_history(baseline, series, gate.branch)
    measurement.source = f"{measurement.source}; {used}"
    comparisons, notes = with_creep(judge(chosen), series, gate)
    measurement.notes += notes
    return comparisons


def missing_baseline(where: str, env_key: str, others: list[str]) -> str:
    """Why a test has no baseline here: none at all, only other hardware classes', or only entries
    written before hardware classes (never used: they cannot tell which class made them)."""
    text = f"no entry in {where} for this runner's class {env_key!r}"
    classes = [key for key in others if is_classified(key)]
    legacy = [key for key in others if not is_classified(key)]
    if classes:
        text += "; baselines exist for other classes: " + ", ".join(repr(key) for key in classes)
    if legacy:
        text += (
            "; entries recorded before hardware classes are not used ("
            + ", ".join(repr(key) for key in legacy)
            + "): re-record on each kind of runner with --ov-update-baselines"
        )
    return text


def compare_layers(measurement: Measurement, baseline: Mapping[str, Mapping[str, Any]] | None) -> None:
    """With per-layer counters on both sides: the exact plan changes and the biggest time moves."""
    layers = measurement.result.layers
    if not layers or not baseline:
        return
    measurement.baseline_layers = baseline
    measurement.layer_changes = layer_changes(baseline, layers)


def keep_baseline(measurement: Measurement, samples: dict[str, Sample]) -> None:
    """What the run was compared with, for reports: every figure and the window values."""
    measurement.baseline_figures = {k: v.value for k, v in samples.items()}
    measurement.baseline_windows = {k: list(v.windows) for k, v in samples.items() if v.windows}


def planned_update(
    measurement: Measurement,
    entry: dict[str, Any] | None,
    policy: Policy,
    runs: list[Result],
    rootdir: Path | None = None,
) -> Measurement:
    """Update mode: a new entry (from all ``runs``) only where a figure moved beyond its noise, the
    plan changed, or there was none; the measurement's foreign load is the worst of its runs. In a
    rewritten entry, the layers whose plan and time did not move keep their stored lines
    (``baselines/layers.kept_layers``); paths are stored relative to ``rootdir``."""
    loads = [r.foreign_load for r in runs if r.foreign_load is not None]
    measurement.result.foreign_load = max(loads) if loads else None
    if should_rewrite(None if entry is None else stored_baseline(entry), runs, policy):
        sha = model_hash(measurement.model.path)
        new_entry = make_entry(runs, sha, openvino_version(), rootdir)
        if entry is not None and entry.get("layers") and new_entry.get("layers"):
            new_entry["layers"] = kept_layers(entry["layers"], new_entry["layers"])
        measurement.new_entry = new_entry
        measurement.written = "recorded"
    else:
        measurement.written = "unchanged"
    return measurement


@dataclass(frozen=True)
class Reference:
    """What reference mode measures against: the model (None: nothing to measure, new in this change
    or unchanged), where it came from, and whether its files are the candidate's, byte for byte."""

    model: LoadedModel | None
    source: str
    unchanged: bool = False


def reference_model(workspace: Workspace, loaded: LoadedModel, spec: Any) -> Reference:
    """The reference (a path or Model from ``reference=``, else the files at --ov-reference-rev)."""
    if spec is not None:
        return Reference(workspace.load_model(spec), f"reference {spec}")
    rev = str(workspace.reference_rev)
    if loaded.path is None:
        raise OvbenchError(
            f"--ov-reference-rev={rev} needs the model as a file in the git checkout; this one is an "
            "in-memory openvino.Model (give reference= instead)"
        )
    path = files_at_revision(loaded.path, rev, workspace.temp_dir())
    where = f"{relative(workspace, loaded.path)} at {rev}"
    if path is None:
        return Reference(None, f"{where}: not in that revision")
    if unchanged_since(loaded.path, path):
        return Reference(None, f"{where}: the same files, byte for byte", unchanged=True)
    return Reference(workspace.load_model(path), where)


def unchanged_comparisons(result: Result, policy: Policy) -> list[Comparison]:
    """One ``unchanged`` per gated metric: nothing compared (no reference figure), the current
    figure kept for reports."""
    return [
        Comparison(
            metric,
            Status.UNCHANGED,
            math.nan,
            result.metrics.get(metric, math.nan),
            policy.rule(metric, paired=True).tolerance,
            reason="the model's files are identical at the reference revision: not measured against it",
        )
        for metric in policy.metrics(result.mode)
    ]


def _without_reference(
    workspace: Workspace, measurement: Measurement, reference: Reference, settings: Settings
) -> Measurement:
    """A model new at the revision (no baseline) or unchanged there: measured once, for its figures."""
    measurement.source = reference.source
    if reference.unchanged:
        measurement.comparisons = unchanged_comparisons(measurement.result, policy_for(workspace, settings))
    return measurement


class _Rounds:
    """Reference mode's rounds, each logged (when it ran, the candidate's figures) for --ov-json."""

    def __init__(self, pairing: Pairing) -> None:
        self.pairing = pairing
        self.log: list[Run] = []

    def __call__(self) -> tuple[Result, Result]:
        started = now_utc()
        pair = self.pairing()
        self.log.append(Run(started, now_utc(), False, pair[0].metrics))
        return pair


def against_reference(
    workspace: Workspace,
    nodeid: str,
    loaded: LoadedModel,
    compiled: Compiled,
    settings: Settings,
    mode: str,
    spec: Any,
    env_key: str,
) -> Measurement:
    """Reference mode: candidate and reference alternate in one run; the paired ratio decides."""
    reference = reference_model(workspace, loaded, spec)
    if reference.model is None:  # new in this change, or unchanged: nothing to measure against
        alone = Measurement(nodeid, _finish(measure(compiled, settings, mode), loaded), loaded, env_key)
        return _without_reference(workspace, alone, reference, settings)
    rng = np.random.default_rng()
    models = (loaded, reference.model)
    # Fresh copies for both sides, not the test's own `compiled`: made and used first, it measured
    # about 1% slower than later compilations of the same model (docs/verdict.md).
    sides = balanced_copies(
        lambda side, copy: workspace.compile(models[side], settings, mode, copy), COMPILED_COPIES, rng
    )
    label = f"{split_nodeid(nodeid)[1]} {settings.name or mode!r} vs reference"
    windows = max(settings.windows, 2)
    pairing = Pairing(sides[0], sides[1], replace(settings, windows=windows), mode, rng=rng)
    seconds = pairing.settings.stop_rule()[1]
    pairing.watch = workspace.watch(label, 2 * seconds if seconds else None)
    rounds = _Rounds(pairing)
    candidate, ref_result, comparisons = judge_paired(
        rounds, policy_for(workspace, settings), wait_until_quiet
    )
    source = reference.source
    measurement = Measurement(nodeid, _finish(candidate, loaded), loaded, env_key, comparisons, source)
    measurement.reference, measurement.runs = ref_result, rounds.log
    keep_baseline(measurement, result_samples(ref_result))
    compare_layers(measurement, layer_entry(ref_result.layers) if ref_result.layers else None)
    return measurement
