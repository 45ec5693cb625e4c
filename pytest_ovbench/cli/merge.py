"""``ovbench merge SHARD.json ...``: one verdict over the shards of a split suite.

Each runner of ``pytest --splits N --group K --ov-json shard-K.json`` (pytest-split) writes its
own document; this reads them all, checks they belong together (report/merge.py), prints the
verdict table pytest's summary prints for all their measurements and a line of counts, and writes
the reports, merged JSON and JUnit XML asked for. Exit status 1 when a measurement regressed, 0
when none did, 2 when the files cannot be merged or an output cannot be written (each problem one
line on standard error, naming the file).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_ovbench import __version__
from pytest_ovbench.atomic import write_atomically
from pytest_ovbench.file_kind import special_kind
from pytest_ovbench.report.escaping import json_ready, printable
from pytest_ovbench.report.merge import (
    MergeError,
    Shard,
    check_shards,
    counts_line,
    merged_document,
    regressed,
    shard_of,
)
from pytest_ovbench.report.text import suite_line, summary_table

__all__ = ["MAX_SHARD_BYTES", "add_merge_command", "read_shard", "run_merge"]

MAX_SHARD_BYTES = 64 * 1024 * 1024
"""The largest shard document read (64 MiB: a shard with every latency of hundreds of tests is a few)."""

USAGE = 2
SUITE_KEYS = ("tests", "alpha", "level")
REPORT_KINDS = {".md": "md", ".html": "html", ".htm": "html"}
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
)


def add_merge_command(commands: Any) -> None:
    """Register ``merge`` on ``ovbench``'s subparsers."""
    summary = "one verdict over the --ov-json files of a split suite's shards (exit 1 when one regressed)"
    parser = commands.add_parser(
        "merge",
        help=summary,
        description=f"{summary[0].upper()}{summary[1:]}: the verdict table and counts of all their "
        "measurements, and the reports, JSON and JUnit XML of the whole suite.",
        epilog="Exit codes: 0 nothing regressed, 1 a measurement regressed, 2 the files cannot be "
        "merged (a shard missing or given twice, a test measured twice, different commits) or an "
        "output cannot be written.",
    )
    parser.add_argument("shards", nargs="+", metavar="SHARD.json", help="a shard's --ov-json file")
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        type=report_path,
        metavar="PATH",
        help="write a report: Markdown if PATH ends in .md, HTML if in .html (repeatable)",
    )
    parser.add_argument(
        "--junitxml", type=Path, metavar="PATH", help="write JUnit XML, one testcase per test"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the merged --ov-json document")
    parser.add_argument(
        "--allow-mixed-commits",
        action="store_true",
        help="merge shards run at different commits (a warning instead of an error)",
    )
    parser.set_defaults(run=run_merge)


def report_path(value: str) -> Path:
    """``--report``: a path ending in .md or .html."""
    if Path(value).suffix.lower() not in REPORT_KINDS:
        raise argparse.ArgumentTypeError(
            f"{value!r} ends in neither .md (Markdown) nor .html (HTML); name it so"
        )
    return Path(value)


def run_merge(args: argparse.Namespace) -> int:
    root = Path(getattr(args, "rootdir", "."))
    outputs = _outputs(args)
    if len({root / path for _, path in outputs}) < len(outputs):
        return _usage_errors(["two of --report, --json and --junitxml name the same file; give each its own"])
    shards, problems = read_shards(root, args.shards)
    if problems:
        return _usage_errors(problems)
    errors, warnings = check_shards(shards, args.allow_mixed_commits)
    for warning in warnings:
        print(f"ovbench merge: warning: {warning}", file=sys.stderr)
    if errors:
        return _usage_errors(errors)
    created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    document = merged_document(shards, f"pytest-ovbench {__version__}", created)
    records = document["measurements"]
    print("\n".join(summary_table(records)))
    print(counts_line(records, len(shards)))
    suite = document.get("suite")
    numbers = isinstance(suite, dict) and all(isinstance(suite.get(k), (int, float)) for k in SUITE_KEYS)
    if numbers and isinstance(suite, dict):
        print(suite_line(suite))  # the level every shard judged at (plugin/suite.py)
    failed = [p for kind, path in outputs if (p := _write(root / path, _renderer(kind, document)))]
    if failed:
        return _usage_errors(failed)
    return 1 if regressed(records) else 0


def _usage_errors(problems: list[str]) -> int:
    for problem in problems:
        print(f"ovbench merge: error: {problem}", file=sys.stderr)
    return USAGE


def read_shards(root: Path, files: list[str]) -> tuple[list[Shard], list[str]]:
    """Every file as a :class:`Shard`, and the problems of those that are not one."""
    shards: list[Shard] = []
    problems: list[str] = []
    for file in files:
        try:
            shards.append(shard_of(file, read_shard(root / file, file)))
        except MergeError as error:
            problems.append(str(error))
    return shards, problems


def read_shard(path: Path, name: str) -> Any:
    """The parsed JSON of a regular file of at most MAX_SHARD_BYTES; MergeError naming it."""
    shown = printable(name)
    try:
        kind = special_kind(os.stat(path).st_mode)
        if kind is not None:
            raise MergeError(f"{shown} is {kind}, not a --ov-json file; refused without reading it")
        data = _read_bounded(path)
    except FileNotFoundError:
        raise MergeError(f"{shown}: no such file; give the --ov-json file each shard wrote") from None
    except OSError as error:
        raise MergeError(f"cannot read {shown}: {error.strerror or error}") from None
    if len(data) > MAX_SHARD_BYTES:
        raise MergeError(f"{shown} is over {MAX_SHARD_BYTES // 2**20} MiB; refused without parsing it")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error).splitlines()[0]
        raise MergeError(
            f"{shown} is not JSON ({printable(reason)}); give the --ov-json file each shard wrote"
        ) from None


