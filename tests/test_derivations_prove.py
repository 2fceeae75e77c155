"""derivations/: (i) every derivation proves; wrong rules do not; renderings, bad input, the
command line and docs/gradients.md.

Nothing is cached across runs: each test builds its derivations afresh.
"""

import re
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import derivations
from derivations import docs, elementwise, mlp
from derivations.__main__ import main
from derivations.core import Grad, clearly_nonzero, zero_method

from tests.suite_settings import PROFILE

DERIVATIONS = {d.name: d for d in derivations.all_derivations()}  # built once per run
NAMES = list(DERIVATIONS)
# Each chain's proof takes 1-3 s at n, d, h, o = 4, 5, 3, 2.  The quick profile proves one chain
# per (output, loss) pair, each pair with a different hidden activation and both reductions
# among them (python -m derivations prove and the thorough profile prove all 30; check-engine
# and tests/test_check_engine.py compare all 30 with the engine in either profile).
QUICK_CHAINS = ("mlp_relu_identity_mse_mean", "mlp_tanh_sigmoid_mse_sum",
                "mlp_sigmoid_sigmoid_bce_mean", "mlp_relu_softmax_mse_sum",
                "mlp_tanh_softmax_cross_entropy_mean")
PROVED = [name for name in NAMES if PROFILE == "thorough" or DERIVATIONS[name].kind != "chain"
          or name in QUICK_CHAINS]


# --------------------------------------------------------------------------------------------
# (i) every derivation proves, with an exact symbolic zero
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PROVED)
def test_derivation_proves(name):
    proof = DERIVATIONS[name].prove(thorough=PROFILE == "thorough")
    assert proof.ok, "\n".join([proof.line()] + proof.failures)
    assert proof.entries > 0
    assert "exact zero by" in proof.how and "nothing" not in proof.how


def test_quick_chains_are_real_chain_names():
    assert set(QUICK_CHAINS) <= set(NAMES)
    assert {DERIVATIONS[name].output + DERIVATIONS[name].loss_name for name in QUICK_CHAINS} \
        == {output + loss for output, loss in mlp.COMBINATIONS}


def test_every_single_op_proof_runs_three_shapes_with_distinct_dimensions():
    """Three cases at least, and in each matrix case the dimensions differ pairwise."""
    for d in DERIVATIONS.values():
        if d.kind in ("chain", "learner") or d.topic == "structural":
            continue
        cases = d.proof_cases()
        shapes = {tuple(sorted(c.dims.items())) or tuple(sorted(
            (k, tuple(v)) for k, v in c.shapes.items())) for c in cases}
        assert len(shapes) >= 3, f"{d.name}: {len(shapes)} distinct shapes"
        for case in cases:
            sizes = list(case.dims.values())
            assert len(set(sizes)) == len(sizes), f"{d.name} [{case.label}]: {case.dims}"
            for name, shape in case.shapes.items():
                assert len(set(shape)) == len(shape), f"{d.name} [{case.label}]: {name} {shape}"
        assert len(d.proof_cases(thorough=True)) > len(cases), d.name


def test_chains_are_proved_at_distinct_n_d_h_o():
    chain = mlp.chain("relu", "softmax", "cross_entropy")
    (case,) = chain.proof_cases()
    assert sorted(case.dims) == ["d", "h", "n", "o"]
    assert len(set(case.dims.values())) == 4 and min(case.dims.values()) >= 2
    assert len(chain.proof_cases(thorough=True)) == 2


@pytest.mark.parametrize("seeded", ["1/o for 1/n in softmax-CE", "2/(n(n+1)) for 2/(n·o)",
                                    "1/3 for 2/(n·o)", "1/3 for 1/n in cross-entropy"])
def test_seeded_wrong_scales_fail_their_proof(seeded):
    """The scales an audit slipped in: each passed the old single-size proofs."""
    n, o = derivations.core.n, derivations.core.o
    if seeded.startswith("1/o"):
        chain = mlp.chain("relu", "softmax", "cross_entropy", "mean")
        proof = _with_wrong_rule(chain, "Z2", (mlp.Yhat - mlp.Y) / o).prove()
    elif seeded.endswith("cross-entropy"):
        d = derivations.losses.cross_entropy("mean")
        yhat, y = (op.symbol for op in d.operands)
        wrong = -sp.Rational(1, 3) * sp.HadamardProduct(y, sp.HadamardPower(yhat, -1))
        proof = _with_wrong_rule(d, "Yhat", wrong).prove()
    else:
        d = derivations.losses.mse("mean")
        yhat, y = (op.symbol for op in d.operands)
        scale = 2 / (n * (n + 1)) if "n+1" in seeded else sp.Rational(1, 3)
        proof = _with_wrong_rule(d, "Yhat", scale * (yhat - y)).prove()
    assert not proof.ok and proof.failures


