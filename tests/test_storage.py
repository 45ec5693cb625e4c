"""Unit tests of the baseline YAML store (pytest_ovbench.baselines.store): no pytester, no OpenVINO."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from pytest_ovbench import atomic
from pytest_ovbench.baselines import locking
from pytest_ovbench.baselines import store as storage
from pytest_ovbench.baselines.locking import exclusive_lock, lock_file
from pytest_ovbench.baselines.store import (
    BaselineFileError,
    BaselineWriteError,
    Entries,
    dump_entries,
    load_entries,
    module_file,
    write_entries,
)

ENV = "CPU | Intel(R) Xeon(R) Platinum 8480+ | 2 cpus"
REPO_ROOT = Path(storage.__file__).resolve().parents[1]


def make_entry(median_ms: float = 12.31) -> dict[str, Any]:
    return {
        "recorded": "2026-11-20",
        "openvino": "2026.4.1-22982",
        "metrics": {"median": {"windows": [median_ms, 12.29, 12.4], "unit": "ms"}},
        "samples": 300,
        "warm": True,
        "note": None,
    }


def baseline_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baselines" / "tests" / "test_models.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def python_env() -> dict[str, str]:
    """Environment for a child Python that imports this checkout's pytest_ovbench."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), *sys.path])}


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", code, *args]
    return subprocess.run(command, env=python_env(), capture_output=True, text=True, timeout=60)


# Dumping


def test_dump_then_load_gives_back_the_same_entries(tmp_path: Path) -> None:
    entries: Entries = {
        "test_net_latency[CPU]": {"sync": {ENV: make_entry(), "GPU | Arc A770 | ü": make_entry()}},
        "test_other": {"async": {ENV: {"metrics": {}, "tags": ["a", "b"], "empty": []}}},
    }
    path = baseline_file(tmp_path, dump_entries(entries))

    assert load_entries(path) == entries


def test_dump_starts_with_header_and_version() -> None:
    lines = dump_entries({"test_a": {"sync": {ENV: make_entry()}}}).splitlines()

    assert lines[0].startswith("# pytest-ovbench baselines.")
    assert lines[1:3] == ["version: 1", "tests:"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12.3149, 12.31),
        (0.000123456, 0.0001235),
        (123456.7, 123500.0),
        (-2.71828, -2.718),
        (1.0, 1.0),
        (1.23456e20, 1.235e20),
    ],
)
def test_floats_are_rounded_to_four_significant_digits(value: float, expected: float) -> None:
    text = dump_entries({"test_a": {"sync": {ENV: {"median": value, "windows": [value]}}}})

    entry = yaml.safe_load(text)["tests"]["test_a"]["sync"][ENV]
    assert entry == {"median": expected, "windows": [expected]}


def test_integers_are_not_rounded() -> None:
    text = dump_entries({"test_a": {"sync": {ENV: {"samples": 123456789}}}})

    assert "samples: 123456789\n" in text


def test_dump_is_sorted_and_independent_of_insertion_order() -> None:
    forward: Entries = {"test_a": {"sync": {"env_a": {"x": 1, "y": 2}, "env_b": {}}}, "test_b": {}}
    backward: Entries = {"test_b": {}, "test_a": {"sync": {"env_b": {}, "env_a": {"y": 2, "x": 1}}}}

    text = dump_entries(forward)

    assert text == dump_entries(backward)
    assert text == dump_entries(forward)
    positions = [text.index(key) for key in ("test_a:", "env_a:", "x: 1", "y: 2", "env_b:", "test_b:")]
    assert positions == sorted(positions)


def test_lists_of_numbers_are_written_on_one_line() -> None:
    text = dump_entries({"test_a": {"sync": {ENV: make_entry()}}})

    assert "windows: [12.31, 12.29, 12.4]\n" in text


def test_no_anchors_or_aliases_even_for_a_shared_object(tmp_path: Path) -> None:
    shared = make_entry()
    entries: Entries = {"test_a": {"sync": {"env_a": shared, "env_b": shared}}}

    text = dump_entries(entries)

    assert "&" not in text
    assert "*" not in text
    assert load_entries(baseline_file(tmp_path, text)) == entries


