"""Reference mode against model files at a git revision (--ov-reference-rev): Git LFS content,
ONNX external data, and models whose files are unchanged at the revision (issue #13, items 1, 3)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openvino as ov
import pytest
from tiny_models import save_heavy, save_tiny

from pytest_ovbench.errors import ModelError
from pytest_ovbench.judge.status import Status, worst
from pytest_ovbench.report.html_tables import verdict_class
from pytest_ovbench.runtime.onnx_data import external_data_files
from pytest_ovbench.runtime.reference import files_at_revision, lfs_pointer, unchanged_since

HAS_LFS = shutil.which("git") is not None and (
    subprocess.run(["git", "lfs", "version"], capture_output=True, check=False).returncode == 0
)
needs_lfs = pytest.mark.skipif(not HAS_LFS, reason="git-lfs is not installed (apt-get install git-lfs)")


# -- a tiny ONNX model written by hand (the onnx package is not a dependency) -----------------------------


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        low, number = number & 0x7F, number >> 7
        out.append(low | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _field(number: int, value: int | str | bytes) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _value_info(name: str, dims: tuple[int, ...]) -> bytes:
    shape = b"".join(_field(1, _field(1, d)) for d in dims)
    return _field(1, name) + _field(2, _field(1, _field(1, 1) + _field(2, shape)))  # float tensor


def save_onnx(
    folder: Path, weights: np.ndarray, location: str = "weights.bin", name: str = "model.onnx"
) -> Path:
    """y = x + w, with w (float32, 1x4) kept in the external data file ``location``."""
    entries = [("location", location), ("offset", "0"), ("length", str(weights.nbytes))]
    tensor = b"".join(_field(1, d) for d in weights.shape) + _field(2, 1) + _field(8, "w")
    tensor += b"".join(_field(13, _field(1, k) + _field(2, v)) for k, v in entries) + _field(14, 1)
    node = _field(1, "x") + _field(1, "w") + _field(2, "y") + _field(4, "Add")
    graph = _field(1, node) + _field(2, "g") + _field(5, tensor)
    graph += _field(11, _value_info("x", weights.shape)) + _field(12, _value_info("y", weights.shape))
    (folder / name).write_bytes(_field(1, 8) + _field(7, graph) + _field(8, _field(1, "") + _field(2, 13)))
    (folder / location).parent.mkdir(parents=True, exist_ok=True)
    (folder / location).write_bytes(weights.astype(np.float32).tobytes())
    return folder / name


def added(path: Path) -> np.ndarray:
    """What the ONNX model at ``path`` adds to its input (its weights, as OpenVINO reads them)."""
    compiled = ov.Core().compile_model(ov.Core().read_model(str(path)), "CPU")
    return np.asarray(compiled(np.zeros((1, 4), np.float32))[0])


WEIGHTS = np.arange(1, 5, dtype=np.float32).reshape(1, 4)


def into(tmp_path: Path, name: str = "into") -> Path:
    """An empty folder for the files at the revision (the plugin's own is a fresh temporary one)."""
    (tmp_path / name).mkdir()
    return tmp_path / name


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True
    )


def commit_all(repo: Path, message: str = "models") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q")
    return folder


@pytest.fixture
def lfs_repo(repo: Path) -> Path:
    """A checkout whose .onnx and .bin files are stored with Git LFS."""
    git(repo, "lfs", "install", "--local")
    git(repo, "lfs", "track", "*.onnx", "*.bin")
    return repo


# -- ONNX external data (fetched with the model, checked to stay beside it) -------------------------------


def test_onnx_external_data_files_are_read_from_the_model() -> None:
    data = _field(7, _field(5, _field(13, _field(1, "location") + _field(2, "data/w.bin"))))
    assert external_data_files(data) == ["data/w.bin"]
    assert external_data_files(_field(7, _field(5, _field(8, "w")))) == []
    with pytest.raises(ValueError):
        external_data_files(_field(7, _field(5, b"x"))[:-3])


