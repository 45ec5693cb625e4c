"""Image layouts: an input's layout text as axis letters, and benchmark_app's guess of an image
layout from the shape alone (which axis holds the colour channels, and so where the batch is)."""

from __future__ import annotations

from collections.abc import Sequence

# benchmark_app's bound on a colour dimension when it guesses an image layout from a shape.
MAX_COLOURS = 4


def layout_axes(layout: str) -> str:
    """'NCHW' or OpenVINO's '[N,C,H,W]' as 'NCHW' (other forms come back with their '?' / '...')."""
    text = layout.strip().upper()
    if text.startswith("[") and text.endswith("]"):
        return "".join(axis.strip() for axis in text[1:-1].split(","))
    return text


def is_image_layout(order: str, rank: int) -> bool:
    """Whether axes ``order`` are those of an image input of that rank: H, W and C, maybe N."""
    axes = set(order)
    return len(order) == rank and len(axes) == rank and {"H", "W", "C"} <= axes <= {"N", "H", "W", "C"}


def guess_image_layout(shape: Sequence[int | None]) -> str | None:
    """benchmark_app's guess for an input without a layout: the colour dimension is the small one
    (<= 4) of the first and last image dimensions, the other one more. 4-D: NCHW or NHWC, 3-D: CHW
    or HWC; None when the shape shows neither. None in ``shape`` is a dynamic dimension."""
    if len(shape) not in (3, 4):
        return None
    batch = "N" if len(shape) == 4 else ""
    # A dynamic dimension's maximum is unbounded, -1 in OpenVINO (so it counts as small).
    first, last = ((-1 if dim is None else dim) for dim in (shape[len(shape) - 3], shape[-1]))
    if first <= MAX_COLOURS < last:
        return batch + "CHW"
    if last <= MAX_COLOURS < first:
        return batch + "HWC"
    return None
