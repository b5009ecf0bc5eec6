"""Plausible wrong solutions for 05_softmax_function, each with the test cell that must catch it."""
from tests.mutant import delegates as _delegates
from tests.mutant import edit as _mutant


SHIFT = "shifted = input - input.amax(dim=dim, keepdim=True)"
CHEAP = "return out * (grad_output - inner), None"

MUTANTS = [
    _mutant("flattened_input", "the seed's input.flatten(): softmax over all elements, right for 1-D only",
            "softmax_code", [(SHIFT, "shifted = (input - input.max()).flatten()"),
                             ("out = exps / exps.sum(dim=dim, keepdim=True)", "out = (exps / exps.sum()).reshape(input.shape)")],
            ["test_softmax_forward"]),
    _mutant("no_max_subtraction", "exponentiates the raw logits: inf / inf = nan at 1000",
            "softmax_code", [(SHIFT, "shifted = input")], ["test_softmax_gradcheck_and_stability"]),
    _mutant("diagonal_only_jacobian", "keeps only dp_i/dx_i = p_i (1 - p_i) and drops the -p_i p_j terms",
            "softmax_code", [(CHEAP, "return grad_output * out * (1 - out), None")],
            ["test_softmax_backward", "test_softmax_gradcheck_and_stability"]),
    _mutant("backward_sign_flip", "p * (<g, p> - g): the gradient with the wrong sign",
            "softmax_code", [(CHEAP, "return out * (inner - grad_output), None")], ["test_softmax_backward"]),
    _mutant("backward_sum_over_wrong_dim", "sums g * p over dim 0 instead of the softmax dim",
            "softmax_code", [("inner = (grad_output * out).sum(dim=ctx.dim, keepdim=True)", "inner = (grad_output * out).sum(dim=0, keepdim=True)")],
            ["test_softmax_backward"]),
    _mutant("backward_forgets_factor_p", "returns g - <g, p> without the factor p (the y of the curriculum)",
            "softmax_code", [(CHEAP, "return grad_output - inner, None")], ["test_softmax_backward"]),
    _mutant("backward_without_keepdim", "sums without keepdim, so the sum broadcasts along the wrong axis",
            "softmax_code", [("inner = (grad_output * out).sum(dim=ctx.dim, keepdim=True)", "inner = (grad_output * out).sum(dim=ctx.dim)")],
            ["test_softmax_backward"]),
    _mutant("backward_no_gradient_slot_for_dim", "returns one gradient although forward took two inputs",
            "softmax_code", [(CHEAP, "return out * (grad_output - inner)")], ["test_softmax_backward"]),
    _mutant("wrong_default_dim", "softmax(x) defaults to dim 0 instead of the last dim",
            "softmax_code", [("return Softmax.apply(x, dim)", "return Softmax.apply(x, 0 if dim == -1 else dim)")],
            ["test_softmax_forward"]),
    _mutant("jacobian_diagonal_only", "diag(p (1 - p)): the off-diagonal -p_i p_j terms are missing",
            "jacobian_code", [("return torch.diag(p) - torch.outer(p, p)", "return torch.diag(p * (1 - p))")], ["test_jacobian"]),
    _mutant("jacobian_sign_of_outer_product", "diag(p) + p p^T",
            "jacobian_code", [("return torch.diag(p) - torch.outer(p, p)", "return torch.diag(p) + torch.outer(p, p)")], ["test_jacobian"]),
]

DEMO = ["jacobian_diagonal_only", "backward_forgets_factor_p"]

# Calls of what the tasks forbid: each loses exactly its task's points, and the message names the call.
_FORWARD_CELLS = ["test_softmax_forward", "test_softmax_backward", "test_softmax_gradcheck_and_stability"]
_BACKWARD_BY_AUTOGRAD = '''
class Softmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, dim):
        shifted = input - input.amax(dim=dim, keepdim=True)
        exps = shifted.exp()
        ctx.save_for_backward(input)
        ctx.dim = dim
        return exps / exps.sum(dim=dim, keepdim=True)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        with torch.enable_grad():
            x = input.detach().requires_grad_(True)
            shifted = x - x.amax(dim=ctx.dim, keepdim=True)
            out = shifted.exp() / shifted.exp().sum(dim=ctx.dim, keepdim=True)
            (grad,) = torch.autograd.grad(out, x, grad_output)
        return grad, None


def softmax(x, dim=-1):
    return Softmax.apply(x, dim)
'''

MUTANTS += [
    _delegates("jacobian_by_autograd", "softmax_jacobian asks torch.autograd.functional.jacobian for J",
               "jacobian_code", [("return torch.diag(p) - torch.outer(p, p)",
                                  "return torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=0), p.log())")],
               ["test_jacobian"], says="torch.autograd"),
    _delegates("forward_calls_torch_softmax", "Softmax.forward returns torch.softmax", "softmax_code",
               [("out = exps / exps.sum(dim=dim, keepdim=True)", "out = torch.softmax(input, dim)")],
               _FORWARD_CELLS, says="torch.softmax"),
    _delegates("forward_calls_nn_softmax", "Softmax.forward uses the nn.Softmax layer", "softmax_code",
               [("out = exps / exps.sum(dim=dim, keepdim=True)", "out = torch.nn.Softmax(dim=dim)(input)")],
               _FORWARD_CELLS, says="softmax"),
    _delegates("backward_by_autograd", "Softmax.backward differentiates its forward with torch.autograd.grad",
               "softmax_code", _BACKWARD_BY_AUTOGRAD, ["test_softmax_backward", "test_softmax_gradcheck_and_stability"],
               says="torch.autograd.grad"),
]
