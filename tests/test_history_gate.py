"""Stored mode with a history store (engine/history_gate.py): the baseline from the recent runs of
the main branch, and the creep check; pure functions on seeded rows, then end to end through
pytest with a real measurement and a real SQLite store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import openvino  # noqa: F401  (before any in-process pytester run, which would drop it after)
import pytest
import yaml
from test_history import creeping_rows, flat_rows, row
from tiny_models import tiny_project

from pytest_ovbench.cli.main import main as ovbench
from pytest_ovbench.engine.history_gate import HistoryGate, Series, with_creep, with_history
from pytest_ovbench.history.rows import SeriesKey
from pytest_ovbench.history.store import open_store
from pytest_ovbench.judge.baseline import StoredBaseline
from pytest_ovbench.judge.status import Status
from pytest_ovbench.judge.verdict import Comparison, Sample

STORED = StoredBaseline({"median": Sample(10.0, (), (10.0, 10.1, 9.9))})


def passing(metric: str = "median") -> list[Comparison]:
    return [Comparison(metric, Status.PASS, 10.0, 10.2, 0.05)]


def test_enough_recent_runs_make_the_baseline_and_the_source_says_so() -> None:
    rows = flat_rows(count=8)
    chosen, used = with_history(STORED, Series({"median": rows}), "main")
    assert chosen.samples["median"].runs == tuple(r.figure for r in rows)
    assert chosen.machine is None  # history figures are raw: no yardstick correction applies
    assert used == "compared with history (median: the last 8 runs of main)"


def test_too_few_runs_leave_the_stored_entry_in_charge() -> None:
    chosen, used = with_history(STORED, Series({"median": flat_rows(count=3)}), "main")
    assert chosen is STORED
    assert "3 run(s) of this test on main, fewer than the 5" in used
    broken, why = with_history(STORED, Series({}, "history not used: cannot open x"), "main")
    assert broken is STORED and why == "history not used: cannot open x"


def test_a_creep_of_3_percent_per_commit_fails_naming_where_it_moved() -> None:
    rows = creeping_rows(commits=6)  # each step within the 5% allowance, +19% in all
    (judged,), notes = with_creep(passing(), Series({"median": rows}), HistoryGate("x"))
    assert judged.status == Status.REGRESSED and not notes
    assert judged.reason.startswith("median crept +")
    assert "in steps each within it; moved at c0" in judged.reason
    (warned,), notes = with_creep(passing(), Series({"median": rows}), HistoryGate("x", creep="warn"))
    assert warned.status == Status.PASS and notes[0].startswith("median crept +")
    assert with_creep(passing(), Series({"median": rows}), HistoryGate("x", creep="off")) == (passing(), [])


def test_an_unchanged_series_and_a_creep_measured_from_its_end_pass() -> None:
    (flat,), notes = with_creep(passing(), Series({"median": flat_rows(count=30)}), HistoryGate("x"))
    assert flat.status == Status.PASS and not notes
    rows = creeping_rows(commits=6)
    last = rows[-1].commit
    (recent,), _ = with_creep(passing(), Series({"median": rows}), HistoryGate("x", since=last))
    assert recent.status == Status.PASS  # measured from the last commit on: no creep since
    (unknown,), notes = with_creep(passing(), Series({"median": rows}), HistoryGate("x", since="feedbeef"))
    assert unknown.status == Status.PASS and notes[0].startswith("creep not checked: no row")


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    return tiny_project(pytester, niter=200, ini="ov_baseline_runs = 2\n")


def test_the_sixth_run_of_a_creeping_model_fails_and_trend_reports_it(suite: pytest.Pytester) -> None:
    store = suite.path / "history.sqlite"
    recorded = suite.runpytest("-p", "no:cacheprovider", "--ov-update-baselines", f"--ov-history={store}")
    recorded.assert_outcomes(passed=1)
    entry: dict[str, Any] = yaml.safe_load((suite.path / "baselines" / "test_perf.yaml").read_text())
    env_key, measured = next(iter(entry["tests"]["test_lat"]["sync"].items()))
    level = float(measured["metrics"]["median"]["value"])
    # five earlier commits on main, each 3% slower than the one before, five runs each (as CI's
    # scheduled runs would have appended them); every PR's own gate passed at +3%
    key = SeriesKey("test_perf.py::test_lat", "sync", "median", env_key)
    rng = np.random.default_rng(5)
    noise = np.exp(rng.normal(0.0, 0.005, size=(6, 5)))
    rows = [
        row(key, level * 1.03**commit * noise[commit, i], 5 * commit + i, f"{commit:02d}" * 20)
        for commit in range(6)
        for i in range(5)
    ]
    with open_store(str(store)) as history:
        history.append(rows)
    judged = suite.runpytest("-p", "no:cacheprovider", f"--ov-history={store}", "-o", "ov_busy_limit=1")
    judged.assert_outcomes(failed=1)
    judged.stdout.fnmatch_lines(["*median crept +*beyond the 5% allowance*moved at 0*"])
    warned = suite.runpytest("-p", "no:cacheprovider", f"--ov-history={store}", "--ov-creep=warn")
    warned.stdout.fnmatch_lines(["*median crept +*"])
    # main's runs only: this test's own runs (no git here, so no branch) are not the series
    assert ovbench(["trend", str(store), "--test", "test_lat", "--metric", "median", "--branch", "main"]) == 1


def test_a_bad_creep_action_is_a_usage_error(suite: pytest.Pytester, tmp_path: Path) -> None:
    bad = suite.runpytest(
        "-p", "no:cacheprovider", f"--ov-history={tmp_path / 'h.sqlite'}", "--ov-creep=maybe"
    )
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--ov-creep*'maybe'*fail, warn or off*"])


def test_a_run_that_regressed_on_its_own_also_names_the_creep() -> None:
    regressed = [Comparison("median", Status.REGRESSED, 10.0, 12.0, 0.05, reason="beyond the allowance")]
    (judged,), _ = with_creep(regressed, Series({"median": creeping_rows(commits=6)}), HistoryGate("x"))
    assert judged.status == Status.REGRESSED
    assert judged.reason.startswith("beyond the allowance; median crept +")
