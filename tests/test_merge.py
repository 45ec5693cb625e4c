"""``ovbench merge``: the --ov-json files of a split suite's shards as one run. Pure checks on
synthetic documents (report/merge.py, report/junit.py, the command's exit codes), then real shard
files from pytest-split runs of a pytester project, merged and compared with one unsplit run."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import openvino as ov  # imported before pytester's in-process runs snapshot sys.modules
import pytest
import yaml
from tiny_models import tiny_project

import pytest_ovbench.cli.merge as cli_merge
from pytest_ovbench.cli.main import main
from pytest_ovbench.report.junit import junit_names, render_junit
from pytest_ovbench.report.merge import (
    MergeError,
    Shard,
    check_shards,
    counts_line,
    merged_document,
    shard_of,
)
from pytest_ovbench.runtime.environment import environment_key

CLASS = "CPU | Test CPU | AVX2 | f32 | 2 cpus"
OTHER_CLASS = "CPU | Other CPU | AVX512 | f32 | 8 cpus"


def record(nodeid: str, verdict: str = "pass", environment: str = CLASS) -> dict[str, Any]:
    """A measurement record as --ov-json holds one (a sync median judged against a baseline)."""
    current = 2.0 if verdict == "regressed" else 1.0
    comparison = {
        **{"metric": "median", "status": verdict, "baseline": 1.0, "current": current},
        **{
            "change": current - 1.0,
            "machine": None,
            "machine_change": None,
            "adjusted_change": current - 1.0,
        },
        **{
            "tolerance": 0.05,
            "p_value": 0.001,
            "noise": 0.01,
            "reason": "",
            "detectable": 0.04,
            "sees": "4.0%",
        },
    }
    return {
        **{"nodeid": nodeid, "test": nodeid.partition("::")[2], "name": "sync", "environment": environment},
        **{"verdict": verdict, "against": "baseline", "source": "baselines/test_a.yaml, recorded 2026-01-01"},
        **{"comparisons": [comparison], "figures": {"median": current, "throughput": 1000 / current}},
        **{"started": "2026-01-01T10:00:00.000+00:00", "finished": "2026-01-01T10:00:01.500+00:00"},
    }


def document(group: int | None, records: list[dict[str, Any]], splits: int = 3, **run: Any) -> dict[str, Any]:
    """A shard's --ov-json document (``group`` None: unsplit)."""
    shard = None if group is None else {"group": group, "splits": splits}
    suite = {"control": "bonferroni", "tests": 3, "alpha": 0.01, "level": 0.01 / 3}
    return {
        **{"tool": "pytest-ovbench 0.1.0", "created": "2026-01-01T10:00:00+00:00", "commit": "3f2a9c01d2e4"},
        **{"branch": "main", "shard": shard, "suite": suite, "environment": {"openvino": "2025.0"}},
        **{"units": {"latency": "ms"}, "measurements": records, **run},
    }


def three_shards(regressed: bool = True) -> list[dict[str, Any]]:
    return [
        document(1, [record("tests/test_a.py::test_one"), record("tests/test_a.py::test_two")]),
        document(2, [record("tests/test_a.py::test_three", "regressed" if regressed else "pass")]),
        document(3, [record("tests/perf/test_b.py::TestC::test_y[p]", "no baseline")]),
    ]


def write(folder: Path, documents: list[dict[str, Any]]) -> list[str]:
    names = []
    for index, doc in enumerate(documents, 1):
        (folder / f"shard-{index}.json").write_text(json.dumps(doc))
        names.append(str(folder / f"shard-{index}.json"))
    return names


def shards(*documents: dict[str, Any]) -> list[Shard]:
    return [shard_of(f"shard-{i}.json", doc) for i, doc in enumerate(documents, 1)]


# The command on synthetic shards


