"""Reference models for reference mode: a path, or the same model files at a git revision."""

from __future__ import annotations

import os
import posixpath
import tempfile
from pathlib import Path, PurePosixPath

from pytest_ovbench.errors import ModelError
from pytest_ovbench.runtime.git import GitUnavailable, has_commit, read_blob, toplevel, tree_entry
from pytest_ovbench.runtime.models import model_files

_GIT_TIMEOUT_S = 60.0
_MAX_LINKS = 8  # symlinks followed in a row inside the repository before giving up (a loop)


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
    top = git_toplevel(path.parent.resolve() / path.name)  # path itself may be a link git stores
    check_revision(rev, top)
    for file in model_files(path):
        data = _blob_at(rev, _from_top(file, top), top)
        if data is None:
            return None
        (into / file.name).write_bytes(data)
    return into / path.name


def _from_top(file: Path, top: Path) -> str:
    """``file``'s path from the checkout's top as git names it: the folders' symlinks followed, the
    file's own kept (git stores a symlink as a symlink; :func:`_blob_at` follows it at the revision)."""
    where = file.parent.resolve() / file.name
    try:
        return where.relative_to(top).as_posix()
    except ValueError:
        raise ModelError(
            f"--ov-reference-rev: model file {file} lies outside the git checkout {top} (its folder "
            f"is {file.parent.resolve()}); reference mode reads the model files from git, so they "
            "must be inside the repository (or give reference= a path instead)"
        ) from None


def _blob_at(rev: str, relative: str, top: Path) -> bytes | None:
    """The bytes of ``relative`` at ``rev``, symlinks that stay inside the repository followed;
    None if there is no such file there. ModelError for a link that leaves the repository."""
    named = relative
    for _ in range(_MAX_LINKS):
        entry = tree_entry(rev, relative, top, _GIT_TIMEOUT_S)
        if entry is None:
            return None
        if entry.kind != "blob":
            raise ModelError(
                f"--ov-reference-rev={rev}: {named} is a {entry.kind} at that revision, not a file"
            )
        data = read_blob(entry.object_id, top, _GIT_TIMEOUT_S)
        if data is None or not entry.is_symlink:
            return data
        relative = _link_inside(relative, os.fsdecode(data), rev, named, top)
    raise ModelError(f"--ov-reference-rev={rev}: {named} is a chain of more than {_MAX_LINKS} symlinks")


def _link_inside(link: str, target: str, rev: str, named: str, top: Path) -> str:
    """Where the symlink ``link`` (from the top) leads, from the top; ModelError if outside."""
    if PurePosixPath(target).is_absolute():
        joined = posixpath.normpath(target)
        inside = PurePosixPath(joined).is_relative_to(top.as_posix())
        joined = PurePosixPath(joined).relative_to(top.as_posix()).as_posix() if inside else joined
    else:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(link), target))
        inside = joined != ".." and not joined.startswith("../")
    if not inside:
        raise ModelError(
            f"--ov-reference-rev={rev}: {named} is, at that revision, a symlink to {target}, which "
            f"points outside the repository {top}; reference mode reads only files stored in git. "
            "Commit the file itself, or give reference= a path to the reference model"
        )
    return joined


def reference_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="pytest-ovbench-ref-"))
