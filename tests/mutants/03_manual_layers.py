"""Plausible wrong solutions for 03_manual_layers, each with the test cell that must catch it."""
from tests.mutant import delegates as _delegates
from tests.mutant import edit as _mutant

L, BACK, A, LOSS, REG, TWO = ("layers_code", "layers_backward_code", "activations_code", "losses_code", "regression_code",
                              "two_layer_code")
CCE = "        return -(y_true * torch.log(y_pred.clamp(min=1e-12))).sum(dim=1).mean()"
ELU_BACKWARD = "        return dvalues * torch.where(self.inputs > 0, torch.ones_like(self.inputs), self.alpha * self.inputs.exp())"

MUTANTS = [
    # Task 1: forward layers
    _mutant("random_linear_ignores_generator", "draws from the global generator whatever generator is given",
            L, [("    return Linear(torch.randn(out_features, in_features, generator=generator),\n"
                 "                  torch.randn(out_features, generator=generator))",
                 "    return Linear(torch.randn(out_features, in_features), torch.randn(out_features))")],
            ["test_forward_layers"]),
    _mutant("linear_forward_without_transpose", "inputs @ weights: right only for square weights (and wrong even then)",
            L, [("        return inputs @ self.weights.T + self.biases", "        return inputs @ self.weights + self.biases")],
            ["test_forward_layers"]),
    # Task 4: backward passes (their own cell since the lesson asks for them in Task 4)
    _mutant("linear_backward_averages", "the original course's Linear.backward: averages dvalue * inputs (wrong with several outputs and batches)",
            BACK, [("    self.dweights = batch.T @ inputs", "    self.dweights = (batch.T @ inputs) / len(inputs)")], ["test_backward"]),
    _mutant("dweights_transposed", "dW = X^T D, shaped (in, out) instead of (out, in)",
            BACK, [("    self.dweights = batch.T @ inputs", "    self.dweights = inputs.T @ batch")], ["test_backward"]),
    _mutant("dbiases_not_summed", "db = the mean over the batch instead of the sum",
            BACK, [("    self.dbiases = batch.sum(dim=0)", "    self.dbiases = batch.mean(dim=0)")], ["test_backward"]),
    _mutant("dinputs_with_transposed_weights", "dX = D W^T: works only for square layers",
            BACK, [("    return (batch @ self.weights).reshape(self.inputs.shape)", "    return (batch @ self.weights.T).reshape(self.inputs.shape)")],
            ["test_backward"]),
    _mutant("neuron_dinputs_uses_inputs", "the original course's neuron: dinputs = dvalue * inputs",
            BACK, [("    self.dinputs = dvalue * self.weights", "    self.dinputs = dvalue * inputs")], ["test_backward"]),
    _mutant("dinputs_of_a_vector_as_a_batch", "returns dL/dX as a (1, in) batch when forward was given a vector (in,)",
            BACK, [("    return (batch @ self.weights).reshape(self.inputs.shape)", "    return batch @ self.weights")], ["test_backward"]),
    # Task 2: activations
    _mutant("softmax_without_max", "exp of the raw inputs: nan at 1000",
            A, [("        exps = (inputs - inputs.amax(dim=self.dim, keepdim=True)).exp()", "        exps = inputs.exp()")], ["test_activations"]),
    _mutant("softmax_wrong_dim", "always normalises over the last dim, whatever dim says",
            A, [("        exps = (inputs - inputs.amax(dim=self.dim, keepdim=True)).exp()\n        return exps / exps.sum(dim=self.dim, keepdim=True)",
                 "        exps = (inputs - inputs.amax(dim=-1, keepdim=True)).exp()\n        return exps / exps.sum(dim=-1, keepdim=True)")],
            ["test_activations"]),
    _mutant("softmax_global_max", "subtracts the max of the whole tensor: rows thousands apart underflow to 0 / 0",
            A, [("        exps = (inputs - inputs.amax(dim=self.dim, keepdim=True)).exp()", "        exps = (inputs - inputs.max()).exp()")],
            ["test_activations"]),
    _mutant("elu_gradient_without_alpha", "d ELU/dx = e^x for x <= 0, forgetting alpha (right only for alpha = 1)",
            A, [("torch.ones_like(self.inputs), self.alpha * self.inputs.exp())", "torch.ones_like(self.inputs), self.inputs.exp())")],
            ["test_activations"]),
    _mutant("elu_gradient_one_at_zero", "takes the x > 0 branch at x = 0: gradient d instead of d * alpha there",
            A, [(ELU_BACKWARD, ELU_BACKWARD.replace("self.inputs > 0", "self.inputs >= 0"))], ["test_activations"]),
    _mutant("relu_backward_masks_gradient", "masks where the upstream gradient is positive",
            A, [("        return dvalues * (self.inputs > 0).to(dvalues.dtype)", "        return dvalues * (dvalues > 0).to(dvalues.dtype)")],
            ["test_activations"]),
    _mutant("relu_gradient_one_at_zero", "[x >= 0]: gradient 1 at exactly 0, where the task says 0",
            A, [("        return dvalues * (self.inputs > 0).to(dvalues.dtype)", "        return dvalues * (self.inputs >= 0).to(dvalues.dtype)")],
            ["test_activations"]),
    # Task 3: losses
    _mutant("mse_backward_divides_by_batch_only", "2 (y_hat - y) / N instead of / (N D)",
            LOSS, [("        return 2 * (y_pred - y_true) / y_pred.numel()", "        return 2 * (y_pred - y_true) / len(y_pred)")], ["test_losses"]),
    _mutant("mse_backward_missing_2", "(y_hat - y) / (N D) without the factor 2",
            LOSS, [("        return 2 * (y_pred - y_true) / y_pred.numel()", "        return (y_pred - y_true) / y_pred.numel()")],
            ["test_losses", "test_regression", "test_two_layer"]),
    _mutant("cce_summed_over_wrong_axis", "sums over the batch (dim 0) and averages over the classes",
            LOSS, [(CCE, CCE.replace(".sum(dim=1)", ".sum(dim=0)"))], ["test_losses"]),
    _mutant("cce_per_example", "the original course's CCE: returns one loss per example, not their mean",
            LOSS, [(CCE, CCE.replace(".sum(dim=1).mean()", ".sum(dim=1)"))], ["test_losses"]),
    _mutant("cce_nan_at_zero_probability", "the log of an exact-zero probability: 0 * log 0 = nan for softmax([200, 0, 0]) in float32",
            LOSS, [(CCE, "        return -(y_true * torch.log(y_pred)).sum(dim=1).mean()")], ["test_losses"]),
    _mutant("l2_with_half_factor", "lambda/2 * sum W^2 where the task says lambda",
            LOSS, [("self.lambda_ * (self.weights ** 2).sum()", "self.lambda_ / 2 * (self.weights ** 2).sum()")], ["test_losses"]),
    # Task 5: regression
    _mutant("sgd_loop_ignores_bias", "per-example SGD never updates the bias",
            REG, [("            neuron.bias = neuron.bias - lr * neuron.dbias\n", "")], ["test_regression"]),
    _mutant("sgd_gradient_without_2", "dvalue = y_hat - y: half the gradient of the squared error (it still converges, more slowly)",
            REG, [("            neuron.backward(2 * (pred - y_i), x_i)", "            neuron.backward(pred - y_i, x_i)")], ["test_regression"]),
    _mutant("batch_zeros_in_float32", "zeros without dtype=X.dtype: float32 weights, a dtype error on float64 data",
            REG, [("    layer = Linear(torch.zeros(1, X.shape[1], dtype=X.dtype), torch.zeros(1, dtype=X.dtype))",
                   "    layer = Linear(torch.zeros(1, X.shape[1]), torch.zeros(1))")], ["test_regression"]),
    # Task 6: two layers
    _mutant("two_layer_skips_relu_backward", "backpropagates through fc2 straight into fc1, skipping the ReLU mask",
            TWO, [("        fc1.backward(relu.backward(fc2.backward(loss.backward(pred, y))))", "        fc1.backward(fc2.backward(loss.backward(pred, y)))")],
            ["test_two_layer"]),
    _mutant("two_layer_fc1_bias_frozen", "updates fc1's weights but never its biases",
            TWO, [("        for layer in (fc1, fc2):\n            layer.weights = layer.weights - lr * layer.dweights\n"
                   "            layer.biases = layer.biases - lr * layer.dbiases",
                   "        for layer in (fc1, fc2):\n            layer.weights = layer.weights - lr * layer.dweights\n"
                   "        fc2.biases = fc2.biases - lr * fc2.dbiases")],
            ["test_two_layer"]),
]

