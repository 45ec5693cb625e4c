"""Reference models for reference mode: a path, or the same model files at a git revision.

The files a model consists of come along: an IR's ``.bin``, an ONNX model's external data files.
Files stored with Git LFS are fetched as their content (``git lfs smudge``), never as the pointer
git holds, and only from this checkout's LFS store: an object missing there is an error saying how
to fetch it, not a download in the middle of a measurement.
"""

from __future__ import annotations

import filecmp
import os
import posixpath
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pytest_ovbench.errors import ModelError
from pytest_ovbench.runtime.git import (
    GitUnavailable,
    has_commit,
    lfs_media_dir,
    lfs_smudge,
    read_blob,
    toplevel,
    tree_entry,
)
from pytest_ovbench.runtime.models import model_files
from pytest_ovbench.runtime.onnx_data import external_data_files

_GIT_TIMEOUT_S = 60.0
_MAX_LINKS = 8  # symlinks followed in a row inside the repository before giving up (a loop)
_LFS_VERSION = b"version https://git-lfs.github.com/spec/v1\n"
_LFS_POINTER_MAX = 1024  # bytes: the Git LFS spec's limit for a pointer file


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
    """Write ``path`` and the files it consists of (IR weights, ONNX external data) as they are at
    ``rev`` into ``into``; None if the model did not exist at ``rev`` (a new model: there is nothing
    to compare with)."""
    try:
        return _copy_at_revision(path, rev, into)
    except GitUnavailable as error:
        raise ModelError(f"--ov-reference-rev needs git, which could not run: {error.reason}") from None


def _copy_at_revision(path: Path, rev: str, into: Path) -> Path | None:
    top = git_toplevel(path.parent.resolve() / path.name)  # path itself may be a link git stores
    check_revision(rev, top)
    revision = _Revision(rev, top)
    for file in model_files(path):
        if not revision.write(_from_top(file, top), into / file.name):
            return None
    fetched = into / path.name
    _write_external_data(revision, _from_top(path, top), fetched)
    return fetched


def _write_external_data(revision: _Revision, model: str, fetched: Path) -> None:
    """The external data files of the ONNX model ``model`` (from the top), beside ``fetched``."""
    for name in external_files(fetched):
        inside = _inside_model_folder(name, model, revision.rev)
        relative, target = posixpath.join(posixpath.dirname(model), inside), fetched.parent / inside
        if not target.exists() and not revision.write(relative, target):
            raise ModelError(
                f"--ov-reference-rev={revision.rev}: {model} keeps its weights in {relative} (ONNX "
                "external data), which that revision does not hold; commit the data file with the "
                "model, or give reference= a path to the reference model"
            )


def external_files(model: Path) -> list[str]:
    """The external data files an ONNX ``model`` names, relative to its folder (none for other
    formats, or a model too broken to tell: OpenVINO will say what is wrong with it)."""
    if model.suffix.lower() != ".onnx":
        return []
    try:
        return external_data_files(model.read_bytes())
    except ValueError:
        return []


def _inside_model_folder(name: str, model: str, rev: str) -> str:
    """``name`` as ONNX external data may give it: a relative path that stays in the model's folder."""
    normal = posixpath.normpath(name)
    if not name or "\0" in name or PurePosixPath(normal).is_absolute() or normal.split("/")[0] == "..":
        raise ModelError(
            f"--ov-reference-rev={rev}: {model} at that revision names its external data file "
            f"{name!r}, which is not a path inside the model's folder; reference mode fetches only "
            "files beside the model (re-save it with relative external data locations)"
        )
    return normal


def unchanged_since(path: Path, fetched: Path) -> bool:
    """Whether the model at ``path`` consists of the same files, byte for byte, as the one that
    :func:`files_at_revision` wrote at ``fetched`` (same names, same content)."""
    ours, theirs = model_files(path), model_files(fetched)
    if [f.name for f in ours] != [f.name for f in theirs] or not _same_file(path, fetched):
        return False  # the main file identical, so are the external data names it holds
    names = [*(f.name for f in theirs[1:]), *external_files(fetched)]
    return all(_same_file(path.parent / name, fetched.parent / name) for name in names)


def _same_file(ours: Path, theirs: Path) -> bool:
    try:
        return filecmp.cmp(ours, theirs, shallow=False)
    except OSError:  # missing or unreadable here: not the same; measuring will say what is wrong
        return False


@dataclass(frozen=True)
class LfsPointer:
    """What git holds for a file stored with Git LFS: the content's sha256 and size in bytes."""

    oid: str
    size: int


def lfs_pointer(data: bytes) -> LfsPointer | None:
    """The Git LFS pointer ``data`` is (spec v1), None if it is a file's content."""
    if len(data) >= _LFS_POINTER_MAX or not data.startswith(_LFS_VERSION):
        return None
    fields = dict(line.partition(b" ")[::2] for line in data.splitlines()[1:])
    oid, size = fields.get(b"oid", b""), fields.get(b"size", b"")
    hexdigits = oid.removeprefix(b"sha256:")
    if not oid.startswith(b"sha256:") or len(hexdigits) != 64 or not size.isdigit():
        return None
    if any(c not in b"0123456789abcdef" for c in hexdigits):
        return None
    return LfsPointer(hexdigits.decode(), int(size))


class _Revision:
    """Writes files of one checkout as they are at one revision: git's blobs, Git LFS content."""

    def __init__(self, rev: str, top: Path) -> None:
        self.rev, self.top = rev, top
        self._media: Path | str | None = None  # git-lfs's object store, or why git-lfs cannot say

    def write(self, relative: str, target: Path) -> bool:
        """``relative`` (from the top) at the revision into ``target``; False if it has no such file."""
        data = _blob_at(self.rev, relative, self.top)
        if data is None:
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        pointer = lfs_pointer(data)
        if pointer is None:
            target.write_bytes(data)
        else:
            self._smudge(data, pointer, relative, target)
        return True

    def _smudge(self, data: bytes, pointer: LfsPointer, relative: str, target: Path) -> None:
        if self._media is None:
            self._media = lfs_media_dir(self.top, _GIT_TIMEOUT_S)
        media = self._media
        head = f"--ov-reference-rev={self.rev}: {relative} is stored with Git LFS"
        fetch = f"git lfs fetch origin {self.rev}"
        if isinstance(media, str):
            raise ModelError(
                f"{head}, and git-lfs cannot run here ({media}); install git-lfs (e.g. apt-get "
                f"install git-lfs, then git lfs install), fetch the revision's objects ({fetch}) "
                "and run again"
            )
        stored = media / pointer.oid[:2] / pointer.oid[2:4] / pointer.oid
        if not stored.is_file():
            raise ModelError(
                f"{head}, and its content at that revision (sha256 {pointer.oid[:12]}..., "
                f"{pointer.size} bytes) is not in this checkout's LFS store {media}; fetch it with "
                f"`{fetch}` (a CI checkout fetches LFS objects of the checked-out revision only) "
                "and run again"
            )
        reason = lfs_smudge(data, relative, target, self.top, _GIT_TIMEOUT_S)
        if reason is not None or target.stat().st_size != pointer.size:
            target.unlink()
            raise ModelError(f"{head}; git lfs smudge could not give its content: {reason or 'wrong size'}")


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