def test_numpy_values_are_written_as_plain_numbers(tmp_path: Path) -> None:
    entry = {
        "median": np.float64(12.3149),
        "single": np.float32(0.5),
        "samples": np.int64(300),
        "warm": np.bool_(True),
        "windows": np.array([1.5, 2.25]),
        "name": np.str_("sync"),
    }

    text = dump_entries({"test_a": {"sync": {ENV: entry}}})

    assert "!!" not in text
    assert "numpy" not in text
    loaded = load_entries(baseline_file(tmp_path, text))["test_a"]["sync"][ENV]
    assert loaded == {
        "median": 12.31,
        "single": 0.5,
        "samples": 300,
        "warm": True,
        "windows": [1.5, 2.25],
        "name": "sync",
    }
    assert [type(loaded[key]) for key in ("median", "samples", "warm")] == [float, int, bool]


def test_dump_refuses_values_yaml_cannot_hold_as_plain_data() -> None:
    with pytest.raises(TypeError, match="cannot store a object"):
        dump_entries({"test_a": {"sync": {ENV: {"value": object()}}}})


def test_dump_refuses_a_wrong_shape() -> None:
    with pytest.raises(ValueError, match="tests -> test_a -> sync: expected a mapping"):
        dump_entries({"test_a": {"sync": [1, 2]}})  # type: ignore[dict-item]


def profile_entry(layer_count: int) -> dict[str, Any]:
    """An entry with a per-layer profile of ``layer_count`` nodes, as make_entry writes it."""
    layers: dict[str, Any] = {
        f"Convolution_{index}": {
            "type": "Convolution",
            "exec_type": "brgconv_avx2_f32",
            "status": "EXECUTED" if index % 3 else "NOT_RUN",
            "real_time_ms": 0.0123456 * (index + 1),
            "spread_ms": 0.00042,
        }
        for index in range(layer_count)
    }
    layers["a: [odd], {name} #1"] = {
        "type": "Reorder",
        "exec_type": "jit_uni_bf16",
        "status": "NOT_RUN",
        "real_time_ms": 1e-05,
        "spread_ms": 0.0,
        "unstable": ["status"],
    }
    entry = make_entry()
    entry["metrics"]["median"]["runs"] = [12.31, 12.29, 12.4, 12.35, 12.3]
    return {**entry, "layers": layers, "processes": 5}


def test_each_layer_is_one_line_and_the_text_reads_back_to_itself(tmp_path: Path) -> None:
    """997 of a trial's 1,252 lines were one detector's per-layer profile, five lines per layer."""
    entries: Entries = {"test_detector": {"sync": {ENV: profile_entry(200)}}}
    text = dump_entries(entries)

    layer_lines = [line for line in text.splitlines() if "exec_type:" in line]
    assert len(layer_lines) == 201 and len(text.splitlines()) < 230
    assert "        Convolution_1: {exec_type: brgconv_avx2_f32, real_time_ms: 0.02469, " in text
    assert "unstable: [status]}" in text
    loaded = load_entries(baseline_file(tmp_path, text))
    assert loaded["test_detector"]["sync"][ENV]["layers"]["a: [odd], {name} #1"]["unstable"] == ["status"]
    assert dump_entries(loaded) == text  # read and written back: the same bytes


def test_an_unchanged_entry_stays_byte_identical_when_its_file_is_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "baselines" / "test_models.yaml"
    write_entries(path, {("test_a", "sync", ENV): profile_entry(20)})
    before = path.read_text()

    write_entries(path, {("test_b", "sync", ENV): make_entry(5.0)})

    after = path.read_text()
    assert after != before and after.startswith(before)  # test_a's lines first, exactly as they were


def test_an_older_file_with_layers_over_several_lines_is_still_read(tmp_path: Path) -> None:
    from pytest_ovbench.baselines.entry import stored_baseline, validate_entry

    older = (
        "version: 1\ntests:\n  test_a:\n    sync:\n      env:\n        layers:\n          conv:\n"
        "            exec_type: brgconv_avx2_f32\n            real_time_ms: 0.5\n"
        "            status: EXECUTED\n            type: Convolution\n        metrics:\n"
        "          median:\n            value: 5.0\n            windows: [5.0, 5.1, 4.9]\n"
    )
    entry = load_entries(baseline_file(tmp_path, older), validate_entry)["test_a"]["sync"]["env"]
    baseline = stored_baseline(entry)
    assert baseline.samples["median"].windows == (5.0, 5.1, 4.9)
    assert baseline.layers == {
        "conv": {
            "exec_type": "brgconv_avx2_f32",
            "real_time_ms": 0.5,
            "status": "EXECUTED",
            "type": "Convolution",
        }
    }


