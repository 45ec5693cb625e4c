"""The output options' values (their definitions are in options.py): which files ``--ov-json``
and ``--ov-report`` ask for, checked when the session starts."""

from __future__ import annotations

from pathlib import Path

import pytest


def wants_latencies(config: pytest.Config) -> bool:
    """Records carry every latency only when a file output needs them."""
    return bool(config.getoption("ov_json") or config.getoption("ov_report"))


REPORT_FORMATS = {".md": "md", ".html": "html", ".htm": "html"}
STDOUT = Path("-")  # --ov-report=-: the report on standard output, after the terminal summary


def report_format(value: str) -> str:
    """``--ov-report-format``: md or html."""
    if value not in ("md", "html"):
        raise ValueError("expected md or html")
    return value


def output_targets(config: pytest.Config) -> list[tuple[str, Path]]:
    """Every output ``--ov-json`` and ``--ov-report`` ask for, as (``"json"``, ``"md"`` or
    ``"html"``, path relative to the invocation folder), each once. A report's format is its
    ending's (.md, .html); a path without one (``$GITHUB_STEP_SUMMARY``) takes
    ``--ov-report-format``; ``-`` is standard output (Markdown unless the format says HTML). One
    file cannot be both a JSON document and a report."""
    targets: dict[Path, tuple[str, str]] = {}
    for option in ("ov_json", "ov_report"):
        for value in config.getoption(option) or []:
            path = Path(value)
            kind = "json" if option == "ov_json" else _report_kind(config, value)
            known = targets.setdefault(path, (kind, value))
            if (known[0] == "json") != (kind == "json"):
                json_value, report_value = (value, known[1]) if kind == "json" else (known[1], value)
                raise pytest.UsageError(
                    f"--ov-json={json_value} and --ov-report={report_value} name the same file; "
                    "give each its own"
                )
    return [(kind, path) for path, (kind, _) in targets.items()]


def _report_kind(config: pytest.Config, value: str) -> str:
    ending = REPORT_FORMATS.get(Path(value).suffix.lower())
    chosen = config.getoption("ov_report_format")
    if ending is not None:
        return ending
    if chosen:
        return str(chosen)
    if value == str(STDOUT):
        return "md"
    raise pytest.UsageError(
        f"--ov-report={value}: the report is Markdown (.md) or HTML (.html); name the file with one of "
        "those endings, or say which with --ov-report-format=md (or html)"
    )


def report_path(config: pytest.Config) -> list[Path]:
    """Every ``--ov-report`` path, checked (see :func:`output_targets`); plugin/hooks.py calls it
    when the session starts, so that a bad one is a usage error then, not after the tests."""
    return [path for kind, path in output_targets(config) if kind != "json"]
