"""The GitHub Actions workflows: valid, audited, and the grading template's own steps, run here.

* Every workflow (``autograder/ci/*.yml``, ``.github/workflows/*.yml``) passes GitHub's schema
  (``check-jsonschema --builtin-schema vendor.github-workflows``) and ``zizmor --offline`` with no
  finding at medium or above that is not suppressed with a reason.
* ``requirements-grade.txt`` (what CI's grading jobs install) is a part of ``requirements.txt``,
  line for line, and provides every module that grading imports.
* The supported Pythons are one range (pyproject.toml), which ``scripts/setup.sh`` enforces and
  CI tests at both ends.
* The grading template's ``run:`` blocks, read from the YAML (never copied), run on a small class
  of lesson 05 as the runner's non-root user would: inputs checked, the sandbox step, two shards
  graded in bubblewrap (or refused without it), the merge with its summary and its report of
  missing or unfinished shards. Actions (``uses:``) are not run: checkout, caching and the
  install steps are GitHub's; the harness copies a shard's upload into the merge's download
  folder the way the template's upload and download steps are configured.
"""
from __future__ import annotations

import ast
import csv
import fnmatch
import importlib.metadata
import json
import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from autograder import notebooks, sandbox
from autograder.workspace import REPO

# One worker runs this module: its runner user, shards and merges are made once.
pytestmark = pytest.mark.xdist_group("ci_templates")

TEMPLATE = REPO / "autograder" / "ci" / "grade-submissions.yml"
COURSE_CI = REPO / ".github" / "workflows" / "course.yml"
WORKFLOWS = sorted([*(REPO / "autograder" / "ci").glob("*.yml"), *(REPO / ".github" / "workflows").glob("*.yml")])
BIN = Path(sys.executable).parent  # the venv's console scripts: check-jsonschema, zizmor, course

A = "05_softmax_function"
NB = "softmax_function.ipynb"
SOURCE = notebooks.read(REPO / "source" / A / NB)
RELEASE = notebooks.read(REPO / "release" / A / NB)
FULL = sum(notebooks.points(c) for c in SOURCE.cells if notebooks.is_autograded_test(c))
# Two who solved the lesson, two who handed in the release untouched; round-robin sharding puts
# one of each kind on each of two shards.
CLASS = {"student-ada": "solved", "student-bo": "untouched", "student-cy": "solved", "student-di": "untouched"}


