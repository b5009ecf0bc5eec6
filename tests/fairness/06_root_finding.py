"""Correct-but-different solutions of 06_root_finding: each keeps every point, with no advice."""
from tests.mutant import Variant

WHILE_LOOP = '''
from collections.abc import Callable


def gradient_descent(grad_fn: Callable[[float], float], x0: float, lr: float, tol: float = 1e-10,
                     max_iter: int = 10_000, blowup: float = 1e8) -> Descent:
    "a while loop, an in-place update and early returns"
    x = float(x0)
    points = [x]
    steps = 0
    while steps < max_iter:
        previous = x
        x -= lr * grad_fn(x)
        if x != x or x in (math.inf, -math.inf) or abs(x) > blowup:
            return Descent(previous, len(points) - 1, points, "diverged")
        points.append(x)
        steps += 1
        if abs(x - previous) <= tol:
            return Descent(x, steps, points, "converged")
    return Descent(points[-1], len(points) - 1, points, "max_iter")
'''

EXPANDED = '''
def grad(x, a, b, c):
    "the original course's expansion of d/dx (ax^2 + bx + c)^2, with the right coefficients"
    return 4 * a**2 * x**3 + 6 * a * b * x**2 + (2 * b**2 + 4 * a * c) * x + 2 * b * c
'''

WARNS = '''
import warnings


def gradient_descent(grad_fn, x0, lr, tol=1e-10, max_iter=10_000, blowup=1e8):
    x = float(x0)
    path = [x]
    for _ in range(max_iter):
        x_new = x - lr * grad_fn(x)
        if not math.isfinite(x_new) or abs(x_new) > blowup:
            warnings.warn(f"gradient descent diverged after {len(path) - 1} steps: lr={lr} is too large")
            return Descent(x=x, iterations=len(path) - 1, path=path, status="diverged")
        path.append(x_new)
        if abs(x_new - x) <= tol:
            return Descent(x=x_new, iterations=len(path) - 1, path=path, status="converged")
        x = x_new
    warnings.warn(f"no convergence in {max_iter} steps", RuntimeWarning)
    return Descent(x=x, iterations=len(path) - 1, path=path, status="max_iter")
'''

BOTH_FIRST = '''
def find_roots(a, b, c, lr, tol=1e-12, max_iter=10_000, offset=1e-2, ftol=1e-8):
    "both descents first, then their statuses; a local F and N; positional arguments"
    if a == 0:
        raise ValueError(f"find_roots({a}, {b}, {c}): not a quadratic")
    F = lambda x: f(x, a, b, c)
    vertex = -0.5 * b / a
    if abs(F(vertex)) <= ftol:
        return [float(vertex)]
    N = max_iter
    runs = {side: gradient_descent(lambda x: grad(x, a, b, c), vertex + side * offset, lr, tol, N, blowup=1e8)
            for side in (-1, +1)}
    for side, run in runs.items():
        if run.status == "diverged":
            raise RuntimeError(f"the descent from the {'left' if side < 0 else 'right'} diverged; try a smaller learning rate")
        if run.status != "converged":
            raise NotConverged(f"{run.iterations} steps were not enough from {vertex + side * offset:.6g}") from None
    return list(map(float, sorted(run.x for run in runs.values() if abs(F(run.x)) <= ftol)))
'''

HORNER = '''
def f(x, a, b, c):
    "Horner's form"
    return (a * x + b) * x + c
'''

DEQUE = '''
from collections import deque


def gradient_descent(grad_fn, x0, lr, tol=1e-10, max_iter=10_000, blowup=1e8):
    "the points in a deque, the result built by keyword at the end"
    trail = deque([float(x0)])
    status = "max_iter"
    for step in range(1, max_iter + 1):
        here = trail[-1]
        there = here - lr * grad_fn(here)
        if not (math.isfinite(there) and -blowup <= there <= blowup):
            status = "diverged"
            break
        trail.append(there)
        if abs(there - here) <= tol:
            status = "converged"
            break
    path = list(trail)
    return Descent(status=status, path=path, iterations=len(path) - 1, x=path[-1])
'''

EXPERIMENT = '''
import time

for lr in (1e-3, 1e-2, 4e-2):
    t0 = time.perf_counter()
    print(lr, find_roots(1.0, -6.0, 4.0, lr=lr), f"{time.perf_counter() - t0:.4f} s")
try:
    find_roots(1.0, -6.0, 4.0, lr=1e-6)
except NotConverged as err:
    print("as expected:", err)
'''

CASES = [
    Variant("while_loop_in_place", "gradient_descent as a while loop with x -= ..., early returns, `collections.abc` imported",
            {"gradient_descent_code": WHILE_LOOP}),
    Variant("expanded_gradient_and_horner", "grad as the expanded quartic's derivative, f in Horner's form",
            {"grad_code": EXPANDED, "f_code": HORNER}),
    Variant("warns", "gradient_descent warns when it diverges or runs out of steps", {"gradient_descent_code": WARNS}),
    Variant("both_descents_first_local_F_N", "find_roots runs both descents before looking at them; a local F and N; "
            "the vertex as -0.5 * b / a; positional tol and max_iter", {"find_roots_code": BOTH_FIRST}),
    Variant("deque_and_keywords", "the path kept in a deque, the Descent built by keyword", {"gradient_descent_code": DEQUE}),
    Variant("experiment_cell", "an extra cell of the student's own that times find_roots and catches NotConverged",
            {}, extra=[("find_roots_code", EXPERIMENT)]),
]
