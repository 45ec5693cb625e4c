"""``ovbench``: a command-line tool over a baselines folder (also ``python -m pytest_ovbench``).

Commands, each with the common options ``--dir DIR`` (the baselines folder, default ``baselines``)
and ``--rootdir DIR`` (default ``.``; ``--dir`` and folder arguments are resolved against it):

``list [--test SUBSTR] [--env SUBSTR]``
    One row per entry: file, test id, measurement, environment key, date recorded, OpenVINO version
    and the main figure (latency median of a sync entry, throughput of an async one).
``show TEST [--measurement NAME] [--env SUBSTR]``
    Every field of the matching entries: where and with what each was recorded (date, OpenVINO,
    model hash, compiled properties, settings, foreign load) and each metric with its windows.
    TEST is a test id or part of ``module.py::test id``.
``diff A B [--threshold FRACTION]``
    A and B are each a folder or ``git:REV`` (the baselines folder as committed at REV). Prints the
    entries only in A (removed), only in B (added), and the changed figures of entries in both,
    each marked "worse" or "better"; also changed OpenVINO versions, model hashes and properties.
``mv OLD NEW [--force]``
    Carries every entry of a renamed test (all measurements, all hardware classes) from node id OLD
    to NEW (``tests/test_a.py::test_x``), in the same baseline file or into another module's, under
    the files' locks, each file replaced atomically. Refused if OLD has no entries, or if NEW already
    has some (unless ``--force``: they are replaced).
``prune [--dry-run] [--class KEY ... | --all-classes] [-- PYTEST_ARGS...]``
    Removes the entries of tests that no longer exist, as found by ``pytest --collect-only`` run in
    a subprocess. Prunes nothing if collection fails; keeps the entries of a module that was not
    collected unless its file is gone. Removes only this machine's hardware classes' entries (test
    ids may depend on the machine), unless ``--class`` names classes or ``--all-classes`` says all;
    says per class what goes and what is kept as another runner's.
``merge-baselines SHARD... [--into DIR] [--dry-run]``
    Merges the baselines folders that the shards of a split suite recorded (``pytest
    --ov-update-baselines --splits N --group K``, each in a copy of the repository) into ``--into``
    (default ``--dir``): every entry a shard added or changed is taken, the others are kept. Two
    shards that changed one entry differently, a missing shard folder or a malformed file: refused,
    nothing written.

History commands (the store ``--ov-history`` writes: an SQLite file or a ``postgresql://`` URL;
docs/history.md):

``trend URL [--test PATTERN] [--class KEY] [--html PATH]``
    The change points of each series (where, by how much, how surely); exit 1 when one is reported.
``history URL --test ID``
    One series as a table.
``prune-history URL --keep N``
    Keeps the newest N rows of each series.

``merge SHARD.json... [--report PATH]... [--json PATH] [--junitxml PATH] [--allow-mixed-commits]``
    One verdict over the ``--ov-json`` files of a split suite's shards (``pytest --splits N --group
    K``): the verdict table and counts of all their measurements, and the reports, merged JSON and
    JUnit XML of the whole suite. Exit 1 when a measurement regressed; 2 when the files do not make
    one run (a shard missing or given twice, a test measured twice, different commits) or an output
    cannot be written.

Exit codes: 0 done (``diff`` is informational), 1 a folder, revision, file or history store cannot be
used, prune, mv or merge-baselines refused, ``trend`` reported a change, or ``merge`` found a
regression; 2 bad arguments, and for ``merge`` shard files that do not make one run. Baseline files are read
and written only through :mod:`pytest_ovbench.baselines.store`, the history only through
:mod:`pytest_ovbench.history.store`; no pytest import (prune runs pytest as a subprocess) and no
OpenVINO.

This module parses the arguments and runs the command; each command lives in its own module
(``listing``, ``show``, ``diff``, ``move``, ``prune`` over the entries that ``snapshot`` loads;
``trend`` and ``history`` over a history store).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_ovbench import __version__
from pytest_ovbench.baselines.store import BaselineError
from pytest_ovbench.cli.diff import Side, run_diff
from pytest_ovbench.cli.history import add_history_commands
from pytest_ovbench.cli.listing import run_list
from pytest_ovbench.cli.merge import add_merge_command
from pytest_ovbench.cli.merge_baselines import add_merge_baselines_command
from pytest_ovbench.cli.move import node_id_type, run_move
from pytest_ovbench.cli.prune import run_prune
from pytest_ovbench.cli.show import run_show
from pytest_ovbench.cli.snapshot import CliError
from pytest_ovbench.cli.trend import add_trend_command

__all__ = ["CliError", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns the exit code (argparse exits with 2 on bad arguments)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (CliError, BaselineError) as error:
        print(f"ovbench: error: {error}", file=sys.stderr)
        return 1


# Arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ovbench",
        description="Inspect, compare, rename, prune and merge pytest-ovbench baseline files; merge "
        "split suites' verdicts; read the "
        "history store (trends, series, pruning).",
        epilog="Exit codes: 0 done, 1 a folder, revision, file or history store cannot be used, a change "
        "refused, trend reported a change point or merge a regression; 2 bad arguments (merge: also "
        "shard files that do not make one run).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_common(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_list(commands)
    _add_show(commands)
    _add_diff(commands)
    _add_move(commands)
    _add_prune(commands)
    add_merge_baselines_command(commands)
    add_merge_command(commands)
    add_trend_command(commands)
    add_history_commands(commands)
    return parser


def _add_common(parser: argparse.ArgumentParser, suppress: str | None = None) -> None:
    parser.add_argument(
        "--dir",
        default=suppress or "baselines",
        help="baselines folder, relative to --rootdir (default: baselines)",
    )
    parser.add_argument(
        "--rootdir",
        default=suppress or ".",
        type=Path,
        metavar="DIR",
        help="project root, pytest's rootdir (default: .)",
    )


def _subparser(commands: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text)
    _add_common(parser, argparse.SUPPRESS)  # given after the command: overrides; else the main default
    return parser


def _add_list(commands: Any) -> None:
    parser = _subparser(commands, "list", "one row per baseline entry, with its main figure")
    parser.add_argument("--test", metavar="SUBSTR", help="only tests whose `module.py::test id` has this")
    parser.add_argument("--env", metavar="SUBSTR", help="only environment keys containing this")
    parser.set_defaults(run=run_list)


def _add_show(commands: Any) -> None:
    parser = _subparser(commands, "show", "every field of the entries of one test")
    parser.add_argument("test", metavar="TEST", help="a test id, or part of `module.py::test id`")
    parser.add_argument("--measurement", metavar="NAME", help="only this measurement")
    parser.add_argument("--env", metavar="SUBSTR", help="only environment keys containing this")
    parser.set_defaults(run=run_show)


def _add_diff(commands: Any) -> None:
    parser = _subparser(commands, "diff", "compare two baselines folders, or one at a git revision")
    for name in ("a", "b"):
        parser.add_argument(
            name, metavar=name.upper(), type=side_type, help="a folder (relative to --rootdir), or git:REV"
        )
    parser.add_argument(
        "--threshold",
        type=fraction_type,
        default=0.0,
        metavar="FRACTION",
        help="hide metric changes smaller than this (0.05 = 5%%; default 0)",
    )
    parser.set_defaults(run=run_diff)


def _add_move(commands: Any) -> None:
    parser = _subparser(commands, "mv", "carry a renamed test's baseline entries over to its new node id")
    parser.add_argument(
        "old", metavar="OLD", type=node_id_type, help="the old node id, e.g. tests/test_a.py::test_x"
    )
    parser.add_argument("new", metavar="NEW", type=node_id_type, help="the new node id (any module)")
    parser.add_argument("--force", action="store_true", help="replace the entries NEW already has")
    parser.set_defaults(run=run_move)


def _add_prune(commands: Any) -> None:
    parser = _subparser(commands, "prune", "remove the entries of tests that no longer exist")
    parser.add_argument("--dry-run", action="store_true", help="print what would be removed, change nothing")
    classes = parser.add_mutually_exclusive_group()
    classes.add_argument(
        "--class",
        dest="classes",
        action="append",
        default=[],
        metavar="KEY",
        help="prune the entries of this hardware class (an environment key as `list` shows it; "
        "repeatable) instead of this machine's classes",
    )
    classes.add_argument(
        "--all-classes",
        action="store_true",
        help="prune the entries of every hardware class, also those whose tests may exist only on "
        "other runners (test ids that depend on the machine)",
    )
    parser.add_argument(
        "pytest_args", nargs="*", metavar="PYTEST_ARGS", help="after --: arguments for pytest --collect-only"
    )
    parser.set_defaults(run=run_prune)


def side_type(value: str) -> Side:
    """``diff`` side: ``git:REV`` or a folder path."""
    if not value.startswith("git:"):
        return Side(value, None)
    rev = value[len("git:") :]
    if not rev or rev.startswith("-") or rev.isspace():
        raise argparse.ArgumentTypeError(
            f"{value!r} names no git revision; write one after 'git:', e.g. git:HEAD or git:origin/main"
        )
    return Side(value, rev)


def fraction_type(value: str) -> float:
    """``--threshold``: a fraction >= 0."""
    try:
        fraction = float(value)
    except ValueError:
        fraction = math.nan
    if not (math.isfinite(fraction) and fraction >= 0):
        raise argparse.ArgumentTypeError(f"{value!r} is not a fraction >= 0; write e.g. 0.05 for 5%")
    return fraction
