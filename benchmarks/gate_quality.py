"""How good is the gate? False alarms on an unchanged model, detection of slower ones, time per verdict.

Run by hand from the repository root, on a quiet machine::

    python benchmarks/gate_quality.py            # 20 checks per model and mode (15-20 minutes)
    python benchmarks/gate_quality.py --quick    # smoke test: 3 checks per model and mode

Models (built in-process with the opset API into a temporary folder): the base is the example
suite's ``mobilenet_like`` (224x224); the variants are the same network with one extra 1x1
bottleneck (512 -> k -> 512 channels, each conv + bias + ReLU) at the 14x14 stage, ``k`` searched
so that each variant is about 5%, 10% and 25% (with ``--kinds``, also 2%) slower than the base.
The true slowdown of each variant is measured once here, in this process, by interleaved sync
measurements of base and variant.

Checks: a tiny pytest project in the work folder with one ``infer_sync`` test, run as a new pytest
process per check with default settings (plus ``--pytest-args``). The model under test is whatever
was copied to ``model.xml`` before the check:

* stored mode: the base's baseline is recorded ``--baselines`` times (4) with
  ``--ov-update-baselines``, each into an empty folder; the checks take turns among them (round
  ``i`` uses baseline ``i mod N``), so a figure does not rest on one draw of the baseline's spread;
  each check then judges the base (A/A), the +10% or the +25% variant against its baseline;
* reference mode: ``@pytest.mark.ovbench(reference="reference.xml")`` with the base as reference;
  no stored baseline involved.

The kinds are interleaved (A/A, +10%, +25%, with the order rotated every round), so drift of the
machine over the run hits all alike. A check's verdict is read from the "ovbench verdicts" table and
must agree with pytest's exit code (1 = the test failed = regressed). Its wall time (interpreter
start, compile, measuring, confirmation) is the "time per verdict". The share of the machine other
processes used meanwhile is shown beside it, so a noisy run can be told apart.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import openvino as ov
import yaml

from pytest_ovbench.config.settings import Settings
from pytest_ovbench.judge.gate import BUSY_LIMIT
from pytest_ovbench.measure.contention import snapshot
from pytest_ovbench.measure.paired import COMPILED_COPIES, Pairing, balanced_copies
from pytest_ovbench.runtime.compiling import compile_model
from pytest_ovbench.runtime.environment import environment_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from examples.models import conv, mobilenet_like

AA, PLUS2, PLUS5, PLUS10, PLUS25 = "A/A", "+2%", "+5%", "+10%", "+25%"
ALL_KINDS = (AA, PLUS2, PLUS5, PLUS10, PLUS25)
KINDS = [AA, PLUS5, PLUS10, PLUS25]  # the default; --kinds replaces it
TARGET_SLOWDOWN = {PLUS2: 0.02, PLUS5: 0.05, PLUS10: 0.10, PLUS25: 0.25}
MODES = ("stored", "reference")
VERDICTS = ("no baseline", "inconclusive", "regressed", "improved", "pass")  # "no baseline" before "pass"
TEST_NAME = "test_gate"

SIZE = 224  # input size of the base model; the bottleneck goes at the SIZE/16 stage (512 channels)
GRAFT_CHANNELS = 512
CHANNEL_STEP = 16  # bottleneck widths in steps the CPU plugin's blocked kernels like
SEARCH = Settings(time=3.0, windows=10)  # 10 alternating pairs of 0.3 s per model
FINAL = Settings(time=6.0, windows=20)  # the figure printed: 20 pairs of 0.3 s
NOISY_SLOWDOWN = 0.02  # a slowdown measured with a larger standard error is flagged
CLOSE_ENOUGH = 0.03  # a variant within 3 points (or 15%) of its target slowdown is kept
SEARCH_TRIES = 5
CHECK_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Target:
    """What the issue asks of one mode and kind: a maximum false-alarm or a minimum detection rate."""

    label: str
    rate: float
    at_most: bool

    def met(self, rate: float) -> bool:
        return rate <= self.rate + 1e-9 if self.at_most else rate >= self.rate - 1e-9


TARGETS = {  # on a quiet machine, default settings (a +5% change equals the default allowance)
    ("stored", AA): Target("0 in 20", 0.0, at_most=True),
    ("stored", PLUS10): Target(">= 18 in 20", 0.90, at_most=False),
    ("stored", PLUS25): Target("20 in 20", 1.0, at_most=False),
    ("reference", AA): Target("<= 1 in 20", 0.05, at_most=True),
    ("reference", PLUS10): Target("20 in 20", 1.0, at_most=False),
}
TARGETS_WITH_NEIGHBOUR = {  # one CPU-bound process beside the checks, default settings
    ("stored", AA): Target("0 in 20", 0.0, at_most=True),
    ("stored", PLUS25): Target(">= 15 in 20", 0.75, at_most=False),
    ("reference", AA): Target("<= 1 in 20", 0.05, at_most=True),
    ("reference", PLUS10): Target("20 in 20", 1.0, at_most=False),
}
VERDICT_TIME_TARGET_S = 30.0  # no verdict over 30 s
ACTIVE_TARGETS = dict(TARGETS)  # --neighbour swaps in TARGETS_WITH_NEIGHBOUR


@dataclass(frozen=True)
class Slowdown:
    """Latency of one model over another, from alternating sync windows (mean of log ratios)."""

    change: float  # fraction, +0.10 = 10% slower
    stderr: float  # standard error of the mean log ratio (about a fraction)
    pairs: int
    others_load: float | None  # share of the machine other processes used meanwhile

    def text(self) -> str:
        load = "" if self.others_load is None else f", others {self.others_load:.0%}"
        return f"{self.change:+.1%} (s.e. {self.stderr:.1%}, {self.pairs} pairs{load})"


@dataclass(frozen=True)
class Variant:
    """A model the checks judge: its file, how it was built and how much slower it really is."""

    kind: str
    path: Path
    bottleneck_channels: int
    macs: int
    slowdown: Slowdown


@dataclass
class Check:
    """One pytest process and what it said."""

    mode: str
    kind: str
    round: int
    verdict: str
    exit_code: int
    wall_s: float
    change: float | None = None  # as the summary table shows it, fraction
    sees: float | None = None  # the smallest worsening the verdict could have caught, fraction
    detail: str = ""  # the comparison line pytest printed for a non-pass verdict
    others_load: float | None = None  # share of the machine other processes used meanwhile
    agrees: bool = True  # verdict and exit code tell the same story
    output_tail: str = ""  # only kept when something went wrong


@dataclass
class Tally:
    """The checks of one mode and kind."""

    mode: str
    kind: str
    checks: list[Check] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(1 for c in self.checks if c.verdict == verdict)

    @property
    def rate(self) -> float:
        """Share of checks that failed the test: false alarms for A/A, detections otherwise."""
        return self.count("regressed") / len(self.checks) if self.checks else float("nan")

    def rate_text(self) -> str:
        what = "false alarms" if self.kind == AA else "detected"
        return f"{what} {self.count('regressed')}/{len(self.checks)} ({self.rate:.0%})"

    def target_text(self) -> str:
        target = ACTIVE_TARGETS.get((self.mode, self.kind))
        if target is None:
            return "-"
        return f"{target.label}: {'met' if target.met(self.rate) else 'MISSED'}"

    def walls(self) -> list[float]:
        return [c.wall_s for c in self.checks]

    def median_change(self) -> str:
        changes = [c.change for c in self.checks if c.change is not None]
        return f"{statistics.median(changes):+.1%}" if changes else "-"

    def median_sees(self) -> str:
        seen = [c.sees for c in self.checks if c.sees is not None]
        return f"{statistics.median(seen):.1%}" if seen else "-"

    def median_load(self) -> str:
        loads = [c.others_load for c in self.checks if c.others_load is not None]
        return f"{statistics.median(loads):.0%}" if loads else "-"


# --------------------------------------------------------------------------- command line


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number > 0, got {text!r}")
    return value


def kind_list(text: str) -> list[str]:
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if not kinds or unknown:
        known = ", ".join(ALL_KINDS)
        raise argparse.ArgumentTypeError(f"{text!r}: expected a comma-separated list of {known}")
    return [AA, *[k for k in ALL_KINDS if k in kinds and k != AA]]


def mode_list(text: str) -> list[str]:
    modes = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if not modes or unknown:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a comma-separated list of {', '.join(MODES)}")
    return modes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--checks", type=positive_int, default=20, help="checks per model and mode (20)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 checks per model and mode")
    parser.add_argument(
        "--modes", type=mode_list, default=list(MODES), help="comma-separated: stored,reference (both)"
    )
    parser.add_argument(
        "--kinds",
        type=kind_list,
        default=None,
        help="comma-separated models to check, of A/A,+2%%,+5%%,+10%%,+25%% (all but +2%%; A/A always); "
        "e.g. --kinds=+2%% --pytest-args='--ov-tolerance=0.01'",
    )
    parser.add_argument(
        "--baselines",
        type=positive_int,
        default=4,
        help="stored mode: baselines recorded, the checks taking turns among them (4)",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument(
        "--pytest-args",
        default="",
        help="extra arguments for every pytest run, e.g. --pytest-args='--ov-time 3'",
    )
    parser.add_argument(
        "--neighbour",
        action="store_true",
        help="run the checks with a CPU-bound process beside them (a busy shared runner); the "
        "models are built and measured in-process before it starts",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument("--json", type=Path, default=None, help="write every check as JSON to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.checks = 3
    args.extra = shlex.split(args.pytest_args)
    if args.kinds is not None:
        KINDS[:] = args.kinds
    return args


# --------------------------------------------------------------------------- models


def base_model() -> ov.Model:
    """The example suite's mobilenet_like, built fresh (grafting changes a graph in place)."""
    return mobilenet_like(SIZE, 1.0, seed=0)


