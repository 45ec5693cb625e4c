"""``inputs=`` files and pinned values made into input sets (pytest_ovbench.inputs.files, no OpenVINO)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pytest_ovbench.errors import OvbenchError
from pytest_ovbench.inputs.files import InputFileError, PortInfo, load_input_sets


def port(
    name: str = "x",
    shape: tuple[int | None, ...] = (1, 3),
    dtype: Any = np.float32,
    layout: str | None = None,
) -> PortInfo:
    return PortInfo(name, shape, np.dtype(dtype), layout)


def error(spec: Any, ports: list[PortInfo], root: Path) -> str:
    with pytest.raises(InputFileError) as info:
        load_input_sets(spec, ports, root)
    return str(info.value)


def save(path: Path, array: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.asarray(array))
    return path


# -- arrays: .npy, .npz, raw ------------------------------------------------------------------------


def test_npy_file_fills_the_only_input(tmp_path: Path) -> None:
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    save(tmp_path / "a.npy", data)
    sets = load_input_sets("a.npy", [port(shape=(2, 3))], tmp_path)
    assert len(sets) == 1 and list(sets[0]) == ["x"]
    np.testing.assert_array_equal(sets[0]["x"], data)
    assert sets[0]["x"].dtype == np.float32


def test_relative_paths_are_taken_against_root_and_absolute_ones_as_they_are(tmp_path: Path) -> None:
    save(tmp_path / "sub" / "a.npy", np.ones((1, 3), np.float32))
    assert len(load_input_sets(Path("sub/a.npy"), [port()], tmp_path)) == 1
    assert len(load_input_sets(str(tmp_path / "sub" / "a.npy"), [port()], Path("/nonexistent"))) == 1


def test_folder_gives_its_supported_files_sorted_by_name(tmp_path: Path) -> None:
    for index, name in enumerate(["c.npy", "a.npy", "b.npy", ".hidden.npy"]):
        save(tmp_path / "data" / name, np.full((1, 3), index, np.float32))
    (tmp_path / "data" / "notes.txt").write_text("skipped")
    (tmp_path / "data" / "sub.npy").mkdir()  # a folder, even with a supported suffix, is skipped
    sets = load_input_sets("data", [port()], tmp_path)
    assert [int(s["x"][0, 0]) for s in sets] == [1, 2, 0]  # a, b, c; hidden file skipped


def test_npz_for_one_input_takes_its_only_array_whatever_the_key(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", anything=np.full((1, 3), 7, np.float32))
    assert load_input_sets("d.npz", [port()], tmp_path)[0]["x"][0, 2] == 7


def test_npz_for_one_input_takes_the_array_named_after_it(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", other=np.zeros((1, 3)), x=np.full((1, 3), 5.0))
    assert load_input_sets({"x": "d.npz"}, [port(), port("y")], tmp_path)[0]["x"][0, 0] == 5


def test_npz_files_fill_several_inputs_and_unnamed_inputs_get_no_entry(tmp_path: Path) -> None:
    (tmp_path / "f").mkdir()
    np.savez(tmp_path / "f" / "1.npz", a=np.full((1, 3), 1.0), b=np.full((2,), 3))
    np.savez(tmp_path / "f" / "2.npz", a=np.full((1, 3), 2.0))
    ports = [port("a"), port("b", (2,), np.int32), port("c")]
    sets = load_input_sets("f", ports, tmp_path)
    assert [sorted(s) for s in sets] == [["a", "b"], ["a", "b"]]
    assert [s["a"][0, 0] for s in sets] == [1.0, 2.0]
    assert sets[1]["b"] is sets[0]["b"] and sets[0]["b"].dtype == np.int32  # b cycles its one file


def test_raw_file_is_one_tensor_of_the_input_type(tmp_path: Path) -> None:
    data = np.arange(6, dtype=np.int16).reshape(2, 3)
    data.tofile(tmp_path / "a.bin")
    data.tofile(tmp_path / "a.raw")
    for name in ("a.bin", "a.raw"):
        array = load_input_sets(name, [port(shape=(2, 3), dtype=np.int16)], tmp_path)[0]["x"]
        np.testing.assert_array_equal(array, data)
        assert array.dtype == np.int16


def test_dynamic_dimension_takes_the_file_size(tmp_path: Path) -> None:
    save(tmp_path / "f" / "a.npy", np.zeros((1, 5), np.float32))
    save(tmp_path / "f" / "b.npy", np.zeros((1, 7), np.float32))
    sets = load_input_sets("f", [port(shape=(1, None))], tmp_path)
    assert [s["x"].shape for s in sets] == [(1, 5), (1, 7)]


def test_inputs_with_fewer_files_cycle(tmp_path: Path) -> None:
    for k in range(3):
        save(tmp_path / "a" / f"{k}.npy", np.full((1, 3), k, np.float32))
    for k in range(2):
        save(tmp_path / "b" / f"{k}.npy", np.full((1, 3), 10 + k, np.float32))
    sets = load_input_sets({"a": "a", "b": tmp_path / "b"}, [port("a"), port("b"), port("c")], tmp_path)
    assert [(s["a"][0, 0], s["b"][0, 0]) for s in sets] == [(0, 10), (1, 11), (2, 10)]
    assert all("c" not in s for s in sets)


def test_safe_conversions_happen(tmp_path: Path) -> None:
    save(tmp_path / "i64.npy", np.array([[0, 255, 7]], np.int64))
    save(tmp_path / "f64.npy", np.array([[0.5, 1.5, 2.5]]))
    assert load_input_sets("i64.npy", [port(dtype=np.uint8)], tmp_path)[0]["x"].dtype == np.uint8
    halves = load_input_sets("f64.npy", [port(dtype=np.float16)], tmp_path)[0]["x"]
    assert halves.dtype == np.float16 and halves.tolist() == [[0.5, 1.5, 2.5]]
    assert load_input_sets("i64.npy", [port(dtype=np.float32)], tmp_path)[0]["x"][0, 1] == 255.0


def test_empty_dict_gives_no_sets(tmp_path: Path) -> None:
    assert load_input_sets({}, [port()], tmp_path) == []


def test_port_info_takes_numpy_types_and_lists() -> None:
    info = PortInfo("x", [1, 3], np.float32)  # type: ignore[arg-type]
    assert info.dtype == np.dtype(np.float32) and info.shape == (1, 3)


# -- pinned values -----------------------------------------------------------------------------------


def test_pinned_scalar_is_full_of_it_and_in_every_set(tmp_path: Path) -> None:
    for k in range(2):
        save(tmp_path / "a" / f"{k}.npy", np.full((1, 3), k, np.float32))
    ports = [port("a"), port("n", (2, 2), np.int32), port("flag", (1,), np.bool_)]
    sets = load_input_sets({"a": "a", "n": 4, "flag": True}, ports, tmp_path)
    assert len(sets) == 2
    for s in sets:
        np.testing.assert_array_equal(s["n"], np.full((2, 2), 4, np.int32))
        assert s["n"].dtype == np.int32 and s["flag"].tolist() == [True]


def test_pinned_only_gives_one_set(tmp_path: Path) -> None:
    sets = load_input_sets({"x": 0.5}, [port(dtype=np.float16)], tmp_path)
    assert len(sets) == 1 and sets[0]["x"].dtype == np.float16 and sets[0]["x"].shape == (1, 3)


def test_pinned_array_broadcasts_to_the_shape(tmp_path: Path) -> None:
    sets = load_input_sets({"x": np.array([1, 2, 3])}, [port(shape=(2, 3))], tmp_path)
    np.testing.assert_array_equal(sets[0]["x"], [[1, 2, 3], [1, 2, 3]])
    assert sets[0]["x"].dtype == np.float32 and sets[0]["x"].flags.writeable


def test_pinned_array_gives_the_dynamic_dimensions(tmp_path: Path) -> None:
    sets = load_input_sets(
        {"x": np.ones((1, 9), np.int64)}, [port(shape=(None, 9), dtype=np.int64)], tmp_path
    )
    assert sets[0]["x"].shape == (1, 9)


def test_pinned_numpy_scalar_and_zero_into_unsigned(tmp_path: Path) -> None:
    assert load_input_sets({"x": 0}, [port(dtype=np.uint8)], tmp_path)[0]["x"].tolist() == [[0, 0, 0]]
    assert load_input_sets({"x": np.float32(2)}, [port()], tmp_path)[0]["x"][0, 0] == 2.0


# -- errors ------------------------------------------------------------------------------------------


def test_error_is_a_value_error_and_an_ovbench_error() -> None:
    assert issubclass(InputFileError, ValueError) and issubclass(InputFileError, OvbenchError)


def test_missing_path_names_it_and_the_rootdir(tmp_path: Path) -> None:
    message = error("nope/a.npy", [port()], tmp_path)
    assert "'nope/a.npy' does not exist" in message and "rootdir" in message and str(tmp_path) in message
    message = error({"x": "gone.npy"}, [port()], tmp_path)
    assert message.startswith("input 'x':") and "gone.npy" in message


def test_folder_without_usable_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("")
    (tmp_path / "empty" / ".x.npy").write_bytes(b"")
    message = error({"x": "empty"}, [port()], tmp_path)
    assert "input 'x'" in message and "empty" in message and "no usable files" in message
    assert ".npy" in message and ".png" in message and ".bin" in message


def test_unsupported_file_named_directly(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("1,2,3")
    message = error("a.csv", [port()], tmp_path)
    assert "input 'x'" in message and "a.csv" in message and "unsupported extension" in message
    assert ".npz" in message


def test_unknown_input_name_lists_the_inputs(tmp_path: Path) -> None:
    message = error({"imgae": 1}, [port("image"), port("mask")], tmp_path)
    assert "'imgae'" in message and "'image', 'mask'" in message


def test_single_non_npz_path_for_several_inputs_asks_for_a_dict(tmp_path: Path) -> None:
    save(tmp_path / "a.npy", np.zeros((1, 3)))
    message = error("a.npy", [port("a"), port("b")], tmp_path)
    assert "2 inputs" in message and "'a', 'b'" in message and "a.npy" in message and "dict" in message


def test_npz_with_an_array_for_no_input(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", a=np.zeros((1, 3)), z=np.zeros((1, 3)))
    message = error("d.npz", [port("a"), port("b")], tmp_path)
    assert "'z'" in message and "not an input" in message and "'a', 'b'" in message


def test_npz_with_several_arrays_none_named_after_the_input(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", p=np.zeros((1, 3)), q=np.zeros((1, 3)))
    message = error("d.npz", [port("x")], tmp_path)
    assert "input 'x'" in message and "'p', 'q'" in message and "none named 'x'" in message


def test_empty_npz(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz")
    assert "holds no arrays" in error("d.npz", [port()], tmp_path)


def test_shape_mismatch_names_input_expected_and_got(tmp_path: Path) -> None:
    save(tmp_path / "a.npy", np.zeros((1, 3, 200, 200)))
    message = error("a.npy", [port("image", (1, 3, 224, 224))], tmp_path)
    expected = "input 'image': expects shape [1,3,224,224] (f32); file a.npy has shape [1,3,200,200] (f64)"
    assert message.startswith(expected)


def test_rank_mismatch_even_with_dynamic_dimensions(tmp_path: Path) -> None:
    save(tmp_path / "a.npy", np.zeros((3,), np.float32))
    message = error("a.npy", [port(shape=(None, 3))], tmp_path)
    assert "expects shape [?,3]" in message and "has shape [3]" in message


@pytest.mark.parametrize(
    ("value", "dtype", "fragment"),
    [
        (1.5, np.int32, "floats don't convert to i32"),
        (300, np.uint8, "300 doesn't fit u8 (0..255)"),
        (-1, np.uint16, "-1 doesn't fit u16"),
        (2, np.bool_, "2 doesn't fit boolean"),
        (1e300, np.float16, "overflow f16"),
        ("text", np.float32, None),
    ],
)
def test_pinned_value_that_would_lose(tmp_path: Path, value: Any, dtype: Any, fragment: str | None) -> None:
    spec = {"n": np.array(value) if isinstance(value, str) else value}
    message = error(spec, [port("n", (2,), dtype)], tmp_path)
    assert message.startswith("input 'n':") and "can't be converted" in message
    assert fragment is None or fragment in message


def test_file_values_that_would_lose(tmp_path: Path) -> None:
    save(tmp_path / "f.npy", np.array([[1.0, 2.0, 3.0]]))
    save(tmp_path / "i.npy", np.array([[1, -5, 300]]))
    message = error("f.npy", [port("ids", dtype=np.int64)], tmp_path)
    assert "input 'ids': expects i64 values; file f.npy (f64)" in message
    message = error("i.npy", [port("ids", dtype=np.uint8)], tmp_path)
    assert "file i.npy (i64)" in message and "values -5..300 don't fit u8" in message


def test_pinned_array_that_does_not_broadcast(tmp_path: Path) -> None:
    message = error({"x": np.zeros(4)}, [port(shape=(2, 3))], tmp_path)
    assert "input 'x': expects shape [2,3]" in message and "shape [4] does not broadcast" in message


def test_pinned_scalar_for_a_dynamic_input(tmp_path: Path) -> None:
    message = error({"x": 1.0}, [port(shape=(None, 3))], tmp_path)
    assert "input 'x'" in message and "pinned value 1.0" in message and "dynamic" in message
    assert "shape=" in message


def test_unsupported_values(tmp_path: Path) -> None:
    message = error({"x": [1, 2, 3]}, [port()], tmp_path)
    assert "input 'x'" in message and "list" in message and "np.array" in message
    assert "inputs= takes a path" in error(42, [port()], tmp_path)
    assert "no inputs" in error("a.npy", [], tmp_path)


def test_raw_file_of_the_wrong_size(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(bytes(10))
    message = error("a.bin", [port(shape=(1, 3))], tmp_path)
    assert "input 'x'" in message and "12 bytes" in message and "a.bin has 10 bytes" in message


def test_raw_file_for_a_dynamic_input(tmp_path: Path) -> None:
    (tmp_path / "a.raw").write_bytes(bytes(12))
    message = error("a.raw", [port(shape=(None, 3))], tmp_path)
    assert "input 'x'" in message and "static" in message and "shape=" in message


def test_unreadable_npy(tmp_path: Path) -> None:
    (tmp_path / "a.npy").write_bytes(b"not numpy")
    message = error("a.npy", [port()], tmp_path)
    assert "input 'x'" in message and "a.npy can't be read" in message


# -- images ------------------------------------------------------------------------------------------

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def image(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (4, 4)) -> Path:
    """A plain RGB image of ``size`` (width, height)."""
    pil = pytest.importorskip("PIL.Image")
    path.parent.mkdir(parents=True, exist_ok=True)
    pil.new("RGB", size, colour).save(path)
    return path


def test_red_image_comes_out_bgr_in_nhwc(tmp_path: Path) -> None:
    image(tmp_path / "red.png", RED, (8, 8))
    tensor = load_input_sets("red.png", [port("img", (1, 8, 8, 3), np.uint8)], tmp_path)[0]["img"]
    assert tensor.shape == (1, 8, 8, 3) and tensor.dtype == np.uint8
    assert (tensor[..., 2] == 255).all() and (tensor[..., :2] == 0).all()


def test_image_is_transposed_for_a_guessed_nchw_input(tmp_path: Path) -> None:
    image(tmp_path / "red.bmp", RED, (5, 6))
    tensor = load_input_sets("red.bmp", [port("img", (1, 3, 6, 5))], tmp_path)[0]["img"]
    assert tensor.shape == (1, 3, 6, 5) and tensor.dtype == np.float32
    assert (tensor[0, 2] == 255.0).all() and (tensor[0, :2] == 0.0).all()
    assert tensor.flags.c_contiguous


def test_image_is_resized_without_swapping_height_and_width(tmp_path: Path) -> None:
    pil = pytest.importorskip("PIL.Image")
    picture = pil.new("RGB", (40, 10), RED)
    picture.paste(BLUE, (20, 0, 40, 10))  # right half blue
    picture.save(tmp_path / "halves.png")
    tensor = load_input_sets("halves.png", [port("img", (1, 5, 8, 3), np.uint8)], tmp_path)[0]["img"]
    assert tensor.shape == (1, 5, 8, 3)
    assert (tensor[0, :, 0] == [0, 0, 255]).all()  # left column red, in BGR
    assert (tensor[0, :, -1] == [255, 0, 0]).all()  # right column blue


def test_layout_from_port_info_wins_over_the_guess(tmp_path: Path) -> None:
    image(tmp_path / "green.png", GREEN, (2, 2))
    # (1,2,2,3) can't be guessed (both ends <= 4): the given layout decides.
    nhwc = load_input_sets("green.png", [port("img", (1, 2, 2, 3), np.uint8, "NHWC")], tmp_path)[0]["img"]
    assert (nhwc[..., 1] == 255).all()
    nchw = load_input_sets("green.png", [port("img", (1, 3, 2, 2), np.uint8, "[N,C,H,W]")], tmp_path)[0][
        "img"
    ]
    assert (nchw[0, 1] == 255).all() and (nchw[0, 0] == 0).all()


def test_grayscale_input_gets_luma(tmp_path: Path) -> None:
    image(tmp_path / "red.png", RED)
    tensor = load_input_sets("red.png", [port("img", (1, 1, 4, 4), np.uint8, "NCHW")], tmp_path)[0]["img"]
    assert tensor.shape == (1, 1, 4, 4) and (tensor == 76).all()  # 0.299 * 255, as cv2's BGR2GRAY


def test_three_dimensional_hwc_input(tmp_path: Path) -> None:
    image(tmp_path / "blue.png", BLUE)
    tensor = load_input_sets("blue.png", [port("img", (6, 8, 3), np.uint8)], tmp_path)[0]["img"]
    assert tensor.shape == (6, 8, 3) and (tensor[..., 0] == 255).all()


def test_jpeg_is_read(tmp_path: Path) -> None:
    image(tmp_path / "red.jpg", RED, (16, 16))
    tensor = load_input_sets("red.jpg", [port("img", (1, 3, 16, 16))], tmp_path)[0]["img"]
    assert abs(float(tensor[0, 2].mean()) - 255) < 8 and float(tensor[0, 0].mean()) < 8


def test_batch_takes_consecutive_images_and_the_last_wraps(tmp_path: Path) -> None:
    for name, colour in (("0.png", RED), ("1.png", GREEN), ("2.png", BLUE)):
        image(tmp_path / "imgs" / name, colour)
    sets = load_input_sets("imgs", [port("img", (2, 4, 4, 3), np.uint8, "NHWC")], tmp_path)
    brightest = [[int(np.argmax(s["img"][b, 0, 0])) for b in range(2)] for s in sets]
    assert brightest == [[2, 1], [0, 2]]  # BGR: red is index 2, green 1, blue 0; then red again


def test_dynamic_batch_takes_one_image(tmp_path: Path) -> None:
    image(tmp_path / "red.png", RED)
    tensor = load_input_sets("red.png", [port("img", (None, 3, 4, 4), np.uint8, "NCHW")], tmp_path)[0]["img"]
    assert tensor.shape == (1, 3, 4, 4)


def test_image_for_a_non_image_input(tmp_path: Path) -> None:
    image(tmp_path / "red.png", RED)
    message = error("red.png", [port("ids", (1, 128), np.int64)], tmp_path)
    assert "input 'ids'" in message and "red.png" in message and "not an image input" in message
    message = error("red.png", [port("ids", (1, 3, 4, 4), np.uint8, "NCDH")], tmp_path)
    assert "layout NCDH is not an image layout" in message


def test_image_for_an_input_whose_layout_cannot_be_guessed(tmp_path: Path) -> None:
    image(tmp_path / "red.png", RED)
    message = error("red.png", [port("img", (1, 3, None, None))], tmp_path)
    assert "input 'img': expects shape [1,3,?,?]" in message and "no layout" in message
    assert "layout=" in message and "static height and width to resize to (shape= or data_shape=)" in message
    message = error("red.png", [port("img", (1, 3, 4, 4))], tmp_path)  # 4 x 4: either end may be colours
    assert "no layout" in message and "shape=" not in message


def test_image_for_dynamic_height_and_width(tmp_path: Path) -> None:
    image(tmp_path / "red.png", RED)
    message = error("red.png", [port("img", (1, 3, None, None), layout="NCHW")], tmp_path)
    assert (
        "input 'img'" in message and "dynamic" in message and "shape=" in message and "data_shape=" in message
    )


def test_image_for_four_channels(tmp_path: Path) -> None:
    image(tmp_path / "red.png", RED)
    message = error("red.png", [port("img", (1, 4, 8, 8), layout="NCHW")], tmp_path)
    assert "input 'img'" in message and "4 channels" in message


def test_image_into_a_type_too_small_for_its_pixels(tmp_path: Path) -> None:
    image(tmp_path / "red.png", RED)
    message = error("red.png", [port("img", (1, 3, 4, 4), np.int8, "NCHW")], tmp_path)
    assert "input 'img': expects i8 values; image red.png (u8)" in message and "255" in message


def test_images_mixed_with_arrays(tmp_path: Path) -> None:
    image(tmp_path / "f" / "a.png", RED)
    save(tmp_path / "f" / "b.npy", np.zeros((1, 3, 4, 4), np.float32))
    message = error("f", [port("img", (1, 3, 4, 4))], tmp_path)
    assert "input 'img'" in message and "a.png" in message and "b.npy" in message and "mix" in message


def test_unreadable_image(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    (tmp_path / "bad.png").write_bytes(b"not a png")
    message = error("bad.png", [port("img", (1, 3, 8, 8))], tmp_path)
    assert "input 'img'" in message and "bad.png can't be read" in message


def test_images_without_pillow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "red.png").write_bytes(b"never decoded")
    monkeypatch.setitem(sys.modules, "PIL", None)  # makes `from PIL import ...` raise ImportError
    message = error("red.png", [port("img", (1, 3, 8, 8))], tmp_path)
    assert "input 'img'" in message and "pip install pytest-ovbench[images]" in message
    assert "pip install Pillow" in message


def test_exif_orientation_is_applied_as_cv2_imread_does(tmp_path: Path) -> None:
    pil = pytest.importorskip("PIL.Image")
    picture = pil.new("RGB", (20, 10), RED)
    picture.paste(BLUE, (10, 0, 20, 10))  # right half blue
    exif = picture.getexif()
    exif[0x0112] = 3  # Orientation: rotated 180 degrees, so blue is shown on the left
    picture.save(tmp_path / "turned.png", exif=exif)
    tensor = load_input_sets("turned.png", [port("img", (1, 10, 20, 3), np.uint8)], tmp_path)[0]["img"]
    assert (tensor[0, :, 0] == [255, 0, 0]).all() and (tensor[0, :, -1] == [0, 0, 255]).all()
