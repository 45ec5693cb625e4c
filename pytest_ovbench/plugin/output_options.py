"""The output options' values (their definitions are in options.py): which files ``--ov-json``
and ``--ov-report`` ask for, checked when the session starts."""

from __future__ import annotations

from pathlib import Path

import pytest


def wants_latencies(config: pytest.Config) -> bool:
    """Records carry every latency only when a file output needs them."""
    return bool(config.getoption("ov_json") or config.getoption("ov_report"))


REPORT_ENDINGS = (".md", ".html", ".htm")


def output_targets(config: pytest.Config) -> list[tuple[str, Path]]:
    """Every file ``--ov-json`` and ``--ov-report`` ask for, as (``"json"`` or ``"report"``, path
    relative to the invocation folder), each once: a report must end in .md or .html, and one
    file cannot be both a JSON document and a report."""
    targets: dict[Path, tuple[str, str]] = {}
    for kind, option in (("json", "ov_json"), ("report", "ov_report")):
        for value in config.getoption(option) or []:
            path = Path(value)
            if kind == "report" and path.suffix.lower() not in REPORT_ENDINGS:
                raise pytest.UsageError(
                    f"--ov-report={value}: the report is Markdown (.md) or HTML (.html); "
                    "name the file with one of those endings"
                )
            known = targets.setdefault(path, (kind, value))
            if known[0] != kind:
                raise pytest.UsageError(
                    f"--ov-json={known[1] if kind == 'report' else value} and --ov-report="
                    f"{value if kind == 'report' else known[1]} name the same file; give each its own"
                )
    return [(kind, path) for path, (kind, _) in targets.items()]


def report_path(config: pytest.Config) -> list[Path]:
    """Every ``--ov-report`` path, checked (see :func:`output_targets`); plugin/hooks.py calls it
    when the session starts, so that a bad one is a usage error then, not after the tests."""
    return [path for kind, path in output_targets(config) if kind == "report"]
