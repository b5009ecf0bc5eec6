"""Plausible wrong solutions for 02_value_autograd, each with the test cell that must catch it."""
from tests.mutant import Mutant as _Mutant
from tests.mutant import delegates as _delegates
from tests.mutant import edit as _mutant

V = "value_code"
EXP_BACKWARD = "            self.grad += out.data * out.grad"
RELU_BACKWARD = "            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad"



def _whole(name: str, why: str, cell: str, code: str, caught_by: list) -> _Mutant:
    "a mutant that replaces the cell's code whole"
    return _Mutant(name=name, why=why, cell=cell, code=code, caught_by=caught_by)


MUTANTS = [
    _mutant("rsub_wrong_way_round", "2 - v computed as v - 2",
            V, [('        "other - self"\n        return self._wrap(other) + (-self)', '        "other - self"\n        return self - other')],
            ["test_value_sanity"]),
    _mutant("rtruediv_wrong_way_round", "2 / v computed as v / 2",
            V, [('        "other / self"\n        return self._wrap(other) * self ** -1', '        "other / self"\n        return self * self._wrap(other) ** -1')],
            ["test_value_sanity"]),
    _mutant("exp_gradient_assigned", "exp's backward assigns instead of accumulating",
            V, [(EXP_BACKWARD, "            self.grad = out.data * out.grad")], ["test_value_graph"]),
    _mutant("exp_gradient_ignores_upstream", "exp's backward forgets to multiply by out.grad",
            V, [(EXP_BACKWARD, "            self.grad += out.data")], ["test_value_sanity", "test_value_graph"]),
    _mutant("gradient_not_seeded", "backward never sets the output's gradient to 1",
            V, [("        if self._prev:\n            self.grad = 1.0\n        else:\n            self.grad += 1.0",
                 "        if self._prev:\n            self.grad = 0.0\n        else:\n            self.grad += 0.0")],
            ["test_value_sanity", "test_value_graph"]),
    _mutant("recursive_topological_sort", "the textbook recursive build_topo: RecursionError on deep graphs",
            V, [("""        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev if id(child) not in seen)""",
                 """        order, seen = [], set()
        def build(node):
            if id(node) not in seen:
                seen.add(id(node))
                for child in node._prev:
                    build(child)
                order.append(node)
        build(self)""")], ["test_value_graph"]),
    _mutant("nodes_visited_twice", "no visited set: a reused node's backward runs once per path",
            V, [("            if id(node) in seen:\n                continue\n", ""),
                ("stack.extend((child, False) for child in node._prev if id(child) not in seen)",
                 "stack.extend((child, False) for child in node._prev)")], ["test_value_graph"]),
    _mutant("relu_gradient_ignores_sign", "relu passes the gradient through everywhere",
            V, [(RELU_BACKWARD, "            self.grad += out.grad")], ["test_value_sanity", "test_value_graph"]),
    _mutant("relu_gradient_at_zero_is_one", "relu's backward uses x >= 0: gradient 1 at the kink, where torch (and [u > 0]) give 0",
            V, [(RELU_BACKWARD, "            self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad")], ["test_value_graph"]),
    _mutant("power_rule_off", "k * x**k instead of k * x**(k - 1)",
            V, [("            self.grad += k * self.data ** (k - 1) * out.grad", "            self.grad += k * self.data ** k * out.grad")],
            ["test_value_sanity"]),
    _mutant("mul_gradient_uses_own_data", "d(u*v)/du taken as u instead of v",
            V, [("            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
                 "            self.grad += self.data * out.grad\n            other.grad += other.data * out.grad")],
            ["test_value_sanity"]),
    _mutant("backward_resets_leaves", "backward zeroes every node, leaves too: a second backward does not accumulate",
            V, [("            if node._prev:\n                node.grad = 0.0", "            node.grad = 0.0")], ["test_value_graph"]),
    _mutant("add_gradient_assigned", "+'s backward assigns: in a + a the second path overwrites the first",
            V, [("            self.grad += out.grad\n            other.grad += out.grad",
                 "            self.grad = out.grad\n            other.grad = out.grad")],
            ["test_value_sanity", "test_value_graph"]),
    # softmax
    _mutant("softmax_without_max_subtraction", "exp of the raw values: OverflowError at 1000",
            "softmax_code", [("    exps = [(v - top).exp() for v in values]", "    exps = [v.exp() for v in values]")], ["test_softmax"]),
    _mutant("softmax_shifts_by_the_smallest", "subtracts the smallest value: exp overflows when the values spread widely",
            "softmax_code", [("    top = max(v.data for v in values)", "    top = min(v.data for v in values)")], ["test_softmax"]),
    _mutant("softmax_total_detached", "the normaliser built from .data: no gradient flows through the sum",
            "softmax_code", [("    total = sum(exps)", "    total = Value(sum(e.data for e in exps))")], ["test_softmax"]),
    _mutant("softmax_returns_new_leaves", "returns fresh Values of the probabilities: right values, no gradients",
            "softmax_code", [("    return [e / total for e in exps]", "    return [Value(e.data / total.data) for e in exps]")],
            ["test_softmax"]),
    # neurons, layers, MLP
    _mutant("layer_unwraps_single_outputs", "the original course's Layer returns a bare Value when it has one neuron",
            "nn_code", [("        return [n(x) for n in self.neurons]", "        outs = [n(x) for n in self.neurons]\n        return outs[0] if len(outs) == 1 else outs")],
            ["test_mlp"]),
    _mutant("last_layer_has_relu", "ReLU on every layer, the output layer too",
            "nn_code", [("nonlin=i != len(nouts) - 1", "nonlin=True")], ["test_mlp"]),
    _mutant("neuron_ignores_nonlin", "a Neuron applies relu whatever nonlin says",
            "nn_code", [("        return act.relu() if self.nonlin else act", "        return act.relu()")], ["test_mlp"]),
    _mutant("layer_drops_rng", "Layer does not pass rng on: every neuron draws from a fresh generator, nothing is reproducible",
            "nn_code", [("Neuron(nin, nonlin, scale, rng)", "Neuron(nin, nonlin, scale)")], ["test_mlp"]),
    _mutant("mlp_drops_scale", "MLP does not pass scale on: weights always have standard deviation 1",
            "nn_code", [("nonlin=i != len(nouts) - 1, scale=scale, rng=rng)", "nonlin=i != len(nouts) - 1, rng=rng)")], ["test_mlp"]),
    _mutant("bias_first_in_parameters", "Neuron.parameters() lists the bias before the weights, against the stated order",
            "nn_code", [("        return self.w + [self.b]", "        return [self.b] + self.w")], ["test_mlp"]),
    _mutant("layer_repeats_one_neuron", "[Neuron(...)] * nout: one neuron shared nout times",
            "nn_code", [("        self.neurons = [Neuron(nin, nonlin, scale, rng) for _ in range(nout)]",
                         "        self.neurons = [Neuron(nin, nonlin, scale, rng)] * nout")], ["test_mlp"]),
    _mutant("zero_grad_rebinds", "zero_grad rebinds the loop variable to a new Value: no .grad changes",
            "nn_code", [("            p.grad = 0.0", "            p = Value(0.0)")], ["test_mlp", "test_training"]),
    # training
    _mutant("step_rebinds_instead_of_updating", "the original course's `p -= lr * p.grad`: builds new Values, the model's do not move",
            "train_code", [("        p.data -= lr * p.grad", "        p -= lr * p.grad")], ["test_training"]),
    _mutant("zero_grad_after_backward", "zero_grad between backward and the update: the step does nothing",
            "train_code", [("    model.zero_grad()\n    loss.backward()", "    loss.backward()\n    model.zero_grad()")], ["test_training"]),
    _mutant("gradients_never_zeroed", "no zero_grad: gradients pile up from step to step",
            "train_code", [("    model.zero_grad()\n", "")], ["test_training"]),
    _mutant("loss_summed_not_averaged", "the sum of squared errors instead of their mean",
            "train_code", [(" / len(ys)", "")], ["test_training"]),
    _mutant("returns_loss_after_the_step", "returns the loss recomputed after the update",
            "train_code", [("    return loss.data", "    return (sum((model(x)[0] - y) ** 2 for x, y in zip(xs, ys)) / len(ys)).data")],
            ["test_training"]),
    _mutant("learning_rate_fixed", "ignores lr and always steps with 0.05",
            "train_code", [("        p.data -= lr * p.grad", "        p.data -= 0.05 * p.grad")], ["test_training"]),
]

