"""The static reader (``autograder.advice``): advice for the instructor, never a verdict.

Honest code draws no advice at all (every idiom an honest student was once zeroed for, every
lesson's solution, release, mutant and fairness case); code worth a look does; a cell the
reader cannot follow is reported, never raised.
"""
from __future__ import annotations

import pytest

from autograder import advice, notebooks
from autograder.limits import Limits
from autograder.workspace import REPO
from tests import mutant
from tests.lessons import ASSIGNMENTS

IMPORTED = {"torch": "torch", "np": "numpy", "checks": "course.checks", "math": "math", "F": "torch.nn.functional",
            "nn": "torch.nn"}


def reasons(code: str) -> list[str]:
    return [r for _, r in advice.read_cell(code, IMPORTED, Limits())]


HONEST = {
    "collections_abc": "from collections.abc import Sequence\ndef f(xs: Sequence[float]) -> float:\n    return sum(xs)",
    "config_magic": "%config InlineBackend.figure_format = 'retina'",
    "matplotlib_magic": "%matplotlib inline",
    "pip_magic": "%pip install tqdm",
    "timeit_magic": "%timeit sum(range(10))",
    "getattr_dispatch": "def act(name, x):\n    return getattr(torch, name)(x)",
    "setattr_helper": "class Layer:\n    def set(self, name, value):\n        setattr(self, name, value)",
    "cudnn_flag": "torch.backends.cudnn.deterministic = True\ntorch.backends.cudnn.benchmark = False",
    "star_import": "from math import *\ny = sqrt(2.0)",
    "len_of_a_pair": "class Pair:\n    def __init__(self, a, b):\n        self.a, self.b = a, b\n    def __len__(self):\n        return 2",
    "inspect_debugging": "import inspect\nprint(inspect.getsource(len) if False else inspect.signature(print))",
    "vars_self": "class Module:\n    def parameters(self):\n        return [v for v in vars(self).values()]",
    "dict_self": "class Module:\n    def parameters(self):\n        return list(self.__dict__.values())",
    "local_F": "def loss(pred, target):\n    F = pred - target\n    return (F * F).mean()",
    "local_N": "def mean(xs):\n    N = len(xs)\n    return sum(xs) / N",
    "own_checks_name": "def run(tests):\n    checks = [t() for t in tests]\n    return all(checks)",
    "ipython_display": "from IPython.display import display, Markdown\ndisplay(Markdown('**hi**'))",
    "seed_setting": "torch.manual_seed(0)\nnp.random.seed(0)",
    "torch_grad_attr": "x = torch.zeros(3)\nx.grad = None\nmodel_weight = torch.randn(2)",
    "eq_comparing": "class V:\n    def __eq__(self, other):\n        return self.data == other.data",
    "not_implemented_eq": "class V:\n    def __eq__(self, other):\n        return NotImplemented",
    "sys_recursion": "import sys\nsys.setrecursionlimit(5000)",
    "time_and_warnings": "import time, warnings\nwarnings.warn('slow')\nt0 = time.perf_counter()",
    "syntax_error": "def f(:\n    pass",
}

SUSPICIOUS = {
    "patch_allclose": "torch.allclose = lambda *a, **k: True",
    "patch_checks": "checks.check_tensor = lambda *a, **k: None",
    "setattr_on_module": "setattr(checks, 'check_float', print)",
    "patch_tensor_eq": "torch.Tensor.__eq__ = lambda s, o: True",
    "builtins": "import builtins\nbuiltins.isinstance = lambda *a: True",
    "exec": "exec('x = 1')",
    "eval": "y = eval('1 + 1')",
    "dunder_import": "m = __import__('os')",
    "custom_exc": "get_ipython().set_custom_exc((Exception,), print)",
    "events": "get_ipython().events.register('pre_run_cell', print)",
    "transformers": "get_ipython().input_transformers_cleanup.append(lambda lines: lines)",
    "kernel_handlers": "k = get_ipython().kernel",
    "settrace": "import sys\nsys.settrace(print)",
    "sys_modules": "import sys\nsys.modules['course.checks'] = None",
    "code_swap": "def f():\n    pass\nchecks.check_float.__code__ = f.__code__",
    "frames": "import sys\nframe = sys._getframe().f_back.f_globals",
    "subclasses": "().__class__.__bases__[0].__subclasses__()",
    "constant_eq": "class A:\n    def __eq__(self, other):\n        return True",
    "instancecheck": "class Meta(type):\n    def __instancecheck__(cls, obj):\n        return True",
    "ctypes": "import ctypes",
    "subprocess": "import subprocess\nsubprocess.run(['ls'])",
    "os_system": "import os\nos.system('ls')",
    "shell_escape": "!ls /",
    "run_magic": "%run other.py",
    "bash_magic": "%%bash\nls /",
    "pickle_code": "import pickle\nf = pickle.loads(b'...')",
    "torch_function_mode": "from torch.overrides import TorchFunctionMode\nclass M(TorchFunctionMode):\n    pass",
    "torch_library": "import torch.library",
    "torch_C": "torch._C._set_grad_enabled(False)\nimport torch._C",
    "course_probing": "from course import probing\nprobing._mode = 'whole'",
    "torch_function_hook": "class T(torch.Tensor):\n    @classmethod\n    def __torch_function__(cls, func, types, args=(), kwargs=None):\n        return 0",
    "class_assignment": "x.__class__ = float",
}


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_idioms_draw_no_advice(name):
    assert not reasons(HONEST[name]), f"{name}: {reasons(HONEST[name])}"


