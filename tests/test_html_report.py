"""The HTML report: well-formed, offline, escaped, and one chart for each figure it can draw."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest

from pytest_ovbench.report.html import render_html
from pytest_ovbench.report.svg import Scale

VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
HOSTILE = "test_x[<script>alert(1)</script>]"

# The figures of a real record (`--ov-json` of a two-CPU run, test_lat in sync mode); the latencies
# themselves are drawn from a seeded distribution of the same shape.
WINDOW_MEDIANS = [
    0.033352,
    0.033002,
    0.033683,
    0.034464,
    0.033352,
    0.034655,
    0.036007,
    0.03227,
    0.034554,
    0.035136,
]
WINDOW_THROUGHPUTS = [5289.2, 5682.3, 5736.4, 5956.4, 6150.1, 5455.0, 5467.8, 5690.4, 5287.8, 5729.0]
BASELINE_WINDOWS = {
    "median": [0.03312, 0.03458, 0.03484, 0.03575, 0.0358, 0.04624, 0.04898, 0.03271, 0.03436, 0.03468],
    "throughput": [5987.0, 5170.0, 6849.0, 5854.0, 6249.0, 3599.0, 3723.0, 5366.0, 5350.0, 5427.0],
}
SAMPLE_RECORD: dict[str, Any] = {
    "nodeid": "test_g.py::test_lat",
    "test": "test_lat",
    "name": "sync",
    "mode": "sync",
    "device": "CPU",
    "environment": "CPU | AMD EPYC | 2 cpus",
    "model": "/tmp/gt/model.xml",
    "verdict": "pass",
    "source": "baselines/test_g.yaml, recorded 2026-11-23, openvino 2026.4.1",
    "comparisons": [
        {
            "metric": "median",
            "status": "pass",
            "baseline": 0.03682,
            "current": 0.034023,
            "change": -0.07596414991852252,
            "tolerance": 0.05,
            "p_value": 0.8735713208423157,
            "noise": 0.0675084500515404,
            "reason": "",
        }
    ],
    "figures": {
        "min": 0.025748,
        "mean": 0.15072620028358738,
        "median": 0.034023,
        "max": 8.2521,
        "p90": 0.058629,
        "p99": 3.272287,
        "stdev": 0.5998947302028016,
        "throughput": 5632.247065806592,
        "first_inference_ms": 1.911384,
        "compile_ms": 79.42183999989538,
    },
    "count": 2821,
    "duration": 0.5008658120000291,
    "nireq": 1,
    "batch": 1,
    "foreign_load": 0.6381019249854266,
    "properties": {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1, "INFERENCE_NUM_THREADS": 2},
    "settings": {"hint": "latency", "niter": None, "time": 0.5, "windows": 10},
    "windows": [{"median": m, "throughput": t} for m, t in zip(WINDOW_MEDIANS, WINDOW_THROUGHPUTS)],
    "baseline_windows": BASELINE_WINDOWS,
}


def latencies(count: int = 400, seed: int = 0, median_ms: float = 0.034) -> list[float]:
    """A right-skewed latency sample (log-normal, long tail), reproducible."""
    rng = np.random.default_rng(seed)
    return [float(v) for v in median_ms * rng.lognormal(0.0, 0.6, count)]


def make_record(**changes: Any) -> dict[str, Any]:
    """The sample record with its latencies kept, then ``changes`` applied."""
    record = copy.deepcopy(SAMPLE_RECORD)
    record["latencies_ms"] = latencies()
    record.update(changes)
    return record


@pytest.fixture
def sample_records() -> list[dict[str, Any]]:
    """Four records shaped like a real run: pass, inconclusive and improved, reference mode, no baseline."""
    gated = make_record(
        nodeid="test_g.py::test_tput",
        test="test_tput",
        name="async",
        verdict="inconclusive",
        comparisons=[
            comparison(
                "throughput", "inconclusive", 11890.0, 11690.3, reason="noise is larger than the allowance"
            ),
            comparison("p90", "improved", 0.154, 0.130772),
        ],
    )
    reference = make_record(
        nodeid="test_g.py::test_ref",
        test="test_ref",
        source="reference model.xml",
        reference_figures={**SAMPLE_RECORD["figures"], "median": 0.033292, "throughput": 6499.5},
        reference_latencies_ms=latencies(seed=1, median_ms=0.033),
    )
    new = make_record(
        nodeid="test_g.py::test_new",
        test="test_new",
        verdict="no baseline",
        comparisons=[],
        baseline_windows={},
        source="no entry in baselines/test_g.yaml for CPU | AMD EPYC | 2 cpus",
    )
    return [make_record(), gated, reference, new]


def comparison(
    metric: str, status: str, baseline: float | None, current: float | None, **more: Any
) -> dict[str, Any]:
    change = None if baseline is None or current is None else current / baseline - 1
    fields = {"tolerance": 0.05, "p_value": 0.01, "noise": 0.03, "reason": ""}
    return {
        "metric": metric,
        "status": status,
        "baseline": baseline,
        "current": current,
        "change": change,
    } | {
        **fields,
        **more,
    }


class TagChecker(HTMLParser):
    """Records nesting errors, elements, attributes and text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID_TAGS and "svg" not in self.open:  # <x/> closes itself only inside SVG
            self.errors.append(f"self-closed <{tag}/> outside SVG")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1] if self.open else 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def classes(self, tag: str) -> list[str]:
        return [str(attrs.get("class", "")) for name, attrs in self.tags if name == tag]


