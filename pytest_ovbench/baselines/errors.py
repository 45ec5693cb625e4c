"""The errors raised over baseline files, each with a complete message for the user (what, where, fix)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = [
    "FILE_FIX",
    "WRITE_FIX",
    "BaselineError",
    "BaselineFileError",
    "BaselineWriteError",
    "os_reason",
    "shown",
]

FILE_FIX = "To fix: edit the file by hand, or delete it and re-record with `pytest --ov-update-baselines`."
WRITE_FIX = (
    "To fix: make that folder writable, or point the ini option `ov_baselines_dir` at a writable folder."
)
_REASON_CHARS = 600  # a hostile file must not flood the terminal through a key or value it names
_SHOWN_CHARS = 80
_LINE_BREAKS = re.compile(r"\s*[\r\n\x0b\x0c\x85\u2028\u2029]+\s*")


class BaselineError(Exception):
    """Base of the errors raised over baselines; ``str(error)`` is a complete message for the user."""


class BaselineFileError(BaselineError):
    """A baseline file that cannot be used.

    ``path`` is the file, ``line`` the 1-based line where YAML reports one (else None), and
    ``reason`` what is wrong; the message adds how to fix it.
    """

    def __init__(self, path: Path, line: int | None, reason: str, fix: str = FILE_FIX) -> None:
        self.path = path
        self.line = line
        self.reason = _one_line(reason)
        self.fix = fix
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"Unusable baseline file {where}: {self.reason}\n{fix}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from the fields so the error survives pickling (multiprocessing, xdist).
        return (type(self), (self.path, self.line, self.reason, self.fix))


class BaselineWriteError(BaselineError):
    """Baselines cannot be written: ``path`` (file or folder), the OS ``reason``, and the fix."""

    def __init__(self, path: Path, reason: str, fix: str = WRITE_FIX) -> None:
        self.path = path
        self.reason = _one_line(reason)
        self.fix = fix
        super().__init__(f"Cannot write baselines to {path}: {self.reason}\n{fix}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason, self.fix))


def os_reason(error: OSError) -> str:
    """What the OS said, without the errno and path that the messages above give their own way."""
    return error.strerror or str(error)


def shown(value: object) -> str:
    """``repr`` cut short, for naming a key or value of a (possibly hostile) file in a message."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def _one_line(reason: str) -> str:
    # The reason is one line of the message (the fix is the next): it may quote keys from the file.
    # Cut from the middle: the start says where, the end what is wrong.
    text = _LINE_BREAKS.sub(" ", reason)
    if len(text) <= _REASON_CHARS:
        return text
    half = (_REASON_CHARS - 5) // 2
    return f"{text[:half]} ... {text[-half:]}"
