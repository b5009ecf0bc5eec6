"""Correct-but-different solutions of 03_manual_layers: each keeps every point, with no advice."""
from tests.mutant import Variant

LAYERS_BY_LOOPS = '''
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Neuron:
    "a neuron as a dataclass; the dot product by a Python loop"
    weights: torch.Tensor
    bias: torch.Tensor

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        total = self.bias * 1
        for w_i, x_i in zip(self.weights, inputs):
            total = total + w_i * x_i
        return total


@dataclass
class Linear:
    "a layer as a dataclass, its inputs kept in a dict; one output unit at a time"
    weights: torch.Tensor
    biases: torch.Tensor
    saved: dict = field(default_factory=dict)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        self.saved["inputs"] = inputs
        return torch.stack([inputs @ row + b for row, b in zip(self.weights, self.biases)], dim=-1)


def random_linear(in_features: int, out_features: int, generator: torch.Generator = None) -> Linear:
    shape: Sequence[int] = (out_features, in_features)
    weights = torch.randn(*shape, generator=generator)
    return Linear(weights, torch.randn(out_features, generator=generator))
'''

BACKWARD_BY_LOOPS = '''
def neuron_backward(self, dvalue, inputs):
    "one entry at a time"
    self.dweights = torch.stack([dvalue * x_i for x_i in inputs])
    self.dbias = dvalue * 1
    self.dinputs = torch.stack([dvalue * w_i for w_i in self.weights])


def linear_backward(self, dvalues):
    "the inputs from the dataclass's dict; dweights one output unit at a time"
    x = self.saved["inputs"]
    xs = x if x.dim() == 2 else x.unsqueeze(0)
    ds = dvalues if dvalues.dim() == 2 else dvalues.unsqueeze(0)
    self.dweights = torch.stack([(ds[:, j:j + 1] * xs).sum(dim=0) for j in range(self.weights.shape[0])])
    self.dbiases = ds.sum(dim=0)
    dx = ds @ self.weights
    return dx if x.dim() == 2 else dx[0]


Neuron.backward = neuron_backward
Linear.backward = linear_backward
'''

LAYERS_BY_EINSUM = '''
class Neuron:
    def __init__(self, weights, bias):
        self.weights = weights
        self.bias = bias

    def forward(self, inputs):
        return torch.dot(inputs, self.weights) + self.bias


class Linear:
    "the original course's torch.matmul; the gradients by einsum; the inputs under another name"

    def __init__(self, weights, biases):
        self.weights = weights
        self.biases = biases

    def forward(self, inputs):
        self.last_x = inputs.clone()
        return torch.matmul(inputs, self.weights.T) + self.biases


def random_linear(in_features, out_features, generator=None):
    g = generator if generator is not None else torch.default_generator
    return Linear(torch.normal(0.0, 1.0, size=(out_features, in_features), generator=g),
                  torch.normal(0.0, 1.0, size=(out_features,), generator=g))
'''

BACKWARD_BY_EINSUM = '''
def neuron_backward(self, dvalue, inputs):
    self.dweights = inputs * dvalue
    self.dbias = dvalue.clone()
    self.dinputs = self.weights * dvalue


def linear_backward(layer, dvalues):
    "the first argument named layer, not self; outer and mv for a vector, einsum for a batch; the inputs as last_x"
    if dvalues.dim() == 1:
        layer.dweights = torch.outer(dvalues, layer.last_x)
        layer.dbiases = dvalues.clone()
        return torch.mv(layer.weights.T, dvalues)
    layer.dweights = torch.einsum("no,ni->oi", dvalues, layer.last_x)
    layer.dbiases = torch.einsum("no->o", dvalues)
    return torch.einsum("no,oi->ni", dvalues, layer.weights)


Neuron.backward = neuron_backward
Linear.backward = linear_backward
'''

BACKWARD_AS_SUBCLASSES = '''
class Neuron(Neuron):
    "the backward passes as methods of subclasses that take over the names of Task 1's classes"

    def backward(self, dvalue, inputs):
        self.dweights, self.dbias, self.dinputs = dvalue * inputs, dvalue, dvalue * self.weights


class Linear(Linear):
    def backward(self, dvalues):
        X = self.inputs
        if X.dim() == 1:
            X, G = X.unsqueeze(0), dvalues.unsqueeze(0)
        else:
            G = dvalues
        self.dweights = G.T @ X
        self.dbiases = G.sum(0)
        return (G @ self.weights).reshape(self.inputs.shape)
'''