def parse(page: str) -> TagChecker:
    """The page's structure, after asserting it is well-formed."""
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.errors == []
    assert checker.open == [], f"never closed: {checker.open}"
    return checker


def charts(page: str, kind: str) -> list[str]:
    """The SVGs whose accessible label starts with ``kind`` ("latency", "throughput", "slowest")."""
    return re.findall(rf'<svg [^>]*aria-label="{kind}.*?</svg>', page, flags=re.DOTALL)


def test_checker_notices_bad_nesting() -> None:
    checker = TagChecker()
    checker.feed("<div><span></div></span><p>")
    checker.close()
    assert checker.errors == ["</div> closes span"] and checker.open == ["div", "p"]


def test_sample_page_is_well_formed(sample_records: list[dict[str, Any]]) -> None:
    page = render_html(sample_records)
    assert page.startswith("<!DOCTYPE html>")
    checker = parse(page)
    assert [tag for tag, _ in checker.tags].count("section") == 1 + len(sample_records)


def test_page_loads_nothing_from_the_network(sample_records: list[dict[str, Any]]) -> None:
    page = render_html(sample_records)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//""", page, flags=re.IGNORECASE)
    assert "@import" not in page and "url(" not in page
    assert "http://" not in page and "https://" not in page
    checker = parse(page)
    assert {tag for tag, _ in checker.tags}.isdisjoint({"script", "link", "img", "iframe", "object"})
    links = [attrs["href"] for tag, attrs in checker.tags if "href" in attrs]
    assert links and all(str(link).startswith("#m-") for link in links)


def test_one_chart_per_figure(sample_records: list[dict[str, Any]]) -> None:
    page = render_html(sample_records)
    assert page.count("<svg") == 2 * len(sample_records)  # latency and throughput; no layers collected
    assert len(charts(page, "latency")) == len(charts(page, "throughput")) == len(sample_records)
    assert charts(page, "slowest") == []


def test_hostile_names_are_escaped() -> None:
    record = make_record(
        nodeid=f"test_a.py::{HOSTILE}", test=HOSTILE, name="<b>sync</b>", model="<img src=x>"
    )
    record["comparisons"][0]["reason"] = "<i>why</i>"
    record["properties"] = {"<k>": "<v>"}
    record["layers"] = [
        {"name": "<script>x</script>", "type": "MatMul", "exec_type": "x", "real_time_ms": 1.0}
    ]
    page = render_html([record])
    checker = parse(page)
    assert "<script" not in page and "<b>" not in page and "<img" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert any(HOSTILE in text for text in checker.text)  # shown to the reader as typed
    assert {tag for tag, _ in checker.tags}.isdisjoint({"script", "img", "b", "i"})


