"""The classroom: nbgrader's exchange and JupyterHub, from release to feedback.

First, without a browser: a release to the exchange carries the ``course`` package and a
collected submission leaves it out; the LMS bundle; plain nbgrader from a venv that is not
activated; the hub's parts (spawner, stopping by pid).

Then the whole loop in headless Chromium (Playwright driving Debian's chromium, as
tests/test_browser.py): ``bash scripts/classroom.sh`` starts a hub of its own (a state folder in
/tmp, a free port); the instructor generates and releases the assignment in Formgrader; two
students fetch it from the Assignments panel; one pastes in the model solution, Validates and
submits; the instructor sets the due date just after that submission; the other submits the
untouched notebook, late; the instructor collects, grades with ``course grade`` typed in a
terminal of their lab, grades one written answer in Formgrader's manual-grading view, generates
and releases feedback; each student fetches it and reads their score; the late one's carries
the late penalty. Screenshots go to ``build/classroom/``; the classroom is stopped at the end and
no process of it may be left. The steps are tests in order, sharing one classroom; a step whose
predecessor failed is skipped with the reason.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import pwd
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder import notebooks, release
from autograder.workspace import REPO, repair_gradebook

ASSIGNMENT = "06_root_finding"
ON_TIME, LATE = "student1", "student2"
SHOTS = REPO / "build" / "classroom"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
NBGRADER = [sys.executable, "-m", "nbgrader"]

pytestmark = pytest.mark.xdist_group("classroom")  # one worker: the steps share one classroom, in order


def in_browser(test):
    """A step of the walk-through in the browser: slow, with room for the first start, which may
    build the users' virtual environment (a few minutes, once per checkout)."""
    return pytest.mark.slow(pytest.mark.timeout(1800)(test))


def _notebook_name(assignment: str = ASSIGNMENT) -> str:
    (src,) = notebooks.notebook_paths(REPO / "source", assignment)
    return src.name


def _package_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.py"))}


def _run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = 300) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{(proc.stdout + proc.stderr)[-3000:]}"
    return proc.stdout + proc.stderr