ACTIVATIONS_LOGSUMEXP = '''
class ReLU:
    "the original course's forms: torch.maximum, and a cloned gradient zeroed where x <= 0"

    def forward(self, inputs):
        self.inputs = inputs
        return torch.maximum(inputs, torch.zeros((), dtype=inputs.dtype))

    def backward(self, dvalues):
        dinputs = dvalues.clone()
        dinputs[self.inputs <= 0] = 0
        return dinputs


class Softmax:
    "log-sum-exp in the inputs' own dtype (float32 stays float32): exp(x - logsumexp(x))"

    def __init__(self, dim: int = -1):
        self.dim = dim

    def forward(self, inputs):
        return torch.exp(inputs - torch.logsumexp(inputs, dim=self.dim, keepdim=True))


class ELU:
    "expm1 of the clamped negative part: no inf anywhere"

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def forward(self, inputs):
        self.inputs = inputs
        return inputs.clamp(min=0) + self.alpha * torch.expm1(inputs.clamp(max=0))

    def backward(self, dvalues):
        slope = torch.where(self.inputs > 0, torch.ones_like(self.inputs), self.alpha * torch.exp(self.inputs.clamp(max=0)))
        return dvalues * slope
'''

ACTIVATIONS_STATE_BY_ID = '''
import math

_SAVED = {}     # inputs kept by forward, keyed by id(layer)


class ReLU:
    def forward(self, inputs):
        _SAVED[id(self)] = inputs
        out = inputs.clone()
        out.clamp_(min=0)
        return out

    def backward(self, dvalues):
        mask = _SAVED[id(self)] > 0
        out = dvalues.clone()
        out.mul_(mask)
        return out


class Softmax:
    "one slice at a time: moved to the last dim, a loop over the rows"

    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, inputs):
        moved = inputs.movedim(self.dim, -1)
        rows = moved.reshape(-1, moved.shape[-1])
        out = torch.empty_like(rows)
        for i, row in enumerate(rows):
            e = (row - row.max()).exp()
            out[i] = e / e.sum()
        return out.reshape(moved.shape).movedim(-1, self.dim)


class ELU:
    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, inputs):
        _SAVED[id(self)] = inputs
        negative = inputs.clamp(max=0).exp().sub_(1).mul_(self.alpha)
        return torch.where(inputs > 0, inputs, negative)

    def backward(self, dvalues):
        x = _SAVED[id(self)]
        return torch.where(x > 0, dvalues, dvalues * self.alpha * x.clamp(max=0).exp())
'''

LOSSES_XLOGY_WARNS = '''
import warnings
from collections.abc import Mapping


class MSELoss:
    def forward(self, y_pred, y_true):
        diff = y_pred - y_true
        return (diff * diff).sum() / diff.numel()

    def backward(self, y_pred, y_true):
        return (y_pred - y_true).mul(2.0 / y_pred.numel())


class CategoricalCrossEntropyLoss:
    "xlogy: 0 * log 0 = 0 by definition; warns when a probability is exactly 0"

    def forward(self, y_pred, y_true):
        if bool((y_pred == 0).any()):
            warnings.warn("some probabilities are exactly 0; their classes must have no target mass")
        return -torch.xlogy(y_true, y_pred).sum(dim=1).mean()


class MSELossL2:
    def __init__(self, lambda_, weights):
        self.lambda_ = lambda_
        self.weights = weights

    def forward(self, y_pred, y_true):
        return MSELoss().forward(y_pred, y_true) + self.lambda_ * torch.sum(self.weights * self.weights)
'''

LOSSES_WHERE = '''
class MSELoss:
    def forward(self, y_pred, y_true):
        return torch.mean(torch.square(y_true - y_pred))

    def backward(self, y_pred, y_true):
        n = 1
        for size in y_pred.shape:
            n *= size
        return -2 * (y_true - y_pred) / n


class CategoricalCrossEntropyLoss:
    "log only where the target has mass, by torch.where; the mean over the batch by hand"

    def forward(self, y_pred, y_true):
        safe = torch.where(y_true > 0, y_pred, torch.ones_like(y_pred))
        per_example = -(y_true * safe.log()).sum(dim=-1)
        return per_example.sum() / y_pred.shape[0]


class MSELossL2:
    def __init__(self, lambda_, weights):
        self.lambda_, self.weights = lambda_, weights

    def data_loss(self, y_pred, y_true):
        return MSELoss().forward(y_pred, y_true)

    def reg_loss(self):
        return self.lambda_ * self.weights.pow(2).sum()

    def forward(self, y_pred, y_true):
        return self.data_loss(y_pred, y_true) + self.reg_loss()
'''

