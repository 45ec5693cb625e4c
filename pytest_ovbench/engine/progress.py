"""Progress of long measurements, from a background thread (no pytest: the writer is given).

The measured loop does nothing for it: while a run is measured, a thread wakes once the
measurement is two seconds old and says which run it is and how long the whole measurement has
taken so far: every run of it (the first with the yardstick beside the model, each confirmation in
a fresh process) counts on one clock. On a terminal the line is rewritten once a second; elsewhere
(a CI log, a file) a line of its own every ten seconds, and never a carriage return.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

Write = Callable[[str], None]
DELAY_S = 2.0
EVERY_S = 1.0  # on a terminal: the line rewritten this often
PLAIN_EVERY_S = 10.0  # not a terminal: a new line this often


def rewrites(write: Write) -> bool:
    """Whether ``write`` goes to a terminal, where a line can be rewritten with a carriage return.
    A writer says so with a ``rewrites()`` method; any other gets plain lines."""
    probe = getattr(write, "rewrites", None)
    return bool(probe()) if callable(probe) else False


class Stopwatch:
    """The progress of one measurement. Calling it gives the context manager that wraps one run;
    the clock starts with the first run and counts every later one."""

    def __init__(self, write: Write | None, label: str) -> None:
        self.write, self.label = write, label
        self.start: float | None = None
        self.runs = 0
        self.shown = False  # a line was written: pytest's own line ended
        self.open = False  # a terminal line is waiting to be rewritten

    def __call__(self) -> AbstractContextManager[None]:
        return self._run()

    @contextlib.contextmanager
    def _run(self) -> Iterator[None]:
        if self.write is None:
            yield
            return
        self.start = time.perf_counter() if self.start is None else self.start
        self.runs += 1
        stop = threading.Event()
        thread = threading.Thread(target=self._tick, args=(self.write, stop), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            if self.open:
                self.write("\n")
                self.open = False

    def _tick(self, write: Write, stop: threading.Event) -> None:
        start = self.start or time.perf_counter()
        if stop.wait(max(0.0, start + DELAY_S - time.perf_counter())):
            return
        terminal = rewrites(write)
        while True:
            self._show(write, terminal, time.perf_counter() - start)
            if stop.wait(EVERY_S if terminal else PLAIN_EVERY_S):
                return

    def _show(self, write: Write, terminal: bool, elapsed_s: float) -> None:
        text = f"    ovbench {self.label}: measuring, run {self.runs}, {elapsed_s:.0f} s so far"
        lead = "" if self.shown else "\n"  # off the line pytest -v left open
        if terminal:
            write(f"{lead}\r{text}   ")
            self.open = True
        else:
            write(f"{lead}{text}\n")
        self.shown = True
