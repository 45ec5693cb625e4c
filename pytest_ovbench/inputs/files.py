"""Input data from files, benchmark_app's ``-i``: the marker keyword ``inputs=`` made into arrays.

``inputs=`` is a path (a file or a folder; relative paths are taken against pytest's rootdir) or a
dict from input name to a path, a numpy array or a Python scalar. ``load_input_sets`` returns a list
of input sets, set *k* being ``{input name: array}``; the caller sends them in turn and fills the
inputs no set mentions with random data. An input with fewer files than the longest list cycles
(as benchmark_app). Arrays may be shared between sets: treat them as read-only.

Files:

* ``.npy``: one whole tensor. ``.npz``: one array per input name (an input named in a dict, or the
  only input of the model, also takes a single-array ``.npz`` whatever its key).
* ``.bin`` / ``.raw``: the bytes of exactly one tensor in the input's element type and static shape.
* ``.jpg .jpeg .png .bmp``: decoded with Pillow into **BGR** channel order, as benchmark_app's
  ``cv2.imread``; EXIF orientation applied (as ``cv2.imread``); resized to the input's H x W; 1-channel
  inputs get a grayscale image (ITU-R 601 luma, as ``cv2.COLOR_BGR2GRAY``). The layout comes from
  ``PortInfo.layout``, else it is guessed as benchmark_app does (4-D: NCHW when dim 1 is at most 4
  and dim 3 more than 4, NHWC the other way round; 3-D: CHW / HWC likewise; dynamic dimensions count
  as unbounded). With a batch N > 1 one tensor takes N consecutive images.

Every static dimension must match the file exactly; dynamic ones take the file's size. A value of
another element type is converted when nothing is lost (int -> int when the values fit, int or float
-> float unless a finite value overflows); otherwise InputFileError.

Where this differs from benchmark_app:

* Pillow, not OpenCV: only the four image extensions above; Pillow's bilinear resize antialiases
  when it shrinks (``cv2.INTER_LINEAR`` does not), so resized pixels differ slightly.
* Image inputs keep the model's element type (benchmark_app switches them to u8 with
  PrePostProcessor): pixels 0..255 are converted, and an error is raised where they don't fit (i8).
* A ``.npy`` / ``.bin`` file is one whole tensor, also when the batch is > 1 (benchmark_app builds a
  batch from N files, taking element b of file b). ``.npz``, ``.raw``, type conversion and pinned
  values (arrays and scalars in the dict) are ours; benchmark_app rejects any ``.npy`` element type
  that differs from the input's.
* Batched images: ceil(images / N) tensors, the last one wrapping round to the first images
  (benchmark_app makes one tensor per image and drops images beyond a multiple of N).
* One path for a model with several inputs must hold ``.npz`` files (benchmark_app deals files out
  to the inputs in turn); otherwise give a dict.
* Folders: hidden files and subfolders are skipped, as are files of other extensions (benchmark_app
  warns about those); a file named directly with another extension is an error.
* Images need a static H and W (benchmark_app falls back to each image's own size); an image input
  with a dynamic batch takes one image per tensor. Inputs without files get nothing here, also
  benchmark_app's "image info" inputs ([N,C], filled with the image size there).
* There are max(files per input) sets, each input cycling within them; benchmark_app cycles each
  input on its own, so inputs with 2 and 3 files pair up differently after the third request.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_ovbench.errors import OvbenchError

Array = npt.NDArray[Any]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
ARRAY_EXTENSIONS = (".npy", ".npz")
RAW_EXTENSIONS = (".bin", ".raw")
SUPPORTED_EXTENSIONS = ARRAY_EXTENSIONS + RAW_EXTENSIONS + IMAGE_EXTENSIONS
# benchmark_app's bound on a colour dimension when it guesses an image layout from a shape.
_MAX_COLOURS = 4
_SCALARS = (bool, int, float, np.generic)


@dataclass(frozen=True)
class PortInfo:
    """One model input as the loader needs it."""

    name: str
    shape: tuple[int | None, ...]  # None = dynamic dimension
    dtype: np.dtype[Any]
    layout: str | None = None  # e.g. "NCHW", "NHWC", "NC" or OpenVINO's "[N,C,H,W]"; None if unknown

    def __post_init__(self) -> None:
        # Accept np.float32 as well as np.dtype("float32"), and lists as shapes.
        object.__setattr__(self, "dtype", np.dtype(self.dtype))
        object.__setattr__(self, "shape", tuple(self.shape))


class InputFileError(OvbenchError, ValueError):
    """str() is the user-facing message: names the input, what it expects, what it got, and the fix."""


@dataclass(frozen=True)
class _ImageGeometry:
    order: str  # the input's axes, e.g. "NCHW", "HWC"
    batch: int
    height: int
    width: int
    channels: int


def load_input_sets(spec: Any, ports: Sequence[PortInfo], root: Path) -> list[dict[str, Array]]:
    """The input sets ``inputs=`` describes, set k being ``{input name: array}``.

    ``spec`` is a path (str or Path, relative to ``root``) to a file or folder, or a dict from input
    name to a path, a numpy array or a scalar (arrays and scalars pin the input to that value).
    Inputs ``spec`` doesn't mention are absent from every set. Raises InputFileError.
    """
    if not ports:
        raise InputFileError(f"inputs= is given ({_short(spec)}), but the model has no inputs")
    per_input = _tensors_by_input(spec, ports, Path(root))
    count = max((len(tensors) for tensors in per_input.values()), default=0)
    return [{name: tensors[k % len(tensors)] for name, tensors in per_input.items()} for k in range(count)]


def _tensors_by_input(spec: Any, ports: Sequence[PortInfo], root: Path) -> dict[str, list[Array]]:
    if isinstance(spec, (str, os.PathLike)):
        files = _files(_resolve(spec, root, None), None)
        if len(ports) == 1:
            return {ports[0].name: _load_files(files, ports[0])}
        return _from_npz_files(files, ports)
    if isinstance(spec, Mapping):
        return _from_mapping(spec, ports, root)
    raise InputFileError(
        f"inputs= takes a path to a file or folder, or a dict input name -> path | numpy array | "
        f"scalar; got {type(spec).__name__} {_short(spec)}"
    )


def _from_mapping(spec: Mapping[Any, Any], ports: Sequence[PortInfo], root: Path) -> dict[str, list[Array]]:
    by_name = {port.name: port for port in ports}
    result: dict[str, list[Array]] = {}
    for name, value in spec.items():
        port = by_name.get(name)
        if port is None:
            raise InputFileError(
                f"inputs= names {name!r}, which is not an input of the model (its inputs: {_names(ports)})"
            )
        result[name] = _from_value(value, port, root)
    return result


def _from_value(value: Any, port: PortInfo, root: Path) -> list[Array]:
    if isinstance(value, (str, os.PathLike)):
        return _load_files(_files(_resolve(value, root, port.name), port.name), port)
    if isinstance(value, (np.ndarray, *_SCALARS)):
        return [_pin(np.asarray(value), port)]
    raise InputFileError(
        f"input {port.name!r}: inputs= gives it {type(value).__name__} {_short(value)}; give a path "
        f"(str or Path), a numpy array or a scalar (a list of values: wrap it in np.array(...))"
    )


def _from_npz_files(files: list[Path], ports: Sequence[PortInfo]) -> dict[str, list[Array]]:
    """One path for a model with several inputs: only .npz files say which array is for which input."""
    by_name = {port.name: port for port in ports}
    result: dict[str, list[Array]] = {}
    for path in files:
        if path.suffix.lower() != ".npz":
            raise InputFileError(
                f"inputs=: the model has {len(ports)} inputs ({_names(ports)}), and file {path.name} "
                f"can fill only one; give a dict input name -> path, e.g. inputs={{{ports[0].name!r}: "
                f"{path.name!r}}}, or .npz files holding one array per input name"
            )
        for key, array in _read_npz(path, None).items():
            if key not in by_name:
                raise InputFileError(
                    f"inputs=: file {path.name} holds array {key!r}, which is not an input of the model "
                    f"(its inputs: {_names(ports)}); name each array after the input it is for"
                )
            result.setdefault(key, []).append(_fit(array, by_name[key], f"file {path.name}[{key!r}]"))
    return result


def _resolve(value: str | os.PathLike[str], root: Path, name: str | None) -> Path:
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = root / path
    if not path.exists():
        raise InputFileError(
            f"{_who(name)}: path {os.fspath(value)!r} does not exist (looked for {path}; relative paths "
            f"are taken against pytest's rootdir, {root})"
        )
    return path


def _files(path: Path, name: str | None) -> list[Path]:
    """A file as such; a folder's supported files sorted by name (hidden files skipped)."""
    if not path.is_dir():
        return [path]
    found = [
        entry
        for entry in path.iterdir()
        if entry.is_file() and not entry.name.startswith(".") and entry.suffix.lower() in SUPPORTED_EXTENSIONS
    ]
    if not found:
        raise InputFileError(
            f"{_who(name)}: folder {path} holds no usable files (supported: {_extensions()})"
        )
    return sorted(found, key=lambda entry: entry.name)