DEMO = ["rsub_wrong_way_round", "step_rebinds_instead_of_updating"]

# Calls of what the tasks forbid (torch, in every task of this lesson): each loses exactly the test
# cells that run the code it is in, and the message names the call.
_VALUE_BY_TORCH = '''
class Value:
    "A scalar kept as a float64 tensor; torch.autograd does the backward pass."

    def __init__(self, data, _children=(), _op="", label="", _t=None):
        self._t = torch.tensor(float(data), dtype=torch.float64, requires_grad=True) if _t is None else _t
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    @property
    def data(self):
        return self._t.item()

    @data.setter
    def data(self, value):
        self._t = torch.tensor(float(value), dtype=torch.float64, requires_grad=True)

    @staticmethod
    def _wrap(other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self._wrap(other)
        return Value(None, (self, other), "+", _t=self._t + other._t)

    def __mul__(self, other):
        other = self._wrap(other)
        return Value(None, (self, other), "*", _t=self._t * other._t)

    def __pow__(self, k):
        return Value(None, (self,), f"**{k}", _t=self._t ** k)

    def relu(self):
        return Value(None, (self,), "relu", _t=torch.relu(self._t))

    def exp(self):
        return Value(None, (self,), "exp", _t=torch.exp(self._t))

    def log(self):
        return Value(None, (self,), "log", _t=torch.log(self._t))

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def __truediv__(self, other):
        return self * self._wrap(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return self._wrap(other) + (-self)

    def __rtruediv__(self, other):
        return self._wrap(other) * self ** -1

    def backward(self):
        order, seen, stack = [], set(), [self]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            order.append(node)
            stack.extend(node._prev)
        grads = torch.autograd.grad(self._t, [n._t for n in order], allow_unused=True, retain_graph=True)
        for node, g in zip(order, grads):
            value = 0.0 if g is None else g.item()
            if node._prev:
                node.grad = value
            else:
                node.grad += value

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"
'''

