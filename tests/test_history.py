"""The history store (SQLite and PostgreSQL), change points, the creep check, the baseline from
history and the ``trend``/``history``/``prune-history`` commands. Synthetic, seeded figures: no
OpenVINO run and no timing verdict. The PostgreSQL tests start their own throw-away cluster and skip
(saying why) where PostgreSQL is not installed."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pytest_ovbench.cli.history import add_history_commands
from pytest_ovbench.cli.snapshot import CliError
from pytest_ovbench.cli.trend import add_trend_command
from pytest_ovbench.history.creep import creep_check, history_baseline
from pytest_ovbench.history.errors import HistoryError
from pytest_ovbench.history.gitinfo import git_state
from pytest_ovbench.history.rows import HistoryRow, SeriesKey
from pytest_ovbench.history.schema import SCHEMA_VERSION
from pytest_ovbench.history.store import open_store
from pytest_ovbench.history.trend import TrendError, change_points

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
LATENCY = SeriesKey("tests/test_models.py::test_resnet[b1]", "default", "median", "CPU:Xeon-8c:avx512")
THROUGHPUT = SeriesKey("tests/test_models.py::test_bert", "async", "throughput", "CPU:Xeon-8c:avx512")


# ---------------------------------------------------------------------------------------------- series


def creeping_rows(
    key: SeriesKey = LATENCY, commits: int = 6, per_commit: int = 5, seed: int = 11
) -> list[HistoryRow]:
    """A model 3% slower at each of ``commits`` commits after the first: 1% log-normal noise,
    ``per_commit`` runs (sessions) per commit, one hour apart."""
    rng = np.random.default_rng(seed)
    rows = []
    for commit in range(commits + 1):
        for _ in range(per_commit):
            figure = 10.0 * 1.03**commit * float(np.exp(rng.normal(0.0, 0.01)))
            rows.append(row(key, figure, len(rows), f"c{commit:02d}" + "0" * 38))
    return rows


def flat_rows(key: SeriesKey = LATENCY, count: int = 30, seed: int = 0) -> list[HistoryRow]:
    rng = np.random.default_rng(seed)
    return [
        row(key, 10.0 * float(np.exp(rng.normal(0.0, 0.01))), i, f"f{i:02d}" + "0" * 38) for i in range(count)
    ]


def row(key: SeriesKey, figure: float, hour: int, commit: str | None = None, **extra: Any) -> HistoryRow:
    return HistoryRow(
        key,
        figure,
        START + timedelta(hours=hour),
        runs=(figure * 0.99, figure * 1.01),
        windows=(figure, figure * 1.002, figure * 0.998),
        commit=commit,
        branch=extra.pop("branch", "main"),
        openvino="2025.1.0-17911",
        model_sha256="ab" * 32,
        status="pass",
        run_id=f"run{hour}",
        **extra,
    )


# ---------------------------------------------------------------------------------------------- PostgreSQL


def _pg_bin() -> Path | None:
    for folder in [Path("/usr/local/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _as_cluster_owner() -> tuple[list[str], int | None]:
    """initdb refuses root: run it as ``postgres`` (else ``nobody``) when we are root."""
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        try:
            uid = pwd.getpwnam(user).pw_uid
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"], uid
    pytest.skip("running as root and no postgres or nobody user to own a PostgreSQL cluster")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    """A throw-away cluster on a unix socket; yields a URL without the database name."""
    pytest.importorskip("psycopg", reason="psycopg not installed (pip install pytest-ovbench[postgres])")
    binaries = _pg_bin()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl in /usr/local/bin or /usr/lib/postgresql)")
    prefix, uid = _as_cluster_owner()
    # tmp_path's parents are private to root: the cluster's owner could not reach a folder there
    folder = Path(tempfile.mkdtemp(prefix="ovbench-pg-"))
    if uid is not None:
        os.chown(folder, uid, -1)
    data, port = folder / "data", _free_port()
    try:
        subprocess.run(
            [*prefix, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "ovbench", "--no-sync"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-p {port} -k {folder} -c listen_addresses='' -c fsync=off"
        subprocess.run(
            [
                *prefix,
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield f"postgresql://ovbench@/{{database}}?host={folder}&port={port}"
    finally:
        subprocess.run(
            [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str, request: pytest.FixtureRequest) -> str:
    """A fresh database of the throw-away cluster."""
    import psycopg

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    with psycopg.connect(pg_server.format(database="postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return pg_server.format(database=name)


@pytest.fixture(params=["sqlite", "postgresql"])
def address(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "history.db")
    return str(request.getfixturevalue("pg_url"))


# ---------------------------------------------------------------------------------------------- store


def test_round_trip_keeps_every_field_in_time_order(address: str) -> None:
    rows = creeping_rows(commits=1, per_commit=3)
    other = row(THROUGHPUT, 180.0, 2, None, branch="feature")
    with open_store(address) as store:
        store.append([*reversed(rows), other])  # appended out of order: read back by time
        assert store.series(LATENCY) == rows
        assert store.series(THROUGHPUT) == [other]
        assert store.series(THROUGHPUT, branch="main") == []
        assert [(info.key, info.count) for info in store.list_series()] == [(THROUGHPUT, 1), (LATENCY, 6)]
    with open_store(address, create=False) as again:  # what was appended was committed
        read = again.series(LATENCY)
    assert [r.recorded_at for r in read] == [r.recorded_at for r in rows]
    assert read[0].recorded_at.tzinfo is not None and read[0].row_id is not None


def test_prune_keeps_the_newest_rows_of_each_series(address: str) -> None:
    with open_store(address) as store:
        store.append(creeping_rows(commits=1, per_commit=5) + flat_rows(THROUGHPUT, count=4))
        assert store.prune(3) == 7 + 1
        assert [r.commit for r in store.series(LATENCY)] == ["c01" + "0" * 38] * 3
        assert len(store.series(THROUGHPUT)) == 3


def _append_from_process(address: str, worker: int, count: int) -> None:
    with open_store(address) as store:
        for index in range(count):  # one transaction per row: as many lock fights as possible
            store.append([row(LATENCY, 1.0 + worker + index / 1000, index, f"w{worker}")])


@pytest.mark.parametrize("workers,count", [(4, 50)])
def test_concurrent_appends_from_processes_lose_nothing(address: str, workers: int, count: int) -> None:
    with open_store(address):
        pass  # the tables exist before the race: only the appends compete
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=_append_from_process, args=(address, w, count)) for w in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [process.exitcode for process in processes] == [0] * workers
    with open_store(address, create=False) as store:
        read = store.series(LATENCY)
    assert len(read) == workers * count
    assert {(r.commit, round(r.figure, 6)) for r in read} == {
        (f"w{w}", round(1.0 + w + i / 1000, 6)) for w in range(workers) for i in range(count)
    }


def test_sqlite_and_postgresql_give_the_same_results(tmp_path: Path, pg_url: str) -> None:
    rows = creeping_rows(commits=2, per_commit=4) + flat_rows(THROUGHPUT, count=7)
    answers = []
    for address in (str(tmp_path / "history.db"), pg_url):
        with open_store(address) as store:
            store.append(rows)
            listed = store.list_series()
            series = [store.series(info.key) for info in listed]
            pruned = store.prune(5)
            answers.append((listed, series, pruned, [store.series(info.key) for info in listed]))
    assert answers[0] == answers[1]


def test_store_written_by_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    open_store(str(path)).close()
    with sqlite3.connect(path) as raw:
        raw.execute(
            "UPDATE ovbench_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    with pytest.raises(
        HistoryError, match=rf"{path}.*schema version is {SCHEMA_VERSION + 1}.*pip install -U"
    ):
        open_store(str(path))


def test_newer_schema_in_postgresql_is_refused(pg_url: str) -> None:
    import psycopg

    open_store(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as raw:
        raw.execute("UPDATE ovbench_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(HistoryError, match="schema version is 99"):
        open_store(pg_url)


def test_unusable_sqlite_paths_raise_history_error_naming_them(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "history.db"
    with pytest.raises(HistoryError, match=r"no-such-folder.*does not exist; create the folder"):
        open_store(str(missing))
    a_file = tmp_path / "plain-file"
    a_file.write_text("x")
    with pytest.raises(HistoryError, match="plain-file"):
        open_store(str(a_file / "history.db"))  # its "folder" is a file: unwritable even for root
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_bytes(b"this is not an SQLite file" * 100)
    with pytest.raises(HistoryError, match=r"notes\.db"):
        open_store(str(not_a_database))
    with pytest.raises(HistoryError, match="no such file; run pytest with --ov-history first"):
        open_store(str(tmp_path / "absent.db"), create=False)
    assert not (tmp_path / "absent.db").exists()


def test_postgresql_on_a_closed_port_raises_history_error_without_the_password() -> None:
    pytest.importorskip("psycopg", reason="psycopg not installed (pip install pytest-ovbench[postgres])")
    url = f"postgresql://ci:s3cret@127.0.0.1:{_free_port()}/history"
    with pytest.raises(HistoryError, match=r"cannot connect.*check that the server runs") as caught:
        open_store(url)
    assert "ci:***@127.0.0.1" in str(caught.value) and "s3cret" not in str(caught.value)


def test_missing_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    with pytest.raises(HistoryError, match=r"pip install pytest-ovbench\[postgres\]"):
        open_store("postgresql://localhost/history")


def test_a_damaged_row_is_named_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with open_store(str(path)) as store:
        store.append([row(LATENCY, 5.0, 0)])
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE ovbench_history SET runs = '[1, \"x\"]'")
    with (
        open_store(str(path)) as store,
        pytest.raises(HistoryError, match=r"row 1 .*DELETE FROM ovbench_history"),
    ):
        store.series(LATENCY)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"figure": float("nan")}, "not a finite figure"),
        ({"figure": 0.0}, "not a finite figure"),
        ({"windows": (1.0, float("inf"))}, "windows"),
        ({"recorded_at": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"key": SeriesKey("", "m", "median", "c")}, "non-empty test"),
    ],
)
def test_bad_rows_are_refused_before_they_reach_the_store(change: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {"key": LATENCY, "figure": 1.0, "recorded_at": START, **change}
    with pytest.raises(ValueError, match=message):
        HistoryRow(**fields)


def test_git_state_reads_commit_and_branch_and_asks_the_ci_when_detached(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    checkout, plain = tmp_path / "repo", tmp_path / "plain"
    checkout.mkdir()
    plain.mkdir()

    def git(*args: str) -> str:
        names = {
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
        }
        done = subprocess.run(
            ["git", *args],
            cwd=checkout,
            env={**os.environ, **names},
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    git("init", "-q")
    git("checkout", "-q", "-b", "trunk")
    git("commit", "-q", "--allow-empty", "-m", "one")
    head = git("rev-parse", "HEAD")
    on_branch = git_state(checkout, {"GITHUB_REF_NAME": "from-ci"})
    assert (on_branch.commit, on_branch.branch) == (head, "trunk")  # the checkout's own branch wins
    git("checkout", "-q", "--detach")
    assert git_state(checkout, {"GITHUB_REF_NAME": "from-ci"}).branch == "from-ci"
    assert git_state(checkout, {}).branch is None
    assert git_state(plain, {}).commit is None


# ---------------------------------------------------------------------------------------------- trend


def test_creep_of_3_percent_per_commit_is_reported_naming_the_commits() -> None:
    rows = creeping_rows(commits=6, per_commit=5)
    per_commit = [float(np.median([r.figure for r in rows[i : i + 5]])) for i in range(0, 35, 5)]
    # each step is within a 5% allowance: a gate comparing each PR with the one before passes them all
    assert all(after / before - 1 < 0.05 for before, after in zip(per_commit, per_commit[1:]))
    creep = creep_check(rows, baseline=10.0, allowance=0.05)
    assert creep.beyond and 0.15 < creep.worsening < 0.24  # 1.03**6 - 1 = 19.4%
    assert len(creep.commits) >= 3
    assert set(creep.commits) <= {f"c{c:02d}" + "0" * 38 for c in range(1, 7)}
    changes = change_points(rows)
    assert changes and all(
        change.worse and change.change > 0.01 and change.p_value < 0.001 for change in changes
    )
    assert changes[-1].index >= 25 and creep.recent_start == changes[-1].index
    since_second = creep_check(rows, baseline=10.0, allowance=0.05, since="c03")
    assert since_second.beyond and since_second.worsening < creep.worsening
    assert all(change.index > 15 for change in since_second.moves)


def test_unchanged_series_of_30_runs_reports_no_change() -> None:
    for seed in range(10):
        rows = flat_rows(count=30, seed=seed)
        assert change_points(rows) == [], seed
        assert not creep_check(rows, baseline=10.0, allowance=0.05).beyond


def test_throughput_falling_is_worse() -> None:
    rows = [
        row(THROUGHPUT, 200.0 * (0.9 if i >= 10 else 1.0) * (1 + 0.003 * (i % 3)), i, f"t{i}")
        for i in range(20)
    ]
    [change] = change_points(rows, higher_is_better=True)
    assert change.index == 10 and change.worse and change.commit == "t10"
    assert round(change.change, 2) == -0.1
    assert creep_check(rows, baseline=200.0, allowance=0.05, higher_is_better=True).beyond


def test_history_baseline_is_the_recent_stretch_when_long_enough() -> None:
    rows = creeping_rows(commits=2, per_commit=8)
    baseline = history_baseline(rows)
    assert baseline is not None
    assert len(baseline.runs) == 8 and baseline.runs == tuple(r.figure for r in rows[-8:])
    assert abs(baseline.value / (10.0 * 1.03**2) - 1) < 0.01
    assert len(baseline.windows) == 8 * 3
    assert history_baseline(rows[:4]) is None  # fewer than 5 runs: none


def test_missing_ruptures_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ruptures", None)
    with pytest.raises(TrendError, match=r"pip install pytest-ovbench\[history\]"):
        change_points(flat_rows())


# ---------------------------------------------------------------------------------------------- commands


def ovbench(*argv: str) -> int:
    """The commands as ``ovbench`` dispatches them (its errors: exit code 1)."""
    parser = argparse.ArgumentParser(prog="ovbench")
    parser.add_argument("--rootdir", default=".", type=Path)
    commands = parser.add_subparsers(dest="command", required=True)
    add_trend_command(commands)
    add_history_commands(commands)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except CliError as error:
        print(f"ovbench: error: {error}", file=sys.stderr)
        return 1


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    path = tmp_path / "history.db"
    with open_store(str(path)) as store:
        store.append(creeping_rows() + flat_rows(THROUGHPUT))
    return path


def test_trend_exits_1_naming_changes_and_writes_the_page(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = filled.parent / "trend.html"
    assert ovbench("trend", str(filled), "--html", str(page)) == 1
    out = capsys.readouterr().out
    changes = change_points(creeping_rows())
    for change in changes:
        assert f"commit {change.commit[:10]}" in out  # type: ignore[index]
    assert f"2 series, {len(changes)} change points ({len(changes)} worse)" in out
    html = page.read_text()
    assert html.count("<svg") == 2 and "<script" not in html
    assert all(change.commit in html for change in changes)  # type: ignore[operator]
    assert "No change point" in html


def test_trend_exits_0_without_change(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ovbench("trend", str(filled), "--test", "*bert*", "--metric", "throughput") == 0
    out = capsys.readouterr().out
    assert "test_bert [async] throughput" in out and "no change" in out and "test_resnet" not in out


def test_trend_of_a_missing_store_fails_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ovbench("trend", str(tmp_path / "nope.db")) == 1
    assert "nope.db: no such file" in capsys.readouterr().err
    assert not (tmp_path / "nope.db").exists()


def test_history_shows_one_series_as_a_table(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ovbench("history", str(filled), "--test", LATENCY.test) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{LATENCY.label()}: 35 runs")
    assert lines[1].split()[:3] == ["recorded", "(UTC)", "commit"]
    assert lines[3].split()[:4] == ["2026-01-05", "09:00:00", "c000000000", "main"]
    assert len(lines) == 3 + 35 + 1
    assert ovbench("history", str(filled), "--test", "test_resnot") == 1
    assert "close: tests/test_models.py::test_resnet[b1]" in capsys.readouterr().err


def test_prune_history_keeps_n_per_series(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ovbench("prune-history", str(filled), "--keep", "10") == 0
    assert "removed 45 rows" in capsys.readouterr().out
    with open_store(str(filled)) as store:
        assert [info.count for info in store.list_series()] == [10, 10]
    with pytest.raises(SystemExit):
        ovbench("prune-history", str(filled), "--keep", "0")
    assert "not a whole number >= 1" in capsys.readouterr().err
