"""derivations/second_order.py (issue 16): each closed form is proved against SymPy
differentiating the forward twice, a wrong scale fails its proof, and the engine's second
derivatives (autograd.grad twice, autograd.functional.hessian) equal each closed form."""

import numpy as np
import pytest
import sympy as sp

import tinygrad_edu as tg
from derivations import second_order as so
from tinygrad_edu.autograd.functional import hessian

F = tg.nn.functional


def test_every_closed_form_is_proved():
    assert len(so.ELEMENTWISE_ITEMS) >= 11 and len(so.HESSIANS) == 4
    counts = {name: so.prove(item) for name, item in so.ALL.items()}
    assert all(count > 0 for count in counts.values())
    assert counts["mse_weight_matrix"] >= 3 * 8  # three sizes, every entry of each Hessian


@pytest.mark.parametrize("check", [
    # the seeded wrong scales: each must fail its proof at the sizes used
    so._mse_linear_check([(3, 2), (4, 3)], lambda X, n: sp.Rational(2, n + 1) * X.T * X),
    so._mse_linear_check([(3, 2), (4, 3)], lambda X, n: sp.Rational(2, 3) * X.T * X),
    so._mse_weight_matrix_check(so.WEIGHT_SIZES, lambda n, o: sp.Rational(2, n * (n + 1))),
    so._mse_weight_matrix_check(so.WEIGHT_SIZES, lambda n, o: sp.Rational(2, n)),
    so._softmax_ce_check([(2, 3)], lambda n, c: sp.Rational(1, c)),
    so._seed_w2_check([(4, 2, 3, 1)], lambda n, o: sp.Rational(1, n * o)),
    so._seed_w2_check([(5, 3, 2, 4)], lambda n, o: sp.Rational(2, n)),
], ids=["mse 2/(n+1)", "mse 2/3", "weights 2/(n(n+1))", "weights 2/n", "softmax 1/C",
        "seed 1/n", "seed 2/n for 2/(n·o)"])
def test_a_wrong_scale_fails_its_proof(check):
    with pytest.raises(AssertionError, match="differ from the closed form"):
        check()


def test_a_wrong_elementwise_second_derivative_fails_its_proof(monkeypatch):
    forward, _, statement, np_f2 = so.ELEMENTWISE["tanh"]
    monkeypatch.setitem(so.ELEMENTWISE, "tanh", (forward, 2 * sp.tanh(so.x) * (1 - sp.tanh(so.x)
                                                                            ** 2), statement,
                                                 np_f2))
    with pytest.raises(AssertionError, match="tanh: f″ by hand"):
        so._elementwise_check("tanh")()


# ---------------------------------------------------------------------------------------------
# The engine against each closed form
# ---------------------------------------------------------------------------------------------

RNG = np.random.default_rng(16)
POINTS = {"log": RNG.uniform(0.2, 3, 7), "sqrt": RNG.uniform(0.2, 3, 7),
          "pow-0.5": RNG.uniform(0.2, 3, 7), "relu": np.array([-1.5, -0.2, 0.0, 0.3, 2.0]),
          "abs": np.array([-1.5, -0.2, 0.0, 0.3, 2.0]), "log1p": RNG.uniform(-0.8, 3, 7)}
ENGINE_FORWARD = {
    "exp": lambda t: t.exp(), "log": lambda t: t.log(), "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(), "sqrt": lambda t: t.sqrt(), "sin": lambda t: t.sin(),
    "cos": lambda t: t.cos(), "pow3": lambda t: t ** 3, "pow-0.5": lambda t: t ** -0.5,
    "relu": lambda t: tg.relu(t), "abs": lambda t: t.abs(), "log1p": lambda t: t.log1p(),
    "expm1": lambda t: t.expm1(), "erf": lambda t: t.erf(),
}


def test_the_engine_forward_list_covers_every_elementwise_proof():
    assert set(ENGINE_FORWARD) == set(so.ELEMENTWISE)


@pytest.mark.parametrize("name", sorted(so.ELEMENTWISE))
def test_engine_second_derivative_equals_the_proved_one(name):
    points = POINTS.get(name, RNG.uniform(-2, 2, 7))
    x = tg.tensor(points, requires_grad=True)
    (first,) = tg.autograd.grad(ENGINE_FORWARD[name](x).sum(), x, create_graph=True)
    if not first.requires_grad:  # f′ is piecewise constant: f″ = 0 (relu, abs)
        second = np.zeros_like(points)
    else:
        (second,) = tg.autograd.grad(first.sum(), x, allow_unused=True)
        second = np.zeros_like(points) if second is None else second.numpy()
    np.testing.assert_allclose(second, so.ELEMENTWISE[name][3](points), rtol=1e-12, atol=1e-14)


def test_engine_hessian_of_mse_in_a_linear_models_weights():
    X, y = RNG.standard_normal((5, 3)), RNG.standard_normal(5)           # n = 5, d = 3
    ours = hessian(lambda w: F.mse_loss(tg.tensor(X) @ w, tg.tensor(y)), tg.zeros(3).double())
    np.testing.assert_allclose(ours.numpy(), so.mse_linear_hessian(X), rtol=1e-12)


def test_engine_hessian_of_mse_in_a_weight_matrix():
    X, Y = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 4))     # n = 5, d = 3, o = 4
    W = tg.tensor(RNG.standard_normal((4, 3)))
    ours = hessian(lambda w: F.mse_loss(tg.tensor(X) @ w.T, tg.tensor(Y)), W)
    np.testing.assert_allclose(ours.numpy(), so.mse_weight_matrix_hessian(X, 4), rtol=1e-12,
                               atol=1e-15)


def test_engine_hessian_of_softmax_cross_entropy_in_the_logits():
    Z = RNG.standard_normal((3, 4))                                     # n = 3, C = 4
    labels = tg.tensor(np.array([1, 3, 0]))
    ours = hessian(lambda z: F.cross_entropy(z, labels), tg.tensor(Z))
    np.testing.assert_allclose(ours.numpy(), so.softmax_ce_hessian(Z), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("outputs", [1, 3])
def test_engine_hessian_of_the_seed_networks_loss_in_w2(outputs):
    n, d, h = 6, 2, 4
    X, Y = RNG.standard_normal((n, d)), RNG.standard_normal((n, outputs))
    W1, b1 = RNG.standard_normal((h, d)), RNG.standard_normal(h)
    W2, b2 = RNG.standard_normal((outputs, h)), RNG.standard_normal(outputs)
    H1 = np.maximum(X @ W1.T + b1, 0)

    def loss(w2):
        hidden = tg.relu(tg.tensor(X) @ tg.tensor(W1).T + tg.tensor(b1))
        return F.mse_loss(hidden @ w2.T + tg.tensor(b2), tg.tensor(Y))

    ours = hessian(loss, tg.tensor(W2))
    np.testing.assert_allclose(ours.numpy(), so.seed_w2_hessian(H1, outputs), rtol=1e-12,
                               atol=1e-15)