DEMO = ["linear_backward_averages", "cce_summed_over_wrong_axis"]

# Calls of what the tasks forbid: each loses exactly the points of the tasks whose tests run that code,
# and the message names the call.
_ALL_LINEAR = ["test_forward_layers", "test_backward", "test_regression", "test_two_layer"]

_LINEAR_BACKWARD_BY_AUTOGRAD = '''    W = self.weights.detach().requires_grad_(True)
    b = self.biases.detach().requires_grad_(True)
    X = self.inputs.detach().requires_grad_(True)
    with torch.enable_grad():
        (X @ W.T + b).backward(dvalues)
    self.dweights, self.dbiases = W.grad, b.grad
    return X.grad
'''

_TRAIN_SGD_BY_AUTOGRAD = '''
def train_sgd(X, y, lr, epochs):
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, requires_grad=True)
    for _ in range(epochs):
        for x_i, y_i in zip(X, y):
            ((x_i @ w + b - y_i) ** 2).backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad = None
            b.grad = None
    return w.detach(), b.detach()


def train_batch(X, y, lr, epochs):
    layer = Linear(torch.zeros(1, X.shape[1], dtype=X.dtype), torch.zeros(1, dtype=X.dtype))
    loss = MSELoss()
    for _ in range(epochs):
        pred = layer.forward(X)
        layer.backward(loss.backward(pred, y.reshape(-1, 1)))
        layer.weights = layer.weights - lr * layer.dweights
        layer.biases = layer.biases - lr * layer.dbiases
    return layer.weights[0], layer.biases[0]
'''

