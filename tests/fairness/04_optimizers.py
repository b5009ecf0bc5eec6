"""Correct-but-different solutions of 04_optimizers: each keeps every point, with no advice."""
from tests.mutant import Variant

STATE_BY_ID = '''
from collections.abc import Iterable, Sequence


class SGDMomentum:
    "velocities in a dict keyed by id(p), torch's in-place forms"

    def __init__(self, params: Iterable, lr: float, momentum: float = 0.9, dampening: float = 0.0, weight_decay: float = 0.0):
        self.params, self.lr, self.momentum, self.dampening, self.weight_decay = list(params), lr, momentum, dampening, weight_decay
        self.state: dict[int, torch.Tensor] = {}

    def step(self, grads: Sequence) -> None:
        for p, g in zip(self.params, grads):
            if self.weight_decay != 0:
                g = g.add(p, alpha=self.weight_decay)
            buf = self.state.get(id(p))
            if buf is None:
                buf = self.state[id(p)] = torch.clone(g).detach()
            else:
                buf.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
            p.add_(buf, alpha=-self.lr)


class Adagrad:
    def __init__(self, params: Iterable, lr: float = 0.01, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10):
        self.params, self.lr, self.lr_decay, self.weight_decay, self.eps = list(params), lr, lr_decay, weight_decay, eps
        self.initial_accumulator_value = initial_accumulator_value
        self.state = {id(p): {"sum": torch.full_like(p, initial_accumulator_value), "step": 0} for p in self.params}

    def step(self, grads: Sequence) -> None:
        for p, g in zip(self.params, grads):
            st = self.state[id(p)]
            st["step"] += 1
            if self.weight_decay != 0:
                g = g.add(p, alpha=self.weight_decay)
            clr = self.lr / (1 + (st["step"] - 1) * self.lr_decay)
            st["sum"].addcmul_(g, g, value=1)
            p.addcdiv_(g, st["sum"].sqrt().add_(self.eps), value=-clr)


class RMSProp:
    def __init__(self, params: Iterable, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, centered: bool = False):
        self.params, self.lr, self.alpha, self.eps = list(params), lr, alpha, eps
        self.weight_decay, self.centered = weight_decay, centered
        self.state = {}

    def step(self, grads: Sequence) -> None:
        for p, g in zip(self.params, grads):
            if id(p) not in self.state:
                self.state[id(p)] = {"square_avg": torch.zeros_like(p), "grad_avg": torch.zeros_like(p)}
            st = self.state[id(p)]
            if self.weight_decay != 0:
                g = g.add(p, alpha=self.weight_decay)
            st["square_avg"].mul_(self.alpha).addcmul_(g, g, value=1 - self.alpha)
            if self.centered:
                st["grad_avg"].lerp_(g, 1 - self.alpha)
                avg = st["square_avg"].addcmul(st["grad_avg"], st["grad_avg"], value=-1).sqrt_()
            else:
                avg = st["square_avg"].sqrt()
            p.addcdiv_(g, avg.add_(self.eps), value=-self.lr)


class Adam:
    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        self.params, self.lr, self.betas, self.eps, self.weight_decay = list(params), lr, betas, eps, weight_decay
        self.state = {id(p): {"step": 0, "exp_avg": torch.zeros_like(p), "exp_avg_sq": torch.zeros_like(p)} for p in self.params}

    def step(self, grads: Sequence) -> None:
        beta1, beta2 = self.betas
        for p, g in zip(self.params, grads):
            st = self.state[id(p)]
            st["step"] += 1
            if self.weight_decay != 0:
                g = g.add(p, alpha=self.weight_decay)
            st["exp_avg"].lerp_(g, 1 - beta1)
            st["exp_avg_sq"].mul_(beta2).addcmul_(g, g, value=1 - beta2)
            step_size = self.lr / (1 - beta1 ** st["step"])
            denom = (st["exp_avg_sq"].sqrt() / math.sqrt(1 - beta2 ** st["step"])).add_(self.eps)
            p.addcdiv_(st["exp_avg"], denom, value=-step_size)
'''

