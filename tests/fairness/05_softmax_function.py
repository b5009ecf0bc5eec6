"""Correct-but-different solutions of 05_softmax_function: each keeps every point, with no advice."""
from tests.mutant import Variant

LOOPED = '''
from collections.abc import Sequence


class Softmax(torch.autograd.Function):
    "softmax along dim, one slice at a time (a loop instead of broadcasting)"

    @staticmethod
    def forward(ctx, input, dim):
        moved = input.movedim(dim, -1)
        rows = moved.reshape(-1, moved.shape[-1])
        out_rows = []
        for row in rows:
            e = (row - row.max()).exp()
            out_rows.append(e / e.sum())
        out = torch.stack(out_rows).reshape(moved.shape).movedim(-1, dim) if len(out_rows) else input.clone()
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (p,) = ctx.saved_tensors
        dot = torch.sum(grad_output * p, dim=ctx.dim, keepdim=True)
        return p * (grad_output - dot), None


def softmax(x, dim=-1):
    return Softmax.apply(x, dim)
'''

LOGSUMEXP = '''
import warnings


class Softmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, dim):
        shifted = input - input.amax(dim=dim, keepdim=True)
        out = (shifted - torch.logsumexp(shifted, dim=dim, keepdim=True)).exp()   # log-sum-exp of the shifted logits
        ctx.save_for_backward(input, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        _, out = ctx.saved_tensors
        F = grad_output * out                      # a local F is not torch.nn.functional
        return F - out * F.sum(dim=ctx.dim, keepdim=True), None


def softmax(x, dim=-1):
    if x.dtype == torch.float32:
        warnings.warn("computing softmax in float32")
    return Softmax.apply(x, dim)
'''

INPLACE = '''
class Softmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, dim):
        exps = input.clone()
        exps.sub_(input.amax(dim=dim, keepdim=True)).exp_()
        exps.div_(exps.sum(dim=dim, keepdim=True))
        ctx.save_for_backward(exps)
        ctx.dim = dim
        return exps

    @staticmethod
    def backward(ctx, grad_output):
        (p,) = ctx.saved_tensors
        g = grad_output.clone()
        g.sub_((grad_output * p).sum(dim=ctx.dim, keepdim=True)).mul_(p)
        return g, None


def softmax(x, dim=-1):
    return Softmax.apply(x, dim)
'''

CASES = [
    Variant("loop_over_slices", "softmax one slice at a time in a Python loop; `collections.abc` imported", {"softmax_code": LOOPED}),
    Variant("logsumexp_and_a_warning", "log-sum-exp forward, a local F, a warning for float32 inputs", {"softmax_code": LOGSUMEXP}),
    Variant("in_place_ops", "in-place tensor methods throughout", {"softmax_code": INPLACE}),
    Variant("jacobian_by_loops", "the Jacobian filled entry by entry in Python loops",
            {"jacobian_code": [("return torch.diag(p) - torch.outer(p, p)",
                                "n = p.shape[0]\n    J = torch.empty(n, n, dtype=p.dtype)\n    for i in range(n):\n"
                                "        for j in range(n):\n            J[i, j] = p[i] * ((1.0 if i == j else 0.0) - p[j])\n    return J")]}),
    Variant("jacobian_with_eye", "diag(p) as eye(n) * p, the outer product by broadcasting",
            {"jacobian_code": [("return torch.diag(p) - torch.outer(p, p)",
                                "return torch.eye(len(p), dtype=p.dtype) * p - p[:, None] * p[None, :]")]}),
    Variant("experiment_cell", "an extra cell of the student's own that times softmax on a big input",
            {}, extra=[("softmax_code", "import time\nt0 = time.perf_counter()\n_ = softmax(torch.randn(200, 300), dim=1)\n"
                                        "print(f'{time.perf_counter() - t0:.4f} s')")]),
]
