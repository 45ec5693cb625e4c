"""The one exception of the history store: it names the store and the fix."""

from __future__ import annotations

import re

from pytest_ovbench.errors import OvbenchError

__all__ = ["HistoryError", "shown_location"]

_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


class HistoryError(OvbenchError):
    """The history store cannot be opened, read or written; ``str()`` names the store and the fix.

    The pytest glue turns it into a warning (a run's verdicts never depend on the history); the
    ``ovbench`` commands into an error (exit code 1)."""

    def __init__(self, location: str, problem: str, fix: str) -> None:
        self.location = shown_location(location)
        self.problem = problem
        self.fix = fix
        super().__init__(f"history store {self.location}: {problem}; {fix}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.location, self.problem, self.fix))


def shown_location(location: str) -> str:
    """A store's address fit for a message or a log: a URL's password replaced by ``***``."""
    return _PASSWORD.sub(r"\1***@", location)