DATACLASS_STATE = '''
from dataclasses import dataclass, field


@dataclass
class Slot:
    "one parameter's state"
    first: torch.Tensor | None = None
    second: torch.Tensor | None = None
    extra: dict = field(default_factory=dict)


class SGDMomentum:
    def __init__(self, params: list, lr: float, momentum: float = 0.9, dampening: float = 0.0, weight_decay: float = 0.0):
        self.params, self.lr, self.momentum, self.dampening, self.weight_decay = list(params), lr, momentum, dampening, weight_decay
        self.slots = [Slot() for _ in self.params]

    def step(self, grads: list) -> None:
        for p, g, slot in zip(self.params, grads, self.slots):
            g = g + self.weight_decay * p
            slot.first = g.clone() if slot.first is None else self.momentum * slot.first + (1 - self.dampening) * g
            p.copy_(p - self.lr * slot.first)


class Adagrad:
    def __init__(self, params: list, lr: float = 0.01, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10):
        self.params, self.lr, self.lr_decay, self.weight_decay, self.eps = list(params), lr, lr_decay, weight_decay, eps
        self.initial_accumulator_value = initial_accumulator_value
        self.slots = [Slot(second=torch.full_like(p, initial_accumulator_value)) for p in self.params]
        self.steps = 0

    def step(self, grads: list) -> None:
        self.steps += 1
        for p, g, slot in zip(self.params, grads, self.slots):
            g = g + self.weight_decay * p
            slot.second = slot.second + g ** 2
            p.copy_(p - self.lr / (1 + (self.steps - 1) * self.lr_decay) * g / (torch.sqrt(slot.second) + self.eps))


class RMSProp:
    def __init__(self, params: list, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, centered: bool = False):
        self.params, self.lr, self.alpha, self.eps = list(params), lr, alpha, eps
        self.weight_decay, self.centered = weight_decay, centered
        self.slots = [Slot(first=torch.zeros_like(p), second=torch.zeros_like(p)) for p in self.params]

    def step(self, grads: list) -> None:
        for p, g, slot in zip(self.params, grads, self.slots):
            g = g + self.weight_decay * p
            slot.second = self.alpha * slot.second + (1 - self.alpha) * g ** 2
            slot.first = self.alpha * slot.first + (1 - self.alpha) * g
            var = slot.second - slot.first ** 2 if self.centered else slot.second
            p.copy_(p - self.lr * g / (torch.sqrt(var) + self.eps))


class Adam:
    def __init__(self, params: list, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        self.params, self.lr, self.betas, self.eps, self.weight_decay = list(params), lr, betas, eps, weight_decay
        self.slots = [Slot(first=torch.zeros_like(p), second=torch.zeros_like(p), extra={"t": 0}) for p in self.params]

    def step(self, grads: list) -> None:
        b1, b2 = self.betas
        for p, g, slot in zip(self.params, grads, self.slots):
            slot.extra["t"] += 1
            t = slot.extra["t"]
            g = g + self.weight_decay * p
            slot.first = b1 * slot.first + (1 - b1) * g
            slot.second = b2 * slot.second + (1 - b2) * g * g
            p.copy_(p - self.lr * (slot.first / (1 - b1 ** t)) / (torch.sqrt(slot.second / (1 - b2 ** t)) + self.eps))
'''

