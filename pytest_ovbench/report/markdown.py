"""``--ov-report=PATH.md``: the summary as Markdown (fits a GitHub step summary or a PR comment).

Every piece of text from a record (test ids, names, the baseline's description, reasons) goes
through :func:`~pytest_ovbench.report.escaping.markdown_text`: a baseline file holding ``<img>``,
``[a link](...)`` or a newline shows as that text, never as markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pytest_ovbench.judge.status import Status
from pytest_ovbench.report.escaping import markdown_text
from pytest_ovbench.report.text import SUMMARY_HEADER, machine_effect, p_text, percent, summary_rows

ICONS: dict[str, str] = {
    Status.PASS: "pass",
    Status.REGRESSED: "**regressed**",
    Status.IMPROVED: "improved",
    Status.INCONCLUSIVE: "_inconclusive_",
    Status.NO_BASELINE: "no baseline",
    Status.UNCHANGED: "unchanged",
}


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Cells are Markdown already (escaped, or an icon)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_markdown(records: Sequence[dict[str, Any]]) -> str:
    """Headline counts, the verdict table, then the messages of what needs attention."""
    verdicts = [str(r["verdict"]) for r in records]
    counts = ", ".join(f"{verdicts.count(v)} {markdown_text(v)}" for v in dict.fromkeys(verdicts))
    rows = [
        [*(markdown_text(cell) for cell in row[:-1]), ICONS.get(row[-1], markdown_text(row[-1]))]
        for row in summary_rows(records)
    ]
    lines = ["## ovbench", "", f"{len(records)} measurements: {counts}.", "", *_table(SUMMARY_HEADER, rows)]
    notes = [line for r in records for line in _attention(r)]
    if notes:
        lines += ["", "### Needs attention", "", *notes]
    lines += ["", _environment(records), *_suite(records)]
    return "\n".join(lines) + "\n"


def _suite(records: Sequence[dict[str, Any]]) -> list[str]:
    """The suite-level control the verdicts were judged under (plugin/suite.py), when one was."""
    suite = next((r["suite"] for r in records if r.get("suite")), None)
    if not suite or suite.get("control") != "bonferroni":
        return []
    return [
        "",
        f"Suite-level control: {int(suite['tests'])} gated tests, each judged at a false-alarm level of "
        f"{float(suite['level']):.3g} (at most {float(suite['alpha']):.0%} for the suite, Bonferroni).",
    ]


def _attention(record: dict[str, Any]) -> list[str]:
    """One list item per comparison that did not pass, for a regressed or inconclusive measurement."""
    if record["verdict"] not in (Status.REGRESSED, Status.INCONCLUSIVE):
        return []
    items = []
    for c in [c for c in record["comparisons"] if c["status"] != Status.PASS]:
        detail = f" ({c['reason']})" if c["reason"] else ""
        p_value = "" if c["p_value"] is None else f", {p_text(c['p_value'])}"
        verdict = f"{c['status']} {_change(c)}{p_value}{detail}"
        text = f"{record['name']} {c['metric']}: {verdict}; {record['source']}"
        items.append(f"- {markdown_text(record['test'])} {markdown_text(text)}")
    return items


def _change(c: dict[str, Any]) -> str:
    """The change as it is and, where the machine's speed was corrected for, that correction and
    the change net of it (which the verdict judged): the same three numbers as the table."""
    machine = machine_effect(str(c["metric"]), c.get("machine"))
    if math.isnan(machine):
        interval = (c.get("ci_low"), c.get("ci_high"))
        shown = f" (95% CI {percent(interval[0])}..{percent(interval[1])})" if None not in interval else ""
        return (percent(c.get("change")) or "-") + shown
    net = percent(c.get("adjusted_change")) or "-"
    return f"{percent(c.get('change')) or '-'} raw, machine {percent(machine)}, net {net}"


def _environment(records: Sequence[dict[str, Any]]) -> str:
    environments = sorted({str(r["environment"]) for r in records if r["environment"]})
    return "Environment: " + "; ".join(markdown_text(e) for e in environments) if environments else ""
