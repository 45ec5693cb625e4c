"""Measuring a model again in a fresh process (stored mode's replicates; no pytest here).

Between processes an unchanged model differs far more than within one (where the memory lands,
which cores the threads get, the machine's state when it starts), so stored-baseline mode takes its
replicates there: a recorded baseline pools the pytest process's run and ``baseline_runs - 1``
fresh processes, and a suspected regression is confirmed in fresh processes before it fails a test.

The parent writes the prepared model as IR (once per session) and a job file into its private
temporary folder; ``python -m pytest_ovbench.measure.replicate JOB`` compiles and measures exactly as the
pytest process does and writes the :class:`~pytest_ovbench.measure.result.Result` beside the job. The
parent holds the machine-wide measurement lock meanwhile, so the child does not take it.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.errors import OvbenchError
from pytest_ovbench.measure.result import Result

CHILD_TIMEOUT_S = 600.0  # a replicate that takes longer than this is stuck, not slow
FRESH_START_S = 1.5  # what a fresh process costs before it measures (Python, OpenVINO, compiling)


@dataclass(frozen=True)
class Job:
    """What a fresh process needs to measure like the pytest process did."""

    model_xml: str
    device: str
    config: dict[str, Any]
    cache_dir: str | None
    settings: Settings
    mode: str
    yardstick: bool


class ReplicateError(OvbenchError):
    """A fresh process could not measure (its own words are in the message)."""


def save_model(model: Any, folder: Path) -> str:
    """The prepared model as IR in ``folder`` (weights as they are, no fp16 compression)."""
    import openvino

    folder.mkdir(parents=True, exist_ok=True)
    xml = folder / "model.xml"
    openvino.save_model(model, str(xml), compress_to_fp16=False)
    return str(xml)


def run_fresh(job: Job, folder: Path, timeout_s: float = CHILD_TIMEOUT_S) -> Result:
    """Measure in a new Python process; raise ReplicateError with the child's reason."""
    folder.mkdir(parents=True, exist_ok=True)
    job_path, out_path = folder / "job.pickle", folder / "result.pickle"
    out_path.unlink(missing_ok=True)
    try:
        job_path.write_bytes(pickle.dumps(job))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise ReplicateError(f"the settings cannot be handed to a fresh process ({exc})") from None
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest_ovbench.measure.replicate", str(job_path)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ReplicateError(f"a fresh process did not finish in {timeout_s:.0f} s") from None
    if done.returncode != 0 or not out_path.is_file():
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ReplicateError(f"a fresh process failed (exit {done.returncode}): {tail}")
    result = pickle.loads(out_path.read_bytes())  # our own file, in our private folder
    if not isinstance(result, Result):
        raise ReplicateError("a fresh process wrote something that is not a result")
    result.fresh_process = True
    return result


def measure_job(job: Job) -> Result:
    """Compile and measure as the pytest process does (the child's side)."""
    import openvino

    from pytest_ovbench.measure.runner import Rulers, measure
    from pytest_ovbench.measure.yardstick import build, build_probe, ruler_config
    from pytest_ovbench.runtime.compiling import compile_model

    core = openvino.Core()
    model = core.read_model(job.model_xml)
    compiled = compile_model(core, model, job.device, job.config, job.cache_dir)
    rulers = None
    if job.yardstick:
        config = ruler_config(job.config)
        rulers = Rulers(
            compile_model(core, build(), job.device, config),
            compile_model(core, build_probe(), job.device, config),
        )
    return measure(compiled, job.settings, job.mode, rulers=rulers)


def main(argv: list[str]) -> int:
    job_path = Path(argv[0])
    job = pickle.loads(job_path.read_bytes())  # written by our parent into its private folder
    result = measure_job(job)
    result.properties = dict(result.properties)
    (job_path.parent / "result.pickle").write_bytes(pickle.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
