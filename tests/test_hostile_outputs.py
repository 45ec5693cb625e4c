"""Outputs under hostile input: OpenVINO's own property objects in ``config=``, baseline text that
tries to break out of its medium (terminal, Markdown, JUnit XML, JSON), non-finite figures, and
outputs that cannot be written. Each output stands alone and a run never ends 0 by mistake."""

from __future__ import annotations

import enum
import json
import math
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import openvino as ov  # imported before pytester's in-process runs snapshot sys.modules
import openvino.properties as props
import openvino.properties.hint as hints
import pytest
import yaml
from tiny_models import build_tiny, project

from pytest_ovbench.cli import main as cli
from pytest_ovbench.config.config_files import plain_properties, read_config
from pytest_ovbench.config.settings import SettingsError, validate
from pytest_ovbench.errors import OvbenchError
from pytest_ovbench.report.escaping import json_ready, markdown_text, printable
from pytest_ovbench.report.html import render_html
from pytest_ovbench.report.markdown import render_markdown
from pytest_ovbench.report.records import junit_properties
from pytest_ovbench.report.text import SUMMARY_HEADER, figure, percent, summary_table

FAST = ["-p", "no:cacheprovider", "--ov-niter=100", "-o", "ov_busy_limit=1", "-o", "ov_baseline_runs=1"]
HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}

# What a baseline file (or a test id, a model path, a measurement name) may hold to break out.
HOSTILE = [
    "2026-11-30\n::error title=pwned::boom",  # a GitHub Actions workflow command at column 0
    "\x1b[31mred\x1b[0m\x1b]8;;http://evil\x07link",  # colour and hyperlink escapes
    "over\rwritten",
    "\u202eevil\u2066 \u200b\u2028\x85",  # bidi override, zero width, line separators
    "lone \ud800 surrogate",
    "<img src=x onerror=alert(1)>",
    "[click](http://evil) ![i](http://evil/i.png) `code` | cell @org/team *b* \\",
    "nul\x00 bell\x07 tab\t del\x7f",
]


def _visible(text: str) -> bool:
    return not any(unicodedata.category(c) in HIDDEN for c in text)


def _inert(markdown: str) -> bool:
    """No tag, link, image, code span or mention; no hidden character; no line starting '::'."""
    lines = markdown.splitlines()
    markup = re.search(r"(?<!\\)(\]\(|@|`)", markdown)
    return "<" not in markdown and not markup and all(_visible(x) and not x.startswith("::") for x in lines)


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_and_markdown_text_show_hostile_text_literally(text: str) -> None:
    shown = printable(text)
    assert _visible(shown) and "\n" not in shown and "\x1b" not in shown
    markdown = markdown_text(text)
    assert _visible(markdown) and "<" not in markdown and ">" not in markdown
    for special in "[]`|@*":  # each escaped with a backslash
        assert markdown.count(special) == markdown.count("\\" + special)
    plain = "tests/test_a.py::test_b[x-1] 'sync' 5.0 ms é"
    assert printable(plain) == plain


def test_json_ready_makes_strict_json() -> None:
    value = {1: [float("inf"), -math.inf, math.nan, 5e-324], "t": (np.float32(1.5), np.int64(3), object)}
    text = json.dumps(json_ready(value), allow_nan=False)
    assert json.loads(text) == {"1": [None, None, None, 5e-324], "t": [1.5, 3, "<class 'object'>"]}


def test_figures_and_percentages_far_out_of_range_stay_short() -> None:
    assert figure(5e-324) == "4.941e-324" and figure(math.inf) == "inf" and figure(1e300) == "1e+300"
    assert figure(5.4123) == "5.412" and figure(0.03673) == "0.03673" and figure(182.34) == "182.3"
    assert percent(math.inf) == "+inf%" and percent(1e300) == "+1e+302%" and percent(0.0412) == "+4.1%"
    assert percent(math.nan) == "" and percent(0.5, "") == "50.0%"


