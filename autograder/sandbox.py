"""How a grading kernel is started: sealed, confined with bubblewrap where it runs, bounded.

The kernel is ``python -I -B -m course.kernel``: isolated mode, so neither the working folder
nor ``PYTHONPATH`` comes before the installed packages (a submitted ``torch.py``,
``course/``, ``ipykernel_launcher.py`` or ``sitecustomize.py`` is never imported in their
place; :mod:`course.kernel` puts the submission's folder *last* on ``sys.path``).

With ``bwrap`` (Debian package ``bubblewrap``) the kernel sees an allow-list, nothing else:

* the system read-only (``/usr`` and its links, ``/etc``), a private ``/proc``, ``/dev``
  and an empty ``/tmp`` of bounded size;
* the Python installation and the virtual environment read-only, and the installed
  ``course`` package (only that folder, wherever it lies: with an editable install it sits
  in the course repository, whose other files stay out of sight);
* the submission's own folder, the only writable one (its size is watched by the session:
  :class:`~autograder.kernel.KernelSession`).

No network (its own empty loopback), its own process tree (everything dies with the
grader), no other submission, no source notebook, no gradebook. The kernel talks to the
grader over Unix sockets in its folder. ``prlimit`` bounds its address space, file size, CPU
time, open files and, when the grader runs as root, the processes of a user of its own
(a random uid above 200000, set with ``setpriv``): a fork bomb then exhausts only its own
allowance, and :func:`sweep` kills whatever that user left behind.

Where bwrap is missing or cannot create namespaces, :func:`probe` says why; the grader then
runs the kernel with the limits alone and says so, or refuses (``--require-sandbox``).
"""
from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from .limits import Limits

TMP_SIZE = 64 * 2**20  # the sandbox's own /tmp


@functools.lru_cache(maxsize=1)
def probe() -> tuple[bool, str]:
    """(usable, reason): whether bwrap can start a confined process here."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False, "bubblewrap (bwrap) is not installed"
    try:
        proc = subprocess.run([bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--die-with-parent", "true"],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"bwrap cannot run ({err})"
    if proc.returncode != 0:
        return False, f"bwrap cannot create namespaces here ({proc.stderr.strip()[:200]})"
    return True, "bubblewrap sandbox"


HOW_TO_GET_IT = ("install bubblewrap (apt-get install bubblewrap) and allow unprivileged user namespaces "
                 "(sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu 24.04 and newer), "
                 "or run the grader as root")


def isolation(limits: Limits) -> tuple[bool, str]:
    """(confined, the isolation line every report carries) for grading with ``limits``."""
    if not limits.sandbox:
        return False, "no sandbox (--no-sandbox): kernels run with resource limits only"
    usable, why = probe()
    if usable:
        user = "a user of its own per kernel" if os.geteuid() == 0 and shutil.which("setpriv") else "the grader's user"
        return True, (f"bubblewrap sandbox: no network, read-only system, sealed imports, only the submission's "
                      f"folder writable (quota {limits.folder_quota // 2**20} MiB), {user}")
    return False, f"no sandbox ({why}): kernels run with resource limits only"


def kernel_uid(confine: bool) -> int | None:
    """A user of its own for a confined kernel when the grader is root (None: the grader's own).

    Random, so no two kernels share one (not even one after another in the same worker, while
    the first one's processes are still being torn down)."""
    if not confine or os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    return 200_000 + secrets.randbelow(2**30)


def sweep(uid: int | None) -> None:
    """Kill every process left by a kernel's user (forked children that outlived the kernel)."""
    if uid is None:
        return
    kill = shutil.which("kill") or "/bin/kill"
    subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", kill, "-KILL", "-1"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False)


def limits_argv(limits: Limits, uid: int | None = None) -> list[str]:
    """``setpriv`` (to ``uid``) and ``prlimit`` with the kernel's limits, as a command prefix."""
    prlimit = shutil.which("prlimit")
    argv: list[str] = []
    if uid is not None:
        argv += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"]
    if prlimit is None:
        return argv
    # A process limit counts every process of the user: without a user of its own it would
    # count the grader's too, so it is only set where it binds the kernel alone.
    nproc = [f"--nproc={limits.kernel_processes}"] if uid is not None else []
    return argv + [prlimit, f"--as={limits.kernel_memory}", f"--fsize={limits.kernel_file_size}",
                   f"--cpu={limits.kernel_cpu_seconds}", f"--nofile={limits.kernel_open_files}", "--core=0", *nproc]


def python_argv(connection_file: Path) -> list[str]:
    """The sealed kernel: isolated mode, no bytecode written, the course's own entry point."""
    return [sys.executable, "-I", "-B", "-m", "course.kernel", "-f", str(connection_file)]


def allowed_roots() -> list[Path]:
    """Folders the kernel's Python needs, read-only: the base installation, the venv, ``course``."""
    import course

    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.prefix).absolute(),
             Path(course.__file__).resolve().parent}
    return sorted(roots, key=lambda p: (len(p.parts), str(p)))