@pytest.mark.parametrize("name", sorted(SUSPICIOUS))
def test_code_worth_a_look_draws_advice(name):
    assert reasons(SUSPICIOUS[name]), f"{name} drew no advice: {SUSPICIOUS[name]!r}"


def _class(assignment: str):
    (src,) = notebooks.notebook_paths(REPO / "source", assignment)
    (rel,) = notebooks.notebook_paths(REPO / "release", assignment)
    source, release = notebooks.read(src), notebooks.read(rel)
    yield "solution", notebooks.solved_copy(release, source)
    yield "release", release
    for m in mutant.load(assignment).MUTANTS:
        yield m.name, mutant.submission(release, source, [m])
    for v in mutant.variants(assignment):
        yield v.name, mutant.variant_submission(release, source, v)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_lesson_solution_mutant_or_variant_draws_advice(assignment):
    found = {name: [str(a) for a in advice.read(nb)] for name, nb in _class(assignment)}
    found = {k: v for k, v in found.items() if v}
    assert not found, f"advice on honest code: {found}"


def test_the_reader_is_bounded_and_says_what_it_did_not_read():
    deep = "x = " + "(" * 180 + "1" + ")" * 180
    chain = "x = " + " + ".join(["a"] * 50_000)
    nested = "x = " + "[" * 300 + "]" * 300
    for code in (deep, chain, nested, "y = 1\n" * 60_000):
        got = reasons(code)  # never raises
        assert got == [] or any("not read" in r or "could not parse" in r or "too deeply" in r for r in got), got
    assert any("not read" in r for r in reasons("#" * 300_000))


IN_A_SOLUTION = {  # each idiom in a cell of an otherwise correct solution of lesson 05
    "collections_abc": HONEST["collections_abc"],
    "config_magic": HONEST["config_magic"],
    "pip_magic": "%pip install --no-index --quiet tqdm",
    "getattr_dispatch": HONEST["getattr_dispatch"] + "\nprint(act('exp', torch.zeros(1)))",
    "setattr_helper": HONEST["setattr_helper"] + "\nLayer().set('w', 1)",
    "cudnn_flag": HONEST["cudnn_flag"],
    "star_import": HONEST["star_import"],
    "len_of_a_pair": HONEST["len_of_a_pair"] + "\nprint(len(Pair(1, 2)))",
    "inspect_debugging": "import inspect\nprint(inspect.signature(softmax))",
    "vars_self": HONEST["vars_self"] + "\nprint(Module().parameters())",
    "dict_self": HONEST["dict_self"],
    "local_F": HONEST["local_F"] + "\nprint(loss(torch.ones(2), torch.zeros(2)))",
    "local_N": HONEST["local_N"],
}


@pytest.mark.slow
def test_each_honest_idiom_in_a_correct_solution_gets_full_marks_and_no_advice(tmp_path):
    from nbformat.v4 import new_code_cell

    from tests.test_grader import FULL, RELEASE, SOURCE, auto, course, results, tree

    class_ = {}
    for name, code in IN_A_SOLUTION.items():
        nb = notebooks.solved_copy(RELEASE, SOURCE)
        index = next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == "softmax_code")
        nb.cells.insert(index + 1, new_code_cell(code))
        class_[name.replace("_", "-")] = nb
    out = tmp_path / "out"
    proc = course("grade", str(tree(tmp_path / "submitted", class_)), "--out", str(out), "--jobs", "2", "--no-gradebook", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {s: (auto(r), r["advice"]) for s, r in results(out).items()}
    wrong = {s: v for s, v in got.items() if v != (FULL, [])}
    assert len(got) == len(IN_A_SOLUTION) and not wrong, wrong
