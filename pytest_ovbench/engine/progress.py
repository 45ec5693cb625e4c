"""Progress of long measurements, from a background thread (no pytest: the writer is given).

The measured loop does nothing for it: a thread wakes once a second, after the first two, and
rewrites one line with the elapsed time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

Write = Callable[[str], None]
DELAY_S = 2.0
EVERY_S = 1.0


def _tick(write: Write, label: str, total_s: float | None, stop: threading.Event, shown: list[bool]) -> None:
    start = time.perf_counter()
    if stop.wait(DELAY_S):
        return
    while True:
        elapsed = time.perf_counter() - start
        of_total = f" of {total_s:.0f} s" if total_s else ""
        write(f"{'' if shown else chr(10)}\r    ovbench {label}: measuring, {elapsed:.0f} s{of_total}   ")
        shown.append(True)
        if stop.wait(EVERY_S):
            return


@contextlib.contextmanager
def progress(write: Write | None, label: str, total_s: float | None) -> Iterator[None]:
    """Show progress while the block runs, if it runs longer than DELAY_S."""
    if write is None:
        yield
        return
    stop, shown = threading.Event(), []  # type: ignore[var-annotated]
    thread = threading.Thread(target=_tick, args=(write, label, total_s, stop, shown), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        if shown:
            write("\n")