def test_the_sigmoid_derivative_the_chains_use_is_proved(monkeypatch):
    """The chain proofs differentiate an opaque σ through evaluate.sigmoid.fdiff; 'sigmoid'
    checks that fdiff against the definition, so a wrong one fails there."""
    from derivations import evaluate
    assert "sigmoid_lemma" in derivations.get("sigmoid").proof_plan()
    monkeypatch.setattr(evaluate.sigmoid, "fdiff", lambda self, argindex=1: evaluate.sigmoid(
        self.args[0]) * (1 + evaluate.sigmoid(self.args[0])))
    proof = elementwise.sigmoid_op().prove()
    assert not proof.ok and any("σ′ used by the chains" in f for f in proof.failures)


def test_registry_covers_every_topic_and_the_chains():
    ds = derivations.all_derivations()
    assert {d.topic for d in ds} == set(derivations.TOPICS)
    chains = [d for d in ds if d.kind == "chain"]
    assert len(chains) == len(mlp.HIDDEN) * len(mlp.COMBINATIONS) * len(mlp.REDUCTIONS) == 30
    for name in ("linear", "mse", "bce", "bce_with_logits", "softmax_cross_entropy",
                 "cross_entropy", "split", "scaled_tanh"):
        assert name in NAMES


# --------------------------------------------------------------------------------------------
# The proofs can fail: wrong rules are caught
# --------------------------------------------------------------------------------------------

def _with_wrong_rule(derivation, wrt, closed_form):
    for i, g in enumerate(derivation.grads):
        if g.wrt == wrt:
            derivation.grads[i] = Grad(g.wrt, closed_form, "wrong", "wrong", g.shape,
                                       label=g.label)
    return derivation


def test_a_wrong_elementwise_rule_fails():
    d = elementwise.tanh()
    x = sp.Symbol("x")
    wrong = sp.HadamardProduct(elementwise.G, elementwise.A.applyfunc(
        sp.Lambda(x, 1 + sp.tanh(x) ** 2)))
    proof = _with_wrong_rule(d, "A", wrong).prove()
    assert not proof.ok and "∂L/∂A" in proof.failures[0]


def test_matmul_rules_are_checked_by_value_and_by_shape():
    d = derivations.linalg.matmul()
    A, B, G = (op.symbol for op in d.operands)
    assert _with_wrong_rule(d, "B", (G.T * A).T).prove().ok  # (Gᵀ A)ᵀ = Aᵀ G: same rule
    proof = _with_wrong_rule(derivations.linalg.matmul(), "A", G * B).prove()
    assert not proof.ok and "ValueError" in proof.failures[0]  # G B is not n×k
    proof = _with_wrong_rule(derivations.linalg.matmul(), "B", A.T * G.T.T.T.T).prove()
    assert proof.ok  # Gᵀᵀᵀᵀ = G
    square = derivations.linalg.matmul()
    square.cases[0].dims.update(n=3, k=3, m=3)  # square: a transpose is caught by value
    assert not _with_wrong_rule(square, "B", G.T * A).prove().ok


def test_a_wrong_adjoint_fails():
    d = derivations.structural.permute()
    from derivations.evaluate import Reshaped
    A, G = (op.symbol for op in d.operands)
    proof = _with_wrong_rule(d, "A", Reshaped(G, A)).prove()  # reshape is not a transpose
    assert not proof.ok


def test_a_wrong_chain_step_fails_and_names_the_step():
    chain = mlp.chain("tanh", "identity", "mse")
    dH1 = chain.grad("H1").closed_form
    wrong = sp.HadamardProduct(dH1, mlp.H1).T * mlp.X  # tanh′ replaced by tanh
    proof = _with_wrong_rule(chain, "W1", wrong).prove()
    assert not proof.ok
    assert all("∂L/∂W₁" in f for f in proof.failures)


def test_a_wrong_scale_in_a_loss_fails():
    d = derivations.losses.mse("mean")
    yhat, y = (op.symbol for op in d.operands)
    proof = _with_wrong_rule(d, "Yhat", 2 * (yhat - y) / derivations.core.n).prove()
    assert not proof.ok  # 2/n instead of 2/(n·o)