def test_a_new_entry_stores_runs_not_windows_and_input_paths_relative_to_the_rootdir(
    tmp_path: Path, tiny_result_factory: Any
) -> None:
    from pytest_ovbench.baselines.entry import make_entry as entry_of

    runs = [tiny_result_factory(median) for median in (1.0, 1.1, 0.9)]
    outside = str(tmp_path.parent / "elsewhere" / "clip.npy")
    runs[0].settings = {
        "hint": "latency",
        "inputs": {"image": str(tmp_path / "data" / "cat.png"), "rate": 16000, "mask": outside},
    }
    entry = entry_of(runs, None, "test", tmp_path)
    assert entry["settings"]["inputs"] == {"image": "data/cat.png", "rate": 16000, "mask": outside}
    assert "windows" not in entry["metrics"]["median"] and len(entry["metrics"]["median"]["runs"]) == 3
    runs[0].settings = {"inputs": str(tmp_path / "images")}
    assert entry_of(runs, None, "test", tmp_path)["settings"]["inputs"] == "images"
    assert entry_of(runs, None, "test")["settings"]["inputs"] == str(tmp_path / "images")  # no rootdir


# Loading


def test_missing_empty_and_comment_only_files_give_no_entries(tmp_path: Path) -> None:
    assert load_entries(tmp_path / "absent.yaml") == {}
    assert load_entries(baseline_file(tmp_path, "")) == {}
    assert load_entries(baseline_file(tmp_path, "# nothing recorded yet\n")) == {}


@pytest.mark.parametrize(
    "tag_and_args",
    [
        "!!python/object/apply:builtins.open ['{marker}', 'w']",
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:builtins.open ['{marker}', 'w']",
    ],
)
def test_python_object_tags_are_refused_not_executed(tmp_path: Path, tag_and_args: str) -> None:
    marker = tmp_path / "executed"
    text = f"version: 1\ntests: {tag_and_args.format(marker=marker)}\n"
    path = baseline_file(tmp_path, text)

    with pytest.raises(BaselineFileError, match="refused, not executed") as caught:
        load_entries(path)
    with pytest.raises(BaselineFileError):
        write_entries(path, {("test_a", "sync", ENV): make_entry()})

    assert not marker.exists()
    assert caught.value.line == 2
    assert path.read_text(encoding="utf-8") == text


def test_malformed_yaml_error_names_file_and_line(tmp_path: Path) -> None:
    path = baseline_file(tmp_path, "version: 1\ntests:\n  test_a: x\n  bad: key: here\n")

    with pytest.raises(BaselineFileError) as caught:
        load_entries(path)

    assert caught.value.path == path
    assert caught.value.line == 4
    message = str(caught.value)
    assert f"{path}, line 4" in message
    assert "--ov-update-baselines" in message


def test_unclosed_bracket_error_names_where_it_started(tmp_path: Path) -> None:
    path = baseline_file(tmp_path, "version: 1\ntests:\n  test_a:\n    sync: [1, 2\n  b: {}\n")

    with pytest.raises(BaselineFileError, match=r"\(line 4\)"):
        load_entries(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "top level: expected a mapping with `version` and `tests`, got list"),
        ("just words\n", "top level: expected a mapping with `version` and `tests`, got string"),
        ("tests: {}\n", "top level: missing `version: 1`"),
        ("version: 2\ntests: {}\n", "version: 2 is not supported"),
        ("version: '1'\ntests: {}\n", "version: '1' is not supported"),
        ("version: 1\n", "top level: missing `tests`"),
        ("version: 1\ntests: {}\nextra: 1\n", "top level: unknown key 'extra'"),
        ("version: 1\ntests: []\n", "tests: expected a mapping of test ids, got list"),
        ("version: 1\ntests:\n  test_a: 3\n", "tests -> test_a: expected a mapping of measurement"),
        (
            "version: 1\ntests:\n  test_a:\n    sync: [1]\n",
            "tests -> test_a -> sync: expected a mapping of environment keys, got list",
        ),
        (
            "version: 1\ntests:\n  test_a:\n    sync:\n      env: 3\n",
            "tests -> test_a -> sync -> env: expected a mapping of entry fields, got int",
        ),
        ("version: 1\ntests:\n  3: {}\n", "tests: key 3 is int, not a string"),
        ("version: 1\ntests:\n  on: {}\n", "tests: key True is bool, not a string"),
        ("version: 1\ntests:\n  ~: {}\n", "tests: key None is null, not a string"),
        (
            "version: 1\ntests:\n  t:\n    s:\n      e: {m: {1: 2}}\n",
            "tests -> t -> s -> e -> m: key 1 is int",
        ),
        (
            "version: 1\ntests:\n  t:\n    s:\n      e: {v: !!set {a, b}}\n",
            "tests -> t -> s -> e -> v: set values are not supported",
        ),
        ("version: 1\ntests:\n  a: &x {s: {e: {}}}\n  b: *x\n", "anchors and aliases"),
        ("version: 1\ntests: &x {a: {s: {e: {v: *x}}}}\n", "anchors and aliases"),
    ],
)
def test_wrong_structure_error_names_the_key_path(tmp_path: Path, text: str, expected: str) -> None:
    path = baseline_file(tmp_path, text)

    with pytest.raises(BaselineFileError) as caught:
        load_entries(path)

    assert expected in caught.value.reason
    assert str(path) in str(caught.value)


