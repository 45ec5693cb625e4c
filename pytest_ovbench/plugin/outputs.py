"""Files written at the end of a run: ``--ov-json`` and ``--ov-report`` (atomically)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from pytest_ovbench import __version__
from pytest_ovbench.atomic import write_atomically
from pytest_ovbench.plugin import options
from pytest_ovbench.runtime.environment import logical_cpus


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
    """Write what the options ask for; a file that cannot be written is a warning, not a crash."""
    written: list[Path] = []
    root = Path(config.invocation_params.dir)
    targets: list[tuple[str, Path]] = []
    if config.getoption("ov_json"):
        targets.append(("json", root / config.getoption("ov_json")))
    report = options.report_path(config)
    if report is not None:
        targets.append(("report", root / report))
    for kind, path in targets:
        try:
            text = render(kind, path, records)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, text)
        except OSError as exc:
            from pytest_ovbench.plugin.session import OvbenchWarning

            config.issue_config_time_warning(OvbenchWarning(f"ovbench: cannot write {path}: {exc}"), 2)
            continue
        written.append(path)
    return written


def render(kind: str, path: Path, records: list[dict[str, Any]]) -> str:
    if kind == "json":
        return json.dumps(document(records), indent=1, allow_nan=False)
    if path.suffix.lower() == ".md":
        from pytest_ovbench.report.markdown import render_markdown

        return render_markdown(records)
    from pytest_ovbench.report.html import render_html

    return render_html(records)
