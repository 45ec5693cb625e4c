"""What lands where CI users look: JUnit properties, --ov-json, the Markdown report,
pytest-benchmark's table and JSON, progress, and pytest-xdist."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import openvino  # imported before pytester's in-process runs snapshot sys.modules
import pytest
from tiny_models import project

from pytest_ovbench import Status

FAST = ["-p", "no:cacheprovider", "--ov-niter=100", "-o", "ov_busy_limit=1"]

SUITE = """
import pytest

@pytest.mark.ovbench(model="model.xml")
def test_lat(infer_sync):
    infer_sync()

@pytest.mark.ovbench(model="model.xml")
def test_tput(infer_queue):
    infer_queue(name="queue")
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    return project(pytester, SUITE)


def test_junit_xml_carries_the_verdict_figures(suite: pytest.Pytester) -> None:
    suite.runpytest(*FAST, "--ov-update-baselines").assert_outcomes(passed=2)
    suite.runpytest(*FAST, "--ov-tolerance=5", "--junitxml=junit.xml").assert_outcomes(passed=2)
    cases = {c.get("name"): c for c in ET.parse(suite.path / "junit.xml").getroot().iter("testcase")}
    props = {p.get("name"): p.get("value") for p in cases["test_lat"].iter("property")}
    # The verdict itself depends on the machine's load (a 30 us model on a busy runner); what is
    # checked is that JUnit carries it, with the figures behind it, in the one status vocabulary.
    assert props["ovbench.sync.verdict"] == props["ovbench.sync.median.status"]
    assert props["ovbench.sync.verdict"] in {str(status) for status in Status}
    assert float(props["ovbench.sync.median.baseline"]) > 0
    assert float(props["ovbench.sync.median.current"]) > 0
    assert "ovbench.sync.median.change" in props and "ovbench.sync.median.detectable" in props
    queue = {p.get("name"): p.get("value") for p in cases["test_tput"].iter("property")}
    assert queue["ovbench.queue.verdict"] == queue["ovbench.queue.throughput.status"]


def test_json_holds_every_latency_and_the_environment(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*FAST, "--ov-json=out/ov.json")
    result.stdout.fnmatch_lines(["ovbench: wrote *out/ov.json"])
    document = json.loads((suite.path / "out" / "ov.json").read_text())
    assert document["environment"]["openvino"] == openvino.get_version()
    by_name = {m["name"]: m for m in document["measurements"]}
    sync = by_name["sync"]
    assert len(sync["latencies_ms"]) == sync["count"] == 100
    assert sync["verdict"] == "no baseline" and sync["properties"]["PERFORMANCE_HINT"] == "LATENCY"
    assert by_name["queue"]["mode"] == "async" and by_name["queue"]["nireq"] >= 1


def test_markdown_report(suite: pytest.Pytester) -> None:
    suite.runpytest(*FAST, "--ov-report=summary.md").assert_outcomes(passed=2)
    text = (suite.path / "summary.md").read_text()
    assert text.startswith("## ovbench")
    assert "| test_lat | sync |" in text and "no baseline" in text
    assert "2 measurements" in text


def test_html_report_is_one_self_contained_page(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*FAST, "--ov-report=out/report.html")
    result.stdout.fnmatch_lines(["ovbench: wrote *out/report.html"])
    page = (suite.path / "out" / "report.html").read_text()
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "test_lat" in page and "<svg" in page
    assert "http://" not in page and "https://" not in page


def test_report_needs_a_known_ending(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*FAST, "--ov-report=summary.pdf")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--ov-report=summary.pdf*Markdown (.md) or HTML (.html)*"])


def test_measurements_appear_in_pytest_benchmark(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*FAST, "--benchmark-json=bench.json")
    result.stdout.fnmatch_lines(["*benchmark 'ovbench': 2 tests*", "test_lat?sync?*"])
    benchmarks = json.loads((suite.path / "bench.json").read_text())["benchmarks"]
    sync = next(b for b in benchmarks if b["name"] == "test_lat[sync]")
    assert sync["group"] == "ovbench" and sync["stats"]["rounds"] == 100
    assert sync["extra_info"]["mode"] == "sync" and sync["extra_info"]["verdict"] == "no baseline"
    assert 0 < sync["stats"]["median"] < 1  # seconds, as pytest-benchmark stores them
    assert "Benchmark fixture was not used" not in result.stdout.str()


