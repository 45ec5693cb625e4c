"""--ov-history: a run's measurements appended to the history store (plugin/history.py), through
pytest itself (pytester) and a real SQLite file."""

from __future__ import annotations

import openvino as ov
import pytest
from tiny_models import tiny_project

from pytest_ovbench.history.rows import SeriesKey
from pytest_ovbench.history.store import open_store
from pytest_ovbench.runtime.environment import environment_key


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    return tiny_project(pytester, niter=30)


def test_every_run_appends_its_figures(suite: pytest.Pytester) -> None:
    for _ in range(2):
        result = suite.runpytest("-p", "no:cacheprovider", "--ov-history=history.sqlite")
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(["*ovbench: appended 2 rows to the history *history.sqlite"])
    key = SeriesKey("test_perf.py::test_lat", "sync", "median", environment_key(ov.Core(), "CPU"))
    with open_store(str(suite.path / "history.sqlite"), create=False) as store:
        rows = store.series(key)
        assert {info.key.metric for info in store.list_series()} == {"median", "throughput"}
    assert len(rows) == 2 and rows[0].run_id != rows[1].run_id
    assert all(row.figure > 0 and len(row.windows) >= 2 and row.openvino for row in rows)
    assert rows[0].status == "no baseline"


def test_an_ini_store_path_is_relative_to_the_rootdir(suite: pytest.Pytester) -> None:
    suite.makeini("[pytest]\nov_history = results/history.sqlite\n")
    (suite.path / "results").mkdir()
    result = suite.runpytest("-p", "no:cacheprovider", f"--rootdir={suite.path}", str(suite.path))
    result.assert_outcomes(passed=1)
    assert (suite.path / "results" / "history.sqlite").is_file()


def test_an_unreachable_store_is_a_warning_not_a_failure(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-p", "no:cacheprovider", "--ov-history=postgresql://127.0.0.1:9/history")
    result.assert_outcomes(passed=1, warnings=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*the history was not appended*127.0.0.1:9*"])
