"""pytest-xdist: two measurements must never run at once on one machine (they distort each other).

With ``--dist loadgroup`` every ovbench test joins the xdist group "ovbench", so one worker runs
them one after another (other tests still run beside them; the busy-machine rule in gate.py keeps
their load from passing for a regression). Any other way of spreading tests over several workers
is refused before a measurement runs, with the fix. Baseline writes stay correct either way
(storage.py locks the read-merge-write).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

GROUP = "ovbench"
_SUFFIX = f"@{GROUP}"

REFUSAL = (
    "ovbench: pytest-xdist would run ovbench measurements on {workers} workers at once, and two "
    "measurements at once on one machine distort each other. Use --dist loadgroup (ovbench tests "
    "then run one after another on one worker), run them without xdist (-p no:xdist or -n 0), or "
    "deselect them from the parallel job (-m 'not ovbench')."
)


def plain_nodeid(nodeid: str) -> str:
    """The node id without the '@ovbench' suffix xdist's loadgroup adds (baselines key on it)."""
    return nodeid[: -len(_SUFFIX)] if nodeid.endswith(_SUFFIX) else nodeid


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


def refuse_if_marked(item: pytest.Item) -> None:
    """At setup: an ovbench test that would run in parallel with others errors, saying why."""
    reason = item.stash.get(REFUSED, None)
    if reason is not None:
        pytest.fail(reason, pytrace=False)
