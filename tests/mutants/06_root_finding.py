"""Plausible wrong solutions for 06_root_finding, each with the test cell that must catch it."""
from tests.mutant import Mutant
from tests.mutant import delegates as _delegates
from tests.mutant import edit as _mutant


F = "return a * x * x + b * x + c"
GRAD = "return 2.0 * f(x, a, b, c) * (2.0 * a * x + b)"
GUARD = "if not math.isfinite(x_new) or abs(x_new) > blowup:"
DESCENT = "result = gradient_descent(lambda x: grad(x, a, b, c), x0, lr, tol=tol, max_iter=max_iter)"
DIVERGED = 'raise RuntimeError(f"gradient descent diverged from x0={x0}: lr={lr} is too large")'
OUT_OF_STEPS = ('        if result.status == "max_iter":\n'
                '            raise NotConverged(f"gradient descent from x0={x0} did not converge in {result.iterations} steps "\n'
                '                               f"(lr={lr}, tol={tol}): raise max_iter or lr")\n')

CLOSED_FORM = '''
def find_roots(a, b, c, lr, tol=1e-12, max_iter=10_000, offset=1e-2, ftol=1e-8):
    if a == 0:
        raise ValueError("a must be non-zero")
    d = b * b - 4 * a * c
    if d < 0:
        return []
    return sorted([(-b - math.sqrt(d)) / (2 * a), (-b + math.sqrt(d)) / (2 * a)])
'''

DESCENT_BY_SGD = '''
def gradient_descent(grad_fn, x0, lr, tol=1e-10, max_iter=10_000, blowup=1e8):
    p = torch.tensor(float(x0), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    path, status = [float(x0)], "max_iter"
    for _ in range(max_iter):
        x = path[-1]
        p.grad = torch.tensor(float(grad_fn(x)), dtype=torch.float64)
        opt.step()
        x_new = p.item()
        if not math.isfinite(x_new) or abs(x_new) > blowup:
            status = "diverged"
            break
        path.append(x_new)
        if abs(x_new - x) <= tol:
            status = "converged"
            break
    return Descent(x=path[-1], iterations=len(path) - 1, path=path, status=status)
'''

ROOTS_BY_NUMPY = '''
def find_roots(a, b, c, lr, tol=1e-12, max_iter=10_000, offset=1e-2, ftol=1e-8):
    if a == 0:
        raise ValueError("a must be non-zero")
    roots = np.roots([a, b, c])
    return sorted(float(r.real) for r in roots if abs(r.imag) <= 1e-12)
'''
_ROOT_CELLS = ["test_find_roots", "test_find_roots_traps"]

