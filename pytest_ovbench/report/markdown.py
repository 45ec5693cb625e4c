"""``--ov-report=PATH.md``: the summary as Markdown (fits a GitHub step summary or a PR comment)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pytest_ovbench.judge.status import Status
from pytest_ovbench.report.text import SUMMARY_HEADER, p_text, summary_rows

ICONS: dict[str, str] = {
    Status.PASS: "pass",
    Status.REGRESSED: "**regressed**",
    Status.IMPROVED: "improved",
    Status.INCONCLUSIVE: "_inconclusive_",
    Status.NO_BASELINE: "no baseline",
}


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def render_markdown(records: Sequence[dict[str, Any]]) -> str:
    """Headline counts, the verdict table, then the messages of what needs attention."""
    verdicts = [r["verdict"] for r in records]
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in dict.fromkeys(verdicts))
    header = SUMMARY_HEADER
    rows = [[*row[:-1], ICONS.get(row[-1], row[-1])] for row in summary_rows(records)]
    lines = ["## ovbench", "", f"{len(records)} measurements: {counts}.", "", *_table(header, rows)]
    notes = [r for r in records if r["verdict"] in (Status.REGRESSED, Status.INCONCLUSIVE)]
    if notes:
        lines += ["", "### Needs attention", ""]
        for r in notes:
            reasons = [c for c in r["comparisons"] if c["status"] != Status.PASS]
            for c in reasons:
                detail = f" ({c['reason']})" if c["reason"] else ""
                p_value = "" if c["p_value"] is None else f", {p_text(c['p_value'])}"
                net = c.get("adjusted_change")
                change = "" if net is None else f"{net:+.1%}"
                lines.append(
                    f"- `{r['test']}` {r['name']} {c['metric']}: {c['status']} "
                    f"{change}{p_value}{detail}; {r['source']}"
                )
    lines += ["", _environment(records)]
    return "\n".join(lines) + "\n"


def _environment(records: Sequence[dict[str, Any]]) -> str:
    environments = sorted({r["environment"] for r in records if r["environment"]})
    return "Environment: " + "; ".join(f"`{e}`" for e in environments) if environments else ""