def _load_files(files: list[Path], port: PortInfo) -> list[Array]:
    """One input's tensors: one per array file, or the images grouped by the input's batch."""
    images = [path for path in files if _is_image_file(path, port)]
    if not images:
        return [_array_file(path, port) for path in files]
    if len(images) != len(files):
        raise InputFileError(
            f"input {port.name!r}: its files mix images ({images[0].name}) with array files "
            f"({next(p for p in files if p not in images).name}); give one kind per input"
        )
    return _image_tensors(images, port)


def _is_image_file(path: Path, port: PortInfo) -> bool:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise InputFileError(
            f"input {port.name!r}: file {path.name} has an unsupported extension (supported: {_extensions()})"
        )
    return suffix in IMAGE_EXTENSIONS


def _array_file(path: Path, port: PortInfo) -> Array:
    suffix = path.suffix.lower()
    if suffix in RAW_EXTENSIONS:
        return _raw(path, port)
    if suffix == ".npz":
        key, array = _npz_for(path, port)
        return _fit(array, port, f"file {path.name}[{key!r}]")
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise _unreadable(path, port.name, exc) from None
    return _fit(array, port, f"file {path.name}")


def _npz_for(path: Path, port: PortInfo) -> tuple[str, Array]:
    """The array keyed by the input's name, or the only array whatever its key."""
    arrays = _read_npz(path, port.name)
    if port.name in arrays:
        return port.name, arrays[port.name]
    if len(arrays) == 1:
        return next(iter(arrays.items()))
    keys = ", ".join(repr(key) for key in arrays)
    raise InputFileError(
        f"input {port.name!r}: file {path.name} holds arrays {keys} but none named {port.name!r}; "
        f"save the input's array under its name (np.savez(path, **{{{port.name!r}: array}}))"
    )