def test_one_verdict_over_all_shards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = write(tmp_path, three_shards())
    merged, junit, report = tmp_path / "m.json", tmp_path / "j.xml", tmp_path / "out" / "r.md"
    args = ["--json", str(merged), "--junitxml", str(junit), "--report", str(report)]
    assert main(["merge", *files, *args]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["test", "measurement"]
    assert [line.split()[-1] for line in out if line.startswith("test_three ")] == ["regressed"]
    assert "ovbench merge: 4 measurements from 3 shards: 1 regressed, 1 no baseline, 2 pass" in out
    assert any(line.startswith("ovbench: 3 gated test(s) in the suite, each judged at a") for line in out)
    document = json.loads(merged.read_text())
    assert document["shard"] is None and document["commit"] == "3f2a9c01d2e4"
    assert [s["shard"]["group"] for s in document["shards"]] == [1, 2, 3]
    assert [m["nodeid"].rpartition("::")[2] for m in document["measurements"]] == [
        *("test_one", "test_two", "test_three", "test_y[p]")
    ]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("4", "1")
    assert "| test_three | sync | median |" in report.read_text()
    write(tmp_path, three_shards(regressed=False))
    assert main(["merge", *files]) == 0


def test_a_missing_shard_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, three_shards())
    assert main(["--rootdir", str(tmp_path), "merge", "shard-1.json", "shard-3.json"]) == 2
    error = capsys.readouterr().err
    assert error == (
        "ovbench merge: error: shard 2 of 3 is missing (shard-1.json, shard-3.json given); "
        "merge every shard's file\n"
    )


def test_a_shard_given_twice_names_both_files() -> None:
    docs = three_shards()
    again = document(2, [record("tests/test_a.py::test_four")])
    errors, _ = check_shards(shards(*docs, again))
    assert errors == [
        "shard 2 of 3 is given twice: shard-2.json and shard-4.json; give each shard's file once"
    ]
    errors, _ = check_shards(shards(*docs, document(1, [], splits=2)))
    assert errors[0].startswith("the shards come from different splits: shard-1.json (3 splits)")


def test_a_paired_interval_that_is_no_number_is_refused() -> None:
    paired = record("tests/test_a.py::test_one")
    paired["comparisons"][0] |= {"ci_low": 0.02, "ci_high": 0.04}
    assert shard_of("shard-1.json", document(None, [paired])).records == [paired]  # numbers: a shard
    paired["comparisons"][0]["ci_low"] = "2%"
    with pytest.raises(MergeError, match='has no number or null "ci_low"'):
        shard_of("shard-1.json", document(None, [paired]))


def test_a_test_measured_twice_is_refused_unless_on_another_class() -> None:
    twice = [document(None, [record("t.py::test_a"), record("t.py::test_b")]) for _ in range(2)]
    errors, _ = check_shards(shards(*twice))
    assert errors == [
        "t.py::test_a 'sync' on 'CPU | Test CPU | AVX2 | f32 | 2 cpus' (and 1 more) was measured in both "
        "shard-1.json and shard-2.json; give each shard's file once"
    ]
    matrix = shards(
        document(None, [record("t.py::test_a")]),
        document(None, [record("t.py::test_a", "regressed", OTHER_CLASS)]),
    )
    assert check_shards(matrix) == ([], [])
    assert [r["environment"] for r in merged_document(matrix, "t", "now")["measurements"]] == [
        CLASS,
        OTHER_CLASS,
    ]


def test_a_matrix_of_split_runners_is_checked_per_runner() -> None:
    runner_a = [document(k, [record(f"t.py::test_{k}")], splits=2) for k in (1, 2)]
    runner_b = [document(k, [record(f"t.py::test_{k}", environment=OTHER_CLASS)], splits=2) for k in (1, 2)]
    assert check_shards(shards(*runner_a, *runner_b)) == ([], [])
    errors, _ = check_shards(shards(*runner_a, runner_b[0]))
    assert errors == ["shard 2 of 2 is missing (shard-3.json given); merge every shard's file"]


def test_different_commits_are_an_error_or_with_the_option_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = three_shards(regressed=False)
    docs[2]["commit"] = "9b8c7d6e5f4a"
    files = write(tmp_path, docs)
    assert main(["--rootdir", str(tmp_path), "merge", "shard-1.json", "shard-2.json", "shard-3.json"]) == 2
    assert capsys.readouterr().err == (
        "ovbench merge: error: the shards were run at different commits (3f2a9c01d2e4: shard-1.json, "
        "shard-2.json; 9b8c7d6e5f4a: shard-3.json); merge the shards of one commit, or pass "
        "--allow-mixed-commits\n"
    )
    merged = tmp_path / "m.json"
    assert main(["merge", *files, "--allow-mixed-commits", "--json", str(merged)]) == 0
    assert "ovbench merge: warning: the shards were run at different commits" in capsys.readouterr().err
    assert json.loads(merged.read_text())["commit"] is None


def test_different_suite_counts_are_a_warning() -> None:
    docs = three_shards()
    docs[1]["suite"] = {**docs[1]["suite"], "tests": 4}
    errors, warnings = check_shards(shards(*docs))
    assert errors == [] and len(warnings) == 1
    assert warnings[0].startswith("the shards counted different numbers of gated tests (3 in shard-1.json, ")