FLAT_VECTORISED = '''
def _flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


def _write_back(params, flat):
    offset = 0
    for p in params:
        n = p.numel()
        p.copy_(flat[offset:offset + n].view_as(p))
        offset += n


class SGDMomentum:
    "all parameters as one flat vector: one vectorised update per step"

    def __init__(self, params: list, lr: float, momentum: float = 0.9, dampening: float = 0.0, weight_decay: float = 0.0):
        self.params, self.lr, self.momentum, self.dampening, self.weight_decay = list(params), lr, momentum, dampening, weight_decay
        self.buf = None

    def step(self, grads: list) -> None:
        p, g = _flat(self.params), _flat(grads)
        g = g + self.weight_decay * p
        self.buf = g if self.buf is None else self.momentum * self.buf + (1 - self.dampening) * g
        _write_back(self.params, p - self.lr * self.buf)


class Adagrad:
    def __init__(self, params: list, lr: float = 0.01, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10):
        self.params, self.lr, self.lr_decay, self.weight_decay, self.eps = list(params), lr, lr_decay, weight_decay, eps
        self.initial_accumulator_value = initial_accumulator_value
        self.sum = torch.full_like(_flat(self.params), initial_accumulator_value)
        self.t = 0

    def step(self, grads: list) -> None:
        self.t += 1
        p, g = _flat(self.params), _flat(grads)
        g = g + self.weight_decay * p
        self.sum = self.sum + g * g
        _write_back(self.params, p - self.lr / (1 + (self.t - 1) * self.lr_decay) * g / (self.sum.sqrt() + self.eps))


class RMSProp:
    def __init__(self, params: list, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, centered: bool = False):
        self.params, self.lr, self.alpha, self.eps = list(params), lr, alpha, eps
        self.weight_decay, self.centered = weight_decay, centered
        self.v = torch.zeros_like(_flat(self.params))
        self.gbar = torch.zeros_like(self.v)

    def step(self, grads: list) -> None:
        p, g = _flat(self.params), _flat(grads)
        g = g + self.weight_decay * p
        self.v = self.alpha * self.v + (1 - self.alpha) * g * g
        self.gbar = self.alpha * self.gbar + (1 - self.alpha) * g
        var = self.v - self.gbar * self.gbar if self.centered else self.v
        _write_back(self.params, p - self.lr * g / (var.sqrt() + self.eps))


class Adam:
    def __init__(self, params: list, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        self.params, self.lr, self.betas, self.eps, self.weight_decay = list(params), lr, betas, eps, weight_decay
        self.m = torch.zeros_like(_flat(self.params))
        self.v = torch.zeros_like(self.m)
        self.t = 0

    def step(self, grads: list) -> None:
        self.t += 1
        b1, b2 = self.betas
        p, g = _flat(self.params), _flat(grads)
        g = g + self.weight_decay * p
        self.m = b1 * self.m + (1 - b1) * g
        self.v = b2 * self.v + (1 - b2) * g * g
        m_hat, v_hat = self.m / (1 - b1 ** self.t), self.v / (1 - b2 ** self.t)
        _write_back(self.params, p - self.lr * m_hat / (v_hat.sqrt() + self.eps))
'''

