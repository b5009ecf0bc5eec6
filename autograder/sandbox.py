"""Confine a grading kernel with bubblewrap, or say why it cannot be.

With ``bwrap`` (Debian package ``bubblewrap``) the kernel runs in new namespaces: no network
(its own empty loopback), its own process tree (everything dies with the grader), the
system read-only, ``/tmp``, the home folder and the course, output and input folders hidden,
and only the submission's temporary folder writable. The Python installation and the
``course`` package are mounted back read-only so the notebook can import them. The kernel
talks to the grader over Unix sockets in that folder (ZMQ ``ipc`` transport), since TCP on
the host's loopback is out of its reach. ``prlimit`` bounds its address space, file size,
CPU time, open files and processes. The process limit binds no one running as root, so a
grader running as root starts each kernel as a user of its own (a random uid above 200000)
with ``setpriv``: a fork bomb then exhausts only its own allowance, and :func:`sweep` kills
whatever that user left behind.

Where bwrap is missing or cannot create namespaces, :func:`probe` says why and the grader
falls back to the resource limits alone (and says so).
"""
from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Policy:
    """What the kernel may use. Sizes in bytes, time in CPU seconds."""

    memory: int = 6 * 2**30
    file_size: int = 64 * 2**20
    cpu_seconds: int = 600
    open_files: int = 512
    processes: int = 256              # processes and threads of the kernel's user
    hidden: tuple[str, ...] = ()      # extra folders to hide (course, output, inputs)


@functools.lru_cache(maxsize=1)
def probe() -> tuple[bool, str]:
    """(usable, reason): whether bwrap can start a confined process here."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False, "bubblewrap (bwrap) is not installed: kernels run with resource limits only"
    try:
        proc = subprocess.run([bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--die-with-parent", "true"],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"bwrap cannot run ({err}): kernels run with resource limits only"
    if proc.returncode != 0:
        return False, f"bwrap cannot create namespaces here ({proc.stderr.strip()[:200]}): kernels run with resource limits only"
    return True, "bubblewrap sandbox: no network, read-only system, only the submission's folder writable"


def _python_roots() -> list[Path]:
    """Folders the kernel's Python needs: the venv, the base installation, the course package."""
    import course

    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.prefix), Path(course.__file__).resolve().parent}
    return sorted(roots, key=lambda p: len(p.parts))


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


def limits_argv(policy: Policy, uid: int | None = None) -> list[str]:
    """``setpriv`` (to ``uid``) and ``prlimit`` with the policy's limits, as a command prefix."""
    prlimit = shutil.which("prlimit")
    argv: list[str] = []
    if uid is not None:
        argv += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"]
    if prlimit is None:
        return argv
    # A process limit counts every process of the user: without a user of its own it would
    # count the grader's too, so it is only set where it binds the kernel alone.
    nproc = [f"--nproc={policy.processes}"] if uid is not None else []
    return argv + [prlimit, f"--as={policy.memory}", f"--fsize={policy.file_size}", f"--cpu={policy.cpu_seconds}",
                   f"--nofile={policy.open_files}", "--core=0", *nproc]


def kernel_manager(workdir: Path, control: Path, policy: Policy, confine: bool):
    """An ``AsyncKernelManager`` (what nbclient expects: a blocking one would stall its
    dead-kernel watch) whose kernel starts through :func:`kernel_argv`.

    Its kernelspec and (when confined) its Unix sockets and connection file live in
    ``control`` and ``workdir``: the sockets must be inside the sandbox's writable folder.
    """
    import json

    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    uid = kernel_uid(confine)
    if uid is not None:  # the kernel's own user owns its folder
        for path in (workdir, *workdir.rglob("*")):
            os.lchown(path, uid, uid)

    class GradingKernelManager(AsyncKernelManager):
        def write_connection_file(self, **kwargs) -> None:
            super().write_connection_file(**kwargs)
            if uid is not None:  # readable by the kernel's user (it is 0600)
                os.chown(self.connection_file, uid, uid)

    spec = control / "kernels" / "grading"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": kernel_argv(workdir, policy, confine, uid), "display_name": "grading", "language": "python"}))
    ksm = KernelSpecManager(kernel_dirs=[str(control / "kernels")], ensure_native_kernel=False)
    options = {"transport": "ipc", "ip": str(workdir / ".kernel")} if confine else {}
    km = GradingKernelManager(kernel_name="grading", kernel_spec_manager=ksm,
                              connection_file=str(workdir / ".kernel.json"), **options)
    km.grading_uid = uid  # for sweep() once the kernel is done
    return km


def kernel_argv(workdir: Path, policy: Policy, confine: bool, uid: int | None = None) -> list[str]:
    """The command that starts a kernel for a notebook running in ``workdir``."""
    python = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    if not confine:
        return limits_argv(policy) + python
    # In its own PID namespace the kernel cannot see the grader's PID (JPY_PARENT_PID) and would
    # take it for dead; --die-with-parent ends the sandbox with the grader instead.
    inner = limits_argv(policy, uid) + python + ["--IPKernelApp.parent_handle=0"]
    wanted = {Path("/tmp"), Path.home(), *(Path(h).resolve() for h in policy.hidden)}
    # a folder inside another hidden one needs no mount of its own (and gets none: no trace)
    hide = {h for h in wanted if not any(other in h.parents for other in wanted)}
    argv = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/dev/shm",
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "grader"]
    for folder in sorted(hide, key=lambda p: len(p.parts)):
        if folder.exists() and folder != Path("/"):
            argv += ["--tmpfs", str(folder)]
    made: set[Path] = set()

    def open_way(target: Path) -> list[str]:
        """bwrap makes the folders leading to a mount point inside a hidden folder 0700:
        create them 0755 first so that the kernel's user can reach ``target``."""
        top = next((h for h in hide if target == h or h in target.parents), None)
        steps: list[str] = []
        for folder in reversed(target.parents):
            if top is not None and top in folder.parents and folder not in made:
                made.add(folder)
                steps += ["--perms", "0755", "--dir", str(folder)]
        return steps

    for root in _python_roots():
        if root.exists() and any(root == h or h in root.parents for h in hide):
            argv += open_way(root) + ["--ro-bind", str(root), str(root)]
    argv += open_way(workdir) + ["--bind", str(workdir), str(workdir), "--chdir", str(workdir)]
    for folder in sorted(hide, key=lambda p: len(p.parts)):  # hidden means empty and read-only
        if folder.exists() and folder != Path("/"):
            argv += ["--remount-ro", str(folder)]
    return argv + ["--"] + inner
