"""(iv) SymPy's matrix-calculus failures recorded in SYMPY-NOTES.md, pinned.

Each test asserts the CURRENT (wrong or failing) behaviour of SymPy 1.14.  When an upgrade fixes
one, its test fails: re-check SYMPY-NOTES.md and derivations/ (which works around every one of
these), then update the note and this pin.  Correct values come from finite differences or
from a hand computation, never from the behaviour under test.
"""

import numpy as np
import pytest
import sympy as sp
from sympy import (
    Derivative,
    HadamardPower,
    HadamardProduct,
    Heaviside,
    Lambda,
    MatrixSymbol,
    OneMatrix,
    Trace,
)
from sympy.matrices.common import ShapeError

from derivations.evaluate import Env, evaluate

x = sp.Symbol("x")
PINNED = "SymPy changed: re-check SYMPY-NOTES.md and update this pin"


def is_zero(result):
    """SymPy answers 0 for a matrix derivative as a ZeroMatrix (which does not == 0)."""
    return isinstance(result, sp.ZeroMatrix) or result == 0


def test_sympy_version_is_the_one_measured():
    assert sp.__version__.startswith("1.14"), PINNED


def _two_layer_network(n, d, h, o):
    X, W1, b1 = MatrixSymbol("X", n, d), MatrixSymbol("W1", h, d), MatrixSymbol("b1", h, 1)
    W2, b2, Y = MatrixSymbol("W2", o, h), MatrixSymbol("b2", o, 1), MatrixSymbol("Y", n, o)
    Z1 = X * W1.T + OneMatrix(n, 1) * b1.T
    H1 = Z1.applyfunc(Lambda(x, sp.tanh(x)))
    Z2 = H1 * W2.T + OneMatrix(n, 1) * b2.T
    loss = Trace((Z2 - Y).T * (Z2 - Y)) / (n * o)
    return loss, (X, W1, b1, W2, b2, Y)


def test_whole_network_dW1_raises_a_shape_error_when_h_differs_from_n():
    loss, (_, W1, *_) = _two_layer_network(n=3, d=2, h=4, o=2)
    with pytest.raises(ShapeError):
        loss.diff(W1)


def test_whole_network_dW1_is_silently_wrong_when_h_equals_n():
    n, d, h, o = 3, 2, 3, 2
    loss, symbols = _two_layer_network(n, d, h, o)
    X, W1, b1, W2, b2, Y = symbols
    sympy_answer = loss.diff(W1)  # no error raised
    rng = np.random.default_rng(0)
    values = {s: rng.normal(size=s.shape) for s in symbols}
    env = Env(exact=False)
    for s, v in values.items():
        env.bind(s, v)
    got = evaluate(sympy_answer, env)

    def numeric_loss(w1):
        z2 = np.tanh(values[X] @ w1.T + values[b1].T) @ values[W2].T + values[b2].T
        return np.sum((z2 - values[Y]) ** 2) / (n * o)

    eps, fd = 1e-6, np.zeros((h, d))
    for index in np.ndindex(h, d):
        step = np.zeros((h, d))
        step[index] = eps
        fd[index] = (numeric_loss(values[W1] + step) - numeric_loss(values[W1] - step)) / (2 * eps)
    assert np.max(np.abs(got - fd)) > 1e-2, PINNED  # wrong by far more than FD's ~1e-9


def test_a_sum_of_traces_differentiates_to_zero():
    A, B, Y = (MatrixSymbol(s, 3, 3) for s in "ABY")
    assert is_zero((Trace(Y.T * A) + Trace(B.T * A)).diff(A)), PINNED
    # the two ways around it (SYMPY-NOTES.md) give the right Y + B:
    assert Trace(Y.T * A).diff(A) + Trace(B.T * A).diff(A) == Y + B
    assert Derivative(Trace(Y.T * A) + Trace(B.T * A), A).doit() == Y + B


def test_bce_with_logits_as_traces_differentiates_to_zero():
    Z, Y, K = (MatrixSymbol(s, 3, 2) for s in "ZYK")  # K stands for the ones matrix
    softplus = Z.applyfunc(Lambda(x, sp.log(1 + sp.exp(x))))
    assert is_zero((Trace(K.T * softplus) - Trace(Y.T * Z)).diff(Z)), PINNED
    assert not is_zero(Trace(K.T * softplus).diff(Z))  # each term alone is fine


def test_ones_quadratic_form_differentiates_to_zero():
    A = MatrixSymbol("A", 3, 3)
    ones = OneMatrix(3, 1)
    assert is_zero((ones.T * A * ones)[0, 0].diff(A)), PINNED  # Σ A's entries: should be 𝟏𝟏ᵀ
    assert Trace(OneMatrix(3, 3).T * A).diff(A) == OneMatrix(3, 3)  # the working form


def test_ones_matrix_inside_a_hadamard_product_is_a_type_error():
    A, G = MatrixSymbol("A", 3, 2), MatrixSymbol("G", 3, 2)
    with pytest.raises(TypeError, match="Mix of Matrix and Scalar"):
        Trace(G.T * HadamardProduct(A, OneMatrix(3, 2) - A)).diff(A)


@pytest.mark.parametrize("which", ["softmax", "logsumexp"])
def test_softmax_at_matrix_level_is_a_value_error(which):
    A, G = MatrixSymbol("A", 3, 2), MatrixSymbol("G", 3, 2)
    E = A.applyfunc(Lambda(x, sp.exp(x)))
    if which == "softmax":
        S = HadamardProduct(E, HadamardPower(E * OneMatrix(2, 1) * OneMatrix(1, 2), -1))
        expr = Trace(G.T * S)
    else:
        expr = Trace(OneMatrix(3, 1).T * (E * OneMatrix(2, 1)).applyfunc(Lambda(x, sp.log(x))))
    with pytest.raises(ValueError):
        expr.diff(A)


def test_lambdify_of_an_elementwise_function_is_a_syntax_error():
    A = MatrixSymbol("A", 3, 2)
    with pytest.raises(SyntaxError):
        sp.lambdify([A], A.applyfunc(Lambda(x, sp.tanh(x))), "numpy")


def test_heaviside_at_zero_is_a_half():
    assert Heaviside(0) == sp.Rational(1, 2), PINNED  # PyTorch's relu′(0) is 0 ...
    assert Heaviside(0, 0) == 0  # ... which is why derivations/ writes Heaviside(x, 0)
    assert sp.diff(sp.Max(0, x), x) == Heaviside(x), PINNED


def test_sigmoid_written_out_needs_simplify():
    s = 1 / (1 + sp.exp(-x))
    difference = sp.diff(s, x) - s * (1 - s)
    assert sp.expand(difference) != 0, PINNED  # expand cannot show σ′ = σ(1 − σ) ...
    assert sp.simplify(difference) == 0  # ... simplify can; derivations/ uses a rational test
