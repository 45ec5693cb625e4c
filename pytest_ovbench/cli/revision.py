"""The baselines folder as committed at a git revision (``ovbench diff git:REV``)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from pytest_ovbench.baselines.entry import validate_entry
from pytest_ovbench.baselines.store import parse_entries
from pytest_ovbench.cli.snapshot import CliError, Snapshot, snapshot_of
from pytest_ovbench.runtime.git import GitUnavailable, has_commit, run_git, toplevel

__all__ = ["load_revision"]


def load_revision(rev: str, folder: Path, rootdir: Path) -> Snapshot:
    """Every entry of the baselines folder as it is at git revision ``rev``."""
    try:
        return _read_revision(rev, folder, rootdir)
    except GitUnavailable as error:
        raise CliError(f"{error}. To fix: install git, put it on PATH.") from None


def _read_revision(rev: str, folder: Path, rootdir: Path) -> Snapshot:
    top = git_toplevel(rootdir)
    check_revision(rev, top)
    prefix = folder_in_repo(folder, top)
    snapshot: Snapshot = {}
    for name in revision_files(rev, prefix, top):
        entries = parse_entries(file_at_revision(rev, name, top), Path(f"{rev}:{name}"), validate_entry)
        relative = PurePosixPath(name).relative_to(prefix) if prefix != "." else PurePosixPath(name)
        snapshot.update(snapshot_of(relative.as_posix(), entries))
    return snapshot


def git_toplevel(rootdir: Path) -> Path:
    top = toplevel(rootdir)
    if top is None:
        raise CliError(
            f"{rootdir.resolve()} is not inside a git repository, so git:REV has nothing to read. "
            "To fix: pass --rootdir inside the repository, or compare two folders."
        )
    return top


def check_revision(rev: str, top: Path) -> None:
    if not has_commit(rev, top):
        raise CliError(
            f"git does not know the revision {rev!r} in {top}. To fix: fetch it first "
            "(e.g. git fetch origin) or name another one (a branch, tag or commit)."
        )


def folder_in_repo(folder: Path, top: Path) -> str:
    try:
        return folder.resolve().relative_to(top).as_posix()
    except ValueError:
        raise CliError(
            f"baselines folder {folder} is outside the git repository {top}. To fix: pass --rootdir "
            "and --dir naming a folder inside it."
        ) from None


def revision_files(rev: str, prefix: str, top: Path) -> list[str]:
    """The ``.yaml`` files under ``prefix`` at ``rev``, as paths from the repository top."""
    done = run_git(["ls-tree", "-r", "--name-only", "-z", rev, "--", prefix], top)
    if done.returncode != 0:
        raise CliError(f"git ls-tree {rev} failed in {top}: {done.stderr.decode(errors='replace').strip()}")
    names = [name.decode("utf-8", "surrogateescape") for name in done.stdout.split(b"\0") if name]
    files = [name for name in names if name.endswith(".yaml")]
    if not files:
        raise CliError(
            f"revision {rev} has no baselines folder {prefix!r} (no .yaml files under it) in {top}. "
            "To fix: check --dir, or pick a revision that has baselines."
        )
    return files


def file_at_revision(rev: str, name: str, top: Path) -> bytes:
    """The content of ``name`` (a path from the repository top) at ``rev``."""
    done = run_git(["show", f"{rev}:{name}"], top)
    if done.returncode != 0:
        raise CliError(f"git show {rev}:{name} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
