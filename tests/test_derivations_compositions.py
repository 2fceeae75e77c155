"""derivations/compositions.py: a proved closed form for every name in
tinygrad_edu.primitives.COMPOSITIONS (issues 13 and 15); seeded wrong forms fail their proofs;
each kink convention written into a derivation is PyTorch's.

Each derivation's proof runs in tests/test_derivations_prove.py (every derivation), its engine
checks in tests/test_check_engine.py (python -m derivations check-engine).
"""

import inspect

import numpy as np
import pytest
import sympy as sp
import torch
import torch.nn.functional as TF

import derivations
from derivations import compositions, engine_bridge, registry
from derivations.core import Grad
from derivations.evaluate import Unreduce
from derivations.reductions import UnreduceMean
from tinygrad_edu import rule_texts as engine_rules
from tinygrad_edu.primitives import COMPOSITIONS, PRIMITIVES

BY_NAME = {d.name: d for d in compositions.derivations()}


def test_every_composition_has_a_derivation_of_its_name():
    assert list(BY_NAME) == list(COMPOSITIONS)
    for name, d in BY_NAME.items():
        assert (d.kind, d.topic) == ("composition", "compositions"), name
        assert name not in PRIMITIVES
    assert "compositions" in registry.TOPICS
    assert [d.name for d in registry.all_derivations(("compositions",))] == list(COMPOSITIONS)
    assert registry.get("layer_norm").kind == "composition"


def test_every_composition_proof_runs_on_pieces_at_its_kinks():
    """The piecewise forwards are proved on each side of every kink, not at one point."""
    for name in ("leaky_relu", "hardtanh", "relu6", "elu", "selu", "celu", "softplus",
                 "softsign", "hardsigmoid", "hardswish", "threshold", "prelu", "amax", "amin",
                 "norm", "l1_loss", "smooth_l1_loss", "huber_loss"):
        pieces = {p.label for c in BY_NAME[name].cases for p in c.pieces}
        assert len(pieces) >= 2, (name, pieces)


def test_compositions_stay_out_of_the_engines_rule_table():
    """viz.trace_backward draws recorded nodes, which are primitives: the generated table
    (held current by tests/test_rule_texts.py) has the primitives' rules only."""
    assert not set(engine_rules.RULES) & set(COMPOSITIONS)
    assert "kind == \"op\"" in inspect.getsource(registry.ops)


# --------------------------------------------------------------------------------------------
# Seeded wrong closed forms fail their proofs
# --------------------------------------------------------------------------------------------

def _with_closed_form(d, wrt, closed_form):
    for i, g in enumerate(d.grads):
        if g.wrt == wrt:
            d.grads[i] = Grad(g.wrt, closed_form, "wrong", "wrong", g.shape)
            return d
    raise AssertionError(f"{d.name} has no gradient for {wrt}")


def _var_over_n():
    """var's rule with 1/N (the biased variance's) for 1/(N − correction), on its first case
    (correction = 1)."""
    d = compositions.var()
    d.cases = d.cases[:1]
    return _with_closed_form(d, "A", 2 * sp.HadamardProduct(
        UnreduceMean(compositions.RG, compositions.RA), compositions.Centered(compositions.RA)))


def _elu_without_alpha():
    """elu′ = 1 or eˣ: α dropped from the negative side."""
    d = compositions.elu()
    x = compositions.x
    return _with_closed_form(d, "A", sp.HadamardProduct(compositions.G, compositions.A.applyfunc(
        sp.Lambda(x, sp.Heaviside(x, 0) + sp.exp(x) * sp.Heaviside(-x, 1)))))


def _layer_norm_two_terms():
    """layer_norm's rule without its third term (−X̂ ⊙ mean(Ĝ ⊙ X̂))."""
    d = compositions.layer_norm()
    sigma = d.aux[0][0]
    g, w = d.operand("G").symbol, d.operand("W").symbol
    g_hat = sp.HadamardProduct(g, sp.OneMatrix(g.shape[0], 1) * w.T)
    return _with_closed_form(d, "X", sp.HadamardProduct(
        sp.HadamardPower(sigma, -1), g_hat - compositions.DimMean(g_hat)))


def _smooth_l1_without_beta():
    """smooth_l1's inside slope d for d/β: right at β = 1 (the first case), wrong at ½ and 2."""
    d = compositions.smooth_l1_loss()
    x, w = compositions.x, sp.Symbol("beta", positive=True)
    phi = sp.Lambda(x, x * sp.Heaviside(w - sp.Abs(x), 0)
                    + sp.sign(x) * sp.Heaviside(sp.Abs(x) - w, 1))
    return _with_closed_form(d, "X", compositions.Reduced(
        (compositions.LX - compositions.LY).applyfunc(phi)))


