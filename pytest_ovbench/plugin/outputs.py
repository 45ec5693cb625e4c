"""Files written at the end of a run: ``--ov-json`` and ``--ov-report`` (atomically), every one
given: ``--ov-report report.html --ov-report report.md`` writes both.

Each file stands alone: one that cannot be written (a full disk, an unwritable folder, a value a
renderer chokes on) is an ``OvbenchWarning`` naming the file and the error, listed again under the
terminal summary, and never keeps the other files or the summary from being written. It is also
kept under :data:`PROBLEMS_KEY`, and plugin/hooks.py turns a passing run's exit status into 3
(``INTERNAL_ERROR``): a CI job whose report or JSON is missing (or, atomic writes keeping the old
file, stale) must not go green.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from pytest_ovbench import __version__
from pytest_ovbench.atomic import write_atomically
from pytest_ovbench.plugin import output_options
from pytest_ovbench.report.escaping import json_ready
from pytest_ovbench.runtime.environment import logical_cpus

PROBLEMS_KEY = pytest.StashKey[list[str]]()
"""What ovbench could not do at the session's end (an output not written, the summary not shown)."""


def document(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The --ov-json document: environment, then one record per measurement."""
    import platform

    import openvino

    return {
        "tool": f"pytest-ovbench {__version__}",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "environment": {
            "openvino": openvino.get_version(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "logical_cpus": logical_cpus(),
        },
        "units": {"latency": "ms", "throughput": "inferences/s", "duration": "s"},
        "measurements": records,
    }


def write_outputs(config: pytest.Config, records: list[dict[str, Any]]) -> list[Path]:
    """Write every file the options ask for (``--ov-json`` and ``--ov-report`` may each be given
    more than once), each on its own; returns the files written."""
    written: list[Path] = []
    root = Path(config.invocation_params.dir)
    for kind, relative in output_options.output_targets(config):
        path = root / relative
        problem = write_output(kind, path, records)
        if problem is None:
            written.append(path)
        else:
            report_problem(config, problem)
    return written


def write_output(kind: str, path: Path, records: list[dict[str, Any]]) -> str | None:
    """Render and write one file; None, or what went wrong, naming the file."""
    try:
        text = render(kind, path, records)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A lone surrogate (from a baseline's "\ud800") cannot be encoded: shown escaped instead.
        write_atomically(path, text.encode("utf-8", "backslashreplace").decode("utf-8"))
    except Exception as exc:  # any one file's trouble, a renderer's bug too, must not stop the others
        return f"ovbench: cannot write {path}: {type(exc).__name__}: {exc}"
    return None


def report_problem(config: pytest.Config, message: str) -> None:
    """Keep ``message`` for the summary and the exit status, and warn with it."""
    config.stash.setdefault(PROBLEMS_KEY, []).append(message)
    from pytest_ovbench.plugin.session import OvbenchWarning

    # -W error turns the warning into an exception: the summary and the exit status still say it.
    with contextlib.suppress(Warning):
        config.issue_config_time_warning(OvbenchWarning(message), stacklevel=2)


def problems(config: pytest.Config) -> list[str]:
    return config.stash.get(PROBLEMS_KEY, [])


def render(kind: str, path: Path, records: list[dict[str, Any]]) -> str:
    if kind == "json":  # strict JSON: a non-finite figure (5e-324 stored: an infinite change) is null
        return json.dumps(json_ready(document(records)), indent=1, allow_nan=False)
    if path.suffix.lower() == ".md":
        from pytest_ovbench.report.markdown import render_markdown

        return render_markdown(records)
    from pytest_ovbench.report.html import render_html

    return render_html(records)
