"""Suite-level false-alarm control (``--ov-suite-control``, docs/verdict.md).

A suite of m gated tests, each judged at a false-alarm level alpha, gives a false "regressed"
somewhere with a chance of up to m x alpha: 200 tests at 1% is two red builds a run. With the
control on (the default), each test is judged at alpha / m (Bonferroni, the first step of Holm's
method), so the chance of any false "regressed" in the whole suite stays at most alpha, however
the tests are later split over runners.

m is counted once collection has settled what runs (after ``-k``/``-m``), but before pytest-split
takes this runner's share: every shard of a split suite, and the unsplit suite, count the same m
and judge each test alike. The count is of the tests that use ``infer_sync`` or ``infer_queue`` or
carry the ``ovbench`` marker; a test with several measurements counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

MEASURING_FIXTURES = frozenset({"infer_sync", "infer_queue"})
CONTROLS = ("on", "off")


def suite_control(value: str) -> str:
    """``--ov-suite-control`` / ini ``ov_suite_control``: on or off."""
    if value not in CONTROLS:
        raise ValueError("expected on or off")
    return value


@dataclass(frozen=True)
class Suite:
    """How many tests the suite gates and the false-alarm level each is judged at."""

    tests: int
    alpha: float  # the suite's (control on) or each test's (off) false-alarm level
    control: bool = True

    @property
    def level(self) -> float:
        """Each test's false-alarm level: alpha / tests with the control on, alpha without."""
        return self.alpha / self.tests if self.control and self.tests > 1 else self.alpha

    def as_record(self) -> dict[str, Any]:
        """For --ov-json and ``ovbench merge``: control, tests counted, alpha and each test's level."""
        method = "bonferroni" if self.control else "off"
        return {"control": method, "tests": self.tests, "alpha": self.alpha, "level": self.level}

    def summary_line(self) -> str:
        """What the terminal summary says of the control."""
        from pytest_ovbench.report.text import suite_line

        return suite_line(self.as_record())


def measures(item: pytest.Item) -> bool:
    """Whether a collected test is one ovbench gates."""
    names = getattr(item, "fixturenames", ())
    return item.get_closest_marker("ovbench") is not None or not MEASURING_FIXTURES.isdisjoint(names)