# ---------------------------------------------------------------------------------------------------
# Without a browser: the exchange, the bundle, plain nbgrader, the hub's parts
# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def exchange_loop(tmp_path_factory) -> dict[str, Path]:
    """One course directory (this repo's config and one lesson), released through nbgrader's exchange,
    fetched by a student in a folder of their own, submitted and collected."""
    root = tmp_path_factory.mktemp("exchange-loop")
    course, student, exchange = root / "course", root / "student", root / "exchange"
    course.mkdir()
    student.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(REPO / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    env = dict(os.environ, NBGRADER_EXCHANGE_ROOT=str(exchange))
    _run([*NBGRADER, "generate_assignment", ASSIGNMENT], course, env)
    _run([*NBGRADER, "release_assignment", ASSIGNMENT], course, env)
    # the student's side: no nbgrader_config.py of the course, only the exchange and the course id
    student_args = ["--course", "dl-from-scratch", f"--Exchange.root={exchange}"]
    _run([*NBGRADER, "fetch_assignment", ASSIGNMENT, *student_args], student)
    _run([*NBGRADER, "submit", ASSIGNMENT, *student_args], student)
    _run([*NBGRADER, "collect", ASSIGNMENT], course, env)
    return {"course": course, "student": student, "exchange": exchange}


@pytest.mark.slow
def test_release_to_the_exchange_carries_the_course_package(exchange_loop):
    released = exchange_loop["exchange"] / "dl-from-scratch" / "outbound" / ASSIGNMENT
    assert (released / _notebook_name()).exists()
    assert _package_files(released / "course") == _package_files(release.package_folder()), \
        "the released folder's course/ is not a copy of the course package"


@pytest.mark.slow
def test_fetched_folder_runs_with_its_own_copy_of_the_package(exchange_loop):
    folder = exchange_loop["student"] / ASSIGNMENT
    assert _package_files(folder / "course") == _package_files(release.package_folder())
    # A kernel started in the folder (the notebook's own folder comes first on sys.path) imports the copy.
    out = _run([sys.executable, "-c", "import course; print(course.__file__)"], folder)
    assert Path(out.strip()).resolve() == (folder / "course" / "__init__.py").resolve()


@pytest.mark.slow
def test_collected_submission_leaves_the_students_copy_of_the_package_out(exchange_loop):
    (submission,) = (exchange_loop["course"] / "submitted").glob(f"*/{ASSIGNMENT}")
    assert (submission / _notebook_name()).exists() and (submission / "timestamp.txt").exists()
    assert not (submission / "course").exists(), "the student's course/ reached the instructor's submitted/ folder"


def test_lms_bundle_holds_the_release_and_the_package(tmp_path):
    path = release.bundle(ASSIGNMENT, tmp_path)
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        assert f"{ASSIGNMENT}/{_notebook_name()}" in names
        for rel, data in _package_files(release.package_folder()).items():
            assert z.read(f"{ASSIGNMENT}/course/{rel}") == data, f"course/{rel} differs in the bundle"
    assert not any("__pycache__" in n for n in names)


@pytest.mark.slow
def test_plain_nbgrader_from_the_venv_finds_alembic_without_activating_it(tmp_path):
    shutil.copy2(REPO / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(REPO / "source" / ASSIGNMENT, tmp_path / "source" / ASSIGNMENT)
    bare = {"HOME": os.environ.get("HOME", str(tmp_path)), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    _run([str(Path(sys.executable).parent / "nbgrader"), "generate_assignment", ASSIGNMENT], tmp_path, bare)
    with sqlite3.connect(tmp_path / "gradebook.db") as con:
        versions = con.execute("SELECT version_num FROM alembic_version").fetchall()
    assert len(versions) == 1, "the new gradebook has no alembic version: nbgrader did not find alembic"


def test_half_made_gradebook_is_stamped_with_the_schema_version(tmp_path):
    from nbgrader.api import Base
    from sqlalchemy import create_engine

    db = tmp_path / "gradebook.db"
    Base.metadata.create_all(create_engine(f"sqlite:///{db}"))  # what nbgrader leaves when alembic is missing
    assert repair_gradebook(db)
    with sqlite3.connect(db) as con:
        (version,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    assert version == ScriptDirectory(ALEMBIC_DIR).get_current_head()
    assert not repair_gradebook(db), "a whole gradebook was changed"


def test_whole_or_missing_gradebook_is_left_alone(tmp_path):
    assert not repair_gradebook(tmp_path / "gradebook.db")
    assert not (tmp_path / "gradebook.db").exists()


def test_spawner_puts_each_user_at_home_with_their_roles_configuration(tmp_path):
    from classroom import HERE
    from classroom.spawner import ClassroomSpawner

    class User:  # what the spawner reads of JupyterHub's user
        def __init__(self, name: str) -> None:
            self.name = name

    account = pwd.getpwuid(os.getuid()).pw_name  # user_env reads the system account: one that exists
    student = ClassroomSpawner(state_dir=str(tmp_path), instructors={"instructor"}, venv="/opt/venv")
    student.user = User(account)
    env = student.classroom_env()
    assert student.user_env({})["HOME"] == str(tmp_path / "home" / account)
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [str(HERE / "config" / "student"), str(HERE / "config" / "common")]
    assert env["NBGRADER_EXCHANGE_ROOT"] == str(tmp_path / "exchange")
    assert env["PATH"].split(os.pathsep)[0] == "/opt/venv/bin"
    assert student.cmd == ["/opt/venv/bin/jupyterhub-singleuser"]
    instructor = ClassroomSpawner(state_dir=str(tmp_path), instructors={account})
    instructor.user = User(account)
    assert instructor.classroom_env()["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0] == str(HERE / "config" / "instructor")


def test_students_configuration_hides_the_instructors_tools():
    from classroom import HERE

    page = json.loads((HERE / "config" / "student" / "labconfig" / "page_config.json").read_text())
    server = json.loads((HERE / "config" / "student" / "jupyter_server_config.json").read_text())
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"} <= set(page["disabledExtensions"])
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    assert not (HERE / "config" / "instructor" / "labconfig").exists(), "the instructor's tools are switched off"


def test_stopping_ends_only_the_process_it_started():
    from classroom.hub import alive, end

    other = subprocess.Popen(["sleep", "60"])
    try:
        assert end(other.pid, "jupyterhub", timeout=1), "a process that is not the hub counts as gone"
        assert alive(other.pid), "stop ended a process that was not the classroom's"
        assert end(other.pid, "sleep", timeout=5)
        assert not alive(other.pid), "the process it started is still running"
    finally:
        if alive(other.pid):
            other.kill()
        other.poll()


def test_users_server_pids_come_from_the_hubs_database(tmp_path):
    from classroom.hub import server_pids

    db = tmp_path / "jupyterhub.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE spawners (id INTEGER, state TEXT)")
        con.executemany("INSERT INTO spawners VALUES (?, ?)", [(1, json.dumps({"pid": 4242})), (2, "{}"), (3, None)])
    assert server_pids(db) == [4242]
    assert server_pids(tmp_path / "missing.sqlite") == []


def test_kubernetes_config_mounts_the_exchange_where_the_course_reads_it():
    yaml = pytest.importorskip("yaml")
    from classroom import HERE

    values = yaml.safe_load((HERE / "kubernetes" / "values.yaml").read_text())
    users = values["singleuser"]
    (mount,) = [m["mountPath"] for m in users["storage"]["extraVolumeMounts"] if m["name"] == "nbgrader-exchange"]
    assert users["extraEnv"]["NBGRADER_EXCHANGE_ROOT"] == mount
    manifests = {d["kind"]: d for d in yaml.safe_load_all((HERE / "kubernetes" / "formgrader.yaml").read_text())}
    (container,) = manifests["Deployment"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["NBGRADER_EXCHANGE_ROOT"] == mount, "Formgrader and the students see different exchanges"
    service = values["hub"]["services"][env["JUPYTERHUB_SERVICE_NAME"]]
    assert service["url"].startswith(f"http://{manifests['Service']['metadata']['name']}.")
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == f"/services/{env['JUPYTERHUB_SERVICE_NAME']}/"


# ---------------------------------------------------------------------------------------------------
# In a browser: the whole loop, two students and an instructor
# ---------------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_in(folder: Path) -> list[str]:
    """'pid command' of every running process working in ``folder`` or naming it on its command line."""
    from classroom.hub import alive

    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        if not alive(int(proc.name)):
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if cmd and (cwd == str(folder) or cwd.startswith(f"{folder}/") or str(folder) in cmd):
            found.append(f"{proc.name} {cmd}")
    return found


@dataclass
class Classroom:
    """A running classroom of this test run, and what the walk-through has done so far."""

    base: str
    state: Path
    password: str
    done: set[str] = field(default_factory=set)                         # the steps that succeeded
    submitted_at: dict[str, dt.datetime] = field(default_factory=dict)  # nbgrader's timestamps, by student
    due: dt.datetime | None = None                                      # the due date the instructor set
    csv: dict[str, dict] = field(default_factory=dict)                  # course grade's grades.csv, by student
    manual: float = 0.0                                                 # the written answer's points

    def require(self, *steps: str) -> None:
        missing = [s for s in steps if s not in self.done]
        if missing:
            pytest.skip(f"an earlier step did not succeed: {', '.join(missing)}")

    @property
    def course_dir(self) -> Path:
        return self.state / "home" / "instructor" / "dl-from-scratch"

    @property
    def exchange(self) -> Path:
        return self.state / "exchange" / "dl-from-scratch"


def _classroom_script(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(REPO / "scripts" / "classroom.sh"), *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def classroom():
    if os.geteuid() != 0:
        pytest.skip("the classroom makes system accounts and runs servers as them: root only")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (scripts/setup.sh installs it as root)")
    pytest.importorskip("playwright.sync_api")
    state = Path(tempfile.mkdtemp(prefix="classroom-"))
    state.chmod(0o755)
    port = _free_port()
    # the first start may build the users' virtual environment (a few minutes, once per checkout)
    started = _classroom_script("start", "--state", str(state), "--port", str(port), timeout=1200)
    hub_log = state / "hub" / "jupyterhub.log"
    if started.returncode != 0:
        log = hub_log.read_text(errors="replace")[-3000:] if hub_log.exists() else ""
        pytest.fail(f"classroom.sh start exited {started.returncode}:\n{started.stdout[-2000:]}\n{started.stderr[-2000:]}\n{log}")
    assert f"http://127.0.0.1:{port}/" in started.stdout, started.stdout
    assert "instructor" in started.stdout and "student1" in started.stdout, "the accounts are not printed"
    room = Classroom(f"http://127.0.0.1:{port}/", state, (state / "hub" / "password").read_text().strip())
    assert room.password in started.stdout, "the password is not printed"
    yield room
    _classroom_script("stop", "--state", str(state), timeout=180)
    shutil.copy2(hub_log, SHOTS / "jupyterhub.log") if hub_log.exists() and SHOTS.exists() else None
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(classroom):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Lab:
    """One user's JupyterLab, logged in through the hub, in a browser context of its own."""

    shots = 0  # screenshots are numbered in the order of the story

    def __init__(self, browser, room: Classroom, user: str) -> None:
        self.room, self.user = room, user
        self.context = browser.new_context(viewport={"width": 1400, "height": 950})
        self.page = self.context.new_page()
        self.page.set_default_timeout(120_000)
        self.page.goto(f"{room.base}hub/login")
        self.page.fill("#username_input", user)
        self.page.fill("#password_input", room.password)
        self.page.click("#login_submit")
        self.page.wait_for_url(f"**/user/{user}/lab**", timeout=300_000)  # the hub spawns the server first
        self.page.wait_for_function("window.jupyterapp !== undefined", timeout=180_000)
        self.page.wait_for_selector(".jp-LauncherCard", timeout=180_000)
        news = self.page.locator(".jp-toast-button:has-text('No')")  # "get notified about Jupyter news?"
        if news.count():
            news.first.click()

    @property
    def url(self) -> str:
        return f"{self.room.base}user/{self.user}/"

    @property
    def home(self) -> Path:
        return self.room.state / "home" / self.user

    def shot(self, name: str, page=None) -> Path:
        Lab.shots += 1
        path = SHOTS / f"{Lab.shots:02d}-{self.user}-{name}.png"
        (page or self.page).screenshot(path=str(path))
        return path

    def has_command(self, command: str) -> bool:
        return self.page.evaluate("c => window.jupyterapp.commands.hasCommand(c)", command)

    def run(self, command: str, args: dict | None = None) -> None:
        """Execute a JupyterLab command and wait until it has done (its result is not returned)."""
        self.page.evaluate("([c, a]) => window.jupyterapp.commands.execute(c, a).then(() => true)", [command, args or {}])

    # -- the student's Assignments panel -----------------------------------------------------------
    def assignments(self):
        self.run("nbgrader:open-assignment-list")
        self.page.wait_for_selector("#released_assignments_list")
        return self.page

    def assignment_row(self, section: str, assignment: str = ASSIGNMENT):
        return self.page.locator(f"#{section}_assignments_list .list_item", has_text=assignment)

    def click_in_panel(self, section: str, button: str, then_section: str, assignment: str = ASSIGNMENT) -> None:
        """Press ``button`` on the assignment's row of one section; wait for its row in another."""
        self.assignment_row(section, assignment).get_by_role("button", name=button, exact=True).click()
        self.assignment_row(then_section, assignment).first.wait_for(timeout=180_000)

    # -- notebooks --------------------------------------------------------------------------------
    def open_notebook(self, path: str) -> None:
        self.run("docmanager:open", {"path": path})
        self.page.wait_for_function("window.jupyterapp.shell.currentWidget?.content?.model?.cells?.length > 0")
        self.page.wait_for_function(
            "window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === 'idle'", timeout=180_000)

    def paste_into_cell(self, index: int, text: str) -> None:
        """Select all of cell ``index``'s text and paste ``text`` over it, as a student would."""
        self.page.evaluate("""i => {
            const notebook = window.jupyterapp.shell.currentWidget.content;
            notebook.activeCellIndex = i;
            notebook.scrollToItem(i);
            const cell = notebook.activeCell;
            if (cell.model.type === 'markdown') { cell.rendered = false; }
            notebook.mode = 'edit';
            cell.editor.focus();
        }""", index)
        self.page.keyboard.press("Control+a")
        self.page.keyboard.insert_text(text)

    def cell_source(self, index: int) -> str:
        return self.page.evaluate(
            "i => window.jupyterapp.shell.currentWidget.content.model.cells.get(i).sharedModel.getSource()", index)


def _formgrader(instructor: Lab, path: str = "manage_assignments"):
    page = instructor.context.new_page()
    page.set_default_timeout(180_000)
    page.goto(f"{instructor.url}formgrader/{path}")
    return page


def _formgrader_action(page, column: str, assignment: str = ASSIGNMENT) -> str:
    """Click the assignment's button in a column of Formgrader's table; the success dialog's text."""
    row = page.locator(f"tr:has(td.name[data-order='{assignment}'])")
    row.locator(f"td.{column} a").click()
    dialog = page.locator("#success-modal, #error-modal").first
    dialog.wait_for(state="visible", timeout=300_000)
    text = dialog.inner_text()
    assert dialog.get_attribute("id") == "success-modal", f"Formgrader's {column} failed: {text[-2000:]}"
    dialog.locator("button.close").first.click()
    dialog.wait_for(state="detached")
    return text


def _gradebook(room: Classroom):
    """The instructor's gradebook, through nbgrader's API (a context manager)."""
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{room.course_dir / 'gradebook.db'}", "dl-from-scratch")


def _manual_score(room: Classroom, question: str, student: str) -> float | None:
    with _gradebook(room) as gb:
        return gb.find_grade(question, Path(_notebook_name()).stem, ASSIGNMENT, student).manual_score


def _wait_for(predicate, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


@pytest.fixture(scope="module")
def labs(browser, classroom) -> dict[str, Lab]:
    return {user: Lab(browser, classroom, user) for user in ("instructor", ON_TIME, LATE)}


@in_browser
def test_students_have_the_assignments_panel_and_not_the_instructors_tools(classroom, labs):
    instructor = labs["instructor"]
    assert instructor.has_command("nbgrader:open-formgrader") and instructor.has_command("nbgrader:open-create-assignment")
    for student in (labs[ON_TIME], labs[LATE]):
        assert student.has_command("nbgrader:open-assignment-list"), f"{student.user} has no Assignments panel"
        shown = [c for c in ("nbgrader:open-formgrader", "nbgrader:open-create-assignment") if student.has_command(c)]
        assert not shown, f"{student.user}'s lab offers the instructor's {shown}"
        assert student.page.request.get(f"{student.url}formgrader").status == 404, "Formgrader answers a student"
    classroom.done.add("labs")


@in_browser
def test_instructor_generates_and_releases_the_assignment_in_formgrader(classroom, labs):
    classroom.require("labs")
    page = _formgrader(labs["instructor"])
    _formgrader_action(page, "assign")
    _formgrader_action(page, "release")
    page.locator(f"tr:has(td.name[data-order='{ASSIGNMENT}']) td.status:has-text('released')").wait_for()
    labs["instructor"].shot("formgrader-released", page)
    released = classroom.exchange / "outbound" / ASSIGNMENT
    assert (released / _notebook_name()).exists(), "nothing reached the exchange"
    assert _package_files(released / "course") == _package_files(release.package_folder()), "the release lacks the package"
    page.close()
    classroom.done.add("released")


@in_browser
def test_students_fetch_the_assignment_from_the_assignments_panel(classroom, labs):
    classroom.require("released")
    for student in (labs[ON_TIME], labs[LATE]):
        student.assignments()
        student.click_in_panel("released", "Fetch", "fetched")
        student.shot("fetched")
        assert (student.home / ASSIGNMENT / _notebook_name()).exists()
        assert (student.home / ASSIGNMENT / "course" / "checks.py").exists(), "the fetched folder has no course package"
    classroom.done.add("fetched")


@in_browser
def test_student_pastes_a_solution_validates_and_submits_on_time(classroom, labs):
    classroom.require("fetched")
    student = labs[ON_TIME]
    source = notebooks.read(REPO / "source" / ASSIGNMENT / _notebook_name())
    fetched = notebooks.read(student.home / ASSIGNMENT / _notebook_name())
    solved = notebooks.solved_copy(fetched, source)
    student.open_notebook(f"{ASSIGNMENT}/{_notebook_name()}")
    answers = [(i, c.source) for i, c in enumerate(solved.cells) if notebooks.is_solution(c)]
    assert answers, "the notebook has no solution cell to fill in"
    for i, text in answers:
        student.paste_into_cell(i, text)
        assert student.cell_source(i) == text, f"cell {i} does not hold the pasted solution"
    student.run("docmanager:save")
    student.page.locator(".validate-button").first.click()
    dialog = student.page.locator(".jp-Dialog")
    dialog.wait_for(timeout=300_000)
    dialog.get_by_text(re.compile("Success|failed|error", re.I)).first.wait_for(timeout=300_000)
    student.shot("validated")
    verdict = dialog.inner_text()
    assert "Success! Your notebook passes all the tests." in verdict, verdict[-2000:]
    dialog.get_by_role("button").last.click()
    student.assignments()
    student.click_in_panel("fetched", "Submit", "submitted")
    student.shot("submitted")
    (stamp,) = (classroom.exchange / "inbound").glob(f"{ON_TIME}+{ASSIGNMENT}+*/timestamp.txt")
    classroom.submitted_at[ON_TIME] = _utc(stamp.read_text())
    classroom.done.add("on time")


def _utc(stamp: str) -> dt.datetime:
    """nbgrader's timestamp ('2026-11-29 06:10:03.123456 UTC') as an aware datetime."""
    from nbgrader.utils import parse_utc

    return parse_utc(stamp.strip()).replace(tzinfo=dt.timezone.utc)


@in_browser
def test_instructor_sets_the_due_date_after_the_first_submission(classroom, labs):
    classroom.require("on time")
    due = (classroom.submitted_at[ON_TIME] + dt.timedelta(seconds=2)).replace(microsecond=0)
    page = _formgrader(labs["instructor"])
    page.locator(f"tr:has(td.name[data-order='{ASSIGNMENT}']) td.edit a").click()
    modal = page.locator("#edit-assignment-modal")
    modal.wait_for(state="visible")
    modal.locator("input.modal-duedate").fill(due.strftime("%Y-%m-%dT%H:%M:%S"))
    modal.locator("input.modal-timezone").fill("UTC")
    modal.locator("button.save").click()
    modal.wait_for(state="hidden")
    page.locator(f"tr:has(td.name[data-order='{ASSIGNMENT}']) td.duedate:not([data-order='None'])").wait_for()
    labs["instructor"].shot("due-date", page)
    page.close()
    with _gradebook(classroom) as gb:
        stored = gb.find_assignment(ASSIGNMENT).duedate
    assert stored and stored.replace(tzinfo=dt.timezone.utc) == due, f"the gradebook's due date is {stored}, not {due}"
    _wait_for(lambda: dt.datetime.now(dt.timezone.utc) > due + dt.timedelta(seconds=1), "the due date passing", 30)
    classroom.due = due
    classroom.done.add("due date")


@in_browser
def test_other_student_submits_the_untouched_notebook_late(classroom, labs):
    classroom.require("fetched", "due date")
    student = labs[LATE]
    student.assignments()
    student.click_in_panel("fetched", "Submit", "submitted")
    student.shot("submitted-late")
    (stamp,) = (classroom.exchange / "inbound").glob(f"{LATE}+{ASSIGNMENT}+*/timestamp.txt")
    classroom.submitted_at[LATE] = _utc(stamp.read_text())
    assert classroom.submitted_at[LATE] > classroom.due
    classroom.done.add("late")


@in_browser
def test_instructor_collects_both_submissions_in_formgrader(classroom, labs):
    classroom.require("on time", "late")
    page = _formgrader(labs["instructor"])
    _formgrader_action(page, "collect")
    page.locator(f"tr:has(td.name[data-order='{ASSIGNMENT}']) td.num-submissions[data-order='2']").wait_for()
    labs["instructor"].shot("collected", page)
    page.close()
    for student in (ON_TIME, LATE):
        folder = classroom.course_dir / "submitted" / student / ASSIGNMENT
        assert (folder / _notebook_name()).exists() and (folder / "timestamp.txt").exists(), f"{student} was not collected"
        assert not (folder / "course").exists(), "the student's copy of the package was collected"
    classroom.done.add("collected")


@in_browser
def test_instructor_grades_with_course_grade_in_a_terminal(classroom, labs):
    classroom.require("collected")
    instructor = labs["instructor"]
    rc = instructor.home / "course-grade.rc"
    instructor.run("terminal:create-new")
    terminal = instructor.page.locator(".jp-Terminal").last
    terminal.wait_for()
    terminal.click()
    instructor.page.keyboard.type(f"cd ~/dl-from-scratch && course grade submitted --out . ; echo $? > {rc.name}\n")
    rc_file = classroom.course_dir / rc.name
    _wait_for(rc_file.exists, "course grade finishing", 900)
    instructor.shot("course-grade")
    assert rc_file.read_text().strip() == "0", f"course grade exited {rc_file.read_text().strip()}"
    with open(classroom.course_dir / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert set(rows) == {ON_TIME, LATE}, rows
    autograded = sum(notebooks.points(c) for c in notebooks.read(REPO / "source" / ASSIGNMENT / _notebook_name()).cells
                     if notebooks.is_autograded_test(c))
    assert float(rows[ON_TIME]["score"]) == autograded, f"the pasted solution scores {rows[ON_TIME]['score']} of {autograded}"
    assert float(rows[LATE]["raw_score"] or 0) == 0
    classroom.csv = rows
    classroom.done.add("graded")


@in_browser
def test_instructor_grades_a_written_answer_in_formgraders_manual_grading_view(classroom, labs):
    classroom.require("graded")
    instructor = labs["instructor"]
    question, worth = next((notebooks.grade_id(c), notebooks.points(c))
                           for c in notebooks.read(REPO / "source" / ASSIGNMENT / _notebook_name()).cells
                           if notebooks.is_manual_answer(c))   # Formgrader refuses a score above the question's points
    listing = instructor.page.request.get(f"{instructor.url}formgrader/api/submitted_notebooks/{ASSIGNMENT}/"
                                          f"{Path(_notebook_name()).stem}").json()
    (submission,) = [s["id"] for s in listing if s["student"] == ON_TIME]
    page = _formgrader(instructor, f"submissions/{submission}")
    score = page.locator(f"input.score#{question}")
    score.wait_for()
    page.wait_for_load_state("networkidle")  # the grades are fetched and bound after the page loads
    score.fill(f"{worth:g}")
    score.press("Tab")  # Formgrader saves a score when the field loses focus
    _wait_for(lambda: _manual_score(classroom, question, ON_TIME) == worth, "the manual grade reaching the gradebook", 60)
    instructor.shot("manual-grading", page)
    page.close()
    classroom.manual = worth
    classroom.done.add("manual")


@in_browser
def test_instructor_generates_and_releases_feedback_in_formgrader(classroom, labs):
    classroom.require("graded", "manual")
    page = _formgrader(labs["instructor"])
    _formgrader_action(page, "generate-feedback")
    _formgrader_action(page, "release-feedback")
    labs["instructor"].shot("feedback-released", page)
    page.close()
    released = list((classroom.exchange / "feedback").glob("*.html"))
    assert len(released) == 2, f"feedback released for {len(released)} of 2 submissions"
    classroom.done.add("feedback")


def _fetch_feedback(student: Lab) -> str:
    """Fetch feedback in the Assignments panel; the text of the feedback page it links to."""
    student.assignments()
    row = student.assignment_row("submitted")
    row.get_by_role("button", name="Fetch Feedback").click()
    _wait_for(lambda: any((student.home / ASSIGNMENT / "feedback").glob(f"*/{Path(_notebook_name()).stem}.html")),
              f"feedback reaching {student.user}'s folder", 120)
    (html,) = (student.home / ASSIGNMENT / "feedback").glob(f"*/{Path(_notebook_name()).stem}.html")
    page = student.context.new_page()
    page.goto(f"{student.url}files/{html.relative_to(student.home).as_posix()}")
    text = page.locator("body").inner_text()
    student.shot("feedback", page)
    page.close()
    return text


def _score(feedback: str) -> tuple[float, float]:
    match = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", feedback)
    assert match, f"the feedback shows no score: {feedback[:500]}"
    return float(match.group(1)), float(match.group(2))


@in_browser
def test_students_fetch_feedback_and_read_their_scores(classroom, labs):
    classroom.require("feedback")
    source = notebooks.read(REPO / "source" / ASSIGNMENT / _notebook_name())
    total = sum(notebooks.points(c) for c in source.cells if notebooks.meta(c).get("grade"))
    on_time = _score(_fetch_feedback(labs[ON_TIME]))
    late = _score(_fetch_feedback(labs[LATE]))
    assert on_time == (float(classroom.csv[ON_TIME]["score"]) + classroom.manual, total), on_time
    assert late == (0.0, total), late
    classroom.done.add("feedback fetched")


@in_browser
def test_late_submission_carries_the_late_penalty(classroom):
    """nbgrader_config.py's late policy ("zero": a late notebook scores 0) applied by course grade."""
    classroom.require("graded")
    late, on_time = classroom.csv[LATE], classroom.csv[ON_TIME]
    assert late["duedate"] and late["timestamp"] and on_time["timestamp"], f"the CSV lost the due date or a timestamp: {late}"
    assert _utc(on_time["timestamp"]) < _utc(late["duedate"]) < _utc(late["timestamp"])
    with _gradebook(classroom) as gb:
        penalty = {student: gb.find_submission_notebook(Path(_notebook_name()).stem, ASSIGNMENT, student).late_submission_penalty
                   for student in (ON_TIME, LATE)}
    assert penalty[ON_TIME] is None, f"the on-time submission carries a late penalty: {penalty[ON_TIME]}"
    assert penalty[LATE] is not None, "the late submission carries no late penalty"
    assert penalty[LATE] == float(late["raw_score"]) == float(late["late_submission_penalty"]), (penalty, late)
    assert float(late["score"]) == 0.0, late


@in_browser
def test_stopping_the_classroom_leaves_no_process_of_it(classroom, labs):
    from classroom.hub import alive

    for lab in labs.values():
        lab.context.close()
    hub = int((classroom.state / "hub" / "jupyterhub.pid").read_text())
    stopped = _classroom_script("stop", "--state", str(classroom.state), timeout=180)
    assert stopped.returncode == 0, stopped.stderr
    assert not alive(hub), "the hub is still running"
    left = _processes_in(classroom.state)
    assert not left, f"processes of the classroom are still running: {left}"
