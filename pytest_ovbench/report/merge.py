"""The shards of a split suite as one run (``ovbench merge``): the ``--ov-json`` documents that
the runners of ``pytest --splits N --group K`` wrote, checked against each other and merged into
one document, whose measurements give one verdict, one table and one JUnit file
(:mod:`~pytest_ovbench.report.junit`).

Pure: parsed JSON in; a :class:`Shard`, the problems found, the merged document and its counts
out. No files (cli/merge.py reads and writes them), no pytest, no OpenVINO. A document is refused
with one line naming its file; a problem between shards (one missing, one given twice, a test
measured in two files, different commits) with one line naming the files and the tests.

The checks know the fields ``--ov-json`` gained for merging (``shard``, ``commit``, ``branch``,
``suite``) and accept documents written before them, which can then only be checked for tests
measured twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_ovbench.judge.status import Status
from pytest_ovbench.report.escaping import printable

__all__ = [
    "MergeError",
    "Shard",
    "check_shards",
    "counts_line",
    "merged_document",
    "regressed",
    "shard_of",
]

FIX = "give the files that pytest --ov-json wrote"
_TEXT_KEYS = ("nodeid", "test", "name", "verdict", "environment")
_COMPARISON_NUMBERS = ("baseline", "current", "change", "detectable", "p_value")
_OPTIONAL_NUMBERS = (
    *("machine", "machine_change", "adjusted_change"),
    *("tolerance", "noise", "ci_low", "ci_high"),
)
_LARGEST_INTEGER = 10**300  # a figure beyond floats would break the formatting, not just look odd


class MergeError(Exception):
    """A file that is not a shard's document, one line naming it and what is wrong."""


@dataclass(frozen=True, eq=False)  # each file its own shard, even one given twice
class Shard:
    """One shard's ``--ov-json`` document (checked by :func:`shard_of`) and the file it came from."""

    file: str  # as the user named it, for messages
    document: dict[str, Any]

    @property
    def records(self) -> list[dict[str, Any]]:
        return list(self.document["measurements"])

    @property
    def split(self) -> tuple[int, int] | None:
        """(group K, splits N) of ``pytest --splits N --group K``; None unsplit or not said."""
        shard = self.document.get("shard")
        if not isinstance(shard, dict) or shard.get("group") is None:
            return None
        return int(shard["group"]), int(shard["splits"])

    @property
    def commit(self) -> str | None:
        return self.document.get("commit")

    @property
    def tests(self) -> int | None:
        """How many gated tests the shard's suite counted (its false-alarm control), if said."""
        suite = self.document.get("suite")
        return suite.get("tests") if isinstance(suite, dict) else None

    @property
    def classes(self) -> frozenset[str]:
        """The hardware classes its measurements ran on: which runner it was."""
        return frozenset(str(r["environment"]) for r in self.document["measurements"])


def shard_of(file: str, value: Any) -> Shard:
    """``value`` (a parsed JSON file) as a :class:`Shard`; MergeError naming ``file`` unless it is an
    ovbench ``--ov-json`` document whose measurements the table, reports and JUnit can show."""
    name = printable(file)
    if not isinstance(value, dict) or not str(value.get("tool", "")).startswith("pytest-ovbench"):
        raise MergeError(f"{name} is not a pytest-ovbench --ov-json document; {FIX}")
    if not isinstance(value.get("measurements"), list):
        raise MergeError(f"{name} has no list of measurements; {FIX}")
    problem = _run_problem(value) or next(
        (p for i, r in enumerate(value["measurements"]) if (p := _record_problem(i, r))), None
    )
    if problem:
        raise MergeError(f"{name}: {problem}; {FIX}")
    return Shard(file, value)


def _run_problem(document: dict[str, Any]) -> str | None:
    """What is wrong with the run's fields (absent in documents older than them: fine)."""
    for key in ("commit", "branch"):
        if not isinstance(document.get(key), (str, type(None))):
            return f'"{key}" is not text or null'
    suite = document.get("suite")
    if suite is not None and not (isinstance(suite, dict) and _is_count(suite.get("tests"), True)):
        return '"suite" is not null or an object with a count of "tests"'
    shard = document.get("shard")
    if shard is None or (isinstance(shard, dict) and shard.get("group") is shard.get("splits") is None):
        return None
    group, splits = (shard.get("group"), shard.get("splits")) if isinstance(shard, dict) else (0, 0)
    if not (isinstance(group, int) and isinstance(splits, int) and _is_count(group) and _is_count(splits)):
        group, splits = 1, 0  # not counts: refused below
    if group > splits:
        return f'"shard" is not null or {{"group": K, "splits": N}} with 1 <= K <= N: {printable(shard)}'
    return None


