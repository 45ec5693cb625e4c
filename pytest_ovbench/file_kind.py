"""What a path is when it is not a regular file (a FIFO, a device, a socket, a folder).

Reading such a path can block forever (a FIFO) or never end (``/dev/zero``), so baselines, models
and input files are refused before anything opens them; this names what they are.
"""

from __future__ import annotations

import stat

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_kind(mode: int) -> str | None:
    """None for a regular file's ``st_mode``, else what the file is, in words."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for is_kind, kind in _KINDS if is_kind(mode)), "not a regular file")