_SOFTMAX_BY_TORCH = '''
def softmax(values):
    "torch.softmax for the values, a hand-written backward for the gradients"
    probs = torch.softmax(torch.tensor([v.data for v in values], dtype=torch.float64), dim=0).tolist()
    outs = [Value(p, tuple(values), "softmax") for p in probs]

    def backward_of(i):
        def _backward():
            for j, v in enumerate(values):
                v.grad += probs[i] * ((1.0 if i == j else 0.0) - probs[j]) * outs[i].grad
        return _backward

    for i, out in enumerate(outs):
        out._backward = backward_of(i)
    return outs
'''

_NEURON_CALL = '''    def __call__(self, x: list) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act
'''
_NEURON_CALL_BY_TORCH = '''    def __call__(self, x: list) -> Value:
        xs = [xi if isinstance(xi, Value) else Value(xi) for xi in x]
        w = torch.tensor([wi.data for wi in self.w], dtype=torch.float64)
        v = torch.tensor([xi.data for xi in xs], dtype=torch.float64)
        act = Value(torch.dot(w, v).item() + self.b.data, (*self.w, *xs, self.b), "dot")

        def _backward():
            for wi, xi in zip(self.w, xs):
                wi.grad += xi.data * act.grad
                xi.grad += wi.data * act.grad
            self.b.grad += act.grad
        act._backward = _backward
        return act.relu() if self.nonlin else act
'''

_TRAIN_BY_TORCH_OPTIM = '''
def train_step(model, xs, ys, lr):
    preds = [model(x)[0] for x in xs]
    loss = sum((p - y) ** 2 for p, y in zip(preds, ys)) / len(ys)
    model.zero_grad()
    loss.backward()
    params = model.parameters()
    tensors = [torch.tensor(p.data, dtype=torch.float64, requires_grad=True) for p in params]
    for t, p in zip(tensors, params):
        t.grad = torch.tensor(p.grad, dtype=torch.float64)
    torch.optim.SGD(tensors, lr=lr).step()
    for t, p in zip(tensors, params):
        p.data = t.item()
    return loss.data
'''

_ALL = ["test_value_sanity", "test_value_graph", "test_softmax", "test_mlp", "test_training", "test_classification"]

