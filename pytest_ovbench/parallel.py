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


def serialize_under_xdist(config: pytest.Config, ovbench_items: Sequence[pytest.Item]) -> None:
    """On an xdist worker: group ovbench tests onto one worker, or refuse to run them in parallel."""
    workerinput = getattr(config, "workerinput", None)
    if not ovbench_items or workerinput is None:
        return
    workers = int(workerinput.get("workercount", 1))
    if workers <= 1:
        return
    if config.getoption("dist", "no") == "loadgroup":
        for item in ovbench_items:
            item.add_marker(pytest.mark.xdist_group(GROUP))
        return
    raise pytest.UsageError(REFUSAL.format(workers=workers))