MUTANTS = [
    # Task 1: f
    _mutant("f_drops_the_constant", "returns a x^2 + b x, forgetting c",
            "f_code", [(F, "return a * x * x + b * x")], ["test_f"]),
    _mutant("f_sign_of_the_linear_term", "a x^2 - b x + c",
            "f_code", [(F, "return a * x * x - b * x + c")], ["test_f"]),
    _mutant("f_reads_notebook_globals", "uses the lesson's coefficients 1, -6, 4 (the original course's style) instead of its arguments",
            "f_code", [(F, "return A * x * x + B * x + C"),
                       ('"The residual a*x**2 + b*x + c of the quadratic at x."', "A, B, C = 1.0, -6.0, 4.0")],
            ["test_f"]),
    # Task 2: grad
    _mutant("grad_of_f_not_f_squared", "differentiates f instead of f^2 (descends to the vertex, not a root)",
            "grad_code", [(GRAD, "return 2.0 * a * x + b")], ["test_grad", "test_find_roots"]),
    _mutant("grad_missing_factor_2", "drops the 2 of d/dx f^2 = 2 f f'",
            "grad_code", [(GRAD, "return f(x, a, b, c) * (2.0 * a * x + b)")], ["test_grad"]),
    _mutant("grad_sign_flip", "returns -g'(x): the descent climbs away from the roots",
            "grad_code", [(GRAD, "return -2.0 * f(x, a, b, c) * (2.0 * a * x + b)")], ["test_grad", "test_find_roots"]),
    _mutant("grad_reads_notebook_globals", "uses the notebook's a, b, c (the original course's style) instead of its arguments",
            "grad_code", [(GRAD, "return 2.0 * f(x, a_, b_, c_) * (2.0 * a_ * x + b_)"),
                          ('"d/dx of f(x)**2 for f(x) = a*x**2 + b*x + c."', "a_, b_, c_ = 1.0, -6.0, 4.0")],
            ["test_grad"]),
    _mutant("grad_expanded_with_a_wrong_coefficient", "expands (ax^2+bx+c)^2 by hand and gets 2b^2 + 2ac instead of 2b^2 + 4ac",
            "grad_code", [(GRAD, "return 4*a*a*x**3 + 6*a*b*x**2 + (2*b*b + 2*a*c)*x + 2*b*c")], ["test_grad"]),
    # Task 3: gradient_descent
    _mutant("descent_sign_flip", "steps along the gradient, x + lr * g",
            "gradient_descent_code", [("x_new = x - step", "x_new = x + step")],
            ["test_gradient_descent", "test_find_roots"]),
    _mutant("descent_path_without_x0", "the path leaves out the starting point",
            "gradient_descent_code", [("path = [x]", "path = []"), ("iterations=len(path) - 1", "iterations=len(path)")],
            ["test_gradient_descent"]),
    _mutant("descent_stops_on_small_gradient", "stops when |grad| <= tol instead of the step |x_new - x| <= tol",
            "gradient_descent_code", [("converged = abs(x_new - x) <= tol", "converged = abs(grad_fn(x)) <= tol")],
            ["test_gradient_descent"]),
    _mutant("descent_ignores_tol", "always stops at a step of 1e-10, whatever tol says",
            "gradient_descent_code", [("converged = abs(x_new - x) <= tol", "converged = abs(x_new - x) <= 1e-10")],
            ["test_gradient_descent"]),
    _mutant("descent_max_iter_overrides_convergence", "reports 'max_iter' whenever max_iter steps were taken, even if the last one converged",
            "gradient_descent_code", [("    return Descent(x=x, iterations=len(path) - 1, path=path, status=status)",
                                       '    if len(path) - 1 == max_iter:\n        status = "max_iter"\n'
                                       "    return Descent(x=x, iterations=len(path) - 1, path=path, status=status)")],
            ["test_gradient_descent"]),
    _mutant("descent_without_divergence_guard", "no check for a non-finite or huge step: overflows at a large lr",
            "gradient_descent_code", [(GUARD, "if False:")], ["test_gradient_descent_divergence"]),
    _mutant("descent_guard_ignores_blowup", "stops only on inf/nan, lets the path run far past blowup",
            "gradient_descent_code", [(GUARD, "if not math.isfinite(x_new):")], ["test_gradient_descent_divergence"]),
    _mutant("descent_guard_misses_nan", "checks abs(x_new) > blowup only: a nan step slips through (nan > blowup is False)",
            "gradient_descent_code", [(GUARD, "if abs(x_new) > blowup:")], ["test_gradient_descent_divergence"]),
    _mutant("descent_guard_at_blowup_inclusive", "abs(x_new) >= blowup: drops a point exactly at blowup, which the task keeps",
            "gradient_descent_code", [(GUARD, "if not math.isfinite(x_new) or abs(x_new) >= blowup:")],
            ["test_gradient_descent_divergence"]),
    # Task 4: find_roots
    _mutant("roots_one_start_only", "descends from one side of the vertex only and finds one root",
            "find_roots_code", [("for x0 in (vertex - offset, vertex + offset):", "for x0 in (vertex + offset,):")],
            ["test_find_roots"]),
    _mutant("roots_start_on_the_vertex", "starts both descents on the vertex, where the gradient is zero",
            "find_roots_code", [("for x0 in (vertex - offset, vertex + offset):", "for x0 in (vertex, vertex):")],
            ["test_find_roots"]),
    _mutant("roots_ignore_tol", "does not pass tol on: every descent runs to gradient_descent's default",
            "find_roots_code", [(DESCENT, "result = gradient_descent(lambda x: grad(x, a, b, c), x0, lr, max_iter=max_iter)")],
            ["test_find_roots"]),
    _mutant("roots_ignore_offset", "starts at vertex -+ 0.01 whatever offset says",
            "find_roots_code", [("for x0 in (vertex - offset, vertex + offset):", "for x0 in (vertex - 1e-2, vertex + 1e-2):")],
            ["test_find_roots", "test_find_roots_traps"]),
    _mutant("roots_ignore_ftol", "tests |f| against 1e-8 whatever ftol says",
            "find_roots_code", [("<= ftol", "<= 1e-8")], ["test_find_roots", "test_find_roots_traps"]),
    _mutant("roots_without_residual_check", "reports every end point, the vertex of a rootless quadratic too",
            "find_roots_code", [("if abs(f(result.x, a, b, c)) <= ftol:", "if True:")], ["test_find_roots_traps"]),
    _mutant("roots_swallow_divergence", "returns the roots found so far instead of reporting a diverged descent",
            "find_roots_code", [(DIVERGED, "continue")], ["test_find_roots_traps"]),
    _mutant("roots_double_root_by_exact_discriminant", "tests b*b - 4*a*c == 0 exactly, which rounding breaks for a double root",
            "find_roots_code", [("if abs(f(vertex, a, b, c)) <= ftol:", "if b * b - 4 * a * c == 0:")], ["test_find_roots_traps"]),
    # issue 13: a descent that only hit max_iter was taken for "no real roots"
    _mutant("roots_ignore_max_iter_status", "the old solution: an unfinished descent's end point is dropped, so running out of steps reads as []",
            "find_roots_code", [(OUT_OF_STEPS, "")], ["test_find_roots_traps"]),
    _mutant("roots_out_of_steps_as_plain_runtime_error", "raises RuntimeError, not NotConverged, when a descent runs out of steps",
            "find_roots_code", [("raise NotConverged(", "raise RuntimeError(")], ["test_find_roots_traps"]),
    _mutant("roots_divergence_as_not_converged", "reports a diverged descent as NotConverged (ran out of steps) instead of a too-large rate",
            "find_roots_code", [(DIVERGED, DIVERGED.replace("RuntimeError", "NotConverged"))], ["test_find_roots_traps"]),
    _mutant("roots_accept_an_unfinished_descent", "takes the end point of a descent that ran out of steps when |f| is already below ftol",
            "find_roots_code", [('if result.status == "max_iter":', 'if result.status == "max_iter" and abs(f(result.x, a, b, c)) > ftol:')],
            ["test_find_roots_traps"]),
    _mutant("roots_ignore_max_iter", "does not pass max_iter on: every descent may take 10,000 steps",
            "find_roots_code", [(DESCENT, "result = gradient_descent(lambda x: grad(x, a, b, c), x0, lr, tol=tol)")],
            ["test_find_roots_traps"]),
    Mutant(name="roots_by_closed_form", why="skips the descents and returns the quadratic formula's roots",
           cell="find_roots_code", code=CLOSED_FORM, caught_by=["test_find_roots", "test_find_roots_traps"]),
]

