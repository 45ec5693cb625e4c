"""Do our loops report what OpenVINO's ``benchmark_app`` reports, and is our sync loop cheap?

Run by hand from the repository root (takes several minutes with the defaults)::

    python benchmarks/compare_benchmark_app.py            # 5 rounds of 3 s per model and mode
    python benchmarks/compare_benchmark_app.py --quick    # smoke test: 1 round of 1 s

Part A (agreement). For each model and mode, rounds alternate our measurement and a
``benchmark_app`` subprocess for the same number of seconds, swapping which goes first every round
so that drift of the machine cancels. Both run the same f32 IR with the same hint: sync + LATENCY
(compared on median latency, ms) and async + THROUGHPUT with the optimal number of requests
(compared on throughput, inferences/s). ``-ip f32`` keeps benchmark_app from turning the image
input into u8 (which would add a Convert node). Ours is compiled once per model and mode;
benchmark_app compiles in each of its processes.

Part B (loop overhead). On a one-ReLU model, in one process, rounds alternate a bare
``while perf_counter() < deadline: request.infer()`` loop and our ``run_sync`` on the same request,
comparing inferences per second.

Shared machines. Every run records the share of the machine's CPU that other processes used
meanwhile (Linux ``/proc/stat``; for benchmark_app over its whole process, start-up included). On
2 cores one busy neighbour doubles a latency, so single rounds swing far more than the loops could
differ. The summary therefore gives three ratios ours/theirs: the median over all rounds, the
median over quiet rounds (others <= 5% of the machine on both sides), and a load-adjusted ratio
(least squares of log(figure) on side and load over all runs, with its standard error).

Models are built into a temporary folder and removed at the end; nothing is written to the repo.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import openvino as ov

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.measure.contention import foreign_load, snapshot
from pytest_ovbench.measure.loops import run_sync
from pytest_ovbench.measure.runner import measure_async, measure_sync
from pytest_ovbench.runtime.compiling import REPORTED_PROPERTIES, Compiled, compile_model

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from examples.models import ensure_model

AGREEMENT_MODELS = ("mobilenet_like", "resnet_like")
OVERHEAD_MODEL = "single_op"
OVERHEAD_TARGET = 0.95
QUIET_LIMIT = 0.05  # a run is quiet when others used at most this share of the machine's CPU

T = TypeVar("T")


@dataclass(frozen=True)
class Mode:
    """How both sides run: benchmark_app's ``-api`` and ``-hint``, and the figure compared."""

    api: str  # "sync" or "async"
    hint: str  # "latency" or "throughput"
    metric: str  # "median_ms" or "throughput"

    @property
    def label(self) -> str:
        return f"{self.api} {self.hint}"

    @property
    def unit(self) -> str:
        return "ms (median latency)" if self.metric == "median_ms" else "inf/s (throughput)"


MODES = (Mode("sync", "latency", "median_ms"), Mode("async", "throughput", "throughput"))


def quiet(load: float | None) -> bool:
    return load is not None and load <= QUIET_LIMIT


def load_text(load: float | None) -> str:
    return "others  n/a" if load is None else f"others {load:4.0%}"


@dataclass(frozen=True)
class Sample:
    """One run's compared figure and the share of the machine others used meanwhile (None: unknown)."""

    value: float
    others: float | None