def graft_point(model: ov.Model) -> Any:
    """The ReLU ending the last 512-channel block at SIZE/16 x SIZE/16: where the bottleneck goes."""
    shape = [1, GRAFT_CHANNELS, SIZE // 16, SIZE // 16]
    found = [
        op
        for op in model.get_ordered_ops()
        if op.get_type_name() == "Relu" and list(op.get_output_partial_shape(0).to_shape()) == shape
    ]
    if not found:
        raise RuntimeError(f"no ReLU with output shape {shape} in {model.get_friendly_name()}")
    return found[-1]


def with_bottleneck(channels: int) -> ov.Model:
    """The base with a 1x1 bottleneck (512 -> channels -> 512, conv + bias + ReLU each) grafted in."""
    model = base_model()
    point = graft_point(model)
    consumers = list(point.output(0).get_target_inputs())  # before the new convs become consumers too
    rng = np.random.default_rng(1000 + channels)
    extra = conv(conv(point, rng, channels, kernel=1), rng, GRAFT_CHANNELS, kernel=1)
    for consumer in consumers:
        consumer.replace_source_output(extra.output(0))
    return ov.Model(model.get_results(), model.get_parameters(), f"mobilenet_like_plus{channels}")


def macs(model: ov.Model) -> int:
    """Multiply-accumulates of the convolutions and matmuls: the compute a variant adds."""
    total = 0
    for op in model.get_ordered_ops():
        kind = op.get_type_name()
        if kind not in ("Convolution", "GroupConvolution", "MatMul"):
            continue
        outputs = math.prod(op.get_output_partial_shape(0).to_shape())
        weights = list(op.input(1).get_partial_shape().to_shape())
        per_output = {"Convolution": weights[1:], "GroupConvolution": weights[2:], "MatMul": weights[:1]}
        total += outputs * math.prod(per_output[kind])
    return total


def save(model: ov.Model, path: Path) -> Path:
    ov.save_model(model, str(path), compress_to_fp16=False)
    return path


def copy_model(source: Path, target: Path) -> None:
    """An IR (.xml and .bin) copied under another name; OpenVINO finds the .bin by the .xml's name."""
    shutil.copyfile(source, target)
    shutil.copyfile(source.with_suffix(".bin"), target.with_suffix(".bin"))


# --------------------------------------------------------------------------- true slowdowns


def paired_slowdown(core: Any, candidate: Path, reference: Path, settings: Settings) -> Slowdown:
    """Both models interleaved as reference mode does (two compilations a side, set up in
    balanced order), window medians compared pair by pair."""
    config = settings.compile_config("sync")
    models = [core.read_model(str(p)) for p in (candidate, reference)]
    rng = np.random.default_rng()
    sides = balanced_copies(
        lambda side, _: compile_model(core, models[side], "CPU", config), COMPILED_COPIES, rng
    )
    cand, ref = Pairing(sides[0], sides[1], settings, "sync", rng=rng)()
    ratios = [math.log(c.median_ms / r.median_ms) for c, r in zip(cand.windows, ref.windows)]
    stderr = statistics.stdev(ratios) / math.sqrt(len(ratios)) if len(ratios) > 1 else float("nan")
    return Slowdown(math.expm1(statistics.fmean(ratios)), stderr, len(ratios), cand.foreign_load)


def first_guess(base: ov.Model, target: float) -> int:
    """Bottleneck width whose MACs are ``target`` of the base's (latency is measured after)."""
    per_channel = 2 * GRAFT_CHANNELS * (SIZE // 16) ** 2
    return rounded_channels(target * macs(base) / per_channel)


def rounded_channels(value: float) -> int:
    return int(min(4096, max(CHANNEL_STEP, round(value / CHANNEL_STEP) * CHANNEL_STEP)))


def close_enough(change: float, target: float) -> bool:
    return abs(change - target) <= min(CLOSE_ENOUGH, 0.15 * target)


def search_channels(core: Any, base_path: Path, target: float, folder: Path) -> tuple[int, Slowdown]:
    """Bottleneck width whose slowdown is about ``target``, with its final measurement. Latency
    grows about linearly with the width, so after each try a line through the origin is fitted to
    every try so far and the next width aims at the target; steps stay within x0.5..x2 so that one
    noisy figure cannot throw the search off. A try within CLOSE_ENOUGH is measured again the long
    way (FINAL); it is kept only if that figure is close enough too, else it joins the fit (short
    quick figures drifted 2 points from the final one). After SEARCH_TRIES, the width whose final
    figure came nearest."""
    channels = first_guess(base_model(), target)
    tried: list[tuple[int, float]] = []  # (width, slowdown); a width may come back and count twice
    finals: list[tuple[int, Slowdown]] = []
    for _ in range(SEARCH_TRIES):
        path = save(with_bottleneck(channels), folder / f"bottleneck_{channels}.xml")
        found = paired_slowdown(core, path, base_path, SEARCH)
        print(f"  target {target:+.0%}: {channels:4d} channels -> {found.text()}", flush=True)
        if close_enough(found.change, target):
            final = paired_slowdown(core, path, base_path, FINAL)
            print(f"  target {target:+.0%}: {channels:4d} channels, again -> {final.text()}", flush=True)
            finals.append((channels, final))
            if close_enough(final.change, target):
                return channels, final
            found = final
        tried.append((channels, found.change))
        channels = rounded_channels(min(max(fitted_channels(tried, target), channels / 2), channels * 2))
    path = save(with_bottleneck(channels), folder / f"bottleneck_{channels}.xml")
    finals.append((channels, paired_slowdown(core, path, base_path, FINAL)))
    return min(finals, key=lambda f: abs(f[1].change - target))


def fitted_channels(tried: Sequence[tuple[int, float]], target: float) -> float:
    """Width at which slowdown = slope x width (least squares through the origin) meets ``target``."""
    slope = sum(k * s for k, s in tried) / sum(k * k for k, _ in tried)
    return target / slope if slope > 0 else 2.0 * max(k for k, _ in tried)


def build_models(folder: Path) -> list[Variant]:
    """Base and variants saved as IR in ``folder``, each with its measured slowdown over the base."""
    core = ov.Core()
    base = base_model()
    base_path = save(base, folder / "base.xml")
    copy_model(base_path, folder / "base_copy.xml")
    variants = [
        Variant(
            AA, base_path, 0, macs(base), paired_slowdown(core, folder / "base_copy.xml", base_path, FINAL)
        )
    ]
    for kind, target in TARGET_SLOWDOWN.items():
        if kind not in KINDS:
            continue
        channels, found = search_channels(core, base_path, target, folder)
        path = save(with_bottleneck(channels), folder / f"plus{round(target * 100)}.xml")
        variants.append(Variant(kind, path, channels, macs(with_bottleneck(channels)), found))
    return variants


def print_variants(variants: Sequence[Variant]) -> None:
    base_macs = variants[0].macs
    print("\nmodels (slowdown over the base: sync median latency, alternating windows in this process):")
    for v in variants:
        built = "the base, compiled twice" if v.kind == AA else f"+{v.bottleneck_channels}-channel bottleneck"
        print(
            f"  {v.kind:>5}: {built:34} MACs {v.macs / 1e6:6.0f} M ({v.macs / base_macs - 1:+.1%}), "
            f"latency {v.slowdown.text()}"
        )
    if max(v.slowdown.stderr for v in variants) > NOISY_SLOWDOWN:
        print(
            f"  !! a slowdown's standard error is above {NOISY_SLOWDOWN:.0%}: the machine is too noisy for "
            "the variants to hit their targets; run again on a quiet one"
        )


# --------------------------------------------------------------------------- the pytest project


STORED_TEST = f"""import pytest


@pytest.mark.ovbench(model="model.xml")
def {TEST_NAME}(infer_sync):
    infer_sync()
"""

REFERENCE_TEST = f"""import pytest


@pytest.mark.ovbench(model="model.xml", reference="reference.xml")
def {TEST_NAME}(infer_sync):
    infer_sync()
"""


def write_project(folder: Path, base: Path) -> None:
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "test_stored.py").write_text(STORED_TEST)
    (folder / "test_reference.py").write_text(REFERENCE_TEST)
    copy_model(base, folder / "reference.xml")
    shutil.rmtree(folder / "baselines", ignore_errors=True)  # a --workdir used before


def pytest_command(test_file: str, extra: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "pytest", test_file, "-p", "no:cacheprovider", "-q", *extra]


def children_cpu_s() -> float:
    times = os.times()
    return times.children_user + times.children_system


def run_pytest(
    command: list[str], folder: Path
) -> tuple[subprocess.CompletedProcess[str], float, float | None]:
    """The finished run, its wall time (s) and the share of the machine others used meanwhile."""
    before, children = snapshot(), children_cpu_s()
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=folder, capture_output=True, text=True, check=False, timeout=CHECK_TIMEOUT_S
    )
    wall = time.perf_counter() - start
    after = snapshot()
    if before is None or after is None:
        return done, wall, None
    ours = (after.own_s - before.own_s) + (children_cpu_s() - children)
    foreign = (after.busy_s - before.busy_s - ours) / (wall * after.cpus)
    return done, wall, min(1.0, max(0.0, foreign))


