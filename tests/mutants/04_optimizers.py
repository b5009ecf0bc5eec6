"""Plausible wrong solutions for 04_optimizers, each with the test cell that must catch it."""
from tests.mutant import delegates as _delegates
from tests.mutant import edit as _mutant


LAYER = "layer_code"
OPT = "optimizers_code"

MUTANTS = [
    # Task 1: LinearLayer and Model
    _mutant("layer_backward_averages_over_batch", "the original course's / m: divides grad_weight and grad_bias by the batch size",
            LAYER, [("self.grad_weight = grad_z.T @ self.inputs", "self.grad_weight = grad_z.T @ self.inputs / len(self.inputs)"),
                    ("self.grad_bias = grad_z.sum(dim=0)", "self.grad_bias = grad_z.mean(dim=0)")],
            ["test_linear_layer", "test_model"]),
    _mutant("sigmoid_derivative_missing_1_minus_s", "uses s instead of s (1 - s) as the sigmoid's derivative",
            LAYER, [("grad_z = grad * self.out * (1 - self.out)", "grad_z = grad * self.out")],
            ["test_linear_layer", "test_model"]),
    _mutant("relu_mask_on_upstream_gradient", "masks where the upstream gradient is positive, not where z is",
            LAYER, [("grad_z = grad * (self.z > 0).to(grad.dtype)", "grad_z = grad * (grad > 0).to(grad.dtype)")],
            ["test_linear_layer"]),
    _mutant("relu_derivative_one_at_zero", "z >= 0: passes the gradient through at the kink z = 0, where torch's ReLU gives 0",
            LAYER, [("grad_z = grad * (self.z > 0).to(grad.dtype)", "grad_z = grad * (self.z >= 0).to(grad.dtype)")],
            ["test_linear_layer"]),
    _mutant("gradients_accumulate_across_calls", "adds each backward's gradients to the previous ones instead of replacing them",
            LAYER, [("self.grad_weight = grad_z.T @ self.inputs", "self.grad_weight = self.grad_weight + grad_z.T @ self.inputs"),
                    ("self.grad_bias = grad_z.sum(dim=0)", "self.grad_bias = self.grad_bias + grad_z.sum(dim=0)")],
            ["test_linear_layer", "test_model"]),
    _mutant("backward_overwrites_upstream_gradient", "multiplies the caller's gradient in place (grad.mul_)",
            LAYER, [("grad_z = grad * self.out * (1 - self.out)", "grad_z = grad.mul_(self.out * (1 - self.out))")],
            ["test_linear_layer"]),
    _mutant("model_ignores_generator", "builds the layers without the generator: the same seed gives another model",
            LAYER, [("activation if i < len(arch) - 1 else None, generator=generator, dtype=dtype)",
                     "activation if i < len(arch) - 1 else None, dtype=dtype)")],
            ["test_model"]),
    _mutant("model_ignores_dtype", "builds float32 layers whatever dtype says",
            LAYER, [("activation if i < len(arch) - 1 else None, generator=generator, dtype=dtype)",
                     "activation if i < len(arch) - 1 else None, generator=generator)")],
            ["test_model"]),
    _mutant("model_last_layer_activated", "gives the last layer the activation too",
            LAYER, [("LinearLayer(n_in, n_out, activation if i < len(arch) - 1 else None,", "LinearLayer(n_in, n_out, activation,")],
            ["test_model"]),
    _mutant("model_parameters_are_copies", "parameters() returns clones, so an optimizer's updates never reach the model",
            LAYER, [("return [p for layer in self.layers for p in (layer.weight, layer.bias)]",
                     "return [p.clone() for layer in self.layers for p in (layer.weight, layer.bias)]")],
            ["test_model"]),
    _mutant("model_parameters_weights_then_biases", "lists every weight first, then every bias",
            LAYER, [("return [p for layer in self.layers for p in (layer.weight, layer.bias)]",
                     "return [layer.weight for layer in self.layers] + [layer.bias for layer in self.layers]"),
                    ("return [g for layer in self.layers for g in (layer.grad_weight, layer.grad_bias)]",
                     "return [layer.grad_weight for layer in self.layers] + [layer.grad_bias for layer in self.layers]")],
            ["test_model"]),
    # Task 2: the optimizers
    _mutant("adam_without_bias_correction", "the original course's Adam: m / sqrt(v) with no 1 - beta^t",
            OPT, [("m_hat = m / (1 - b1 ** self.t)", "m_hat = m"), ("v_hat = v / (1 - b2 ** self.t)", "v_hat = v")], ["test_adam"]),
    _mutant("adam_t_off_by_one", "bias correction with t + 1 (the step counted before it is taken)",
            OPT, [("m_hat = m / (1 - b1 ** self.t)", "m_hat = m / (1 - b1 ** (self.t + 1))"),
                  ("v_hat = v / (1 - b2 ** self.t)", "v_hat = v / (1 - b2 ** (self.t + 1))")], ["test_adam"]),
    _mutant("adam_eps_inside_sqrt", "sqrt(v_hat + eps) instead of sqrt(v_hat) + eps",
            OPT, [("p -= self.lr * m_hat / (v_hat.sqrt() + self.eps)", "p -= self.lr * m_hat / (v_hat + self.eps).sqrt()")], ["test_adam"]),
    _mutant("adam_without_eps", "the original course's m / sqrt(v): 0 / 0 = nan on a zero gradient",
            OPT, [("p -= self.lr * m_hat / (v_hat.sqrt() + self.eps)", "p -= self.lr * m_hat / v_hat.sqrt()")], ["test_adam"]),
    _mutant("adam_decoupled_weight_decay", "AdamW-style decay p -= lr * wd * p where torch.optim.Adam adds wd * p to g",
            OPT, [("            g = g + self.weight_decay * p if self.weight_decay else g\n            m.mul_(b1)",
                   "            p -= self.lr * self.weight_decay * p\n            m.mul_(b1)")], ["test_adam"]),
    _mutant("adam_counts_steps_per_parameter", "increments t once per parameter instead of once per step",
            OPT, [("        self.t += 1\n        b1, b2 = self.betas\n        for p, g, m, v in zip(self.params, grads, self.m, self.v):\n",
                   "        b1, b2 = self.betas\n        for p, g, m, v in zip(self.params, grads, self.m, self.v):\n            self.t += 1\n")],
            ["test_adam"]),
    _mutant("adam_state_in_float32", "torch.zeros(p.shape): float32 moments that round float64 parameters' updates",
            OPT, [("self.m = [torch.zeros_like(p) for p in self.params]", "self.m = [torch.zeros(p.shape) for p in self.params]"),
                  ("self.v = [torch.zeros_like(p) for p in self.params]", "self.v = [torch.zeros(p.shape) for p in self.params]")],
            ["test_adam"]),
    _mutant("rmsprop_eps_inside_sqrt", "sqrt(v + eps) instead of sqrt(v) + eps",
            OPT, [("denom = v.sqrt() + self.eps", "denom = (v + self.eps).sqrt()")], ["test_rmsprop"]),
    _mutant("rmsprop_without_eps", "g / sqrt(v): 0 / 0 = nan on a zero gradient",
            OPT, [("denom = v.sqrt() + self.eps", "denom = v.sqrt()")], ["test_rmsprop"]),
    _mutant("rmsprop_alpha_swapped", "v = (1 - alpha) v + alpha g^2",
            OPT, [("v.mul_(self.alpha).add_((1 - self.alpha) * g * g)", "v.mul_(1 - self.alpha).add_(self.alpha * g * g)")], ["test_rmsprop"]),
    _mutant("rmsprop_centered_ignored", "never subtracts the squared mean gradient",
            OPT, [("denom = (v - gbar * gbar).sqrt() + self.eps", "denom = v.sqrt() + self.eps")], ["test_rmsprop"]),
    _mutant("rmsprop_weight_decay_ignored", "never adds weight_decay * p to the gradient",
            OPT, [("            g = g + self.weight_decay * p if self.weight_decay else g\n            v.mul_(self.alpha)",
                   "            v.mul_(self.alpha)")], ["test_rmsprop"]),
    _mutant("adagrad_without_eps", "g / sqrt(s): 0 / 0 = nan on a zero gradient",
            OPT, [("p -= clr * g / (s.sqrt() + self.eps)", "p -= clr * g / s.sqrt()")], ["test_adagrad"]),
    _mutant("adagrad_eps_inside_sqrt", "sqrt(s + eps) instead of sqrt(s) + eps",
            OPT, [("p -= clr * g / (s.sqrt() + self.eps)", "p -= clr * g / (s + self.eps).sqrt()")], ["test_adagrad"]),
    _mutant("adagrad_ignores_initial_accumulator", "starts the accumulator at 0 whatever initial_accumulator_value says",
            OPT, [("self.sums = [torch.full_like(p, initial_accumulator_value) for p in self.params]",
                   "self.sums = [torch.zeros_like(p) for p in self.params]")], ["test_adagrad"]),
    _mutant("adagrad_lr_decay_off_by_one", "lr / (1 + t lr_decay): decays the rate already on the first step",
            OPT, [("clr = self.lr / (1 + (self.t - 1) * self.lr_decay)", "clr = self.lr / (1 + self.t * self.lr_decay)")],
            ["test_adagrad"]),
    _mutant("momentum_as_exponential_average", "b = mu b + (1 - mu) g, an average instead of torch's accumulation",
            OPT, [("self.buffers[i] = self.momentum * self.buffers[i] + (1 - self.dampening) * g",
                   "self.buffers[i] = self.momentum * self.buffers[i] + (1 - self.momentum) * g")], ["test_sgd_momentum"]),
    _mutant("dampening_on_first_step", "applies (1 - dampening) already on the first step, where torch copies g",
            OPT, [("self.buffers[i] = g.clone()", "self.buffers[i] = (1 - self.dampening) * g")], ["test_sgd_momentum"]),
    _mutant("momentum_wrong_sign", "p += lr * b",
            OPT, [("p -= self.lr * self.buffers[i]", "p += self.lr * self.buffers[i]")], ["test_sgd_momentum"]),
    _mutant("momentum_update_out_of_place", "p = p - lr * b rebinds a local name: the caller's parameters never move",
            OPT, [("p -= self.lr * self.buffers[i]", "p = p - self.lr * self.buffers[i]")], ["test_sgd_momentum"]),
]

