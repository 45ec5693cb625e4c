"""Reading the array files of ``inputs=``: ``.npy`` (one tensor), ``.npz`` (one array per input
name) and raw ``.bin`` / ``.raw`` bytes (one tensor in the input's static shape and element type).

A ``.npy`` file's header, and each ``.npz`` member's, is read and checked before any data: what it
declares must fit the input (shape, element type), it must hold that much data, and object arrays
(pickled Python objects, which could run code when loaded) are refused. So a huge file of the wrong
shape is never read, and a member that is no ``.npy`` array (a pickle, say) is refused, never
unpickled."""

from __future__ import annotations

import math
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

import numpy as np

from pytest_ovbench.inputs.conversion import check_header, fit
from pytest_ovbench.inputs.ports import (
    Array,
    InputFileError,
    PortInfo,
    expects,
    shape_text,
    type_name,
    unreadable,
    who,
)

ARRAY_EXTENSIONS = (".npy", ".npz")
RAW_EXTENSIONS = (".bin", ".raw")

# What numpy and zipfile raise for a file they can't read (InputFileError is re-raised before these).
_READ_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, EOFError, RuntimeError, NotImplementedError)
_READ_ERRORS += (zipfile.BadZipFile, zlib.error)

Chooser = Callable[[list[str]], Mapping[str, PortInfo]]
"""Given an .npz file's keys: which arrays to read, each with the input it is for."""


def read_array_file(path: Path, port: PortInfo) -> Array:
    """One tensor for ``port`` from a .npy, .npz, .bin or .raw file, in the input's element type."""
    suffix = path.suffix.lower()
    if suffix in RAW_EXTENSIONS:
        return _raw(path, port)
    if suffix == ".npz":
        ((key, array),) = read_npz(path, port.name, lambda keys: {_npz_key(path, port, keys): port}).items()
        return fit(array, port, f"file {path.name}[{key!r}]")
    return fit(_read_npy(path, port), port, f"file {path.name}")


def read_npz(path: Path, name: str | None, choose: Chooser) -> dict[str, Array]:
    """The arrays of an .npz file that ``choose`` picks from its keys, each member's header checked
    against its input before its data is read (``name``: the input the file is for, None:
    ``inputs=`` as a whole)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            members = {_npz_member_key(info.filename): info for info in infos}
            if not members:
                raise InputFileError(f"{who(name)}: file {path.name} holds no arrays")
            return {
                key: _read_member(archive, members[key], port, f"file {path.name}[{key!r}]")
                for key, port in choose(list(members)).items()
            }
    except InputFileError:
        raise
    except _READ_ERRORS as exc:
        raise unreadable(path, name, exc) from None


def _npz_member_key(filename: str) -> str:
    # np.savez stores array "x" as member "x.npy"; np.load names it "x".
    return filename[: -len(".npy")] if filename.endswith(".npy") else filename


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, port: PortInfo, source: str) -> Array:
    with archive.open(info) as member:
        _check_npy(member, info.file_size, port, source)
    with archive.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _read_npy(path: Path, port: PortInfo) -> Array:
    """A .npy file's array, its header checked against ``port`` before the data is read."""
    try:
        with path.open("rb") as handle:
            _check_npy(handle, path.stat().st_size, port, f"file {path.name}")
            handle.seek(0)
            return np.lib.format.read_array(handle, allow_pickle=False)
    except InputFileError:
        raise
    except _READ_ERRORS as exc:
        raise unreadable(path, port.name, exc) from None


def _check_npy(handle: IO[bytes], size: int, port: PortInfo, source: str) -> None:
    """Read the .npy header at the start of ``handle`` (``size`` bytes in all) and check what it
    declares: InputFileError if it is no .npy array, or the input can't take it, or the data is
    short; ValueError (unreadable) for a malformed header."""
    magic = handle.read(np.lib.format.MAGIC_LEN)
    if magic[:-2] != np.lib.format.MAGIC_PREFIX:
        raise InputFileError(
            f"input {port.name!r}: {source} can't be read as a numpy array: it does not start with "
            f"numpy's .npy header (pickled data or another format; refused, never unpickled); save "
            f"it with np.save or np.savez"
        )
    version = (magic[-2], magic[-1])
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
    else:  # 2.0, and 3.0 (the same but UTF-8; latin-1 reads its ASCII alike)
        shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    if any(dim < 0 for dim in shape):
        raise ValueError(f"its header declares a negative dimension, shape {shape}")
    check_header(tuple(shape), dtype, port, source)
    needed, held = math.prod(shape) * dtype.itemsize, size - handle.tell()
    if held < needed:
        raise InputFileError(
            f"input {port.name!r}: {source} is cut short: its header declares shape "
            f"{shape_text(shape)} ({type_name(dtype)}), {needed} bytes of data, and it holds {held}; "
            f"write it again (np.save)"
        )


def _npz_key(path: Path, port: PortInfo, keys: list[str]) -> str:
    """The array keyed by the input's name, or the only array whatever its key."""
    if port.name in keys:
        return port.name
    if len(keys) == 1:
        return keys[0]
    listed = ", ".join(repr(key) for key in keys)
    raise InputFileError(
        f"input {port.name!r}: file {path.name} holds arrays {listed} but none named {port.name!r}; "
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