MUTANTS += [
    _delegates("value_backed_by_torch_autograd", "Value wraps a float64 tensor and lets torch.autograd.grad do backward()",
               V, _VALUE_BY_TORCH, _ALL, says="torch.tensor"),
    _delegates("exp_backward_by_torch", "exp's backward takes e^x from torch.exp",
               V, [(EXP_BACKWARD, "            self.grad += torch.exp(torch.tensor(self.data, dtype=torch.float64)).item() * out.grad")],
               ["test_value_sanity", "test_value_graph", "test_softmax", "test_classification"], says="torch.exp"),
    _delegates("softmax_by_torch_softmax", "softmax's values from torch.softmax, its gradient written by hand",
               "softmax_code", _SOFTMAX_BY_TORCH, ["test_softmax", "test_classification"], says="torch.softmax"),
    _delegates("softmax_max_by_torch", "the largest value found with a tensor's max()",
               "softmax_code", [("    top = max(v.data for v in values)",
                                 "    top = torch.tensor([v.data for v in values], dtype=torch.float64).max().item()")],
               ["test_softmax", "test_classification"], says="Tensor.max"),
    _delegates("neuron_dot_by_torch", "Neuron computes w . x with torch.dot and writes the backward by hand",
               "nn_code", [(_NEURON_CALL, _NEURON_CALL_BY_TORCH)], ["test_mlp", "test_training", "test_classification"], says="torch.dot"),
    _delegates("neuron_init_by_torch_randn", "Neuron draws its weights with torch.randn seeded from rng",
               "nn_code", [("        self.w = [Value(rng.gauss(0.0, scale)) for _ in range(nin)]",
                            "        gen = torch.Generator().manual_seed(rng.randrange(2**31))\n"
                            "        self.w = [Value(w) for w in (torch.randn(nin, generator=gen, dtype=torch.float64) * scale).tolist()]")],
               ["test_mlp", "test_training", "test_classification"], says="torch.randn"),
    _delegates("loss_by_mse_loss", "train_step returns the loss from F.mse_loss on tensors of the predictions",
               "train_code", [("    return loss.data",
                               "    return torch.nn.functional.mse_loss(torch.tensor([p.data for p in preds], dtype=torch.float64),\n"
                               "                                        torch.tensor(ys, dtype=torch.float64)).item()")],
               ["test_training"], says="mse_loss"),
    _delegates("step_by_torch_optim", "train_step moves the parameters with torch.optim.SGD on tensor copies",
               "train_code", _TRAIN_BY_TORCH_OPTIM, ["test_training"], says="torch.tensor"),
]

# log (Task 1)
LOG_BACKWARD = "            self.grad += out.grad / self.data"
MUTANTS += [
    _mutant("log_gradient_times_data", "log's backward multiplies by u instead of dividing: d log u / du taken as u",
            V, [(LOG_BACKWARD, "            self.grad += out.grad * self.data")],
            ["test_value_sanity", "test_value_graph", "test_classification"]),
    _mutant("log_gradient_divides_by_out", "log's backward divides by log u (out.data) instead of u",
            V, [(LOG_BACKWARD, "            self.grad += out.grad / out.data")],
            ["test_value_sanity", "test_value_graph", "test_classification"]),
]

