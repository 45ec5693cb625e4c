"""Hostile baseline files: each is refused with bounded memory, naming the file and the fix.

The small ones live in ``tests/hostile/`` (``baseline_*.yaml``), each opening with a comment
``# expect: <part of the reason> [@ line N]``; the large and special ones (over the size cap, a
FIFO, a symlink to /dev/zero, a 264 kB scalar alias bomb) are made here. No timings are asserted:
memory is measured with tracemalloc, and the files that could hang or fill memory without the
checks are read in a child process under a memory limit and a timeout.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pytest_ovbench.baselines.entry import validate_entry
from pytest_ovbench.baselines.store import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    BaselineFileError,
    BaselineWriteError,
    dump_entries,
    load_entries,
    parse_entries,
    write_entries,
)

HOSTILE = Path(__file__).resolve().parent / "hostile"
CORPUS = sorted(HOSTILE.glob("baseline_*.yaml"))
# Refused by the YAML checks, not only by the entry validator (which an update does not run).
FILE_LEVEL = [case for case in CORPUS if b"# expect: metrics ->" not in case.read_bytes()]
REPO_ROOT = HOSTILE.parents[1]
EXPECT = re.compile(rb"# expect: (.*?)(?: @ line (\d+))?\n")
EXECUTED = "ovbench-hostile-executed"  # what the corpus' Python tags would create if ever run
PEAK_BYTES = 5_000_000  # generous for files of at most ~20 kB; an expanded bomb needs gigabytes
ENV = "CPU | x"


def good_entry(median_ms: float = 5.41) -> dict[str, Any]:
    return {"recorded": "2026-11-23", "metrics": {"median": {"value": median_ms, "windows": [median_ms]}}}


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """``with peak_memory() as peak:``: afterwards ``peak[0]`` is the traced peak in bytes."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def refusal(load: Callable[[], object]) -> tuple[BaselineFileError, int]:
    """The BaselineFileError ``load()`` raises, and the peak memory it took."""
    with peak_memory() as peak, pytest.raises(BaselineFileError) as caught:
        load()
    return caught.value, peak[0]


def assert_clear(error: BaselineFileError, path: Path) -> None:
    """One line naming the file (and reason), then one line with the fix."""
    lines = str(error).splitlines()
    assert len(lines) == 2, str(error)
    assert lines[0].startswith(f"Unusable baseline file {path}")
    assert lines[1].startswith("To fix:")
    assert len(error.reason) <= 600


def baseline_file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "baselines" / "test_models.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


# The corpus


