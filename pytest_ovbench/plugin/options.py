"""Command-line options and their ini twins, validated when parsed, and the defaults they give.

Precedence is settled in one place, :func:`pytest_ovbench.config.settings.merge`: call keywords > marker >
the defaults below; ``--ov-device`` on the command line wins over all of them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_ovbench.config import settings
from pytest_ovbench.measure.machine_lock import DEFAULT_PATH, DEFAULT_TIMEOUT_S, MeasureLock
from pytest_ovbench.metrics import parse_fraction

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


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP, "OpenVINO performance measurements (pytest-ovbench)")
    _measurement_options(group)
    _gate_options(group)
    _output_options(group)
    _ini_options(parser)


def _measurement_options(group: Any) -> None:
    group.addoption(
        "--ov-device",
        metavar="DEVICE",
        default=None,
        help="device for every ovbench measurement, over marker and call keywords "
        "(ini: ov_device, a default only; default CPU)",
    )
    group.addoption(
        "--ov-time",
        metavar="SECONDS",
        type=positive_seconds,
        default=None,
        help="default measurement time in seconds (ini: ov_time; default 2)",
    )
    group.addoption(
        "--ov-niter",
        metavar="N",
        type=positive_int,
        default=None,
        help="default number of inferences (ini: ov_niter)",
    )
    group.addoption(
        "--ov-strict",
        action="store_true",
        default=None,
        help="fail instead of skip when the device is unavailable, and fail tests "
        "that have no baseline (ini: ov_strict)",
    )
    group.addoption(
        "--ov-perf-counts",
        action="store_true",
        default=None,
        help="collect per-layer counters (PERF_COUNT) in every measurement, keep each layer's "
        "execution type in baselines and report plan changes (ini: ov_perf_counts)",
    )
    group.addoption(
        "--ov-cache-dir",
        metavar="FOLDER",
        default=None,
        help="OpenVINO model cache folder: also measure compiling from a warm cache "
        "(cached_compile_ms) (ini: ov_cache_dir)",
    )
    group.addoption(
        "--ov-measure-lock",
        metavar="PATH|off",
        default=None,
        help="machine-wide lock file every measurement holds, so no two run at once whatever "
        "schedules them (default /tmp/pytest-ovbench-measure.lock; every job on the machine must "
        "use the same one; 'off' to switch it off) (ini: ov_measure_lock)",
    )
    group.addoption(
        "--ov-measure-lock-timeout",
        metavar="SECONDS",
        type=positive_seconds,
        default=None,
        help="give up waiting for another measurement on this machine after this long "
        "(default 600) (ini: ov_measure_lock_timeout)",
    )


def _gate_options(group: Any) -> None:
    group.addoption(
        "--ov-update-baselines",
        action="store_true",
        default=False,
        help="measure and (re)write the baselines of the tests that run; they pass",
    )
    group.addoption(
        "--ov-tolerance",
        metavar="FRACTION",
        type=fraction,
        default=None,
        help="allowed worsening before a test fails, e.g. 0.05 for 5%% (ini: ov_tolerance; default 0.05)",
    )
    group.addoption(
        "--ov-reference-rev",
        metavar="REV",
        default=None,
        help="reference mode: measure the model files as they are at git revision REV "
        "alternately with the current ones and judge the paired ratio",
    )
    group.addoption(
        "--ov-fail-on-plan-change",
        action="store_true",
        default=None,
        help="fail a test whose execution plan changed against its baseline or reference: a layer "
        "fell back to a reference kernel, lost a fusion or changed precision (needs --ov-perf-counts; "
        "default: a warning) (ini: ov_fail_on_plan_change)",
    )
    group.addoption(
        "--ov-no-yardstick",
        action="store_true",
        default=None,
        help="stored mode: do not measure the machine yardstick alongside the model; compare raw "
        "figures only (ini: ov_yardstick = false)",
    )
    group.addoption(
        "--ov-fail-on-improvement",
        action="store_true",
        default=None,
        help="fail tests that got faster beyond the tolerance, so baselines get refreshed "
        "(ini: ov_fail_on_improvement)",
    )
    group.addoption(
        "--ov-max-time",
        metavar="SECONDS",
        type=positive_seconds,
        default=None,
        help="measuring time one verdict may take: alternating rounds (reference mode) or fresh "
        "runs (stored mode) go on until the verdict is clear or this is spent (default 20) "
        "(ini: ov_max_time)",
    )
    group.addoption(
        "--ov-fail-on-inconclusive",
        action="store_true",
        default=None,
        help="fail tests whose verdict is inconclusive (a red build rather than a warning) "
        "(ini: ov_fail_on_inconclusive)",
    )


def _output_options(group: Any) -> None:
    group.addoption(
        "--ov-json",
        metavar="PATH",
        default=None,
        help="write every measurement (every per-request latency, settings, environment, verdicts) "
        "as JSON to PATH",
    )
    group.addoption(
        "--ov-report",
        metavar="PATH",
        default=None,
        help="write a report: Markdown if PATH ends in .md, a self-contained HTML page with charts "
        "if it ends in .html",
    )


def _ini_options(parser: pytest.Parser) -> None:
    parser.addini(
        "ov_baselines_dir", "folder of baseline YAML files, relative to rootdir", default="baselines"
    )
    parser.addini("ov_tolerance", "default allowed worsening (fraction)", default="")
    parser.addini(
        "ov_noise_floor", "between-run noise assumed in stored-baseline mode (fraction)", default=""
    )
    parser.addini(
        "ov_confirmations",
        "fresh runs confirming a stored regression before it fails (default 2)",
        default="",
    )
    parser.addini(
        "ov_baseline_runs",
        "runs in a recorded baseline, all but one in fresh processes (default 5)",
        default="",
    )
    parser.addini(
        "ov_busy_limit",
        "share of the machine's CPU other processes may use before a "
        "stored-mode regression is reported inconclusive (default 0.25)",
        default="",
    )
    parser.addini("ov_fail_on_improvement", "see --ov-fail-on-improvement", type="bool", default=False)
    parser.addini("ov_fail_on_inconclusive", "see --ov-fail-on-inconclusive", type="bool", default=False)
    parser.addini("ov_max_time", "see --ov-max-time", default="")
    parser.addini(
        "ov_yardstick", "stored mode measures the machine yardstick (default true)", type="bool", default=True
    )
    parser.addini("ov_fail_on_plan_change", "see --ov-fail-on-plan-change", type="bool", default=False)
    parser.addini("ov_device", "default OpenVINO device for ovbench measurements", default="CPU")
    parser.addini("ov_time", "default measurement time in seconds", default="")
    parser.addini("ov_niter", "default number of inferences per measurement", default="")
    parser.addini("ov_strict", "see --ov-strict", type="bool", default=False)
    parser.addini("ov_perf_counts", "see --ov-perf-counts", type="bool", default=False)
    parser.addini("ov_cache_dir", "see --ov-cache-dir", default="")
    parser.addini("ov_measure_lock", "see --ov-measure-lock", default="")
    parser.addini("ov_measure_lock_timeout", "see --ov-measure-lock-timeout", default="")


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


def fail_on_improvement(config: pytest.Config) -> bool:
    return _flag(config, "ov_fail_on_improvement", "ov_fail_on_improvement")


def policy_values(config: pytest.Config) -> dict[str, Any]:
    """Tolerance, noise floor and confirmations from the command line and ini (only those set)."""
    values: dict[str, Any] = {}
    tolerance = _option_or_ini(config, "ov_tolerance", fraction)
    if tolerance is not None:
        values["tolerance"] = tolerance
    floor = _ini_value(config, "ov_noise_floor", fraction)
    if floor is not None:
        values["floor"] = floor
    busy = _ini_value(config, "ov_busy_limit", fraction)
    if busy is not None:
        values["busy_limit"] = busy
    runs = _ini_value(config, "ov_baseline_runs", positive_int)
    if runs is not None:
        values["baseline_runs"] = runs
    max_time = _option_or_ini(config, "ov_max_time", positive_seconds)
    if max_time is not None:
        values["max_time_s"] = float(max_time)
    confirmations = _ini_value(config, "ov_confirmations", non_negative_int)
    if confirmations is not None:
        values["confirmations"] = confirmations
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


def wants_latencies(config: pytest.Config) -> bool:
    """Records carry every latency only when a file output needs them."""
    return bool(config.getoption("ov_json") or config.getoption("ov_report"))


def report_path(config: pytest.Config) -> Path | None:
    """--ov-report's path, checked when the session starts (.md or .html)."""
    value = config.getoption("ov_report")
    if not value:
        return None
    path = Path(value)
    if path.suffix.lower() not in (".md", ".html", ".htm"):
        raise pytest.UsageError(
            f"--ov-report={value}: the report is Markdown (.md) or HTML (.html); "
            "name the file with one of those endings"
        )
    return path