def record_baseline(folder: Path, base: Path, extra: Sequence[str], index: int) -> None:
    """Record the base's baseline into an empty ``baselines`` folder and keep a copy as ``index``."""
    copy_model(base, folder / "model.xml")
    shutil.rmtree(folder / "baselines", ignore_errors=True)  # re-recording rewrites only what moved
    done, wall, _ = run_pytest(pytest_command("test_stored.py", ["--ov-update-baselines", *extra]), folder)
    row = table_row(done.stdout)
    if done.returncode != 0 or row is None or "recorded" not in row:
        raise SystemExit(f"recording the baseline failed ({done.returncode}):\n{tail(done)}")
    kept = folder / f"baselines-{index}"
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(folder / "baselines", kept)
    spread = ratio_spread(kept)
    print(
        f"baseline {index + 1} recorded in {wall:.1f} s: {' '.join(row.split())}; "
        f"model/yardstick spread between its runs {spread}",
        flush=True,
    )


def ratio_spread(baselines: Path) -> str:
    """The sd of log(median / yardstick) over the recorded runs: what a stored verdict rests on."""
    for path in baselines.rglob("*.yaml"):
        for modes in (yaml.safe_load(path.read_text()) or {}).get("tests", {}).values():
            for entry in (e for classes in modes.values() for e in classes.values()):
                model = entry.get("metrics", {}).get("median", {}).get("runs", [])
                machine = entry.get("machine", {}).get("runs", [])
                if len(model) == len(machine) > 1:
                    return f"{statistics.stdev(math.log(m / y) for m, y in zip(model, machine)):.1%}"
    return "-"


