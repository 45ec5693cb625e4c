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

Hostile files are refused with a message naming them: a path that is not a regular file (a FIFO
would block, ``/dev/zero`` never end) unopened; a ``.npy`` / ``.npz`` member whose header declares
another shape, an object array (pickled objects: never unpickled) or more data than it holds, before
its data is read; an image of more than ``images.MAX_IMAGE_PIXELS`` pixels, before it is decoded.

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

The work is split by concern: ``files`` (this module) finds the files and matches them to the
inputs; ``array_files`` reads .npy / .npz / .bin / .raw, ``images`` reads images (``layouts`` holds
the image-layout guess), ``conversion`` fits arrays to an input's shape and element type, and
``ports`` holds PortInfo, InputFileError and the wording the messages share.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from pytest_ovbench.inputs.array_files import ARRAY_EXTENSIONS, RAW_EXTENSIONS, read_array_file, read_npz
from pytest_ovbench.inputs.conversion import fit, pin
from pytest_ovbench.inputs.images import IMAGE_EXTENSIONS, image_tensors
from pytest_ovbench.inputs.ports import Array, InputFileError, PortInfo, who
from pytest_ovbench.runtime.models import special_file_kind

__all__ = [
    "ARRAY_EXTENSIONS",
    "IMAGE_EXTENSIONS",
    "RAW_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "Array",
    "InputFileError",
    "PortInfo",
    "load_input_sets",
]

SUPPORTED_EXTENSIONS = ARRAY_EXTENSIONS + RAW_EXTENSIONS + IMAGE_EXTENSIONS
_SCALARS = (bool, int, float, np.generic)


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
        return [pin(np.asarray(value), port)]
    raise InputFileError(
        f"input {port.name!r}: inputs= gives it {type(value).__name__} {_short(value)}; give a path "
        f"(str or Path), a numpy array or a scalar (a list of values: wrap it in np.array(...))"
    )


def _from_npz_files(files: list[Path], ports: Sequence[PortInfo]) -> dict[str, list[Array]]:
    """One path for a model with several inputs: only .npz files say which array is for which input."""
    result: dict[str, list[Array]] = {}
    for path in files:
        if path.suffix.lower() != ".npz":
            raise InputFileError(
                f"inputs=: the model has {len(ports)} inputs ({_names(ports)}), and file {path.name} "
                f"can fill only one; give a dict input name -> path, e.g. inputs={{{ports[0].name!r}: "
                f"{path.name!r}}}, or .npz files holding one array per input name"
            )
        chosen = partial(_npz_ports, path, ports)
        for key, array in read_npz(path, None, chosen).items():
            port = next(port for port in ports if port.name == key)
            result.setdefault(key, []).append(fit(array, port, f"file {path.name}[{key!r}]"))
    return result


def _npz_ports(path: Path, ports: Sequence[PortInfo], keys: list[str]) -> dict[str, PortInfo]:
    """Every array of an .npz file for several inputs must be named after one of them."""
    by_name = {port.name: port for port in ports}
    for key in keys:
        if key not in by_name:
            raise InputFileError(
                f"inputs=: file {path.name} holds array {key!r}, which is not an input of the model "
                f"(its inputs: {_names(ports)}); name each array after the input it is for"
            )
    return {key: by_name[key] for key in keys}


def _resolve(value: str | os.PathLike[str], root: Path, name: str | None) -> Path:
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = root / path
    if not path.exists():
        raise InputFileError(
            f"{who(name)}: path {os.fspath(value)!r} does not exist (looked for {path}; relative paths "
            f"are taken against pytest's rootdir, {root})"
        )
    return path


def _files(path: Path, name: str | None) -> list[Path]:
    """A file as such; a folder's supported files sorted by name (hidden files skipped)."""
    if not path.is_dir():
        kind = special_file_kind(path)
        if kind is not None:  # a FIFO would block the read, a device such as /dev/zero never end it
            raise InputFileError(
                f"{who(name)}: {path} is {kind}, not a regular file; refused unread: give a file"
            )
        return [path]
    found = [
        entry
        for entry in path.iterdir()
        if entry.is_file() and not entry.name.startswith(".") and entry.suffix.lower() in SUPPORTED_EXTENSIONS
    ]
    if not found:
        raise InputFileError(f"{who(name)}: folder {path} holds no usable files (supported: {_extensions()})")
    return sorted(found, key=lambda entry: entry.name)


def _load_files(files: list[Path], port: PortInfo) -> list[Array]:
    """One input's tensors: one per array file, or the images grouped by the input's batch."""
    images = [path for path in files if _is_image_file(path, port)]
    if not images:
        return [read_array_file(path, port) for path in files]
    if len(images) != len(files):
        raise InputFileError(
            f"input {port.name!r}: its files mix images ({images[0].name}) with array files "
            f"({next(p for p in files if p not in images).name}); give one kind per input"
        )
    return image_tensors(images, port)


def _is_image_file(path: Path, port: PortInfo) -> bool:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise InputFileError(
            f"input {port.name!r}: file {path.name} has an unsupported extension (supported: {_extensions()})"
        )
    return suffix in IMAGE_EXTENSIONS


def _names(ports: Sequence[PortInfo]) -> str:
    return ", ".join(repr(port.name) for port in ports) or "none"


def _extensions() -> str:
    return " ".join(SUPPORTED_EXTENSIONS)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