REGRESSION_LOCAL_F_N = '''
def train_sgd(X, y, lr, epochs):
    "indices instead of zip; in-place updates; a local N"
    N = X.shape[0]
    neuron = Neuron(torch.zeros(X.shape[1], dtype=X.dtype), torch.zeros((), dtype=X.dtype))
    for _ in range(epochs):
        for i in range(N):
            out = neuron.forward(X[i])
            neuron.backward(2 * (out - y[i]), X[i])
            neuron.weights -= lr * neuron.dweights
            neuron.bias -= lr * neuron.dbias
    return neuron.weights, neuron.bias


def train_batch(X, y, lr, epochs):
    "a local F for the number of features; the loss object under another name"
    N, F = X.shape
    layer = Linear(torch.zeros(1, F, dtype=X.dtype), torch.zeros(1, dtype=X.dtype))
    criterion = MSELoss()
    column = y.unsqueeze(1)
    for epoch in range(epochs):
        out = layer.forward(X)
        criterion.forward(out, column)            # the value, as one would log it
        layer.backward(criterion.backward(out, column))
        layer.weights -= lr * layer.dweights
        layer.biases -= lr * layer.dbiases
    return layer.weights.reshape(F), layer.biases.reshape(())
'''

TWO_LAYER_IN_PLACE = '''
def train_two_layer(x: torch.Tensor, y: torch.Tensor, lr: float, steps: int, generator: torch.Generator,
                    snapshots: tuple = (), snapshot=None) -> tuple:
    "x, y: (N, 1). Returns (fc1, fc2, losses)."
    fc1 = Linear(torch.randn(10, 1, generator=generator) * 0.8, torch.randn(10, generator=generator) * 0.8)
    fc2 = Linear(torch.randn(1, 10, generator=generator) * 0.3, torch.zeros(1))
    relu, loss = ReLU(), MSELoss()
    losses = []
    for step in range(steps):
        hidden = relu.forward(fc1.forward(x))
        F = fc2.forward(hidden)                    # a local F is not torch.nn.functional
        losses.append(loss.forward(F, y).item())
        grad = loss.backward(F, y)
        for piece in (fc2, relu, fc1):
            grad = piece.backward(grad)
        for layer in (fc2, fc1):
            layer.weights.sub_(lr * layer.dweights)
            layer.biases.sub_(lr * layer.dbiases)
        if snapshot is not None and step in snapshots:
            snapshot(step, fc1, relu, fc2)
    return fc1, fc2, losses
'''

EXPERIMENT = '''
probs = Softmax(dim=1).forward(torch.tensor([[200.0, 0.0, 0.0], [1.0, 2.0, 3.0]]))
print("CCE with an exact zero:", CategoricalCrossEntropyLoss().forward(probs, torch.tensor([[1.0, 0, 0], [0, 0, 1.0]])))
print("MSE:", MSELoss().forward(torch.randn(5, 2), torch.randn(5, 2)))
'''

CASES = [
    Variant("layers_by_loops_in_dataclasses", "Neuron and Linear as @dataclass, Python loops, inputs in a dict, collections.abc",
            {"layers_code": LAYERS_BY_LOOPS, "layers_backward_code": BACKWARD_BY_LOOPS}),
    Variant("layers_by_einsum", "torch.matmul, torch.dot, einsum gradients, inputs under another name, torch.normal",
            {"layers_code": LAYERS_BY_EINSUM, "layers_backward_code": BACKWARD_BY_EINSUM}),
    Variant("activations_logsumexp_in_float32", "a log-sum-exp softmax in float32, the original course's ReLU forms, expm1 ELU",
            {"activations_code": ACTIVATIONS_LOGSUMEXP}),
    Variant("state_by_id_and_in_place_training",
            "activations keep their inputs in a dict keyed by id(layer), in-place ops, softmax one row at a time; "
            "training with in-place updates, local F and N, backward through a loop over the pieces",
            {"activations_code": ACTIVATIONS_STATE_BY_ID, "regression_code": REGRESSION_LOCAL_F_N, "two_layer_code": TWO_LAYER_IN_PLACE}),
    Variant("losses_xlogy_and_a_warning", "CCE by torch.xlogy that warns on exact zeros; MSE by a sum; collections.abc",
            {"losses_code": LOSSES_XLOGY_WARNS}),
    Variant("losses_by_where_and_an_experiment_cell",
            "CCE with torch.where around the log; MSELossL2 split into data and penalty as in the original course; "
            "an extra cell of the student's own that tries the losses",
            {"losses_code": LOSSES_WHERE}, extra=[("losses_code", EXPERIMENT)]),
    Variant("backward_as_subclasses", "Task 4's backward passes as methods of subclasses named Neuron and Linear, instead of the two functions",
            {"layers_backward_code": BACKWARD_AS_SUBCLASSES}),
]