def use_baseline(folder: Path, index: int) -> None:
    shutil.rmtree(folder / "baselines", ignore_errors=True)
    shutil.copytree(folder / f"baselines-{index}", folder / "baselines")


# --------------------------------------------------------------------------- reading a check


def table_row(stdout: str) -> str | None:
    """The test's row in the ovbench table at the end of the run."""
    rows = [line for line in stdout.splitlines() if line.startswith(f"{TEST_NAME} ")]
    return rows[-1] if rows else None


def verdict_of(row: str) -> str | None:
    return next((v for v in VERDICTS if row.rstrip().endswith(v)), None)


def columns(stdout: str) -> dict[str, slice]:
    """Where each column of the ovbench table is: the header's names over the dashed line's runs
    (cells may be blank, so splitting a row on spaces would shift them)."""
    lines = stdout.splitlines()
    for header, rule in zip(lines, lines[1:]):
        if header.startswith("test ") and " net " in header and set(rule) <= {"-", " "} and rule:
            spans = [slice(m.start(), m.end()) for m in re.finditer(r"-+", rule)]
            return {header[span].strip(): span for span in spans}
    return {}


def change_of(row: str, stdout: str = "") -> float | None:
    """The change the verdict judged: the table's "net" column (the change net of the machine
    correction), or the raw "change" where there is none (reference mode)."""
    spans = columns(stdout)
    for name in ("net", "change"):
        text = row[spans[name]].strip() if name in spans else ""
        match = re.fullmatch(r"([+-]\d+(?:\.\d+)?)%", text)
        if match:
            return float(match.group(1)) / 100
    return None


