"""The bridge (derivations/engine_bridge.py, python -m derivations check-engine): every proved
rule, as numbers, against the engine's .grad, without PyTorch, on every code path; and that it
fails when either side is wrong.
"""

import ast
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import derivations
from derivations import engine_bridge, losses, mlp
from derivations.__main__ import main
from derivations.core import Grad
from tests.suite_settings import PROFILE

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report():
    """Every check once (a few seconds); the thorough profile runs 100 shapes per chain."""
    if PROFILE == "thorough":
        return engine_bridge.check_engine(chain_shapes=100, seed=1)
    return engine_bridge.check_engine()


def _with_closed_form(derivation, wrt, closed_form):
    """The derivation with one gradient's closed form replaced (a seeded mistake)."""
    for i, g in enumerate(derivation.grads):
        if g.wrt == wrt:
            derivation.grads[i] = Grad(g.wrt, closed_form, "wrong", "wrong", g.shape,
                                       label=g.label)
            return derivation
    raise AssertionError(f"{derivation.name} has no gradient for {wrt}")


# --------------------------------------------------------------------------------------------
# Every rule, every path, both dtypes, and the counts say so
# --------------------------------------------------------------------------------------------

def test_every_proved_rule_agrees_with_the_engine(report):
    assert report.ok, "\n".join(report.lines())
    checked = [d.name for d in derivations.all_derivations() if d.kind != "learner"]
    assert sorted(report.counts) == sorted(checked)
    assert all(report.counts[name] > 0 for name in checked)


def test_a_report_with_a_derivation_never_checked_fails():
    assert not engine_bridge.Report(counts={"matmul": 3, "relu": 0}).ok
    assert not engine_bridge.Report(counts={}).ok


def _paths(report, name, dtype):
    return {path for (n, path, t), count in report.detail.items()
            if n == name and t == dtype and count > 0}


@pytest.mark.parametrize("dtype", engine_bridge.DTYPES)
def test_each_op_runs_on_its_code_paths_in_both_dtypes(report, dtype):
    """An op counts only if the paths its engine code has were run: a row of zeros fails."""
    wanted = {"matmul": {"2-D", "batched 3-D", "broadcast batch", "1-D A", "1-D B", "> 4096"},
              "linear": {"2-D", "batched 3-D", "1-D"},
              "softmax": {"2-D", "1-D", "batched 3-D", "> 4096"},
              "log_softmax": {"2-D", "1-D", "batched 3-D", "> 4096"},
              "add": {"2-D", "broadcast row", "broadcast column", "broadcast > 4096"},
              "sum": {"2-D", "1-D", "> 4096"}, "max": {"2-D", "1-D", "> 4096", "kink"}}
    for name in engine_bridge.ENTRYWISE:
        wanted.setdefault(name, set()).update({"2-D", "1-D", "batched 3-D", "> 4096",
                                               "> 4096 batched"})
    for name in engine_bridge.BROADCASTING:
        if name != "add":
            wanted[name].update({"broadcast row", "broadcast column", "broadcast (m,)"})
    for name in ("relu", "abs", "clamp", "maximum", "minimum", "min"):
        wanted.setdefault(name, set()).add("kink")
    for base in engine_bridge.ROW_LOSSES:
        for name in (base, base + "_sum"):
            wanted[name] = {"2-D", "1-D", "batched 3-D", "> 4096"}
    for base in engine_bridge.CLASS_LOSSES:
        for name in (base, base + "_sum"):
            wanted[name] = {"2-D", "> 4096"}
    for name, paths in wanted.items():
        missing = paths - _paths(report, name, dtype)
        assert not missing, f"{name} ({dtype}) never ran on: {sorted(missing)}"


def test_each_chain_runs_at_twenty_random_shapes_per_dtype(report):
    chains = [d.name for d in derivations.all_derivations() if d.kind == "chain"]
    assert len(chains) == 30
    for name in chains:
        for dtype in engine_bridge.DTYPES:
            assert report.detail.get((name, "chain", dtype), 0) >= 20, (name, dtype)
        assert report.detail.get((name, "chain > 4096", "float64"), 0) == 1
        if "_relu_" in name:
            assert report.detail.get((name, "chain kink", "float32"), 0) == 1