def load(path: Path) -> dict:
    """A workflow as data. YAML 1.1 reads the key ``on`` as True: give it its name back."""
    data = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(path: Path) -> Iterator[tuple[str, dict]]:
    for job_id, job in load(path)["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def relative(path: Path) -> str:
    return str(path.relative_to(REPO))


# -- the workflow files as files -------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=relative)
def test_workflow_matches_githubs_schema(path: Path) -> None:
    proc = subprocess.run([BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", path],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{relative(path)} does not match GitHub's workflow schema:\n{proc.stdout}{proc.stderr}"


def test_zizmor_finds_nothing_at_medium_or_above_that_is_not_suppressed_with_a_reason() -> None:
    proc = subprocess.run([BIN / "zizmor", "--offline", "--no-ignores", "--no-config", "--min-severity", "medium",
                           "--format", "json", *WORKFLOWS], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.stdout.strip(), f"zizmor printed no report (exit {proc.returncode}):\n{proc.stderr}"
    findings = json.loads(proc.stdout)
    unexplained = []
    for f in findings:
        where = f["locations"][0]
        path = where["symbolic"]["key"]["Local"]["verbatim_path"]
        line = where["concrete"]["location"]["start_point"]["row"] + 1
        comments = [c for loc in f["locations"] for c in loc["concrete"]["comments"]]
        # An ignore comment must say why after the rule's name: "# zizmor: ignore[rule] because ...".
        reasons = [m.group(1) for c in comments if (m := re.search(r"zizmor: ignore\[[^\]]*\]\s*(.*)", c))]
        if not f["ignored"] or not any(len(r.split()) >= 3 for r in reasons):
            unexplained.append(f"{path}:{line}: {f['ident']} ({f['determinations']['severity']}): {f['desc']}"
                               + (f"; suppressed without a reason: {comments}" if f["ignored"] else ""))
    assert not unexplained, "zizmor findings at medium or above:\n" + "\n".join(unexplained)


def test_every_action_is_pinned_to_one_commit_with_its_version_beside_it() -> None:
    pins: dict[str, set[str]] = {}
    loose = []
    for path in WORKFLOWS:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = re.search(r"uses:\s*(\S+)@(\S+)(.*)", line)
            if not m:
                continue
            action, ref, rest = m.groups()
            repo = "/".join(action.split("/")[:2])
            if not re.fullmatch(r"[0-9a-f]{40}", ref) or not re.fullmatch(r"\s*# v\d+(\.\d+)*", rest):
                loose.append(f"{relative(path)}:{n}: {line.strip()}")
            pins.setdefault(repo, set()).add(ref)
    assert not loose, "actions must read `uses: owner/name@<commit sha> # vX.Y.Z`:\n" + "\n".join(loose)
    split = {repo: refs for repo, refs in pins.items() if len(refs) > 1}
    assert not split, f"one action, one commit across the workflows: {split}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=relative)
def test_no_shell_step_has_an_expression_pasted_in(path: Path) -> None:
    pasted = [f"{job}: {step.get('name', step.get('id'))}" for job, step in steps(path) if "${{" in step.get("run", "")]
    assert not pasted, f"{relative(path)}: values reach the shell through env:, never as ${{{{ }}}} in run: {pasted}"


def test_the_course_ci_workflow_exists_once() -> None:
    """autograder/ci/ keeps only templates run by hand; the course's CI is .github/workflows/course.yml."""
    triggered = [relative(p) for p in WORKFLOWS if {"push", "pull_request"} & set(load(p)["on"])]
    assert triggered == [relative(COURSE_CI)], f"workflows that run on push or pull_request: {triggered}"


# -- the grading-only install ----------------------------------------------------------------


def requirement_lines(path: Path) -> dict[str, str]:
    """{canonical package name: the requirement as written} for a requirements file."""
    lines = (line.split(" #")[0].strip() for line in path.read_text().splitlines())
    return {canonicalize_name(Requirement(line).name): line for line in lines if line and not line.startswith("#")}


ALL = requirement_lines(REPO / "requirements.txt")
GRADE = requirement_lines(REPO / "requirements-grade.txt")


def test_grading_requirements_are_lines_of_requirements_txt() -> None:
    drift = {name: (line, ALL.get(name)) for name, line in GRADE.items() if ALL.get(name) != line}
    assert not drift, f"requirements-grade.txt must copy requirements.txt's lines exactly; (grading, requirements.txt): {drift}"


def test_grading_requirements_leave_out_jupyterlab_playwright_and_the_test_tools() -> None:
    extra = sorted(set(GRADE) & {"jupyterlab", "playwright", "pytest", "pytest-xdist", "pytest-timeout",
                                 "check-jsonschema", "zizmor"})
    assert not extra, f"requirements-grade.txt installs what grading does not need: {extra}"


def imported_modules() -> set[str]:
    """Top-level modules imported by the grader, the course package and the lessons' code cells."""
    trees = [ast.parse(p.read_text()) for d in ("autograder", "course") for p in (REPO / d).glob("*.py")]
    for path in (REPO / "source").glob("*/*.ipynb"):
        for cell in notebooks.read(path).cells:
            if cell.cell_type == "code":
                code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
                trees.append(ast.parse(code))
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"autograder", "course", "tests"}


def dependency_closure(names: set[str]) -> set[str]:
    """``names`` and everything they require, as installed here (extras left out)."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for r in map(Requirement, requires):
            if r.marker is None or r.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(r.name))
    return seen


def test_grading_requirements_provide_every_module_that_grading_imports() -> None:
    providers = importlib.metadata.packages_distributions()
    installed = dependency_closure(set(GRADE))
    modules = imported_modules()
    assert {"torch", "nbgrader", "nbformat"} <= modules, f"the import scan missed the grader's own imports: {sorted(modules)}"
    unprovided = {m: providers.get(m, ["(not installed)"]) for m in sorted(modules)
                  if not {canonicalize_name(d) for d in providers.get(m, [])} & installed}
    assert not unprovided, f"modules imported by grading that requirements-grade.txt does not bring (module: distributions): {unprovided}"


# -- the supported Pythons -------------------------------------------------------------------

REQUIRES_PYTHON = SpecifierSet(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"])
SUPPORTED = [f"3.{m}" for m in range(0, 40) if f"3.{m}" in REQUIRES_PYTHON]


def test_ci_tests_the_oldest_and_the_newest_supported_python() -> None:
    matrix = load(COURSE_CI)["jobs"]["test"]["strategy"]["matrix"]["python"]
    assert {SUPPORTED[0], SUPPORTED[-1]} <= set(matrix) <= set(SUPPORTED), \
        f"course.yml tests {matrix}; pyproject.toml's requires-python admits {SUPPORTED}"


def test_conda_environment_asks_for_the_same_pythons() -> None:
    deps = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    (python,) = [d for d in deps if isinstance(d, str) and d.startswith("python")]
    assert SpecifierSet(python.removeprefix("python")) == REQUIRES_PYTHON, f"environment.yml: {python}; pyproject.toml: {REQUIRES_PYTHON}"


def test_setup_refuses_a_python_that_requires_python_leaves_out(tmp_path: Path) -> None:
    """setup.sh reads the range from pyproject.toml: with one that leaves out this Python, it stops."""
    mine = f"{sys.version_info[0]}.{sys.version_info[1]}"
    newer = f">={sys.version_info[0]}.{sys.version_info[1] + 1},<{sys.version_info[0]}.{sys.version_info[1] + 2}"
    shutil.copytree(REPO / "scripts", tmp_path / "scripts")
    for name in ("requirements.txt", "requirements-grade.txt"):
        shutil.copy2(REPO / name, tmp_path / name)
    pyproject = (REPO / "pyproject.toml").read_text()
    (tmp_path / "pyproject.toml").write_text(re.sub(r'(?m)^requires-python = ".*"$', f'requires-python = "{newer}"', pyproject))
    proc = subprocess.run(["bash", "scripts/setup.sh"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHON": sys.executable})
    assert proc.returncode == 1 and newer in proc.stderr and f"({mine})" in proc.stderr, proc.stdout + proc.stderr
    assert not (tmp_path / ".venv").exists(), "setup.sh made a venv with a Python it refused"


# -- the template's shell steps, run as the runner's user would ------------------------------

WORKFLOW = load(TEMPLATE)
# The steps' PATH: the system's (on a hosted runner it also holds sudo, which these steps only
# call where the sandbox does not work yet; here it is not there to call).
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
RUNUSER = shutil.which("runuser", path=SYSTEM_PATH)


@dataclass(frozen=True)
class RunnerUser:
    """The non-root user the steps run as: a user made for the test when it runs as root, else itself."""
    uid: int
    gid: int
    name: str
    view: tuple[str, ...] = ()  # a bwrap prefix that shows the machine as a hosted runner's user sees it

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run as this user, with the environment it is given (runuser drops root's
        rights before it starts the program, so even that program's path is looked up as the user)."""
        if os.geteuid() != 0:
            return argv
        return [*self.view, RUNUSER, "--preserve-environment", "-u", self.name, "--", *argv]

    def own(self, path: Path) -> None:
        if os.geteuid() == 0:
            for p in [path, *path.rglob("*")]:
                os.lchown(p, self.uid, self.gid)


def runner_view() -> tuple[str, ...]:
    """A hosted runner's Python lies in a folder every user may read; a Python installed for root
    (pyenv's, under /root) does not. This bwrap prefix, run as root, shows the machine with root's
    home folder replaced by one that holds only that Python installation and this repository
    (when they lie there); everything else is the machine itself, so the grader's own bwrap
    sandbox still runs inside it."""
    home = Path("/root")
    shown = sorted(p for p in {Path(sys.base_prefix).resolve(), REPO.resolve()} if home in p.parents)
    if not shown:
        return ()
    bwrap = shutil.which("bwrap", path=SYSTEM_PATH)
    if bwrap is None:
        pytest.skip(f"{shown} lie under {home}, where a non-root user cannot go, and bwrap (to show them to it) is not installed")
    argv = [bwrap, "--dev-bind", "/", "/", "--perms", "0755", "--tmpfs", str(home)]
    for path in shown:
        for parent in sorted((p for p in path.parents if home in p.parents), key=lambda p: len(p.parts)):
            argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", str(path), str(path)]
    return (*argv, "--")


@dataclass
class StepResult:
    returncode: int
    log: str                      # stdout and stderr, as the job's log shows them
    outputs: dict[str, str]       # what the step wrote to GITHUB_OUTPUT
    summary: str                  # what it wrote to GITHUB_STEP_SUMMARY


@dataclass
class Machine:
    """One runner machine: a workspace (GITHUB_WORKSPACE) whose .venv is this repository's."""
    root: Path
    user: RunnerUser

    @property
    def workspace(self) -> Path:
        return self.root / "work"

    def run(self, job_id: str, step_id: str, context: dict[str, str], path_first: Path | None = None) -> StepResult:
        """Run the ``run:`` block of step ``step_id`` of ``job_id`` with the shell and the
        environment GitHub gives it (workflow, job and step ``env:``, expressions evaluated from
        ``context``)."""
        job = WORKFLOW["jobs"][job_id]
        (step,) = [s for s in job["steps"] if s.get("id") == step_id]
        shell = step.get("shell") or job.get("defaults", {}).get("run", {}).get("shell") or WORKFLOW["defaults"]["run"]["shell"]
        temp = self.root / "runner-temp"
        script, output, summary = temp / f"{step_id}.sh", temp / f"{step_id}.output", temp / f"{step_id}.summary"
        script.write_text(step["run"])
        for f in (output, summary):
            f.write_text("")
        env = {"PATH": (f"{path_first}:" if path_first else "") + SYSTEM_PATH, "HOME": str(self.root / "home"),
               "LANG": "C.UTF-8", "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(self.workspace),
               "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(temp)}
        for scope in (WORKFLOW.get("env", {}), job.get("env", {}), step.get("env", {})):
            env.update({k: evaluate(str(v), context) for k, v in scope.items()})
        self.user.own(temp)
        argv = shlex.split(shell.replace("{0}", str(script)))
        proc = subprocess.run(self.user.command(argv), cwd=self.workspace, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=900)
        lines = output.read_text().splitlines()
        assert not any("<<" in line for line in lines), "multi-line outputs are not read by this harness"
        return StepResult(proc.returncode, proc.stdout, dict(line.split("=", 1) for line in lines if line), summary.read_text())


def evaluate(text: str, context: dict[str, str]) -> str:
    """``${{ name }}`` replaced by ``context[name]``; any other expression fails the test."""
    def value(m: re.Match) -> str:
        assert m.group(1) in context, f"the harness has no value for ${{{{ {m.group(1)} }}}} (in {text!r})"
        return context[m.group(1)]

    out = re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", value, text)
    assert "${{" not in out, f"an expression this harness does not evaluate: {text!r}"
    return out


@pytest.fixture(scope="module")
def user() -> Iterator[RunnerUser]:
    if os.geteuid() != 0:
        yield RunnerUser(os.getuid(), os.getgid(), subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip())
        return
    if not (shutil.which("useradd") and RUNUSER):
        pytest.skip("running as root without useradd and runuser: cannot run the steps as a non-root user")
    name = f"cirunner{os.getpid()}"[:32]
    made = subprocess.run(["useradd", "--no-create-home", "--user-group", "--shell", "/bin/bash", name], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"could not create a non-root user to run the steps as: {made.stderr.strip()}")
    try:
        pw = pwd.getpwnam(name)
        runner = RunnerUser(pw.pw_uid, pw.pw_gid, name, runner_view())
        python = subprocess.run(runner.command([str(REPO / ".venv" / "bin" / "python"), "-c", "pass"]), capture_output=True, text=True,
                                env={"PATH": SYSTEM_PATH})
        assert python.returncode == 0, f"the runner's user cannot run the venv's Python: {python.stderr}"
        yield runner
    finally:
        subprocess.run(["userdel", name], capture_output=True)


@pytest.fixture(scope="module")
def machines(user: RunnerUser) -> Iterator[Callable[..., Machine]]:
    """Make fresh runner machines (folders under /tmp that the runner's user owns)."""
    made: list[Path] = []

    def make(with_class: bool = False) -> Machine:
        root = Path(tempfile.mkdtemp(prefix="ci-runner-"))
        made.append(root)
        for sub in ("work", "home", "runner-temp"):
            (root / sub).mkdir()
        (root / "work" / ".venv").symlink_to(REPO / ".venv")
        if with_class:
            for student, kind in CLASS.items():
                nb = notebooks.solved_copy(RELEASE, SOURCE) if kind == "solved" else RELEASE
                notebooks.write(nb, root / "work" / WORKFLOW["env"]["SUBMISSIONS"] / student / A / NB)
        root.chmod(0o755)
        user.own(root)
        return Machine(root, user)

    yield make
    for root in made:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def no_sandbox() -> Iterator[Path]:
    """A folder to put first on PATH whose ``bwrap`` cannot create namespaces (it fails, as on a
    hosted runner whose user namespaces AppArmor restricts)."""
    folder = Path(tempfile.mkdtemp(prefix="no-sandbox-"))
    (folder / "bwrap").symlink_to(shutil.which("false"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def sandbox_works(machines) -> None:
    """Skips what needs the sandbox where bubblewrap cannot confine the runner's user."""
    m = machines()
    proc = subprocess.run(m.user.command(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--die-with-parent", "true"]),
                          capture_output=True, text=True, env={"PATH": SYSTEM_PATH}) if shutil.which("bwrap") else None
    if proc is None or proc.returncode != 0:
        pytest.skip("bubblewrap cannot create namespaces for the runner's user on this machine "
                    f"({proc.stderr.strip() if proc else 'bwrap is not installed'}): {sandbox.HOW_TO_GET_IT}")


def plan(machine: Machine, shards: str = "2", retention: str = "7", in_summary: str = "false", private: str = "true") -> StepResult:
    return machine.run("prepare", "plan", {"inputs.shards": shards, "inputs.retention_days": retention,
                                           "inputs.grades_in_summary": in_summary, "github.event.repository.private": private})


def job_outputs(job_id: str, step_outputs: dict[str, dict[str, str]]) -> dict[str, str]:
    """``needs.<job_id>.outputs.*`` from the job's ``outputs:`` and its steps' outputs."""
    context = {f"steps.{s}.outputs.{k}": v for s, outs in step_outputs.items() for k, v in outs.items()}
    return {f"needs.{job_id}.outputs.{k}": evaluate(v, context) for k, v in WORKFLOW["jobs"][job_id]["outputs"].items()}


@dataclass
class Shard:
    matrix: str
    step: StepResult
    machine: Machine


@pytest.fixture(scope="module")
def planned(machines) -> dict[str, str]:
    """``needs.prepare.outputs`` of a run on two shards."""
    result = plan(machines())
    assert result.returncode == 0, result.log
    return job_outputs("prepare", {"plan": result.outputs})


@pytest.fixture(scope="module")
def graded(planned, machines, sandbox_works) -> list[Shard]:
    """Each shard of the matrix graded on a machine of its own, as the grading job does."""
    shards = []
    for matrix in json.loads(planned["needs.prepare.outputs.shards"]):
        m = machines(with_class=True)
        shards.append(Shard(matrix, m.run("grade", "grade", {"matrix.shard": matrix}), m))
    return shards


def merge_machine(machines, shards: list[Shard], edit=None) -> Machine:
    """A merge machine whose download folder holds the shards' uploads, as the template's upload
    (path, hidden files left out) and download steps (pattern, merge-multiple) put them."""
    (upload,) = [s for s in WORKFLOW["jobs"]["grade"]["steps"] if "upload-artifact" in s.get("uses", "")]
    (download,) = [s for s in WORKFLOW["jobs"]["merge"]["steps"] if "download-artifact" in s.get("uses", "")]
    assert download["with"].get("merge-multiple") is True, "the harness copies artifacts as merge-multiple: true does"
    m = machines()
    target = m.workspace / download["with"]["path"]
    for shard in shards:
        assert fnmatch.fnmatch(shard.step.outputs["artifact"], download["with"]["pattern"]), (shard.step.outputs, download)
        shutil.copytree(shard.machine.workspace / upload["with"]["path"], target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".*"))
    if edit:
        edit(target)
    m.user.own(m.root)
    return m


def merge(machines, planned: dict[str, str], shards: list[Shard], edit=None, in_summary: str | None = None) -> tuple[Machine, StepResult]:
    m = merge_machine(machines, shards, edit)
    context = dict(planned)
    if in_summary is not None:
        context["needs.prepare.outputs.grades_in_summary"] = in_summary
    return m, m.run("merge", "merge", context)


def results(folder: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in (folder / "results").glob(f"*/{A}.json")}


def test_prepare_plans_one_matrix_entry_per_shard(machines) -> None:
    result = plan(machines(), shards="3", retention="14", in_summary="true")
    assert result.returncode == 0, result.log
    assert result.outputs == {"shards": '["1/3","2/3","3/3"]', "count": "3", "retention_days": "14", "grades_in_summary": "true"}


@pytest.mark.parametrize("shards", ["0", "21", "2.5", "", "2; touch injected", "$(touch injected)", "2\n3"])
def test_prepare_refuses_a_shard_count_that_is_not_a_whole_number_from_1_to_20(machines, shards: str) -> None:
    m = machines()
    result = plan(m, shards=shards)
    assert result.returncode != 0 and "::error::shards must be a whole number from 1 to 20" in result.log, result.log
    assert not (m.workspace / "injected").exists(), "the input ran as a command"
    assert result.outputs == {}


@pytest.mark.parametrize("retention", ["0", "91", "7 days"])
def test_prepare_refuses_a_retention_period_outside_1_to_90_days(machines, retention: str) -> None:
    result = plan(machines(), retention=retention)
    assert result.returncode != 0 and "::error::retention_days must be a whole number from 1 to 90" in result.log, result.log


def test_prepare_refuses_to_grade_in_a_public_repository(machines) -> None:
    result = plan(machines(), private="false")
    assert result.returncode != 0 and "::error::this repository is public" in result.log, result.log


def test_sandbox_step_passes_where_bubblewrap_works_for_the_runners_user(machines, user, sandbox_works) -> None:
    result = machines().run("grade", "sandbox", {})
    assert result.returncode == 0 and f"sandbox: bubblewrap creates namespaces for {user.name}" in result.log, result.log
    assert user.uid != 0, "the steps ran as root"


def test_sandbox_step_fails_the_job_where_bubblewrap_cannot_create_namespaces(machines, no_sandbox) -> None:
    result = machines().run("grade", "sandbox", {}, path_first=no_sandbox)
    assert result.returncode != 0 and "::error::the sandbox does not work for" in result.log, result.log


@pytest.mark.slow
def test_grade_step_refuses_to_grade_without_the_sandbox(machines, no_sandbox) -> None:
    m = machines(with_class=True)
    result = m.run("grade", "grade", {"matrix.shard": "1/2"}, path_first=no_sandbox)
    assert result.returncode == 2, result.log
    assert "refusing to run student code without the sandbox" in result.log and sandbox.HOW_TO_GET_IT in result.log, result.log
    assert not results(m.workspace / "shard-out"), "a notebook was graded without the sandbox"
    assert (m.workspace / "shard-out" / "shard-status" / "1-of-2").read_text().strip() == "failed (course grade exited 2)"


@pytest.mark.slow
def test_grade_step_names_each_shards_artifact(graded: list[Shard]) -> None:
    assert [s.step.outputs.get("artifact") for s in graded] == ["shard-1-of-2", "shard-2-of-2"]


@pytest.mark.slow
def test_each_shard_grades_its_own_part_of_the_class_in_the_sandbox(graded: list[Shard]) -> None:
    parts = []
    for shard in graded:
        assert shard.step.returncode == 0, f"shard {shard.matrix} failed:\n{shard.step.log}"
        found = results(shard.machine.workspace / "shard-out")
        assert found, f"shard {shard.matrix} graded nothing:\n{shard.step.log}"
        confined = {s: r["isolation"] for s, r in found.items() if not r["isolation"].startswith("bubblewrap sandbox")}
        assert not confined, f"graded outside the sandbox: {confined}"
        parts.append(set(found))
    assert set.union(*parts) == set(CLASS) and sum(map(len, parts)) == len(CLASS), f"shards graded {parts}"


@pytest.mark.slow
def test_grade_step_keeps_the_table_of_points_out_of_the_log(graded: list[Shard]) -> None:
    leaked = [(s.matrix, name) for s in graded for name in CLASS if name in s.step.log]
    assert not leaked, f"student names in the grading log: {leaked}\n{graded[0].step.log}"


@pytest.fixture(scope="module")
def merged(machines, planned, graded) -> tuple[Machine, StepResult]:
    """The merge of every shard, with the template's default switch (no grades in the summary)."""
    return merge(machines, planned, graded)


@pytest.mark.slow
def test_merge_joins_every_shard_into_one_grades_csv(merged) -> None:
    m, result = merged
    assert result.returncode == 0 and result.outputs.get("incomplete") == "0", result.log
    with open(m.workspace / "grades" / "grades.csv", newline="") as fh:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}
    expected = {s: (FULL if kind == "solved" else 0.0) for s, kind in CLASS.items()}
    assert rows == pytest.approx(expected), f"grades.csv: {rows}"


@pytest.mark.slow
def test_merge_summary_shows_counts_and_isolation_but_no_students_by_default(merged) -> None:
    _, result = merged
    assert result.returncode == 0, result.log
    assert f"{len(CLASS)} students" in result.summary and "Isolation: bubblewrap sandbox" in result.summary, result.summary
    assert not [name for name in CLASS if name in result.summary + result.log], result.summary + result.log


@pytest.mark.slow
def test_merge_summary_shows_every_students_points_when_switched_on(machines, planned, graded) -> None:
    _, result = merge(machines, planned, graded, in_summary="true")
    assert result.returncode == 0, result.log
    assert all(name in result.summary for name in CLASS), result.summary


@pytest.mark.slow
def test_merge_keeps_the_grades_of_the_shards_that_finished_and_reports_the_missing_one(machines, planned, graded) -> None:
    m, result = merge(machines, planned, graded[:1])
    assert result.returncode == 0, result.log
    assert set(results(m.workspace / "grades")) == set(results(graded[0].machine.workspace / "shard-out"))
    assert "shard 2/2: missing (no results uploaded)" in result.summary and "::error::shard 2/2: missing" in result.log, result.summary
    assert result.outputs["incomplete"] == "1"
    verdict = m.run("merge", "check-shards", {"steps.merge.outputs.incomplete": result.outputs["incomplete"]})
    assert verdict.returncode != 0 and "::error::1 shard(s) missing or incomplete" in verdict.log, verdict.log


@pytest.mark.slow
def test_merge_reports_a_shard_that_did_not_finish(machines, planned, graded) -> None:
    def stopped_while_grading(shards: Path) -> None:  # a timeout stops the step before course grade returns
        (shards / "shard-status" / "2-of-2").write_text(first_status())

    _, result = merge(machines, planned, graded, edit=stopped_while_grading)
    assert result.returncode == 0 and result.outputs["incomplete"] == "1", result.log
    assert f"shard 2/2: {first_status().strip()}" in result.summary, result.summary


def first_status() -> str:
    """The status the grade step writes before it starts grading (read from its run: block)."""
    (step,) = [s for s in WORKFLOW["jobs"]["grade"]["steps"] if s.get("id") == "grade"]
    m = re.search(r'echo "([^"$]+)" > "shard-out/shard-status/\$tag"', step["run"])
    assert m, "the grade step no longer writes a status before it grades"
    return m.group(1) + "\n"


@pytest.mark.slow
def test_merge_fails_when_no_shard_produced_results(machines, planned) -> None:
    _, result = merge(machines, planned, [])
    assert result.returncode != 0 and "::error::no shard produced results" in result.log, result.log
    assert "shard 1/2: missing" in result.log and "shard 2/2: missing" in result.log, result.log


@pytest.mark.slow
def test_merge_passes_its_verdict_step_when_every_shard_finished(merged) -> None:
    m, result = merged
    verdict = m.run("merge", "check-shards", {"steps.merge.outputs.incomplete": result.outputs["incomplete"]})
    assert verdict.returncode == 0, verdict.log
