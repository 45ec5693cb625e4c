"""Reading files at a git revision: running git, finding the checkout's top, checking a revision.

Shared by reference mode (model files at ``--ov-reference-rev``) and ``ovbench diff git:REV``.
Failures that depend on who asks come back as values (None, False) for the caller to explain in
its own words; only git being unable to run at all raises, as :class:`GitUnavailable`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "GIT_TIMEOUT_S",
    "GitUnavailable",
    "TreeEntry",
    "has_commit",
    "lfs_media_dir",
    "lfs_smudge",
    "read_blob",
    "run_git",
    "toplevel",
    "tree_entry",
]

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


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a commit's tree: its git mode (``100644``, ``120000`` for a symlink...), its
    kind (``blob``, ``tree``, ``commit`` for a submodule) and its object id."""

    mode: str
    kind: str
    object_id: str

    @property
    def is_symlink(self) -> bool:
        return self.mode == "120000"


def tree_entry(rev: str, relative: str, cwd: Path, timeout: float = GIT_TIMEOUT_S) -> TreeEntry | None:
    """What the tree of ``rev`` holds at ``relative`` (``/``-separated, from the checkout's top,
    which ``cwd`` must be in); None when it holds nothing there. A symlink is an entry of its own
    (its blob is the link's target), never followed."""
    done = run_git(["ls-tree", "-z", "--full-tree", rev, "--", relative], cwd, timeout)
    meta = done.stdout.partition(b"\t")[0].split()
    if done.returncode != 0 or len(meta) != 3:
        return None
    mode, kind, object_id = (part.decode("ascii", "replace") for part in meta)
    return TreeEntry(mode, kind, object_id)


def read_blob(object_id: str, cwd: Path, timeout: float = GIT_TIMEOUT_S) -> bytes | None:
    """The bytes of a blob (for a symlink: its target); None if git cannot give them."""
    done = run_git(["cat-file", "blob", object_id], cwd, timeout)
    return done.stdout if done.returncode == 0 else None


def lfs_media_dir(cwd: Path, timeout: float = GIT_TIMEOUT_S) -> Path | str:
    """Where git-lfs keeps this checkout's objects (``LocalMediaDir`` of ``git lfs env``); when
    git-lfs cannot say (not installed), why, as text."""
    done = run_git(["lfs", "env"], cwd, timeout)
    for line in done.stdout.decode(errors="replace").splitlines():
        if done.returncode == 0 and line.startswith("LocalMediaDir="):
            return Path(line.partition("=")[2])
    reason = done.stderr.decode(errors="replace").strip().splitlines()
    return reason[0] if reason else f"git lfs env exited with code {done.returncode}"


def lfs_smudge(
    pointer: bytes, name: str, into: Path, cwd: Path, timeout: float = GIT_TIMEOUT_S
) -> str | None:
    """Write the content a Git LFS ``pointer`` stands for into the file ``into`` (``git lfs
    smudge``; ``name`` only labels git-lfs's messages); None when done, else git-lfs's reason.
    git-lfs downloads an object it lacks: callers check that it is here first."""
    with into.open("wb") as out:
        try:
            done = subprocess.run(
                ["git", "lfs", "smudge", "--", name],
                cwd=cwd,
                input=pointer,
                stdout=out,
                stderr=subprocess.PIPE,
                check=False,
                timeout=timeout,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise GitUnavailable(cwd, str(error)) from None
    if done.returncode == 0:
        return None
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    return lines[0] if lines else f"git lfs smudge exited with code {done.returncode}"