def test_zero_method_is_exact():
    x, y = sp.symbols("x y")
    assert zero_method((x + y) ** 2 - x ** 2 - 2 * x * y - y ** 2) == "expand"
    assert zero_method(x / (x + y) + y / (x + y) - 1) == "rational"
    assert zero_method(sp.Float("1e-30") * x) is None  # tiny is not zero
    assert zero_method(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1) == "simplify"
    assert clearly_nonzero(x - x ** 2) and not clearly_nonzero((x + y) ** 2 - x ** 2 - 2 * x
                                                                * y - y ** 2)
    assert not clearly_nonzero(sp.exp(x) * sp.exp(-x) - 1)  # 0 at 30 digits is not refuted


# --------------------------------------------------------------------------------------------
# Derivation: renderings, shapes, a learner's function
# --------------------------------------------------------------------------------------------

def test_renderings_are_textbook_not_sympy():
    d = derivations.get("linear")
    text = d.unicode()
    for piece in ("Z = X Wᵀ + 𝟏 bᵀ", "∂L/∂W = Gᵀ X", "∂L/∂b = Gᵀ 𝟏", "o×d"):
        assert piece in text
    assert r"G^\top \mathbf{1}" in d.latex()
    assert d.sympy_latex()["∂L/∂b"] == "G^{T} 1"  # SymPy's bare 1: why the hand-written one
    relu = derivations.get("relu")
    assert "[A > 0]" in relu.unicode() and "mapsto" not in relu.latex()
    assert "mapsto" in relu.sympy_latex()["∂L/∂A"]
    assert "σ′" in derivations.get("sigmoid").unicode()


def test_shapes_are_stated():
    d = derivations.get("matmul")
    assert d.shapes == {"A": "n×k", "B": "k×m", "G": "n×m", "out": "n×m",
                        "∂L/∂A": "n×k", "∂L/∂B": "k×m"}
    chain = mlp.chain("relu", "identity", "mse")
    assert chain.shapes["∂L/∂W₂"] == "o×h" and chain.shapes["∂L/∂b₁"] == "h"


def test_derive_a_learners_function():
    x = sp.Symbol("x")
    d = elementwise.derive("scaled_tanh", 2 * sp.tanh(x))
    from_string = elementwise.derive("scaled_tanh", "2*tanh(x)")
    assert sp.simplify(d.derivative - (2 - 2 * sp.tanh(x) ** 2)) == 0
    assert sp.simplify(from_string.derivative - d.derivative) == 0
    assert d.prove().ok and d.kind == "learner"
    a, g = np.array([[0.3, -1.2]]), np.array([[1.0, 2.0]])
    expected = g * 2 * (1 - np.tanh(a) ** 2)  # by hand: (2 tanh)′ = 2 (1 − tanh²)
    np.testing.assert_allclose(d.numpy(A=a, G=g)["A"], expected, rtol=1e-14)
    other = elementwise.derive("mine", "log(u) + sigmoid(u)")  # any one variable; σ known
    assert other.operands[0].domain == "positive" and other.prove().ok


@pytest.mark.parametrize("bad, message", [
    ("x*y", "exactly one variable"),
    ("3", "exactly one variable"),
    ("max(x, 0)", "kinks"),
    ("abs(x)", "kinks"),
    ("2*tanh(x", "cannot read"),
    (42, "expected a SymPy expression or a string"),
])
def test_derive_refuses_bad_input(bad, message):
    with pytest.raises(derivations.DerivationError, match=re.escape(message)):
        elementwise.derive("f", bad)


def test_numpy_form_names_missing_operands_and_shape_mismatches():
    d = derivations.get("matmul")
    with pytest.raises(derivations.DerivationError, match="missing operand B"):
        d.numpy(A=np.ones((2, 3)), G=np.ones((2, 4)))
    with pytest.raises(ValueError, match="dimension k is 3 .* but 5 from B"):
        d.numpy(A=np.ones((2, 3)), B=np.ones((5, 4)), G=np.ones((2, 4)))


# --------------------------------------------------------------------------------------------
# The MLP chain: names, refusals, steps
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, listed", [
    ({"hidden": "gelu"}, "relu, tanh, sigmoid"),
    ({"output": "tanh"}, "identity, sigmoid, softmax"),
    ({"loss": "hinge"}, "mse, bce, cross_entropy"),
    ({"reduction": "max"}, "mean, sum"),
])
def test_unknown_names_list_the_valid_ones(kwargs, listed):
    with pytest.raises(derivations.DerivationError, match=re.escape(listed)):
        mlp.chain(**kwargs)