def test_progress_with_verbose(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_perf="""
        import pytest

        @pytest.mark.ovbench(model="model.xml", time=3.2)
        def test_long(infer_sync):
            infer_sync()
    """
    )
    verbose = suite.runpytest("-p", "no:cacheprovider", "-v")
    assert "    ovbench test_long 'sync': measuring, run 1, 2 s so far" in verbose.stdout.lines
    assert "\r" not in verbose.stdout.str()  # pytester's output is no terminal: plain lines
    quiet = suite.runpytest("-p", "no:cacheprovider")
    assert "measuring" not in quiet.stdout.str()


def test_xdist_load_is_refused_with_the_reason(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_plain="def test_unrelated():\n    pass\n")
    result = suite.runpytest_subprocess(*FAST, "-n", "2")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*two measurements at once on one machine distort each other*"])


LOADGROUP_SUITE = """
import pytest

@pytest.mark.ovbench(model="model.xml", niter=400)
@pytest.mark.parametrize("copy", range(4))
def test_lat(infer_sync, copy):
    infer_sync()
"""


def test_xdist_loadgroup_never_runs_two_measurements_at_once(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_perf=LOADGROUP_SUITE)
    suite.runpytest_subprocess(*FAST, "--ov-update-baselines").assert_outcomes(passed=4)
    lock = suite.path / "measure.lock"
    result = suite.runpytest_subprocess(
        *FAST, "-n", "2", "--dist", "loadgroup", "-v", "--ov-tolerance=5", "--ov-json=out.json",
        f"--ov-measure-lock={lock}",
    )  # fmt: skip
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*ovbench verdicts*", "test_lat*sync*median*pass"])
    records = json.loads((suite.path / "out.json").read_text())["measurements"]
    spans = sorted((r["started"], r["finished"]) for r in records)
    assert len(spans) == 4 and all(start < end for start, end in spans)
    # Checked from the clock, not from worker names: each measurement ended before the next began.
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:])), spans
    assert all(r["lock_wait_s"] is not None for r in records)
    workers = {line.split("]")[0] for line in result.stdout.lines if "PASSED test_perf.py" in line}
    if len(workers) > 1:  # the scheduler did not group them (pytest 9.2): said, and the lock held
        result.stdout.fnmatch_lines(["*--dist loadgroup did not group the ovbench tests*"])


# ---------------------------------------------------------------- issue 13: outputs a reader can add up


def _throughput_comparison(status: str = "inconclusive") -> Any:
    """Stored mode with the yardstick: 13740 stored, 19070 now, the yardstick 0.425x the time."""
    from pytest_ovbench.judge.verdict import Comparison

    return Comparison(
        "throughput", Status(status), 13740.0 / 0.425, 19070.0, 0.05, p_value=0.0, noise=0.05, machine=0.425
    )


def _measurement(result: Any, tmp_path: Path, **more: Any) -> Any:
    from pytest_ovbench.engine.measurement import Measurement
    from pytest_ovbench.runtime.models import LoadedModel

    model = tmp_path / "models" / "net.xml"
    result.model_path = str(model)
    return Measurement("tests/test_a.py::test_x", result, LoadedModel(None, model, 1.0), "CPU | x", **more)


def test_the_machine_correction_adds_up_in_table_message_and_markdown(
    tiny_result_factory: Any, tmp_path: Path
) -> None:
    from pytest_ovbench.report.markdown import render_markdown
    from pytest_ovbench.report.records import measurement_record
    from pytest_ovbench.report.text import SUMMARY_HEADER, comparison_line, summary_rows

    c = _throughput_comparison()
    record = measurement_record(_measurement(tiny_result_factory(1.0), tmp_path, comparisons=[c]))
    [row] = summary_rows([record])
    cells = dict(zip(SUMMARY_HEADER, row))
    # The stored figure as stored, the raw change, the net one beside it, then the correction:
    # what the machine's speed alone did to a throughput (the yardstick took 0.425x the time).
    assert (cells["baseline"], cells["current"]) == ("13740", "19070")
    assert (cells["change"], cells["net"], cells["machine"]) == ("+38.8%", "-41.0%", "+135.3%")
    assert SUMMARY_HEADER.index("net") == SUMMARY_HEADER.index("change") + 1
    fields = record["comparisons"][0]
    net = (1 + fields["change"]) / (1 + fields["machine_change"]) - 1
    assert fields["adjusted_change"] == pytest.approx(net)
    line = comparison_line(c)
    assert "raw +38.8%; machine +135.3% by the yardstick; net -41.0%" in line and "p<0.001" in line
    assert "p=0" not in line
    assert "+38.8% raw, machine +135.3%, net -41.0%" in render_markdown([record])


