"""Correct-but-different solutions of 01_torch_autograd: each keeps every point, with no advice."""
from tests.mutant import Variant

LOOPS_GRADIENT = '''
def gradient(X, Y, y_pred):
    "one sample at a time, in a Python loop"
    N = X.shape[0]                                   # a local N
    total = torch.zeros(X.shape[1], dtype=X.dtype)
    for i in range(N):
        total = total + 2 * (y_pred[i] - Y[i]) * X[i]
    return total / N
'''

LOOPS_MSE = '''
from collections.abc import Sequence


def my_mse(y_pred, y_true):
    "a sum over the flattened elements divided by their count"
    for arg in (y_pred, y_true):
        if not isinstance(arg, torch.Tensor):
            raise TypeError(f"expected tensors, got {type(arg).__name__}")
    if isinstance(y_pred, Sequence) or tuple(y_pred.size()) != tuple(y_true.size()):
        raise ValueError("the shapes differ")
    diff = (y_pred - y_true).reshape(-1)
    return (diff * diff).sum() / diff.numel()
'''

INPLACE_MANUAL = '''
def train_manual(X, Y, lr, n_iters):
    w = X.new_zeros(X.shape[1])
    losses = []
    for step in range(n_iters):
        residual = X @ w - Y
        losses.append(float(residual.pow(2).mean()))
        w.sub_(gradient(X, Y, X @ w), alpha=lr)
    return w, losses
'''

INPLACE_AUTOGRAD = '''
import warnings


def train_autograd(X, Y, lr, n_iters):
    if lr > 0.01:
        warnings.warn(f"lr={lr} is large for the lecture's data")
    w = torch.zeros_like(X[0]).requires_grad_()
    losses = []
    for _ in range(n_iters):
        loss = (X @ w - Y).square().mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w.sub_(lr * w.grad)
        w.grad = None                                 # what zero_grad(set_to_none=True) does
    return w.detach().clone(), losses
'''

SEQUENTIAL_MODULE = '''
from dataclasses import dataclass, field


class LinearRegression(nn.Module):
    def __init__(self, n_features, dtype=torch.float32):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(n_features, 1, bias=False, dtype=dtype))
        nn.init.zeros_(self.layers[0].weight)

    def forward(self, X):
        return self.layers(X).squeeze(-1)


@dataclass
class History:
    "the run's losses, kept in a dataclass"
    losses: list = field(default_factory=list)


def train_module(X, Y, lr, n_iters):
    model = LinearRegression(X.shape[1], X.dtype)
    loss_fn = nn.MSELoss()
    opt = torch.optim.SGD(model.parameters(), lr)
    history = History()
    for _ in range(n_iters):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(X), Y)
        loss.backward()
        history.losses.append(loss.item())
        opt.step()
    (weight,) = model.parameters()
    return weight.detach().reshape(-1).clone(), list(history.losses)
'''

GRAD_BY_AUTOGRAD_GRAD = '''
def mse_param_grads(w, b, x, y_true):
    "torch.autograd.grad on copies instead of backward()"
    params = {"w": w.detach().clone().requires_grad_(), "b": b.detach().clone().requires_grad_()}
    loss = my_mse(params["w"] * x + params["b"], y_true)
    dw, db = torch.autograd.grad(loss, [params["w"], params["b"]])
    return dw, db
'''

LOCAL_F = '''
def analytic_grads(x, y, z):
    "a local F holding the common factor; the gradients as a tuple built from a generator"
    F = 2
    return tuple(F * (a + b * c) for a, b, c in ((x, y, z), (y, x, z), (z, x, y)))
'''

CHAIN_METHODS = '''
def chain_rule_grad(x):
    "tensor methods instead of torch functions"
    inner = x.square().add(1)
    return x.mul(2).mul(inner.cos())
'''

LIMIT_BY_POWER_METHOD = '''
def stability_limit(X):
    "a power method on the Hessian, in float64, until the Rayleigh quotient settles"
    N = X.shape[0]                                   # a local N
    H = 2 * X.double().T @ X.double() / N
    v = torch.ones(H.shape[0], dtype=torch.float64)
    estimate = 0.0
    for _ in range(100_000):
        v = H @ v
        if v.norm() == 0:                            # X of zeros: no curvature at all
            return float("inf")
        v = v / v.norm()
        new = (v @ H @ v).item()
        if abs(new - estimate) <= 1e-15 * abs(new):
            break
        estimate = new
    return 2 / new
'''

LIMIT_BY_SINGULAR_VALUE_FLOAT32 = '''
def stability_limit(X):
    "the largest singular value of X, in X's own dtype: lambda_max(2 X^T X / N) = 2 sigma_max^2 / N"
    sigma = torch.linalg.matrix_norm(X, ord=2)
    return float(len(X) / sigma ** 2)
'''

LIMIT_BY_GRAM_OF_ROWS = '''
def stability_limit(X):
    "the N x N Gram matrix X X^T has the same nonzero eigenvalues as X^T X"
    gram = X.to(torch.float64) @ X.to(torch.float64).mT
    return 2.0 / torch.linalg.eigvals(2 * gram / gram.shape[0]).real.max().item()
'''

CASES = [
    Variant("loops_and_counts", "gradient by a loop over samples with a local N; my_mse as sum / numel with a collections.abc import; "
            "stability_limit by a power method with a local N and a convergence test",
            {"gradient_code": LOOPS_GRADIENT, "my_mse_code": LOOPS_MSE, "stability_limit_code": LIMIT_BY_POWER_METHOD}),
    Variant("in_place_updates", "w.sub_(..., alpha=lr) and new_zeros; in train_autograd sub_, w.grad = None, and a warning",
            {"train_manual_code": INPLACE_MANUAL, "train_autograd_code": INPLACE_AUTOGRAD}),
    Variant("sequential_and_dataclass", "LinearRegression over nn.Sequential with nn.init.zeros_, losses kept in a @dataclass",
            {"train_module_code": SEQUENTIAL_MODULE}),
    Variant("autograd_grad_and_dict", "mse_param_grads with torch.autograd.grad and copies kept in a dict; "
            "stability_limit from the eigenvalues of X X^T with torch.linalg.eigvals",
            {"mse_param_grads_code": GRAD_BY_AUTOGRAD_GRAD, "stability_limit_code": LIMIT_BY_GRAM_OF_ROWS}),
    Variant("local_F_and_methods", "analytic_grads with a function-local F; chain_rule_grad with tensor methods; "
            "the gradient as 2 X^T (y_pred - Y) / N; stability_limit from matrix_norm(X, 2) in X's dtype (float32 stays float32)",
            {"analytic_grads_code": LOCAL_F, "chain_rule_code": CHAIN_METHODS, "stability_limit_code": LIMIT_BY_SINGULAR_VALUE_FLOAT32,
             "gradient_code": [("return (2 * (y_pred - Y)).unsqueeze(1).mul(X).mean(dim=0)",
                                "return 2 * X.T @ (y_pred - Y) / len(Y)")]}),
    Variant("experiment_cell", "an extra cell of the student's own: lr 0.0014 diverges on the lecture's data",
            {}, extra=[("train_manual_code", "w_big, losses_big = train_manual(X, Y, lr=0.0014, n_iters=200)\n"
                                             "print('lr 0.0014, loss after 200 steps:', losses_big[-1])")]),
]