def _read_bounded(path: Path) -> bytes:
    """At most one byte past MAX_SHARD_BYTES: a larger file (or one growing) is refused, not read."""
    descriptor = os.open(path, _OPEN_FLAGS)
    try:
        chunks: list[bytes] = []
        remaining = MAX_SHARD_BYTES + 1
        while remaining > 0 and (chunk := os.read(descriptor, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    return b"".join(chunks)


def _outputs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(kind, path) of each output asked for, in the order reports, JSON, JUnit."""
    outputs = [(REPORT_KINDS[path.suffix.lower()], path) for path in args.report]
    asked = (("json", args.json), ("junit", args.junitxml))
    return outputs + [(kind, path) for kind, path in asked if path is not None]


def _renderer(kind: str, document: dict[str, Any]) -> Callable[[], str]:
    records = document["measurements"]
    if kind == "json":  # strict JSON, as --ov-json writes it
        return lambda: json.dumps(json_ready(document), indent=1, allow_nan=False)
    if kind == "junit":
        from pytest_ovbench.report.junit import render_junit

        return lambda: render_junit(records, document["created"])
    if kind == "md":
        from pytest_ovbench.report.markdown import render_markdown

        return lambda: render_markdown(records)
    from pytest_ovbench.report.html import render_html

    return lambda: render_html(records)


def _write(path: Path, text_of: Callable[[], str]) -> str | None:
    """Render and write one output atomically; None, or the one line saying why not."""
    try:
        text = text_of()
        path.parent.mkdir(parents=True, exist_ok=True)
        # A lone surrogate (a baseline's "\ud800") cannot be encoded: shown escaped instead.
        write_atomically(path, text.encode("utf-8", "backslashreplace").decode("utf-8"))
    except OSError as error:
        return f"cannot write {printable(path)}: {error.strerror or error}; fix the path"
    except Exception as error:  # a record a renderer chokes on: the other outputs are still written
        return f"cannot write {printable(path)}: {type(error).__name__}: {printable(error)}"
    print(f"ovbench merge: wrote {printable(path)}")
    return None