FLOAT64_ARITHMETIC = '''
import warnings


def _wide(t):
    return t.to(torch.float64)


class SGDMomentum:
    "state and arithmetic in float64 whatever the parameters' dtype; a warning for float32 parameters"

    def __init__(self, params: list, lr: float, momentum: float = 0.9, dampening: float = 0.0, weight_decay: float = 0.0):
        self.params, self.lr, self.momentum, self.dampening, self.weight_decay = list(params), lr, momentum, dampening, weight_decay
        if any(p.dtype == torch.float32 for p in self.params):
            warnings.warn("float32 parameters: updates are computed in float64")
        self.buffers = {}

    def step(self, grads: list) -> None:
        for i, (p, g) in enumerate(zip(self.params, grads)):
            g = _wide(g) + self.weight_decay * _wide(p)
            self.buffers[i] = g if i not in self.buffers else self.momentum * self.buffers[i] + (1 - self.dampening) * g
            p.copy_((_wide(p) - self.lr * self.buffers[i]).to(p.dtype))


class Adagrad:
    def __init__(self, params: list, lr: float = 0.01, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10):
        self.params, self.lr, self.lr_decay, self.weight_decay, self.eps = list(params), lr, lr_decay, weight_decay, eps
        self.initial_accumulator_value = initial_accumulator_value
        self.sums = [torch.full(p.shape, initial_accumulator_value, dtype=torch.float64) for p in self.params]
        self.t = 0

    def step(self, grads: list) -> None:
        self.t += 1
        for p, g, s in zip(self.params, grads, self.sums):
            g = _wide(g) + self.weight_decay * _wide(p)
            s += g * g
            p.copy_((_wide(p) - self.lr / (1 + (self.t - 1) * self.lr_decay) * g / (s.sqrt() + self.eps)).to(p.dtype))


class RMSProp:
    def __init__(self, params: list, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, centered: bool = False):
        self.params, self.lr, self.alpha, self.eps = list(params), lr, alpha, eps
        self.weight_decay, self.centered = weight_decay, centered
        self.v = [torch.zeros(p.shape, dtype=torch.float64) for p in self.params]
        self.gbar = [torch.zeros(p.shape, dtype=torch.float64) for p in self.params]

    def step(self, grads: list) -> None:
        for p, g, v, gbar in zip(self.params, grads, self.v, self.gbar):
            g = _wide(g) + self.weight_decay * _wide(p)
            v.mul_(self.alpha).add_((1 - self.alpha) * g * g)
            gbar.mul_(self.alpha).add_((1 - self.alpha) * g)
            var = v - gbar * gbar if self.centered else v
            p.copy_((_wide(p) - self.lr * g / (var.sqrt() + self.eps)).to(p.dtype))


class Adam:
    def __init__(self, params: list, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        self.params, self.lr, self.betas, self.eps, self.weight_decay = list(params), lr, betas, eps, weight_decay
        self.m = [torch.zeros(p.shape, dtype=torch.float64) for p in self.params]
        self.v = [torch.zeros(p.shape, dtype=torch.float64) for p in self.params]
        self.t = 0

    def step(self, grads: list) -> None:
        self.t += 1
        b1, b2 = self.betas
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            g = _wide(g) + self.weight_decay * _wide(p)
            m.mul_(b1).add_((1 - b1) * g)
            v.mul_(b2).add_((1 - b2) * g * g)
            update = self.lr * (m / (1 - b1 ** self.t)) / ((v / (1 - b2 ** self.t)).sqrt() + self.eps)
            p.copy_((_wide(p) - update).to(p.dtype))
'''

LAYER_BY_FORMULA = '''
import itertools
import warnings
from collections.abc import Sequence as Seq


class LinearLayer:
    "A fully connected layer with an optional activation; forward and backward by hand."

    def __init__(self, n_inp: int, n_out: int, activation: Optional[str] = "sigmoid",
                 generator: Optional[torch.Generator] = None, dtype: torch.dtype = torch.float32):
        if activation not in ("sigmoid", "relu", None):
            raise ValueError(f"unknown activation {activation!r}")
        self.activation = activation
        bound = 1.0 / math.sqrt(n_inp)
        self.weight = (torch.rand(n_out, n_inp, generator=generator, dtype=dtype) * 2 - 1) * bound
        self.bias = (torch.rand(n_out, generator=generator, dtype=dtype) * 2 - 1) * bound
        self.grad_weight = torch.zeros_like(self.weight)
        self.grad_bias = torch.zeros_like(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.cache = (x, torch.einsum("bi,oi->bo", x, self.weight) + self.bias)
        z = self.cache[1]
        if self.activation == "sigmoid":
            return 1 / (1 + torch.exp(-z))
        if self.activation == "relu":
            return torch.where(z > 0, z, torch.zeros_like(z))
        return z

    def backward(self, grad: torch.Tensor) -> torch.Tensor:
        x, z = self.cache
        if self.activation == "sigmoid":
            s = 1 / (1 + torch.exp(-z))
            F = s * (1 - s)              # a local F: the derivative, not torch.nn.functional
            grad = grad * F
        elif self.activation == "relu":
            grad = grad * z.gt(0)
        self.grad_weight = torch.einsum("bo,bi->oi", grad, x)
        self.grad_bias = grad.sum(0)
        return torch.einsum("bo,oi->bi", grad, self.weight)


class Model:
    "Layers in a tuple called blocks."

    def __init__(self, arch: Seq[tuple], activation: Optional[str] = "sigmoid",
                 generator: Optional[torch.Generator] = None, dtype: torch.dtype = torch.float32):
        if activation is None:
            warnings.warn("a model without activations is a single linear map")
        last = len(arch) - 1
        self.blocks = tuple(LinearLayer(a, b, None if i == last else activation, generator=generator, dtype=dtype)
                            for i, (a, b) in enumerate(arch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block.forward(x)
        return x

    def backward(self, grad: torch.Tensor) -> torch.Tensor:
        for block in self.blocks[::-1]:
            grad = block.backward(grad)
        return grad

    def parameters(self) -> list:
        return list(itertools.chain.from_iterable((b.weight, b.bias) for b in self.blocks))

    def gradients(self) -> list:
        return list(itertools.chain.from_iterable((b.grad_weight, b.grad_bias) for b in self.blocks))
'''

