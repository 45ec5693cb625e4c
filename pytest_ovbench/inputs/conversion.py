"""Arrays made to fit an input: a file's array checked against the input's shape, a pinned value
broadcast to it, and either converted to the input's element type when no value is lost."""

from __future__ import annotations

from typing import Any

import numpy as np

from pytest_ovbench.inputs.ports import Array, InputFileError, PortInfo, expects, shape_text, type_name


def fit(array: Array, port: PortInfo, source: str) -> Array:
    """A file's array checked against the input's shape and converted to its element type."""
    _check_shape(array.shape, array.dtype, port, source)
    # np.load keeps a Fortran-ordered file's order; tensors want C order.
    # asarray, not ascontiguousarray: that one turns a rank-0 array (a scalar input) into shape (1,)
    return np.asarray(convert(array, port, source), order="C")


def check_header(shape: tuple[int, ...], dtype: np.dtype[Any], port: PortInfo, source: str) -> None:
    """What a file's header declares, checked before its data is read: no object arrays (pickled
    Python objects), an element type the input can take, and the input's shape."""
    if dtype.hasobject:
        raise InputFileError(
            f"input {port.name!r}: {source} holds an object array (pickled Python objects); object "
            f"arrays are refused, as loading them could run code: save a numeric array instead"
        )
    numeric = dtype.kind in "biuf" and port.dtype.kind in "biuf"  # value checks come after reading
    if not numeric and not np.can_cast(dtype, port.dtype, "same_kind"):
        raise InputFileError(
            f"input {port.name!r}: expects {type_name(port.dtype)} values; {source} holds "
            f"{type_name(dtype)}, which does not convert to it; give {type_name(port.dtype)} data"
        )
    _check_shape(shape, dtype, port, source)


def _check_shape(shape: tuple[int, ...], dtype: np.dtype[Any], port: PortInfo, source: str) -> None:
    if not _shape_matches(shape, port.shape):
        raise InputFileError(
            f"{expects(port)}; {source} has shape {shape_text(shape)} ({type_name(dtype)}); "
            f"static dimensions must match exactly (dynamic ones, '?', take the file's size)"
        )


def pin(value: Array, port: PortInfo) -> Array:
    """A pinned value broadcast to the input's shape; dynamic dimensions take the value's own size."""
    what = (
        f"pinned value {value.item()!r}"
        if value.ndim == 0
        else f"pinned array of shape {shape_text(value.shape)}"
    )
    dynamic = None in port.shape
    if dynamic and value.ndim != len(port.shape):
        raise InputFileError(
            f"{expects(port)}; {what} can't fill it: with dynamic dimensions the value must have all "
            f"{len(port.shape)} dimensions (the dynamic ones take its size), or give a static shape="
        )
    sizes = value.shape if dynamic else (0,) * len(port.shape)
    target = tuple(size if dim is None else dim for dim, size in zip(port.shape, sizes))
    converted = convert(value, port, what)
    try:
        return np.asarray(np.broadcast_to(converted, target), order="C")
    except ValueError:
        raise InputFileError(
            f"{expects(port)}; {what} does not broadcast to it; give an array of that shape, or one "
            f"that broadcasts (a scalar, or size-1 dimensions)"
        ) from None


def convert(array: Array, port: PortInfo, source: str) -> Array:
    """``array`` in the input's element type, or InputFileError when the conversion would lose values."""
    if array.dtype == port.dtype:
        return array
    problem = _conversion_problem(array, port.dtype)
    if problem is not None:
        raise InputFileError(
            f"input {port.name!r}: expects {type_name(port.dtype)} values; {source} "
            f"({type_name(array.dtype)}) can't be converted: {problem}; give {type_name(port.dtype)} data"
        )
    return array.astype(port.dtype)


def _conversion_problem(array: Array, dtype: np.dtype[Any]) -> str | None:
    """Why converting ``array`` to ``dtype`` loses values, None when it doesn't."""
    kind = array.dtype.kind
    if dtype.kind == "f" and kind in "biuf":
        with np.errstate(over="ignore"):
            overflow = np.isfinite(array) & ~np.isfinite(array.astype(dtype))
        return f"some values overflow {type_name(dtype)}" if overflow.any() else None
    if dtype.kind in "biu" and kind in "biu":
        return _range_problem(array, dtype)
    if dtype.kind in "biu" and kind == "f":
        return f"floats don't convert to {type_name(dtype)} exactly"
    if np.can_cast(array.dtype, dtype, "same_kind"):
        return None
    return f"{type_name(array.dtype)} does not convert to {type_name(dtype)} without loss"


def _range_problem(array: Array, dtype: np.dtype[Any]) -> str | None:
    # Plain int comparisons: numpy's same_kind casting would refuse i64 -> u8 even for 0..255.
    low, high = (0, 1) if dtype.kind == "b" else (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
    if array.size == 0:
        return None
    smallest, largest = int(array.min()), int(array.max())
    if low <= smallest and largest <= high:
        return None
    values = f"{smallest} doesn't" if smallest == largest else f"values {smallest}..{largest} don't"
    return f"{values} fit {type_name(dtype)} ({low}..{high})"


def _shape_matches(actual: tuple[int, ...], expected: tuple[int | None, ...]) -> bool:
    return len(actual) == len(expected) and all(e is None or e == a for a, e in zip(actual, expected))
