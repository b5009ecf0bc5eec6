"""Correct-but-different solutions of 02_value_autograd: each keeps every point, with no advice."""
from tests.mutant import Variant

# Value written differently: __slots__, each operator with its own backward (no reuse of + and *),
# a Kahn topological order with a deque and in-degree counts kept in a dict keyed by id.
VALUE_KAHN = '''
from collections import deque
from collections.abc import Iterable


class Value:
    "A scalar and its gradient, remembering the operation that produced it."
    __slots__ = ("data", "grad", "_backward", "_prev", "_op", "label")

    def __init__(self, data: float, _children: Iterable = (), _op: str = "", label: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    @staticmethod
    def _wrap(other) -> "Value":
        return other if isinstance(other, Value) else Value(other)

    def _unary(self, data, local, op):
        "a node of one input whose local derivative is local(out)"
        out = Value(data, (self,), op)

        def _backward():
            self.grad += local(out) * out.grad
        out._backward = _backward
        return out

    def __add__(self, other):
        other = self._wrap(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only int or float exponents"
        return self._unary(self.data ** k, lambda out: k * self.data ** (k - 1), f"**{k}")

    def relu(self):
        return self._unary(max(self.data, 0.0), lambda out: float(out.data > 0), "relu")

    def exp(self):
        return self._unary(math.exp(self.data), lambda out: math.exp(self.data), "exp")

    def log(self):
        return self._unary(math.log(self.data), lambda out: 1.0 / self.data, "log")

    def __neg__(self):
        return self._unary(-self.data, lambda out: -1.0, "neg")

    def __sub__(self, other):
        other = self._wrap(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += out.grad
            other.grad -= out.grad
        out._backward = _backward
        return out

    def __truediv__(self, other):
        other = self._wrap(other)
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():
            self.grad += out.grad / other.data
            other.grad -= self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return self._wrap(other) - self

    def __rtruediv__(self, other):
        return self._wrap(other) / self

    def backward(self):
        nodes, users, todo = {}, {}, [self]
        while todo:
            node = todo.pop()
            if id(node) in nodes:
                continue
            nodes[id(node)] = node
            for child in node._prev:
                users[id(child)] = users.get(id(child), 0) + 1
                todo.append(child)
        for node in nodes.values():
            if node._prev:
                node.grad = 0.0
        if self._prev:
            self.grad = 1.0
        else:
            self.grad += 1.0
        ready = deque([self])
        while ready:
            node = ready.popleft()
            node._backward()
            for child in node._prev:
                users[id(child)] -= 1
                if users[id(child)] == 0:
                    ready.append(child)

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"
'''

SOFTMAX_VALUE_SHIFT = '''
def softmax(values):
    "shifts by the largest Value itself (the gradient through the shift sums to zero), one reciprocal"
    top = max(values, key=lambda v: v.data)
    exps = [(v - top).exp() for v in values]
    F = exps[0]
    for e in exps[1:]:
        F = F + e                      # a local F is not torch.nn.functional
    inverse = F ** -1
    return [e * inverse for e in exps]
'''

# Layers and the network as dataclasses, neurons and layers kept in tuples under other names.
NN_DATACLASSES = '''
import itertools
from dataclasses import dataclass, field


class Module:
    def parameters(self) -> list:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    def __init__(self, nin: int, nonlin: bool = True, scale: float = 1.0, rng=None):
        rng = rng or random.Random()
        self.w = [Value(rng.gauss(0.0, scale)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: list) -> Value:
        act = self.b
        for wi, xi in zip(self.w, x, strict=True):
            act = act + wi * xi
        return act.relu() if self.nonlin else act

    def parameters(self) -> list:
        return [*self.w, self.b]


@dataclass
class Layer(Module):
    nin: int
    nout: int
    nonlin: bool = True
    scale: float = 1.0
    rng: object = None
    units: tuple = field(init=False, repr=False)

    def __post_init__(self):
        self.units = tuple(Neuron(self.nin, nonlin=self.nonlin, scale=self.scale, rng=self.rng) for _ in range(self.nout))

    def __call__(self, x: list) -> list:
        return list(map(lambda unit: unit(x), self.units))

    def parameters(self) -> list:
        return list(itertools.chain.from_iterable(unit.parameters() for unit in self.units))


@dataclass
class MLP(Module):
    nin: int
    nouts: list
    scale: float = 1.0
    rng: object = None

    def __post_init__(self):
        sizes = (self.nin, *self.nouts)
        self.stack = tuple(Layer(a, b, nonlin=k < len(self.nouts) - 1, scale=self.scale, rng=self.rng)
                           for k, (a, b) in enumerate(zip(sizes, sizes[1:])))

    def __call__(self, x: list) -> list:
        for layer in self.stack:
            x = layer(x)
        return x

    def parameters(self) -> list:
        out = []
        for layer in self.stack:
            out.extend(layer.parameters())
        return out
'''

TRAIN_LOOPS_AND_WARNING = '''
import warnings


def train_step(model, xs, ys, lr):
    "explicit loops, a local N, a warning for a single example, p.data rebound (not in place)"
    N = len(ys)
    if N == 1:
        warnings.warn("training on a single example")
    params = model.parameters()
    for p in params:
        p.grad = 0.0
    loss = Value(0.0)
    for x, y in zip(xs, ys):
        error = model(x)[0] - y
        loss = loss + error * error
    loss = loss * (1.0 / N)
    loss.backward()
    for p in params:
        p.data = p.data - lr * p.grad
    return float(loss.data)
'''