def test_targets_and_loss_weights_have_gradients_that_are_checked(report):
    for name in ("mse", "bce", "bce_with_logits", "mse_sum", "bce_sum",
                 "softmax_cross_entropy_soft"):
        assert "Y" in [g.wrt for g in derivations.get(name).grads], name
        assert report.counts[name] > 0
    weighted = derivations.get("bce_with_logits_weighted")
    assert [g.wrt for g in weighted.grads] == ["Z", "Y", "W", "P"]
    assert report.detail[("bce_with_logits_weighted", "broadcast W, P", "float32")] > 0


def test_every_backward_in_the_engine_is_checked_by_some_derivation():
    found = engine_bridge.backward_classes()
    # the scan finds rules in each file that has them, the hand-written BCE Functions included
    for cls in ("MatMul", "Relu", "MseLoss", "PowTensor", "Clamp", "Max", "IndexPut",
                "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits"):
        assert cls in found, f"{cls} not found by the scan: {sorted(found)}"
    assert engine_bridge.unchecked_backwards() == []


def test_a_new_backward_rule_without_a_derivation_is_reported(tmp_path):
    package = tmp_path / "tinygrad_edu"
    package.mkdir()
    (package / "extra.py").write_text(
        "class Softplus(Op):\n"
        "    @staticmethod\n"
        "    def backward(ctx, g):\n"
        "        return g\n", encoding="utf-8")
    assert [cls for cls, _ in engine_bridge.unchecked_backwards(package)] == ["Softplus"]


# --------------------------------------------------------------------------------------------
# It fails when the formula is wrong (the seeded scales) and when the engine is wrong
# --------------------------------------------------------------------------------------------

def test_seeded_wrong_scales_fail_the_bridge():
    n, o = derivations.core.n, derivations.core.o
    mse = losses.mse("mean")
    yhat, y = (op.symbol for op in mse.operands)
    wrong_mse = _with_closed_form(mse, "Yhat", 2 / (n * (n + 1)) * (yhat - y))
    third = _with_closed_form(losses.mse("mean"), "Yhat", sp.Rational(1, 3) * (yhat - y))
    chain = mlp.chain("relu", "softmax", "cross_entropy", "mean")
    wrong_chain = _with_closed_form(chain, "Z2", 1 / o * (mlp.Yhat - mlp.Y))
    for wrong in (wrong_mse, third, wrong_chain):
        report = engine_bridge.check_engine([wrong], chain_shapes=3)
        assert not report.ok and report.failures, wrong.name
        assert report.counts[wrong.name] > 0


def test_a_wrong_engine_rule_fails_the_bridge(monkeypatch):
    from tinygrad_edu import ops
    right = ops.MatMul.backward

    def sign_flipped_b(ctx, g):  # ∂L/∂B with its sign flipped
        ga, gb = right(ctx, g)
        return ga, (None if gb is None else -gb)  # (None: B's gradient not asked for)
    monkeypatch.setattr(ops.MatMul, "backward", staticmethod(sign_flipped_b))
    report = engine_bridge.check_engine(["matmul"])
    assert not report.ok
    assert all("∂L/∂B" in f for f in report.failures)


def test_each_rule_runs_with_some_inputs_frozen_and_each_loss_with_an_upstream_g(report):
    """Each input of a rule with several requires grad alone once (the rule reads
    needs_input_grad by position); each loss runs from backward(gradient=UPSTREAM)."""
    for d in derivations.all_derivations():
        if d.kind in ("chain", "learner"):
            continue
        for dtype in engine_bridge.DTYPES:
            ran = _paths(report, d.name, dtype)
            inputs = [op.name for op in d.operands if op.role == "input"]
            if len(inputs) > 1 and d.name != "where":
                assert {f"only {x} requires grad" for x in inputs} <= ran, (d.name, ran)
            if d.method == "loss":
                assert "upstream G ≠ 1" in ran, d.name
    for name, paths in {"matmul": {"1-D A · 1-D B", "batched A · 1-D B", "1-D A · batched B"},
                        "linear": {"batched 4-D"}, "pow": {"p = 1", "p = 0"},
                        "pow_tensor": {"kink"}, "index_put": {"create_graph", "negative key"},
                        "index": {"create_graph"}}.items():
        for dtype in engine_bridge.DTYPES:
            assert paths <= _paths(report, name, dtype), (name, dtype)


def _wrong_rule(monkeypatch, cls, wrong):
    """Replace cls.backward by wrong(right, ctx, g) (the engine's rule seeded with a fault)."""
    right = cls.backward
    monkeypatch.setattr(cls, "backward", staticmethod(lambda ctx, g: wrong(right, ctx, g)))