# numerical_grad (Task 3)
G = "gradcheck_code"
CENTRAL = "        grads.append((f(up) - f(down)) / (2 * eps))"
MUTANTS += [
    _mutant("gradcheck_forward_difference", "the one-sided difference (f(x + eps) - f(x)) / eps: error of order eps, not eps^2",
            G, [(CENTRAL, "        grads.append((f(up) - f(list(xs))) / eps)")], ["test_gradcheck"]),
    _mutant("gradcheck_divides_by_eps", "divides the central difference by eps instead of 2 eps: every entry doubled",
            G, [(CENTRAL, "        grads.append((f(up) - f(down)) / eps)")], ["test_gradcheck"]),
    _mutant("gradcheck_ignores_eps", "always steps by 1e-6, whatever eps it is given",
            G, [("        up[i] = xs[i] + eps\n        down[i] = xs[i] - eps\n        grads.append((f(up) - f(down)) / (2 * eps))",
                 "        up[i] = xs[i] + 1e-6\n        down[i] = xs[i] - 1e-6\n        grads.append((f(up) - f(down)) / 2e-6)")],
            ["test_gradcheck"]),
    _whole("gradcheck_moves_xs_in_place", "moves the entries of xs itself and never puts them back: the caller's point changes",
            G, """
def numerical_grad(f, xs, eps=1e-6):
    grads = []
    for i in range(len(xs)):
        xs[i] += eps
        up = f(list(xs))
        xs[i] -= 2 * eps
        down = f(list(xs))
        grads.append((up - down) / (2 * eps))
    return grads
""", ["test_gradcheck"]),
    _whole("gradcheck_in_float32", "builds the moved points in float32 tensors: x + eps rounds to another point, the difference is noise",
            G, """
def numerical_grad(f, xs, eps=1e-6):
    base = torch.tensor(xs, dtype=torch.float32)
    grads = []
    for i in range(len(xs)):
        up, down = base.clone(), base.clone()
        up[i] += eps
        down[i] -= eps
        grads.append(float((f(up.tolist()) - f(down.tolist())) / (2 * eps)))
    return grads
""", ["test_gradcheck"]),
    _delegates("gradcheck_by_course_gradcheck", "numerical_grad hands the work to course.gradcheck.numerical_gradient",
               G, """
def numerical_grad(f, xs, eps=1e-6):
    from course.gradcheck import numerical_gradient
    return numerical_gradient(lambda t: f(t.tolist()), xs, eps).tolist()
""", ["test_gradcheck"], says="course.gradcheck"),
    _delegates("gradcheck_by_autograd", "numerical_grad runs f on tensors that require grad and asks torch.autograd.grad",
               G, """
def numerical_grad(f, xs, eps=1e-6):
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    grads = torch.autograd.grad(f(leaves), leaves, allow_unused=True)
    return [0.0 if g is None else g.item() for g in grads]
""", ["test_gradcheck"], says="torch.autograd.grad"),
]

# classification (Task 6)
C = "classify_code"
CE = "    return -softmax(logits)[label].log()"
ARGMAX = "    return max(range(len(out)), key=lambda k: out[k].data)"
UPDATE = "                p.data -= lr * p.grad"
MUTANTS += [
    _mutant("cross_entropy_without_log", "-p_label instead of -log p_label: a loss that still falls, but not the cross-entropy",
            C, [(CE, "    return -softmax(logits)[label]")], ["test_classification"]),
    _mutant("cross_entropy_sign_flipped", "log p_label without the minus: training maximises the error",
            C, [(CE, "    return softmax(logits)[label].log()")], ["test_classification"]),
    _mutant("cross_entropy_of_class_0", "always the probability of class 0, whatever the label",
            C, [(CE, "    return -softmax(logits)[0].log()")], ["test_classification"]),
    _mutant("classify_takes_the_smallest", "classify returns the index of the smallest output",
            C, [(ARGMAX, "    return min(range(len(out)), key=lambda k: out[k].data)")], ["test_classification"]),
    _mutant("classifier_gradient_ascent", "p.data += lr * p.grad: a step up the loss",
            C, [(UPDATE, "                p.data += lr * p.grad")], ["test_classification"]),
    _mutant("classifier_never_zeroes_gradients", "no zero_grad: each step adds the gradients of every batch so far",
            C, [("            model.zero_grad()\n", "")], ["test_classification"]),
    _mutant("classifier_ignores_batch_size", "one step per epoch on all the examples, whatever batch_size says",
            C, [("        for start in range(0, len(order), batch_size):\n            batch = order[start:start + batch_size]",
                 "        for start in range(0, len(order), len(order)):\n            batch = order[start:start + len(order)]")],
            ["test_classification"]),
    _mutant("classifier_first_batch_only", "steps on the first batch of each epoch only",
            C, [("            batch_losses.append(loss.data)\n", "            batch_losses.append(loss.data)\n            break\n")],
            ["test_classification"]),
    _delegates("classify_by_torch_argmax", "classify takes the index of the largest output with torch.argmax",
               C, [(ARGMAX, "    return int(torch.argmax(torch.tensor([o.data for o in out])))")], ["test_classification"],
               says="torch.argmax"),
    _delegates("shuffle_by_torch_randperm", "train_classifier shuffles the examples with torch.randperm",
               C, [("        rng.shuffle(order)\n",
                    "        order = torch.randperm(len(xs), generator=torch.Generator().manual_seed(rng.randrange(2**31))).tolist()\n")],
               ["test_classification"], says="torch.randperm"),
]
