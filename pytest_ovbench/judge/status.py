"""The one vocabulary of verdicts: what a comparison, a measurement and a test can come to.

Reports, JSON, JUnit properties and messages all spell a status as its value (``"regressed"``,
``"no baseline"``, ...); code compares with the members, never with the words.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Status(str, Enum):
    """A verdict, most serious first. A ``str``: it equals, hashes and prints as its value."""

    REGRESSED = "regressed"
    INCONCLUSIVE = "inconclusive"
    IMPROVED = "improved"
    NO_BASELINE = "no baseline"
    PASS = "pass"
    # Reference mode: the model's files are the reference revision's, byte for byte, so it was not
    # measured against them. Least serious: with any other verdict, that one speaks.
    UNCHANGED = "unchanged"

    __hash__ = str.__hash__  # a plain "pass" finds Status.PASS in a dict, and the reverse

    def __str__(self) -> str:
        return str(self.value)

    @property
    def severity(self) -> int:
        """How much it speaks for a measurement: regressed 5 ... pass 1, unchanged 0."""
        return len(Status) - 1 - list(Status).index(self)


def worst(statuses: Iterable[Status]) -> Status:
    """The status that speaks for several: regressed > inconclusive > improved > ... > pass >
    unchanged; none: no baseline."""
    return max(statuses, key=lambda status: status.severity, default=Status.NO_BASELINE)
