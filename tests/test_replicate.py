"""Stored mode's replicates in fresh processes (replicate.py), with real OpenVINO."""

from __future__ import annotations

from pathlib import Path

import openvino as ov
import pytest
from tiny_models import build_tiny

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.measure.replicate import Job, ReplicateError, run_fresh, save_model
from pytest_ovbench.measure.runner import measure
from pytest_ovbench.runtime.compiling import compile_model

SETTINGS = Settings(niter=50, windows=5)


def job_for(tmp_path: Path, settings: Settings = SETTINGS, yardstick: bool = False) -> tuple[Job, object]:
    compiled = compile_model(ov.Core(), build_tiny(), "CPU", settings.compile_config("sync"))
    xml = save_model(compiled.model, tmp_path / "model")
    return Job(xml, "CPU", settings.compile_config("sync"), None, settings, "sync", yardstick), compiled


def test_a_fresh_process_measures_like_this_one(tmp_path: Path) -> None:
    job, compiled = job_for(tmp_path, yardstick=True)
    here = measure(compiled, SETTINGS, "sync")  # type: ignore[arg-type]
    fresh = run_fresh(job, tmp_path / "run")
    assert fresh.fresh_process and not here.fresh_process
    assert fresh.count == here.count == 50 and len(fresh.windows) == 5
    assert fresh.properties == here.properties  # compiled alike
    assert fresh.machine_ms is not None and fresh.probe_ms is not None  # the yardstick came along


def test_a_failing_fresh_process_says_why(tmp_path: Path) -> None:
    job, _ = job_for(tmp_path)
    (tmp_path / "model" / "model.xml").write_text("<not a model")
    with pytest.raises(ReplicateError, match="fresh process failed"):
        run_fresh(job, tmp_path / "run")


def test_settings_that_cannot_travel_are_refused_before_starting(tmp_path: Path) -> None:
    job, _ = job_for(tmp_path)
    unpicklable = Job(job.model_xml, "CPU", {"X": lambda: None}, None, SETTINGS, "sync", False)
    with pytest.raises(ReplicateError, match="cannot be handed to a fresh process"):
        run_fresh(unpicklable, tmp_path / "run")