def _read_npz(path: Path, name: str | None) -> dict[str, Array]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError) as exc:
        raise _unreadable(path, name, exc) from None
    if not arrays:
        raise InputFileError(f"{_who(name)}: file {path.name} holds no arrays")
    return arrays


def _raw(path: Path, port: PortInfo) -> Array:
    """Raw bytes: exactly one tensor of the input's static shape and element type."""
    if None in port.shape:
        raise InputFileError(
            f"{_expects(port)}; raw file {path.name} has no shape of its own, so the input needs a "
            f"static one: give shape= or data_shape=, or use a .npy file"
        )
    shape = tuple(int(dim) for dim in port.shape if dim is not None)
    expected = math.prod(shape) * port.dtype.itemsize
    actual = path.stat().st_size
    if actual != expected:
        raise InputFileError(
            f"{_expects(port)}, {expected} bytes; file {path.name} has {actual} bytes; write exactly "
            f"one tensor in that element type (array.astype(np.{port.dtype.name}).tofile(path))"
        )
    return np.fromfile(path, dtype=port.dtype).reshape(shape)


def _fit(array: Array, port: PortInfo, source: str) -> Array:
    """A file's array checked against the input's shape and converted to its element type."""
    if not _shape_matches(array.shape, port.shape):
        raise InputFileError(
            f"{_expects(port)}; {source} has shape {_shape_text(array.shape)} ({_type_name(array.dtype)}); "
            f"static dimensions must match exactly (dynamic ones, '?', take the file's size)"
        )
    # np.load keeps a Fortran-ordered file's order; tensors want C order.
    # asarray, not ascontiguousarray: that one turns a rank-0 array (a scalar input) into shape (1,)
    return np.asarray(_convert(array, port, source), order="C")


def _pin(value: Array, port: PortInfo) -> Array:
    """A pinned value broadcast to the input's shape; dynamic dimensions take the value's own size."""
    what = (
        f"pinned value {value.item()!r}"
        if value.ndim == 0
        else f"pinned array of shape {_shape_text(value.shape)}"
    )
    dynamic = None in port.shape
    if dynamic and value.ndim != len(port.shape):
        raise InputFileError(
            f"{_expects(port)}; {what} can't fill it: with dynamic dimensions the value must have all "
            f"{len(port.shape)} dimensions (the dynamic ones take its size), or give a static shape="
        )
    sizes = value.shape if dynamic else (0,) * len(port.shape)
    target = tuple(size if dim is None else dim for dim, size in zip(port.shape, sizes))
    converted = _convert(value, port, what)
    try:
        return np.asarray(np.broadcast_to(converted, target), order="C")
    except ValueError:
        raise InputFileError(
            f"{_expects(port)}; {what} does not broadcast to it; give an array of that shape, or one "
            f"that broadcasts (a scalar, or size-1 dimensions)"
        ) from None


