"""A test cell's two parts: the probes the student's kernel runs, the judges only the grader sees.

A test cell (see :mod:`course.probing`) is Python whose top-level statements are imports,
helpers and constants, probe functions (``@checks.probe``) and judge functions
(``@checks.judge(probe)``). :func:`kernel_code` is what the student's kernel is sent: the cell
with every judge's body, docstring, defaults and annotations removed (its decorator stays,
so the probe still runs and answers), comments and hidden-test markers gone. No reference
value and no judging code enters the student's kernel.
"""
from __future__ import annotations

import ast


class TestCellError(ValueError):
    """A test cell that is not in probe/judge form (an authoring error)."""


def _is_judge_decorator(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "judge") or (isinstance(func, ast.Name) and func.id == "judge")


def is_judge(node: ast.stmt) -> bool:
    """Whether a top-level statement defines a judge."""
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(_is_judge_decorator(d) for d in node.decorator_list)


def judge_count(source: str) -> int:
    """How many judges the cell defines (0 for a cell that is not in probe/judge form)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    return sum(is_judge(node) for node in tree.body)


def _emptied(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
    """The judge with nothing of its own left: same name and decorators, body ``...``."""
    args = ast.arguments(posonlyargs=[], args=[ast.arg(a.arg) for a in node.args.posonlyargs + node.args.args],
                         vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    bare = ast.FunctionDef(name=node.name, args=args, body=[ast.Expr(ast.Constant(...))],
                           decorator_list=node.decorator_list, returns=None, type_comment=None)
    return ast.copy_location(bare, node)


def kernel_code(source: str) -> str:
    """The part of a test cell the student's kernel runs (raises :class:`TestCellError`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise TestCellError(f"the test cell is not valid Python: {err}") from None
    nested = [n for top in tree.body if not is_judge(top) for n in ast.walk(top) if n is not top and is_judge(n)]
    if nested:
        raise TestCellError(f"judge {nested[0].name!r} is not at the top level of the cell")
    tree.body = [_emptied(node) if is_judge(node) else node for node in tree.body]
    return ast.unparse(ast.fix_missing_locations(tree))