_TRAIN_BATCH_WITH_OPTIM = '''
def train_sgd(X, y, lr, epochs):
    neuron = Neuron(torch.zeros(X.shape[1], dtype=X.dtype), torch.zeros((), dtype=X.dtype))
    for _ in range(epochs):
        for x_i, y_i in zip(X, y):
            neuron.backward(2 * (neuron.forward(x_i) - y_i), x_i)
            neuron.weights = neuron.weights - lr * neuron.dweights
            neuron.bias = neuron.bias - lr * neuron.dbias
    return neuron.weights, neuron.bias


def train_batch(X, y, lr, epochs):
    layer = Linear(torch.zeros(1, X.shape[1], dtype=X.dtype), torch.zeros(1, dtype=X.dtype))
    opt = torch.optim.SGD([layer.weights, layer.biases], lr=lr)
    loss = MSELoss()
    for _ in range(epochs):
        layer.backward(loss.backward(layer.forward(X), y.reshape(-1, 1)))
        layer.weights.grad, layer.biases.grad = layer.dweights, layer.dbiases
        opt.step()
    return layer.weights[0], layer.biases[0]
'''

_TRAIN_BATCH_THE_TORCH_WAY = _TRAIN_BATCH_WITH_OPTIM.split("def train_batch")[0] + '''def train_batch(X, y, lr, epochs):
    model = torch.nn.Linear(X.shape[1], 1, dtype=X.dtype)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    for _ in range(epochs):
        model.zero_grad()
        torch.nn.MSELoss()(model(X), y.reshape(-1, 1)).backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
    return model.weight.detach()[0], model.bias.detach()[0]
'''

_TWO_LAYER_HEAD = '''
def train_two_layer(x, y, lr, steps, generator, snapshots=(), snapshot=None):
    fc1 = Linear(torch.randn(10, 1, generator=generator) * 0.8, torch.randn(10, generator=generator) * 0.8)
    fc2 = Linear(torch.randn(1, 10, generator=generator) * 0.3, torch.zeros(1))
    relu, loss = ReLU(), MSELoss()
    losses = []
'''
_TWO_LAYER_TAIL = '''
        if snapshot is not None and step in snapshots:
            snapshot(step, fc1, relu, fc2)
    return fc1, fc2, losses
'''
_TWO_LAYER_BY_AUTOGRAD = _TWO_LAYER_HEAD + '''    params = [fc1.weights, fc1.biases, fc2.weights, fc2.biases]
    for p in params:
        p.requires_grad_(True)
    for step in range(steps):
        pred = fc2.forward(relu.forward(fc1.forward(x)))
        value = ((pred - y) ** 2).mean()
        losses.append(float(value))
        value.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None''' + _TWO_LAYER_TAIL