def _convert(array: Array, port: PortInfo, source: str) -> Array:
    """``array`` in the input's element type, or InputFileError when the conversion would lose values."""
    if array.dtype == port.dtype:
        return array
    problem = _conversion_problem(array, port.dtype)
    if problem is not None:
        raise InputFileError(
            f"input {port.name!r}: expects {_type_name(port.dtype)} values; {source} "
            f"({_type_name(array.dtype)}) can't be converted: {problem}; give {_type_name(port.dtype)} data"
        )
    return array.astype(port.dtype)


def _conversion_problem(array: Array, dtype: np.dtype[Any]) -> str | None:
    """Why converting ``array`` to ``dtype`` loses values, None when it doesn't."""
    kind = array.dtype.kind
    if dtype.kind == "f" and kind in "biuf":
        with np.errstate(over="ignore"):
            overflow = np.isfinite(array) & ~np.isfinite(array.astype(dtype))
        return f"some values overflow {_type_name(dtype)}" if overflow.any() else None
    if dtype.kind in "biu" and kind in "biu":
        return _range_problem(array, dtype)
    if dtype.kind in "biu" and kind == "f":
        return f"floats don't convert to {_type_name(dtype)} exactly"
    if np.can_cast(array.dtype, dtype, "same_kind"):
        return None
    return f"{_type_name(array.dtype)} does not convert to {_type_name(dtype)} without loss"


