"""Text for people: verdict messages and the end-of-run summary table (pure formatting)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pytest_ovbench.judge.status import Status
from pytest_ovbench.metrics import HIGHER_IS_BETTER, LABELS
from pytest_ovbench.report.escaping import printable
from pytest_ovbench.report.layers import describe_change, moves_lines

if TYPE_CHECKING:
    from pytest_ovbench.engine.measurement import Measurement
    from pytest_ovbench.judge.verdict import Comparison

PLAN_LINES = 12  # plan changes listed in a message, most serious first

ADVICE = (
    "  what to do: measure longer (@pytest.mark.ovbench(time=...)), run on a quieter runner, or use "
    "reference mode (--ov-reference-rev=origin/main) so both models share the machine's noise"
)
REFERENCE_ADVICE = (  # reference mode already shares the noise: more rounds or less noise decide
    "  what to do: give the verdict more rounds (--ov-max-time, or time= per test), run on a quieter "
    "runner, or allow more (tolerance=) if a change this small does not matter"
)


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell; the first two left-aligned, the rest right-aligned.
    Every cell is shown printable (a baseline's text may hold newlines or escape sequences)."""
    shown = [[printable(c) for c in row] for row in (header, *rows)]
    widths = [max(len(c) for c in column) for column in zip(*shown)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(parts).rstrip()

    return [line(shown[0]), line(["-" * w for w in widths]), *(line(r) for r in shown[1:])]


def figure(value: float | None) -> str:
    """A figure to 4 significant digits, as the baselines store it (far from 1, in powers of ten)."""
    if value is None or math.isnan(value) or value == 0:
        return "0" if value == 0 else "-"
    rounded = float(f"{value:.4g}")
    if not 1e-4 <= abs(rounded) < 1e12:  # also inf, and 5e-324 from a hand-edited baseline
        return f"{rounded:.4g}"
    decimals = max(0, 3 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:.{decimals}f}"


def p_figure(p_value: float) -> str:
    """``0.012``, or ``<0.001`` below that: never ``0``, which no test can show (an exact or a
    permutation test's least p-value is above it, and a t-test's is only rounded to it)."""
    return "<0.001" if p_value < 0.001 else f"{p_value:.2g}"


def p_text(p_value: float) -> str:
    """``p=0.012``, or ``p<0.001`` below that."""
    figure = p_figure(p_value)
    return f"p{figure}" if figure.startswith("<") else f"p={figure}"


def _sees_text(detectable: float, sign: str) -> str:
    if math.isnan(detectable):
        return "sees -"
    if math.isinf(detectable):
        return "sees no change at its false-alarm level"
    return f"sees {sign}{percent(detectable, '')}"


def machine_effect(metric: str, machine: float | None) -> float:
    """What the machine's speed alone did to a figure, as a change (NaN without a correction):
    ``machine`` is the yardstick's time now / at recording, so a latency moves by it and a
    throughput by its inverse. The change net of it is (1 + change) / (1 + effect) - 1."""
    if machine is None or math.isnan(machine) or machine <= 0:
        return math.nan
    return (1.0 / machine if metric in HIGHER_IS_BETTER else machine) - 1.0


def comparison_line(c: Comparison) -> str:
    """The stored figure and the current one as they are, their change (raw), and where stored
    mode corrected for the machine's speed, what the machine alone did to the figure and the
    change net of it, which the verdict judged."""
    label, unit = LABELS[c.metric]
    sign = "-" if c.metric in HIGHER_IS_BETTER else "+"
    evidence = "no evidence" if math.isnan(c.p_value) else p_text(c.p_value)
    change = percent(c.raw_change) or "-"
    if not math.isnan(c.machine):  # raw, what the machine alone did to it, net: as the table has them
        machine = percent(machine_effect(c.metric, c.machine)) or "-"
        change = f"raw {change}; machine {machine} by the yardstick"
        if c.overhead_share >= 0.05:  # a small model: the probe weighs in, and the floor grows
            change += f" and probe (fixed cost {c.overhead_share:.0%} of the model's time)"
        change += f"; net {percent(c.change) or '-'}"
    if all(math.isfinite(end) for end in c.interval):  # reference mode: the paired change's 95% CI
        change += f", 95% CI {percent(c.interval[0])}..{percent(c.interval[1])}"
    line = (
        f"  {label}  {figure(c.raw_baseline)} {unit} -> {figure(c.current)} {unit}  "
        f"({change}, allowed {sign}{c.tolerance:.0%}, {evidence}, {_sees_text(c.detectable, sign)})"
    )
    return f"{line}: {printable(c.reason)}" if c.reason else line


def verdict_message(m: Measurement) -> str:
    """The message of a failing, inconclusive or baseline-less measurement."""
    from pytest_ovbench.judge.gate import worst
    from pytest_ovbench.judge.verdict import NO_BASELINE, PASS

    status = worst(m.comparisons)
    # Every piece that comes from outside (test id, names, the baseline's text) is printable():
    # the message lands in CI logs, where a line of its own could be read as a command.
    head = f"ovbench: {printable(m.nodeid)} {m.result.name!r} {status}"
    if status == NO_BASELINE and m.baseline_file is None:  # reference mode: a model new in the change
        return (
            f"ovbench: {printable(m.nodeid)} {m.result.name!r} has nothing to compare with "
            f"({printable(m.source)}); it is judged once the reference revision has the model"
        )
    if status == NO_BASELINE:
        return (
            f"ovbench: {printable(m.nodeid)} {m.result.name!r} has no baseline ({printable(m.source)}); "
            "record one with `pytest --ov-update-baselines`"
        )
    lines = [head, *(comparison_line(c) for c in m.comparisons if c.status != PASS)]
    kind = "reference" if m.reference is not None else "baseline"
    lines.append(f"  {kind}: {printable(m.source)}")
    if m.baseline_layers and m.result.layers and status != PASS:
        lines.extend(moves_lines(m.baseline_layers, m.result.layers))
    lines.extend(plan_lines(m))
    if status == Status.INCONCLUSIVE:
        lines.append(ADVICE if m.reference is None else REFERENCE_ADVICE)
    return "\n".join(lines)


def plan_lines(m: Measurement) -> list[str]:
    """The execution-plan changes found with per-layer counters (exact, no timing involved)."""
    if not m.layer_changes:
        return []
    kind = "reference" if m.reference is not None else "baseline"
    shown = [f"    {printable(describe_change(change))}" for change in m.layer_changes[:PLAN_LINES]]
    if len(m.layer_changes) > PLAN_LINES:
        shown.append(
            f"    ... and {len(m.layer_changes) - PLAN_LINES} more (every change: --ov-json, layer_changes)"
        )
    return [f"  execution plan changed against the {kind}:", *shown]


def plan_message(m: Measurement) -> str:
    """The warning (or, with --ov-fail-on-plan-change, failure) for a changed execution plan."""
    head = f"ovbench: {printable(m.nodeid)} {m.result.name!r}: execution plan changed"
    return "\n".join([head, *plan_lines(m)[1:], f"  baseline: {printable(m.source)}"])


def percent(value: float | None, sign: str = "+") -> str:
    """A fraction as a percentage to one decimal (``+4.1%``; ``sign=""`` for none on positives),
    huge ones in powers of ten (``+1e+302%``: a broken baseline, not digits to read); "" for none."""
    if value is None or math.isnan(value):
        return ""
    if abs(value) >= 1e4:
        return f"{value * 100:{sign}.3g}%"
    return f"{value:{sign}.1%}"


def sees(detectable: float | None) -> str:
    """The smallest worsening a comparison could have caught (90% power): ``4.1%``, ``none``."""
    if detectable is None or math.isnan(detectable):
        return "-"
    return "none" if math.isinf(detectable) else percent(detectable, "")


def summary_rows(records: Sequence[dict[str, Any]]) -> list[list[str]]:
    """One row per judged metric: the stored and the current figure as they are (raw), their
    change, beside it the change net of the machine-speed correction, which the verdict judged,
    then the correction itself (stored mode's yardstick: what the machine's speed alone did to the
    figure, so that 1 + change = (1 + net) x (1 + machine)) and the smallest worsening the
    comparison could have caught with 90% power (``sees``). A measurement with nothing to compare
    with shows its current figures."""
    rows: list[list[str]] = []
    for r in records:
        if not r["comparisons"]:
            shown = r.get("recorded_figures") or r["figures"]
            for metric in ("median", "throughput"):
                current = figure(shown.get(metric))
                rows.append([r["test"], r["name"], metric, "", current, *[""] * 4, r["verdict"]])
        if r.get("layer_changes"):
            changed = f"{len(r['layer_changes'])} changed"
            rows.append([r["test"], r["name"], "layers", "", changed, *[""] * 4, "plan changed"])
        rows.extend(_comparison_row(r, c) for c in r["comparisons"])
    return rows


def _comparison_row(r: dict[str, Any], c: dict[str, Any]) -> list[str]:
    machine = machine_effect(c["metric"], c.get("machine"))
    return [
        r["test"],
        r["name"],
        c["metric"],
        figure(c["baseline"]),
        figure(c["current"]),
        percent(c["change"]),
        percent(c.get("adjusted_change")),
        percent(machine),
        str(c.get("sees", "-")),
        c["status"],
    ]


SUMMARY_HEADER = [
    *("test", "measurement", "metric", "baseline", "current", "change", "net", "machine", "sees", "verdict")
]


def summary_table(records: Sequence[dict[str, Any]]) -> list[str]:
    """The table, then what a reader needs to act on rows without a baseline."""
    return [*format_table(SUMMARY_HEADER, summary_rows(records)), *missing_notes(records)]


def missing_notes(records: Sequence[dict[str, Any]]) -> list[str]:
    """Measurements with no baseline for this runner's hardware class: which classes have one.
    In reference mode, a model new at the revision has nothing to compare with: no advice to record."""
    unmatched = [r for r in records if r["verdict"] == Status.NO_BASELINE]
    missing = [r for r in unmatched if r.get("against") != "reference"]
    new = len(unmatched) - len(missing)
    lines = [f"ovbench: {new} measurement(s) of models new at the reference revision: nothing to compare"]
    return (lines if new else []) + _baseline_notes(missing)


def _baseline_notes(missing: Sequence[dict[str, Any]]) -> list[str]:
    if not missing:
        return []
    classes = sorted({str(r["environment"]) for r in missing})
    others = sorted({key for r in missing for key in r.get("other_classes", [])})
    lines = [
        f"ovbench: {len(missing)} measurement(s) have no baseline for this runner's hardware class "
        + ", ".join(repr(key) for key in classes)
        + "; record them on this kind of runner (pytest --ov-update-baselines) and commit baselines/"
    ]
    if others:
        lines.append("ovbench: baselines of other classes (never used here): " + ", ".join(map(repr, others)))
    if any("before hardware classes" in str(r.get("source", "")) for r in missing):
        lines.append(
            "ovbench: some entries were recorded before hardware classes and are not used: re-record them"
        )
    return lines


def suite_line(suite: dict[str, Any]) -> str:
    """What the summary says of the suite-level false-alarm control (plugin/suite.py's record)."""
    tests, alpha, level = int(suite["tests"]), float(suite["alpha"]), float(suite["level"])
    if suite.get("control") != "bonferroni":
        return (
            f"ovbench: {tests} gated test(s), each at a false-alarm level of {alpha:.2%} "
            "(suite-level control off)"
        )
    return (
        f"ovbench: {tests} gated test(s) in the suite, each judged at a false-alarm level of {level:.3g} "
        f"so that the whole suite's is at most {alpha:.0%} (Bonferroni; --ov-suite-control=off judges "
        "each at its own)"
    )