def test_corpus_files_are_small_and_say_what_they_expect() -> None:
    assert len(CORPUS) >= 40
    for case in CORPUS:
        assert case.stat().st_size <= 20_000, case.name
        assert EXPECT.match(case.read_bytes()), case.name


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_hostile_file_is_refused_with_bounded_memory(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where an executed tag would create EXECUTED
    expect = EXPECT.match(case.read_bytes())
    assert expect is not None

    error, peak_bytes = refusal(lambda: load_entries(case, validate_entry))

    assert_clear(error, case)
    assert expect.group(1).decode() in error.reason
    if expect.group(2):
        assert error.line == int(expect.group(2))
    assert peak_bytes < PEAK_BYTES
    assert not (tmp_path / EXECUTED).exists()


@pytest.mark.parametrize("case", FILE_LEVEL, ids=[case.name for case in FILE_LEVEL])
def test_hostile_file_is_left_whole_by_an_update(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    content = case.read_bytes()
    path = baseline_file(tmp_path, content)

    with pytest.raises(BaselineFileError):
        write_entries(path, {("test_new", "sync", ENV): good_entry()})

    assert path.read_bytes() == content
    assert os.listdir(path.parent) == [path.name]  # no lock or temp file left
    assert not (tmp_path / EXECUTED).exists()


# Aliases (scalar ones too) are refused before anything expands


def scalar_alias_bomb(size_bytes: int = 264_000) -> str:
    """One anchored 1 kB string and its aliases: ~264 kB that expand to ~100 MB when written."""
    lines = ["version: 1", f"big: &a {'x' * 1000}", "tests:", "  test_a:", "    sync:", f"      {ENV}:"]
    count = (size_bytes - 1100) // 20
    lines += [f"        n{index:06}: *a" for index in range(count)]
    return "\n".join(lines) + "\n"


def test_scalar_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    content = scalar_alias_bomb().encode()
    path = baseline_file(tmp_path, content)

    error, peak_bytes = refusal(lambda: load_entries(path))

    assert_clear(error, path)
    assert "anchors and aliases" in error.reason and error.line == 2
    assert peak_bytes < PEAK_BYTES  # written back in full, it would be ~100 MB
    with pytest.raises(BaselineFileError):
        write_entries(path, {("test_new", "sync", ENV): good_entry()})
    assert path.read_bytes() == content


# Size cap


@pytest.mark.parametrize("size", [MAX_FILE_BYTES + 1, 10 * 1024 * 1024])
def test_file_over_the_size_cap_is_refused_unread(tmp_path: Path, size: int) -> None:
    path = baseline_file(tmp_path, b"version: 1\ntests: {}\n")
    os.truncate(path, size)  # sparse: the rest reads as zero bytes

    error, peak_bytes = refusal(lambda: load_entries(path))

    assert_clear(error, path)
    assert f"{size:,} bytes" in error.reason and f"{MAX_FILE_BYTES:,} bytes" in error.reason
    assert peak_bytes < 100_000  # refused from its size, not read
    with pytest.raises(BaselineFileError, match="over the"):
        write_entries(path, {("test_new", "sync", ENV): good_entry()})
    assert path.stat().st_size == size


@pytest.mark.parametrize(
    "content", [b"#" * (MAX_FILE_BYTES + 1), "#" * (MAX_FILE_BYTES + 1)], ids=["bytes", "str"]
)
def test_content_over_the_size_cap_is_refused_from_git_too(content: str | bytes) -> None:
    source = Path("HEAD:baselines/test_models.yaml")

    error, peak_bytes = refusal(lambda: parse_entries(content, source))

    assert "over the" in error.reason and str(source) in str(error)
    assert peak_bytes < 3 * MAX_FILE_BYTES  # at most an encoded copy, never parsed


def test_update_that_would_pass_the_size_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "test_models.yaml"
    write_entries(path, {("test_a", "sync", ENV): good_entry()})
    before = path.read_bytes()

    with pytest.raises(BaselineWriteError) as caught:
        write_entries(path, {("test_b", "sync", ENV): {"note": "x" * MAX_FILE_BYTES}})

    assert "would be" in caught.value.reason and f"{MAX_FILE_BYTES:,} bytes" in caught.value.reason
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


# What the writer would not be able to read back is never written


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"k": value}
    return value


@pytest.mark.parametrize(
    "value",
    [float("inf"), float("nan"), 10**400, nested(MAX_DEPTH)],
    ids=["inf", "nan", "400-digit int", "too deep"],
)
def test_writer_refuses_what_the_reader_would_refuse(tmp_path: Path, value: Any) -> None:
    path = tmp_path / "test_models.yaml"
    write_entries(path, {("test_a", "sync", ENV): good_entry()})
    before = path.read_bytes()

    with pytest.raises(ValueError):
        write_entries(path, {("test_b", "sync", ENV): {"value": value}})

    assert path.read_bytes() == before


def test_nesting_up_to_the_limit_is_written_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "test_models.yaml"
    deepest = nested(MAX_DEPTH - 5)  # below document, tests, test, measurement and entry
    write_entries(path, {("test_a", "sync", ENV): {"deep": deepest}})

    assert load_entries(path) == {"test_a": {"sync": {ENV: {"deep": deepest}}}}
    with pytest.raises(ValueError, match="nested more than"):
        write_entries(path, {("test_a", "sync", ENV): {"deep": {"k": deepest}}})


# Figures out of range (the loading side of a 5.0e-324 median)


@pytest.mark.parametrize(
    ("field", "figures", "named"),
    [
        ("metrics", {"median": {"value": 5.0e-324}}, "metrics -> median: 'value'"),
        ("metrics", {"p90": {"value": 5.0, "windows": [5.0, 1.0e-12]}}, "metrics -> p90: 'windows'"),
        (
            "metrics",
            {"throughput": {"value": 180.0, "runs": [180.0, 1.0e13]}},
            "metrics -> throughput: 'runs'",
        ),
        ("metrics", {"compile_ms": {"value": 0}}, "metrics -> compile_ms: 'value'"),
        ("machine", {"yardstick": "y", "value": 5.0e-324}, "machine: 'value'"),
    ],
)
def test_figures_out_of_range_are_refused_naming_the_metric(
    tmp_path: Path, field: str, figures: dict[str, Any], named: str
) -> None:
    entry = {**good_entry(), field: figures}
    path = baseline_file(tmp_path, dump_entries({"test_a": {"sync": {ENV: entry}}}).encode())

    error, _ = refusal(lambda: load_entries(path, validate_entry))

    assert_clear(error, path)
    assert named in error.reason and "from 1e-09 to 1e+12" in error.reason
    validate_entry(good_entry(1e-9))
    validate_entry(good_entry(1e12))


# Special files: read in a child process, so a FIFO cannot hang this one nor /dev/zero fill it

READ_IN_CHILD = """
import json, resource, sys, tracemalloc
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from pytest_ovbench.baselines.store import BaselineFileError, load_entries

tracemalloc.start()
try:
    load_entries(Path(sys.argv[1]))
    outcome = {"refused": False}
except BaselineFileError as error:
    outcome = {"refused": True, "message": str(error), "reason": error.reason}
outcome["peak"] = tracemalloc.get_traced_memory()[1]
print(json.dumps(outcome))
"""


def child_env() -> dict[str, str]:
    path = os.pathsep.join([str(REPO_ROOT), *sys.path])
    return {**os.environ, "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": "1"}


def make_special(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    elif kind == "symlink loop":
        path.symlink_to(path.name)
    else:
        path.symlink_to(kind)


SPECIAL = {
    "fifo": "a FIFO",
    "/dev/zero": "a character device (a symbolic link to /dev/zero)",
    "/dev/null": "a character device",
    "directory": "a folder",
    "socket": "a socket",
    "symlink loop": "cannot read it",
}


@pytest.mark.skipif(sys.platform == "win32", reason="no FIFOs or /dev/zero")
@pytest.mark.parametrize("kind", list(SPECIAL))
def test_special_file_is_refused_without_reading_it(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"  # short: a socket path has ~100 bytes at most
    make_special(kind, path)

    done = subprocess.run(
        [sys.executable, "-c", READ_IN_CHILD, str(path)],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,  # a guard against a hang, not a measurement
    )

    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["refused"]
    assert outcome["message"].startswith(f"Unusable baseline file {path}: ")
    assert SPECIAL[kind] in outcome["reason"] and "\nTo fix:" in outcome["message"]
    assert outcome["peak"] < 100_000


@pytest.mark.skipif(sys.platform == "win32", reason="no FIFOs or /dev/zero")
@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_ovbench_list_refuses_a_special_file_naming_it(kind: str, tmp_path: Path) -> None:
    folder = tmp_path / "baselines" / "tests"
    folder.mkdir(parents=True)
    make_special(kind, folder / "test_x.yaml")

    done = subprocess.run(
        [sys.executable, "-m", "pytest_ovbench", "list", "--rootdir", str(tmp_path)],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,  # a guard against a hang, not a measurement
    )

    assert done.returncode == 1, done.stderr
    assert f"{folder / 'test_x.yaml'}: it is {SPECIAL[kind]}" in done.stderr
    assert "To fix:" in done.stderr