def sees_of(row: str) -> float | None:
    """The table's "sees" column: the smallest worsening the verdict could have caught (none: inf)."""
    cells = re.split(r"\s{2,}", row.strip())
    text = cells[-2] if len(cells) >= 2 else ""
    if text == "none":
        return math.inf
    match = re.fullmatch(r"(\d+(?:\.\d+)?)%", text)
    return float(match.group(1)) / 100 if match else None


def detail_of(stdout: str) -> str:
    """The comparison line pytest printed for a non-pass verdict (change, allowance, p, reason)."""
    lines = [line.strip() for line in stdout.splitlines() if re.search(r"\(.*, allowed [+-]\d+%", line)]
    return lines[0] if lines else ""


def tail(done: subprocess.CompletedProcess[str], lines: int = 25) -> str:
    return "\n".join((done.stdout + done.stderr).splitlines()[-lines:])


def read_check(mode: str, kind: str, index: int, done: subprocess.CompletedProcess[str]) -> Check:
    row = table_row(done.stdout)
    verdict = verdict_of(row) if row else None
    check = Check(mode, kind, index, verdict or "error", done.returncode, 0.0)
    if row is not None:
        check.change = change_of(row, done.stdout)
        check.sees = sees_of(row)
    check.detail = detail_of(done.stdout)
    check.agrees = verdict is not None and (verdict == "regressed") == (done.returncode == 1)
    check.agrees = check.agrees and done.returncode in (0, 1)
    if not check.agrees:
        check.output_tail = tail(done)
    return check