def test_every_verdict_is_shown_in_its_colour() -> None:
    statuses = ["regressed", "improved", "inconclusive", "pass"]
    records = [
        make_record(test=f"test_{s}", verdict=s, comparisons=[comparison("median", s, 1.0, 1.2)])
        for s in statuses
    ]
    records.append(make_record(test="test_new", verdict="no baseline", comparisons=[], baseline_windows={}))
    records.append(make_record(test="test_recorded", verdict="recorded", comparisons=[]))
    page = render_html(records)
    checker = parse(page)
    headline = page[page.index('class="headline"') : page.index("</header>")]
    for verdict in [*statuses, "no baseline", "recorded"]:
        assert f"1 {verdict}</span>" in headline
    cells = [c for c in checker.classes("td") if c.startswith("verdict")]
    for verdict, css in [
        ("regressed", "v-regressed"),
        ("improved", "v-improved"),
        ("inconclusive", "v-inconclusive"),
        ("no baseline", "v-none"),
    ]:
        assert f"verdict {css}" in cells
        assert re.search(rf'<td class="verdict {css}">{verdict}</td>', page)
    assert headline.index("regressed") < headline.index("pass")  # worst first


def test_no_records_gives_a_page_that_says_so() -> None:
    page = render_html([])
    parse(page)
    assert "No measurements" in page and "0 measurements" in page
    assert "<svg" not in page and "<table" not in page


def test_missing_figures_render_as_dashes() -> None:
    record = make_record(
        figures=dict.fromkeys(SAMPLE_RECORD["figures"]),
        comparisons=[comparison("median", "inconclusive", None, None, p_value=None, noise=None)],
        windows=[],
        baseline_windows={},
        latencies_ms=[],
        duration=None,
        foreign_load=None,
    )
    page = render_html([record])
    parse(page)
    assert "<svg" not in page  # nothing to draw
    row = re.search(r"<tr><td>latency median \(ms\)</td>(.*?)</tr>", page)
    assert row is not None and row.group(1).count(">-</td>") == 8  # all but allowed and verdict
    assert "nan" not in page.lower() and "None" not in page


def test_without_latencies_the_window_medians_stand_in() -> None:
    record = make_record()
    del record["latencies_ms"]
    page = render_html([record])
    parse(page)
    [chart] = charts(page, "latency")
    assert "bar-cur" not in chart  # no histogram
    assert chart.count('class="dot-cur"') == len(WINDOW_MEDIANS)
    assert chart.count('class="dot-base"') == len(BASELINE_WINDOWS["median"])
    assert "Per-request latencies were not kept" in page


@pytest.mark.parametrize("kept", [[], [0.5], [0.0, 0.5, 30.0]])
def test_few_or_odd_latencies(kept: list[float]) -> None:
    page = render_html([make_record(latencies_ms=kept)])
    parse(page)
    [chart] = charts(page, "latency")
    shares = [float(s) for s in re.findall(r" ms: ([0-9.]+)%</title></rect>", chart)]
    assert sum(shares) == pytest.approx(100 if kept else 0)
    assert "log scale" not in chart  # a single value, or a zero among them: linear
    assert not re.search(r'="-?(?:nan|inf)', chart, flags=re.IGNORECASE)  # every coordinate a number


def test_latency_chart_marks_the_baseline() -> None:
    page = render_html([make_record()])
    [chart] = charts(page, "latency")
    assert chart.count('class="dot-base"') == len(BASELINE_WINDOWS["median"])
    assert 'class="band-base"' in chart and 'class="med-base"' in chart and 'class="med-cur"' in chart
    assert "% of inferences" in chart and "latency (ms, log scale)" in chart
    assert "baseline median 0.03682 ms" in page  # the compared figure, not the windows' median