DEMO = ["layer_backward_averages_over_batch", "adam_without_bias_correction"]

# Calls of what the tasks forbid: each loses exactly its task's points, and the message names the call.
_LAYER_BACKWARD_BY_AUTOGRAD = '''        with torch.enable_grad():
            w = self.weight.detach().clone().requires_grad_(True)
            b = self.bias.detach().clone().requires_grad_(True)
            x = self.inputs.detach().clone().requires_grad_(True)
            z = x @ w.T + b
            a = {"sigmoid": torch.sigmoid, "relu": lambda t: torch.clamp(t, min=0), None: lambda t: t}[self.activation](z)
            self.grad_weight, self.grad_bias, grad_x = torch.autograd.grad(a, (w, b, x), grad)
        return grad_x
'''
_LAYER_BACKWARD = '''        if self.activation == "sigmoid":
            grad_z = grad * self.out * (1 - self.out)
        elif self.activation == "relu":
            grad_z = grad * (self.z > 0).to(grad.dtype)
        else:
            grad_z = grad
        self.grad_weight = grad_z.T @ self.inputs
        self.grad_bias = grad_z.sum(dim=0)
        return grad_z @ self.weight
'''
_MODEL_BACKWARD = '''        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad
'''
_MODEL_BACKWARD_BY_AUTOGRAD = '''        leaves = [t.detach().clone().requires_grad_(True) for layer in self.layers for t in (layer.weight, layer.bias)]
        x = self.layers[0].inputs.detach().clone().requires_grad_(True)
        a = x
        for i, layer in enumerate(self.layers):
            a = a @ leaves[2 * i].T + leaves[2 * i + 1]
            if layer.activation == "sigmoid":
                a = torch.sigmoid(a)
            elif layer.activation == "relu":
                a = torch.clamp(a, min=0)
        found = torch.autograd.grad(a, [x] + leaves, grad)
        for i, layer in enumerate(self.layers):
            layer.grad_weight, layer.grad_bias = found[1 + 2 * i], found[2 + 2 * i]
        return found[0]
'''


