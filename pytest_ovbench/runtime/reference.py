"""Reference models for reference mode: a path, or the same model files at a git revision."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pytest_ovbench.errors import ModelError
from pytest_ovbench.runtime.git import GitUnavailable, has_commit, run_git, toplevel
from pytest_ovbench.runtime.models import model_files

_GIT_TIMEOUT_S = 60.0


def git_toplevel(path: Path) -> Path:
    """The top of the git checkout holding the model file ``path``; ModelError if there is none."""
    top = toplevel(path.parent, _GIT_TIMEOUT_S)
    if top is None:
        raise ModelError(f"--ov-reference-rev: {path} is not inside a git checkout")
    return top


def check_revision(rev: str, cwd: Path) -> None:
    """Fail early, naming the revision and the fix, when git does not know it."""
    if not has_commit(rev, cwd, _GIT_TIMEOUT_S):
        raise ModelError(
            f"--ov-reference-rev={rev}: git does not know this revision here; "
            f"fetch it first (e.g. git fetch origin) or name another one"
        )


def files_at_revision(path: Path, rev: str, into: Path) -> Path | None:
    """Write ``path`` (and its IR weights) as they are at ``rev`` into ``into``; None if the model
    did not exist at ``rev`` (a new model: there is nothing to compare with)."""
    try:
        return _copy_at_revision(path, rev, into)
    except GitUnavailable as error:
        raise ModelError(f"--ov-reference-rev needs git, which could not run: {error.reason}") from None


def _copy_at_revision(path: Path, rev: str, into: Path) -> Path | None:
    top = git_toplevel(path.resolve())
    check_revision(rev, top)
    for file in model_files(path):
        relative = file.resolve().relative_to(top).as_posix()
        done = run_git(["show", f"{rev}:{relative}"], top, _GIT_TIMEOUT_S)
        if done.returncode != 0:
            return None
        (into / file.name).write_bytes(done.stdout)
    return into / path.name


def reference_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="pytest-ovbench-ref-"))
