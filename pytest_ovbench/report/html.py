"""``--ov-report=PATH.html``: one self-contained page, charts as inline SVG (pure formatting).

The page needs no network and no JavaScript: CSS is inline, every chart is an ``<svg>`` drawn
from the records (see :mod:`pytest_ovbench.report.records`). Every piece of text from a record goes through
``html.escape`` because test names, model paths and reasons come from users.

This module puts the page together; its pieces live beside it: the charts in
:mod:`~pytest_ovbench.report.html_charts` (drawn with :mod:`~pytest_ovbench.report.svg`), the tables in
:mod:`~pytest_ovbench.report.html_tables` and the stylesheet in :mod:`~pytest_ovbench.report.html_style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from pytest_ovbench.judge.status import Status
from pytest_ovbench.report.html_charts import latency_figure, layers_figure, throughput_figure
from pytest_ovbench.report.html_style import STYLE
from pytest_ovbench.report.html_tables import (
    comparisons_table,
    facts_table,
    headline,
    summary_table,
    verdict_class,
)

# What needs attention leads the page; then the rest.
FIRST: dict[str, int] = {Status.REGRESSED: 0, Status.INCONCLUSIVE: 1}


def attention_order(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Regressed measurements first, then inconclusive ones, then the rest, each in run order."""
    return sorted(records, key=lambda record: FIRST.get(str(record.get("verdict", "")), len(FIRST)))


def render_html(records: Sequence[dict[str, Any]]) -> str:
    """The whole page: headline counts, the summary table, then one section per measurement;
    regressed ones first, then inconclusive ones."""
    records = attention_order(records)
    parts = [headline(records)]
    if records:
        parts.append(summary_table(records))
        parts += [_section(index, record) for index, record in enumerate(records, 1)]
    else:
        parts.append('<p class="empty">No measurements were taken in this run.</p>')
    return _page("\n".join(parts))


def _section(index: int, record: dict[str, Any]) -> str:
    """One measurement: title with verdict, charts, comparisons and facts."""
    verdict = str(record.get("verdict", ""))
    badge = f'<span class="chip {verdict_class(verdict)}">{escape(verdict)}</span>'
    title = f"{escape(str(record.get('test', '')))} <small>{escape(str(record.get('name', '')))}</small>"
    nodeid = f'<p class="nodeid">{escape(str(record.get("nodeid", "")))}</p>'
    parts = [
        latency_figure(record),
        comparisons_table(record),
        plan_changes(record),
        throughput_figure(record),
        facts_table(record),
        layers_figure(record),
    ]
    grid = "".join(part for part in parts if part)
    head = f"<h2>{badge} {title}</h2>{nodeid}"
    return f'<section class="measurement" id="m-{index}">{head}<div class="layout">{grid}</div></section>'


def plan_changes(record: dict[str, Any]) -> str:
    """The execution-plan changes against the baseline or reference (nodes added or gone, fusions
    lost, fallbacks), as the failure message words them; "" when there are none."""
    changes = record.get("layer_changes") or []
    if not changes:
        return ""
    by_reference = "reference_figures" in record or record.get("against") == "reference"
    kind = "reference" if by_reference else "baseline"
    items = "".join(f"<li>{escape(str(change))}</li>" for change in changes)
    head = f"Execution plan changed against the {kind} ({len(changes)})"
    return f'<div class="plan"><h3>{escape(head)}</h3><ul>{items}</ul></div>'


def _page(body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>ovbench report</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