def test_documents_from_before_the_run_fields_still_merge() -> None:
    old = [three_shards()[0], three_shards()[1]]
    for doc in old:
        for key in ("commit", "branch", "shard", "suite"):
            del doc[key]
    merged = shards(*old)
    assert check_shards(merged) == ([], [])
    assert counts_line(merged_document(merged, "t", "now")["measurements"], 2) == (
        "ovbench merge: 3 measurements from 2 shards: 1 regressed, 2 pass"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "ovbench merge: error: {name}: no such file; give the --ov-json file each shard wrote"),
        (b"{not json", "ovbench merge: error: {name} is not JSON (Expecting property name enclosed in "),
        (b"\xff\xfe", "ovbench merge: error: {name} is not JSON ('utf-8' codec can't decode byte 0xff"),
        (b'{"tool": "other", "measurements": []}', "ovbench merge: error: {name} is not a pytest-ovbench"),
        (b'{"tool": "pytest-ovbench 1", "measurements": [{"nodeid": "t.py::x"}]}', "{name}: measurement 0"),
        (
            b'{"tool": "pytest-ovbench 1", "shard": {"group": 3, "splits": 2}, "measurements": []}',
            '"shard" is',
        ),
        (b"[" * 100_000 + b"]" * 100_000, "ovbench merge: error: {name} is not JSON (nested too deeply)"),
    ],
    ids=["missing", "not-json", "not-utf8", "not-ovbench", "bad-record", "bad-shard", "deep"],
)
def test_a_file_that_is_no_shard_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    name = str(tmp_path / "shard.json")
    if content is not None:
        Path(name).write_bytes(content)
    assert main(["merge", name]) == 2
    error = capsys.readouterr().err
    assert message.format(name=name) in error and error.count("\n") == 1


def test_a_large_file_or_a_fifo_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps(three_shards()[0]))
    monkeypatch.setattr(cli_merge, "MAX_SHARD_BYTES", 1024 * 1024)  # the cap at 1 MiB: a 1 MiB + 1 file
    big.write_text(" " * (1024 * 1024) + big.read_text())
    assert main(["merge", str(big)]) == 2
    assert (
        capsys.readouterr().err == f"ovbench merge: error: {big} is over 1 MiB; refused without parsing it\n"
    )
    os.mkfifo(tmp_path / "fifo.json")  # opening it to read would wait for a writer for ever
    assert main(["merge", str(tmp_path / "fifo.json")]) == 2
    assert "fifo.json is a FIFO (named pipe), not a --ov-json file" in capsys.readouterr().err


def test_usage_errors_of_the_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = write(tmp_path, three_shards(regressed=False))
    with pytest.raises(SystemExit) as exit_info:
        main(["merge", *files, "--report", "r.txt"])
    assert exit_info.value.code == 2 and "'r.txt' ends in neither .md" in capsys.readouterr().err
    assert main(["merge", *files, "--report", str(tmp_path / "a.md"), "--json", str(tmp_path / "a.md")]) == 2
    assert "name the same file" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(["merge", *files, "--json", str(tmp_path / "file" / "m.json")]) == 2
    assert f"ovbench merge: error: cannot write {tmp_path / 'file' / 'm.json'}: " in capsys.readouterr().err


# JUnit XML


@pytest.mark.parametrize(
    ("nodeid", "names"),
    [
        ("tests/perf/test_x.py::TestC::test_y[p]", ("tests.perf.test_x.TestC", "test_y[p]")),
        ("test_x.py::t", ("test_x", "t")),
        ("test_x.py::t[a::b/c.py]", ("test_x", "t[a::b/c.py]")),
        ("tests/test_x.py::TestC::TestD::t", ("tests.test_x.TestC.TestD", "t")),
    ],
)
def test_junit_names_are_pytests(nodeid: str, names: tuple[str, str]) -> None:
    assert junit_names(nodeid) == names


