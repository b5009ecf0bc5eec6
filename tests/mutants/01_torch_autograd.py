"""Plausible wrong solutions for 01_torch_autograd, each with the test cell that must catch it."""
from tests.mutant import Mutant as _Mutant
from tests.mutant import delegates as _delegates
from tests.mutant import edit as _mutant

ANALYTIC = "return 2 * x + 2 * y * z, 2 * y + 2 * x * z, 2 * z + 2 * x * y"
MSE = "return ((y_pred - y_true) ** 2).mean()"
CHAIN = "return 2 * x * torch.cos(x ** 2 + 1)"
GRADIENT = "return (2 * (y_pred - Y)).unsqueeze(1).mul(X).mean(dim=0)"
MANUAL_STEP = "        losses.append(((y_pred - Y) ** 2).mean().item())\n        w -= lr * gradient(X, Y, y_pred)"

MUTANTS = [
    # Task 1: analytic_grads
    _mutant("analytic_grad_wrong_term", "df/dx = 2x + yz: the factor 2 of 2xyz dropped",
            "analytic_grads_code", [("return 2 * x + 2 * y * z,", "return 2 * x + y * z,")], ["test_analytic_grads"]),
    _mutant("analytic_grads_overwrite_z", "computes df/dz in place in z: right values, but the caller's z is changed",
            "analytic_grads_code", [(ANALYTIC, "gx, gy = 2 * x + 2 * y * z, 2 * y + 2 * x * z\n"
                                               "    return gx, gy, z.mul_(2).add_(2 * x * y)")], ["test_analytic_grads"]),
    # Task 2: my_mse
    _mutant("type_check_with_and", "the original course's `not isinstance(a) and not isinstance(b)`: raises only when both are wrong",
            "my_mse_code", [("if not isinstance(y_pred, torch.Tensor) or not isinstance(y_true, torch.Tensor):",
                             "if not isinstance(y_pred, torch.Tensor) and not isinstance(y_true, torch.Tensor):")], ["test_my_mse"]),
    _mutant("mse_without_mean", "sums the squared errors instead of averaging",
            "my_mse_code", [(MSE, "return ((y_pred - y_true) ** 2).sum()")], ["test_my_mse"]),
    _mutant("mse_divides_by_first_dim", "the original course's sum() / y_true.size()[0]: right for 1-D only",
            "my_mse_code", [(MSE, "return ((y_pred - y_true) ** 2).sum() / y_true.size()[0]")], ["test_my_mse"]),
    _mutant("mse_broadcasts_shapes", "no shape check: (3, 1) against (3,) silently broadcasts to (3, 3)",
            "my_mse_code", [("    if y_pred.shape != y_true.shape:\n", "    if y_pred.dim() != y_true.dim() and False:\n")], ["test_my_mse"]),
    _mutant("mse_cut_from_the_graph", "rebuilds the result from .item(): the value is right, autograd cannot differentiate it",
            "my_mse_code", [(MSE, "return torch.tensor(((y_pred - y_true) ** 2).mean().item(), dtype=y_pred.dtype)")], ["test_my_mse"]),
    # Task 3: mse_param_grads
    _mutant("param_grads_read_notebook_globals", "uses the original course's x and y defined beside it instead of its arguments",
            "mse_param_grads_code", [("def mse_param_grads(", "x_data = torch.arange(10.0, 20.0)\ny_data = torch.arange(12.0, 22.0)\n\n\n"
                                                              "def mse_param_grads("),
                                     ("my_mse(w * x + b, y_true).backward()", "my_mse(w * x_data + b, y_data).backward()")],
            ["test_mse_param_grads"]),
    _mutant("param_grads_change_arguments", "calls requires_grad_ on the caller's tensors instead of copies",
            "mse_param_grads_code", [("    w = w.detach().clone().requires_grad_(True)\n    b = b.detach().clone().requires_grad_(True)",
                                      "    w = w.requires_grad_(True)\n    b = b.requires_grad_(True)")], ["test_mse_param_grads"]),
    _mutant("param_grads_clone_without_detach", "w.clone() of a w that requires grad is no leaf: its gradient lands in the caller's w",
            "mse_param_grads_code", [("    w = w.detach().clone().requires_grad_(True)\n    b = b.detach().clone().requires_grad_(True)",
                                      "    w = w.clone().requires_grad_(True)\n    b = b.clone().requires_grad_(True)")],
            ["test_mse_param_grads"]),
    # Task 4: chain_rule_grad
    _mutant("chain_rule_missing_2", "x cos(x^2 + 1): the inner derivative 2x taken as x",
            "chain_rule_code", [(CHAIN, "return x * torch.cos(x ** 2 + 1)")], ["test_chain_rule"]),
    _mutant("chain_rule_in_float32", "computes in float32 whatever x's dtype: x^2 of 84.1 loses the cosine's phase",
            "chain_rule_code", [(CHAIN, "x = x.float()\n    return 2 * x * torch.cos(x ** 2 + 1)")], ["test_chain_rule"]),
    # Task 5.1: gradient
    _mutant("gradient_missing_factor_2", "(y_pred - y) x instead of 2 (y_pred - y) x",
            "gradient_code", [("return (2 * (y_pred - Y))", "return ((y_pred - Y))")], ["test_gradient", "test_train_manual"]),
    _mutant("gradient_sums_instead_of_mean", "sums over the samples: N times too large",
            "gradient_code", [(".mean(dim=0)", ".sum(dim=0)")], ["test_gradient"]),
    # Task 5.2: train_manual
    _mutant("manual_loss_after_update", "records the loss after the update instead of before",
            "train_manual_code", [(MANUAL_STEP, "        w -= lr * gradient(X, Y, y_pred)\n        losses.append(((X @ w - Y) ** 2).mean().item())")],
            ["test_train_manual"]),
    # Task 5.3: train_autograd
    _mutant("autograd_without_zero_grad", "never zeroes w.grad: every step adds all earlier gradients",
            "train_autograd_code", [("        w.grad.zero_()\n", "")], ["test_train_autograd"]),
    _mutant("autograd_rebinds_w", "w = w - lr * w.grad: a new tensor, no longer a leaf with a .grad",
            "train_autograd_code", [("        with torch.no_grad():\n            w -= lr * w.grad\n        w.grad.zero_()",
                                     "        w = w - lr * w.grad")],
            ["test_train_autograd"]),
    # Task 5.4: LinearRegression and train_module
    _mutant("module_without_zero_grad", "optimizer.zero_grad() forgotten",
            "train_module_code", [("        optimizer.zero_grad()\n", "")], ["test_train_module"]),
    _mutant("module_squeezes_weight", "weight.squeeze(): right for two features, a 0-d tensor for one",
            "train_module_code", [("return model.lin.weight.detach()[0], losses", "return model.lin.weight.detach().squeeze(), losses")],
            ["test_train_module"]),
    _mutant("module_ignores_dtype", "nn.Linear without dtype: float64 data meets a float32 weight",
            "train_module_code", [("nn.Linear(n_features, 1, bias=False, dtype=dtype)", "nn.Linear(n_features, 1, bias=False)")],
            ["test_train_module"]),
]