_TWO_LAYER_WITH_OPTIM = _TWO_LAYER_HEAD + '''    opt = torch.optim.SGD([fc1.weights, fc1.biases, fc2.weights, fc2.biases], lr=lr)
    for step in range(steps):
        pred = fc2.forward(relu.forward(fc1.forward(x)))
        losses.append(float(loss.forward(pred, y)))
        fc1.backward(relu.backward(fc2.backward(loss.backward(pred, y))))
        for layer in (fc1, fc2):
            layer.weights.grad, layer.biases.grad = layer.dweights, layer.dbiases
        opt.step()''' + _TWO_LAYER_TAIL
_TWO_LAYER_THE_TORCH_WAY = _TWO_LAYER_HEAD + '''    W1, b1, W2, b2 = (t.requires_grad_(True) for t in (fc1.weights, fc1.biases, fc2.weights, fc2.biases))
    for step in range(steps):
        value = torch.nn.functional.mse_loss(torch.nn.functional.linear(torch.relu(torch.nn.functional.linear(x, W1, b1)), W2, b2), y)
        losses.append(float(value))
        value.backward()
        with torch.no_grad():
            for p in (W1, b1, W2, b2):
                p -= lr * p.grad
                p.grad = None''' + _TWO_LAYER_TAIL

MUTANTS += [
    # Task 1: F.linear, nn.Linear
    _delegates("neuron_calls_f_linear", "Neuron.forward returns F.linear(inputs, weights, bias)", L,
               [("        return (inputs * self.weights).sum() + self.bias",
                 "        return torch.nn.functional.linear(inputs, self.weights, self.bias)")],
               ["test_forward_layers", "test_backward", "test_regression"], says="torch.nn.functional.linear"),
    _delegates("linear_uses_nn_linear", "Linear.forward copies its weights into an nn.Linear and calls it", L,
               [("        return inputs @ self.weights.T + self.biases",
                 "        layer = torch.nn.Linear(self.weights.shape[1], self.weights.shape[0], dtype=self.weights.dtype)\n"
                 "        with torch.no_grad():\n"
                 "            layer.weight.copy_(self.weights)\n"
                 "            layer.bias.copy_(self.biases)\n"
                 "            return layer(inputs)")],
               _ALL_LINEAR, says="linear"),
    # Task 2: torch.relu, softmax, elu, autograd in the backward passes
    _delegates("relu_calls_torch_relu", "ReLU.forward returns torch.relu", A,
               [("        return inputs.clamp(min=0)", "        return torch.relu(inputs)")],
               ["test_activations", "test_two_layer"], says="torch.relu"),
    _delegates("softmax_calls_torch_softmax", "Softmax.forward returns torch.softmax", A,
               [("        exps = (inputs - inputs.amax(dim=self.dim, keepdim=True)).exp()\n        return exps / exps.sum(dim=self.dim, keepdim=True)",
                 "        return torch.softmax(inputs, dim=self.dim)")],
               ["test_activations"], says="torch.softmax"),
    _delegates("elu_uses_nn_elu", "ELU.forward calls the nn.ELU layer", A,
               [("        return torch.where(inputs > 0, inputs, self.alpha * (inputs.exp() - 1))",
                 "        return torch.nn.ELU(alpha=self.alpha)(inputs)")],
               ["test_activations"], says="elu"),
    _delegates("relu_backward_by_autograd", "ReLU.backward differentiates clamp with torch.autograd.grad", A,
               [("        return dvalues * (self.inputs > 0).to(dvalues.dtype)",
                 "        x = self.inputs.detach().requires_grad_(True)\n"
                 "        with torch.enable_grad():\n"
                 "            return torch.autograd.grad(torch.where(x > 0, x, 0 * x), x, dvalues)[0]")],
               ["test_activations", "test_two_layer"], says="torch.autograd.grad"),
    # Task 3: F.mse_loss / nn.MSELoss, cross-entropy, autograd in MSELoss.backward
    _delegates("mse_uses_nn_mseloss", "MSELoss.forward calls the nn.MSELoss layer", LOSS,
               [("        return ((y_pred - y_true) ** 2).mean()", "        return torch.nn.MSELoss()(y_pred, y_true)")],
               ["test_losses", "test_two_layer"], says="mse_loss"),
    _delegates("cce_calls_f_cross_entropy", "CCE as F.cross_entropy of the log-probabilities", LOSS,
               [(CCE, "        return torch.nn.functional.cross_entropy(torch.log(y_pred.clamp(min=1e-12)), y_true)")],
               ["test_losses"], says="cross_entropy"),
    _delegates("mse_backward_by_autograd", "MSELoss.backward differentiates the forward with torch.autograd.grad", LOSS,
               [("        return 2 * (y_pred - y_true) / y_pred.numel()",
                 "        p = y_pred.detach().requires_grad_(True)\n"
                 "        with torch.enable_grad():\n"
                 "            return torch.autograd.grad(((p - y_true) ** 2).mean(), p)[0]")],
               ["test_losses", "test_regression", "test_two_layer"], says="torch.autograd.grad"),
    # Task 4: autograd in Linear.backward and Neuron.backward
    _delegates("linear_backward_by_autograd", "Linear.backward runs Tensor.backward on a rebuilt forward", BACK,
               [("""    batch = dvalues.reshape(-1, self.weights.shape[0])
    inputs = self.inputs.reshape(-1, self.weights.shape[1])
    self.dweights = batch.T @ inputs
    self.dbiases = batch.sum(dim=0)
    return (batch @ self.weights).reshape(self.inputs.shape)
""", _LINEAR_BACKWARD_BY_AUTOGRAD)],
               ["test_backward", "test_regression", "test_two_layer"], says="Tensor.backward"),
    _delegates("neuron_backward_by_autograd", "Neuron.backward asks torch.autograd.grad for the three gradients", BACK,
               [("    self.dweights = dvalue * inputs\n    self.dbias = dvalue\n    self.dinputs = dvalue * self.weights",
                 "    w, b, x = (t.detach().requires_grad_(True) for t in (self.weights, self.bias, inputs))\n"
                 "    with torch.enable_grad():\n"
                 "        self.dweights, self.dbias, self.dinputs = torch.autograd.grad((x * w).sum() + b, (w, b, x), dvalue)")],
               ["test_backward", "test_regression"], says="torch.autograd.grad"),
    # Task 5: autograd, torch.optim, nn.Linear / nn.MSELoss
    _delegates("train_sgd_by_autograd", "train_sgd: Tensor.backward on each example's squared error", REG, _TRAIN_SGD_BY_AUTOGRAD,
               ["test_regression"], says="Tensor.backward"),
    _delegates("train_batch_with_torch_optim", "train_batch: hand-made gradients, but torch.optim.SGD makes the update", REG,
               _TRAIN_BATCH_WITH_OPTIM, ["test_regression"], says="torch.optim"),
    _delegates("train_batch_the_torch_way", "train_batch with nn.Linear, nn.MSELoss and Tensor.backward", REG,
               _TRAIN_BATCH_THE_TORCH_WAY, ["test_regression"], says="linear"),
    # Task 6: autograd, torch.optim, F.linear / torch.relu / F.mse_loss
    _delegates("two_layer_by_autograd", "train_two_layer: Tensor.backward through the hand-made layers", TWO, _TWO_LAYER_BY_AUTOGRAD,
               ["test_two_layer"], says="Tensor.backward"),
    _delegates("two_layer_with_torch_optim", "train_two_layer: hand-made gradients, torch.optim.SGD makes the update", TWO,
               _TWO_LAYER_WITH_OPTIM, ["test_two_layer"], says="torch.optim"),
    _delegates("two_layer_the_torch_way", "train_two_layer with F.linear, torch.relu, F.mse_loss and autograd", TWO,
               _TWO_LAYER_THE_TORCH_WAY, ["test_two_layer"], says="torch.nn.functional.linear"),
]
