"""Reading the image files of ``inputs=`` (.jpg .jpeg .png .bmp) with Pillow as benchmark_app reads
them with OpenCV: BGR order, EXIF orientation applied, resized to the input's H x W, laid out as
the input's (given or guessed) layout, N consecutive images to a tensor of batch N."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pytest_ovbench.inputs.conversion import convert
from pytest_ovbench.inputs.layouts import MAX_COLOURS, guess_image_layout, is_image_layout, layout_axes
from pytest_ovbench.inputs.ports import Array, InputFileError, PortInfo, expects, unreadable

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
# Refused above this many pixels, before decoding: Pillow's own default limit (about 89 million,
# a 9459 x 9459 image), where it only warns (it refuses at twice that). A larger file is most
# likely a decompression bomb: a small file whose pixels would fill gigabytes.
MAX_IMAGE_PIXELS = 89_478_485


@dataclass(frozen=True)
class _ImageGeometry:
    order: str  # the input's axes, e.g. "NCHW", "HWC"
    batch: int
    height: int
    width: int
    channels: int


def image_tensors(images: list[Path], port: PortInfo) -> list[Array]:
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
            f"{expects(port)}, whose height and width are dynamic, so image {image.name} can't be "
            f"resized to it; give a static shape with shape= (or data_shape=)"
        )
    channels = 3 if channels is None else channels
    if channels not in (1, 3):
        raise InputFileError(
            f"{expects(port)} with {channels} channels (layout {order}); image {image.name} gives 3 "
            f"(BGR) or 1 (grayscale); give .npy data for this input instead"
        )
    return _ImageGeometry(order, dims.get("N") or 1, height, width, channels)


def _image_layout(port: PortInfo, image: Path) -> str:
    """The input's layout when it is one images fit (H, W and C, maybe N), else InputFileError."""
    order = layout_axes(port.layout) if port.layout else guess_image_layout(port.shape)
    if order is not None and is_image_layout(order, len(port.shape)):
        return order
    prefix = f"{expects(port)}; image {image.name} can't fill it"
    if port.layout:
        raise InputFileError(
            f"{prefix}: its layout {port.layout} is not an image layout (NCHW, NHWC, CHW or HWC); "
            f"give .npy data for this input, or correct the layout with layout="
        )
    if len(port.shape) in (3, 4):
        raise InputFileError(
            f"{prefix}: it has no layout, and its shape doesn't show which dimension holds the colour "
            f"channels (one of the first and last must be at most {MAX_COLOURS}, the other more); "
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


def _read_image(path: Path, geometry: _ImageGeometry, port: PortInfo) -> Array:
    """One image as an H x W x C array (C = 3 in BGR order, or 1), in the input's element type."""
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise InputFileError(
            f"input {port.name!r}: image {path.name} needs Pillow to be decoded, and it is not "
            f"installed: pip install pytest-ovbench[images] (or pip install Pillow)"
        ) from None
    image = _decoded(Image, ImageOps, path, geometry, port)
    if image.size != (geometry.width, geometry.height):
        image = image.resize((geometry.width, geometry.height), Image.Resampling.BILINEAR)
    pixels = np.asarray(image)
    # cv2.imread, which benchmark_app uses, gives BGR.
    frame = pixels[:, :, None] if geometry.channels == 1 else pixels[:, :, ::-1]
    return convert(frame, port, f"image {path.name}")


def _decoded(image_module: Any, image_ops: Any, path: Path, geometry: _ImageGeometry, port: PortInfo) -> Any:
    """The image decoded, oriented and in the mode the input needs; InputFileError, before
    decoding, for an image of more than MAX_IMAGE_PIXELS pixels (a decompression bomb)."""
    bomb = (image_module.DecompressionBombError, image_module.DecompressionBombWarning)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", image_module.DecompressionBombWarning)
            with image_module.open(path) as opened:
                _refuse_bomb(path, port, opened.size, geometry)
                return image_ops.exif_transpose(opened).convert("L" if geometry.channels == 1 else "RGB")
    except InputFileError:  # a ValueError too: not to be taken for an unreadable file
        raise
    except bomb as exc:
        raise InputFileError(
            f"input {port.name!r}: image {path.name} is refused: {exc} (a decompression bomb?); "
            f"give an image of at most {MAX_IMAGE_PIXELS} pixels"
        ) from None
    except (OSError, ValueError) as exc:
        raise unreadable(path, port.name, exc) from None


def _refuse_bomb(path: Path, port: PortInfo, size: tuple[int, int], geometry: _ImageGeometry) -> None:
    width, height = size
    if width * height > MAX_IMAGE_PIXELS:
        raise InputFileError(
            f"input {port.name!r}: image {path.name} is {width} x {height} pixels, more than the "
            f"{MAX_IMAGE_PIXELS} ovbench decodes (a decompression bomb?): refused before decoding; "
            f"give a smaller image (it is resized to {geometry.width} x {geometry.height} anyway)"
        )