def _logsumexp_unscaled():
    """logsumexp's rule as G put back along dim, softmax forgotten."""
    d = compositions.logsumexp()
    return _with_closed_form(d, "A", Unreduce(compositions.RG, compositions.RA))


def test_a_width_of_one_cannot_see_a_missing_beta():
    """Why smooth_l1 and huber are proved at three widths: at β = 1 alone d/β = d."""
    d = _smooth_l1_without_beta()
    d.cases = d.cases[:1]
    assert d.prove().ok


@pytest.mark.parametrize("build", [_var_over_n, _elu_without_alpha, _layer_norm_two_terms,
                                   _smooth_l1_without_beta, _logsumexp_unscaled],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_seeded_wrong_closed_form_fails_its_proof(build):
    proof = build().prove()
    assert not proof.ok and proof.failures
    assert all("differs" in f or "Error" in f for f in proof.failures)


# --------------------------------------------------------------------------------------------
# Kink conventions: the derivation's numbers at each kink are PyTorch's
# --------------------------------------------------------------------------------------------

def _t(params, key):
    return float(params[key])


TORCH = {
    "leaky_relu": lambda T, p: TF.leaky_relu(T["A"], _t(p, "negative_slope")),
    "hardtanh": lambda T, p: TF.hardtanh(T["A"], _t(p, "min_val"), _t(p, "max_val")),
    "relu6": lambda T, p: TF.relu6(T["A"]),
    "elu": lambda T, p: TF.elu(T["A"], _t(p, "alpha")),
    "celu": lambda T, p: TF.celu(T["A"], _t(p, "alpha")),
    "selu": lambda T, p: TF.selu(T["A"]),
    "threshold": lambda T, p: TF.threshold(T["A"], _t(p, "threshold"), _t(p, "value")),
    "softplus": lambda T, p: TF.softplus(T["A"], _t(p, "beta"), _t(p, "threshold")),
    "hardsigmoid": lambda T, p: TF.hardsigmoid(T["A"]),
    "hardswish": lambda T, p: TF.hardswish(T["A"]),
    "softsign": lambda T, p: TF.softsign(T["A"]),
    "prelu": lambda T, p: TF.prelu(T["A"], T["W"]),
    "l1_loss": lambda T, p: TF.l1_loss(T["X"], T["Y"], reduction=p["reduction"]),
    "smooth_l1_loss": lambda T, p: TF.smooth_l1_loss(T["X"], T["Y"], reduction=p["reduction"],
                                                     beta=_t(p, "beta")),
    "huber_loss": lambda T, p: TF.huber_loss(T["X"], T["Y"], reduction=p["reduction"],
                                             delta=_t(p, "delta")),
    "amax": lambda T, p: T["A"].amax(() if p["dim"] is None else p["dim"], p["keepdim"]),
    "amin": lambda T, p: T["A"].amin(() if p["dim"] is None else p["dim"], p["keepdim"]),
    "norm": lambda T, p: torch.linalg.vector_norm(T["A"], p["p"], p["dim"], p["keepdim"]),
    "std": lambda T, p: T["A"].std(p["dim"], correction=p["correction"], keepdim=p["keepdim"]),
    "prod": lambda T, p: T["A"].prod() if p["dim"] is None else T["A"].prod(p["dim"],
                                                                             p["keepdim"]),
}

KINKS = engine_bridge._composition_kinks(np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]))


def test_every_kink_row_has_a_pytorch_reference():
    assert {name for name, _, _ in KINKS} == set(TORCH)


@pytest.mark.parametrize("name, arrays, params", KINKS,
                         ids=[f"{row[0]}-{i}" for i, row in enumerate(KINKS)])
def test_the_kink_convention_is_pytorchs(name, arrays, params):
    d = BY_NAME[name]
    inputs = [g.wrt for g in d.grads]
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k in inputs)
               for k, v in arrays.items() if k != "G"}
    out = TORCH[name](tensors, params)
    if d.method == "loss":
        out.backward()
    else:
        (out * torch.tensor(arrays["G"], dtype=torch.float64)).sum().backward()
    formula = d.numpy(**arrays, **params)
    for k in inputs:  # rtol: PyTorch's hardsigmoid uses 1/6 rounded to float32
        np.testing.assert_allclose(formula[k], tensors[k].grad.numpy(), rtol=1e-7, atol=1e-12,
                                   err_msg=f"{name}: ∂L/∂{k} at the kink")


def test_kl_div_target_gradient_at_zero_is_said_to_be_nan_as_pytorchs():
    """Where Y = 0 ∂L/∂Y is NaN, in PyTorch and the engine alike: outside the proof (on
    Y > 0), and said so in the derivation's notes."""
    (note,) = [n for n in derivations.get("kl_div").notes if "Y = 0" in n]
    assert "NaN" in note and "as in PyTorch" in note