# --------------------------------------------------------------------------- running the checks


def round_order(index: int) -> tuple[str, ...]:
    """A/A, +10%, +25%, rotated every round so that no kind always runs right after another."""
    shift = index % len(KINDS)
    return tuple(KINDS[shift:] + KINDS[:shift])


def one_check(mode: str, variant: Variant, index: int, folder: Path, extra: Sequence[str]) -> Check:
    copy_model(variant.path, folder / "model.xml")
    test_file = "test_stored.py" if mode == "stored" else "test_reference.py"
    done, wall, load = run_pytest(pytest_command(test_file, extra), folder)
    check = read_check(mode, variant.kind, index, done)
    check.wall_s, check.others_load = wall, load
    return check


def print_check(check: Check, total: int) -> None:
    change = "-" if check.change is None else f"{check.change:+.1%}"
    load = "-" if check.others_load is None else f"{check.others_load:.0%}"
    note = f"  {check.detail}" if check.detail and check.verdict != "regressed" else ""
    print(
        f"  [{check.mode} {check.round + 1}/{total}] {check.kind:>5}  {check.verdict:12} {change:>7}  "
        f"{check.wall_s:5.1f} s  others {load:>4}{note}",
        flush=True,
    )
    if not check.agrees:
        print(f"    !! verdict and exit code {check.exit_code} disagree; output:\n{check.output_tail}")