def test_junit_holds_hostile_names_as_text() -> None:
    hostile = 'test_x.py::test_y[<b>&"\x1b[31m\uffff]]>]'
    records = [record(hostile, "regressed"), record(hostile), record("test_x.py::test_z")]
    records[1]["name"] = "second\n::error::x"
    text = render_junit(records, "2026-01-01T10:00:00+00:00")
    suite = ET.fromstring(text).find("testsuite")  # parses: every character is XML's
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("2", "1")
    case = suite.findall("testcase")[0]
    assert case.get("name") == 'test_y[<b>&"\\x1b[31m\\uffff]]>]' and case.get("classname") == "test_x"
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties["ovbench.sync.verdict"] == "regressed"
    assert properties["ovbench.second\\n::error::x.verdict"] == "pass"
    failure = case.find("failure")
    assert failure is not None and "\x1b" not in text and "\uffff" not in text
    assert failure.get("message") == "ovbench: test_x.py::test_y[<b>&\"\\x1b[31m\\uffff]]>] 'sync' regressed"
    assert "latency median  1.000 ms -> 2.000 ms" in str(failure.text)
    assert case.get("time") == "3.000"  # two measurements of 1.5 s each


# End to end: pytest-split shards of a real run, merged, against one unsplit run


MORE_TESTS = """
import pytest

@pytest.mark.ovbench(model="model.xml", niter=50)
class TestC:
    @pytest.mark.parametrize("p", ["a", "b"])
    def test_y(self, infer_sync, p):
        infer_sync()

@pytest.mark.ovbench(model="model.xml", niter=50)
def test_new(infer_sync):
    infer_sync()
"""
FAST = ["-p", "no:cacheprovider", "-o", "ov_busy_limit=1", "-o", "ov_yardstick=false"]


@pytest.fixture
def split_suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """Two tests that pass (TestC: a recorded baseline, 500% allowed), one without a baseline
    (test_new) and one that regresses (test_lat: a hand-written baseline 1000x faster than any run)."""
    suite = tiny_project(pytester, niter=50, ini="ov_baseline_runs = 1\nov_confirmations = 0")
    (suite.path / "perf").mkdir()
    (suite.path / "perf" / "test_more.py").write_text(MORE_TESTS)
    suite.runpytest(*FAST, "perf", "-k", "TestC", "--ov-update-baselines").assert_outcomes(passed=2)
    windows = [0.00001 * (1 + 0.001 * i) for i in range(10)]
    entry = {
        "recorded": "2026-01-01",
        "openvino": "2025.0.0",
        "metrics": {"median": {"value": 0.00001, "windows": windows}},
    }
    tests = {"test_lat": {"sync": {environment_key(ov.Core(), "CPU"): entry}}}
    (suite.path / "baselines" / "test_perf.yaml").write_text(yaml.safe_dump({"version": 1, "tests": tests}))
    return suite


def junit_cases(path: Path) -> dict[tuple[str, str], bool]:
    """(classname, name) of each testcase, and whether it failed."""
    cases = ET.parse(path).getroot().iter("testcase")
    return {(str(c.get("classname")), str(c.get("name"))): c.find("failure") is not None for c in cases}


def test_merged_shards_give_the_unsplit_verdict(
    split_suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    judged = [*FAST, "--ov-tolerance=5"]
    split_suite.runpytest(*judged, "--ov-json=all.json", "--junitxml=junit.xml").assert_outcomes(
        passed=3, failed=1
    )
    for group in (1, 2):
        split_suite.runpytest(
            *judged, "--splits", "2", "--group", str(group), f"--ov-json=shard-{group}.json"
        )
    capsys.readouterr()
    outputs = ["--json", "merged.json", "--junitxml", "merged.xml", "--report", "r.md", "--report", "r.html"]
    code = main(["--rootdir", str(split_suite.path), "merge", "shard-2.json", "shard-1.json", *outputs])
    assert code == 1
    unsplit = json.loads((split_suite.path / "all.json").read_text())["measurements"]
    merged = json.loads((split_suite.path / "merged.json").read_text())
    verdicts = {m["nodeid"]: m["verdict"] for m in merged["measurements"]}
    assert verdicts == {m["nodeid"]: m["verdict"] for m in unsplit}
    assert (
        verdicts["test_perf.py::test_lat"] == "regressed"
        and verdicts["perf/test_more.py::test_new"] == "no baseline"
    )
    assert [s["shard"] for s in merged["shards"]] == [{"group": 1, "splits": 2}, {"group": 2, "splits": 2}]
    assert all(s["measurements"] > 0 for s in merged["shards"])
    out = capsys.readouterr().out
    assert counts_line(unsplit, 2) in out and "1 regressed, 1 no baseline, 2 pass" in out
    assert merged["suite"]["tests"] == 4 and "ovbench: 4 gated test(s) in the suite" in out
    assert junit_cases(split_suite.path / "merged.xml") == junit_cases(split_suite.path / "junit.xml")
    assert "<svg" in (split_suite.path / "r.html").read_text()
