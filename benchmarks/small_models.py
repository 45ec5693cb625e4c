"""Stored mode on small models: between-process noise and A/A false alarms, by model size.

Run by hand from the repository root::

    python benchmarks/small_models.py               # 12 checks (about 6 minutes)
    python benchmarks/small_models.py --checks 3    # smoke test

Models (built in-process with the opset API): ``tiny`` (one 3x3 convolution on 3x16x16, tens of
microseconds), ``small`` (a few convolutions on 16x32x32, about 0.15 ms) and ``medium`` (the same at
32x56x56, about 1 ms). A pytest project with one ``infer_sync`` test per model records its baselines
once (``--ov-update-baselines``); then each check is a new pytest process with default settings that
judges the unchanged models against them (A/A: every "regressed" is a false alarm).

Printed per model, over the checks' first runs: the standard deviation of the log of the median
latency between processes, raw, by the yardstick alone (latency / yardstick time) and by the speed
factor the verdict uses (yardstick and probe weighed by the fixed-cost share, machine_speed.py);
the fixed-cost share; and the verdicts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import openvino as ov
import openvino.opset13 as ops

# input channels, input size, channels, layers
MODELS = {"tiny": (3, 16, 8, 1), "small": (16, 32, 16, 3), "medium": (32, 56, 32, 3)}

TEST_FILE = """
import pytest

{tests}
"""
TEST = """
@pytest.mark.ovbench(model="{name}.xml")
def test_{name}(infer_sync):
    infer_sync()
"""


def build(in_channels: int, size: int, channels: int, layers: int) -> ov.Model:
    rng = np.random.default_rng(7)
    x = image = ops.parameter([1, in_channels, size, size], np.float32, name="image")
    for _ in range(layers):
        cin = int(x.get_output_partial_shape(0)[1].get_length())
        w = ops.constant((rng.standard_normal((channels, cin, 3, 3)) / np.sqrt(9 * cin)).astype(np.float32))
        x = ops.relu(ops.convolution(x, w, [1, 1], [1, 1], [1, 1], [1, 1]))
    return ov.Model([x], [image], "net")


def write_project(folder: Path) -> None:
    for name, shape in MODELS.items():
        ov.save_model(build(*shape), folder / f"{name}.xml")
    tests = "".join(TEST.format(name=name) for name in MODELS)
    (folder / "test_small.py").write_text(TEST_FILE.format(tests=tests))
    (folder / "pytest.ini").write_text("[pytest]\n")


def pytest_run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=900, check=False)


def one_check(folder: Path, index: int) -> list[dict[str, Any]]:
    out = folder / f"check{index}.json"
    done = pytest_run(folder, f"--ov-json={out}")
    if not out.exists():
        raise SystemExit(f"check {index} wrote no JSON:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    records: list[dict[str, Any]] = json.loads(out.read_text())["measurements"]
    return records


def sd_log(values: list[float]) -> float:
    return float(np.std(np.log(values), ddof=1)) if len(values) > 1 else float("nan")


def summarize(name: str, records: list[dict[str, Any]]) -> str:
    raw = [r["figures"]["median"] for r in records]
    by_yardstick = [r["figures"]["median"] / r["machine"]["yardstick_ms"] for r in records]
    median = [c for r in records for c in r["comparisons"] if c["metric"] == "median"]
    by_factor = [r["figures"]["median"] / c["machine"] for r, c in zip(records, median)]
    share = float(np.median([c["overhead_share"] for c in median]))
    verdicts = Counter(r["verdict"] for r in records)
    changes = [c["adjusted_change"] for c in median]
    return (
        f"| {name} | {np.median(raw) * 1000:.0f} us | {share:.2f} | {sd_log(raw):.1%} "
        f"| {sd_log(by_yardstick):.1%} | {sd_log(by_factor):.1%} "
        f"| {min(changes):+.1%} .. {max(changes):+.1%} "
        f"| {', '.join(f'{v} {n}' for v, n in sorted(verdicts.items()))} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=12, help="A/A checks, each a new pytest process (12)")
    parser.add_argument("--workdir", type=Path, default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="ovbench-small-"))
    folder.mkdir(parents=True, exist_ok=True)
    write_project(folder)
    recorded = pytest_run(folder, "--ov-update-baselines")
    if recorded.returncode != 0:
        raise SystemExit(f"recording failed:\n{recorded.stdout[-3000:]}")
    by_model: dict[str, list[dict[str, Any]]] = {name: [] for name in MODELS}
    for index in range(args.checks):
        for record in one_check(folder, index):
            by_model[record["test"].removeprefix("test_")].append(record)
        verdicts = {name: records[-1]["verdict"] for name, records in by_model.items()}
        print(f"check {index + 1}/{args.checks}: {verdicts}", flush=True)
    import openvino as ov

    from pytest_ovbench.runtime.environment import environment_key

    print(f"\nhardware class: {environment_key(ov.Core(), 'CPU')}")
    print(f"{args.checks} A/A checks per model, each a new pytest process, default settings ({folder})\n")
    print(
        "| model | median | fixed-cost share | sd raw | sd / yardstick | sd / factor "
        "| A/A changes | verdicts |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, records in by_model.items():
        print(summarize(name, records))


if __name__ == "__main__":
    main()
