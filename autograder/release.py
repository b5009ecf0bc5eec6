"""Regenerate ``release/`` from ``source/`` with ``nbgrader generate_assignment``.

    python -m autograder.release                  # every assignment
    python -m autograder.release 06_root_finding  # one

nbgrader runs in a scratch course directory (see :mod:`autograder.workspace`); the generated
folder then replaces ``release/<assignment>/`` in the repository. ``--check`` only compares
and exits 1 when the committed release differs from what nbgrader makes today.
"""
from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

from . import notebooks
from .workspace import REPO, Workspace


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
    args = parser.parse_args(argv)
    names = args.assignments or notebooks.assignments(REPO / "source")
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
