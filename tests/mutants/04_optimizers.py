"""Plausible wrong solutions for 04_optimizers, each with the test cell that must catch it."""
from tests.mutant import edit as _mutant


OPT = "optimizers_code"

MUTANTS = [
    _mutant("layer_backward_averages_over_batch", "the seed's / m: divides grad_weight and grad_bias by the batch size",
            "layer_code", [("self.grad_weight = grad_z.T @ self.inputs", "self.grad_weight = grad_z.T @ self.inputs / len(self.inputs)"),
                           ("self.grad_bias = grad_z.sum(dim=0)", "self.grad_bias = grad_z.mean(dim=0)")],
            ["test_linear_layer", "test_model"]),
    _mutant("sigmoid_derivative_missing_1_minus_s", "uses s instead of s (1 - s) as the sigmoid's derivative",
            "layer_code", [("grad_z = grad * self.out * (1 - self.out)", "grad_z = grad * self.out")],
            ["test_linear_layer", "test_model"]),
    _mutant("relu_mask_on_upstream_gradient", "masks where the upstream gradient is positive, not where z is",
            "layer_code", [("grad_z = grad * (self.z > 0).to(grad.dtype)", "grad_z = grad * (grad > 0).to(grad.dtype)")],
            ["test_linear_layer"]),
    _mutant("adam_without_bias_correction", "the seed's Adam: m / sqrt(v) with no 1 - beta^t",
            OPT, [("m_hat = m / (1 - b1 ** self.t)", "m_hat = m"), ("v_hat = v / (1 - b2 ** self.t)", "v_hat = v")], ["test_adam"]),
    _mutant("adam_t_off_by_one", "bias correction with t + 1 (the step counted before it is taken)",
            OPT, [("m_hat = m / (1 - b1 ** self.t)", "m_hat = m / (1 - b1 ** (self.t + 1))"),
                  ("v_hat = v / (1 - b2 ** self.t)", "v_hat = v / (1 - b2 ** (self.t + 1))")], ["test_adam"]),
    _mutant("adam_eps_inside_sqrt", "sqrt(v_hat + eps) instead of sqrt(v_hat) + eps",
            OPT, [("p -= self.lr * m_hat / (v_hat.sqrt() + self.eps)", "p -= self.lr * m_hat / (v_hat + self.eps).sqrt()")], ["test_adam"]),
    _mutant("adam_decoupled_weight_decay", "AdamW-style decay p -= lr * wd * p where torch.optim.Adam adds wd * p to g",
            OPT, [("            g = g + self.weight_decay * p if self.weight_decay else g\n            m.mul_(b1)",
                   "            p -= self.lr * self.weight_decay * p\n            m.mul_(b1)")], ["test_adam"]),
    _mutant("rmsprop_eps_inside_sqrt", "sqrt(v + eps) instead of sqrt(v) + eps",
            OPT, [("denom = v.sqrt() + self.eps", "denom = (v + self.eps).sqrt()")], ["test_rmsprop"]),
    _mutant("rmsprop_alpha_swapped", "v = (1 - alpha) v + alpha g^2",
            OPT, [("v.mul_(self.alpha).add_((1 - self.alpha) * g * g)", "v.mul_(1 - self.alpha).add_(self.alpha * g * g)")], ["test_rmsprop"]),
    _mutant("rmsprop_centered_ignored", "never subtracts the squared mean gradient",
            OPT, [("denom = (v - gbar * gbar).sqrt() + self.eps", "denom = v.sqrt() + self.eps")], ["test_rmsprop"]),
    _mutant("adagrad_without_eps", "g / sqrt(s): 0 / 0 = nan on a zero gradient",
            OPT, [("p -= clr * g / (s.sqrt() + self.eps)", "p -= clr * g / s.sqrt()")], ["test_adagrad"]),
    _mutant("adagrad_eps_inside_sqrt", "sqrt(s + eps) instead of sqrt(s) + eps",
            OPT, [("p -= clr * g / (s.sqrt() + self.eps)", "p -= clr * g / (s + self.eps).sqrt()")], ["test_adagrad"]),
    _mutant("adagrad_ignores_initial_accumulator", "starts the accumulator at 0 whatever initial_accumulator_value says",
            OPT, [("self.sums = [torch.full_like(p, initial_accumulator_value) for p in self.params]",
                   "self.sums = [torch.zeros_like(p) for p in self.params]")], ["test_adagrad"]),
    _mutant("momentum_as_exponential_average", "b = mu b + (1 - mu) g, an average instead of torch's accumulation",
            OPT, [("self.buffers[i] = self.momentum * self.buffers[i] + (1 - self.dampening) * g",
                   "self.buffers[i] = self.momentum * self.buffers[i] + (1 - self.momentum) * g")], ["test_sgd_momentum"]),
    _mutant("dampening_on_first_step", "applies (1 - dampening) already on the first step, where torch copies g",
            OPT, [("self.buffers[i] = g.clone()", "self.buffers[i] = (1 - self.dampening) * g")], ["test_sgd_momentum"]),
    _mutant("momentum_wrong_sign", "p += lr * b",
            OPT, [("p -= self.lr * self.buffers[i]", "p += self.lr * self.buffers[i]")], ["test_sgd_momentum"]),
]

DEMO = ["layer_backward_averages_over_batch", "adam_without_bias_correction"]