LAYER_LOOPS = [
    ("""        self.grad_weight = grad_z.T @ self.inputs
        self.grad_bias = grad_z.sum(dim=0)
        return grad_z @ self.weight""",
     """        N = grad_z.shape[0]              # a local N: the batch size
        grad_weight = torch.zeros_like(self.weight)
        grad_bias = torch.zeros_like(self.bias)
        grad_x = torch.zeros_like(self.inputs)
        for k in range(N):               # one example at a time: sums of outer products
            grad_weight += torch.outer(grad_z[k], self.inputs[k])
            grad_bias += grad_z[k]
            grad_x[k] = self.weight.T @ grad_z[k]
        self.grad_weight, self.grad_bias = grad_weight, grad_bias
        return grad_x"""),
    ("""        self.layers = [
            LinearLayer(n_in, n_out, activation if i < len(arch) - 1 else None, generator=generator, dtype=dtype)
            for i, (n_in, n_out) in enumerate(arch)
        ]""",
     """        self.layers = {}
        for i, (n_in, n_out) in enumerate(arch):
            self.layers[f"fc{i}"] = LinearLayer(n_in, n_out, activation if i < len(arch) - 1 else None,
                                                generator=generator, dtype=dtype)"""),
    ("for layer in self.layers:\n", "for layer in self.layers.values():\n"),
    ("for layer in reversed(self.layers):", "for layer in reversed(list(self.layers.values())):"),
    ("for layer in self.layers for p in", "for layer in self.layers.values() for p in"),
    ("for layer in self.layers for g in", "for layer in self.layers.values() for g in"),
]

ORIGINAL_BY_OWN_ADAM = '''
class OriginalAdam(Adam):
    "my own Adam with lr and eps rescaled at every step so that its bias correction cancels out"

    def __init__(self, params: list, lr: float = 1e-3, betas: tuple = (0.99, 0.99), eps: float = 1e-8):
        super().__init__(params, lr=lr, betas=betas, eps=eps)
        self.base_lr, self.base_eps, self.count = lr, eps, 0

    def step(self, grads: list) -> None:
        self.count += 1
        b1, b2 = self.betas
        self.lr = self.base_lr * (1 - b1 ** self.count) / (1 - b2 ** self.count) ** 0.5
        self.eps = self.base_eps / (1 - b2 ** self.count) ** 0.5
        super().step(grads)
'''

ORIGINAL_AS_SUBCLASS = '''
class OriginalAdam(Adam):
    "Adam's state (m, v) reused; only the update differs"

    def __init__(self, params: list, lr: float = 1e-3, betas: tuple = (0.99, 0.99), eps: float = 1e-8):
        super().__init__(params, lr, betas, eps)

    def step(self, grads: list) -> None:
        b1, b2 = self.betas
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            p.addcdiv_(m, v.sqrt().add_(self.eps), value=-self.lr)
'''