DEMO = ["grad_missing_factor_2", "descent_without_divergence_guard", "roots_one_start_only"]

# Calls of what the tasks forbid: each loses exactly its task's points, and the message names the call.
MUTANTS += [
    _delegates("grad_by_backward", "grad builds f(x)^2 on a tensor and calls .backward()", "grad_code",
               [(GRAD, "t = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)\n"
                       "    (f(t, a, b, c) ** 2).backward()\n    return t.grad.item()")],
               ["test_grad"], says="Tensor.backward"),
    _delegates("descent_by_torch_optim", "gradient_descent hands grad_fn's value to torch.optim.SGD and lets it step",
               "gradient_descent_code", DESCENT_BY_SGD, ["test_gradient_descent", "test_gradient_descent_divergence"],
               says="SGD.step"),
    _delegates("descent_by_autograd", "gradient_descent gets the step through .backward() of a surrogate x * grad_fn(x)",
               "gradient_descent_code",
               [("step = lr * grad_fn(x)", "t = torch.tensor(x, dtype=torch.float64, requires_grad=True)\n"
                                           "        (t * grad_fn(x)).backward()\n        step = lr * t.grad.item()")],
               ["test_gradient_descent", "test_gradient_descent_divergence"], says="Tensor.backward"),
    _delegates("roots_by_numpy_roots", "find_roots returns numpy.roots' real roots", "find_roots_code", ROOTS_BY_NUMPY,
               _ROOT_CELLS, says="numpy.roots"),
    _delegates("roots_by_polyroots", "find_roots calls numpy.polynomial.polynomial.polyroots", "find_roots_code",
               ROOTS_BY_NUMPY.replace("np.roots([a, b, c])", "np.polynomial.polynomial.polyroots([c, b, a])"),
               _ROOT_CELLS, says="polyroots"),
]