def hostile_record(text: str) -> dict[str, Any]:
    """A record as the plugin makes one, with ``text`` wherever text from outside lands and
    figures out of every range (5e-324 stored: an infinite change)."""
    comparison = {
        "metric": "median", "status": "regressed", "baseline": 5e-324, "current": 0.04,
        "change": math.inf, "machine": None, "adjusted_change": math.inf, "tolerance": 0.05,
        "p_value": 1e-9, "noise": math.nan, "reason": text, "overhead_share": 0.0,
        "detectable": None, "sees": "none",
    }  # fmt: skip
    return {
        "nodeid": f"test_perf.py::test_lat[{text}]", "test": f"test_lat[{text}]", "name": text,
        "mode": "sync", "device": "CPU", "environment": text, "model": f"/models/{text}.xml",
        "verdict": "regressed", "source": f"baselines/test_perf.yaml, recorded {text}",
        "comparisons": [comparison], "figures": {"median": 0.04, "throughput": math.inf},
        "count": 100, "duration": math.inf, "nireq": 1, "batch": 1, "foreign_load": math.nan,
        "properties": {text: text}, "settings": {"config": {text: text}}, "windows": [],
        "baseline_windows": {}, "baseline_figures": {"median": 5e-324}, "other_classes": [text],
        "layer_changes": [text],
    }  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
def test_every_medium_escapes_a_hostile_record(text: str) -> None:
    record = hostile_record(text)
    for line in summary_table([record]):
        assert _visible(line) and not line.startswith("::")
    markdown = render_markdown([record])
    assert _inert(markdown)
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    cells = {len(re.split(r"(?<!\\)\|", row)) for row in rows}  # a header and two rows, none split
    assert len(rows) == 3 and cells == {len(SUMMARY_HEADER) + 2}
    assert "<img" not in render_html([record])
    for name, value in junit_properties(record):
        assert _visible(name) and _visible(str(value)) and value != math.inf
    document = json.loads(json.dumps(json_ready(record), allow_nan=False))
    assert document["comparisons"][0]["change"] is None and document["duration"] is None
    assert document["name"] == text  # JSON keeps the text as it is: json.dumps escapes it


def test_plain_properties_from_openvino_objects_and_enums_compile() -> None:
    config = {
        props.hint.inference_precision: ov.Type.f32,
        props.hint.performance_mode: hints.PerformanceMode.LATENCY,
        props.log.level: props.log.Level.ERR,  # its enum name (ERR) is not what OpenVINO reads
        props.cache_mode: props.CacheMode.OPTIMIZE_SIZE,  # OVAny cannot print this enum
        props.streams.num: props.streams.Num.AUTO,
        props.hint.enable_cpu_pinning: np.bool_(False),
        "INFERENCE_NUM_THREADS": np.int64(1),
    }
    plain = validate({"config": config})["config"]
    assert plain == {
        "INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY", "LOG_LEVEL": "LOG_ERROR",
        "CACHE_MODE": "OPTIMIZE_SIZE", "NUM_STREAMS": "AUTO", "ENABLE_CPU_PINNING": False,
        "INFERENCE_NUM_THREADS": 1,
    }  # fmt: skip
    assert all(type(k) is str and type(v) in (str, int, float, bool) for k, v in plain.items())
    core = ov.Core()
    supported = set(core.get_property("CPU", "SUPPORTED_PROPERTIES"))  # CACHE_MODE: 2025.1 and later
    usable = {name: value for name, value in plain.items() if name in supported}
    compiled = core.compile_model(build_tiny(), "CPU", usable)  # OpenVINO takes the plain form
    assert compiled.get_property("LOG_LEVEL") == props.log.Level.ERR
    assert compiled.get_property("INFERENCE_NUM_THREADS") == 1
    assert compiled.get_property("INFERENCE_PRECISION_HINT") == ov.Type.f32
    pair = dict([props.hint.inference_precision(ov.Type.bf16)])  # OpenVINO's (name, OVAny) pairs
    assert plain_properties(pair) == {"INFERENCE_PRECISION_HINT": "bf16"}
    enums = plain_properties({"PERFORMANCE_HINT": Mode.LATENCY, "NUM_STREAMS": Streams.TWO})
    assert [type(v) for v in enums.values()] == [str, int] and enums == {
        "PERFORMANCE_HINT": "LATENCY",
        "NUM_STREAMS": 2,
    }


class Mode(str, enum.Enum):
    LATENCY = "LATENCY"


