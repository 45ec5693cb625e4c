"""The suite-level false-alarm control (plugin/suite.py) and what the --ov-json document says for
``ovbench merge`` (commit, shard, suite), through pytest itself with real measurements; and
``--ov-report-format`` / ``--ov-report=-``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import openvino  # noqa: F401  (imported before any in-process pytester run: see tests/conftest.py)
import pytest
from tiny_models import project

from pytest_ovbench.engine.workspace import Workspace
from pytest_ovbench.judge.gate import DEFAULT_ALPHA
from pytest_ovbench.plugin.suite import Suite

SUITE = """
import pytest

@pytest.mark.ovbench(model="model.xml", niter=20)
def test_a(infer_sync):
    infer_sync()

@pytest.mark.ovbench(model="model.xml", niter=20)
def test_b(infer_sync):
    infer_sync()

def test_c(infer_sync):
    infer_sync("model.xml", niter=20)

def test_plain():
    assert True
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    return project(pytester, SUITE)


def _document(pytester: pytest.Pytester, *args: str) -> dict[str, Any]:
    result = pytester.runpytest("-p", "no:cacheprovider", "--ov-json=out.json", *args)
    assert result.ret == 0, result.stdout.str()
    return dict(json.loads((pytester.path / "out.json").read_text()))


def test_each_test_is_judged_at_the_suites_share_of_alpha(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-p", "no:cacheprovider", "--ov-json=out.json", "--ov-report=r.md")
    result.assert_outcomes(passed=4)
    assert "Suite-level control: 3 gated tests" in (suite.path / "r.md").read_text()
    doc = json.loads((suite.path / "out.json").read_text())
    expected = {"control": "bonferroni", "tests": 3, "alpha": DEFAULT_ALPHA, "level": DEFAULT_ALPHA / 3}
    assert doc["suite"] == expected
    assert all(record["suite"] == doc["suite"] for record in doc["measurements"])
    result.stdout.fnmatch_lines(["ovbench: 3 gated test(s) in the suite, each judged at *0.00333*most 1%*"])
    assert doc["shard"] is None


def test_the_count_follows_k_and_the_control_can_be_turned_off(suite: pytest.Pytester) -> None:
    assert _document(suite, "-k", "test_a or test_b")["suite"]["tests"] == 2
    off = _document(suite, "--ov-suite-control=off")["suite"]
    assert off == {"control": "off", "tests": 3, "alpha": DEFAULT_ALPHA, "level": DEFAULT_ALPHA}
    suite.makeini("[pytest]\nov_suite_control = off\n")
    assert _document(suite)["suite"]["control"] == "off"


def test_a_shard_counts_the_whole_suite_and_says_which_shard_it_is(suite: pytest.Pytester) -> None:
    shares = []
    for group in (1, 2):
        doc = _document(suite, "--splits", "2", "--group", str(group))
        assert doc["shard"] == {"group": group, "splits": 2}
        assert doc["suite"]["tests"] == 3  # counted before pytest-split took this shard's share
        shares.append({record["nodeid"] for record in doc["measurements"]})
    assert shares[0] and shares[1] and not shares[0] & shares[1]
    assert len(shares[0] | shares[1]) == 3


def test_the_document_names_the_commit_measured(suite: pytest.Pytester) -> None:
    commit = ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]
    for command in (["init", "-q"], ["add", "-A"], commit):
        subprocess.run(["git", *command], cwd=suite.path, check=True, capture_output=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=suite.path, capture_output=True, text=True)
    doc = _document(suite, "-k", "test_a")
    assert doc["commit"] == head.stdout.strip() and doc["branch"]


def test_a_bad_control_value_is_a_usage_error(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-p", "no:cacheprovider", "--ov-suite-control=maybe")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--ov-suite-control*'maybe'*on or off*"])


def test_suite_levels() -> None:
    assert Suite(40, 0.01).level == pytest.approx(0.00025)
    assert Suite(1, 0.01).level == 0.01 and Suite(40, 0.01, control=False).level == 0.01
    workspace = Workspace(rootdir=Path("."), baselines_dir=Path("baselines"))
    assert workspace.policy.alpha == DEFAULT_ALPHA
    workspace.judge_at(0.001)
    assert workspace.policy.alpha == 0.001  # the policy built again with it


def test_a_report_without_an_ending_takes_the_format_given(suite: pytest.Pytester) -> None:
    args = ("-p", "no:cacheprovider", "-k", "test_a")
    refused = suite.runpytest(*args, "--ov-report=summary")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*--ov-report=summary*--ov-report-format=md*"])
    result = suite.runpytest(*args, "--ov-report-format=md", "--ov-report=summary", "--ov-report=page.html")
    assert result.ret == 0
    assert (suite.path / "summary").read_text().startswith("#")
    assert (suite.path / "page.html").read_text().lstrip().lower().startswith("<!doctype html")


def test_a_report_to_stdout_comes_after_the_summary(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-p", "no:cacheprovider", "-k", "test_a", "--ov-report=-")
    assert result.ret == 0
    text = result.stdout.str()
    assert "test_a" in text[text.index("ovbench verdicts") :]
    markdown = text[text.rindex("ovbench: 1 gated test(s)") :]
    assert "| " in markdown and "test_a" in markdown and not (suite.path / "-").exists()
