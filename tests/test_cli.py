"""The ``ovbench`` command-line tool (pytest_ovbench.cli.main) over baselines folders built in tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_ovbench.baselines import locking
from pytest_ovbench.baselines.store import load_entries, module_file, write_entries
from pytest_ovbench.cli import main as cli
from pytest_ovbench.cli import prune
from pytest_ovbench.cli.snapshot import load_folder

ENV = "CPU | Intel(R) Xeon(R) Platinum 8480+ | AMX | bf16 | 2 cpus"
ENV_ARM = "CPU | Neoverse-N1 | aarch64 | f32 | 4 cpus"
OPENVINO = "2026.4.1-22982-e213a147257-releases/2026/4"
REPO_ROOT = Path(cli.__file__).resolve().parents[1]


def make_entry(
    median_ms: float = 5.412,
    throughput: float = 182.3,
    mode: str = "sync",
    openvino: str = OPENVINO,
    model_sha256: str = "0e9a7572f7692632",
    streams: int = 1,
) -> dict[str, Any]:
    return {
        "recorded": "2026-11-23",
        "openvino": openvino,
        "model_sha256": model_sha256,
        "mode": mode,
        "properties": {"NUM_STREAMS": streams, "PERFORMANCE_HINT": "LATENCY"},
        "settings": {"hint": "latency", "time": 2.0, "windows": 3},
        "foreign_load": 0.01,
        "metrics": {
            "median": {"value": median_ms, "windows": [median_ms - 0.1, median_ms, median_ms + 0.2]},
            "throughput": {"value": throughput, "windows": [throughput - 1, throughput, throughput + 2]},
            "first_inference_ms": {"value": 9.215},
        },
    }


def record(folder: Path, module: str, entries: dict[tuple[str, str, str], dict[str, Any] | None]) -> Path:
    path = module_file(folder, module)
    write_entries(path, entries)
    return path


def standard_folder(root: Path) -> Path:
    """baselines/tests/test_models.yaml (3 entries) and baselines/tests/test_async.yaml (1)."""
    folder = root / "baselines"
    record(
        folder,
        "tests/test_models.py",
        {
            ("test_net_latency", "sync", ENV): make_entry(),
            ("test_net_latency", "sync", ENV_ARM): make_entry(median_ms=7.9),
            ("test_resnet[batch1]", "sync", ENV): make_entry(median_ms=12.31, streams=2),
        },
    )
    record(folder, "tests/test_async.py", {("test_throughput", "async", ENV): make_entry(mode="async")})
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def usage_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(args))
    assert exit_info.value.code == 2
    return capsys.readouterr().err


# list


def test_list_shows_one_row_per_entry_with_the_main_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standard_folder(tmp_path)
    code, out, err = run(capsys, "list", "--rootdir", str(tmp_path))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == [
        "file",
        "test",
        "measurement",
        "environment",
        "recorded",
        "openvino",
        "main",
        "figure",
    ]
    rows = lines[2:]
    assert len(rows) == 4
    sync_row = next(r for r in rows if "test_resnet[batch1]" in r)
    assert sync_row.startswith("tests/test_models.yaml")
    assert sync_row.endswith("median 12.31 ms")
    assert "2026-11-23" in sync_row and " 2026.4.1 " in sync_row and "22982" not in sync_row
    async_row = next(r for r in rows if "test_throughput" in r)
    assert async_row.endswith("throughput 182.3 inf/s")


def test_list_filters_by_test_and_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard_folder(tmp_path)
    code, out, _ = run(capsys, "--rootdir", str(tmp_path), "list", "--test", "net_lat", "--env", "Neoverse")
    rows = out.splitlines()[2:]
    assert code == 0 and len(rows) == 1
    assert "test_net_latency" in rows[0] and rows[0].endswith("median 7.900 ms")
    code, out, _ = run(capsys, "--rootdir", str(tmp_path), "list", "--test", "test_models.py::test_res")
    assert [r.split()[1] for r in out.splitlines()[2:]] == ["test_resnet[batch1]"]


def test_entries_from_before_hardware_classes_stay_readable_and_are_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy = "CPU | AMD EPYC | 2 cpus"
    record(
        tmp_path / "baselines",
        "test_a.py",
        {("test_a", "sync", legacy): make_entry(), ("test_b", "sync", ENV): make_entry()},
    )
    code, out, _ = run(capsys, "list", "--rootdir", str(tmp_path))
    rows = out.splitlines()
    assert code == 0 and any(f"{legacy} *" in row for row in rows)
    assert not any(f"{ENV} *" in row for row in rows)
    assert rows[-1].startswith("* recorded before hardware classes: never used for a verdict; re-record")
    code, out, _ = run(capsys, "show", "test_a", "--rootdir", str(tmp_path))
    assert code == 0 and "class         recorded before hardware classes" in out and "median" in out


def test_list_reads_dir_given_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "perf"
    record(folder, "test_a.py", {("test_a", "sync", ENV): make_entry()})
    for args in (["--rootdir", str(tmp_path), "--dir", "perf", "list"], ["list", "--dir", str(folder)]):
        code, out, _ = run(capsys, *args)
        assert code == 0 and "test_a.yaml" in out


def test_list_of_missing_folder_fails_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list", "--rootdir", str(tmp_path), "--dir", "nowhere")
    assert code == 1 and out == ""
    assert str(tmp_path / "nowhere") in err and "does not exist" in err and "--dir" in err


def test_list_of_corrupt_file_fails_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = standard_folder(tmp_path)
    (folder / "broken.yaml").write_text("version: 1\ntests: [unclosed\n", encoding="utf-8")
    code, _, err = run(capsys, "list", "--rootdir", str(tmp_path))
    assert code == 1
    assert "broken.yaml" in err and "invalid YAML" in err


# show


def test_show_prints_every_field_of_the_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard_folder(tmp_path)
    code, out, _ = run(capsys, "show", "test_resnet[batch1]", "--rootdir", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"tests/test_models.py::test_resnet[batch1] 'sync' [{ENV}]"
    text = "\n".join(lines)
    for expected in (
        "file          tests/test_models.yaml",
        "recorded      2026-11-23",
        f"openvino      {OPENVINO}",
        "model_sha256  0e9a7572f7692632",
        "mode          sync",
        "properties    NUM_STREAMS=2, PERFORMANCE_HINT=LATENCY",
        "settings      hint=latency, time=2.0, windows=3",
        "foreign_load  0.01",
    ):
        assert expected in text
    median = next(line for line in lines if "latency median" in line)
    assert median.split() == ["latency", "median", "12.31", "ms", "3", "windows,", "12.21..12.51"]
    first = next(line for line in lines if "first inference" in line)
    assert first.split() == ["first", "inference", "9.215", "ms"]
    assert "inf/s" in next(line for line in lines if "throughput" in line)


def test_show_matches_part_of_node_id_and_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard_folder(tmp_path)
    code, out, _ = run(capsys, "show", "test_models.py::test_net", "--rootdir", str(tmp_path))
    assert code == 0 and out.count("test_net_latency 'sync'") == 2
    code, out, _ = run(capsys, "show", "test_net_latency", "--env", "Neoverse", "--rootdir", str(tmp_path))
    assert out.count("'sync' [") == 1 and "7.900 ms" in out
    code, _, err = run(
        capsys, "show", "test_net_latency", "--measurement", "async", "--rootdir", str(tmp_path)
    )
    assert code == 1 and "measurement 'async'" in err


def test_show_without_match_suggests_close_test_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standard_folder(tmp_path)
    code, out, err = run(capsys, "show", "test_net_latncy", "--rootdir", str(tmp_path))
    assert code == 1 and out == ""
    assert "no baseline entry for test 'test_net_latncy'" in err
    assert "Close test ids: test_net_latency" in err and "ovbench list" in err


# diff


def changed_folder(root: Path) -> Path:
    """standard_folder after a change: one entry gone, one new, figures and provenance moved."""
    folder = standard_folder(root)
    record(
        folder,
        "tests/test_models.py",
        {
            ("test_net_latency", "sync", ENV): make_entry(median_ms=6.873, throughput=150.0),
            ("test_net_latency", "sync", ENV_ARM): make_entry(median_ms=7.95),  # +0.6%
            ("test_resnet[batch1]", "sync", ENV): None,
            ("test_new", "sync", ENV): make_entry(),
        },
    )
    record(
        folder,
        "tests/test_async.py",
        {
            ("test_throughput", "async", ENV): make_entry(
                mode="async", throughput=200.0, openvino="2026.5.0-1", streams=4
            )
        },
    )
    return folder


def test_diff_of_folders_reports_removed_added_and_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standard_folder(tmp_path / "old")
    changed_folder(tmp_path / "new")
    code, out, err = run(capsys, "diff", "old/baselines", "new/baselines", "--rootdir", str(tmp_path))
    assert (code, err) == (0, "")
    assert f"removed (only in A):\n  - tests/test_models.py::test_resnet[batch1] 'sync' [{ENV}]" in out
    assert f"added (only in B):\n  + tests/test_models.py::test_new 'sync' [{ENV}]" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["latency", "median", "5.412", "ms", "->", "6.873", "ms", "(+27.0%,", "worse)"] in lines
    assert ["throughput", "182.3", "inf/s", "->", "150.0", "inf/s", "(-17.7%,", "worse)"] in lines
    assert ["throughput", "182.3", "inf/s", "->", "200.0", "inf/s", "(+9.7%,", "better)"] in lines
    assert ["latency", "median", "7.900", "ms", "->", "7.950", "ms", "(+0.6%,", "worse)"] in lines
    assert ["openvino", OPENVINO, "->", "2026.5.0-1"] in lines
    assert ["property", "NUM_STREAMS:", "1", "->", "4"] in lines
    assert out.splitlines()[-1] == "1 removed, 1 added, 3 changed, 0 unchanged"


def test_diff_threshold_hides_small_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard_folder(tmp_path / "old")
    changed_folder(tmp_path / "new")
    code, out, _ = run(
        capsys, "diff", "old/baselines", "new/baselines", "--threshold", "0.05", "--rootdir", str(tmp_path)
    )
    assert code == 0
    assert "7.950" not in out and ENV_ARM not in out
    assert "(+27.0%, worse)" in out
    assert (
        out.splitlines()[-1]
        == "1 removed, 1 added, 2 changed, 1 unchanged (metric changes under 5.0% hidden)"
    )


def test_diff_of_identical_folders_reports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standard_folder(tmp_path / "a")
    standard_folder(tmp_path / "b")
    code, out, _ = run(capsys, "diff", "a/baselines", "b/baselines", "--rootdir", str(tmp_path))
    assert code == 0
    assert "->" not in out and out.splitlines()[-1] == "0 removed, 0 added, 0 changed, 4 unchanged"


def layer(exec_type: str, status: str = "EXECUTED", node_type: str = "Convolution") -> dict[str, Any]:
    return {"type": node_type, "exec_type": exec_type, "status": status, "real_time_ms": 1.5}


def test_diff_aligns_labels_and_says_figures_are_raw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry_a, entry_b = make_entry(), make_entry()
    entry_a["metrics"]["compile_memory_mb"] = {"value": 27.07}
    entry_b["metrics"]["compile_memory_mb"] = {"value": 31.5}
    entry_a["metrics"]["cached_compile_ms"] = {"value": 12.0}
    entry_b["metrics"]["cached_compile_ms"] = {"value": 14.0}
    record(tmp_path / "a", "test_a.py", {("test_a", "sync", ENV): entry_a})
    record(tmp_path / "b", "test_a.py", {("test_a", "sync", ENV): entry_b})
    code, out, _ = run(capsys, "diff", "a", "b", "--rootdir", str(tmp_path))
    assert code == 0
    assert "Figures are raw" in out.splitlines()[2] and "not corrected" in out.splitlines()[2]
    memory = next(line for line in out.splitlines() if "compile peak memory" in line)
    cached = next(line for line in out.splitlines() if "compile time from cache" in line)
    assert "memory27" not in memory and "cache12" not in cached
    assert memory.split() == [
        "compile",
        "peak",
        "memory",
        "27.07",
        "MiB",
        "->",
        "31.50",
        "MiB",
        "(+16.4%,",
        "worse)",
    ]
    assert memory.index("27.07") == cached.index("12.00")  # one column for every value


def test_diff_shows_plan_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry_a, entry_b = make_entry(), make_entry()
    entry_a["layers"] = {"conv": layer("brgconv_avx2_f32"), "relu": layer("undef", "NOT_RUN", "Relu")}
    entry_b["layers"] = {"conv": layer("ref_any_f32"), "relu": layer("jit_avx2_f32", node_type="Relu")}
    record(tmp_path / "a", "test_a.py", {("test_a", "sync", ENV): entry_a})
    record(tmp_path / "b", "test_a.py", {("test_a", "sync", ENV): entry_b})
    code, out, _ = run(capsys, "diff", "a", "b", "--rootdir", str(tmp_path))
    assert code == 0
    plan = [line.split(None, 1)[1] for line in out.splitlines() if line.strip().startswith("plan ")]
    assert plan == [
        "conv (Convolution): brgconv_avx2_f32 -> ref_any_f32: fell back to a reference implementation",
        "relu (Relu): undef (NOT_RUN) -> jit_avx2_f32: no longer fused or optimized out, now runs on its own",
    ]
    assert out.splitlines()[-1] == "0 removed, 0 added, 1 changed, 0 unchanged"


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["diff", "a"], "required: B"),
        (["mv", "tests/test_a.py"], "'tests/test_a.py' is not a test's node id"),
        (["mv", "a.py::t", "test_b"], "'test_b' is not a test's node id"),
        (["diff", "git:", "b"], "'git:' names no git revision"),
        (["diff", "a", "b", "--threshold", "5%"], "'5%' is not a fraction >= 0"),
        (["diff", "a", "b", "--threshold", "-0.1"], "'-0.1' is not a fraction >= 0"),
        (["list", "--bogus"], "unrecognized arguments: --bogus"),
        ([], "required: COMMAND"),
    ],
)
def test_bad_arguments_are_usage_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], complaint: str
) -> None:
    err = usage_error(capsys, *args)
    assert "usage: ovbench" in err and complaint in err


def test_diff_with_missing_folder_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard_folder(tmp_path)
    code, out, err = run(capsys, "diff", "baselines", "gone", "--rootdir", str(tmp_path))
    assert code == 1 and out == ""
    assert f"baselines folder {tmp_path / 'gone'} does not exist" in err


# diff against git revisions


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args]
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=True, timeout=60)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository, rootdir in its subfolder ``proj``: HEAD~1 has standard_folder, HEAD the
    changed one; the working tree has one more change, not committed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    standard_folder(repo / "proj")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "record")
    changed_folder(repo / "proj")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "re-record")
    record(repo / "proj" / "baselines", "tests/test_models.py", {("test_new", "sync", ENV): None})
    return repo


def test_diff_revision_against_working_folder(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rootdir = str(repo / "proj")
    code, out, err = run(capsys, "diff", "git:HEAD~1", "baselines", "--rootdir", rootdir)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"A: {Path(rootdir) / 'baselines'} at git revision HEAD~1 (4 entries)"
    assert "(+27.0%, worse)" in out and "added (only in B)" not in out
    assert out.splitlines()[-1] == "1 removed, 0 added, 3 changed, 0 unchanged"


def test_diff_between_two_revisions(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", "git:HEAD~1", "git:HEAD", "--rootdir", str(repo / "proj"))
    assert code == 0
    assert "+ tests/test_models.py::test_new 'sync'" in out
    assert out.splitlines()[-1] == "1 removed, 1 added, 3 changed, 0 unchanged"
    code, out, _ = run(capsys, "diff", "git:HEAD", "git:HEAD", "--rootdir", str(repo / "proj"))
    assert out.splitlines()[-1] == "0 removed, 0 added, 0 changed, 4 unchanged"


def test_diff_unknown_revision_fails_naming_it(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "diff", "git:no-such-branch", "baselines", "--rootdir", str(repo / "proj"))
    assert code == 1
    assert "git does not know the revision 'no-such-branch'" in err and "git fetch" in err


def test_diff_revision_without_the_folder_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "diff", "git:HEAD", "other", "--dir", "missing", "--rootdir", str(repo / "proj")
    )
    assert code == 1
    assert "revision HEAD has no baselines folder 'proj/missing'" in err and "--dir" in err


def test_diff_corrupt_file_at_revision_names_revision_and_path(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = repo / "proj" / "baselines" / "tests" / "test_models.yaml"
    broken.write_text("version: 1\ntests:\n  test_x: !!python/object:os.system {}\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "break it")
    code, _, err = run(capsys, "diff", "git:HEAD~1", "git:HEAD", "--rootdir", str(repo / "proj"))
    assert code == 1
    assert "Unusable baseline file HEAD:proj/baselines/tests/test_models.yaml, line 3" in err
    assert "refused, not executed" in err


def test_diff_revision_outside_a_repository_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard_folder(tmp_path)
    code, _, err = run(capsys, "diff", "git:HEAD", "baselines", "--rootdir", str(tmp_path))
    assert code == 1 and "is not inside a git repository" in err


# prune: pure parts


def test_parse_collection_reads_node_ids_until_the_summary() -> None:
    stdout = (
        "tests/test_a.py::test_x\ntests/test_a.py::TestC::test_y[1 2]\n\n"
        "=== warnings summary ===\ntests/test_b.py::test_z\n  warning text\n1 test collected in 0.01s\n"
    )
    assert prune.parse_collection(stdout) == {
        "tests/test_a.py::test_x",
        "tests/test_a.py::TestC::test_y[1 2]",
    }


@pytest.mark.parametrize(
    ("returncode", "summary", "nodeids", "complaint"),
    [
        (2, "2 tests collected, 1 error in 0.3s", {"a.py::t"}, "exit code 2"),
        (0, "2 tests collected, 1 error in 0.3s", {"a.py::t"}, "reported errors"),
        (0, "1/2 tests collected (1 deselected) in 0.01s", {"a.py::t"}, "deselected"),
        (0, "tests/test_a.py: 2", set(), "no node ids could be read"),
        (0, "2 tests collected in 0.01s", {"a.py::t"}, None),
        (5, "no tests collected in 0.01s", set(), None),
    ],
)
def test_collection_problem(returncode: int, summary: str, nodeids: set[str], complaint: str | None) -> None:
    problem = prune.collection_problem(returncode, summary, nodeids)
    assert problem is None if complaint is None else complaint in str(problem)


def test_plan_prune_keeps_modules_not_collected_unless_deleted(tmp_path: Path) -> None:
    folder = tmp_path / "baselines"
    for module in ("tests/test_a.py", "tests/test_b.py", "tests/test_c.py", "tests/test_gone.py"):
        record(folder, module, {("test_1", "sync", ENV): make_entry(), ("test_2", "sync", ENV): make_entry()})
    (tmp_path / "tests").mkdir()
    for name in ("test_a.py", "test_b.py", "test_c.py"):
        (tmp_path / "tests" / name).write_text("", encoding="utf-8")
    collected = {"tests/test_a.py::test_1", "tests/test_c.py::test_1"}  # test_b.py not selected
    partial = {"tests/test_c.py"}  # selected as tests/test_c.py::test_1
    removals, kept = prune.plan_prune(load_folder(folder), folder, tmp_path, collected, partial)
    assert [(r.nodeid, r.reason) for r in removals] == [
        ("tests/test_a.py::test_2", "test no longer collected"),
        ("tests/test_gone.py::test_1", "module tests/test_gone.py no longer exists"),
        ("tests/test_gone.py::test_2", "module tests/test_gone.py no longer exists"),
    ]
    assert kept == ["tests/test_b.yaml", "tests/test_c.yaml"]


def test_partly_selected_modules(tmp_path: Path) -> None:
    args = ["-x", "tests/test_a.py::test_1", "tests/test_b.py", "tests/../tests/test_c.py::K::t"]
    assert prune.partly_selected_modules(tmp_path, args) == {"tests/test_a.py", "tests/test_c.py"}


# prune: end to end, pytest collection in a subprocess


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny project: tests/test_a.py (test_kept, test_param[1]), tests/test_b.py (test_b), and
    baselines for those plus a removed test, a removed parameter and a deleted module."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # collection in ~0.5 s, no plugins needed
    (tmp_path / "tests").mkdir()
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "tests" / "test_a.py").write_text(
        "import pytest\n\ndef test_kept():\n    pass\n\n"
        "@pytest.mark.parametrize('n', [1])\ndef test_param(n):\n    pass\n",
        encoding="utf-8",
    )
    (tmp_path / "tests" / "test_b.py").write_text("def test_b():\n    pass\n", encoding="utf-8")
    folder = tmp_path / "baselines"
    a_entries = ("test_kept", "test_param[1]", "test_param[2]", "test_removed")
    record(folder, "tests/test_a.py", {(test, "sync", ENV): make_entry() for test in a_entries})
    record(folder, "tests/test_b.py", {("test_b", "sync", ENV): make_entry()})
    record(folder, "tests/test_deleted.py", {("test_x", "sync", ENV): make_entry()})
    return tmp_path


def test_prune_removes_entries_of_tests_that_are_gone(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = project / "baselines"
    code, out, err = run(capsys, "prune", "--dry-run", "--rootdir", str(project), "--class", ENV)
    assert (code, err) == (0, "")
    assert f"pruning the entries of the hardware classes given with --class only: {ENV!r}" in out
    assert f"would remove tests/test_a.py::test_param[2] 'sync' [{ENV}]  (test no longer collected)" in out
    assert f"would remove 3 entries of class {ENV!r}" in out
    assert out.splitlines()[-1] == "3 of 6 entries would be removed (dry run: no file changed)"
    assert len(load_folder(folder)) == 6
    code, out, _ = run(capsys, "prune", "--rootdir", str(project), "--all-classes")
    assert code == 0
    assert (
        "removed tests/test_deleted.py::test_x 'sync'" in out
        and "(module tests/test_deleted.py no longer exists)" in out
    )
    assert set(load_entries(folder / "tests" / "test_a.yaml")) == {"test_kept", "test_param[1]"}
    assert not (folder / "tests" / "test_deleted.yaml").exists()
    assert out.splitlines()[-1] == "3 of 6 entries removed"


def test_prune_keeps_modules_not_selected(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "prune", "--rootdir", str(project), "--all-classes", "--", "tests/test_b.py")
    assert code == 0
    assert "kept tests/test_a.yaml: its module tests/test_a.py was not collected" in out
    assert "test_param[2]" not in out and "test_deleted.py::test_x" in out
    assert len(load_entries(project / "baselines" / "tests" / "test_a.yaml")) == 4


def test_prune_refuses_when_collection_fails(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "tests" / "test_broken.py").write_text("import no_such_module\n", encoding="utf-8")
    before = (project / "baselines" / "tests" / "test_a.yaml").read_text(encoding="utf-8")
    code, out, err = run(capsys, "prune", "--rootdir", str(project))
    assert code == 1 and out == ""
    assert "pytest collection failed (exit code 2)" in err and "nothing pruned" in err
    assert "no_such_module" in err
    assert (project / "baselines" / "tests" / "test_a.yaml").read_text(encoding="utf-8") == before
    assert (project / "baselines" / "tests" / "test_deleted.yaml").exists()


def test_prune_refuses_deselection(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "prune", "--rootdir", str(project), "--", "-k", "kept")
    assert code == 1 and "deselected" in err
    assert len(load_folder(project / "baselines")) == 6


# prune: test ids that depend on the machine

GPU_ENV = "GPU | Intel(R) Arc(TM) A770 Graphics | f16"


def this_machines_cpu_class() -> str:
    import openvino

    from pytest_ovbench.runtime.environment import environment_key

    return environment_key(openvino.Core(), "CPU")


def test_prune_removes_only_this_machines_classes_unless_told(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    here, folder = this_machines_cpu_class(), project / "baselines"
    (project / "tests" / "test_dev.py").write_text(
        "import pytest\n\nFOUND = ['CPU']  # the devices this runner has\n\n"
        "@pytest.mark.parametrize('device', FOUND)\ndef test_dev(device):\n    pass\n",
        encoding="utf-8",
    )
    record(
        folder,
        "tests/test_dev.py",
        {
            ("test_dev[CPU]", "sync", here): make_entry(),
            ("test_dev[GPU]", "sync", GPU_ENV): make_entry(),  # the GPU runner's: its test exists there
            ("test_dev_gone", "sync", here): make_entry(),
            ("test_dev_gone", "sync", ENV): make_entry(),  # another CPU runner's, stale there too
        },
    )
    code, out, err = run(capsys, "prune", "--dry-run", "--rootdir", str(project))
    assert (code, err) == (0, "")
    assert f"pruning the entries of this machine's hardware classes only: {here!r} (another runner" in out
    assert f"would remove tests/test_dev.py::test_dev_gone 'sync' [{here}]" in out
    assert f"would remove 1 entry of class {here!r}" in out
    assert f"kept 1 entry of class {GPU_ENV!r} whose tests were not collected here" in out
    assert f"kept 4 entries of class {ENV!r}" in out  # test_dev_gone, and the project's three
    assert "test_dev[GPU]" not in out and out.splitlines()[-1].startswith("1 of 10 entries would be removed")
    run(capsys, "prune", "--rootdir", str(project))
    entries = load_entries(folder / "tests" / "test_dev.yaml")
    assert set(entries) == {"test_dev[CPU]", "test_dev[GPU]", "test_dev_gone"}
    assert set(entries["test_dev_gone"]["sync"]) == {ENV}
    code, out, _ = run(capsys, "prune", "--rootdir", str(project), "--all-classes")
    assert code == 0 and "pruning the entries of every hardware class (--all-classes)" in out
    assert set(load_entries(folder / "tests" / "test_dev.yaml")) == {"test_dev[CPU]"}


def test_prune_class_options_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    assert "not allowed with argument" in usage_error(capsys, "prune", "--all-classes", "--class", ENV)


def test_prune_without_openvino_names_the_way_out(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prune, "_CLASSES_SCRIPT", "raise ImportError('No module named openvino')")
    code, out, err = run(capsys, "prune", "--rootdir", str(project))
    assert code == 1 and out == ""
    assert "cannot tell this machine's hardware classes" in err and "No module named openvino" in err
    assert "nothing pruned" in err and "--class KEY" in err and "--all-classes" in err
    assert len(load_folder(project / "baselines")) == 6


# mv


def test_mv_renames_a_test_in_its_file_with_every_measurement_and_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = standard_folder(tmp_path)
    record(folder, "tests/test_models.py", {("test_net_latency", "async", ENV): make_entry(mode="async")})
    before = load_folder(folder)
    code, out, err = run(
        capsys,
        "mv",
        "tests/test_models.py::test_net_latency",
        "tests/test_models.py::test_net",
        "--rootdir",
        str(tmp_path),
    )
    assert (code, err) == (0, "")
    assert (
        out.splitlines()[0]
        == "moved 3 entries of tests/test_models.py::test_net_latency to tests/test_models.py::test_net"
    )
    after = load_folder(folder)
    assert {ref.test for ref in after} == {"test_net", "test_resnet[batch1]", "test_throughput"}
    moved = {(ref.measurement, ref.env): entry for ref, entry in after.items() if ref.test == "test_net"}
    assert moved == {
        (ref.measurement, ref.env): entry for ref, entry in before.items() if ref.test == "test_net_latency"
    }
    assert len(moved) == 3 and not list(folder.rglob(".*.lock"))


def test_mv_carries_entries_to_another_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = standard_folder(tmp_path)
    code, _, _ = run(
        capsys,
        "mv",
        "tests/test_async.py::test_throughput",
        "tests/perf/test_new.py::TestA::test_tp[1]",
        "--rootdir",
        str(tmp_path),
    )
    assert code == 0
    assert not (folder / "tests" / "test_async.yaml").exists()  # its only test moved out
    moved = load_entries(folder / "tests" / "perf" / "test_new.yaml")
    assert list(moved) == ["TestA::test_tp[1]"] and list(moved["TestA::test_tp[1]"]["async"]) == [ENV]
    assert len(load_folder(folder)) == 4


def test_mv_refuses_when_new_has_entries_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = standard_folder(tmp_path)
    text = (folder / "tests" / "test_models.yaml").read_text()
    args = ("mv", "tests/test_models.py::test_resnet[batch1]", "tests/test_models.py::test_net_latency")
    code, out, err = run(capsys, *args, "--rootdir", str(tmp_path))
    assert code == 1 and out == ""
    assert "tests/test_models.py::test_net_latency already has 2 entries" in err and "--force" in err
    assert (folder / "tests" / "test_models.yaml").read_text() == text  # nothing changed
    code, out, _ = run(capsys, *args, "--force", "--rootdir", str(tmp_path))
    assert code == 0
    entries = load_entries(folder / "tests" / "test_models.yaml")
    assert list(entries) == ["test_net_latency"]  # replaced by the one entry of test_resnet[batch1]
    assert entries["test_net_latency"]["sync"][ENV]["metrics"]["median"]["value"] == 12.31
    assert list(entries["test_net_latency"]["sync"]) == [ENV]


def test_mv_refuses_when_old_has_no_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = standard_folder(tmp_path)
    code, _, err = run(
        capsys,
        "mv",
        "tests/test_models.py::test_net_latncy",
        "tests/test_models.py::x",
        "--rootdir",
        str(tmp_path),
    )
    assert (
        code == 1
        and "test_net_latncy has no entries in" in err
        and "Did you mean: tests/test_models.py::test_net_latency" in err
    )
    code, _, err = run(
        capsys, "mv", "tests/test_gone.py::test_a", "tests/test_b.py::test_a", "--rootdir", str(tmp_path)
    )
    assert code == 1 and "no baseline file" in err and "test_gone.yaml" in err
    assert not (folder / "tests" / "test_b.yaml").exists()
    code, _, err = run(capsys, "mv", "../x.py::t", "tests/test_b.py::t", "--rootdir", str(tmp_path))
    assert code == 1 and "must be relative and stay inside" in err


def test_mv_waits_for_the_baseline_file_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = standard_folder(tmp_path)
    path = folder / "tests" / "test_models.yaml"
    text = path.read_text()
    monkeypatch.setattr(locking, "LOCK_TIMEOUT_S", 0.3)
    with locking.exclusive_lock(path):  # another writer of the file, mid-update
        code, _, err = run(
            capsys,
            "mv",
            "tests/test_models.py::test_net_latency",
            "tests/test_models.py::t",
            "--rootdir",
            str(tmp_path),
        )
    assert code == 1 and "waited 0.3 s for the lock file" in err
    assert path.read_text() == text


# python -m


def test_python_m_runs_the_tool() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest_ovbench", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: ovbench")
    for command in ("list", "show", "diff", "mv", "prune"):
        assert f"    {command} " in done.stdout