@dataclass(frozen=True)
class Rounds:
    """Two sides measured alternately, round by round: ``ours[i]`` and ``theirs[i]`` are a pair."""

    ours: list[Sample]
    theirs: list[Sample]

    def ratios(self, quiet_only: bool = False) -> list[float]:
        pairs = zip(self.ours, self.theirs)
        return [
            a.value / b.value for a, b in pairs if not quiet_only or (quiet(a.others) and quiet(b.others))
        ]

    def medians(self) -> tuple[float, float]:
        return statistics.median(s.value for s in self.ours), statistics.median(s.value for s in self.theirs)

    def load_adjusted(self) -> tuple[float, float] | None:
        """Ratio ours/theirs at equal load, and its relative standard error (None: too few runs)."""
        runs = [(s.value, s.others, 1.0) for s in self.ours if s.others is not None]
        runs += [(s.value, s.others, 0.0) for s in self.theirs if s.others is not None]
        if len(runs) < 4:
            return None
        values, loads, side = (np.array(column, dtype=float) for column in zip(*runs))
        columns = [np.ones_like(values), side]
        if np.ptp(loads) > 0.01:  # with no spread in load the load column carries nothing
            columns.append(loads)
        design, logs = np.column_stack(columns), np.log(values)
        coefficients, *_ = np.linalg.lstsq(design, logs, rcond=None)
        freedom = len(logs) - design.shape[1]
        if freedom < 1:
            return None
        residuals = logs - design @ coefficients
        covariance = residuals @ residuals / freedom * np.linalg.pinv(design.T @ design)
        return float(np.exp(coefficients[1])), float(np.sqrt(covariance[1, 1]))


@dataclass(frozen=True)
class Figures:
    """One run's figures: median latency (ms), throughput (inf/s), completed inferences, requests."""

    median_ms: float
    throughput: float
    count: int
    nireq: int
    others: float | None

    def sample(self, mode: Mode) -> Sample:
        return Sample(self.median_ms if mode.metric == "median_ms" else self.throughput, self.others)


@dataclass(frozen=True)
class Agreement:
    """Every round of one model and mode, with the compiled properties of both sides."""

    model: str
    mode: Mode
    ours: list[Figures]
    theirs: list[Figures]
    ours_properties: dict[str, Any]
    theirs_properties: dict[str, Any]

    def rounds(self) -> Rounds:
        return Rounds([f.sample(self.mode) for f in self.ours], [f.sample(self.mode) for f in self.theirs])


@dataclass(frozen=True)
class Overhead:
    """Part B: inferences per second of our loop (``ours``) and of the bare loop (``theirs``)."""

    rates: Rounds
    cpp_median_ms: float  # InferRequest.latency median seen by run_sync, for the per-call budget


