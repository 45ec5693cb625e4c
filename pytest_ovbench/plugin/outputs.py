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
import functools
import json
from collections.abc import Callable
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
STDOUT_KEY = pytest.StashKey[list[str]]()


def document(records: list[dict[str, Any]], run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The --ov-json document: what ran (``run``: see :func:`run_context`), environment, then one
    record per measurement."""
    import platform

    import openvino

    return {
        "tool": f"pytest-ovbench {__version__}",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        **(run or {}),
        "environment": {
            "openvino": openvino.get_version(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "logical_cpus": logical_cpus(),
        },
        "units": {"latency": "ms", "throughput": "inferences/s", "duration": "s"},
        "measurements": records,
    }


def run_context(config: pytest.Config, records: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``ovbench merge`` needs to put shards together: the commit and branch measured, this
    runner's pytest-split shard (``{"group": K, "splits": N}``, null unsplit) and the suite-level
    control the verdicts were judged under (plugin/suite.py; null when nothing was judged)."""
    from pytest_ovbench.history.gitinfo import git_state

    git = git_state(Path(config.rootpath))
    split = config.pluginmanager.has_plugin("pytestsplitplugin")
    shard = {"group": config.getoption("group"), "splits": config.getoption("splits")} if split else None
    suite = next((r["suite"] for r in records if r.get("suite")), None)
    return {"commit": git.commit, "branch": git.branch, "shard": shard, "suite": suite}


def write_outputs(config: pytest.Config, records: list[dict[str, Any]]) -> list[Path]:
    """Write every file the options ask for (``--ov-json`` and ``--ov-report`` may each be given
    more than once), each on its own; returns the files written. A report to ``-`` is kept for
    the end of the terminal summary (:func:`stdout_reports`)."""
    written: list[Path] = []
    root = Path(config.invocation_params.dir)
    targets = output_options.output_targets(config)
    run = run_context(config, records) if any(kind == "json" for kind, _ in targets) else None
    for kind, relative in targets:
        if relative == output_options.STDOUT:
            _keep_for_stdout(config, kind, records)
            continue
        path = root / relative
        problem = write_output(path, functools.partial(render, kind, records, run))
        if problem is None:
            written.append(path)
        else:
            report_problem(config, problem)
    return written


def write_output(path: Path, text_of: Callable[[], str]) -> str | None:
    """Render and write one file; None, or what went wrong, naming the file."""
    try:
        text = text_of()
        path.parent.mkdir(parents=True, exist_ok=True)
        # A lone surrogate (from a baseline's "\ud800") cannot be encoded: shown escaped instead.
        write_atomically(path, text.encode("utf-8", "backslashreplace").decode("utf-8"))
    except Exception as exc:  # any one file's trouble, a renderer's bug too, must not stop the others
        return f"ovbench: cannot write {path}: {type(exc).__name__}: {exc}"
    return None


def _keep_for_stdout(config: pytest.Config, kind: str, records: list[dict[str, Any]]) -> None:
    try:
        config.stash.setdefault(STDOUT_KEY, []).append(render(kind, records))
    except Exception as exc:  # as for a file: said, and the exit status not 0
        problem = f"{type(exc).__name__}: {exc}"
        report_problem(config, f"ovbench: cannot render the report for standard output: {problem}")


def stdout_reports(config: pytest.Config) -> list[str]:
    """The reports asked for on standard output (``--ov-report=-``), rendered."""
    return config.stash.get(STDOUT_KEY, [])


def report_problem(config: pytest.Config, message: str) -> None:
    """Keep ``message`` for the summary and the exit status, and warn with it."""
    config.stash.setdefault(PROBLEMS_KEY, []).append(message)
    from pytest_ovbench.plugin.session import OvbenchWarning

    # -W error turns the warning into an exception: the summary and the exit status still say it.
    with contextlib.suppress(Warning):
        config.issue_config_time_warning(OvbenchWarning(message), stacklevel=2)


def problems(config: pytest.Config) -> list[str]:
    return config.stash.get(PROBLEMS_KEY, [])


def render(kind: str, records: list[dict[str, Any]], run: dict[str, Any] | None = None) -> str:
    """One output's text: ``json`` (strict: a non-finite figure, 5e-324 stored, is null), ``md``
    or ``html``."""
    if kind == "json":
        return json.dumps(json_ready(document(records, run)), indent=1, allow_nan=False)
    if kind == "md":
        from pytest_ovbench.report.markdown import render_markdown

        return render_markdown(records)
    from pytest_ovbench.report.html import render_html

    return render_html(records)