def _system_binds() -> list[str]:
    """/usr read-only and the top-level links into it (merged /usr), or the folders themselves."""
    argv = ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            argv += ["--ro-bind", str(path), str(path)]
    return argv + ["--ro-bind", "/etc", "/etc"]


def kernel_env(workdir: Path) -> dict[str, str]:
    """A kernel's environment: nothing of the grader's but what Python needs."""
    venv_bin = str(Path(sys.executable).parent)
    return {
        "PATH": os.pathsep.join([venv_bin, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "JUPYTER_PLATFORM_DIRS": "1",
    }


def _bwrap(writable: Path, tmp_writable: bool = True, caps: tuple[str, ...] = ()) -> list[str]:
    """bubblewrap with the allow-list: the system, Python, the venv and ``course`` read-only;
    ``writable`` the only folder a process may write (and, with ``tmp_writable``, a fresh /tmp)."""
    argv = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "grader",
            *_system_binds(), "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(TMP_SIZE), "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
    roots = [r for r in allowed_roots() if r.exists()]
    # bwrap makes the missing folders above a mount point 0700, which a kernel of its own user
    # could not cross: make them 0755 first (they are empty folders of the sandbox's own root).
    system = {Path("/usr"), Path("/etc"), Path("/proc"), Path("/dev")}
    above = sorted({p for target in (*roots, writable) for p in target.parents} - system - {Path("/"), Path("/tmp")} - set(roots),
                   key=lambda p: len(p.parts))
    for folder in above:
        if not any(m in folder.parents for m in system):
            argv += ["--perms", "0755", "--dir", str(folder)]
    for root in roots:
        argv += ["--ro-bind", str(root), str(root)]
    argv += ["--bind", str(writable), str(writable), "--chdir", str(writable)]
    if not tmp_writable:
        argv += ["--remount-ro", "/tmp", "--remount-ro", "/dev/shm"]
    for cap in caps:
        argv += ["--cap-add", cap]
    return argv


def kernel_argv(workdir: Path, connection_file: Path, limits: Limits, confine: bool, uid: int | None = None) -> list[str]:
    """The command that starts the (cold) kernel of a notebook running in ``workdir``."""
    from course.kernel import KERNEL_ARGS

    python = python_argv(connection_file)
    if not confine:
        return limits_argv(limits) + python + [a for a in KERNEL_ARGS if "parent_handle" not in a]
    # In its own PID namespace the kernel cannot see the grader's PID (JPY_PARENT_PID) and would
    # take it for dead; --die-with-parent ends the sandbox with the grader instead.
    return _bwrap(workdir) + ["--"] + limits_argv(limits, uid) + python + list(KERNEL_ARGS)


def server_argv(spool: Path, limits: Limits) -> list[str]:
    """The warm kernel parent (``autograder.forkserver``): the same allow-list, the spool its only
    writable folder, no writable /tmp, and only the capabilities it needs to make each child a
    user of its own."""
    return (_bwrap(spool, tmp_writable=False, caps=("CAP_SETUID", "CAP_SETGID", "CAP_KILL"))
            + ["--", sys.executable, "-I", "-B", "-m", "course.kernel", "--serve"])


class ColdHandle:
    """A kernel started as a process of its own (through bwrap, or with limits only)."""

    def __init__(self, proc: subprocess.Popen, uid: int | None) -> None:
        self.proc, self.uid = proc, uid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except OSError:
                self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        sweep(self.uid)


def start_cold(workdir: Path, connection: Path, limits: Limits, confine: bool, uid: int | None) -> ColdHandle:
    argv = kernel_argv(workdir, connection, limits, confine, uid)
    proc = subprocess.Popen(argv, cwd=workdir, env=kernel_env(workdir), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return ColdHandle(proc, uid)