def test_onnx_external_data_comes_along_at_the_revision(repo: Path, tmp_path: Path) -> None:
    save_onnx(repo, WEIGHTS, "data/w.bin")
    commit_all(repo)
    save_onnx(repo, WEIGHTS * 10, "data/w.bin")  # the change under review: other weights
    fetched = files_at_revision(repo / "model.onnx", "HEAD", into(tmp_path))
    assert fetched == tmp_path / "into" / "model.onnx"
    np.testing.assert_array_equal(added(fetched), WEIGHTS)  # the committed weights, not today's
    assert not unchanged_since(repo / "model.onnx", fetched)  # the .onnx is the same, its data not


def test_onnx_external_data_outside_the_model_folder_is_refused(repo: Path, tmp_path: Path) -> None:
    (repo / "models").mkdir()
    save_onnx(repo / "models", WEIGHTS, "../shared.bin")
    commit_all(repo)
    with pytest.raises(ModelError) as info:
        files_at_revision(repo / "models" / "model.onnx", "HEAD", into(tmp_path))
    message = str(info.value)
    assert "--ov-reference-rev=HEAD: models/model.onnx at that revision names its external data" in message
    assert "'../shared.bin', which is not a path inside the model's folder" in message
    assert not (tmp_path / "shared.bin").exists()


def test_onnx_external_data_missing_at_the_revision_is_named(repo: Path, tmp_path: Path) -> None:
    save_onnx(repo, WEIGHTS)
    git(repo, "add", "model.onnx")  # the data file left out of the commit
    git(repo, "commit", "-qm", "model only")
    with pytest.raises(ModelError, match=r"model\.onnx keeps its weights in weights\.bin \(ONNX external"):
        files_at_revision(repo / "model.onnx", "HEAD", into(tmp_path))


# -- Git LFS -----------------------------------------------------------------------------------------------


@needs_lfs
def test_lfs_files_at_the_revision_are_their_content(lfs_repo: Path, tmp_path: Path) -> None:
    save_onnx(lfs_repo, WEIGHTS)
    xml = save_tiny(lfs_repo, "ir.xml")
    commit_all(lfs_repo)
    committed_bin = xml.with_suffix(".bin").read_bytes()
    stored = subprocess.run(
        ["git", "cat-file", "blob", "HEAD:weights.bin"], cwd=lfs_repo, capture_output=True, check=True
    )
    assert lfs_pointer(stored.stdout) is not None  # git holds pointers: the test would mean nothing else
    save_onnx(lfs_repo, WEIGHTS * 10)
    save_heavy(lfs_repo, "ir.xml")
    onnx = files_at_revision(lfs_repo / "model.onnx", "HEAD", into(tmp_path, "onnx"))
    assert onnx is not None and lfs_pointer(onnx.read_bytes()) is None
    np.testing.assert_array_equal(added(onnx), WEIGHTS)
    ir = files_at_revision(xml, "HEAD", into(tmp_path, "ir"))
    assert ir is not None and ir.with_suffix(".bin").read_bytes() == committed_bin
    ov.Core().read_model(str(ir))  # OpenVINO reads it: no pointer text in the .bin


@needs_lfs
def test_lfs_object_missing_here_says_how_to_fetch_it(lfs_repo: Path, tmp_path: Path) -> None:
    save_onnx(lfs_repo, WEIGHTS)
    commit_all(lfs_repo)
    git(lfs_repo, "remote", "add", "origin", str(tmp_path / "nowhere"))
    shutil.rmtree(lfs_repo / ".git" / "lfs" / "objects")  # a checkout that never fetched them
    with pytest.raises(ModelError) as info:
        files_at_revision(lfs_repo / "model.onnx", "HEAD", into(tmp_path))
    message = str(info.value)
    assert "--ov-reference-rev=HEAD: model.onnx is stored with Git LFS" in message
    assert "is not in this checkout's LFS store" in message and "`git lfs fetch origin HEAD`" in message
    assert not any(lfs_pointer(f.read_bytes()) for f in (tmp_path / "into").iterdir())  # none handed on


