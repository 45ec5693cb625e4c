"""Reading the array files of ``inputs=``: ``.npy`` (one tensor), ``.npz`` (one array per input
name) and raw ``.bin`` / ``.raw`` bytes (one tensor in the input's static shape and element type)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from pytest_ovbench.inputs.conversion import fit
from pytest_ovbench.inputs.ports import Array, InputFileError, PortInfo, expects, unreadable, who

ARRAY_EXTENSIONS = (".npy", ".npz")
RAW_EXTENSIONS = (".bin", ".raw")


def read_array_file(path: Path, port: PortInfo) -> Array:
    """One tensor for ``port`` from a .npy, .npz, .bin or .raw file, in the input's element type."""
    suffix = path.suffix.lower()
    if suffix in RAW_EXTENSIONS:
        return _raw(path, port)
    if suffix == ".npz":
        key, array = _npz_for(path, port)
        return fit(array, port, f"file {path.name}[{key!r}]")
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise unreadable(path, port.name, exc) from None
    return fit(array, port, f"file {path.name}")


def read_npz(path: Path, name: str | None) -> dict[str, Array]:
    """Every array of an .npz file by key (``name``: the input it is for, None: inputs= as a whole)."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError) as exc:
        raise unreadable(path, name, exc) from None
    if not arrays:
        raise InputFileError(f"{who(name)}: file {path.name} holds no arrays")
    return arrays


def _npz_for(path: Path, port: PortInfo) -> tuple[str, Array]:
    """The array keyed by the input's name, or the only array whatever its key."""
    arrays = read_npz(path, port.name)
    if port.name in arrays:
        return port.name, arrays[port.name]
    if len(arrays) == 1:
        return next(iter(arrays.items()))
    keys = ", ".join(repr(key) for key in arrays)
    raise InputFileError(
        f"input {port.name!r}: file {path.name} holds arrays {keys} but none named {port.name!r}; "
        f"save the input's array under its name (np.savez(path, **{{{port.name!r}: array}}))"
    )


def _raw(path: Path, port: PortInfo) -> Array:
    """Raw bytes: exactly one tensor of the input's static shape and element type."""
    if None in port.shape:
        raise InputFileError(
            f"{expects(port)}; raw file {path.name} has no shape of its own, so the input needs a "
            f"static one: give shape= or data_shape=, or use a .npy file"
        )
    shape = tuple(int(dim) for dim in port.shape if dim is not None)
    expected = math.prod(shape) * port.dtype.itemsize
    actual = path.stat().st_size
    if actual != expected:
        raise InputFileError(
            f"{expects(port)}, {expected} bytes; file {path.name} has {actual} bytes; write exactly "
            f"one tensor in that element type (array.astype(np.{port.dtype.name}).tofile(path))"
        )
    return np.fromfile(path, dtype=port.dtype).reshape(shape)