def _range_problem(array: Array, dtype: np.dtype[Any]) -> str | None:
    # Plain int comparisons: numpy's same_kind casting would refuse i64 -> u8 even for 0..255.
    low, high = (0, 1) if dtype.kind == "b" else (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
    if array.size == 0:
        return None
    smallest, largest = int(array.min()), int(array.max())
    if low <= smallest and largest <= high:
        return None
    values = f"{smallest} doesn't" if smallest == largest else f"values {smallest}..{largest} don't"
    return f"{values} fit {_type_name(dtype)} ({low}..{high})"


def _image_tensors(images: list[Path], port: PortInfo) -> list[Array]:
    """Tensors of N consecutive images each, the last one wrapping round to the first images."""
    geometry = _image_geometry(port, images[0])
    frames = [_read_image(path, geometry, port) for path in images]
    tensors = []
    for start in range(0, len(frames), geometry.batch):
        batch = [frames[(start + b) % len(frames)] for b in range(geometry.batch)]
        tensors.append(_arrange(batch, geometry.order))
    return tensors


def _arrange(frames: list[Array], order: str) -> Array:
    """HWC frames laid out as the input's axes say (a transpose for NCHW / CHW)."""
    source = "NHWC" if "N" in order else "HWC"
    stacked = np.stack(frames) if "N" in order else frames[0]
    return np.asarray(stacked.transpose([source.index(axis) for axis in order]), order="C")


def _image_geometry(port: PortInfo, image: Path) -> _ImageGeometry:
    order = _image_layout(port, image)
    dims = dict(zip(order, port.shape))
    height, width, channels = dims["H"], dims["W"], dims["C"]
    if height is None or width is None:
        raise InputFileError(
            f"{_expects(port)}, whose height and width are dynamic, so image {image.name} can't be "
            f"resized to it; give a static shape with shape= (or data_shape=)"
        )
    channels = 3 if channels is None else channels
    if channels not in (1, 3):
        raise InputFileError(
            f"{_expects(port)} with {channels} channels (layout {order}); image {image.name} gives 3 "
            f"(BGR) or 1 (grayscale); give .npy data for this input instead"
        )
    return _ImageGeometry(order, dims.get("N") or 1, height, width, channels)


def _image_layout(port: PortInfo, image: Path) -> str:
    """The input's layout when it is one images fit (H, W and C, maybe N), else InputFileError."""
    order = _layout_axes(port.layout) if port.layout else _guess_layout(port.shape)
    if order is not None and _is_image_layout(order, len(port.shape)):
        return order
    prefix = f"{_expects(port)}; image {image.name} can't fill it"
    if port.layout:
        raise InputFileError(
            f"{prefix}: its layout {port.layout} is not an image layout (NCHW, NHWC, CHW or HWC); "
            f"give .npy data for this input, or correct the layout with layout="
        )
    if len(port.shape) in (3, 4):
        raise InputFileError(
            f"{prefix}: it has no layout, and its shape doesn't show which dimension holds the colour "
            f"channels (one of the first and last must be at most {_MAX_COLOURS}, the other more); "
            f"set layout= (e.g. {{{port.name!r}: 'NCHW'}})"
            # Say both fixes at once: a layout alone would only lead to the dynamic-size error.
            + (
                ", and a static height and width to resize to (shape= or data_shape=)"
                if None in port.shape[1:]
                else ""
            )
        )
    raise InputFileError(
        f"{prefix}: it is not an image input (images need a 4-D NCHW / NHWC or 3-D CHW / HWC input); "
        f"give .npy or .bin data for it"
    )


def _layout_axes(layout: str) -> str:
    """'NCHW' or OpenVINO's '[N,C,H,W]' as 'NCHW' (other forms come back with their '?' / '...')."""
    text = layout.strip().upper()
    if text.startswith("[") and text.endswith("]"):
        return "".join(axis.strip() for axis in text[1:-1].split(","))
    return text


def _is_image_layout(order: str, rank: int) -> bool:
    axes = set(order)
    return len(order) == rank and len(axes) == rank and {"H", "W", "C"} <= axes <= {"N", "H", "W", "C"}


def _guess_layout(shape: tuple[int | None, ...]) -> str | None:
    """benchmark_app's guess: the colour dimension is the small one (<= 4) of the first and last."""
    if len(shape) not in (3, 4):
        return None
    batch = "N" if len(shape) == 4 else ""
    # A dynamic dimension's maximum is unbounded, -1 in OpenVINO (so it counts as small).
    first, last = ((-1 if dim is None else dim) for dim in (shape[len(shape) - 3], shape[-1]))
    if first <= _MAX_COLOURS < last:
        return batch + "CHW"
    if last <= _MAX_COLOURS < first:
        return batch + "HWC"
    return None


def _read_image(path: Path, geometry: _ImageGeometry, port: PortInfo) -> Array:
    """One image as an H x W x C array (C = 3 in BGR order, or 1), in the input's element type."""
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise InputFileError(
            f"input {port.name!r}: image {path.name} needs Pillow to be decoded, and it is not "
            f"installed: pip install pytest-ovbench[images] (or pip install Pillow)"
        ) from None
    try:
        with Image.open(path) as opened:
            image = ImageOps.exif_transpose(opened).convert("L" if geometry.channels == 1 else "RGB")
    except (OSError, ValueError) as exc:
        raise _unreadable(path, port.name, exc) from None
    if image.size != (geometry.width, geometry.height):
        image = image.resize((geometry.width, geometry.height), Image.Resampling.BILINEAR)
    pixels = np.asarray(image)
    # cv2.imread, which benchmark_app uses, gives BGR.
    frame = pixels[:, :, None] if geometry.channels == 1 else pixels[:, :, ::-1]
    return _convert(frame, port, f"image {path.name}")


def _shape_matches(actual: tuple[int, ...], expected: tuple[int | None, ...]) -> bool:
    return len(actual) == len(expected) and all(e is None or e == a for a, e in zip(actual, expected))


def _expects(port: PortInfo) -> str:
    return f"input {port.name!r}: expects shape {_shape_text(port.shape)} ({_type_name(port.dtype)})"


def _shape_text(shape: Sequence[int | None]) -> str:
    return "[" + ",".join("?" if dim is None else str(dim) for dim in shape) + "]"


def _type_name(dtype: np.dtype[Any]) -> str:
    """OpenVINO's short names (f32, u8, boolean) where there is one."""
    if dtype.kind == "b":
        return "boolean"
    if dtype.kind in "iuf":
        return f"{dtype.kind}{dtype.itemsize * 8}"
    return str(dtype)


def _unreadable(path: Path, name: str | None, exc: Exception) -> InputFileError:
    return InputFileError(f"{_who(name)}: file {path.name} can't be read ({exc}); check the file ({path})")


def _who(name: str | None) -> str:
    return "inputs=" if name is None else f"input {name!r}"


def _names(ports: Sequence[PortInfo]) -> str:
    return ", ".join(repr(port.name) for port in ports) or "none"


def _extensions() -> str:
    return " ".join(SUPPORTED_EXTENSIONS)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