def _wraps(init_old: str, step_old: str, torch_cls: str, args: str) -> list:
    "replacements that make `cls` hand its work to torch.optim.`torch_cls`"
    return [(init_old, f"self.inner = torch.optim.{torch_cls}(self.params, {args})"),
            (step_old, "for p, g in zip(self.params, grads):\n            p.grad = g\n        self.inner.step()")]


def _decay_by_autograd(next_line: str) -> list:
    "weight decay's gradient wd * p asked of torch.autograd.grad, in the one optimizer whose next line is next_line"
    return [(f"            g = g + self.weight_decay * p if self.weight_decay else g\n            {next_line}",
             "            leaf = p.detach().clone().requires_grad_(True)\n"
             "            (decay,) = torch.autograd.grad(0.5 * self.weight_decay * (leaf * leaf).sum(), leaf)\n"
             f"            g = g + decay\n            {next_line}")]


_SGD_STEP = '''for i, (p, g) in enumerate(zip(self.params, grads)):
            g = g + self.weight_decay * p if self.weight_decay else g
            if self.buffers[i] is None:
                self.buffers[i] = g.clone()
            else:
                self.buffers[i] = self.momentum * self.buffers[i] + (1 - self.dampening) * g
            p -= self.lr * self.buffers[i]'''
_ADAGRAD_STEP = '''for p, g, s in zip(self.params, grads, self.sums):
            g = g + self.weight_decay * p if self.weight_decay else g
            s += g * g
            p -= clr * g / (s.sqrt() + self.eps)'''