class _Swapped:
    """A ctx whose needs_input_grad has its first two entries swapped."""

    def __init__(self, ctx):
        self._ctx = ctx
        need = list(ctx.needs_input_grad)
        need[0], need[1] = need[1], need[0]
        self.needs_input_grad = tuple(need)

    def __getattr__(self, name):
        return getattr(self._ctx, name)


@pytest.mark.parametrize("names, cls_path", [
    (["div"], "ops.Div"), (["matmul"], "ops.MatMul"), (["linear"], "ops.Linear"),
    (["pow_tensor"], "more_ops.PowTensor"), (["index_put"], "more_ops.IndexPut"),
    (["bce_with_logits"], "nn.functional.BinaryCrossEntropyWithLogits")])
def test_a_rule_reading_needs_input_grad_out_of_order_fails(monkeypatch, names, cls_path):
    import importlib
    module, cls = cls_path.rsplit(".", 1)
    cls = getattr(importlib.import_module("tinygrad_edu." + module), cls)
    _wrong_rule(monkeypatch, cls, lambda right, ctx, g: right(_Swapped(ctx), g))
    report = engine_bridge.check_engine(names)
    assert not report.ok
    assert any("requires grad" in f for f in report.failures), report.failures[:3]


def test_a_loss_rule_dividing_by_its_upstream_g_fails(monkeypatch):
    from tinygrad_edu import ops

    def divided(right, ctx, g):  # G⁻¹ where G belongs: the same as G only when G = 1
        return tuple(None if x is None else x / (g * g) for x in right(ctx, g))
    _wrong_rule(monkeypatch, ops.MseLoss, divided)
    report = engine_bridge.check_engine(["mse"])
    assert report.failures
    assert all("upstream G ≠ 1" in f for f in report.failures), report.failures[:3]


def test_matmul_of_a_batch_and_a_vector_is_checked(monkeypatch):
    """A 1-D B beside a batched A: G's column axis put in the wrong place fails that path."""
    from tinygrad_edu import ops
    right = ops.unsqueeze

    def misplaced(x, axis):
        return right(x, 1) if axis == -1 and x.ndim == 2 else right(x, axis)
    monkeypatch.setattr(ops, "unsqueeze", misplaced)
    report = engine_bridge.check_engine(["matmul"])
    assert report.failures
    assert any("batched A · 1-D B" in f for f in report.failures), report.failures[:3]


def test_the_large_array_path_is_what_catches_a_wrong_large_array_path(monkeypatch):
    """A fault only in speedups.zero_where's bit-arithmetic branch (arrays over 4096 entries)
    fails relu's > 4096 checks and no other."""
    from tinygrad_edu import speedups
    right = speedups.zero_where

    def wrong_when_large(mask, g):
        out = right(mask, g)
        return out * 2 if g.size > speedups._WHERE_LIMIT else out
    monkeypatch.setattr(speedups, "zero_where", wrong_when_large)
    report = engine_bridge.check_engine(["relu"])
    assert report.failures
    assert all("> 4096" in f for f in report.failures), report.failures


# --------------------------------------------------------------------------------------------
# Imports: one bridge, imported lazily; no PyTorch; the engine never imports SymPy
# --------------------------------------------------------------------------------------------

def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top, inner = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""]
            (top if node in tree.body else inner).update(names)
    return top, inner


def test_only_the_bridge_imports_the_engine_and_only_inside_functions():
    for path in sorted((ROOT / "derivations").glob("*.py")):
        top, inner = _imports(path)
        engine = {m for m in top | inner if m.split(".")[0] == "tinygrad_edu"}
        if path.name == "engine_bridge.py":
            assert engine and not {m for m in top if m.startswith("tinygrad_edu")}
        else:
            assert not engine, f"{path.name} imports {engine}"


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, check=False)


def test_the_bridge_runs_without_pytorch_and_the_engine_without_sympy():
    code = ("import sys; sys.modules['torch'] = None\n"  # import torch now raises
            "import tinygrad_edu\n"
            "assert 'sympy' not in sys.modules, 'the engine imported SymPy'\n"
            "from derivations import engine_bridge\n"
            "r = engine_bridge.check_engine(['matmul', 'bce', 'mlp_relu_sigmoid_bce_mean'],"
            " chain_shapes=2)\n"
            "assert r.ok, r.lines()\n"
            "print(sum(r.counts.values()))")
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) > 20