def merge_key_bomb(levels: int = 30) -> str:
    """A ~1 kB file whose merge keys (``<<``) double at each level: 2**30 keys if composed."""
    lines = ["version: 1", "a0: &a0 {x: 1}"]
    lines += [f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}], y{i}: 1}}" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_merge_key_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    path = baseline_file(tmp_path, merge_key_bomb())

    tracemalloc.start()
    try:
        with pytest.raises(BaselineFileError) as caught:
            load_entries(path)
        peak_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert "anchors and aliases" in caught.value.reason
    assert caught.value.line == 2
    assert peak_bytes < 5_000_000  # composed, it would need gigabytes


def test_deeply_nested_file_is_refused(tmp_path: Path) -> None:
    path = baseline_file(tmp_path, "- " * 5000 + "x\n")  # block style: fast to scan

    with pytest.raises(BaselineFileError):
        load_entries(path)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = baseline_file(tmp_path, "")
    path.write_bytes(b"version: 1\ntests: {\xe9: 1}\n")

    with pytest.raises(BaselineFileError, match="not UTF-8"):
        load_entries(path)


def test_validator_error_names_test_measurement_and_environment(tmp_path: Path) -> None:
    entries: Entries = {"test_a": {"sync": {"env_ok": make_entry(), "env_bad": {"metrics": 1}}}}
    path = baseline_file(tmp_path, dump_entries(entries))
    checked: list[dict[str, Any]] = []

    def validate(entry: dict[str, Any]) -> None:
        if not isinstance(entry["metrics"], dict):
            raise ValueError("`metrics` must be a mapping")

    with pytest.raises(BaselineFileError) as caught:
        load_entries(path, validate)

    assert "'test_a'" in caught.value.reason
    assert "'sync'" in caught.value.reason
    assert "'env_bad'" in caught.value.reason
    assert "`metrics` must be a mapping" in caught.value.reason
    assert load_entries(path, checked.append) == entries
    assert sorted(checked, key=len) == [{"metrics": 1}, make_entry()]


def test_errors_survive_pickling(tmp_path: Path) -> None:
    errors = [
        BaselineFileError(tmp_path / "a.yaml", 3, "broken"),
        BaselineWriteError(tmp_path, "Permission denied"),
    ]

    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)


# Writing


def test_write_creates_folders_and_leaves_no_lock_file_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "baselines" / "tests" / "sub" / "test_models.yaml"

    write_entries(path, {("test_a", "sync", ENV): make_entry()})

    assert load_entries(path) == {"test_a": {"sync": {ENV: make_entry()}}}
    assert os.listdir(path.parent) == ["test_models.yaml"]


def test_write_merges_without_losing_other_entries(tmp_path: Path) -> None:
    path = tmp_path / "test_models.yaml"
    write_entries(path, {("test_a", "sync", ENV): make_entry(1.0)})
    write_entries(path, {("test_b", "sync", ENV): make_entry(2.0)})
    write_entries(path, {("test_a", "async", ENV): make_entry(3.0), ("test_a", "sync", "gpu"): {}})
    write_entries(path, {("test_a", "sync", ENV): make_entry(4.0)})

    assert load_entries(path) == {
        "test_a": {"sync": {ENV: make_entry(4.0), "gpu": {}}, "async": {ENV: make_entry(3.0)}},
        "test_b": {"sync": {ENV: make_entry(2.0)}},
    }


