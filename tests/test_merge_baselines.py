"""``ovbench merge-baselines``: shard folders recorded by real runs (one of them split by
pytest-split) and hand-edited copies, merged into the folder they were copied from."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openvino as ov  # before any pytester run (modules first imported inside one are dropped)
import pytest
from tiny_models import tiny_project

from pytest_ovbench.baselines.merging import plan_merge
from pytest_ovbench.baselines.store import load_entries, module_file, write_entries
from pytest_ovbench.cli import main as cli
from pytest_ovbench.cli.snapshot import Ref, Snapshot, load_folder
from pytest_ovbench.runtime.environment import environment_key

ENV = "CPU | Intel(R) Xeon(R) Platinum 8480+ | AMX | bf16 | 2 cpus"
INI = "ov_baseline_runs = 1\nov_yardstick = false\nov_busy_limit = 1\n"
MORE_TESTS = """
import pytest

@pytest.mark.ovbench(model="model.xml", niter=30)
def test_a(infer_sync):
    infer_sync()

@pytest.mark.ovbench(model="model.xml", niter=30)
def test_b(infer_sync):
    infer_sync()
"""
TESTS = {"test_perf.py": ["test_lat"], "test_more.py": ["test_a", "test_b"]}


def make_entry(median_ms: float) -> dict[str, Any]:
    return {
        "recorded": "2026-01-01",
        "openvino": "2025.0.0",
        "mode": "sync",
        "metrics": {"median": {"value": median_ms, "runs": [median_ms, median_ms + 0.5]}},
    }


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["merge-baselines", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: what "nothing written" must leave alone."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()
    }


def edit(folder: Path, module: str, updates: dict[tuple[str, str, str], dict[str, Any] | None]) -> None:
    write_entries(module_file(folder, module), updates)


def scaled(folder: Path, module: str, test: str, factor: float) -> dict[str, Any]:
    """The entry of ``test`` (its only one) with every metric's value scaled: a re-recorded entry."""
    ((measurement, envs),) = load_entries(module_file(folder, module))[test].items()
    ((env, entry),) = envs.items()
    for metric in entry["metrics"].values():
        metric["value"] *= factor
    edit(folder, module, {(test, measurement, env): entry})
    return load_entries(module_file(folder, module))[test][measurement][env]  # as written: rounded


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A hand-made repository folder: two files, three entries."""
    folder = tmp_path / "baselines"
    edit(
        folder,
        "tests/test_a.py",
        {("test_x", "sync", ENV): make_entry(5.0), ("test_y", "sync", ENV): make_entry(6.0)},
    )
    edit(folder, "tests/test_b.py", {("test_z", "async", ENV): make_entry(7.0)})
    return folder


def shards_of(base: Path, count: int) -> list[Path]:
    """``count`` copies of ``base``, as each CI runner of a split suite starts from one."""
    copies = [base.parent / f"shard{index}" for index in range(1, count + 1)]
    for copy in copies:
        shutil.copytree(base, copy)
    return copies


def test_recorded_shards_merge_every_change_once_and_keep_the_rest(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny_project(pytester, niter=30, ini=INI)
    pytester.makepyfile(test_more=MORE_TESTS)
    pytester.runpytest("-p", "no:cacheprovider", "--ov-update-baselines").assert_outcomes(passed=3)
    into = pytester.path / "baselines"
    recorded = load_folder(into)
    assert {ref.test for ref in recorded} == {"test_lat", "test_a", "test_b"}
    env = next(iter(recorded)).env  # this machine's hardware class
    one, two = shards_of(into, 2)
    a_entry = scaled(one, "test_more.py", "test_a", 2.0)  # shard 1 re-recorded test_a ...
    new_key = ("test_c", "sync", ENV)
    edit(one, "test_more.py", {new_key: make_entry(3.0), ("test_b", "sync", env): None})  # ... lacks b
    assert "test_b" not in load_entries(one / "test_more.yaml")
    b_entry = scaled(two, "test_more.py", "test_b", 3.0)  # shard 2: test_b in the same file
    edit(two, "test_new.py", {("test_n", "sync", ENV): make_entry(4.0)})  # and a module of its own

    code, out, _ = run(capsys, str(one), str(two), "--into", str(into))

    assert code == 0
    merged = load_folder(into)
    expected = dict(recorded)
    expected.update({ref: a_entry for ref in recorded if ref.test == "test_a"})
    expected.update({ref: b_entry for ref in recorded if ref.test == "test_b"})
    expected[Ref("test_more.yaml", *new_key)] = make_entry(3.0)
    expected[Ref("test_new.yaml", "test_n", "sync", ENV)] = make_entry(4.0)
    assert merged == expected  # every entry there, once, with the right content; test_lat kept
    assert sorted(files_of(into)) == ["test_more.yaml", "test_new.yaml", "test_perf.yaml"]  # no lock left
    assert f"updated test_more.py::test_a 'sync' [{env}]  (from {one})" in out
    assert f"added   test_more.py::test_c 'sync' [{ENV}]  (from {one})" in out
    assert "  test_more.yaml: 1 added, 2 updated" in out and "  test_new.yaml (new file): 1 added" in out
    assert out.rstrip().endswith("2 added, 2 updated, 1 entry kept as it was; wrote 2 files")

    again = files_of(into)
    assert run(capsys, str(one), "--into", str(into))[1].endswith(
        "no shard changed an entry; 5 entries kept as they were\n"
    )
    assert files_of(into) == again  # merged already: nothing to merge, nothing rewritten


def test_dry_run_prints_the_changes_and_writes_nothing(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (one,) = shards_of(base, 1)
    edit(one, "tests/test_a.py", {("test_x", "sync", ENV): make_entry(9.0)})
    edit(one, "tests/test_c.py", {("test_w", "sync", ENV): make_entry(1.0)})
    before = files_of(base)

    code, out, _ = run(capsys, "--rootdir", str(base.parent), "shard1", "--dry-run")  # --into: --dir

    assert code == 0
    assert files_of(base) == before
    assert "  tests/test_a.yaml: 0 added, 1 updated" in out
    assert "  tests/test_c.yaml (new file): 1 added, 0 updated" in out
    assert out.rstrip().endswith("1 added, 1 updated, 2 entries kept as they were; dry run: nothing written")


def test_a_conflict_is_refused_naming_entry_and_shards_and_nothing_is_written(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two, three = shards_of(base, 3)
    edit(one, "tests/test_a.py", {("test_x", "sync", ENV): make_entry(8.0)})
    edit(two, "tests/test_a.py", {("test_x", "sync", ENV): make_entry(9.0)})
    edit(three, "tests/test_a.py", {("test_x", "sync", ENV): make_entry(8.0)})
    edit(two, "tests/test_b.py", {("test_z", "async", ENV): make_entry(1.0)})  # fine, yet not written
    before = files_of(base)

    code, out, err = run(capsys, str(one), str(two), str(three), "--into", str(base))

    assert code == 1 and out == ""
    assert files_of(base) == before
    assert "1 entry changed differently by different shards (a vs b); nothing written:" in err
    assert f"  tests/test_a.py::test_x 'sync' [{ENV}]: {one}, {three} vs {two}" in err
    assert "test_z" not in err and "To fix: each test must run in exactly one shard" in err


def test_the_same_change_in_two_shards_is_written_once(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = shards_of(base, 2)
    for shard in (one, two):
        edit(shard, "tests/test_b.py", {("test_z", "async", ENV): make_entry(2.5)})

    code, out, _ = run(capsys, str(one), str(two), "--into", str(base))

    assert code == 0
    assert load_entries(module_file(base, "tests/test_b.py")) == {"test_z": {"async": {ENV: make_entry(2.5)}}}
    assert f"updated tests/test_b.py::test_z 'async' [{ENV}]  (from {one}, {two})" in out


def test_figures_written_back_rounded_are_no_change() -> None:
    """A shard that merely wrote a hand-written file back (figures rounded) changed nothing."""
    ref = Ref("tests/test_a.yaml", "test_x", "sync", ENV)
    precise, rounded = make_entry(5.123456), make_entry(5.123)
    rounded["metrics"]["median"]["runs"] = [5.123, 5.623]  # 5.623456 as written
    plan = plan_merge({ref: precise}, [("one", {ref: rounded}), ("two", {ref: make_entry(6.0)})])
    assert [change.shards for change in plan.changes] == [("two",)] and not plan.conflicts


def test_a_missing_shard_or_one_that_is_a_file_is_named_and_nothing_is_written(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (one,) = shards_of(base, 1)
    edit(one, "tests/test_a.py", {("test_x", "sync", ENV): make_entry(9.0)})
    (base.parent / "artifact.zip").write_bytes(b"PK")
    before = files_of(base)
    for shard, problem in (("shard9", "does not exist"), ("artifact.zip", "is not a folder")):
        code, _, err = run(capsys, "--rootdir", str(base.parent), "shard1", shard)
        assert code == 1
        assert err.startswith(f"ovbench: error: shard folder {shard} {problem}; nothing written. To fix:")
        assert len(err.strip().splitlines()) == 1
    assert files_of(base) == before


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("tests: [unclosed\n", "line 1"),
        ("version: 1\ntests:\n  test_x:\n    sync:\n      CPU:\n        metrics: {}\n", "'metrics' must be"),
    ],
    ids=["broken YAML", "invalid entry"],
)
def test_a_malformed_shard_file_is_named_and_nothing_is_written(
    base: Path, text: str, complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = shards_of(base, 2)
    edit(one, "tests/test_a.py", {("test_x", "sync", ENV): make_entry(9.0)})
    broken = two / "tests" / "test_a.yaml"
    broken.write_text(text, encoding="utf-8")
    before = files_of(base)

    code, _, err = run(capsys, str(one), str(two), "--into", str(base))

    assert code == 1
    assert f"Unusable baseline file {broken}" in err and complaint in err
    assert files_of(base) == before


def test_into_that_is_a_file_and_no_shard_are_refused(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(base), "--into", str(base / "tests" / "test_a.yaml"))
    assert code == 1 and "test_a.yaml is not a folder; nothing written" in err
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["merge-baselines", "--into", str(base)])
    assert exit_info.value.code == 2


def split_shard(
    pytester: pytest.Pytester, copy: Path, group: int, monkeypatch: pytest.MonkeyPatch
) -> Snapshot:
    """Run group ``group`` of 2 in ``copy`` of the project, as one CI runner does; its baselines."""
    shutil.copytree(pytester.path, copy)
    monkeypatch.chdir(copy)
    args = ["-p", "no:cacheprovider", "--splits", "2", "--group", str(group), "--ov-update-baselines"]
    outcomes = pytester.runpytest(*args).parseoutcomes()
    assert 1 <= outcomes.get("passed", 0) <= 2 and "failed" not in outcomes and "errors" not in outcomes
    return load_folder(copy / "baselines")


def test_real_pytest_split_shards_merge_into_every_test_once(
    pytester: pytest.Pytester,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("pytest_split", reason="pytest-split is not installed")
    tiny_project(pytester, niter=30, ini=INI)
    pytester.makepyfile(test_more=MORE_TESTS)
    env = environment_key(ov.Core(), "CPU")
    into = pytester.path / "baselines"
    for module, tests in TESTS.items():  # committed figures 1000x off: every re-recording replaces them
        edit(into, module, {(test, "sync", env): make_entry(1000.0) for test in tests})
    edit(into, "test_perf.py", {("test_old", "sync", env): make_entry(2.0)})
    base = load_folder(into)
    shards = [split_shard(pytester, tmp_path / f"runner{group}", group, monkeypatch) for group in (1, 2)]

    code, out, _ = run(
        capsys, *(str(tmp_path / f"runner{group}" / "baselines") for group in (1, 2)), "--into", str(into)
    )

    assert code == 0, out
    merged = load_folder(into)
    assert set(merged) == set(base)  # no entry lost or added: each test re-recorded in place
    assert merged[Ref("test_perf.yaml", "test_old", "sync", env)] == make_entry(2.0)
    for ref in base:
        if ref.test == "test_old":
            continue
        changed_in = [shard for shard in shards if shard[ref] != base[ref]]
        assert len(changed_in) == 1, ref  # pytest-split ran each test in exactly one shard
        assert merged[ref] == changed_in[0][ref] and merged[ref]["metrics"]["median"]["value"] < 1000.0
    assert out.rstrip().endswith("0 added, 3 updated, 1 entry kept as it was; wrote 2 files")
