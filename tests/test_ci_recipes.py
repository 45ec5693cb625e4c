"""The CI recipes users copy (docs/ci/github-actions.yml, docs/ci/gitlab-ci.yml): their structure,
where a typo would only show on the user's CI, and the GitHub file's shard and merge commands run
for real on a tiny project split the way the file says."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openvino  # noqa: F401  (once per process, before any pytester run)
import pytest
import yaml
from tiny_models import tiny_project

from pytest_ovbench.cli import main as cli

DOCS_CI = Path(__file__).resolve().parent.parent / "docs" / "ci"
GITHUB = DOCS_CI / "github-actions.yml"
GITLAB = DOCS_CI / "gitlab-ci.yml"
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
VARIABLE = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}|\$\{(\w+)\}|\$(\w+)")
GITLAB_KEYWORDS = {"stages", "variables", "workflow", "default", "include", "image", "services"}
GITLAB_KEYWORDS |= {"before_script", "after_script", "cache"}


# ---------------------------------------------------------------- reading the files


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a mapping"
    return data


def github_jobs() -> dict[str, Any]:
    return dict(load(GITHUB)["jobs"])


def gitlab_jobs() -> dict[str, Any]:
    """Jobs proper: not keywords, not hidden templates (``.name``)."""
    data = load(GITLAB)
    hidden = {name for name in data if name in GITLAB_KEYWORDS or str(name).startswith(".")}
    return {name: job for name, job in data.items() if name not in hidden}


def scripts(job: dict[str, Any]) -> list[str]:
    """Every shell script of a GitHub job (its steps' ``run``) or a GitLab job (``script`` lines)."""
    if "steps" in job:
        return [step["run"] for step in job["steps"] if "run" in step]
    return list(job.get("script", []))


def commands(job: dict[str, Any], *program: str) -> list[list[str]]:
    """The job's command lines starting with ``program`` (e.g. ``ovbench merge``), as words, each
    cut at the first ``||``, ``&&`` or ``;``; variables are left as written (``${{ x }}`` as
    ``${{x}}``, one word)."""
    found = []
    for script in scripts(job):
        script = EXPRESSION.sub(lambda match: "${{" + match.group(1) + "}}", script)
        for line in script.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if tuple(words[: len(program)]) == program:
                ends = [i for i, word in enumerate(words) if word in {"||", "&&", ";"}]
                found.append(words[: ends[0]] if ends else words)
    return found


def option(words: list[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` in a command line; None if absent."""
    for i, word in enumerate(words):
        if word == name and i + 1 < len(words):
            return words[i + 1]
        if word.startswith(name + "="):
            return word[len(name) + 1 :]
    return None


def expand(text: str, values: dict[str, str]) -> str:
    """``${{ expr }}``, ``${VAR}`` and ``$VAR`` replaced from ``values``; an unknown one fails."""

    def value(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        assert name in values, f"no value for {match.group(0)} in {text!r}"
        return values[name]

    return VARIABLE.sub(value, text)


def github_step(job: dict[str, Any], action: str) -> dict[str, Any]:
    steps = [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]
    assert len(steps) == 1, f"expected one {action} step, found {len(steps)}"
    return dict(steps[0])


def matrix_groups(job: dict[str, Any]) -> list[int]:
    return list(job["strategy"]["matrix"]["group"])


# ---------------------------------------------------------------- GitHub Actions: structure


def test_github_triggers_are_pull_requests_a_schedule_and_by_hand() -> None:
    workflow = load(GITHUB)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the bare key `on` as True
    assert isinstance(triggers, dict), "no `on:` triggers"
    assert {"pull_request", "schedule", "workflow_dispatch"} <= set(triggers)
    assert all(len(entry["cron"].split()) == 5 for entry in triggers["schedule"])


def test_github_every_job_has_a_pinned_runner_and_steps() -> None:
    for name, job in github_jobs().items():
        assert job.get("runs-on") and "latest" not in job["runs-on"], f"{name}: runner not pinned"
        assert job.get("steps"), f"{name}: no steps"
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{name}: a step needs exactly one of uses/run"


def test_github_needs_name_existing_jobs() -> None:
    jobs = github_jobs()
    for name, job in jobs.items():
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            assert need in jobs, f"{name} needs {need!r}, which is no job"


def test_github_every_action_is_pinned_to_a_version() -> None:
    for name, job in github_jobs().items():
        for step in job["steps"]:
            if "uses" in step:
                assert PINNED_ACTION.match(step["uses"]), f"{name}: {step['uses']} is not pinned to a tag"


def test_github_matrix_groups_are_one_to_n_and_match_splits() -> None:
    sharded = {name: job for name, job in github_jobs().items() if "strategy" in job}
    assert {"perf", "refresh-baselines"} <= set(sharded)
    for name, job in sharded.items():
        groups = matrix_groups(job)
        assert groups == list(range(1, len(groups) + 1)), f"{name}: groups {groups}"
        assert job["strategy"]["fail-fast"] is False, f"{name}: one shard's failure cancels the rest"
        runs = commands(job, "python3", "-m", "pytest")
        assert runs, f"{name}: no pytest command"
        for words in runs:
            assert option(words, "--splits") == str(len(groups)), f"{name}: --splits is not {len(groups)}"
            assert option(words, "--group") == "${{matrix.group}}", f"{name}: --group is not the matrix's"


def test_github_merge_reads_every_shard_and_reports() -> None:
    jobs = github_jobs()
    perf, merge = jobs["perf"], jobs["merge"]
    assert merge["needs"] in ("perf", ["perf"]) and "always()" in merge["if"]
    upload = github_step(perf, "actions/upload-artifact")["with"]
    names = {group: expand(upload["name"], {"matrix.group": str(group)}) for group in matrix_groups(perf)}
    download = github_step(merge, "actions/download-artifact")["with"]
    assert all(fnmatch.fnmatch(name, download["pattern"]) for name in names.values())
    assert download["merge-multiple"] is True
    (words,) = commands(merge, "ovbench", "merge")
    inputs = [word for word in words[2:] if not word.startswith("-") and word.endswith(".json")]
    for group in names:
        landed = f"{download['path']}/{expand(upload['path'], {'matrix.group': str(group)})}"
        assert any(fnmatch.fnmatch(landed, pattern) for pattern in inputs), f"shard {group}: {landed}"
    assert "report.md" in words and "--report" in words
    assert any(re.search(r'cat report\.md >> "?\$GITHUB_STEP_SUMMARY', s) for s in scripts(merge))
    assert github_step(merge, "marocchino/sticky-pull-request-comment")["with"]["path"] == "report.md"
    assert merge["permissions"]["pull-requests"] == "write"
    last = merge["steps"][-1]
    assert "steps.merge.outputs.status != '0'" in last["if"] and "exit 1" in last["run"]


def test_github_model_pr_judges_against_the_base_branch() -> None:
    job = github_jobs()["model-pr"]
    assert job["if"] == "github.event_name == 'pull_request'"
    assert github_step(job, "actions/checkout")["with"]["fetch-depth"] == 0
    (words,) = commands(job, "python3", "-m", "pytest")
    assert option(words, "--ov-reference-rev") == "origin/${BASE}"
    assert job["env"]["BASE"] == "${{ github.base_ref }}"  # the PR's base branch
    assert option(words, "--ov-report-format") == "md"
    assert option(words, "--ov-report") == "$GITHUB_STEP_SUMMARY"
    assert any("git diff --quiet" in script and "$MODELS" in script for script in scripts(job))


def test_github_refresh_merges_every_shards_baselines_into_a_pr() -> None:
    jobs = github_jobs()
    shard, pr = jobs["refresh-baselines"], jobs["baselines-pr"]
    assert shard["if"] == "github.event_name == 'schedule'" and pr["needs"] == "refresh-baselines"
    assert all("--ov-update-baselines" in words for words in commands(shard, "python3", "-m", "pytest"))
    upload = github_step(shard, "actions/upload-artifact")["with"]
    download = github_step(pr, "actions/download-artifact")["with"]
    assert "merge-multiple" not in download, "shards' baseline files overlap: one folder each"
    (words,) = commands(pr, "ovbench", "merge-baselines")
    assert option(words, "--into") == "baselines" and upload["path"].rstrip("/") == "baselines"
    folders = [word for word in words[2:] if not word.startswith("-") and word != "baselines"]
    for group in matrix_groups(shard):
        name = expand(upload["name"], {"matrix.group": str(group)})
        assert fnmatch.fnmatch(name, download["pattern"]), f"shard {group}: {name} not downloaded"
        landed = f"{download['path']}/{name}"  # without merge-multiple: a folder per artifact
        assert any(fnmatch.fnmatch(landed, folder) for folder in folders), (
            f"shard {group}: {landed} not merged"
        )
    assert github_step(pr, "peter-evans/create-pull-request")["with"]["add-paths"].rstrip("/") == "baselines"
    assert pr["permissions"] == {"contents": "write", "pull-requests": "write"}


# ---------------------------------------------------------------- GitLab CI: structure


def test_gitlab_every_job_has_a_stage_that_exists_and_a_script() -> None:
    data = load(GITLAB)
    for name, job in gitlab_jobs().items():
        assert job.get("stage", "test") in data["stages"], f"{name}: its stage is not in stages"
        assert job.get("script"), f"{name}: no script"
        extends = job.get("extends", [])
        for template in [extends] if isinstance(extends, str) else extends:
            assert template in data, f"{name} extends {template!r}, which is not defined"


def test_gitlab_needs_name_existing_jobs() -> None:
    jobs = gitlab_jobs()
    for name, job in jobs.items():
        for need in job.get("needs", []):
            target = need["job"] if isinstance(need, dict) else need
            assert target in jobs, f"{name} needs {target!r}, which is no job"


def test_gitlab_parallel_is_the_split_and_junit_is_reported() -> None:
    sharded = {name: job for name, job in gitlab_jobs().items() if "parallel" in job}
    assert {"perf", "refresh-shard"} <= set(sharded)
    for name, job in sharded.items():
        runs = commands(job, "python3", "-m", "pytest")
        assert runs, f"{name}: no pytest command"
        for words in runs:
            assert option(words, "--splits") in ("$CI_NODE_TOTAL", str(job["parallel"])), f"{name}: --splits"
            assert option(words, "--group") == "$CI_NODE_INDEX", f"{name}: --group is not CI_NODE_INDEX"
    perf = sharded["perf"]
    (words,) = commands(perf, "python3", "-m", "pytest")
    junit = expand(option(words, "--junitxml") or "", {"CI_NODE_INDEX": "1"})
    assert fnmatch.fnmatch(junit, perf["artifacts"]["reports"]["junit"]), "pytest's JUnit file not reported"
    assert perf["artifacts"]["when"] == "always"


def test_gitlab_merge_reads_every_perf_job_and_exposes_the_report() -> None:
    jobs = gitlab_jobs()
    perf, merge = jobs["perf"], jobs["merge"]
    assert merge["needs"] == ["perf"] and merge["when"] == "always"
    (pytest_words,) = commands(perf, "python3", "-m", "pytest")
    (words,) = commands(merge, "ovbench", "merge")
    inputs = [word for word in words[2:] if not word.startswith("-") and word.endswith(".json")]
    for index in range(1, perf["parallel"] + 1):
        written = expand(option(pytest_words, "--ov-json") or "", {"CI_NODE_INDEX": str(index)})
        kept = [expand(path, {"CI_NODE_INDEX": str(index)}) for path in perf["artifacts"]["paths"]]
        assert written in kept, f"perf job {index}: {written} is not an artifact"
        assert any(fnmatch.fnmatch(written, pattern) for pattern in inputs), f"perf job {index}: not merged"
    assert option(words, "--report") == "report.md" and "report.md" in merge["artifacts"]["paths"]
    assert merge["artifacts"]["expose_as"] and merge["script"][-1] == 'exit "$status"'


def test_gitlab_runs_on_merge_requests_and_schedules_and_refreshes_on_schedules() -> None:
    data, jobs = load(GITLAB), gitlab_jobs()
    conditions = [rule["if"] for rule in data["workflow"]["rules"]]
    assert any("merge_request_event" in rule for rule in conditions)
    assert any('"schedule"' in rule for rule in conditions)
    for name in ("refresh-shard", "refresh-mr"):
        assert [rule["if"] for rule in jobs[name]["rules"]] == ['$CI_PIPELINE_SOURCE == "schedule"'], name
    (words,) = commands(jobs["refresh-mr"], "ovbench", "merge-baselines")
    assert option(words, "--into") == "baselines"
    folders = [word for word in words[2:] if not word.startswith("-") and word != "baselines"]
    for index in range(1, jobs["refresh-shard"]["parallel"] + 1):
        (kept,) = jobs["refresh-shard"]["artifacts"]["paths"]
        folder = expand(kept, {"CI_NODE_INDEX": str(index)}).rstrip("/")
        assert any(fnmatch.fnmatch(folder, pattern) for pattern in folders), (
            f"shard {index}: {folder} not merged"
        )
    assert any("merge_request.create" in script for script in scripts(jobs["refresh-mr"]))


# ---------------------------------------------------------------- both: the options exist


def every_command(*program: str) -> list[list[str]]:
    jobs = [*github_jobs().values(), *gitlab_jobs().values()]
    return [words for job in jobs for words in commands(job, *program)]


def option_names(text_or_words: str | list[str]) -> set[str]:
    """Long option names, dashes inside dropped: pytest's help shows ``--junitxml`` as ``--junit-xml``."""
    words = text_or_words.split() if isinstance(text_or_words, str) else text_or_words
    return {re.sub(r"[=,].*", "", word)[2:].replace("-", "") for word in words if word.startswith("--")}


def pytest_help() -> set[str]:
    command = [sys.executable, "-m", "pytest", "--help"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return option_names(done.stdout)


def ovbench_help(capsys: pytest.CaptureFixture[str], command: str) -> set[str]:
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    return option_names(capsys.readouterr().out)


def test_every_option_in_the_recipes_exists(capsys: pytest.CaptureFixture[str]) -> None:
    """An option misspelt in a recipe would only fail on the user's CI: pytest's and each ovbench
    command's --help must name every option the files use."""
    runs = every_command("python3", "-m", "pytest")
    used = set().union(*(option_names(words) for words in runs))
    assert {"splits", "group", "ovjson", "ovupdatebaselines", "ovreferencerev", "ovreportformat"} <= used
    assert sorted(used - pytest_help()) == []
    for sub in ("merge", "merge-baselines"):
        runs = every_command("ovbench", sub)
        assert runs, f"no ovbench {sub} command"
        used = set().union(*(option_names(words) for words in runs))
        assert sorted(used - ovbench_help(capsys, sub)) == [], sub


# ---------------------------------------------------------------- GitHub: the commands run


def sharded_project(pytester: pytest.Pytester, folder: str) -> list[str]:
    """The tiny project with three tests under ``folder`` and a .test_durations for them."""
    tiny_project(pytester, niter=20)
    target = pytester.path / folder
    target.mkdir(parents=True)
    (pytester.path / "test_perf.py").rename(target / "test_perf.py")
    test = '@pytest.mark.ovbench(model="model.xml", niter=20)\ndef {}(infer_sync):\n    infer_sync()\n\n'
    body = "".join(test.format(name) for name in ("test_second", "test_third"))
    (target / "test_more.py").write_text("import pytest\n\n" + body, encoding="utf-8")
    tests = [f"{folder}/test_perf.py::test_lat", f"{folder}/test_more.py::test_second"]
    tests.append(f"{folder}/test_more.py::test_third")
    (pytester.path / ".test_durations").write_text(json.dumps(dict.fromkeys(tests, 2.0)), encoding="utf-8")
    return tests


def argv(words: list[str], values: dict[str, str], cwd: Path) -> list[str]:
    """A recipe's command line as this interpreter runs it: ``python3`` is sys.executable,
    ``ovbench`` is ``python -m pytest_ovbench``, variables expanded, globs matched in ``cwd``."""
    program = [sys.executable] if words[0] == "python3" else [sys.executable, "-m", "pytest_ovbench"]
    expanded = []
    for word in (expand(word, values) for word in words[1:]):
        matches = sorted(str(path.relative_to(cwd)) for path in cwd.glob(word)) if "*" in word else [word]
        assert matches, f"{word} matches no file"
        expanded.extend(matches)
    return program + expanded


def test_github_shards_and_merge_run_as_written(pytester: pytest.Pytester) -> None:
    workflow, jobs = load(GITHUB), github_jobs()
    perf, merge = jobs["perf"], jobs["merge"]
    tests = sharded_project(pytester, workflow["env"]["PERF_TESTS"])
    upload = github_step(perf, "actions/upload-artifact")["with"]["path"]
    shards = pytester.path / github_step(merge, "actions/download-artifact")["with"]["path"]
    shards.mkdir()
    measured: list[str] = []
    for group in matrix_groups(perf):
        values = {**workflow["env"], "matrix.group": str(group)}
        for words in commands(perf, "python3", "-m", "pytest"):
            result = pytester.run(*argv(words, values, pytester.path), "-p", "no:cacheprovider")
            assert result.ret == 0, result.stdout.str()
        written = pytester.path / expand(upload, values)
        records = json.loads(written.read_text(encoding="utf-8"))["measurements"]
        measured += [record["nodeid"] for record in records]
        shutil.copy(written, shards)  # the artifact, uploaded then downloaded with merge-multiple
    assert sorted(measured) == sorted(tests), "each test runs in exactly one shard"
    (words,) = commands(merge, "ovbench", "merge")
    result = pytester.run(*argv(words, workflow["env"], pytester.path))
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    report = (pytester.path / "report.md").read_text(encoding="utf-8")
    assert all(test.split("::")[1] in report for test in tests)
    assert (pytester.path / "report.html").is_file() and (pytester.path / "ovbench.xml").is_file()
    sorted(shards.iterdir())[1].unlink()  # a shard that crashed before writing its JSON
    result = pytester.run(*argv(words, workflow["env"], pytester.path))
    assert result.ret == 2, "a missing shard must fail the merge job"
