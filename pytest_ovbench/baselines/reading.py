"""Reading the bytes of a baseline file safely: a regular file of bounded size, as UTF-8 text.

A baseline file arrives in a PR from anyone, and ``ovbench list`` reads every ``.yaml`` under the
folder. So before a byte is read: symlinks are resolved and anything but a regular file is refused
(a FIFO would hang the run, ``/dev/zero`` would fill memory), and a file over MAX_FILE_BYTES is
refused (PyYAML's pure-Python parser takes seconds and hundreds of MB per few MB). The file is
opened with O_NONBLOCK, so one swapped for a FIFO after the check still cannot hang the read.
Plain Python: no pytest, no OpenVINO, no YAML.
"""

from __future__ import annotations

import os
from pathlib import Path

from pytest_ovbench.baselines.errors import BaselineFileError, os_reason
from pytest_ovbench.file_kind import special_kind

__all__ = ["MAX_FILE_BYTES", "check_size", "decode", "read_text"]

MAX_FILE_BYTES = 2 * 1024 * 1024
"""The largest baseline file read or written (2 MiB; a file with hundreds of entries is ~1 MiB)."""

_SIZE_FIX = (
    "To fix: delete the entries no test uses any more (`ovbench prune`), split the test module so each "
    "baseline file holds fewer entries, or delete the file and re-record with `pytest --ov-update-baselines`."
)
_KIND_FIX = (
    "To fix: replace it with a regular file, or delete it and re-record with `pytest --ov-update-baselines`."
)
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def read_text(path: Path) -> str | None:
    """The text of the file at ``path`` (as :func:`decode` gives it); None if there is no file yet.

    BaselineFileError if it is not a regular file (after resolving symlinks), is larger than
    MAX_FILE_BYTES, cannot be read or is not UTF-8.
    """
    try:
        check_regular(path, os.stat(path))  # before opening: opening a device can have effects
        descriptor = os.open(path, _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):  # no file yet; writing will say what's wrong
        return None
    except OSError as error:
        raise BaselineFileError(path, None, f"cannot read it: {os_reason(error)}") from error
    try:
        return decode(path, _read_bounded(path, descriptor))
    finally:
        os.close(descriptor)


def check_regular(path: Path, status: os.stat_result) -> None:
    """BaselineFileError unless ``status`` (of ``path``, symlinks resolved) is a regular file's."""
    kind = special_kind(status.st_mode)
    if kind is None:
        return
    link = f" (a symbolic link to {os.path.realpath(path)})" if os.path.islink(path) else ""
    reason = f"it is {kind}{link}, not a regular file; refused without reading it"
    raise BaselineFileError(path, None, reason, _KIND_FIX)


def check_size(path: Path, size: int) -> None:
    """BaselineFileError naming the size and the cap if ``size`` bytes is over MAX_FILE_BYTES."""
    if size > MAX_FILE_BYTES:
        reason = (
            f"it is {size:,} bytes, over the {MAX_FILE_BYTES:,} bytes (2 MiB) a baseline file may hold; "
            "refused without reading it"
        )
        raise BaselineFileError(path, None, reason, _SIZE_FIX)


def _read_bounded(path: Path, descriptor: int) -> bytes:
    # fstat again: the path may have been swapped since the check. Read one byte past the cap
    # so a file that grows meanwhile is still refused rather than read without end.
    try:
        status = os.fstat(descriptor)
        check_regular(path, status)
        check_size(path, status.st_size)
        chunks: list[bytes] = []
        remaining = MAX_FILE_BYTES + 1
        while remaining > 0 and (chunk := os.read(descriptor, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise BaselineFileError(path, None, f"cannot read it: {os_reason(error)}") from error
    data = b"".join(chunks)
    check_size(path, len(data))
    return data


def decode(path: Path, data: bytes) -> str:
    """``data`` as UTF-8 text with ``\\n`` line ends (as a text-mode read gives); errors name ``path``.

    BaselineFileError if it is not UTF-8 or over MAX_FILE_BYTES (content from git, not a file).
    """
    check_size(path, len(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text ({error.reason} at byte {error.start})"
        raise BaselineFileError(path, None, reason) from error
    return text.replace("\r\n", "\n").replace("\r", "\n")