def test_histogram_bars_add_up_to_every_latency() -> None:
    [chart] = charts(render_html([make_record()]), "latency")
    shares = [float(s) for s in re.findall(r" ms: ([0-9.]+)%</title></rect>", chart)]
    assert len(shares) > 10 and sum(shares) == pytest.approx(100, abs=0.5)


def test_latency_axis_is_linear_for_a_narrow_spread() -> None:
    narrow = [0.03 + 0.0001 * i for i in range(50)]
    record = make_record(latencies_ms=narrow, baseline_windows={"median": [0.031, 0.032]})
    [chart] = charts(render_html([record]), "latency")
    assert "latency (ms)" in chart and "log scale" not in chart


def test_reference_mode_overlays_the_reference() -> None:
    record = make_record(reference_figures={"median": 0.033, "throughput": 6500.0})
    record["reference_latencies_ms"] = latencies(seed=1)
    page = render_html([record])
    [chart] = charts(page, "latency")
    assert 'class="outline-ref"' in chart and 'class="med-ref"' in chart and "reference windows" in chart
    [bars] = charts(page, "throughput")
    assert ">reference</text>" in bars and "6500 inf/s" in bars


def test_throughput_bars_show_windows_and_baseline() -> None:
    [bars] = charts(render_html([make_record()]), "throughput")
    assert bars.count('class="dot-window"') == len(WINDOW_THROUGHPUTS) + len(BASELINE_WINDOWS["throughput"])
    assert "5632 inf/s" in bars and "5357 inf/s" in bars  # current, and the mean of the baseline windows
    assert "throughput (inf/s)" in bars


def test_gated_throughput_uses_the_compared_baseline() -> None:
    record = make_record(comparisons=[comparison("throughput", "pass", 6000.0, 5632.2)])
    [bars] = charts(render_html([record]), "throughput")
    assert "6000 inf/s" in bars and "5357" not in bars


def test_without_baseline_only_this_run_is_drawn() -> None:
    record = make_record(verdict="no baseline", comparisons=[], baseline_windows={})
    page = render_html([record])
    [bars] = charts(page, "throughput")
    assert ">this run</text>" in bars and "baseline" not in bars
    assert 'class="med-base"' not in page and "Not compared" in page


def test_layers_chart_shows_the_slowest_fifteen() -> None:
    layers = [
        {"name": f"layer{i:02d}", "type": "Convolution", "exec_type": "jit", "real_time_ms": float(i)}
        for i in range(20)
    ]
    layers[19]["baseline_real_time_ms"] = 10.0
    page = render_html([make_record(layers=layers)])
    parse(page)
    [chart] = charts(page, "slowest")
    assert chart.count('class="bar-cur"') == 15 and chart.count('class="bar-base"') == 1
    assert "layer19" in chart and "layer05" in chart and "layer04" not in chart
    assert "Slowest layers (15 of 20)" in page
    assert page.count("<svg") == 3


def test_facts_are_listed() -> None:
    page = render_html([make_record()])
    for fact in (
        "CPU | AMD EPYC | 2 cpus",
        "/tmp/gt/model.xml",
        "64%",
        "0.501 s",
        "NUM_STREAMS=1",
        "time=0.5",
    ):
        assert fact in page
    assert "niter" not in page  # settings left unset are not listed
    assert "<td>0.87</td>" not in page and '<td class="num">0.87</td>' in page  # the p-value


def test_scale_ticks() -> None:
    linear = Scale.fit([0.0, 9.5], 0, 100, from_zero=True)
    assert not linear.log and linear.ticks() == [0, 2, 4, 6, 8, 10]
    log = Scale.fit([0.03, 8.0], 0, 100)
    assert log.log and {0.1, 1.0}.issubset(log.ticks())
    assert log(0.03) < log(0.1) < log(1.0) < log(8.0)
    single = Scale.fit([0.5], 0, 100)
    assert single.low < 0.5 < single.high