GRADCHECK_TENSORS = '''
def numerical_grad(f, xs, eps=1e-6):
    "the moved points from float64 tensors (rows of eps * I), one comprehension"
    base = torch.tensor(xs, dtype=torch.float64)
    steps = torch.eye(len(xs), dtype=torch.float64) * eps
    return [(f((base + step).tolist()) - f((base - step).tolist())) / (2 * eps) for step in steps]
'''

GRADCHECK_IN_PLACE = '''
from collections.abc import Callable, Sequence


def numerical_grad(f: Callable[[list], float], xs: Sequence[float], eps: float = 1e-6) -> list:
    "moves one entry of a working copy in place, and puts it back after each pair of calls"
    work = list(xs)
    grads = []
    for i, saved in enumerate(work):
        work[i] = saved + eps
        up = f(list(work))
        work[i] = saved - eps
        down = f(list(work))
        work[i] = saved
        grads.append(0.5 * (up - down) / eps)
    return grads
'''

CLASSIFY_LOGSUMEXP = '''
from dataclasses import dataclass


def cross_entropy(logits, label):
    "the log-sum-exp form, log(sum exp(z - m)) - (z_label - m), without softmax"
    m = max(z.data for z in logits)
    total = sum(((z - m).exp() for z in logits), Value(0.0))
    return total.log() - (logits[label] - m)


def classify(model, x):
    scores = [o.data for o in model(x)]
    return sorted(range(len(scores)), key=scores.__getitem__)[-1]


@dataclass
class Batches:
    "the batches of one epoch, in a shuffled order"
    order: list
    size: int

    def __iter__(self):
        for start in range(0, len(self.order), self.size):
            yield self.order[start:start + self.size]


def train_classifier(model, xs, labels, epochs, lr, batch_size=10, rng=None):
    "rng.sample for the order, a loop for the batch loss, gradients zeroed by hand, p.data rebound"
    rng = random.Random() if rng is None else rng
    N = len(xs)
    history = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for batch in Batches(rng.sample(range(N), N), batch_size):
            loss = Value(0.0)
            for i in batch:
                loss = loss + cross_entropy(model(xs[i]), labels[i])
            loss = loss * (1.0 / len(batch))
            params = model.parameters()
            for p in params:
                p.grad = 0.0
            loss.backward()
            for p in params:
                p.data = p.data - lr * p.grad
            total, count = total + loss.data, count + 1
        history.append(total / count)
    return history
'''

CASES = [
    Variant("value_slots_and_kahn_order", "__slots__, its own backward for each operator, Kahn's order with a deque and "
            "in-degree counts keyed by id, `collections.abc` imported", {"value_code": VALUE_KAHN}),
    Variant("softmax_shift_by_a_value", "subtracts the largest Value itself, sums in a loop into a local F, one reciprocal",
            {"softmax_code": SOFTMAX_VALUE_SHIFT}),
    Variant("nn_dataclasses_and_tuples", "Layer and MLP as @dataclass, neurons and layers in tuples named units and stack",
            {"nn_code": NN_DATACLASSES}),
    Variant("train_loops_and_a_warning", "explicit loops, a local N, a warning for one example, p.data rebound",
            {"train_code": TRAIN_LOOPS_AND_WARNING}),
    Variant("relu_and_exp_from_out", "relu's gradient from out.data > 0 and exp's from math.exp(self.data)",
            {"value_code": [("            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad",
                             "            self.grad += (out.data > 0) * out.grad"),
                            ("            self.grad += out.data * out.grad",
                             "            self.grad += math.exp(self.data) * out.grad")]}),
    Variant("experiment_cells", "extra cells of the student's own: a graph printed, a few training steps printed",
            {}, extra=[("value_code", "a = Value(2.0)\nb = a * a + a.exp()\nb.backward()\nprint(b, a)"),
                       ("train_code", "m = MLP(3, [4, 4, 1], scale=0.5, rng=random.Random(42))\n"
                                      "for _ in range(5):\n    print(train_step(m, [[1.0, 2.0, 3.0]], [1.0], 0.05))"),
                       ("gradcheck_code", "print(numerical_grad(lambda v: v[0] ** 2 * v[1], [3.0, 2.0], eps=1e-4))"),
                       ("classify_code", "m = MLP(2, [4, 2], rng=random.Random(1))\n"
                                         "print(train_classifier(m, [[0.0, 1.0], [1.0, 0.0]], [0, 1], 3, 0.1, batch_size=1))")]),
    Variant("gradcheck_with_tensors", "the moved points built as float64 tensors (rows of eps * I), one comprehension",
            {"gradcheck_code": GRADCHECK_TENSORS}),
    Variant("gradcheck_in_place_and_restored", "moves an entry of a working copy in place and puts it back, 0.5 * (up - down) / eps, "
            "`collections.abc` type hints", {"gradcheck_code": GRADCHECK_IN_PLACE}),
    Variant("classify_logsumexp_and_dataclass", "cross-entropy as log-sum-exp without softmax, argmax by sorting, batches from a "
            "@dataclass iterator over rng.sample, a loop for the batch loss, p.data rebound", {"classify_code": CLASSIFY_LOGSUMEXP}),
]