DEMO = ["type_check_with_and", "autograd_without_zero_grad"]

# Calls of what the tasks forbid: each loses exactly its task's points, and the message names the call.
_MANUAL_WITH_OPTIM = '''
def train_manual(X, Y, lr, n_iters):
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr)
    losses = []
    for _ in range(n_iters):
        loss = ((X @ w - Y) ** 2).mean()
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return w.detach(), losses
'''

_MANUAL_WITH_BACKWARD = '''
def train_manual(X, Y, lr, n_iters):
    w = torch.zeros(X.shape[1], dtype=X.dtype)
    losses = []
    for _ in range(n_iters):
        leaf = w.clone().requires_grad_(True)
        loss = ((X @ leaf - Y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        w = w - lr * leaf.grad
    return w, losses
'''

_AUTOGRAD_WITH_OPTIM = '''
def train_autograd(X, Y, lr, n_iters):
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr)
    losses = []
    for _ in range(n_iters):
        loss = ((X @ w - Y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return w.detach(), losses
'''

MUTANTS += [
    _delegates("analytic_grads_by_autograd", "analytic_grads asks torch.autograd.grad for the gradients", "analytic_grads_code",
               [(ANALYTIC, "leaves = [t.detach().clone().requires_grad_(True) for t in (x, y, z)]\n"
                           "    a, b, c = leaves\n"
                           "    return torch.autograd.grad((a ** 2 + b ** 2 + c ** 2 + 2 * a * b * c).sum(), leaves)")],
               ["test_analytic_grads"], says="torch.autograd.grad"),
    _delegates("mse_calls_F_mse_loss", "my_mse returns F.mse_loss after its checks", "my_mse_code",
               [(MSE, "return F.mse_loss(y_pred, y_true)")], ["test_my_mse"], says="mse_loss"),
    _delegates("chain_rule_by_autograd", "chain_rule_grad differentiates sin(x^2 + 1) with torch.autograd.grad", "chain_rule_code",
               [(CHAIN, "leaf = x.detach().clone().requires_grad_(True)\n"
                        "    return torch.autograd.grad(torch.sin(leaf ** 2 + 1).sum(), leaf)[0]")],
               ["test_chain_rule"], says="torch.autograd.grad"),
    # train_manual calls gradient (its task says so): both tasks lose their points
    _delegates("gradient_by_backward", "gradient differentiates the loss in y_pred with backward() and chains X by hand",
               "gradient_code", [(GRADIENT, "leaf = y_pred.detach().clone().requires_grad_(True)\n"
                                            "    ((leaf - Y) ** 2).mean().backward()\n"
                                            "    return X.T @ leaf.grad")],
               ["test_gradient", "test_train_manual"], says="Tensor.backward"),
    _delegates("manual_uses_torch_optim", "train_manual hands the update to torch.optim.SGD (and the gradient to backward)",
               "train_manual_code", _MANUAL_WITH_OPTIM, ["test_train_manual"], says="torch.optim"),
    _delegates("manual_uses_backward", "train_manual takes the gradient from loss.backward() instead of gradient()",
               "train_manual_code", _MANUAL_WITH_BACKWARD, ["test_train_manual"], says="Tensor.backward"),
    _delegates("autograd_uses_torch_optim", "train_autograd hands the update to torch.optim.SGD",
               "train_autograd_code", _AUTOGRAD_WITH_OPTIM, ["test_train_autograd"], says="torch.optim"),
]

