"""A suite of 40 unchanged models: false "regressed" per suite run, with the suite-level control
on (the default: each test judged at 1%/40) and, with ``--compare-off``, off (each at 1%).

Run by hand from the repository root, on a quiet machine::

    python benchmarks/suite_false_alarms.py                  # 10 suite runs, reference mode (~30 minutes)
    python benchmarks/suite_false_alarms.py --runs 2         # smoke test
    python benchmarks/suite_false_alarms.py --mode stored    # stored mode (records 40 baselines: +15 min)
    python benchmarks/suite_false_alarms.py --compare-off    # and as many with the control off

Models (built in-process with the opset API, benchmarks/small_models.py's builder): four small
convolution stacks (about 0.1-1 ms an inference); 40 tests (one parametrized test, ten per model).
Reference mode (the default): each test judges its model against the same network saved again
under another name (other bytes, the same graph: an A/A pair). Stored mode: the 40 baselines are
recorded once (``--ov-update-baselines``, default settings) and each suite run judges the same
models against them. Each suite run is a new pytest process with default settings: every
"regressed" is a false alarm. Printed per run: the verdict counts, the suite's judged level, the
wall time and the most of the machine other processes used during a measurement (the records'
``foreign_load``); then the totals.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import openvino as ov
from small_models import build

MODELS = {"a": (16, 32, 16, 1), "b": (16, 32, 16, 3), "c": (24, 48, 24, 2), "d": (32, 56, 32, 3)}
TESTS = 40

STORED_TESTS = f"""
import pytest

MODELS = {sorted(MODELS)!r}

@pytest.mark.parametrize("index", range({TESTS}))
def test_model(infer_sync, index):
    infer_sync(MODELS[index % len(MODELS)] + ".xml")
"""

REFERENCE_TESTS = f"""
import pytest

MODELS = {sorted(MODELS)!r}
CASES = [
    pytest.param(index, marks=pytest.mark.ovbench(model=f"{{name}}.xml", reference=f"{{name}}-ref.xml"))
    for index, name in ((i, MODELS[i % len(MODELS)]) for i in range({TESTS}))
]

@pytest.mark.parametrize("index", CASES)
def test_model(infer_sync, index):
    infer_sync()
"""


def write_project(folder: Path, mode: str) -> None:
    for name, shape in MODELS.items():
        model = build(*shape)
        ov.save_model(model, folder / f"{name}.xml")
        model.set_friendly_name(f"{name}-reference")  # other bytes, the same graph
        ov.save_model(model, folder / f"{name}-ref.xml")
    (folder / "test_suite.py").write_text(REFERENCE_TESTS if mode == "reference" else STORED_TESTS)
    (folder / "pytest.ini").write_text("[pytest]\n")


def pytest_run(folder: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """One pytest process and its wall time."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=3600, check=False)
    return done, time.perf_counter() - start


def suite_run(folder: Path, index: int, control: str) -> dict[str, Any]:
    out = folder / f"run{index}-{control}.json"
    done, wall = pytest_run(folder, f"--ov-json={out}", f"--ov-suite-control={control}")
    if not out.exists():
        raise SystemExit(f"run {index} wrote no JSON:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    doc = json.loads(out.read_text())
    verdicts = Counter(str(r["verdict"]) for r in doc["measurements"])
    loads = [r["foreign_load"] for r in doc["measurements"] if r.get("foreign_load") is not None]
    return {
        "control": control,
        "exit": done.returncode,
        "verdicts": dict(verdicts),
        "level": doc["suite"]["level"] if doc.get("suite") else None,
        "wall_s": wall,
        "foreign_load": max(loads) if loads else None,
    }


def print_run(index: int, run: dict[str, Any]) -> None:
    counts = ", ".join(f"{n} {v}" for v, n in sorted(run["verdicts"].items()))
    load = "-" if run["foreign_load"] is None else f"{run['foreign_load']:.0%}"
    print(
        f"run {index:2d} control {run['control']:3s} level {run['level']:.3g}: {counts}; exit {run['exit']}; "
        f"{run['wall_s']:.0f} s; others' load up to {load}",
        flush=True,
    )


def totals(runs: list[dict[str, Any]], control: str) -> str:
    mine = [r for r in runs if r["control"] == control]
    regressed = [r["verdicts"].get("regressed", 0) for r in mine]
    inconclusive = sum(r["verdicts"].get("inconclusive", 0) for r in mine)
    red = sum(1 for n in regressed if n)
    walls = sorted(r["wall_s"] for r in mine)
    return (
        f"control {control}: {len(mine)} suite runs of {TESTS} A/A tests: {sum(regressed)} false regressed "
        f"({red} red suite runs), {inconclusive} inconclusive of {TESTS * len(mine)}; "
        f"median suite wall {walls[len(walls) // 2]:.0f} s"
    )


def record(folder: Path) -> None:
    done, wall = pytest_run(folder, "--ov-update-baselines")
    if done.returncode != 0:
        raise SystemExit(f"recording failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    print(f"recorded {TESTS} baselines in {wall:.0f} s", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="suite runs per control setting (default 10)")
    parser.add_argument("--compare-off", action="store_true", help="also run with the control off")
    parser.add_argument("--json", type=Path, help="write every run's tallies here")
    parser.add_argument("--mode", choices=("reference", "stored"), default="reference")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ovbench-suite-") as temp:
        folder = Path(temp)
        write_project(folder, args.mode)
        print(f"{args.mode} mode, {TESTS} tests on {ov.Core().get_property('CPU', 'FULL_DEVICE_NAME')}")
        if args.mode == "stored":
            record(folder)
        controls = ("on", "off") if args.compare_off else ("on",)
        runs = []
        for index in range(args.runs):
            for control in controls if index % 2 == 0 else controls[::-1]:
                runs.append(suite_run(folder, index, control))
                print_run(index, runs[-1])
        for control in controls:
            print(totals(runs, control))
        if args.json:
            args.json.write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
