"""Hostile inputs: files where a model, an ``inputs=`` file or a reference model is expected (each
refused with one line naming the file, before it is read whole, nothing in it run), and hostile
circumstances for the pytest glue (xdist group suffixes, an empty option, a module outside the
rootdir, a rerun). ``ovbench prune`` with machine-dependent test ids is tested in test_cli.py.

The small ones live in ``tests/hostile/`` (``input_*``); how they were made:

* ``input_pickle.npy``: a protocol-0 pickle (no .npy header) that, unpickled, creates the file
  named by $OVBENCH_PICKLE_CANARY (``builtins.exec``); ``input_pickle_member.npz``: a zip whose
  member ``x.npy`` holds those bytes (``np.load`` hands such a member back as raw bytes).
* ``input_object_array.npy``: a valid .npy header declaring an object array (``|O``, shape (1,))
  followed by that pickle; ``input_object_member.npz``: the same as member ``x.npy``.
* ``input_truncated_huge.npy``: a header declaring 10**10 float32 values (40 GB), then 16 bytes.
* ``input_bomb_header.png``: a 69-byte PNG whose header says 100000 x 100000 pixels.

The big ones (a real PNG decompression bomb, a 200 MB sparse .npy) are made in tmp_path.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import threading
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import openvino  # noqa: F401  (imported before pytester's in-process runs snapshot sys.modules)
import pytest
import yaml
from tiny_models import save_tiny

from pytest_ovbench.errors import ModelError
from pytest_ovbench.inputs.files import InputFileError, PortInfo, load_input_sets
from pytest_ovbench.runtime.models import read_model
from pytest_ovbench.runtime.reference import files_at_revision

HOSTILE = Path(__file__).resolve().parent / "hostile"
MB = 1 << 20


def port(name: str = "x", shape: tuple[int | None, ...] = (1, 3), dtype: Any = np.float32) -> PortInfo:
    return PortInfo(name, shape, np.dtype(dtype))


def refusal(spec: Any, ports: list[PortInfo], root: Path) -> str:
    """The InputFileError message for ``spec``: one line that names the file."""
    with pytest.raises(InputFileError) as info:
        load_input_sets(spec, ports, root)
    message = str(info.value)
    assert "\n" not in message
    return message


@contextmanager
def peak_python_memory(limit_bytes: int) -> Iterator[None]:
    """Fail if Python-tracked allocations (numpy's included) peak above ``limit_bytes``."""
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < limit_bytes, f"peak {peak / MB:.1f} MB"


@pytest.fixture
def canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The file the hostile pickles create if they are ever unpickled: it must never appear."""
    path = tmp_path / "pickle-ran"
    monkeypatch.setenv("OVBENCH_PICKLE_CANARY", str(path))
    yield path
    assert not path.exists(), "a hostile pickle was unpickled"


# -- pickles and object arrays (item 11) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "spec", "phrase"),
    [
        ("input_pickle.npy", "input_pickle.npy", "does not start with numpy's .npy header"),
        ("input_pickle_member.npz", "input_pickle_member.npz", "does not start with numpy's .npy header"),
        ("input_object_array.npy", "input_object_array.npy", "object arrays are refused"),
        ("input_object_member.npz", "input_object_member.npz", "object arrays are refused"),
    ],
)
def test_pickled_data_is_refused_never_unpickled(name: str, spec: str, phrase: str, canary: Path) -> None:
    message = refusal(spec, [port()], HOSTILE)
    assert name in message and phrase in message and "input 'x'" in message


def test_pickle_member_of_an_npz_for_several_inputs_is_refused(canary: Path) -> None:
    message = refusal("input_object_member.npz", [port("x"), port("y")], HOSTILE)
    assert "input_object_member.npz['x']" in message and "object arrays are refused" in message


# -- .npy headers read before data (item 15) ---------------------------------------------------------


def sparse_npy(path: Path, shape: tuple[int, ...], dtype: str = "<f4") -> Path:
    """A .npy file of ``shape`` whose data is a hole: big on paper, nothing written."""
    with path.open("wb") as handle:
        np.lib.format.write_array_header_1_0(handle, {"descr": dtype, "fortran_order": False, "shape": shape})
        handle.truncate(handle.tell() + int(np.prod(shape)) * np.dtype(dtype).itemsize)
    return path


def test_huge_npy_of_the_wrong_shape_is_refused_unread(tmp_path: Path) -> None:
    sparse_npy(tmp_path / "huge.npy", (50_000_000,))  # 200 MB
    with peak_python_memory(8 * MB):
        message = refusal("huge.npy", [port(shape=(1, 3))], tmp_path)
    assert "huge.npy has shape [50000000] (f32)" in message and "expects shape [1,3]" in message


def test_header_declaring_more_data_than_the_file_holds_is_refused(tmp_path: Path) -> None:
    with peak_python_memory(8 * MB):
        message = refusal("input_truncated_huge.npy", [port(shape=(None,))], HOSTILE)
    assert "input_truncated_huge.npy is cut short" in message and "40000000000 bytes" in message


def test_npz_member_declaring_more_data_than_it_holds_is_refused(tmp_path: Path) -> None:
    header = tmp_path / "header.npy"
    sparse_npy(header, (10**9,))
    with zipfile.ZipFile(tmp_path / "short.npz", "w") as archive:
        archive.writestr("x.npy", header.read_bytes()[:128] + bytes(64))
    with peak_python_memory(8 * MB):
        message = refusal("short.npz", [port(shape=(None,))], tmp_path)
    assert "short.npz['x'] is cut short" in message


def test_npy_of_a_type_no_input_takes_is_refused_unread(tmp_path: Path) -> None:
    sparse_npy(tmp_path / "words.npy", (1, 3), "<U8")
    message = refusal("words.npy", [port()], tmp_path)
    assert "words.npy holds" in message and "does not convert" in message


def test_well_formed_npy_and_npz_still_load(tmp_path: Path) -> None:
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.save(tmp_path / "a.npy", np.asfortranarray(data))
    np.savez_compressed(tmp_path / "b.npz", x=data)
    for name in ("a.npy", "b.npz"):
        (tensors,) = load_input_sets(name, [port(shape=(2, 3))], tmp_path)
        np.testing.assert_array_equal(tensors["x"], data)


# -- images (item 11) --------------------------------------------------------------------------------


def png_bomb(path: Path, side: int) -> Path:
    """A real 1-bit grayscale PNG of side x side black pixels, written a row at a time."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row = zlib.compressobj(9), bytes(1 + (side + 7) // 8)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )
    return path


@pytest.mark.parametrize("side", [10_000, 30_000])  # past the cap (Pillow warns); past 2x (Pillow errors)
def test_png_decompression_bomb_is_refused_before_decoding(tmp_path: Path, side: int) -> None:
    pytest.importorskip("PIL")
    png_bomb(tmp_path / "bomb.png", side)
    assert (tmp_path / "bomb.png").stat().st_size < 200_000
    message = refusal("bomb.png", [port("img", (1, 3, 8, 8))], tmp_path)
    assert "input 'img': image bomb.png is refused" in message and "decompression bomb" in message


def test_png_header_claiming_huge_size_is_refused() -> None:
    pytest.importorskip("PIL")
    message = refusal("input_bomb_header.png", [port("img", (1, 3, 8, 8))], HOSTILE)
    assert "input_bomb_header.png" in message and "decompression bomb" in message


def test_pixel_cap_holds_when_pillow_is_told_not_to_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = pytest.importorskip("PIL.Image")
    monkeypatch.setattr(image, "MAX_IMAGE_PIXELS", None)
    png_bomb(tmp_path / "bomb.png", 10_000)
    message = refusal("bomb.png", [port("img", (1, 3, 8, 8))], tmp_path)
    assert "image bomb.png is 10000 x 10000 pixels" in message and "refused before decoding" in message


# -- special files as inputs and models (item 8) -------------------------------------------------------


def feed_fifo(fifo: Path, data: bytes, give_up_s: float = 5.0) -> None:
    """Write ``data`` into the FIFO once someone opens it for reading (never blocks for long)."""
    deadline = time.monotonic() + give_up_s
    while time.monotonic() < deadline:
        try:
            handle = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # no reader yet
            time.sleep(0.02)
            continue
        os.set_blocking(handle, True)
        try:
            os.write(handle, data)
        finally:
            os.close(handle)
        return


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_input_is_refused_unopened(tmp_path: Path) -> None:
    fifo = tmp_path / "input.npy"
    os.mkfifo(fifo)
    np.save(tmp_path / "real.npy", np.ones((1, 3), np.float32))
    feeder = threading.Thread(
        target=feed_fifo, args=(fifo, (tmp_path / "real.npy").read_bytes()), daemon=True
    )
    feeder.start()  # so that reading it, were it read, would succeed rather than hang
    message = refusal("input.npy", [port()], tmp_path)
    assert "input.npy is a FIFO (named pipe), not a regular file" in message


def test_symlink_to_dev_zero_as_input_is_refused(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    (tmp_path / "zeros.raw").symlink_to("/dev/zero")
    message = refusal("zeros.raw", [port()], tmp_path)
    assert "zeros.raw is a character device, not a regular file" in message


class RecordingCore:
    """Stands in for openvino.Core: records what it is asked to read, and refuses."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def read_model(self, path: str) -> Any:
        self.asked.append(path)
        raise AssertionError(f"OpenVINO was asked to read {path}")


def model_refusal(path: Path) -> str:
    core = RecordingCore()
    with pytest.raises(ModelError) as info:
        read_model(core, path)
    assert core.asked == []
    return str(info.value)


def test_dev_zero_as_a_model_is_refused_before_openvino_reads_it(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    assert "model file /dev/zero is a character device" in model_refusal(Path("/dev/zero"))
    (tmp_path / "model.onnx").symlink_to("/dev/zero")
    message = model_refusal(tmp_path / "model.onnx")
    assert f"{tmp_path / 'model.onnx'} (a symlink to /dev/zero) is a character device" in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_model_or_weights_are_refused_before_openvino_reads_them(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.xml")
    assert f"model file {tmp_path / 'pipe.xml'} is a FIFO" in model_refusal(tmp_path / "pipe.xml")
    xml = save_tiny(tmp_path, "model.xml")
    xml.with_suffix(".bin").unlink()
    os.mkfifo(xml.with_suffix(".bin"))
    message = model_refusal(xml)
    assert f"model weights file {xml.with_suffix('.bin')} is a FIFO (named pipe)" in message


# -- reference mode: files at a git revision (item 11) ----------------------------------------------------


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git checkout holding a tiny IR model at repo/model.xml (+ .bin), committed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    save_tiny(repo, "model.xml")
    git(repo, "init", "-q")
    git(repo, "add", "model.xml", "model.bin")
    git(repo, "commit", "-qm", "model")
    return repo


def test_weights_symlinked_outside_the_checkout_are_a_clear_error(checkout: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "weights.bin"
    outside.parent.mkdir()
    (checkout / "model.bin").rename(outside)
    (checkout / "model.bin").symlink_to(outside)
    git(checkout, "add", "model.bin")
    git(checkout, "commit", "-qm", "weights kept elsewhere")
    (tmp_path / "into").mkdir()
    with pytest.raises(ModelError) as info:
        files_at_revision(checkout / "model.xml", "HEAD", tmp_path / "into")
    message = str(info.value)
    assert f"model.bin is, at that revision, a symlink to {outside}" in message
    assert "outside the repository" in message and "--ov-reference-rev=HEAD" in message
    assert not (tmp_path / "into" / "model.bin").exists()


@pytest.mark.parametrize("target", ["../weights.bin", "../../../../../../../etc/passwd"])
def test_relative_symlink_leaving_the_checkout_is_a_clear_error(
    checkout: Path, tmp_path: Path, target: str
) -> None:
    (checkout / "model.bin").rename(tmp_path / "weights.bin")
    (checkout / "model.bin").symlink_to(target)  # the second one dangles here
    git(checkout, "add", "model.bin")
    git(checkout, "commit", "-qm", "hostile link")
    (tmp_path / "into").mkdir()
    with pytest.raises(ModelError, match=f"symlink to {re.escape(target)}, which points outside"):
        files_at_revision(checkout / "model.xml", "HEAD", tmp_path / "into")
    assert list((tmp_path / "into").iterdir()) == [tmp_path / "into" / "model.xml"]


def test_model_folder_outside_the_checkout_is_a_clear_error(checkout: Path, tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    save_tiny(tmp_path / "models", "model.xml")
    (checkout / "linked").symlink_to(tmp_path / "models")
    with pytest.raises(ModelError, match=r"models/model.xml is not inside a git checkout"):
        files_at_revision(checkout / "linked" / "model.xml", "HEAD", tmp_path)


def test_model_symlinked_into_another_checkout_is_read_as_this_one_stores_it(
    checkout: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    save_tiny(other, "model.xml")
    git(other, "init", "-q")
    (checkout / "current.xml").symlink_to(other / "model.xml")
    git(checkout, "add", "current.xml")
    git(checkout, "commit", "-qm", "link into another checkout")
    with pytest.raises(
        ModelError, match=r"current\.xml is, at that revision, a symlink to .*outside the repository"
    ):
        files_at_revision(checkout / "current.xml", "HEAD", tmp_path)


def test_symlink_inside_the_checkout_is_followed_at_the_revision(checkout: Path, tmp_path: Path) -> None:
    committed = (checkout / "model.bin").read_bytes()
    (checkout / "weights").mkdir()
    (checkout / "model.bin").rename(checkout / "weights" / "model.bin")
    (checkout / "model.bin").symlink_to("weights/model.bin")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-qm", "weights moved, linked")
    (tmp_path / "into").mkdir()
    fetched = files_at_revision(checkout / "model.xml", "HEAD", tmp_path / "into")
    assert fetched == tmp_path / "into" / "model.xml"
    assert (tmp_path / "into" / "model.bin").read_bytes() == committed


# -- the pytest glue (items 4 and 16) ---------------------------------------------------------------------

FAST = ["-p", "no:cacheprovider", "--ov-niter=20"]


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester folder with a tiny IR model at model.xml and a measurement lock of its own."""
    save_tiny(pytester.path, "model.xml")
    pytester.makeini(f"[pytest]\nov_measure_lock = {pytester.path / 'measure.lock'}\n")
    return pytester


@pytest.mark.parametrize(
    ("nodeid", "plain"),
    [
        ("tests/test_a.py::test_b@gpu_ovbench", "tests/test_a.py::test_b"),
        ("tests/test_a.py::TestC::test_d@ovbench", "tests/test_a.py::TestC::test_d"),
        ("tests/test_a.py::test_e[x@y]@gpu", "tests/test_a.py::test_e[x@y]"),
        ("tests/test_a.py::test_e[x]@y]", "tests/test_a.py::test_e[x]@y]"),  # a parameter id, no group
        ("tests/at@home/test_a.py::test_f", "tests/at@home/test_a.py::test_f"),
        ("::test_far@ovbench", "::test_far"),
        ("README.md", "README.md"),
    ],
)
def test_plain_nodeid_strips_only_the_group_suffix(nodeid: str, plain: str) -> None:
    from pytest_ovbench.plugin.xdist import plain_nodeid

    assert plain_nodeid(nodeid) == plain


GROUPED = """
import pytest

@pytest.mark.xdist_group("gpu")
@pytest.mark.ovbench(model="model.xml", niter=20)
@pytest.mark.parametrize("who", ["a@b"])
def test_grouped(infer_sync, who):
    infer_sync()
"""


def test_xdist_group_suffix_never_reaches_baseline_keys(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_perf=GROUPED)
    lock = suite.path / "measure.lock"
    suite.makeini(f"[pytest]\nov_measure_lock = {lock}\nov_baseline_runs = 1\nov_confirmations = 0\n")
    xdist = [*FAST, "-n", "2", "--dist", "loadgroup", "--ov-json=out.json", "--ov-no-yardstick"]
    suite.runpytest_subprocess(*xdist, "--ov-update-baselines").assert_outcomes(passed=1)
    stored = yaml.safe_load((suite.path / "baselines" / "test_perf.yaml").read_text())
    assert list(stored["tests"]) == ["test_grouped[a@b]"]  # not test_grouped[a@b]@gpu_ovbench
    result = suite.runpytest_subprocess(*xdist, "--ov-tolerance=5", "--ov-max-time=1")
    result.assert_outcomes(passed=1)
    assert "no baseline" not in result.stdout.str()
    (record,) = yaml.safe_load((suite.path / "out.json").read_text())["measurements"]
    assert record["nodeid"] == "test_perf.py::test_grouped[a@b]"
    assert yaml.safe_load((suite.path / "baselines" / "test_perf.yaml").read_text()) == stored


@pytest.mark.parametrize("value", ["", "  "])
def test_empty_reference_rev_is_a_usage_error(suite: pytest.Pytester, value: str) -> None:
    result = suite.runpytest(*FAST, f"--ov-reference-rev={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*argument --ov-reference-rev: *names no git revision*"])


def test_module_outside_the_rootdir_is_named_with_the_fix(suite: pytest.Pytester) -> None:
    (suite.path / "proj").mkdir()
    (suite.path / "proj" / "pytest.ini").write_text("[pytest]\n")
    far = suite.path / "elsewhere" / "test_far.py"
    far.parent.mkdir()
    far.write_text(
        "import pytest\n\n"
        f"@pytest.mark.ovbench(model={str(suite.path / 'model.xml')!r}, niter=5)\n"
        "def test_far(infer_sync):\n    infer_sync()\n"
    )
    result = suite.runpytest(*FAST, "-c", "proj/pytest.ini", "--rootdir=proj", str(far))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*test module {far} is outside pytest's rootdir*--rootdir=*"])
    assert "names no file" not in result.stdout.str()


FLAKY = """
import pathlib
import pytest

@pytest.mark.ovbench(model="model.xml", niter=5)
def test_flaky(infer_sync):
    infer_sync()
    first = pathlib.Path("ran-once")
    if not first.exists():
        first.write_text("")
        raise AssertionError("the first attempt fails")
"""


def test_a_rerun_measures_afresh(suite: pytest.Pytester) -> None:
    pytest.importorskip("pytest_rerunfailures")
    suite.makepyfile(test_perf=FLAKY)
    result = suite.runpytest(*FAST, "--reruns=1")
    outcomes = result.parseoutcomes()
    assert (outcomes.get("passed"), outcomes.get("rerun"), outcomes.get("failed")) == (1, 1, None)
    assert "second measurement" not in result.stdout.str()
