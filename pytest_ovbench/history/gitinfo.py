"""The commit and branch a run measured, for its history rows: ``git rev-parse`` in the project,
with the CI's branch variables where the checkout is detached (as CI checkouts usually are)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_ovbench.runtime.git import GitUnavailable, run_git

__all__ = ["BRANCH_VARIABLES", "GitState", "git_state"]

GIT_STATE_TIMEOUT_S = 10.0
# Where CIs name the branch of a detached checkout, most specific first (a pull request's source
# branch before the ref that was built).
BRANCH_VARIABLES = (
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_REF_NAME",
    "BUILD_SOURCEBRANCHNAME",
    "BRANCH_NAME",
)


@dataclass(frozen=True)
class GitState:
    """The checked-out commit (full hash) and branch; each None when git cannot say."""

    commit: str | None = None
    branch: str | None = None


def git_state(cwd: Path, environ: Mapping[str, str] | None = None) -> GitState:
    """What ``cwd``'s checkout has checked out; empty when it is no checkout or git cannot run."""
    environ = os.environ if environ is None else environ
    try:
        commit = _rev_parse(["HEAD"], cwd)
        branch = _rev_parse(["--abbrev-ref", "HEAD"], cwd) if commit else None
    except GitUnavailable:
        commit, branch = None, None
    if branch in (None, "HEAD"):  # detached: ask the CI
        branch = next((environ[name] for name in BRANCH_VARIABLES if environ.get(name)), None)
    return GitState(commit, branch)


def _rev_parse(args: list[str], cwd: Path) -> str | None:
    done = run_git(["rev-parse", "--verify", "--quiet", *args], cwd, GIT_STATE_TIMEOUT_S)
    answer = done.stdout.decode(errors="replace").strip()
    return answer if done.returncode == 0 and answer else None
