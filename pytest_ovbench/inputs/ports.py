"""What the ``inputs=`` loaders know of a model input (PortInfo), the error they raise
(InputFileError) and the phrases its messages share (shapes and element types as OpenVINO
spells them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_ovbench.errors import OvbenchError

Array = npt.NDArray[Any]


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


def expects(port: PortInfo) -> str:
    """The opening of most messages: the input's name, shape and element type."""
    return f"input {port.name!r}: expects shape {shape_text(port.shape)} ({type_name(port.dtype)})"


def shape_text(shape: Sequence[int | None]) -> str:
    """A shape as OpenVINO prints it, '?' for a dynamic dimension: [1,3,?,?]."""
    return "[" + ",".join("?" if dim is None else str(dim) for dim in shape) + "]"


def type_name(dtype: np.dtype[Any]) -> str:
    """OpenVINO's short names (f32, u8, boolean) where there is one."""
    if dtype.kind == "b":
        return "boolean"
    if dtype.kind in "iuf":
        return f"{dtype.kind}{dtype.itemsize * 8}"
    return str(dtype)


def unreadable(path: Path, name: str | None, exc: Exception) -> InputFileError:
    """The error for a file that numpy or Pillow can't read."""
    return InputFileError(f"{who(name)}: file {path.name} can't be read ({exc}); check the file ({path})")


def who(name: str | None) -> str:
    """Whom a message is about: the input ``name``, or ``inputs=`` as a whole (None)."""
    return "inputs=" if name is None else f"input {name!r}"
