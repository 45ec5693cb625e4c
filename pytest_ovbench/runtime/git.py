"""Reading files at a git revision: running git, finding the checkout's top, checking a revision.

Shared by reference mode (model files at ``--ov-reference-rev``) and ``ovbench diff git:REV``.
Failures that depend on who asks come back as values (None, False) for the caller to explain in
its own words; only git being unable to run at all raises, as :class:`GitUnavailable`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

__all__ = ["GIT_TIMEOUT_S", "GitUnavailable", "has_commit", "run_git", "toplevel"]

GIT_TIMEOUT_S = 120.0


class GitUnavailable(Exception):
    """git could not run in ``cwd`` (not installed, not on PATH, or timed out): ``reason`` says why."""

    def __init__(self, cwd: Path, reason: str) -> None:
        self.cwd = cwd
        self.reason = reason
        super().__init__(f"git could not run in {cwd}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.cwd, self.reason))


def run_git(
    args: Sequence[str], cwd: Path, timeout: float = GIT_TIMEOUT_S
) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` in ``cwd``, output captured as bytes; a non-zero exit code is the caller's to judge."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GitUnavailable(cwd, str(error)) from None


def toplevel(cwd: Path, timeout: float = GIT_TIMEOUT_S) -> Path | None:
    """The top folder (resolved) of the git checkout holding ``cwd``; None if it is in none."""
    done = run_git(["rev-parse", "--show-toplevel"], cwd, timeout)
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode().strip()).resolve()


def has_commit(rev: str, cwd: Path, timeout: float = GIT_TIMEOUT_S) -> bool:
    """Whether git in ``cwd`` knows ``rev`` as a commit (branch, tag, hash, ``HEAD~1``...)."""
    done = run_git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd, timeout)
    return done.returncode == 0