_RMSPROP_STEP = '''for p, g, v, gbar in zip(self.params, grads, self.square_avg, self.grad_avg):
            g = g + self.weight_decay * p if self.weight_decay else g
            v.mul_(self.alpha).add_((1 - self.alpha) * g * g)
            if self.centered:
                gbar.mul_(self.alpha).add_((1 - self.alpha) * g)
                denom = (v - gbar * gbar).sqrt() + self.eps
            else:
                denom = v.sqrt() + self.eps
            p -= self.lr * g / denom'''
_ADAM_STEP = '''for p, g, m, v in zip(self.params, grads, self.m, self.v):
            g = g + self.weight_decay * p if self.weight_decay else g
            m.mul_(b1).add_((1 - b1) * g)
            v.mul_(b2).add_((1 - b2) * g * g)
            m_hat = m / (1 - b1 ** self.t)
            v_hat = v / (1 - b2 ** self.t)
            p -= self.lr * m_hat / (v_hat.sqrt() + self.eps)'''

MUTANTS += [
    _delegates("layer_backward_by_autograd", "LinearLayer.backward differentiates its forward with torch.autograd.grad",
               LAYER, [(_LAYER_BACKWARD, _LAYER_BACKWARD_BY_AUTOGRAD)], ["test_linear_layer", "test_model"],
               says="torch.autograd.grad"),
    _delegates("model_backward_by_autograd", "Model.backward runs autograd through the whole network",
               LAYER, [(_MODEL_BACKWARD, _MODEL_BACKWARD_BY_AUTOGRAD)], ["test_model"], says="torch.autograd.grad"),
    _delegates("sgd_wraps_torch_optim", "SGDMomentum hands the update to torch.optim.SGD", OPT,
               _wraps("self.buffers = [None] * len(self.params)", _SGD_STEP, "SGD",
                      "lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay"),
               ["test_sgd_momentum"], says="torch.optim"),
    _delegates("adagrad_wraps_torch_optim", "Adagrad hands the update to torch.optim.Adagrad", OPT,
               _wraps("self.sums = [torch.full_like(p, initial_accumulator_value) for p in self.params]", _ADAGRAD_STEP,
                      "Adagrad", "lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, "
                                 "initial_accumulator_value=initial_accumulator_value, eps=eps"),
               ["test_adagrad"], says="torch.optim"),
    _delegates("rmsprop_wraps_torch_optim", "RMSProp hands the update to torch.optim.RMSprop", OPT,
               _wraps("self.square_avg = [torch.zeros_like(p) for p in self.params]", _RMSPROP_STEP, "RMSprop",
                      "lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, centered=centered"),
               ["test_rmsprop"], says="torch.optim"),
    _delegates("adam_wraps_torch_optim", "Adam hands the update to torch.optim.Adam", OPT,
               _wraps("self.m = [torch.zeros_like(p) for p in self.params]", _ADAM_STEP, "Adam",
                      "lr=lr, betas=betas, eps=eps, weight_decay=weight_decay"),
               ["test_adam"], says="torch.optim"),
    _delegates("sgd_decay_by_autograd", "SGDMomentum asks torch.autograd.grad for the weight decay's gradient", OPT,
               _decay_by_autograd("if self.buffers[i] is None:"), ["test_sgd_momentum"], says="torch.autograd.grad"),
    _delegates("adagrad_decay_by_autograd", "Adagrad asks torch.autograd.grad for the weight decay's gradient", OPT,
               _decay_by_autograd("s += g * g"), ["test_adagrad"], says="torch.autograd.grad"),
    _delegates("rmsprop_decay_by_autograd", "RMSProp asks torch.autograd.grad for the weight decay's gradient", OPT,
               _decay_by_autograd("v.mul_(self.alpha)"), ["test_rmsprop"], says="torch.autograd.grad"),
    _delegates("adam_decay_by_autograd", "Adam asks torch.autograd.grad for the weight decay's gradient", OPT,
               _decay_by_autograd("m.mul_(b1)"), ["test_adam"], says="torch.autograd.grad"),
]

