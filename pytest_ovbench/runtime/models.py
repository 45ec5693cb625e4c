"""Reading the model under test: a path in any format ``Core.read_model`` reads, or an openvino.Model."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ovbench.errors import ModelError, openvino_reason
from pytest_ovbench.file_kind import special_kind

# Files that belong to a model besides the one named (IR weights).
_COMPANIONS = {".xml": (".bin",)}


@dataclass(frozen=True)
class LoadedModel:
    """A model with where it came from; ``path`` is None for an in-memory openvino.Model."""

    model: Any  # openvino.Model
    path: Path | None
    read_ms: float


def read_model(core: Any, path: Path) -> LoadedModel:
    """Read ``path`` with OpenVINO; errors name the file and OpenVINO's reason in a few lines."""
    import time

    if not path.exists():
        raise ModelError(
            f"model file not found: {path}\n  fix: check the path (relative paths are "
            "taken against pytest's rootdir)"
        )
    if path.is_dir():
        raise ModelError(f"model path is a folder, not a file: {path}")
    for file in model_files(path):
        refuse_special_file(file, "model file" if file == path else "model weights file")
    start = time.perf_counter()
    try:
        model = core.read_model(str(path))
    except Exception as exc:
        raise ModelError(
            f"OpenVINO cannot read model {path}:\n  " + openvino_reason(exc).replace("\n", "\n  ")
        ) from None
    return LoadedModel(model, path, (time.perf_counter() - start) * 1e3)


def special_file_kind(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file once symlinks are followed (a device, a
    FIFO, a socket, a folder), None for a regular file. Reading such a path can block forever
    (a FIFO) or never end (``/dev/zero``), so callers refuse it before anything opens it."""
    try:
        mode = os.stat(path).st_mode  # follows symlinks: a link to /dev/zero is /dev/zero
    except OSError as exc:
        return f"a broken symlink or unreadable path ({exc.strerror or exc})"
    return special_kind(mode)


def refuse_special_file(path: Path, what: str) -> None:
    """ModelError naming ``path`` (and where its symlinks lead) unless it is a regular file."""
    kind = special_file_kind(path)
    if kind is None:
        return
    target = path.resolve()
    via = f" (a symlink to {target})" if target != path.absolute() else ""
    raise ModelError(
        f"{what} {path}{via} is {kind}, not a regular file: refused before OpenVINO reads it (a FIFO "
        "would block, a device such as /dev/zero never ends)\n  fix: give the model's own files"
    )


def model_files(path: Path) -> list[Path]:
    """The files that make up a model on disk (the .xml and its .bin for IR)."""
    files = [path]
    for suffix in _COMPANIONS.get(path.suffix.lower(), ()):
        companion = path.with_suffix(suffix)
        if companion.exists() or companion.is_symlink():  # a broken link is named, not skipped
            files.append(companion)
    return files


def model_hash(path: Path | None) -> str | None:
    """sha256 over the model's files (first 16 hex digits), recorded with baselines."""
    if path is None:
        return None
    digest = hashlib.sha256()
    for file in model_files(path):
        with file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def dynamic_inputs(model: Any) -> list[str]:
    """Names (with shapes) of the inputs whose shape is not fully known."""
    return [
        f"{port.get_any_name() if port.get_names() else port.get_node().get_friendly_name()} "
        f"{port.get_partial_shape()}"
        for port in model.inputs
        if port.get_partial_shape().is_dynamic
    ]