def _section_order(page: str) -> list[str]:
    return re.findall(r'<section class="measurement" id="m-\d+"><h2>.*?</span> (\w+) <small>', page)


def test_what_regressed_comes_first_then_inconclusive() -> None:
    records = [
        make_record(test="test_fine"),
        make_record(test="test_unsure", verdict="inconclusive"),
        make_record(test="test_new", verdict="no baseline", comparisons=[]),
        make_record(test="test_slower", verdict="regressed"),
    ]
    page = render_html(records)
    parse(page)
    assert _section_order(page) == ["test_slower", "test_unsure", "test_fine", "test_new"]
    summary = page[page.index('<section class="summary">') : page.index('<section class="measurement"')]
    rows = re.findall(r'<a href="#m-(\d+)">(\w+)</a>', summary)
    assert [name for _, name in rows][:2] == ["test_slower", "test_unsure"]
    # Each link still lands on its own card.
    for index, name in rows:
        assert re.search(rf'id="m-{index}"><h2>.*?</span> {name} <small>', page)


def test_plan_changes_are_listed_on_the_card() -> None:
    changes = [
        "relu_2 (Relu): not in the baseline, now jit_avx2_f32",
        "conv (Convolution): brgconv_avx2_f32 -> ref_any_f32: fell back to a reference implementation",
    ]
    page = render_html([make_record(layer_changes=changes), make_record(test="test_other")])
    parse(page)
    assert "Execution plan changed against the baseline (2)" in page
    for change in changes:
        assert f"<li>{change.replace('->', '-&gt;')}</li>" in page
    assert page.count('class="plan"') == 1  # only the card whose plan changed


def test_long_layer_names_are_cut_from_the_middle() -> None:
    name = "conv_block_1/conv_block_1.2/depthwise/bn/relu"
    layers = [{"name": name, "type": "Relu", "exec_type": "jit", "real_time_ms": 1.0}]
    page = render_html([make_record(layers=layers)])
    [chart] = charts(page, "slowest")
    assert ">conv_block_1/…/bn/relu</text>" in chart
    assert f"<title>{name} (Relu / jit)" in chart  # the whole name stays in the tooltip


def test_a_p_value_of_zero_is_never_printed_as_zero() -> None:
    from pytest_ovbench.report.markdown import render_markdown

    record = make_record(
        verdict="regressed",
        comparisons=[
            comparison("median", "regressed", 0.03, 0.05, p_value=0.0),
            comparison("p90", "pass", 1, 1),
        ],
    )
    page = render_html([record])
    assert '<td class="num">&lt;0.001</td>' in page and '<td class="num">0</td>' not in page
    markdown = render_markdown([record])
    assert "p&lt;0.001" in markdown and "p=0" not in markdown


def test_the_card_takes_its_numbers_from_one_place() -> None:
    # Three runs pooled: the legend, the bar and the table all give the pooled figures; the
    # histogram and the window dots are the first run's, and say so.
    runs = [{"started": "", "finished": "", "fresh_process": i > 0, "figures": {}} for i in range(3)]
    pooled = {**SAMPLE_RECORD["figures"], "median": 0.0355, "throughput": 5400.0}
    record = make_record(
        runs=runs,
        figures=pooled,
        comparisons=[
            comparison("median", "pass", 0.03682, 0.0355),
            comparison("throughput", "pass", 5600.0, 5400.0),
        ],
    )
    page = render_html([record])
    parse(page)
    assert "median 0.03550 ms over 3 runs" in page and '<td class="num">0.03550</td>' in page
    assert ">5400 inf/s</text>" in charts(page, "throughput")[0]
    assert '<td class="num">5400</td>' in page
    assert "These 3 runs: -3.6% against the baseline" in page
    assert "first of 3 runs, 400 latencies" in page