def _record_problem(index: int, record: Any) -> str | None:
    """What keeps measurement ``index`` from being shown, or None."""
    if not isinstance(record, dict):
        return f"measurement {index} is not an object"
    where = f"measurement {index} ({printable(record.get('nodeid'))})"
    missing = [key for key in _TEXT_KEYS if not isinstance(record.get(key), str)]
    if missing:
        return f'{where} has no text "{missing[0]}"'
    if not isinstance(record.get("figures"), dict) or not all(map(_is_number, record["figures"].values())):
        return f'{where} has no "figures" object of numbers'
    comparisons = record.get("comparisons")
    if not isinstance(comparisons, list):
        return f'{where} has no list of "comparisons"'
    problem = next((p for c in comparisons if (p := _comparison_problem(c))), None)
    return f"{where}: {problem}" if problem else None


def _comparison_problem(comparison: Any) -> str | None:
    if not isinstance(comparison, dict):
        return "a comparison is not an object"
    if not (isinstance(comparison.get("metric"), str) and isinstance(comparison.get("status"), str)):
        return 'a comparison has no text "metric" and "status"'
    numbers = [*_COMPARISON_NUMBERS, *(k for k in _OPTIONAL_NUMBERS if k in comparison)]
    if comparison.get("machine") is not None:  # the machine-speed correction's own figures
        numbers += ["machine_change", "adjusted_change"]
    wrong = next((key for key in numbers if key not in comparison or not _is_number(comparison[key])), None)
    return (
        f'comparison {printable(comparison["metric"])!r} has no number or null "{wrong}"' if wrong else None
    )


def _is_number(value: object) -> bool:
    if value is None or isinstance(value, float):
        return True
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < _LARGEST_INTEGER


def _is_count(value: object, zero: bool = False) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and (0 if zero else 1) <= value < 10**9


# Checks between shards


def check_shards(shards: Sequence[Shard], allow_mixed_commits: bool = False) -> tuple[list[str], list[str]]:
    """The errors (which stop the merge) and the warnings (said, then merged) among ``shards``,
    each one line naming the files and the tests."""
    # a shard given twice also measured its tests twice: said once, as the shard's
    errors = _split_problems(shards) or _duplicate_tests(shards)
    mixed = _mixed_commits(shards)
    warnings = _suite_warnings(shards)
    if mixed and allow_mixed_commits:
        warnings.insert(0, mixed)
    elif mixed:
        errors.append(f"{mixed}; merge the shards of one commit, or pass --allow-mixed-commits")
    return errors, warnings


def _split_problems(shards: Sequence[Shard]) -> list[str]:
    """All shards of one split (the same N), each group once and none missing, per runner. A
    shard that measured nothing belongs to no runner in particular: with one runner it is that
    runner's; with several it fills a gap in each but is never a second copy of a group."""
    split = [s for s in shards if s.split is not None]
    sizes = {s.split[1] for s in split if s.split}
    if len(sizes) > 1:
        given = ", ".join(f"{printable(s.file)} ({s.split[1] if s.split else '?'} splits)" for s in split)
        return [f"the shards come from different splits: {given}; merge the shards of one split"]
    splits = next(iter(sizes), 0)
    measured = runners(split)
    if len(measured) < 2:
        return _given_twice(split) + _missing(split, splits) if split else []
    problems = []
    for runner in measured:
        with_empty = [s for s in split if s in runner or not s.classes]
        problems += _given_twice(runner) + _missing(with_empty, splits)
    return problems


def runners(split: Sequence[Shard]) -> list[list[Shard]]:
    """The shards that measured something, grouped by the runner that ran them: shards that share
    a hardware class are one runner's (a CI matrix of runners, each split alike, gives one group
    per runner; a runner's shards may each see only some of its classes). In the order given."""
    groups: list[tuple[set[str], list[Shard]]] = []
    for shard in (s for s in split if s.classes):
        joined = [g for g in groups if g[0] & shard.classes]
        classes, members = set(shard.classes), [shard]
        for g in joined:
            classes |= g[0]
            members += g[1]
            groups.remove(g)
        groups.append((classes, members))
    order = {id(s): i for i, s in enumerate(split)}
    return [sorted(members, key=lambda s: order[id(s)]) for _, members in groups]


def _given_twice(runner: Sequence[Shard]) -> list[str]:
    seen: dict[tuple[int, int], Shard] = {}
    problems = []
    for shard in runner:
        assert shard.split is not None
        first = seen.setdefault(shard.split, shard)
        if first is not shard:
            group, splits = shard.split
            problems.append(
                f"shard {group} of {splits} is given twice: {printable(first.file)} and "
                f"{printable(shard.file)}; give each shard's file once"
            )
    return problems


def _missing(runner: Sequence[Shard], splits: int) -> list[str]:
    present = {s.split[0] for s in runner if s.split}
    missing = [str(group) for group in range(1, splits + 1) if group not in present]
    if not missing:
        return []
    given = ", ".join(printable(s.file) for s in runner)
    what = (
        f"shard {missing[0]} of {splits} is"
        if len(missing) == 1
        else f"shards {', '.join(missing)} of {splits} are"
    )
    return [f"{what} missing ({given} given); merge every shard's file"]


