"""The HTML page of ``ovbench trend --html``: each series over time as an inline SVG chart (one dot
per run, each segment's median, the change points marked with their commits) and a table of the
changes. Self-contained: the report's stylesheet inlined, no script, no network. Every piece of text
goes through ``html.escape`` (the SVG helpers escape theirs)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pytest_ovbench.history.trend import ChangePoint, SeriesTrend
from pytest_ovbench.metrics import LABELS
from pytest_ovbench.report.html_style import STYLE
from pytest_ovbench.report.svg import Scale, chart_figure, chart_legend, chart_svg, dot, line, text, y_axis
from pytest_ovbench.report.text import figure, p_figure

__all__ = ["render_trend_page", "short_commit"]

WIDTH, HEIGHT = 960.0, 300.0
LEFT, RIGHT, TOP, BOTTOM = 90.0, WIDTH - 16.0, 34.0, HEIGHT - 46.0
EXTRA_STYLE = ".chg { stroke: var(--ref); stroke-width: 1.6; stroke-dasharray: 4 3; }"


def short_commit(commit: str | None) -> str:
    return commit[:10] if commit else "?"


def render_trend_page(trends: Sequence[SeriesTrend], source: str) -> str:
    """The whole page: a summary line, then one section per series."""
    changes = sum(len(trend.changes) for trend in trends)
    summary = f"{len(trends)} series from {source}; {changes} change point{'s' * (changes != 1)}"
    sections = "\n".join(_section(trend) for trend in trends)
    body = f'<h1>ovbench trend</h1>\n<p class="env">{escape(summary)}</p>\n{sections}'
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>ovbench trend</title>\n<style>{STYLE}{EXTRA_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _section(trend: SeriesTrend) -> str:
    key = trend.key
    title = f"<h2>{escape(key.test)} <small>{escape(key.measurement)} · {escape(key.metric)}</small></h2>"
    where = f'<p class="env">{escape(key.hardware_class)}; {len(trend.rows)} runs</p>'
    legend = chart_legend([("sw-dot", "one run"), ("sw-med-cur", "segment median"), ("sw-med-ref", "change")])
    chart = chart_figure("Over time (oldest first)", _chart(trend), legend, wide=True)
    return f"<section>{title}{where}{chart}{_change_table(trend)}</section>"


def _unit(metric: str) -> str:
    return LABELS[metric][1] if metric in LABELS else ""


def _chart(trend: SeriesTrend) -> str:
    figures = [row.figure for row in trend.rows]
    x = Scale(-0.5, max(len(figures), 1) - 0.5, LEFT, RIGHT)
    y = Scale.fit(figures, BOTTOM, TOP)
    unit = _unit(trend.key.metric)
    parts = y_axis(y, LEFT, RIGHT, f"{trend.key.metric} ({unit})" if unit else trend.key.metric)
    parts += [
        line(LEFT, BOTTOM, RIGHT, BOTTOM, "axis"),
        text((LEFT + RIGHT) / 2, HEIGHT - 8, "runs", "middle"),
    ]
    parts += _medians(trend, x, y)
    for change in trend.changes:
        at = x(change.index - 0.5)
        parts += [
            line(at, TOP - 6, at, BOTTOM, "chg"),
            text(at + 3, TOP - 10, short_commit(change.commit), css="small"),
        ]
    for index, row in enumerate(trend.rows):
        when = row.recorded_at.strftime("%Y-%m-%d %H:%M")
        tip = f"run {index}, {when} UTC, commit {short_commit(row.commit)}: {figure(row.figure)} {unit}"
        parts.append(dot(x(index), y(row.figure), "dot-cur", tip))
    return chart_svg(WIDTH, HEIGHT, f"{trend.key.label()} over time", parts)


def _medians(trend: SeriesTrend, x: Scale, y: Scale) -> list[str]:
    """One horizontal line per segment at its median."""
    bounds = [0, *(change.index for change in trend.changes), len(trend.rows)]
    parts = []
    for start, end in zip(bounds[:-1], bounds[1:]):
        ordered = sorted(row.figure for row in trend.rows[start:end])
        middle = len(ordered) // 2
        level = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        parts.append(line(x(start - 0.4), y(level), x(end - 0.6), y(level), "med-cur"))
    return parts


def _change_table(trend: SeriesTrend) -> str:
    if not trend.changes:
        return '<p class="note">No change point: the series stayed at one level.</p>'
    head = "".join(
        f"<th>{name}</th>" for name in ("run", "commit", "date (UTC)", "before", "after", "change", "p")
    )
    body = "".join(_change_row(change, _unit(trend.key.metric)) for change in trend.changes)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _change_row(change: ChangePoint, unit: str) -> str:
    cells = [
        (str(change.index), "num"),
        (change.commit or "?", ""),
        (change.recorded_at.strftime("%Y-%m-%d %H:%M"), ""),
        (f"{figure(change.before)} {unit}", "num"),
        (f"{figure(change.after)} {unit}", "num"),
        (f"{change.change:+.1%} ({'worse' if change.worse else 'better'})", "num"),
        (p_figure(change.p_value), "num"),
    ]
    row = "".join(
        f'<td class="{css}">{escape(content)}</td>' if css else f"<td>{escape(content)}</td>"
        for content, css in cells
    )
    return f"<tr>{row}</tr>"