def test_none_deletes_the_entry_and_parents_left_empty(tmp_path: Path) -> None:
    path = tmp_path / "test_models.yaml"
    write_entries(
        path,
        {
            ("test_a", "sync", "env_1"): make_entry(),
            ("test_a", "sync", "env_2"): make_entry(),
            ("test_b", "sync", "env_1"): make_entry(),
        },
    )

    write_entries(path, {("test_a", "sync", "env_1"): None, ("test_x", "sync", "absent"): None})
    assert load_entries(path) == {
        "test_a": {"sync": {"env_2": make_entry()}},
        "test_b": {"sync": {"env_1": make_entry()}},
    }

    write_entries(path, {("test_a", "sync", "env_2"): None})
    assert load_entries(path) == {"test_b": {"sync": {"env_1": make_entry()}}}

    write_entries(path, {("test_b", "sync", "env_1"): None})
    assert not path.exists()


def test_unchanged_file_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "test_models.yaml"
    write_entries(path, {("test_a", "sync", ENV): make_entry()})
    before = path.stat()

    write_entries(path, {("test_a", "sync", ENV): make_entry()})

    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_corrupt_file_is_not_overwritten(tmp_path: Path) -> None:
    text = "version: 1\ntests:\n  test_a: [unclosed\n"
    path = baseline_file(tmp_path, text)

    with pytest.raises(BaselineFileError):
        write_entries(path, {("test_b", "sync", ENV): make_entry()})

    assert path.read_text(encoding="utf-8") == text
    assert os.listdir(path.parent) == [path.name]


def test_bad_update_key_is_refused_before_touching_the_file(tmp_path: Path) -> None:
    path = tmp_path / "test_models.yaml"

    with pytest.raises(TypeError, match="3 strings"):
        write_entries(path, {("test_a", "sync"): make_entry()})  # type: ignore[dict-item]

    assert not path.exists()


