"""The tables of the HTML report: the headline verdict counts, the end-of-run summary, and per
measurement its comparisons and the facts of how and where it was taken.

Every piece of text from a record goes through ``html.escape``; verdicts are coloured by the CSS classes
of :data:`VERDICT_CLASSES` (see :mod:`pytest_ovbench.report.html_style`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from pytest_ovbench.judge.status import Status
from pytest_ovbench.metrics import LABELS
from pytest_ovbench.report.html_numbers import finite, percent_or_dash
from pytest_ovbench.report.text import SUMMARY_HEADER, figure, machine_effect, p_figure, summary_rows

VERDICT_ORDER: tuple[Status, ...] = (Status.REGRESSED, Status.INCONCLUSIVE, Status.IMPROVED, Status.PASS)
VERDICT_ORDER += (Status.UNCHANGED, Status.NO_BASELINE)
VERDICT_CLASSES: dict[str, str] = {
    Status.REGRESSED: "v-regressed",
    Status.IMPROVED: "v-improved",
    Status.INCONCLUSIVE: "v-inconclusive",
    Status.PASS: "v-pass",
    Status.UNCHANGED: "v-pass",  # reference mode: the same files as the revision, not measured twice
    Status.NO_BASELINE: "v-none",
}


def _cell(text: object, css: str = "", tag: str = "td") -> str:
    klass = f' class="{css}"' if css else ""
    return f"<{tag}{klass}>{escape(str(text))}</{tag}>"


def verdict_class(verdict: str) -> str:
    return VERDICT_CLASSES.get(verdict, "v-other")


def headline(records: Sequence[dict[str, Any]]) -> str:
    """The number of measurements and a coloured count per verdict, worst first."""
    verdicts = [str(r.get("verdict", "")) for r in records]
    order = [v for v in VERDICT_ORDER if v in verdicts] + [
        v for v in dict.fromkeys(verdicts) if v not in VERDICT_ORDER
    ]
    chips = "".join(
        f'<span class="chip {verdict_class(v)}">{verdicts.count(v)} {escape(v)}</span>' for v in order
    )
    noun = "measurement" if len(records) == 1 else "measurements"
    environments = sorted({str(r["environment"]) for r in records if r.get("environment")})
    env = f'<p class="env">Environment: {escape("; ".join(environments))}</p>' if environments else ""
    return (
        f'<header><h1>ovbench report</h1><p class="headline">{len(records)} {noun} {chips}</p>{env}</header>'
    )


def summary_table(records: Sequence[dict[str, Any]]) -> str:
    """The end-of-run table, one row per gated metric, test names linking to their sections."""
    head = "".join(_cell(h, "num" if 3 <= i < 9 else "", "th") for i, h in enumerate(SUMMARY_HEADER))
    body: list[str] = []
    for index, record in enumerate(records, 1):
        for row in summary_rows([record]):
            test = f'<td><a href="#m-{index}">{escape(row[0])}</a></td>'
            middle = "".join(_cell(c, "num" if i >= 3 else "") for i, c in enumerate(row[1:-1], 1))
            body.append(f"<tr>{test}{middle}{_cell(row[-1], 'verdict ' + verdict_class(row[-1]))}</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<section class="summary"><h2>Summary</h2><div class="scroll">{table}</div></section>'


def _pairs(mapping: object) -> str:
    if not isinstance(mapping, dict) or not mapping:
        return "-"
    return ", ".join(f"{k}={v}" for k, v in mapping.items() if v is not None)


def _facts(record: dict[str, Any]) -> list[tuple[str, str]]:
    """Name/value pairs describing how and where the measurement was taken."""
    duration = finite(record.get("duration"))
    load = finite(record.get("foreign_load"))
    return [
        ("mode", str(record.get("mode", "-"))),
        ("device", str(record.get("device", "-"))),
        ("environment", str(record.get("environment") or "-")),
        ("model", str(record.get("model") or "-")),
        ("nireq / batch", f"{record.get('nireq', '-')} / {record.get('batch', '-')}"),
        ("inferences", str(record.get("count", "-"))),
        ("duration", "-" if duration is None else f"{duration:.3g} s"),
        ("others' CPU load", "-" if load is None else f"{load:.0%}"),
        ("properties", _pairs(record.get("properties"))),
        ("settings", _pairs(record.get("settings"))),
        ("compared with", str(record.get("source") or "-")),
    ]


def facts_table(record: dict[str, Any]) -> str:
    rows = "".join(f"<tr>{_cell(name, tag='th')}{_cell(value)}</tr>" for name, value in _facts(record))
    return f'<div class="facts"><h3>Facts</h3><table class="kv">{rows}</table></div>'


def _comparison_row(comparison: dict[str, Any]) -> str:
    metric = str(comparison.get("metric", ""))
    label, unit = LABELS.get(metric, (metric, ""))
    p_value, noise = finite(comparison.get("p_value")), finite(comparison.get("noise"))
    tolerance = finite(comparison.get("tolerance"))
    machine = finite(machine_effect(metric, finite(comparison.get("machine"))))
    status = str(comparison.get("status", ""))
    cells = [
        _cell(f"{label} ({unit})" if unit else label),
        _cell(figure(finite(comparison.get("baseline"))), "num"),
        _cell(figure(finite(comparison.get("current"))), "num"),
        _cell(percent_or_dash(finite(comparison.get("change"))), "num"),
        _cell(percent_or_dash(finite(comparison.get("adjusted_change"))), "num"),
        _cell(percent_or_dash(machine), "num"),
        _cell(str(comparison.get("sees", "-")), "num"),
        _cell("-" if tolerance is None else f"{tolerance:.0%}", "num"),
        _cell("-" if noise is None else f"{noise:.1%}", "num"),
        _cell("-" if p_value is None else p_figure(p_value), "num"),
        _cell(status, "verdict " + verdict_class(status)),
        _cell(comparison.get("reason") or ""),
    ]
    return f"<tr>{''.join(cells)}</tr>"


def comparisons_table(record: dict[str, Any]) -> str:
    comparisons = record.get("comparisons") or []
    if not comparisons:
        source = escape(str(record.get("source") or "no baseline"))
        return f'<p class="note comparisons">Not compared: {source}.</p>'
    header = (
        *("metric", "baseline", "current", "change", "net", "machine", "sees"),
        *("allowed", "noise", "p-value", "verdict", "reason"),
    )
    head = "".join(_cell(h, "num" if 0 < i < 10 else "", "th") for i, h in enumerate(header))
    rows = "".join(_comparison_row(c) for c in comparisons)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    return f'<div class="comparisons"><h3>Comparisons</h3><div class="scroll">{table}</div></div>'
