"""The run stage's kernel session: sealed imports, the sandbox's allow-list, every cap on what a kernel sends."""
from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.kernel import KernelSession
from autograder.limits import Limits
from autograder.workspace import REPO

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("kernel")]
CONFINED = sandbox.probe()[0]
needs_sandbox = pytest.mark.skipif(not CONFINED, reason="bubblewrap cannot run here")

PLANTED = {
    "torch.py": "raise SystemExit('the submitted torch.py was imported')",
    "numpy.py": "raise SystemExit('the submitted numpy.py was imported')",
    "ipykernel_launcher.py": "raise SystemExit('the submitted launcher was imported')",
    "sitecustomize.py": "open('SITECUSTOMIZE_RAN', 'w').write('x')",
    "usercustomize.py": "open('USERCUSTOMIZE_RAN', 'w').write('x')",
    "course/__init__.py": "PLANTED = True",
    "course/checks.py": "def check_tensor(*a, **k): return None",
    "helper.py": "ANSWER = 42",
}


def _text(execution) -> str:
    return "".join(o.get("text", "") for o in execution.outputs if o.get("output_type") == "stream")


@pytest.fixture(scope="module")
def session():
    work = Path(tempfile.mkdtemp(prefix="grade-"))
    for name, text in PLANTED.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    limits = Limits(cell_output_chars=10_000, notebook_output_chars=200_000, error_chars=2_000, answers_per_cell=3,
                    folder_quota=50 * 2**20, message_bytes=4 * 2**20, interrupt_grace=3.0)
    with KernelSession(work, limits, CONFINED) as s:
        yield s


def test_the_kernel_imports_installed_packages_never_the_submissions_files(session):
    run = session.execute("import torch, numpy, course, course.checks, os, sys\nimport helper\n"
                          "print(torch.__file__, numpy.__file__, course.__file__, course.checks.check_tensor.__module__)\n"
                          "print(helper.ANSWER, hasattr(course, 'PLANTED'), sorted(os.listdir('.')))\n", 60)
    text = _text(run)
    assert run.status == "ok", run.outputs
    assert str(session.workdir) not in text.splitlines()[0] and "course.checks" in text
    assert "42 False" in text and "SITECUSTOMIZE_RAN" not in text and "USERCUSTOMIZE_RAN" not in text


@needs_sandbox
def test_the_sandbox_shows_only_the_allow_list(session):
    run = session.execute(
        "import os\n"
        f"print('source', os.path.exists({str(REPO / 'source')!r}))\n"
        f"print('repo', sorted(os.listdir({str(REPO)!r})))\n"
        "print('home', os.path.expanduser('~'), [p for p in os.listdir('/tmp') if p != os.path.basename(os.getcwd())])\n", 30)
    text = _text(run)
    assert "source False" in text and "repo ['course']" in text.replace("'.venv', ", "")  # the venv and course only
    # and an empty /tmp of its own (where the course itself lives under /tmp, the folders that
    # lead to its allow-listed .venv and course/ are there too, holding nothing else)
    leading = [REPO.relative_to("/tmp").parts[0]] if REPO.is_relative_to("/tmp") else []
    assert f"home {session.workdir} {leading}" in text, text


@needs_sandbox
def test_the_sandbox_has_no_network_and_a_read_only_system(session):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    run = session.execute(
        "import socket\n"
        "def attempt(what, fn):\n    try:\n        fn()\n        print(what, 'ALLOWED')\n    except OSError as err:\n        print(what, 'blocked')\n"
        f"attempt('loopback', lambda: socket.create_connection(('127.0.0.1', {port}), timeout=2))\n"
        "attempt('internet', lambda: socket.create_connection(('1.1.1.1', 53), timeout=2))\n"
        f"attempt('write course', lambda: open({str(REPO / 'course' / 'x.py')!r}, 'w'))\n"
        "attempt('write etc', lambda: open('/etc/x', 'w'))\n", 30)
    server.close()
    assert _text(run).count("blocked") == 4, _text(run)


def test_output_past_the_cell_limit_is_cut_with_a_note(session):
    run = session.execute("print('x' * 50_000)", 30)
    text = _text(run)
    assert len(text) < 11_000 and "output past the limit dropped" in text


def test_display_updates_and_widget_messages_are_not_kept(session):
    run = session.execute(
        "from IPython.display import display, update_display\n"
        "display('small', display_id='d')\n"
        "update_display('u' * 3_000_000, display_id='d')\n"
        "from comm import create_comm\n"
        "c = create_comm(target_name='jupyter.widget', data={'state': {'x': 'y' * 3_000_000}})\n"
        "c.send({'state': {'x': 'z' * 3_000_000}})\n", 30)
    kept = sum(len(str(o)) for o in run.outputs)
    assert run.status == "ok" and kept < 5_000, run.outputs


def test_an_error_message_and_traceback_are_cut(session):
    run = session.execute("raise ValueError('e' * 1_000_000)", 30)
    (error,) = [o for o in run.outputs if o.output_type == "error"]
    assert run.status == "error" and len(error.evalue) <= 2_000 and sum(map(len, error.traceback)) <= 2_000


def test_probe_answers_are_set_apart_only_in_test_cells_and_bounded(session):
    code = ("from course import probing\n"
            "for i in range(5):\n    probing.publish(f'p{i}', '[1]')\n")
    run = session.execute(code, 30, answers=True)
    assert run.answers == [("p0", "[1]"), ("p1", "[1]"), ("p2", "[1]")] and "more than 3 answers" in run.note
    assert not [o for o in run.outputs if o.output_type == "display_data"]
    run = session.execute(code, 30, answers=False)
    assert run.answers == [] and "outside a test cell" in run.note


def test_a_message_bigger_than_the_socket_allows_is_refused_and_the_session_goes_on(session):
    t0 = time.monotonic()
    run = session.execute("print('m' * 6_000_000, flush=True)", 5)
    assert time.monotonic() - t0 < 5 + session.limits.interrupt_grace + 5
    assert sum(len(str(o)) for o in run.outputs) < 20_000


def test_a_cell_past_its_time_is_interrupted_and_the_next_cell_runs(session):
    run = session.execute("import time\nwhile True:\n    time.sleep(0.01)", 2)
    assert run.status == "timeout" and "2 s limit" in run.note
    after = session.execute("print('after')", 10)
    assert after.status == "ok" and "after" in _text(after)


def test_a_kernel_that_ignores_the_interrupt_is_killed(tmp_path):
    with KernelSession(tmp_path, Limits(interrupt_grace=2.0), CONFINED) as s:
        run = s.execute("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass", 2)
        assert run.status == "dead" and "did not stop when interrupted" in run.note
        assert not s.alive()


def test_a_folder_past_its_quota_gets_the_kernel_killed(tmp_path):
    with KernelSession(tmp_path, Limits(folder_quota=20 * 2**20, kernel_file_size=8 * 2**20), CONFINED) as s:
        run = s.execute("for i in range(100):\n    open(f'f{i}', 'wb').write(b'0' * 4 * 2**20)\n"
                        "import time\ntime.sleep(30)", 40)
        assert run.status == "dead" and "quota" in run.note


def test_a_kernel_that_dies_is_reported_and_cleaned_up(tmp_path):
    with KernelSession(tmp_path, Limits(), CONFINED) as s:
        run = s.execute("import os\nos._exit(3)", 20)
        assert run.status == "dead" and "died" in run.note