def test_failed_replace_keeps_old_file_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "test_models.yaml"
    write_entries(path, {("test_a", "sync", ENV): make_entry()})
    old_text = path.read_text(encoding="utf-8")

    def fail_replace(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(BaselineWriteError, match="No space left on device"):
        write_entries(path, {("test_b", "sync", ENV): make_entry()})

    assert path.read_text(encoding="utf-8") == old_text
    assert os.listdir(tmp_path) == [path.name]


def test_undumpable_entry_keeps_old_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "test_models.yaml"
    write_entries(path, {("test_a", "sync", ENV): make_entry()})
    old_text = path.read_text(encoding="utf-8")

    with pytest.raises(TypeError):
        write_entries(path, {("test_b", "sync", ENV): {"value": {1, 2}}})

    assert path.read_text(encoding="utf-8") == old_text
    assert os.listdir(tmp_path) == [path.name]


KILLED_MID_WRITE = """
import os, sys
from pathlib import Path
from pytest_ovbench.baselines.store import write_entries

os.fsync = lambda fd: os._exit(3)  # die after writing the temp file, before the replace
write_entries(Path(sys.argv[1]), {("test_new", "sync", "env"): {"median": 1.0}})
"""


def test_run_killed_mid_write_leaves_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "test_models.yaml"
    write_entries(path, {("test_a", "sync", ENV): make_entry()})
    old_text = path.read_text(encoding="utf-8")

    result = run_python(KILLED_MID_WRITE, str(path))

    assert result.returncode == 3, result.stderr
    assert path.read_text(encoding="utf-8") == old_text
    leftovers = sorted(name for name in os.listdir(tmp_path) if name != path.name)
    assert len(leftovers) == 2  # its temp file, and the lock file it held
    assert leftovers[0] == lock_file(path).name
    assert leftovers[1].endswith(".tmp")
    write_entries(path, {("test_b", "sync", ENV): make_entry()})  # the lock was released
    assert set(load_entries(path)) == {"test_a", "test_b"}
    assert os.listdir(tmp_path) == [path.name]  # the dead writer's temp file is gone


def test_next_write_removes_temp_files_of_dead_writers_to_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, other = tmp_path / "test_models.yaml", tmp_path / "test_other.yaml"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(dead.stdout)  # exited and reaped: no such process now
    with monkeypatch.context() as patch:
        patch.setattr(os, "getpid", lambda: dead_pid)
        stale, other_stale = atomic.temporary_path(path), atomic.temporary_path(other)
    old_style = tmp_path / f".{path.name}.{dead_pid}-0123abcd.tmp"  # as earlier versions named them
    live = atomic.temporary_path(path)  # this process, alive: maybe mid-write
    for leftover in (stale, other_stale, old_style, live):
        leftover.write_text("half a file", encoding="utf-8")

    write_entries(path, {("test_a", "sync", ENV): make_entry()})

    assert sorted(os.listdir(tmp_path)) == sorted([path.name, other_stale.name, live.name])


def test_longest_file_names_get_baselines(tmp_path: Path) -> None:
    path = module_file(tmp_path, "tests/" + "t" * 250 + ".py")  # a 253-character module name
    assert len(path.name) == 255  # the most a file name may have

    write_entries(path, {("test_a", "sync", ENV): make_entry()})

    assert load_entries(path) == {"test_a": {"sync": {ENV: make_entry()}}}
    assert os.listdir(path.parent) == [path.name]
    assert len(atomic.temporary_path(path).name) < 100
    assert len(lock_file(path).name) < 100


CONCURRENT_WRITER = """
import sys, tempfile, time
from pathlib import Path
from pytest_ovbench.baselines.store import write_entries

path, ready, go, worker, rounds = sys.argv[1:]
assert tempfile.gettempdir().endswith(f"tmp{worker}")
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.001)
for number in range(int(rounds)):
    write_entries(Path(path), {(f"test_{worker}", "sync", f"round {number}"): {"n": number}})
"""


def test_concurrent_writers_with_different_tmpdirs_lose_no_entry(tmp_path: Path) -> None:
    # Like CI jobs or containers sharing a checkout, each with its own TMPDIR.
    path = tmp_path / "baselines" / "test_models.yaml"
    workers, rounds = 8, 4  # without the lock this loses entries on every try
    go = tmp_path / "go"
    for worker in range(workers):
        (tmp_path / f"tmp{worker}").mkdir()
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CONCURRENT_WRITER,
                str(path),
                str(tmp_path / f"ready{worker}"),
                str(go),
                str(worker),
                str(rounds),
            ],
            env={**python_env(), "TMPDIR": str(tmp_path / f"tmp{worker}")},
        )
        for worker in range(workers)
    ]
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("ready*"))) < workers and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # start all writers at once for the most contention

    assert [process.wait(timeout=60) for process in processes] == [0] * workers
    entries = load_entries(path)
    assert sorted(entries) == sorted(f"test_{worker}" for worker in range(workers))
    for worker in range(workers):
        assert len(entries[f"test_{worker}"]["sync"]) == rounds
        assert os.listdir(tmp_path / f"tmp{worker}") == []  # no lock file left in any TMPDIR
    assert os.listdir(path.parent) == [path.name]


# The lock


def test_lock_is_beside_the_file_and_leaves_nothing_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    path = tmp_path / "baselines" / "test_models.yaml"
    path.parent.mkdir()

    with exclusive_lock(path):
        assert os.listdir(path.parent) == [f".{path.name}.lock"]
        assert f"pid {os.getpid()} on " in lock_file(path).read_text(encoding="utf-8")
    write_entries(path, {("test_a", "sync", ENV): make_entry()})
    write_entries(path, {("test_b", "sync", ENV): make_entry()})

    assert os.listdir(path.parent) == [path.name]
    assert os.listdir(temporary) == []


HOLD_LOCK = """
import sys, time
from pathlib import Path
from pytest_ovbench.baselines.locking import exclusive_lock

with exclusive_lock(Path(sys.argv[1])):
    Path(sys.argv[2]).touch()
    time.sleep(120)
"""