# Task 6: stability_limit (nothing is off limits, so no delegating mutant)
LIMIT = "    hessian = 2 * X.T @ X / X.shape[0]\n    return 2 / torch.linalg.eigvalsh(hessian)[-1].item()"

_LIMIT_BY_SHORT_POWER_METHOD = '''
def stability_limit(X):
    hessian = 2 * X.double().T @ X.double() / X.shape[0]
    v = torch.ones(hessian.shape[0], dtype=torch.float64)
    for _ in range(5):                                   # stops long before the estimate settles
        v = hessian @ v
        v = v / v.norm()
    return 2 / (v @ hessian @ v).item()
'''

MUTANTS += [
    _mutant("limit_without_the_hessians_factor", "2 / lambda_max(X^T X): the Hessian's 2/N of the mean squared error left out",
            "stability_limit_code", [(LIMIT, LIMIT.replace("2 * X.T @ X / X.shape[0]", "X.T @ X"))], ["test_stability_limit"]),
    _mutant("limit_one_over_lambda", "1 / lambda_max: the 'safe' step 1/L of smoothness theory instead of the limit 2/lambda_max",
            "stability_limit_code", [(LIMIT, LIMIT.replace("return 2 /", "return 1 /"))], ["test_stability_limit"]),
    _mutant("limit_divides_by_features", "divides by X.shape[1], the number of features, instead of the number of samples",
            "stability_limit_code", [(LIMIT, LIMIT.replace("X.shape[0]", "X.shape[1]"))], ["test_stability_limit"]),
    _mutant("limit_from_the_smallest_eigenvalue", "eigvalsh(...)[0]: the smallest eigenvalue (eigvalsh sorts ascending)",
            "stability_limit_code", [(LIMIT, LIMIT.replace("[-1]", "[0]"))], ["test_stability_limit"]),
    _Mutant(name="limit_short_power_method", why="a power method stopped after 5 iterations: an estimate of lambda_max, not lambda_max",
            cell="stability_limit_code", code=_LIMIT_BY_SHORT_POWER_METHOD, caught_by=["test_stability_limit"]),
    _mutant("limit_in_float32", "X.float(): the float32 eigenvalue is off by ~1e-7 for a float64 X",
            "stability_limit_code", [("X = X.double()", "X = X.float()")], ["test_stability_limit"]),
    _mutant("limit_scales_X_in_place", "builds the Hessian as X^T X after scaling X in place: the caller's float64 X changes",
            "stability_limit_code", [(LIMIT, "    X.mul_((2 / X.shape[0]) ** 0.5)\n"
                                             "    return 2 / torch.linalg.eigvalsh(X.T @ X)[-1].item()")],
            ["test_stability_limit"]),
    _mutant("limit_returns_a_tensor", "returns the limit as a 0-d tensor, not the Python float the task asks for",
            "stability_limit_code", [(".item()", "")], ["test_stability_limit"]),
]