class Streams(enum.IntEnum):
    TWO = 2


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({"NUM_STREAMS": math.nan}, "property NUM_STREAMS: nan is not a usable number"),
        ({"NUM_STREAMS": math.inf}, "property NUM_STREAMS: inf is not a usable number"),
        ({"NUM_STREAMS": None}, "property NUM_STREAMS: expected a string, number or boolean, got NoneType"),
        ({"NUM_STREAMS": [1, 2]}, "property NUM_STREAMS: expected a string, number or boolean, got list"),
        ({"NUM_STREAMS": object()}, "property NUM_STREAMS: expected a string, number or boolean, got object"),
        ({3: "x"}, "property names must be strings or openvino.properties objects, got int 3"),
        ({"": 1}, "'' is not a property name"),
        ({"NUM_STREAMS\n::error::x": 1}, "'NUM_STREAMS\\n::error::x' is not a property name"),
        ({" NUM_STREAMS": 1}, "' NUM_STREAMS' is not a property name"),
        ({"NUM_STREAMS": ov.Core}, "expected a string, number or boolean"),
    ],
)
def test_bad_properties_are_refused_naming_them(config: dict[Any, Any], reason: str) -> None:
    with pytest.raises(SettingsError) as refused:
        validate({"config": config})
    assert refused.value.keyword == "config" and reason in refused.value.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"NUM_STREAMS": NaN}', "property NUM_STREAMS: nan is not a usable number"),
        ('{"CPU": {"NUM_STREAMS": Infinity}}', "property NUM_STREAMS: inf is not a usable number"),
        ('{"CPU": {"NUM_STREAMS": null}}', "property NUM_STREAMS: expected a string, number or boolean"),
        ('{"CPU": {"NUM\\u001b[31mSTREAMS": 1}}', "'NUM\\x1b[31mSTREAMS' is not a property name"),
    ],
)
def test_bad_config_files_are_refused_naming_file_and_property(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = tmp_path / "output_config.json"
    path.write_text(text)
    with pytest.raises(OvbenchError) as refused:
        read_config(path, "CPU")
    assert str(refused.value).startswith(f"config file {path}: ") and reason in str(refused.value)


PROPERTY_SUITE = """
import openvino as ov
import openvino.properties as props
import openvino.properties.hint as hints
import pytest

@pytest.mark.ovbench(model="model.xml", config={props.hint.inference_precision: ov.Type.f32})
def test_key(infer_sync):
    infer_sync()

@pytest.mark.ovbench(model="model.xml")
def test_value(infer_queue):
    infer_queue(config={props.hint.performance_mode: hints.PerformanceMode.THROUGHPUT})
"""


@pytest.fixture
def property_suite(pytester: pytest.Pytester) -> pytest.Pytester:
    return project(pytester, PROPERTY_SUITE)


def test_openvino_property_objects_are_recorded_and_checked(property_suite: pytest.Pytester) -> None:
    recorded = property_suite.runpytest(*FAST, "--ov-update-baselines")
    recorded.assert_outcomes(passed=2)
    assert recorded.ret == pytest.ExitCode.OK
    stored = yaml.safe_load((property_suite.path / "baselines" / "test_perf.yaml").read_text())
    key_entry = next(iter(stored["tests"]["test_key"]["sync"].values()))
    assert key_entry["settings"]["config"] == {"INFERENCE_PRECISION_HINT": "f32"}
    checked = property_suite.runpytest(
        *FAST, "--ov-tolerance=5", "--ov-json=out.json", "--ov-report=r.md", "--junitxml=junit.xml"
    )
    checked.assert_outcomes(passed=2)
    assert checked.ret == pytest.ExitCode.OK
    checked.stdout.fnmatch_lines(["ovbench: wrote *out.json", "ovbench: wrote *r.md"])
    records = {
        r["name"]: r for r in json.loads((property_suite.path / "out.json").read_text())["measurements"]
    }
    assert records["sync"]["settings"]["config"] == {"INFERENCE_PRECISION_HINT": "f32"}
    assert records["async"]["settings"]["config"] == {"PERFORMANCE_HINT": "THROUGHPUT"}
    assert records["async"]["properties"]["PERFORMANCE_HINT"] == "THROUGHPUT"
    assert ET.parse(property_suite.path / "junit.xml").getroot().iter("property")


def test_openvino_property_objects_under_xdist_loadgroup(property_suite: pytest.Pytester) -> None:
    result = property_suite.runpytest_subprocess(
        *FAST, "-n", "2", "--dist", "loadgroup", "--ov-json=out.json"
    )
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK and "INTERNALERROR" not in result.stdout.str()
    records = json.loads((property_suite.path / "out.json").read_text())["measurements"]
    assert {json.dumps(r["settings"]["config"], sort_keys=True) for r in records} == {
        '{"INFERENCE_PRECISION_HINT": "f32"}',
        '{"PERFORMANCE_HINT": "THROUGHPUT"}',
    }


SUITE = """
import pytest

@pytest.mark.ovbench(model="model.xml")
def test_lat(infer_sync):
    infer_sync()
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    return project(pytester, SUITE)


# Regressed or inconclusive (a 1 us baseline against a model of tens), the message is a failure.
LOUD = ["--ov-no-yardstick", "--ov-fail-on-inconclusive", "--ov-max-time=2"]


def make_hostile(baseline: Path) -> None:
    """The recorded entry with hostile provenance, and figures that make the test regress."""
    data = yaml.safe_load(baseline.read_text())
    entry = next(iter(data["tests"]["test_lat"]["sync"].values()))
    entry["recorded"] = HOSTILE[0] + HOSTILE[1]
    entry["openvino"] = HOSTILE[5] + HOSTILE[6]
    median = entry["metrics"]["median"]
    median["value"] = 0.001  # 1 us: the tiny model takes tens, so it regressed
    median["windows"] = [0.001] * len(median.get("windows", []))
    median["runs"] = [0.001] * len(median.get("runs", []))
    baseline.write_text(yaml.safe_dump(data))


@pytest.fixture
def taken(suite: pytest.Pytester) -> Path:
    """An --ov-json target no file can be written to (a folder is there)."""
    (suite.path / "taken.json").mkdir()
    return suite.path / "taken.json"


def test_hostile_baseline_text_is_escaped_in_every_output(suite: pytest.Pytester, taken: Path) -> None:
    suite.runpytest(*FAST, "--ov-update-baselines").assert_outcomes(passed=1)
    make_hostile(suite.path / "baselines" / "test_perf.yaml")
    outputs = ["--ov-json=taken.json", "--ov-report=r.md", "--junitxml=junit.xml"]
    result = suite.runpytest(*FAST, *LOUD, *outputs)
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the test's own outcome, not 3, stands
    result.stdout.fnmatch_lines(["ovbench: wrote *r.md", "ovbench: cannot write *taken.json: *"])
    text = result.stdout.str()
    assert "recorded 2026-11-30\\n::error title=pwned::boom\\x1b[31mred" in text
    assert "\x1b" not in text and not any(line.startswith("::") for line in result.stdout.lines)
    assert _inert((suite.path / "r.md").read_text())
    junit = (suite.path / "junit.xml").read_text()
    assert "\n::error" not in junit and "\x1b" not in junit and "&#27;" not in junit


@pytest.mark.parametrize("extra", [[], ["-W", "error::pytest.PytestWarning"], ["-p", "no:warnings"]])
def test_an_output_not_written_is_named_and_the_run_does_not_end_0(
    suite: pytest.Pytester, taken: Path, extra: list[str]
) -> None:
    result = suite.runpytest(*FAST, "--ov-json=taken.json", "--ov-report=r.md", *extra)
    result.assert_outcomes(passed=1)  # the test itself passed: its outcome stands
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR  # but a run missing its JSON is not green
    result.stdout.fnmatch_lines(
        [
            "*ovbench verdicts*",
            "test_lat*sync*",
            "ovbench: wrote *r.md",
            "ovbench: cannot write *taken.json: IsADirectoryError: *",
            "ovbench: exit status 3 (INTERNAL_ERROR): see above",
        ]
    )
    assert (suite.path / "r.md").read_text().startswith("## ovbench")
    if not extra:
        result.stdout.fnmatch_lines(
            ["*warnings summary*", "*OvbenchWarning: ovbench: cannot write *taken.json*"]
        )


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("pytest_ovbench.report.markdown.render_markdown", "cannot write *r.md: RuntimeError: bug"),
        ("pytest_ovbench.report.text.summary_table", "cannot show the summary table: RuntimeError: bug"),
    ],
    ids=["renderer", "summary"],
)
def test_a_hook_that_fails_takes_down_nothing_else_and_never_ends_0(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, target: str, problem: str
) -> None:
    def broken(records: object) -> str:
        raise RuntimeError("bug")

    monkeypatch.setattr(target, broken)
    result = suite.runpytest(*FAST, "--ov-report=r.md", "--ov-json=out.json")
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    result.stdout.fnmatch_lines(["*ovbench verdicts*", "ovbench: wrote *out.json", f"ovbench: {problem}"])
    assert json.loads((suite.path / "out.json").read_text())["measurements"]


def test_non_finite_figures_are_null_and_every_output_is_written(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_ovbench.report.records import measurement_record as real

    def infinite(measurement: Any, with_latencies: bool = False) -> dict[str, Any]:
        record = real(measurement, with_latencies)  # as a 5e-324 baseline would make it
        record["figures"]["throughput"] = math.inf
        record["baseline_figures"] = {"median": 5e-324, "p90": math.nan}
        record["duration"] = -math.inf
        return record

    monkeypatch.setattr("pytest_ovbench.plugin.outcomes.measurement_record", infinite)
    result = suite.runpytest(*FAST, "--ov-json=out.json", "--ov-report=r.md", "--junitxml=junit.xml")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["test_lat*sync*", "ovbench: wrote *out.json", "ovbench: wrote *r.md"])
    record = json.loads((suite.path / "out.json").read_text(), parse_constant=pytest.fail)["measurements"][0]
    assert record["figures"]["throughput"] is None and record["duration"] is None
    assert record["baseline_figures"] == {"median": 5e-324, "p90": None}
    properties = {p.get("name"): p.get("value") for p in ET.parse(suite.path / "junit.xml").iter("property")}
    assert properties["ovbench.sync.throughput.current"] == ""


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_json_and_report_follow_the_umask(suite: pytest.Pytester, umask: int) -> None:
    previous = os.umask(umask)
    try:
        suite.runpytest(*FAST, "--ov-json=out/ov.json", "--ov-report=out/r.md").assert_outcomes(passed=1)
    finally:
        os.umask(previous)
    for name in ("ov.json", "r.md"):
        assert (suite.path / "out" / name).stat().st_mode & 0o777 == 0o666 & ~umask


def write_hostile_baselines(root: Path) -> None:
    entry = {
        "recorded": HOSTILE[0], "openvino": HOSTILE[1] + HOSTILE[5], "model_sha256": HOSTILE[2],
        "mode": "sync", "properties": {"NUM_STREAMS": HOSTILE[3], "X\x1b[2J": 1},
        "settings": {"hint": HOSTILE[6]}, "foreign_load": 0.01,
        "metrics": {"median": {"value": 5.4, "windows": [5.3, 5.4]}, "throughput": {"value": 180.0}},
    }  # fmt: skip
    for folder, changed in (("a", HOSTILE[7]), ("b", HOSTILE[4])):
        tests = {
            f"test_x[{HOSTILE[0]}]": {f"m{HOSTILE[1]}": {f"CPU {HOSTILE[3]}": {**entry, "openvino": changed}}}
        }
        (root / folder / "baselines" / "tests").mkdir(parents=True)
        text = yaml.safe_dump({"version": 1, "tests": tests}, allow_unicode=False)
        (root / folder / "baselines" / "tests" / "test_models.yaml").write_text(text)


@pytest.mark.parametrize(
    "command",
    [["list"], ["show", "test_x"], ["diff", "a/baselines", "b/baselines"]],
    ids=["list", "show", "diff"],
)
def test_cli_shows_baseline_text_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    write_hostile_baselines(tmp_path)
    rootdir = ["--rootdir", str(tmp_path)] + (["--dir", "a/baselines"] if command[0] != "diff" else [])
    code = cli.main([*command, *rootdir])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "::error" in out  # the text is shown, escaped
    for line in out.splitlines():
        assert _visible(line) and not line.startswith("::")