def run_mode(mode: str, variants: Sequence[Variant], folder: Path, args: argparse.Namespace) -> list[Check]:
    print(f"\n# {mode} mode: {args.checks} checks per model", flush=True)
    recorded = min(args.baselines, args.checks) if mode == "stored" else 0
    for index in range(recorded):
        record_baseline(folder, variants[0].path, args.extra, index)
    by_kind = {v.kind: v for v in variants}
    checks: list[Check] = []
    for index in range(args.checks):
        if recorded:
            use_baseline(folder, index % recorded)
        for kind in round_order(index):
            checks.append(one_check(mode, by_kind[kind], index, folder, args.extra))
            print_check(checks[-1], args.checks)
    return checks


# --------------------------------------------------------------------------- report


def tallies(checks: Sequence[Check], modes: Sequence[str]) -> list[Tally]:
    found = [Tally(mode, kind) for mode in modes for kind in KINDS]
    for tally in found:
        tally.checks = [c for c in checks if c.mode == tally.mode and c.kind == tally.kind]
    return found


HEADER = ["mode", "model", "checks", "regressed", "inconclusive", "pass", "improved", "rate", "target"]
HEADER += ["median change", "median sees", "others' load", "wall s median", "wall s max"]
TEXT_COLUMNS = {"mode", "model", "rate", "target"}


def cells(tally: Tally) -> list[str]:
    walls = tally.walls()
    counts = [str(tally.count(v)) for v in ("regressed", "inconclusive", "pass", "improved")]
    return [
        tally.mode,
        tally.kind,
        str(len(tally.checks)),
        *counts,
        tally.rate_text(),
        tally.target_text(),
        tally.median_change(),
        tally.median_sees(),
        tally.median_load(),
        f"{statistics.median(walls):.1f}" if walls else "-",
        f"{max(walls):.1f}" if walls else "-",
    ]


def print_table(found: Sequence[Tally]) -> None:
    rows = [HEADER, *(cells(t) for t in found)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    for row in rows:
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))


def environment(core: Any) -> dict[str, str]:
    return {
        "command": shlex.join(["python", *sys.argv]),
        "date": datetime.datetime.now().isoformat(timespec="minutes"),
        "openvino": ov.get_version(),
        "hardware class": environment_key(core, "CPU"),
        "load average at start": f"{os.getloadavg()[0]:.2f}",
    }


def verdict_time_text(checks: Sequence[Check]) -> str:
    walls = [c.wall_s for c in checks]
    slowest = max(walls)
    status = "met" if slowest <= VERDICT_TIME_TARGET_S else "MISSED"
    return (
        f"wall time per verdict (new pytest process, default settings): median "
        f"{statistics.median(walls):.1f} s, max {slowest:.1f} s (target <= {VERDICT_TIME_TARGET_S:.0f} s: "
        f"{status})"
    )


def print_markdown(found: Sequence[Tally], variants: Sequence[Variant], env: dict[str, str]) -> None:
    checks = [c for t in found for c in t.checks]
    print("\n## Gate quality (README)\n")
    print(f"### {env['hardware class']}\n")
    print(f"`{env['command']}`, OpenVINO {env['openvino']}, {env['date']}.\n")
    print(
        f"Base: `mobilenet_like` {SIZE}x{SIZE}. Variants: a 1x1 bottleneck (512 -> k -> 512) added at "
        "the 14x14 stage; true slowdowns measured in-process with alternating sync windows:\n"
    )
    for v in variants[1:]:
        print(f"- {v.kind} variant (k = {v.bottleneck_channels}): measured at {v.slowdown.text()}")
    print(f"- A/A (the base compiled twice): {variants[0].slowdown.text()}\n")
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "".join("---|" if name in TEXT_COLUMNS else "---:|" for name in HEADER))
    for tally in found:
        print("| " + " | ".join(cells(tally)) + " |")
    text = verdict_time_text(checks)
    print(f"\n{text[0].upper()}{text[1:]}.")
    warning = busy_warning(checks)
    if warning:
        print(f"\n> {warning.removeprefix('!! ')}")