ORIGINAL_IN_A_DICT = '''
import warnings
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Moments:
    m: torch.Tensor
    v: torch.Tensor


class OriginalAdam:
    "moments in a dict keyed by id(p), out-of-place arithmetic written back with copy_, float64 state"

    def __init__(self, params: list, lr: float = 1e-3, betas: tuple = (0.99, 0.99), eps: float = 1e-8):
        self.params, self.lr, self.betas, self.eps = list(params), lr, betas, eps
        if betas == (0.99, 0.99):
            warnings.warn("the original course's betas")
        self.state = {id(p): Moments(torch.zeros(p.shape, dtype=torch.float64), torch.zeros(p.shape, dtype=torch.float64))
                      for p in self.params}

    def step(self, grads: Sequence) -> None:
        beta1, beta2 = self.betas
        for p, g in zip(self.params, grads):
            st = self.state[id(p)]
            g = g.double()
            st.m = beta1 * st.m + (1 - beta1) * g
            st.v = beta2 * st.v + (1 - beta2) * g ** 2
            p.copy_((p.double() - self.lr * st.m / (torch.sqrt(st.v) + self.eps)).to(p.dtype))
'''

CASES = [
    Variant("optimizer_state_by_id", "state in dicts keyed by id(p), torch's in-place forms (addcdiv_, lerp_), "
            "`collections.abc` imports", {"optimizers_code": STATE_BY_ID}),
    Variant("optimizer_state_in_a_dataclass", "per-parameter state in a @dataclass, out-of-place arithmetic written back with "
            "p.copy_, weight decay always added", {"optimizers_code": DATACLASS_STATE}),
    Variant("optimizers_on_one_flat_vector", "all parameters concatenated into one vector: a vectorised update instead of "
            "a loop over parameters", {"optimizers_code": FLAT_VECTORISED}),
    Variant("optimizers_in_float64", "float64 state and arithmetic for float32 parameters too, a warning when it "
            "happens", {"optimizers_code": FLOAT64_ARITHMETIC}),
    Variant("layer_by_formula_and_blocks", "sigmoid by its formula, einsum, a local F, layers in a tuple named `blocks`, "
            "a warning, `collections.abc` imported", {"layer_code": LAYER_BY_FORMULA}),
    Variant("layer_loops_and_a_dict", "backward one example at a time with a local N, layers in a dict",
            {"layer_code": LAYER_LOOPS}),
    Variant("original_adam_by_own_adam", "OriginalAdam as the student's own Adam with lr and eps rescaled each step",
            {"adam_original_code": ORIGINAL_BY_OWN_ADAM}),
    Variant("original_adam_as_subclass", "OriginalAdam subclasses Adam, reuses its m and v, in-place lerp_/addcmul_/addcdiv_",
            {"adam_original_code": ORIGINAL_AS_SUBCLASS}),
    Variant("original_adam_in_a_dict", "OriginalAdam's moments in a @dataclass per id(p), float64 state, a warning, "
            "`collections.abc` imported", {"adam_original_code": ORIGINAL_IN_A_DICT}),
    Variant("experiment_cells", "the student's own cells: a quick fit with Adam, a model's output printed",
            {}, extra=[("layer_code", "print(Model([(2, 3), (3, 1)], 'relu').forward(torch.ones(4, 2)))"),
                       ("optimizers_code", "m = Model([(1, 16), (16, 1)], 'sigmoid', generator=torch.Generator().manual_seed(1))\n"
                                           "opt = Adam(m.parameters(), lr=0.05)\n"
                                           "xs = torch.linspace(-2, 2, 64).reshape(-1, 1)\n"
                                           "for _ in range(100):\n"
                                           "    pred = m.forward(xs)\n"
                                           "    m.backward(2 * (pred - xs ** 2) / len(xs))\n"
                                           "    opt.step(m.gradients())\n"
                                           "print('loss after 100 Adam steps:', float(((m.forward(xs) - xs ** 2) ** 2).mean()))")]),
]
