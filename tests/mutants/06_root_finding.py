"""Plausible wrong solutions for 06_root_finding, each with the test cell that must catch it."""
from tests.mutant import edit as _mutant


GRAD = "return 2.0 * f(x, a, b, c) * (2.0 * a * x + b)"

MUTANTS = [
    _mutant("grad_of_f_not_f_squared", "differentiates f instead of f^2 (descends to the vertex, not a root)",
           "grad_code", [(GRAD, "return 2.0 * a * x + b")], ["test_grad", "test_find_roots"]),
    _mutant("grad_missing_factor_2", "drops the 2 of d/dx f^2 = 2 f f'",
           "grad_code", [(GRAD, "return f(x, a, b, c) * (2.0 * a * x + b)")], ["test_grad"]),
    _mutant("grad_sign_flip", "returns -g'(x): the descent climbs away from the roots",
           "grad_code", [(GRAD, "return -2.0 * f(x, a, b, c) * (2.0 * a * x + b)")], ["test_grad", "test_find_roots"]),
    _mutant("grad_reads_notebook_globals", "uses the notebook's a, b, c (the seed's style) instead of its arguments",
           "grad_code", [(GRAD, "return 2.0 * f(x, a_, b_, c_) * (2.0 * a_ * x + b_)"),
                         ('"d/dx of f(x)**2 for f(x) = a*x**2 + b*x + c."', "a_, b_, c_ = 1.0, -6.0, 4.0")],
           ["test_grad"]),
    _mutant("grad_expanded_with_a_wrong_coefficient", "expands (ax^2+bx+c)^2 by hand and gets 2b^2 + 2ac instead of 2b^2 + 4ac",
           "grad_code", [(GRAD, "return 4*a*a*x**3 + 6*a*b*x**2 + (2*b*b + 2*a*c)*x + 2*b*c")], ["test_grad"]),
    _mutant("descent_sign_flip", "steps along the gradient, x + lr * g",
           "gradient_descent_code", [("x_new = x - step", "x_new = x + step")],
           ["test_gradient_descent", "test_find_roots"]),
    _mutant("descent_without_divergence_guard", "no check for a non-finite or huge step: overflows at a large lr",
           "gradient_descent_code", [("if not math.isfinite(x_new) or abs(x_new) > blowup:", "if False:")],
           ["test_gradient_descent_divergence"]),
    _mutant("descent_guard_ignores_blowup", "stops only on inf/nan, lets the path run far past blowup",
           "gradient_descent_code", [("if not math.isfinite(x_new) or abs(x_new) > blowup:", "if not math.isfinite(x_new):")],
           ["test_gradient_descent_divergence"]),
    _mutant("descent_path_without_x0", "the path leaves out the starting point",
           "gradient_descent_code", [("path = [x]", "path = []"), ("iterations=len(path) - 1", "iterations=len(path)")],
           ["test_gradient_descent"]),
    _mutant("descent_stops_on_small_gradient", "stops when |grad| <= tol instead of the step |x_new - x| <= tol",
           "gradient_descent_code", [("converged = abs(x_new - x) <= tol", "converged = abs(grad_fn(x)) <= tol")],
           ["test_gradient_descent"]),
    _mutant("roots_one_start_only", "descends from one side of the vertex only and finds one root",
           "find_roots_code", [("for x0 in (vertex - offset, vertex + offset):", "for x0 in (vertex + offset,):")],
           ["test_find_roots"]),
    _mutant("roots_start_on_the_vertex", "starts both descents on the vertex, where the gradient is zero",
           "find_roots_code", [("for x0 in (vertex - offset, vertex + offset):", "for x0 in (vertex, vertex):")],
           ["test_find_roots"]),
    _mutant("roots_without_residual_check", "reports every end point, the vertex of a rootless quadratic too",
           "find_roots_code", [("if abs(f(result.x, a, b, c)) <= ftol:", "if True:")],
           ["test_find_roots_traps"]),
    _mutant("roots_swallow_divergence", "returns the roots found so far instead of reporting a diverged descent",
           "find_roots_code", [('raise RuntimeError(f"gradient descent diverged from x0={x0}: lr={lr} is too large")', "continue")],
           ["test_find_roots_traps"]),
    _mutant("roots_double_root_by_exact_discriminant", "tests b*b - 4*a*c == 0 exactly, which rounding breaks for a double root",
           "find_roots_code", [("if abs(f(vertex, a, b, c)) <= ftol:", "if b * b - 4 * a * c == 0:")],
           ["test_find_roots_traps"]),
]

DEMO = ["grad_missing_factor_2", "descent_without_divergence_guard", "roots_one_start_only"]