# --------------------------------------------------------------------------- command line


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--rounds", type=_positive(int), default=5, help="Part A rounds per model and mode (default 5)"
    )
    parser.add_argument(
        "--seconds",
        type=_positive(int),
        default=3,
        help="Part A seconds per run, whole seconds as benchmark_app's -t (default 3)",
    )
    parser.add_argument(
        "--overhead-rounds", type=_positive(int), default=20, help="Part B rounds (default 20)"
    )
    parser.add_argument(
        "--overhead-seconds",
        type=_positive(float),
        default=0.5,
        help="Part B seconds per loop (default 0.5)",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        choices=AGREEMENT_MODELS,
        default=list(AGREEMENT_MODELS),
        help="Part A models (default: both)",
    )
    parser.add_argument("--device", default="CPU", help="OpenVINO device (default CPU)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 1 round of 1 s, 2 overhead rounds of 0.25 s"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds, args.overhead_rounds, args.overhead_seconds = 1, 1, 2, 0.25
    return args


# --------------------------------------------------------------------------- both sides


def run_ours(compiled: Compiled, settings: Settings, mode: Mode) -> Figures:
    result = (measure_sync if mode.api == "sync" else measure_async)(compiled, settings)
    others = result.foreign_load  # over the measured loop only
    return Figures(result.latency.median, result.throughput, result.count, result.nireq, others)


def benchmark_app_command() -> list[str]:
    """The console script when on PATH, else the module it runs."""
    script = shutil.which("benchmark_app")
    return [script] if script else [sys.executable, "-m", "openvino.tools.benchmark.main"]


def benchmark_app_args(model: Path, mode: Mode, seconds: int, device: str, folder: Path) -> list[str]:
    return [
        *benchmark_app_command(),
        *("-m", str(model), "-d", device, "-t", str(seconds), "-hint", mode.hint, "-api", mode.api),
        *("-ip", "f32", "-json_stats", "-report_type", "no_counters", "-report_folder", str(folder)),
    ]


def others_during_child(run: Callable[[], T]) -> tuple[T, float | None]:
    """``run()`` (which waits for a child process) and the share of the machine's CPU used
    meanwhile by anything but this process and its children."""
    children = sum(os.times()[2:4])
    before = snapshot()
    value = run()
    after = snapshot()
    load = foreign_load(before, after)
    if load is None or before is None or after is None:
        return value, None
    child_share = (sum(os.times()[2:4]) - children) / ((after.wall_s - before.wall_s) * after.cpus)
    return value, max(0.0, load - child_share)


def run_theirs(command: list[str], folder: Path) -> tuple[Figures, dict[str, Any]]:
    """Run benchmark_app; figures from its JSON report, properties from its step-8 log."""
    folder.mkdir(parents=True, exist_ok=True)  # benchmark_app does not create it
    report = folder / "benchmark_report.json"
    report.unlink(missing_ok=True)
    done, others = others_during_child(
        lambda: subprocess.run(command, capture_output=True, text=True, check=False)
    )
    if done.returncode != 0 or not report.exists():
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        raise RuntimeError(f"benchmark_app failed ({done.returncode}): {shlex.join(command)}\n{tail}")
    data = json.loads(report.read_text())
    results, setup = data["execution_results"], data["configuration_setup"]
    figures = Figures(
        float(results["latency (ms)"]),
        float(results["throughput"]),
        int(results["total number of iterations"]),
        int(setup["number of parallel infer requests"]),
        others,
    )
    return figures, logged_properties(done.stdout + done.stderr)


def logged_properties(log: str) -> dict[str, Any]:
    """The properties we report, as benchmark_app logs them ("[ INFO ]   NUM_STREAMS: 2")."""
    found: dict[str, Any] = {}
    for key in REPORTED_PROPERTIES:
        match = re.search(rf"^\[ INFO \]\s+{key}: (.+)$", log, re.MULTILINE)
        if match:
            found[key] = match.group(1).strip()
    return found


def comparable(value: Any) -> str:
    """A property as text both sides spell alike (``<Type: 'f32'>``, ``X.LATENCY`` shortened)."""
    text = str(value)
    if text.startswith("<Type: '"):
        return text.split("'")[1]
    if re.fullmatch(r"[A-Za-z]+\.[A-Z_]+", text):
        return text.split(".")[-1]
    return text


# --------------------------------------------------------------------------- Part A


def agreement(core: Any, path: Path, mode: Mode, args: argparse.Namespace, reports: Path) -> Agreement:
    """Alternate ours and benchmark_app for ``args.rounds`` rounds; who starts swaps each round."""
    settings = Settings(device=args.device, time=float(args.seconds), hint=mode.hint)
    compiled = compile_model(core, core.read_model(str(path)), args.device, settings.compile_config(mode.api))
    command = benchmark_app_args(path, mode, args.seconds, args.device, reports)
    found = Agreement(path.stem, mode, [], [], dict(compiled.properties), {})
    for index in range(args.rounds):
        ours_first = index % 2 == 0
        ours = run_ours(compiled, settings, mode) if ours_first else None
        theirs, properties = run_theirs(command, reports)
        if ours is None:
            ours = run_ours(compiled, settings, mode)
        found.ours.append(ours)
        found.theirs.append(theirs)
        found.theirs_properties.update(properties)
        print_round(index, found, "ours first" if ours_first else "theirs first")
    return found


def print_round(index: int, found: Agreement, order: str) -> None:
    ours, theirs = found.ours[index], found.theirs[index]
    for side, figures in (("ours", ours), ("benchmark_app", theirs)):
        print(
            f"  round {index + 1} {side:>13}: median {figures.median_ms:8.3f} ms, "
            f"{figures.throughput:8.2f} inf/s, {figures.count:6d} inferences, "
            f"nireq {figures.nireq}, {load_text(figures.others)}"
        )
    mode = found.mode
    ratio = ours.sample(mode).value / theirs.sample(mode).value
    quietness = "quiet" if quiet(ours.others) and quiet(theirs.others) else "busy"
    print(f"  round {index + 1}         ratio: {ratio:.4f} ({mode.metric}, {order}, {quietness})")


def print_agreement(found: Agreement) -> None:
    ours, theirs = found.rounds().medians()
    print(
        f"  => {found.model} {found.mode.label}, {found.mode.unit}: "
        f"ours {ours:.3f}, benchmark_app {theirs:.3f}"
    )
    print_ratios(found.rounds(), "ours/theirs")
    for key in REPORTED_PROPERTIES:
        mine, other = (
            comparable(found.ours_properties.get(key, "-")),
            comparable(found.theirs_properties.get(key, "-")),
        )
        flag = "" if mine == other else "   <-- differs"
        print(f"     {key:34} ours {mine:>10}   benchmark_app {other:>10}{flag}")
    nireq_ours, nireq_theirs = sorted({f.nireq for f in found.ours}), sorted({f.nireq for f in found.theirs})
    label = "infer requests used"
    print(f"     {label:34} ours {nireq_ours!s:>10}   benchmark_app {nireq_theirs!s:>10}")


def ratio_text(ratios: list[float], total: int) -> str:
    """Median and range of ratios, with how many rounds they cover."""
    if not ratios:
        return f"- (0/{total} rounds)"
    low, high = min(ratios), max(ratios)
    return f"{statistics.median(ratios):.4f} ({low:.4f}..{high:.4f}, {len(ratios)}/{total} rounds)"


def adjusted_text(rounds: Rounds) -> str:
    adjusted = rounds.load_adjusted()
    return "-" if adjusted is None else f"{adjusted[0]:.3f} ± {adjusted[0] * adjusted[1]:.3f}"


def print_ratios(rounds: Rounds, label: str) -> None:
    total = len(rounds.ours)
    print(f"     ratio {label}, all rounds: {ratio_text(rounds.ratios(), total)}")
    print(f"     ratio {label}, quiet rounds: {ratio_text(rounds.ratios(quiet_only=True), total)}")
    print(f"     ratio {label}, load-adjusted: {adjusted_text(rounds)}")


# --------------------------------------------------------------------------- Part B


def bare_rate(request: Any, seconds: float) -> float:
    """Inferences per second of the simplest loop a user would write."""
    clock, infer = time.perf_counter, request.infer
    count = 0
    start = clock()
    deadline = start + seconds
    while clock() < deadline:
        infer()
        count += 1
    return count / (clock() - start)


def ours_rate(request: Any, seconds: float) -> tuple[float, float]:
    """Inferences per second of ``run_sync``, and its median ``InferRequest.latency`` (ms)."""
    raw = run_sync(request, None, seconds)
    return raw.latencies_ms.size / raw.duration, float(np.median(raw.latencies_ms))


def with_load(run: Callable[[], T]) -> tuple[T, float | None]:
    before = snapshot()
    value = run()
    return value, foreign_load(before, snapshot())


def overhead(core: Any, path: Path, args: argparse.Namespace) -> Overhead:
    """Alternate the bare loop and ours on one request, swapping the order each round."""
    config = Settings(device=args.device, hint="latency").compile_config("sync")
    compiled = compile_model(core, core.read_model(str(path)), args.device, config)
    request = compiled.compiled_model.create_infer_request()
    bare_rate(request, args.overhead_seconds)  # warm-up, discarded
    rates = Rounds([], [])
    cpp_ms: list[float] = []
    for index in range(args.overhead_rounds):
        bare = with_load(lambda: bare_rate(request, args.overhead_seconds)) if index % 2 == 0 else None
        (rate, median_ms), load = with_load(lambda: ours_rate(request, args.overhead_seconds))
        rates.ours.append(Sample(rate, load))
        cpp_ms.append(median_ms)
        if bare is None:
            bare = with_load(lambda: bare_rate(request, args.overhead_seconds))
        rates.theirs.append(Sample(*bare))
    return Overhead(rates, statistics.median(cpp_ms))


def print_overhead(found: Overhead) -> None:
    rounds = found.rates
    for index, (ours, bare) in enumerate(zip(rounds.ours, rounds.theirs)):
        order = "bare first" if index % 2 == 0 else "ours first"
        print(
            f"  round {index + 1:2d}: bare {bare.value:8.0f} inf/s ({load_text(bare.others)}), ours "
            f"{ours.value:8.0f} inf/s ({load_text(ours.others)}), "
            f"ratio {ours.value / bare.value:.4f} ({order})"
        )
    print(f"  => ours/bare, target >= {OVERHEAD_TARGET}:")
    print_ratios(rounds, "ours/bare")
    ours_median, bare_median = rounds.medians()
    print(
        f"     median rates: bare {bare_median:.0f} inf/s ({1e6 / bare_median:.2f} us/iteration), "
        f"ours {ours_median:.0f} inf/s ({1e6 / ours_median:.2f} us/iteration); "
        f"InferRequest.latency median {found.cpp_median_ms * 1e3:.2f} us"
    )


# --------------------------------------------------------------------------- summary


def ratio_cells(rounds: Rounds) -> str:
    """Markdown cells: median ratio and range over all rounds, over quiet rounds, load-adjusted."""
    cells = []
    total = len(rounds.ours)
    for ratios in (rounds.ratios(), rounds.ratios(quiet_only=True)):
        if ratios:
            low, high = min(ratios), max(ratios)
            cells.append(f"{statistics.median(ratios):.3f} ({low:.3f}..{high:.3f}, {len(ratios)}/{total})")
        else:
            cells.append(f"- (0/{total})")
    cells.append(adjusted_text(rounds))
    return " | ".join(cells)


def print_summary(found: list[Agreement], cost: Overhead, args: argparse.Namespace) -> None:
    print("\n## Summary\n")
    print(
        f"{args.rounds} alternating rounds of {args.seconds} s per model and mode. Ratio = "
        "pytest-ovbench / benchmark_app per round: median (range, rounds); quiet = other processes "
        f"used <= {QUIET_LIMIT:.0%} of the CPU during both runs; load-adjusted = least squares over "
        "all runs (± standard error).\n"
    )
    print(
        "| Model | Mode | Figure | pytest-ovbench | benchmark_app "
        "| Ratio | Ratio, quiet | Ratio, load-adjusted |"
    )
    print("|---|---|---|---:|---:|---|---|---|")
    for item in found:
        ours, theirs = item.rounds().medians()
        print(
            f"| {item.model} | {item.mode.label} | {item.mode.unit} | {ours:.3f} | {theirs:.3f} | "
            f"{ratio_cells(item.rounds())} |"
        )
    print(
        f"\nLoop overhead ({OVERHEAD_MODEL}, {len(cost.rates.ours)} alternating rounds of "
        f"{args.overhead_seconds} s; ratio = run_sync / bare loop in inferences per second, "
        f"target >= {OVERHEAD_TARGET}):\n"
    )
    print("| Model | Bare loop (inf/s) | run_sync (inf/s) | Ratio | Ratio, quiet | Ratio, load-adjusted |")
    print("|---|---:|---:|---|---|---|")
    ours, bare = cost.rates.medians()
    print(f"| {OVERHEAD_MODEL} | {bare:.0f} | {ours:.0f} | {ratio_cells(cost.rates)} |")


def print_environment(core: Any, device: str) -> None:
    print(f"command: {shlex.join(['python', *sys.argv])}")
    print(f"benchmark_app: {shlex.join(benchmark_app_command())}")
    print(f"openvino: {ov.get_version()}")
    print(
        f"device: {device} ({core.get_property(device, 'FULL_DEVICE_NAME')}), "
        f"{os.cpu_count()} logical CPUs, load average {os.getloadavg()[0]:.2f}"
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    core = ov.Core()
    print_environment(core, args.device)
    found: list[Agreement] = []
    with tempfile.TemporaryDirectory(prefix="ovbench-compare-") as scratch:
        folder = Path(scratch)
        for name in args.models:
            path = ensure_model(name, folder / "models")
            for mode in MODES:
                print(f"\n# Part A: {name}, {mode.label}, {mode.unit}")
                found.append(agreement(core, path, mode, args, folder / "report"))
                print_agreement(found[-1])
        print(f"\n# Part B: loop overhead on {OVERHEAD_MODEL}")
        cost = overhead(core, ensure_model(OVERHEAD_MODEL, folder / "models"), args)
        print_overhead(cost)
    print_summary(found, cost, args)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