# Task 3: the original course's Adam
ORIGINAL = "adam_original_code"
_ORIGINAL_STEP = '''        b1, b2 = self.betas
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m.mul_(b1).add_((1 - b1) * g)
            v.mul_(b2).add_((1 - b2) * g * g)
            p -= self.lr * m / (v.sqrt() + self.eps)'''
_ORIGINAL_BY_TORCH_OPTIM = '''        self.t += 1
        b1, b2 = self.betas
        group = self.inner.param_groups[0]
        group["lr"] = self.lr * (1 - b1 ** self.t) / (1 - b2 ** self.t) ** 0.5
        group["eps"] = self.eps / (1 - b2 ** self.t) ** 0.5
        for p, g in zip(self.params, grads):
            p.grad = g
        self.inner.step()'''

MUTANTS += [
    _mutant("original_adam_with_bias_correction", "corrects m and v by 1 - beta^t: PyTorch's Adam, not the original's",
            ORIGINAL, [("        b1, b2 = self.betas\n", "        self.t = getattr(self, 't', 0) + 1\n        b1, b2 = self.betas\n"),
                       ("p -= self.lr * m / (v.sqrt() + self.eps)",
                        "p -= self.lr * (m / (1 - b1 ** self.t)) / ((v / (1 - b2 ** self.t)).sqrt() + self.eps)")],
            ["test_adam_original"]),
    _mutant("original_adam_default_betas_of_torch", "defaults to PyTorch's betas (0.9, 0.999) instead of the original's (0.99, 0.99)",
            ORIGINAL, [("betas: tuple = (0.99, 0.99)", "betas: tuple = (0.9, 0.999)")], ["test_adam_original"]),
    _mutant("original_adam_eps_inside_sqrt", "sqrt(v + eps) instead of sqrt(v) + eps",
            ORIGINAL, [("p -= self.lr * m / (v.sqrt() + self.eps)", "p -= self.lr * m / (v + self.eps).sqrt()")],
            ["test_adam_original"]),
    _mutant("original_adam_without_eps", "the original's literal lr / sqrt(v) * m: 0 / 0 = nan on a zero gradient",
            ORIGINAL, [("p -= self.lr * m / (v.sqrt() + self.eps)", "p -= self.lr / v.sqrt() * m")], ["test_adam_original"]),
    _mutant("original_adam_betas_swapped", "averages m with beta2 and v with beta1",
            ORIGINAL, [("m.mul_(b1).add_((1 - b1) * g)", "m.mul_(b2).add_((1 - b2) * g)"),
                       ("v.mul_(b2).add_((1 - b2) * g * g)", "v.mul_(b1).add_((1 - b1) * g * g)")], ["test_adam_original"]),
    _mutant("original_adam_state_not_kept", "m = b1 m + (1 - b1) g rebinds the loop's name: the averages never accumulate",
            ORIGINAL, [("m.mul_(b1).add_((1 - b1) * g)", "m = m * b1 + (1 - b1) * g"),
                       ("v.mul_(b2).add_((1 - b2) * g * g)", "v = v * b2 + (1 - b2) * g * g")], ["test_adam_original"]),
    _delegates("original_adam_wraps_torch_optim", "OriginalAdam runs torch.optim.Adam with lr and eps rescaled to undo its bias "
               "correction", ORIGINAL,
               [("self.m = [torch.zeros_like(p) for p in self.params]\n        self.v = [torch.zeros_like(p) for p in self.params]",
                 "self.inner = torch.optim.Adam(self.params, lr=lr, betas=betas, eps=eps)\n        self.t = 0"),
                (_ORIGINAL_STEP, _ORIGINAL_BY_TORCH_OPTIM)],
               ["test_adam_original"], says="torch.optim"),
]
