"""Plausible wrong solutions for 02_value_autograd, each with the test cell that must catch it."""
from tests.mutant import edit as _mutant

V = "value_code"

MUTANTS = [
    _mutant("rsub_wrong_way_round", "2 - v computed as v - 2",
            V, [('        "other - self"\n        return self._wrap(other) + (-self)', '        "other - self"\n        return self - other')],
            ["test_value_sanity"]),
    _mutant("rtruediv_wrong_way_round", "2 / v computed as v / 2",
            V, [('        "other / self"\n        return self._wrap(other) * self ** -1', '        "other / self"\n        return self * self._wrap(other) ** -1')],
            ["test_value_sanity"]),
    _mutant("exp_gradient_assigned", "exp's backward assigns instead of accumulating",
            V, [("            self.grad += out.data * out.grad", "            self.grad = out.data * out.grad")], ["test_value_graph"]),
    _mutant("exp_gradient_ignores_upstream", "exp's backward forgets to multiply by out.grad",
            V, [("            self.grad += out.data * out.grad", "            self.grad += out.data")], ["test_value_sanity", "test_value_graph"]),
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
            V, [("            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad", "            self.grad += out.grad")],
            ["test_value_sanity", "test_value_graph"]),
    _mutant("power_rule_off", "k * x**k instead of k * x**(k - 1)",
            V, [("            self.grad += k * self.data ** (k - 1) * out.grad", "            self.grad += k * self.data ** k * out.grad")],
            ["test_value_sanity"]),
    _mutant("mul_gradient_uses_own_data", "d(u*v)/du taken as u instead of v",
            V, [("            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
                 "            self.grad += self.data * out.grad\n            other.grad += other.data * out.grad")],
            ["test_value_sanity"]),
    _mutant("backward_resets_leaves", "backward zeroes every node, leaves too: a second backward does not accumulate",
            V, [("            if node._prev:\n                node.grad = 0.0", "            node.grad = 0.0")], ["test_value_graph"]),
    _mutant("softmax_without_max_subtraction", "exp of the raw values: OverflowError at 1000",
            "softmax_code", [("    exps = [(v - top).exp() for v in values]", "    exps = [v.exp() for v in values]")], ["test_softmax"]),
    _mutant("layer_unwraps_single_outputs", "the seed's Layer returns a bare Value when it has one neuron",
            "nn_code", [("        return [n(x) for n in self.neurons]", "        outs = [n(x) for n in self.neurons]\n        return outs[0] if len(outs) == 1 else outs")],
            ["test_mlp"]),
    _mutant("step_rebinds_instead_of_updating", "the seed's `p -= lr * p.grad`: builds new Values, the model's do not move",
            "train_code", [("        p.data -= lr * p.grad", "        p -= lr * p.grad")], ["test_training"]),
    _mutant("zero_grad_after_backward", "zero_grad between backward and the update: the step does nothing",
            "train_code", [("    model.zero_grad()\n    loss.backward()", "    loss.backward()\n    model.zero_grad()")], ["test_training"]),
]

DEMO = ["rsub_wrong_way_round", "step_rebinds_instead_of_updating"]
