"""Reference models for reference mode: a path, or the same model files at a git revision."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from pytest_ovbench.errors import ModelError
from pytest_ovbench.runtime.models import model_files


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelError(f"--ov-reference-rev needs git, which could not run: {exc}") from None


def git_toplevel(path: Path) -> Path:
    done = _git(["rev-parse", "--show-toplevel"], path.parent)
    if done.returncode != 0:
        raise ModelError(f"--ov-reference-rev: {path} is not inside a git checkout")
    return Path(done.stdout.decode().strip())


def check_revision(rev: str, cwd: Path) -> None:
    """Fail early, naming the revision and the fix, when git does not know it."""
    done = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd)
    if done.returncode != 0:
        raise ModelError(
            f"--ov-reference-rev={rev}: git does not know this revision here; "
            f"fetch it first (e.g. git fetch origin) or name another one"
        )


def files_at_revision(path: Path, rev: str, into: Path) -> Path | None:
    """Write ``path`` (and its IR weights) as they are at ``rev`` into ``into``; None if the model
    did not exist at ``rev`` (a new model: there is nothing to compare with)."""
    top = git_toplevel(path.resolve())
    check_revision(rev, top)
    target = into / path.name
    for file in model_files(path):
        relative = file.resolve().relative_to(top).as_posix()
        done = _git(["show", f"{rev}:{relative}"], top)
        if done.returncode != 0:
            return None
        (into / file.name).write_bytes(done.stdout)
    return target


def reference_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="pytest-ovbench-ref-"))