def test_a_paired_change_shows_its_interval_in_message_json_and_junit(
    tiny_result_factory: Any, tmp_path: Path
) -> None:
    from pytest_ovbench.judge.verdict import REGRESSED, Comparison
    from pytest_ovbench.report.markdown import render_markdown
    from pytest_ovbench.report.records import junit_properties, measurement_record
    from pytest_ovbench.report.text import comparison_line

    c = Comparison("median", REGRESSED, 5.0, 5.46, 0.05, 1e-4, 0.005, interval=(0.081, 0.103))
    assert "(+9.2%, 95% CI +8.1%..+10.3%, allowed +5%" in comparison_line(c)
    record = measurement_record(_measurement(tiny_result_factory(1.0), tmp_path, comparisons=[c]))
    fields = record["comparisons"][0]
    assert (fields["ci_low"], fields["ci_high"]) == (0.081, 0.103)
    names = dict(junit_properties(record))
    assert any(name.endswith(".median.ci_low") for name in names)
    assert "+9.2% (95% CI +8.1%..+10.3%)" in render_markdown([record])
    stored = replace(c, interval=(math.nan, math.nan))
    assert "95% CI" not in comparison_line(stored)
    record = measurement_record(_measurement(tiny_result_factory(1.0), tmp_path, comparisons=[stored]))
    assert record["comparisons"][0]["ci_low"] is None
    assert not any(name.endswith("ci_low") for name in dict(junit_properties(record)))


def test_reference_mode_messages_do_not_advise_reference_mode(
    tiny_result_factory: Any, tmp_path: Path
) -> None:
    from pytest_ovbench.judge.verdict import Comparison
    from pytest_ovbench.report.records import measurement_record
    from pytest_ovbench.report.text import missing_notes, verdict_message

    unsure = Comparison("median", Status.INCONCLUSIVE, 1.0, 1.04, 0.05, 0.2, reason="4 pairs: within")
    paired = _measurement(tiny_result_factory(1.0), tmp_path, comparisons=[unsure], source="net.xml at HEAD")
    paired.reference = tiny_result_factory(1.0)
    message = verdict_message(paired)
    assert "inconclusive" in message and "what to do:" in message
    assert "reference mode" not in message and "--ov-reference-rev" not in message
    stored = _measurement(
        tiny_result_factory(1.0), tmp_path, comparisons=[unsure], baseline_file=tmp_path / "b.yaml"
    )
    assert "reference mode (--ov-reference-rev=origin/main)" in verdict_message(stored)
    new = _measurement(tiny_result_factory(1.0), tmp_path, source="net.xml at HEAD: not in that revision")
    assert "--ov-update-baselines" not in verdict_message(new)
    notes = missing_notes([measurement_record(new)])
    assert notes and not any("--ov-update-baselines" in note for note in notes)


def test_record_figures_pool_every_run_and_say_when_each_ran(
    tiny_result_factory: Any, tmp_path: Path
) -> None:
    import datetime

    from pytest_ovbench.engine.measurement import Run
    from pytest_ovbench.judge.verdict import Comparison
    from pytest_ovbench.report.records import junit_properties, measurement_record, relative_paths

    first, second = tiny_result_factory(1.0), tiny_result_factory(4.0)
    start = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.timezone.utc)
    runs = [
        Run(start, start + datetime.timedelta(seconds=2), False, first.metrics),
        Run(
            start + datetime.timedelta(seconds=3), start + datetime.timedelta(seconds=5), True, second.metrics
        ),
    ]
    judged = Comparison("median", Status.PASS, 2.0, 2.0001234567, 0.05, 0.5, 0.01)
    m = _measurement(
        first, tmp_path, comparisons=[judged], runs=runs, baseline_file=tmp_path / "baselines" / "a.yaml"
    )
    m.started, m.finished = start.timestamp(), start.timestamp() + 5
    record = relative_paths(measurement_record(m), tmp_path)
    assert record["model"] == "models/net.xml" and record["baseline_file"] == "baselines/a.yaml"
    # One name, one number: the judged figure as its comparison has it, the others pooled over
    # both runs (geometric mean), the first run's own figures under first_run.
    assert record["figures"]["median"] == record["comparisons"][0]["current"]
    assert record["figures"]["p90"] == pytest.approx((first.latency.p90 * second.latency.p90) ** 0.5)
    assert record["first_run"]["figures"]["median"] == pytest.approx(first.latency.median)
    assert [r["fresh_process"] for r in record["runs"]] == [False, True]
    assert record["runs"][1]["started"] == "2026-11-30T10:00:03.000+00:00"
    assert record["started"] == "2026-11-30T10:00:00.000+00:00"
    assert record["finished"] == "2026-11-30T10:00:05.000+00:00"
    properties = dict(junit_properties(record))
    assert properties["ovbench.sync.median.current"] == "2.000"  # 4 significant digits
    assert properties["ovbench.sync.median.change"] == "6.173e-05"


