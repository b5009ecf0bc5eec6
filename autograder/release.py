"""Regenerate ``release/`` from ``source/`` with ``nbgrader generate_assignment``; ship it.

    python -m autograder.release                  # every assignment
    python -m autograder.release 06_root_finding  # one
    python -m autograder.release --zip build/lms  # a zip per assignment for an LMS (no regeneration)

nbgrader runs in a scratch course directory (see :mod:`autograder.workspace`); the generated
folder then replaces ``release/<assignment>/`` in the repository. ``--check`` only compares
and exits 1 when the committed release differs from what nbgrader makes today.

An assignment travels with the ``course`` package its notebook imports, so that a student who
has only its folder can run it: nbgrader's exchange gets a copy with every release
(:class:`ReleaseWithCoursePackage`, set in ``nbgrader_config.py``, so ``nbgrader
release_assignment`` and Formgrader's *Release* button both add it), and ``--zip`` bundles one
for an LMS. ``release/`` itself stays exactly nbgrader's output (the package is copied when the
assignment leaves the repository, never committed six times over). The grader never imports
a submitted copy: its kernel is sealed (:mod:`autograder.sandbox`).
"""
from __future__ import annotations

import argparse
import filecmp
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment

from . import notebooks
from .workspace import REPO, Workspace

PACKAGE = "course"  # the package the notebooks import, and the name of its copy in a released folder
NOT_COPIED = ("__pycache__", "*.pyc", ".ipynb_checkpoints")


def package_folder() -> Path:
    """The installed ``course`` package's folder (found without importing it: it imports torch)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the {PACKAGE!r} package is not installed (bash scripts/setup.sh installs it)")
    return Path(list(spec.submodule_search_locations)[0])


def add_course_package(folder: Path, package: Path | None = None) -> Path:
    """Copy the ``course`` package into an assignment ``folder``, replacing any copy there."""
    dest = Path(folder) / PACKAGE
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(package or package_folder(), dest, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return dest


class ReleaseWithCoursePackage(ExchangeReleaseAssignment):
    """nbgrader's release to the exchange, with the ``course`` package added to the released folder.

    Set as ``c.ExchangeFactory.release_assignment``; nbgrader then sets the permissions of the
    whole folder, the copy included, as for any released file."""

    def do_copy(self, src: str, dest: str, log=None) -> None:
        super().do_copy(src, dest, log)
        add_course_package(Path(dest))


def bundle(assignment: str, out_dir: Path, release_dir: Path = REPO / "release") -> Path:
    """``out_dir/<assignment>.zip``: the committed release folder and the ``course`` package,
    under ``<assignment>/``, as a student downloads it from an LMS."""
    source = release_dir / assignment
    if not source.is_dir():
        raise FileNotFoundError(f"{source} does not exist: run python -m autograder.release {assignment}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
        staged = Path(tmp) / assignment
        shutil.copytree(source, staged, ignore=shutil.ignore_patterns(*NOT_COPIED))
        add_course_package(staged)
        return Path(shutil.make_archive(str(out_dir / assignment), "zip", root_dir=tmp, base_dir=assignment))


def generate(assignments: list[str], scratch: Path) -> dict[str, Path]:
    """Generate each assignment in a workspace under ``scratch``; return the output folders."""
    return Workspace(scratch, assignments=assignments).generate_all()


def differences(generated: Path, committed: Path) -> list[str]:
    """Relative paths that differ between two folders (missing on either side included)."""
    if not committed.exists():
        return [f"{committed.name}/ (missing)"]
    cmp = filecmp.dircmp(generated, committed)
    out: list[str] = []

    def walk(c: filecmp.dircmp, prefix: str) -> None:
        out.extend(f"{prefix}{n} (only generated)" for n in c.left_only)
        out.extend(f"{prefix}{n} (only committed)" for n in c.right_only)
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        out.extend(f"{prefix}{n} (differs)" for n in mismatch + errors)
        for name, sub in c.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(cmp, "")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.release", description=__doc__.split("\n")[1])
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: every folder in source/)")
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    parser.add_argument("--zip", type=Path, metavar="DIR",
                        help="write DIR/<assignment>.zip (release folder + course package, for an LMS); no regeneration")
    args = parser.parse_args(argv)
    names = args.assignments or notebooks.assignments(REPO / "source")
    if args.zip:
        for name in names:
            print(bundle(name, args.zip))
        return 0
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        generated = generate(names, Path(tmp))
        drift = 0
        for name, folder in generated.items():
            target = REPO / "release" / name
            diff = differences(folder, target)
            if args.check:
                if diff:
                    drift += 1
                    print(f"release/{name} differs from nbgrader's output: {', '.join(diff)}")
                continue
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(folder, target)
            print(f"release/{name}: {'updated' if diff else 'unchanged'}")
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