def test_held_lock_times_out_naming_the_lock_file_and_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, held = tmp_path / "test_models.yaml", tmp_path / "held"
    command = [sys.executable, "-c", HOLD_LOCK, str(path), str(held)]
    holder = subprocess.Popen(command, env=python_env())
    try:
        deadline = time.monotonic() + 60
        while not held.exists() and holder.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert held.exists(), "the holder never took the lock"
        monkeypatch.setattr(locking, "LOCK_TIMEOUT_S", 0.2)

        with pytest.raises(BaselineWriteError) as caught:
            write_entries(path, {("test_a", "sync", ENV): make_entry()})
    finally:
        holder.kill()
        holder.wait()

    message = str(caught.value)
    assert caught.value.path == lock_file(path)
    assert f"waited 0.2 s for the lock file {lock_file(path)}" in message
    assert f"held by pid {holder.pid} on {socket.gethostname()}" in message
    assert "To fix:" in message
    assert not path.exists()
    write_entries(path, {("test_a", "sync", ENV): make_entry()})  # the holder died: free again
    assert sorted(os.listdir(tmp_path)) == sorted([path.name, "held"])


def test_lock_symlink_is_refused_and_not_followed(tmp_path: Path) -> None:
    path, target = tmp_path / "test_models.yaml", tmp_path / "victim"
    lock_file(path).symlink_to(target)

    with pytest.raises(BaselineWriteError) as caught:
        write_entries(path, {("test_a", "sync", ENV): make_entry()})

    assert caught.value.path == lock_file(path)
    assert "symbolic link" in caught.value.reason
    assert f"To fix: delete {lock_file(path)}" in str(caught.value)
    assert not target.exists() and not path.exists()


def test_unopenable_lock_file_names_the_permission_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "test_models.yaml"
    lock = lock_file(path)
    lock.write_text("pid 1 on elsewhere\n", encoding="utf-8")
    lock.chmod(0o600)
    real_open = os.open

    def open_as_another_user(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(file) == lock:  # what a 0600 file of another user gives (root reads anything)
            raise PermissionError(13, "Permission denied")
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_as_another_user)
    with pytest.raises(BaselineWriteError) as caught:
        write_entries(path, {("test_a", "sync", ENV): make_entry()})

    assert caught.value.path == lock
    assert "Permission denied" in caught.value.reason and "mode 0600" in caught.value.reason
    assert f"To fix: delete {lock} if no update is running" in str(caught.value)
    assert not path.exists()


def test_lock_in_an_unwritable_folder_names_the_folder_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "test_models.yaml"
    real_open = os.open

    def open_in_a_read_only_folder(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(file) == lock_file(path):  # what a non-root user gets in a 0500 folder
            if flags & os.O_CREAT:
                raise PermissionError(13, "Permission denied")
            raise FileNotFoundError(2, "No such file or directory")
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_in_a_read_only_folder)
    with pytest.raises(BaselineWriteError) as caught:
        write_entries(path, {("test_a", "sync", ENV): make_entry()})

    assert "cannot create the lock file: Permission denied" in caught.value.reason
    assert f"make the folder {tmp_path} writable" in caught.value.fix
    assert "ov_baselines_dir" in caught.value.fix


def test_uncreatable_folder_raises_write_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file where the folder should be\n", encoding="utf-8")
    path = blocker / "tests" / "test_models.yaml"

    with pytest.raises(BaselineWriteError) as caught:
        write_entries(path, {("test_a", "sync", ENV): make_entry()})

    assert caught.value.path == path.parent
    assert str(path.parent) in str(caught.value)
    assert "ov_baselines_dir" in str(caught.value)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_folder_raises_write_error(tmp_path: Path) -> None:
    folder = tmp_path / "baselines"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(BaselineWriteError, match="ov_baselines_dir"):
            write_entries(folder / "test_models.yaml", {("test_a", "sync", ENV): make_entry()})
    finally:
        folder.chmod(0o700)


# Module paths


@pytest.mark.parametrize(
    ("module_relpath", "expected"),
    [
        ("tests/test_models.py", "tests/test_models.yaml"),
        ("test_top.py", "test_top.yaml"),
        ("tests/./unit//test_x.py", "tests/unit/test_x.yaml"),
        ("docs/guide.rst", "docs/guide.rst.yaml"),
    ],
)
def test_module_file_maps_module_to_yaml(tmp_path: Path, module_relpath: str, expected: str) -> None:
    assert module_file(tmp_path, module_relpath) == tmp_path / expected


@pytest.mark.parametrize(
    "module_relpath",
    ["../x.py", "tests/../../x.py", "/etc/x.py", "C:/x.py", "..\\x.py", "", "."],
)
def test_module_file_refuses_paths_that_leave_the_folder(tmp_path: Path, module_relpath: str) -> None:
    with pytest.raises(ValueError):
        module_file(tmp_path, module_relpath)