def test_output_options_given_twice_write_every_file(suite: pytest.Pytester) -> None:
    result = suite.runpytest(
        *FAST, "-k", "test_lat", "--ov-report", "r.html", "--ov-report", "out/r.md",
        "--ov-json", "a.json", "--ov-json=b.json",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    for name in ("r.html", "out/r.md", "a.json", "b.json"):
        assert (suite.path / name).is_file(), name
        result.stdout.fnmatch_lines([f"ovbench: wrote *{name}"])
    assert (suite.path / "r.html").read_text().lstrip().lower().startswith("<!doctype html>")
    assert (suite.path / "out" / "r.md").read_text().startswith("## ovbench")
    clash = suite.runpytest(*FAST, "--ov-json=same.md", "--ov-report=same.md")
    assert clash.ret == pytest.ExitCode.USAGE_ERROR
    clash.stderr.fnmatch_lines(["*--ov-json=same.md and --ov-report=same.md name the same file*"])


def test_no_baseline_table_shows_the_figures_and_no_benchmark_table(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*FAST)
    result.assert_outcomes(passed=2)
    result.stdout.re_match_lines([r"test_lat +sync +median +\d\.\d+ +no baseline$"])
    result.stdout.re_match_lines([r"test_tput +queue +throughput +\d+ +no baseline$"])
    assert "benchmark 'ovbench'" not in result.stdout.str()  # pytest-benchmark's table: not asked for
    asked = suite.runpytest(*FAST, "--benchmark-columns=min,median")
    asked.stdout.fnmatch_lines(["*benchmark 'ovbench': 2 tests*"])


def test_json_says_when_each_run_ran_with_paths_from_the_rootdir(suite: pytest.Pytester) -> None:
    import datetime

    suite.runpytest(*FAST, "-k", "test_lat", "--ov-update-baselines", "--ov-json=rec.json").assert_outcomes(
        passed=1
    )
    (record,) = json.loads((suite.path / "rec.json").read_text())["measurements"]
    assert record["model"] == "model.xml" and record["baseline_file"] == "baselines/test_perf.yaml"
    runs = record["runs"]
    assert len(runs) == 5 and runs[0]["fresh_process"] is False  # the baseline's runs, all of them
    times = [datetime.datetime.fromisoformat(t) for r in runs for t in (r["started"], r["finished"])]
    assert all(t.utcoffset() == datetime.timedelta(0) for t in times) and times == sorted(times)
    started = datetime.datetime.fromisoformat(record["started"])
    assert started <= times[0] and times[-1] <= datetime.datetime.fromisoformat(record["finished"])
    assert record["recorded_figures"]["median"] == pytest.approx(record["figures"]["median"], rel=1e-3)


def test_progress_counts_every_run_of_a_measurement(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_perf="""
        import pytest

        @pytest.mark.ovbench(model="model.xml", time=2.5)
        def test_long(infer_sync):
            infer_sync()
    """
    )
    suite.makeini("[pytest]\nov_baseline_runs = 2\n")
    result = suite.runpytest("-p", "no:cacheprovider", "-v", "--ov-update-baselines", "-o", "ov_busy_limit=1")
    result.assert_outcomes(passed=1)
    lines = [line for line in result.stdout.lines if "ovbench test_long 'sync': measuring" in line]
    assert any("run 1," in line for line in lines) and any("run 2," in line for line in lines), lines
    seconds = [int(line.split(", ")[-1].split()[0]) for line in lines]
    assert seconds == sorted(seconds) and seconds[-1] >= 3  # one clock for the whole measurement
    assert "\r" not in result.stdout.str()  # not a terminal: no carriage returns
