"""Command-line options and their ini twins, validated when parsed, and the defaults they give.

Precedence is settled in one place, :func:`pytest_ovbench.config.settings.merge`: call keywords > marker >
the defaults below; ``--ov-device`` on the command line wins over all of them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from pytest_ovbench.config import settings
from pytest_ovbench.measure.machine_lock import DEFAULT_PATH, DEFAULT_TIMEOUT_S, MeasureLock
from pytest_ovbench.metrics import parse_fraction
from pytest_ovbench.plugin.history_options import creep_action
from pytest_ovbench.plugin.output_options import report_format
from pytest_ovbench.plugin.suite import suite_control

GROUP = "ovbench"


def _text_type(convert: Callable[[str], Any], check: Callable[[Any], Any], noun: str) -> Callable[[str], Any]:
    """An argparse type: ``convert`` the text, then the value check that markers use too; errors
    quote the bad text."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        try:
            return check(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None

    return parse


positive_seconds = _text_type(float, settings.positive_seconds, "a number of seconds")
positive_int = _text_type(int, settings.positive_int, "a whole number")
non_negative_int = _text_type(int, settings.non_negative_int, "a whole number")
fraction = _text_type(float, parse_fraction, "a fraction (e.g. 0.05 for 5%)")


def _git_revision(text: str) -> str:
    if not text.strip() or text.startswith("-"):  # '' would mean stored mode, '-x' a git option
        raise ValueError("names no git revision; give one (e.g. HEAD~1, origin/main) or leave the option out")
    return text


revision = _text_type(str, _git_revision, "a git revision")
on_or_off = _text_type(str, suite_control, "on or off")


@dataclass(frozen=True)
class _Option:
    """One ``--ov-...`` option as ``OptionGroup.addoption`` takes it (``switch``: a store_true flag;
    ``many``: may be given several times, each value kept)."""

    flag: str
    help: str
    metavar: str | None = None
    type: Callable[[str], Any] | None = None
    switch: bool = False
    default: Any = None
    many: bool = False

    def add_to(self, group: Any) -> None:
        keywords: dict[str, Any] = {"default": self.default, "help": self.help}
        if self.switch:
            keywords["action"] = "store_true"
        if self.many:
            keywords["action"] = "append"
        if self.metavar is not None:
            keywords["metavar"] = self.metavar
        if self.type is not None:
            keywords["type"] = self.type
        group.addoption(self.flag, **keywords)


@dataclass(frozen=True)
class _Ini:
    """One ini option as ``Parser.addini`` takes it (``kind`` None: a string)."""

    name: str
    help: str
    kind: Literal["bool"] | None = None
    default: Any = ""


# In ``--help`` order: measuring, then judging, then the output files.
_MEASUREMENT_OPTIONS = (
    _Option(
        "--ov-device",
        "device for every ovbench measurement, over marker and call keywords "
        "(ini: ov_device, a default only; default CPU)",
        metavar="DEVICE",
    ),
    _Option(
        "--ov-time",
        "default measurement time in seconds (ini: ov_time; default 2)",
        metavar="SECONDS",
        type=positive_seconds,
    ),
    _Option("--ov-niter", "default number of inferences (ini: ov_niter)", metavar="N", type=positive_int),
    _Option(
        "--ov-strict",
        "fail instead of skip when the device is unavailable, and fail tests "
        "that have no baseline (ini: ov_strict)",
        switch=True,
    ),
    _Option(
        "--ov-perf-counts",
        "collect per-layer counters (PERF_COUNT) in every measurement, keep each layer's "
        "execution type in baselines and report plan changes (ini: ov_perf_counts)",
        switch=True,
    ),
    _Option(
        "--ov-cache-dir",
        "OpenVINO model cache folder: also measure compiling from a warm cache "
        "(cached_compile_ms) (ini: ov_cache_dir)",
        metavar="FOLDER",
    ),
    _Option(
        "--ov-measure-lock",
        "machine-wide lock file every measurement holds, so no two run at once whatever "
        "schedules them (default /tmp/pytest-ovbench-measure.lock; every job on the machine must "
        "use the same one; 'off' to switch it off) (ini: ov_measure_lock)",
        metavar="PATH|off",
    ),
    _Option(
        "--ov-measure-lock-timeout",
        "give up waiting for another measurement on this machine after this long "
        "(default 600) (ini: ov_measure_lock_timeout)",
        metavar="SECONDS",
        type=positive_seconds,
    ),
)

_GATE_OPTIONS = (
    _Option(
        "--ov-update-baselines",
        "measure and (re)write the baselines of the tests that run; they pass",
        switch=True,
        default=False,
    ),
    _Option(
        "--ov-tolerance",
        "allowed worsening before a test fails, e.g. 0.05 for 5%% (ini: ov_tolerance; default 0.05)",
        metavar="FRACTION",
        type=fraction,
    ),
    _Option(
        "--ov-reference-rev",
        "reference mode: measure the model files as they are at git revision REV "
        "alternately with the current ones and judge the paired ratio",
        metavar="REV",
        type=revision,
    ),
    _Option(
        "--ov-fail-on-plan-change",
        "fail a test whose execution plan changed against its baseline or reference: a layer "
        "fell back to a reference kernel, lost a fusion or changed precision (needs --ov-perf-counts; "
        "default: a warning) (ini: ov_fail_on_plan_change)",
        switch=True,
    ),
    _Option(
        "--ov-no-yardstick",
        "stored mode: do not measure the machine yardstick alongside the model; compare raw "
        "figures only (ini: ov_yardstick = false)",
        switch=True,
    ),
    _Option(
        "--ov-fail-on-improvement",
        "fail tests that got faster beyond the tolerance, so baselines get refreshed "
        "(ini: ov_fail_on_improvement)",
        switch=True,
    ),
    _Option(
        "--ov-max-time",
        "measuring time one verdict may take: alternating rounds (reference mode) or fresh "
        "runs (stored mode) go on until the verdict is clear or this is spent (default 20) "
        "(ini: ov_max_time)",
        metavar="SECONDS",
        type=positive_seconds,
    ),
    _Option(
        "--ov-suite-control",
        "on (default): judge each of the suite's m gated tests at a false-alarm level of 1%%/m, so "
        "that the whole suite's is at most 1%%; off: each at 1%% (ini: ov_suite_control)",
        metavar="on|off",
        type=on_or_off,
    ),
    _Option(
        "--ov-fail-on-inconclusive",
        "fail tests whose verdict is inconclusive (a red build rather than a warning) "
        "(ini: ov_fail_on_inconclusive)",
        switch=True,
    ),
)

_creep = _text_type(str, creep_action, "fail, warn or off")

_OUTPUT_OPTIONS = (
    _Option(
        "--ov-json",
        "write every measurement (every per-request latency, settings, environment, verdicts) "
        "as JSON to PATH (may be given more than once)",
        metavar="PATH",
        many=True,
    ),
    _Option(
        "--ov-report",
        "write a report: Markdown if PATH ends in .md, a self-contained HTML page with charts "
        "if it ends in .html (may be given more than once: --ov-report r.html --ov-report r.md)",
        metavar="PATH",
        many=True,
    ),
    _Option(
        "--ov-report-format",
        "the format of every --ov-report PATH without a .md or .html ending, e.g. "
        '--ov-report-format=md --ov-report="$GITHUB_STEP_SUMMARY"; --ov-report=- writes Markdown '
        "to standard output after the summary",
        metavar="md|html",
        type=_text_type(str, report_format, "md or html"),
    ),
    _Option(
        "--ov-history",
        "append every measurement to a history store: an SQLite file (relative to rootdir) or a "
        "postgresql:// URL, which `ovbench trend` reads; stored mode then judges against it "
        "(ini: ov_history; docs/history.md)",
        metavar="PATH|URL",
    ),
    _Option(
        "--ov-history-branch", "the branch whose recent runs make a baseline (default main)", metavar="NAME"
    ),
    _Option("--ov-history-since", "measure a creep from this commit or ISO date on", metavar="REV|DATE"),
    _Option("--ov-creep", "a creep beyond the allowance: fail, warn or off", type=_creep, metavar="ACTION"),
)

# The ini options, in ``--help`` order; "see --ov-..." ones are the twins of a command-line option.
_INI_OPTIONS = (
    _Ini("ov_baselines_dir", "folder of baseline YAML files, relative to rootdir", default="baselines"),
    _Ini("ov_tolerance", "default allowed worsening (fraction)"),
    _Ini("ov_noise_floor", "between-run noise assumed in stored-baseline mode (fraction)"),
    _Ini("ov_confirmations", "fresh runs confirming a stored regression before it fails (default 2)"),
    _Ini("ov_baseline_runs", "runs in a recorded baseline, all but one in fresh processes (default 5)"),
    _Ini(
        "ov_busy_limit",
        "share of the machine's CPU other processes may use before a stored-mode run "
        "is busy: never a pass, a regression only beyond what contention can add (default 0.25)",
    ),
    _Ini(
        "ov_session_floor",
        "stored mode: the level a burst of runs shares, which their spread cannot show, added to "
        "each side's mean (fraction; default 0.014, measured on a shared 2-vCPU VM)",
    ),
    _Ini("ov_fail_on_improvement", "see --ov-fail-on-improvement", "bool", False),
    _Ini("ov_fail_on_inconclusive", "see --ov-fail-on-inconclusive", "bool", False),
    _Ini("ov_max_time", "see --ov-max-time"),
    _Ini("ov_suite_control", "see --ov-suite-control", default="on"),
    _Ini("ov_yardstick", "stored mode measures the machine yardstick (default true)", "bool", True),
    _Ini("ov_fail_on_plan_change", "see --ov-fail-on-plan-change", "bool", False),
    _Ini("ov_device", "default OpenVINO device for ovbench measurements", default="CPU"),
    _Ini("ov_time", "default measurement time in seconds"),
    _Ini("ov_niter", "default number of inferences per measurement"),
    _Ini("ov_strict", "see --ov-strict", "bool", False),
    _Ini("ov_perf_counts", "see --ov-perf-counts", "bool", False),
    _Ini("ov_cache_dir", "see --ov-cache-dir"),
    _Ini("ov_measure_lock", "see --ov-measure-lock"),
    _Ini("ov_measure_lock_timeout", "see --ov-measure-lock-timeout"),
    _Ini("ov_history", "see --ov-history"),
    _Ini("ov_history_branch", "see --ov-history-branch", default="main"),
    _Ini("ov_history_since", "see --ov-history-since"),
    _Ini("ov_creep", "see --ov-creep", default="fail"),
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP, "OpenVINO performance measurements (pytest-ovbench)")
    for option in (*_MEASUREMENT_OPTIONS, *_GATE_OPTIONS, *_OUTPUT_OPTIONS):
        option.add_to(group)
    for ini in _INI_OPTIONS:
        parser.addini(ini.name, ini.help, type=ini.kind, default=ini.default)


def _ini_value(config: pytest.Config, name: str, convert: Any) -> Any:
    text = str(config.getini(name)).strip()
    if not text:
        return None
    try:
        return convert(text)
    except argparse.ArgumentTypeError as exc:
        raise pytest.UsageError(f"ini option {name}: {exc}") from None


def _option_or_ini(config: pytest.Config, name: str, convert: Any) -> Any:
    """The command-line value of ``--ov-...`` (dest ``name``), else its ini twin ``name``, else None."""
    value = config.getoption(name)
    return value if value is not None else _ini_value(config, name, convert)


def defaults(config: pytest.Config) -> dict[str, Any]:
    """The lowest-precedence settings: command line, else ini, else built-in."""
    values: dict[str, Any] = {"device": str(config.getini("ov_device")).strip() or "CPU"}
    values["time"] = _option_or_ini(config, "ov_time", positive_seconds)
    values["niter"] = _option_or_ini(config, "ov_niter", positive_int)
    if _flag(config, "ov_perf_counts", "ov_perf_counts"):
        values["perf_counts"] = True
    cache_dir = config.getoption("ov_cache_dir") or str(config.getini("ov_cache_dir")).strip()
    if cache_dir:
        values["cache_dir"] = cache_dir
    return values


def forced_device(config: pytest.Config) -> str | None:
    """``--ov-device`` from the command line, which wins over marker and call keywords."""
    value = config.getoption("ov_device")
    return str(value) if value else None


def strict(config: pytest.Config) -> bool:
    return _flag(config, "ov_strict", "ov_strict")


def _flag(config: pytest.Config, option: str, ini: str) -> bool:
    value = config.getoption(option)
    return bool(value) if value is not None else bool(config.getini(ini))


def use_yardstick(config: pytest.Config) -> bool:
    return not config.getoption("ov_no_yardstick") and bool(config.getini("ov_yardstick"))


def fail_on_plan_change(config: pytest.Config) -> bool:
    return _flag(config, "ov_fail_on_plan_change", "ov_fail_on_plan_change")


def fail_on_inconclusive(config: pytest.Config) -> bool:
    return _flag(config, "ov_fail_on_inconclusive", "ov_fail_on_inconclusive")


def suite_control_on(config: pytest.Config) -> bool:
    """Whether the suite-level false-alarm control is on (plugin/suite.py)."""
    return bool(_option_or_ini(config, "ov_suite_control", on_or_off) != "off")


def fail_on_improvement(config: pytest.Config) -> bool:
    return _flag(config, "ov_fail_on_improvement", "ov_fail_on_improvement")


# Policy field <- (option/ini name, converter, whether a command-line option exists besides the ini key)
_POLICY_SOURCES: tuple[tuple[str, str, Any, bool], ...] = (
    ("tolerance", "ov_tolerance", fraction, True),
    ("floor", "ov_noise_floor", fraction, False),
    ("busy_limit", "ov_busy_limit", fraction, False),
    ("session_floor", "ov_session_floor", fraction, False),
    ("baseline_runs", "ov_baseline_runs", positive_int, False),
    ("max_time_s", "ov_max_time", positive_seconds, True),
    ("confirmations", "ov_confirmations", non_negative_int, False),
)


def policy_values(config: pytest.Config) -> dict[str, Any]:
    """Tolerance, noise floor and confirmations from the command line and ini (only those set)."""
    values: dict[str, Any] = {}
    for field_name, name, convert, has_option in _POLICY_SOURCES:
        value = _option_or_ini(config, name, convert) if has_option else _ini_value(config, name, convert)
        if value is not None:
            values[field_name] = float(value) if field_name == "max_time_s" else value
    return values


def measure_lock(config: pytest.Config) -> MeasureLock:
    """The machine-wide measurement lock (machine_lock.py) the options ask for."""
    path_text = config.getoption("ov_measure_lock") or str(config.getini("ov_measure_lock")).strip()
    timeout = _option_or_ini(config, "ov_measure_lock_timeout", positive_seconds)
    timeout_s = DEFAULT_TIMEOUT_S if timeout is None else float(timeout)
    if path_text.lower() == "off":
        return MeasureLock(None, timeout_s)
    path = Path(path_text).expanduser() if path_text else DEFAULT_PATH
    return MeasureLock(path if path.is_absolute() else Path(config.rootpath) / path, timeout_s)


def baselines_dir(config: pytest.Config) -> Path:
    return Path(config.rootpath) / str(config.getini("ov_baselines_dir") or "baselines")