def test_importing_the_proofs_does_not_import_the_engine():
    result = _run("import sys, derivations, derivations.engine_bridge\n"
                  "derivations.get('matmul').prove()\n"
                  "print('tinygrad_edu' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

def test_cli_check_engine(capsys):
    assert main(["check-engine", "relu", "mse"]) == 0
    out = capsys.readouterr().out
    assert "relu " in out and "> 4096" in out and "kink" in out
    assert "all agree" in out.strip().splitlines()[-1]
    assert max(len(line) for line in out.splitlines()) <= 100


def test_cli_check_engine_rejects_a_bad_count(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check-engine", "--chain-shapes", "0"])
    assert info.value.code == 2 and "at least 1" in capsys.readouterr().err


def test_close_measures_against_the_formula():
    f = np.array([1.0, -2.0, 0.0])
    assert engine_bridge.close(f + 1e-12, f, "float64") is None
    assert "1 of 3" in engine_bridge.close(f * [1, 1.001, 1], f, "float64")
    assert engine_bridge.close(f * [1, 1.00001, 1], f, "float32") is None
    assert "shape" in engine_bridge.close(f[:2], f, "float64")


# --------------------------------------------------------------------------------------------
# A learner's own Function against SymPy's derivative (derive … --function)
# --------------------------------------------------------------------------------------------

LEARNER_OPS = '''
import tinygrad_edu as torch


class ScaledTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = 2 * torch.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * (2 - out * out / 2)      # f' written through the output


class ForgotTheFactor(ScaledTanh):
    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * (1 - out * out / 4)      # tanh', not (2 tanh)'


class CubeRightOnlyForPositiveX(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * x * x.abs()           # 3x|x|: 3x² only where x >= 0


class Log(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.log()

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output / x
'''


@pytest.fixture(scope="module")
def learner_ops(tmp_path_factory):
    path = tmp_path_factory.mktemp("learner") / "my_ops.py"
    path.write_text(LEARNER_OPS, encoding="utf-8")
    namespace = {}
    exec(compile(LEARNER_OPS, str(path), "exec"), namespace)
    return path, namespace


def test_a_learners_right_backward_agrees_at_many_points(learner_ops):
    _, ops = learner_ops
    check = engine_bridge.check_function(ops["ScaledTanh"], "2*tanh(x)")
    assert check.ok, check.lines()
    assert check.points >= 1000 and check.low < -5 and check.high > 5
    positive = engine_bridge.check_function(ops["Log"], "log(x)")
    assert positive.ok and positive.low > 0, positive.lines()


@pytest.mark.parametrize("cls, formula, wrong", [
    ("ForgotTheFactor", "2*tanh(x)", "backward"),
    ("CubeRightOnlyForPositiveX", "x**3", "backward"),
    ("ScaledTanh", "3*tanh(x)", "forward"),  # the Function computes another f
])
def test_a_learners_wrong_function_is_caught(learner_ops, cls, formula, wrong):
    _, ops = learner_ops
    check = engine_bridge.check_function(ops[cls], formula)
    assert not check.ok
    problem = check.backward_problem if wrong == "backward" else check.forward_problem
    assert problem and "points" in problem


def test_cube_right_for_positive_x_fails_only_at_negative_points(learner_ops):
    _, ops = learner_ops
    check = engine_bridge.check_function(ops["CubeRightOnlyForPositiveX"], "x**3", points=400)
    bad = int(check.backward_problem.split(" of ")[0].split()[-1])
    negatives = int(np.sum(engine_bridge.domain_points("real", 400,
                                                       np.random.default_rng(0)) < 0))
    # the negative points disagree (but for one whose 6x²·|g| is under the 1e-9 tolerance),
    # and no other
    assert negatives - 2 <= bad <= negatives


def test_cli_elementwise_runs_the_learners_function(learner_ops, capsys):
    path, _ = learner_ops
    assert main(["elementwise", "2*tanh(x)", "--function", f"{path}:ScaledTanh"]) == 0
    out = capsys.readouterr().out
    assert "A.grad = G ⊙ f′(A) everywhere" in out and "2000 points" in out
    assert main(["elementwise", "2*tanh(x)", "--function", f"{path}:ForgotTheFactor",
                 "--points", "100"]) == 1
    assert "backward DIFFERS" in capsys.readouterr().out


@pytest.mark.parametrize("spec, message", [
    ("{path}:ScaledTanhh", "did you mean ScaledTanh"),
    ("nowhere.py:ScaledTanh", "no file"),
    ("{path}", "expected FILE.py:CLASS"),
])
def test_cli_elementwise_function_errors(learner_ops, capsys, spec, message):
    path, _ = learner_ops
    with pytest.raises(SystemExit) as info:
        main(["elementwise", "2*tanh(x)", "--function", spec.format(path=path)])
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_the_kink_convention_in_the_chain_is_what_the_engine_does():
    """relu′(0) = 0 is written into the chain as Heaviside(z, 0); with SymPy's default ½ the
    chain's kink checks (a row of Z₁ exactly 0) fail, and only those."""
    chain = mlp.chain("relu", "identity", "mse")
    x = sp.Symbol("x")
    chain.aux = [(symbol, mlp.Z1.applyfunc(sp.Lambda(x, sp.Heaviside(x, sp.Rational(1, 2))))
                  if str(symbol) == "M1" else expr, text) for symbol, expr, text in chain.aux]
    report = engine_bridge.check_engine([chain], chain_shapes=2)
    assert report.failures
    assert all("[chain kink" in failure for failure in report.failures), report.failures


# --------------------------------------------------------------------------------------------
# The compositions (tinygrad_edu.primitives.COMPOSITIONS): each on its paths, kinks included,
# and a wrong engine composition fails
# --------------------------------------------------------------------------------------------

def _declared_paths(d):
    """The paths check-engine generates for a composition: its proof cases as '2-D', the
    entrywise paths, its own extra paths and its kinks."""
    name = d.name
    paths = {"2-D"}
    if name in engine_bridge.ENTRYWISE:
        paths |= {"1-D", "batched 3-D", "> 4096", "> 4096 batched"}
    if name in engine_bridge.BROADCASTING:
        paths |= {"broadcast row", "broadcast column", "broadcast (m,)"}
    if name in engine_bridge.COMPOSITION_PATHS:
        rows = engine_bridge.COMPOSITION_PATHS[name](d, np.random.default_rng(0))
        assert rows, f"{name}: its path function yields no check"
        paths |= {path for path, *_ in rows}
    kinks = engine_bridge._composition_kinks(np.ones((1, 5)))
    if name in {row[0] for row in kinks}:
        paths.add("kink")
    return paths


@pytest.mark.parametrize("dtype", engine_bridge.DTYPES)
def test_every_composition_runs_every_path_it_declares(report, dtype):
    from tinygrad_edu.primitives import COMPOSITIONS
    built = {d.name: d for d in derivations.all_derivations(("compositions",))}
    for name in COMPOSITIONS:
        paths = _declared_paths(built[name])
        assert len(paths) >= 2 or name in ("nll_loss",), (name, paths)
        missing = paths - _paths(report, name, dtype)
        assert not missing, f"{name} ({dtype}) never ran on: {sorted(missing)}"
    ran = {path for (name, path, t) in report.detail if name in COMPOSITIONS and t == dtype}
    assert {"1-D", "batched 3-D", "> 4096", "kink", "broadcast row"} <= ran


def test_every_composition_kink_is_checked_in_both_dtypes(report):
    kinks = engine_bridge._composition_kinks(np.ones((1, 5)))
    assert len(kinks) >= 20
    for name in {row[0] for row in kinks}:
        for dtype in engine_bridge.DTYPES:
            assert report.detail.get((name, "kink", dtype), 0) > 0, (name, dtype)


def test_a_wrong_engine_composition_fails_the_bridge(monkeypatch):
    import tinygrad_edu.nn.functional as F
    from tinygrad_edu.tensor import Tensor
    right_elu, right_var = F._elu, Tensor.var
    monkeypatch.setattr(F, "_elu", lambda x, alpha, scale: right_elu(x, 1.0, scale))  # α lost
    report = engine_bridge.check_engine(["elu", "celu"])
    assert not report.ok and all(f.startswith(("elu", "celu")) for f in report.failures)

    def biased(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
        return right_var(self, dim, correction=0, keepdim=keepdim)
    monkeypatch.setattr(Tensor, "var", biased)  # 1/N for 1/(N − 1)
    report = engine_bridge.check_engine(["var"])
    assert not report.ok and report.failures


def test_a_wrong_kink_convention_in_the_engine_fails_at_the_kink_only(monkeypatch):
    """hardtanh written as clamp passes the gradient at ±1 (PyTorch's hardtanh does not): only
    the kink checks see it."""
    import tinygrad_edu.nn.functional as F
    monkeypatch.setattr(F, "hardtanh", lambda x, lo=-1.0, hi=1.0, inplace=False:
                        x.clamp(min=lo, max=hi))
    report = engine_bridge.check_engine(["hardtanh"])
    assert report.failures
    assert all("[kink" in f for f in report.failures), report.failures
