"""What lands where CI users look: JUnit properties, --ov-json, the Markdown report,
pytest-benchmark's table and JSON, progress, and pytest-xdist."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import openvino  # imported before pytester's in-process runs snapshot sys.modules
import pytest
from tiny_models import save_tiny

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
    save_tiny(pytester.path, "model.xml")
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_perf=SUITE)
    return pytester


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
    assert "ovbench test_long 'sync': measuring, 2 s of 3 s" in verbose.stdout.str()
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