@pytest.mark.parametrize("output, loss, why", [
    ("identity", "bce", "probabilities in (0, 1)"),
    ("softmax", "bce", "yes/no"),
    ("sigmoid", "cross_entropy", "do not sum to 1"),
    ("sigmoid", "cross-entropy", "do not sum to 1"),
])
def test_refused_combinations_say_why(output, loss, why):
    with pytest.raises(derivations.DerivationError, match="refused") as info:
        mlp.chain("relu", output, loss)
    assert why in str(info.value)


def test_chain_steps_name_their_rules_and_shapes():
    chain = mlp.chain("sigmoid", "softmax", "cross-entropy", "sum")
    quantities = [g.quantity for g in chain.grads]
    assert quantities == ["∂L/∂Ŷ", "∂L/∂Z₂", "∂L/∂W₂", "∂L/∂b₂", "∂L/∂H₁", "∂L/∂Z₁",
                          "∂L/∂W₁", "∂L/∂b₁"]
    assert [g.shape for g in chain.grads] == ["n×o", "n×o", "o×h", "o", "n×h", "n×h", "h×d", "h"]
    assert all(g.rule for g in chain.grads)
    assert "softmax" in chain.grad("Z2").rule and "sums to 1" in chain.grad("Z2").rule
    assert chain.grad("Z2").expanded_unicode == "(Ŷ − Y)"
    text = chain.unicode()
    assert "∂L/∂W₂ = ∂L/∂ŷ · ∂ŷ/∂z₂ · h₁ᵀ" in text and "(∂L/∂Z₂)ᵀ H₁" in text


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

def test_cli_mlp(capsys):
    assert main(["mlp", "--hidden", "relu", "--output", "identity", "--loss", "mse"]) == 0
    out = capsys.readouterr().out
    for i in range(1, 9):
        assert f"  {i}. " in out
    assert "rule: relu" in out and "(o×h)" in out and "column form" in out
    assert main(["mlp", "--hidden", "tanh", "--output", "softmax", "--loss", "cross-entropy",
                 "--latex"]) == 0
    assert r"\frac{\partial L}{\partial W_2}" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["mlp", "--hidden", "gelu"], "valid: relu, tanh, sigmoid"),
    (["mlp", "--output", "identity", "--loss", "bce"], "refused"),
    (["show", "nope"], "unknown derivation 'nope'"),
])
def test_cli_errors(capsys, argv, message):
    """More bad arguments: tests/test_cli_derivations.py."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_cli_ops_lists_every_primitive_rule(capsys):
    assert main(["ops"]) == 0
    out = capsys.readouterr().out
    for d in derivations.ops():
        assert f"{d.name} — " in out
    assert "no gradient" in out and "argmax" in out


def test_cli_prove_prints_one_line_per_derivation(capsys):
    assert main(["prove", "matmul", "relu", "index"]) == 0
    lines = capsys.readouterr().out.strip().split("\n")
    assert len(lines) == 4 and all("proved" in line for line in lines)
    assert lines[-1].startswith("all 3 derivations proved")


def test_cli_elementwise(capsys):
    assert main(["elementwise", "2*tanh(x)", "--name", "scaled_tanh"]) == 0
    out = capsys.readouterr().out
    assert "f′(x) = 2 - 2*tanh(x)**2" in out and "proved" in out


def test_cli_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "derivations", "show", "matmul"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "∂L/∂A = G Bᵀ" in result.stdout


# --------------------------------------------------------------------------------------------
# docs/gradients.md
# --------------------------------------------------------------------------------------------

def test_docs_are_current():
    assert docs.is_current(), "docs/gradients.md is out of date: run python -m derivations docs"


def test_docs_math_is_plain_latex():
    text = docs.render()
    blocks = re.findall(r"```math\n(.*?)\n```", text, flags=re.DOTALL)
    inline = re.findall(r"\$`(.*?)`\$", text)
    assert len(blocks) > 100
    for math in blocks + inline:
        assert math.isascii(), f"non-ASCII inside math: {math[:80]}"
        assert math.count("{") == math.count("}"), f"unbalanced braces: {math[:80]}"
        assert math.count(r"\left") == math.count(r"\right"), f"unbalanced \\left: {math[:80]}"
    for d in derivations.all_derivations():
        assert f"`{d.name}`" in text