def dump_json(path: Path, checks: Sequence[Check], variants: Sequence[Variant], env: dict[str, str]) -> None:
    data = {
        "environment": env,
        "variants": [{**asdict(v), "path": v.path.name} for v in variants],
        "checks": [asdict(c) for c in checks],
    }
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\nraw rows: {path}")


def busy_warning(checks: Sequence[Check]) -> str | None:
    """A warning when other processes used much of the machine: the figures then describe them."""
    loads = [c.others_load for c in checks if c.others_load is not None]
    if not loads or statistics.median(loads) <= BUSY_LIMIT:
        return None
    return (
        f"!! other processes used a median {statistics.median(loads):.0%} of the machine during the "
        f"checks (stored mode never passes on runs above {BUSY_LIMIT:.0%}): these figures "
        "describe a busy machine, not the gate; run again on a quiet one"
    )


def estimate_text(checks: Sequence[Check], modes: Sequence[str], build_s: float) -> str:
    per_check = statistics.fmean(c.wall_s for c in checks)
    full_s = build_s + 20 * len(KINDS) * len(modes) * per_check + 10.0 * ("stored" in modes)
    return f"a run with --checks 20 would take about {full_s / 60:.0f} min here ({per_check:.1f} s per check)"


# --------------------------------------------------------------------------- main


def work_folder(args: argparse.Namespace) -> tuple[Path, bool]:
    """The work folder and whether to remove it at the end."""
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return args.workdir.resolve(), False
    return Path(tempfile.mkdtemp(prefix="ovbench-gate-")), not args.keep


def run(args: argparse.Namespace, folder: Path) -> None:
    env = environment(ov.Core())
    for key, value in env.items():
        print(f"{key}: {value}")
    print(f"work folder: {folder}\n\nbuilding and measuring the models", flush=True)
    start = time.perf_counter()
    variants = build_models(folder)
    build_s = time.perf_counter() - start
    print_variants(variants)
    write_project(folder, variants[0].path)
    if args.neighbour:
        ACTIVE_TARGETS.clear()
        ACTIVE_TARGETS.update(TARGETS_WITH_NEIGHBOUR)
    with neighbour(args.neighbour):
        checks = [c for mode in args.modes for c in run_mode(mode, variants, folder, args)]
    found = tallies(checks, args.modes)
    print()
    print_table(found)
    print(verdict_time_text(checks))
    print(estimate_text(checks, args.modes, build_s))
    warning = busy_warning(checks)
    if warning:
        print(warning)
    disagreeing = [c for c in checks if not c.agrees]
    if disagreeing:
        print(f"!! {len(disagreeing)} check(s) where verdict and exit code disagree (see above)")
    print_markdown(found, variants, env)
    if args.json is not None:
        dump_json(args.json, checks, variants, env)


@contextlib.contextmanager
def neighbour(wanted: bool) -> Iterator[None]:
    """A CPU-bound process beside the checks for as long as they run (bounded: it stops itself
    after CHECK_TIMEOUT_S x 200 s at the latest)."""
    if not wanted:
        yield
        return
    limit = CHECK_TIMEOUT_S * 200
    code = f"import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end:\n    pass\n"
    process = subprocess.Popen([sys.executable, "-c", code])
    print(f"neighbour: a CPU-bound process (pid {process.pid}) runs beside the checks", flush=True)
    try:
        yield
    finally:
        process.kill()
        process.wait()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    folder, remove = work_folder(args)
    try:
        run(args, folder)
    finally:
        if remove:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"\nwork folder kept: {folder}")


if __name__ == "__main__":
    main()
