"""pytest-xdist: two measurements must never run at once on one machine (they distort each other).

With ``--dist loadgroup`` every ovbench test joins the xdist group "ovbench", so one worker runs
them one after another (other tests still run beside them; the busy-machine rules in judge/ keep
their load from passing for a regression). Any other way of spreading tests over several workers
is refused before a measurement runs, with the fix. Baseline writes stay correct either way
(baselines/store.py locks the read-merge-write).

The grouping is the scheduler's promise, not ours: with pytest 9.2 and pytest-xdist 3.8 loadgroup
groups nothing (xdist renames ``item._nodeid``, which pytest no longer reads). So it is checked
after xdist has had its turn (:func:`check_grouping`: a warning when it did not take), and the
measurements serialize themselves regardless, through the machine-wide lock (machine_lock.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

GROUP = "ovbench"

REFUSAL = (
    "ovbench: pytest-xdist would run ovbench measurements on {workers} workers at once, and two "
    "measurements at once on one machine distort each other. Use --dist loadgroup (ovbench tests "
    "then run one after another on one worker), run them without xdist (-p no:xdist or -n 0), or "
    "deselect them from the parallel job (-m 'not ovbench')."
)


def plain_nodeid(nodeid: str) -> str:
    """The node id without the ``@group`` suffix pytest-xdist's loadgroup appends (``@gpu``, or
    ``@gpu_ovbench`` for several groups joined): baselines and measurements never key on how the
    scheduler grouped a test. The suffix follows the test's name, and its parameters when there are
    some (``test[a@b]@gpu``); a module path or parameter id of its own may hold '@'."""
    module, separator, test = nodeid.partition("::")
    if not separator:
        return nodeid
    # Where the test's name ends: after its parameters, else at the start of its (identifier) name.
    name_end = test.rfind("]") + 1 if "[" in test else test.rfind(":") + 1
    at = test.find("@", name_end)
    return nodeid if at < 0 else f"{module}::{test[:at]}"


REFUSED = pytest.StashKey[str]()


def _loadgroup(config: pytest.Config) -> bool:
    # A worker sees --dist as "no"; xdist hands it the grouping as its own "loadgroup" value.
    return config.getoption("dist", "no") == "loadgroup" or bool(config.getoption("loadgroup", False))


def serialize_under_xdist(config: pytest.Config, ovbench_items: Sequence[pytest.Item]) -> None:
    """On an xdist worker: group ovbench tests onto one worker, or mark them refused (each then
    errors at setup with the reason; the rest of the suite runs)."""
    workerinput = getattr(config, "workerinput", None)
    if not ovbench_items or workerinput is None:
        return
    workers = int(workerinput.get("workercount", 1))
    if workers <= 1:
        return
    for item in ovbench_items:
        if _loadgroup(config):
            item.add_marker(pytest.mark.xdist_group(GROUP))
        else:
            item.stash[REFUSED] = REFUSAL.format(workers=workers)


NOT_GROUPED = (
    "ovbench: pytest-xdist's --dist loadgroup did not group the ovbench tests with this pytest "
    "({pytest}) and pytest-xdist ({xdist}): they may be spread over several workers. Measurements "
    "still run one at a time (each waits for the machine-wide measurement lock), so verdicts stay "
    "sound, but workers may sit idle waiting; the reported lock waits say how long."
)


def check_grouping(config: pytest.Config, items: Sequence[pytest.Item]) -> str | None:
    """On an xdist worker, after xdist has renamed the grouped items: the warning to give when the
    group did not reach the scheduler (the node id carries no '@ovbench'), else None."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or int(workerinput.get("workercount", 1)) <= 1 or not _loadgroup(config):
        return None
    grouped = [item for item in items if item.get_closest_marker("ovbench") is not None]
    if not grouped or all("@" in item.nodeid for item in grouped):
        return None
    from importlib.metadata import version

    return NOT_GROUPED.format(pytest=pytest.__version__, xdist=version("pytest-xdist"))


def refuse_if_marked(item: pytest.Item) -> None:
    """At setup: an ovbench test that would run in parallel with others errors, saying why."""
    reason = item.stash.get(REFUSED, None)
    if reason is not None:
        pytest.fail(reason, pytrace=False)