def _duplicate_tests(shards: Sequence[Shard]) -> list[str]:
    """A measurement (test, name, hardware class) in two files, which would hide one another: one
    line per pair of files, naming the first such test and how many more there are."""
    seen: dict[tuple[str, str, str], int] = {}
    pairs: dict[tuple[int, int], list[tuple[str, str, str]]] = {}
    for index, shard in enumerate(shards):
        for key in dict.fromkeys((r["nodeid"], r["name"], r["environment"]) for r in shard.records):
            first = seen.setdefault(key, index)
            if first != index:
                pairs.setdefault((first, index), []).append(key)
    return [_twice_line(shards[a], shards[b], keys) for (a, b), keys in pairs.items()]


def _twice_line(first: Shard, second: Shard, keys: Sequence[tuple[str, str, str]]) -> str:
    nodeid, name, environment = keys[0]
    more = f" (and {len(keys) - 1} more)" if len(keys) > 1 else ""
    return (
        f"{printable(nodeid)} {printable(name)!r} on {printable(environment)!r}{more} was measured in "
        f"both {printable(first.file)} and {printable(second.file)}; give each shard's file once"
    )


def _mixed_commits(shards: Sequence[Shard]) -> str | None:
    commits = _by_value(shards, lambda s: s.commit)
    if len(commits) < 2:
        return None
    shown = "; ".join(f"{printable(commit)}: {', '.join(files)}" for commit, files in commits.items())
    return f"the shards were run at different commits ({shown})"


def _suite_warnings(shards: Sequence[Shard]) -> list[str]:
    counts = _by_value(shards, lambda s: s.tests)
    if len(counts) < 2:
        return []
    shown = "; ".join(f"{count} in {', '.join(files)}" for count, files in counts.items())
    return [
        f"the shards counted different numbers of gated tests ({shown}): their verdicts were judged "
        "at different false-alarm levels (run every shard with the same selection of tests)"
    ]


def _by_value(shards: Iterable[Shard], value_of: Any) -> dict[Any, list[str]]:
    """The files by a value they have (not None), in the order given."""
    found: dict[Any, list[str]] = {}
    for shard in shards:
        if (value := value_of(shard)) is not None:
            found.setdefault(value, []).append(printable(shard.file))
    return found


# The merged run


def merged_document(shards: Sequence[Shard], tool: str, created: str) -> dict[str, Any]:
    """One ``--ov-json`` document of all shards' measurements (shard by shard, in group order):
    its ``shard`` null and ``shards`` what was merged; the commit and branch where all agree;
    environment and units the first shard's (each shard's own environment is in ``shards``)."""
    ordered = sorted(shards, key=lambda s: s.split[0] if s.split else math.inf)
    first = ordered[0].document
    return {
        "tool": tool,
        "created": created,
        "commit": _common(s.commit for s in ordered),
        "branch": _common(s.document.get("branch") for s in ordered),
        "shard": None,
        "shards": [_shard_summary(s) for s in ordered],
        "suite": next((s.document["suite"] for s in ordered if s.document.get("suite")), None),
        "environment": first.get("environment"),
        "units": first.get("units"),
        "measurements": [record for s in ordered for record in s.records],
    }


def _shard_summary(shard: Shard) -> dict[str, Any]:
    document = shard.document
    keys = ("shard", "commit", "branch", "tool", "created", "environment")
    return {"file": shard.file, **{k: document.get(k) for k in keys}, "measurements": len(shard.records)}


def _common(values: Iterable[str | None]) -> str | None:
    """The one value all that have one agree on; None if none has one or they differ."""
    distinct = {v for v in values if v is not None}
    return distinct.pop() if len(distinct) == 1 else None


def regressed(records: Iterable[dict[str, Any]]) -> bool:
    """Whether any measurement regressed: the merged run's exit status is then 1."""
    return any(r["verdict"] == Status.REGRESSED for r in records)


def counts_line(records: Sequence[dict[str, Any]], files: int) -> str:
    """``ovbench merge: 6 measurements from 2 shards: 1 regressed, 5 pass`` (most serious first)."""
    verdicts = [str(r["verdict"]) for r in records]
    order = [str(status) for status in Status]
    kinds = sorted(dict.fromkeys(verdicts), key=lambda v: order.index(v) if v in order else len(order))
    counts = ", ".join(f"{verdicts.count(v)} {printable(v)}" for v in kinds) or "nothing measured"
    measurements = "measurement" if len(records) == 1 else "measurements"
    shards = "shard" if files == 1 else "shards"
    return f"ovbench merge: {len(records)} {measurements} from {files} {shards}: {counts}"
