"""A stored baseline as the judge sees it: typed figures, never the YAML they were read from.

``baselines/entry.py`` builds one from a validated entry (:func:`stored_baseline`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_ovbench.judge.machine_speed import Machine
from pytest_ovbench.judge.verdict import Sample


@dataclass(frozen=True)
class StoredBaseline:
    """One stored measurement: each metric's figure (with its runs and windows), the machine's
    speed when it was recorded, how many processes its runs came from, the compiled properties
    and the execution plan (perf_counts)."""

    samples: Mapping[str, Sample]
    machine: Machine | None = None
    processes: int | None = None  # runs in separate processes; None: all in one process
    properties: Mapping[str, Any] = field(default_factory=dict)
    layers: Mapping[str, Mapping[str, Any]] | None = None
