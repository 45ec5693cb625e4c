"""The three-way merge of shard baselines folders into the folder they were copied from.

A suite split over CI runners (pytest-split shards) records baselines on each runner into its own
copy of the repository's folder, the *base*; each runner changes only its own tests' entries. So a
shard *changed* an entry when its content differs from the base's, or the base lacks it. Every
changed entry is taken; two shards that changed one entry to different contents are a conflict,
never settled by picking one. An entry a shard lacks but the base has is kept: shards only add or
update. Contents are compared as the data a baseline file holds (:func:`dumping.plain`: numbers
rounded as written), never as text, so a file a shard merely wrote back again changes nothing.

Generic over the key (anything hashable that names one entry, e.g. ``cli.snapshot.Ref``), so this
module knows nothing of folders, files or the command line. Plain Python: no pytest, no OpenVINO.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pytest_ovbench.baselines.dumping import plain

__all__ = ["Change", "Conflict", "MergePlan", "plan_merge", "same_content"]

K = TypeVar("K", bound=Hashable)
Entry = dict[str, Any]


@dataclass(frozen=True)
class Change(Generic[K]):
    """An entry to write into the base: its new content and the shards that made this change."""

    key: K
    entry: Entry
    shards: tuple[str, ...]
    added: bool
    """True if the base has no entry under ``key`` (else the base's entry is updated)."""


@dataclass(frozen=True)
class Conflict(Generic[K]):
    """An entry shards changed to different contents: one group of shard names per content."""

    key: K
    groups: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class MergePlan(Generic[K]):
    """What merging the shards into the base does; write nothing while ``conflicts`` is not empty."""

    changes: tuple[Change[K], ...]
    conflicts: tuple[Conflict[K], ...]
    unchanged: int
    """Entries of the base that no shard changed (kept as they are)."""


def same_content(first: Entry, second: Entry) -> bool:
    """Whether two entries hold the same data once written (floats rounded as the writer rounds them)."""
    return bool(plain(first) == plain(second))


def plan_merge(base: Mapping[K, Entry], shards: Sequence[tuple[str, Mapping[K, Entry]]]) -> MergePlan[K]:
    """The three-way merge of ``shards`` (each a name and its entries) into ``base``.

    Keys keep the order in which the shards first changed them; a change several shards made
    alike is one change naming them all.
    """
    proposals = _proposals(base, shards)
    changes: list[Change[K]] = []
    conflicts: list[Conflict[K]] = []
    for key, proposed in proposals.items():
        groups = _by_content(proposed)
        if len(groups) > 1:
            conflicts.append(Conflict(key, tuple(names for names, _ in groups)))
        else:
            names, entry = groups[0]
            changes.append(Change(key, entry, names, key not in base))
    return MergePlan(tuple(changes), tuple(conflicts), len(set(base) - set(proposals)))


def _proposals(
    base: Mapping[K, Entry], shards: Sequence[tuple[str, Mapping[K, Entry]]]
) -> dict[K, list[tuple[str, Entry]]]:
    """Per key, each shard that changed it against the base, with its content."""
    proposals: dict[K, list[tuple[str, Entry]]] = {}
    for name, entries in shards:
        for key, entry in entries.items():
            if key not in base or not same_content(base[key], entry):
                proposals.setdefault(key, []).append((name, entry))
    return proposals


def _by_content(proposed: Sequence[tuple[str, Entry]]) -> list[tuple[tuple[str, ...], Entry]]:
    """The distinct contents among ``proposed``, each with the names of the shards that hold it."""
    groups: list[tuple[list[str], Entry]] = []
    for name, entry in proposed:
        for names, content in groups:
            if same_content(content, entry):
                names.append(name)
                break
        else:
            groups.append(([name], entry))
    return [(tuple(names), entry) for names, entry in groups]