def test_lfs_pointer_without_git_lfs_says_to_install_it(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_onnx(repo, WEIGHTS)
    oid = "0" * 64
    (repo / "weights.bin").write_text(
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 16\n"
    )
    commit_all(repo)  # plain git: the pointer is the blob, as a clone without git-lfs sees it
    only_git = tmp_path / "bin"
    only_git.mkdir()
    (only_git / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    monkeypatch.setenv("PATH", str(only_git))  # git-lfs is not found
    with pytest.raises(ModelError) as info:
        files_at_revision(repo / "model.onnx", "HEAD", into(tmp_path))
    message = str(info.value)
    assert "weights.bin is stored with Git LFS, and git-lfs cannot run here" in message
    assert "install git-lfs" in message and "git lfs fetch origin HEAD" in message


# -- unchanged at the revision: not measured twice ----------------------------------------------------------


def test_unchanged_counts_like_pass() -> None:
    assert worst([Status.UNCHANGED]) == Status.UNCHANGED
    assert worst([Status.PASS, Status.UNCHANGED]) == Status.PASS
    assert worst([Status.UNCHANGED, Status.INCONCLUSIVE]) == Status.INCONCLUSIVE
    assert verdict_class(Status.UNCHANGED) == verdict_class(Status.PASS)  # the HTML report's colour


def test_unchanged_since_compares_every_file_of_the_model(repo: Path, tmp_path: Path) -> None:
    xml = save_tiny(repo, "model.xml")
    commit_all(repo)
    fetched = files_at_revision(xml, "HEAD", into(tmp_path, "same"))
    assert fetched is not None and unchanged_since(xml, fetched)
    weights = bytearray(xml.with_suffix(".bin").read_bytes())
    weights[-1] ^= 1
    xml.with_suffix(".bin").write_bytes(bytes(weights))  # one bit of the weights, the .xml as it was
    assert not unchanged_since(xml, fetched)


SUITE_TEST = """
import pytest

@pytest.mark.ovbench(model="{model}", time=0.3)
def test_lat(infer_sync):
    infer_sync()
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(f"[pytest]\nov_measure_lock = {pytester.path / 'measure.lock'}\n")
    git(pytester.path, "init", "-q")
    return pytester


def test_model_unchanged_at_the_revision_is_not_measured_twice(suite: pytest.Pytester) -> None:
    save_tiny(suite.path, "model.xml")
    suite.makepyfile(test_perf=SUITE_TEST.format(model="model.xml"))
    commit_all(suite.path)
    out = ["--ov-json=out.json", "--ov-report=summary.md", "--ov-reference-rev=HEAD"]
    result = suite.runpytest("-p", "no:cacheprovider", *out)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["test_lat*sync*median*unchanged"])
    (record,) = json.loads((suite.path / "out.json").read_text())["measurements"]
    assert record["verdict"] == "unchanged" and record["comparisons"]
    assert {c["status"] for c in record["comparisons"]} == {"unchanged"}
    assert "reference_figures" not in record  # no reference measured
    assert record["source"] == "model.xml at HEAD: the same files, byte for byte"
    assert record["figures"]["median"] > 0  # the test's own figures, measured once
    assert "| unchanged |" in (suite.path / "summary.md").read_text()


@needs_lfs
def test_reference_rev_measures_against_the_lfs_content(suite: pytest.Pytester) -> None:
    git(suite.path, "lfs", "install", "--local")
    git(suite.path, "lfs", "track", "*.onnx", "*.bin")
    save_onnx(suite.path, WEIGHTS)
    suite.makepyfile(test_perf=SUITE_TEST.format(model="model.onnx"))
    commit_all(suite.path)
    save_onnx(suite.path, WEIGHTS * 10)  # the change under review
    options = ["--ov-json=out.json", "--ov-tolerance=5", "--ov-reference-rev=HEAD"]
    result = suite.runpytest("-p", "no:cacheprovider", *options)
    assert "cannot read model" not in result.stdout.str()  # the verdict itself is the machine's to say
    (record,) = json.loads((suite.path / "out.json").read_text())["measurements"]
    assert record["source"] == "model.onnx at HEAD" and record["reference_figures"]["median"] > 0
    assert record["verdict"] != "unchanged"
