"""What the plugin costs tests that do not use it: a suite of trivial tests, with and without it.

Run by hand from the repository root::

    python benchmarks/plugin_overhead.py                  # 3000 tests, 7 rounds (about a minute)
    python benchmarks/plugin_overhead.py --tests 500 --rounds 3

Generates one test module of ``--tests`` trivial tests (no ovbench marker, no ovbench fixture) in a
temporary folder, then times whole ``pytest -q`` processes over it, alternately with the plugin
disabled (``-p no:ovbench``) and installed as usual, ``--rounds`` times each. Each round gives a
paired ratio (with / without) of the processes' CPU time (user + system, which other load on a
shared machine disturbs far less than wall time) and of their wall time; printed: each round's
times, and the median of each ratio, the figure that says how much slower the plugin makes a suite
that does not measure anything. Every other installed plugin is loaded in both arms, as in a
user's run.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARMS = {"without": ["-p", "no:ovbench"], "with": []}


def test_file(count: int) -> str:
    lines = [f"def test_trivial_{index}():\n    assert {index} >= 0\n" for index in range(count)]
    return "\n".join(lines)


def run_once(folder: Path, extra: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one pytest process over the generated module."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "test_trivial.py"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"pytest failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=3000, help="trivial tests in the module (3000)")
    parser.add_argument("--rounds", type=int, default=7, help="paired rounds (7)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "test_trivial.py").write_text(test_file(args.tests))
        (folder / "pytest.ini").write_text("[pytest]\n")
        run_once(folder, ARMS["with"])  # warm the file system cache and the bytecode
        cpu_ratios, wall_ratios = [], []
        for round_index in range(args.rounds):
            # Alternate which arm goes first, so a drift of the machine's speed favours neither.
            order = list(ARMS) if round_index % 2 == 0 else list(reversed(ARMS))
            times = {arm: run_once(folder, ARMS[arm]) for arm in order}
            cpu_ratios.append(times["with"][0] / times["without"][0])
            wall_ratios.append(times["with"][1] / times["without"][1])
            (cpu_without, wall_without), (cpu_with, wall_with) = times["without"], times["with"]
            print(
                f"round {round_index + 1}: CPU without {cpu_without:.2f} s, with {cpu_with:.2f} s, "
                f"ratio {cpu_ratios[-1]:.3f}; wall {wall_without:.2f} s / {wall_with:.2f} s, "
                f"ratio {wall_ratios[-1]:.3f}",
                flush=True,
            )
    cpu, wall = statistics.median(cpu_ratios), statistics.median(wall_ratios)
    summary = f"{args.tests} trivial tests, {args.rounds} paired rounds, median ratio with/without the plugin"
    print(f"{summary}: CPU time {cpu:.3f} ({cpu - 1:+.1%}), wall time {wall:.3f} ({wall - 1:+.1%})")


if __name__ == "__main__":
    main()
