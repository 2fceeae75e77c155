"""Second derivatives: each elementwise op's f″ and the Hessians of the seed's losses (issue 16).

Each ``SecondOrder`` holds a textbook statement (Unicode), the closed form as a NumPy function
(what tests/test_second_order_derivations.py holds the engine's ``autograd.functional.hessian``
to, and what lesson 13 quotes) and ``prove()``, which checks the closed form against SymPy
differentiating the forward definition twice, never against itself:

    elementwise   f″ written by hand (e.g. tanh″ = −2 t (1 − t²), t = tanh x) against
                  sympy.diff(f(x), x, 2): an identity in a symbol x, so it holds for every x.
                  The kinks take PyTorch's convention, written in: relu″ = abs″ = 0.
    Hessians      the loss built entry by entry from explicit matrices of symbols (or of exact
                  rationals, where a factor is fixed), sympy.hessian of it in the parameter's
                  entries, and the closed form evaluated on the same entries: every entry's
                  difference must expand to an exact 0.  Each at three sizes whose dimensions
                  are pairwise distinct, so 1/n cannot pass for 1/o or 1/d.

Layout.  The engine's hessian of a loss in W (o × d) has shape (o, d, o, d); read as a matrix
over the entries of W in row-major order (w₁₁, w₁₂, …, w₁d, w₂₁, …) it is I_o ⊗ A, while the
column-stacking vec(W) of the textbooks gives A ⊗ I_o: the same numbers, ordered differently.

This module imports nothing of the engine (tests compare the two).
"""

from dataclasses import dataclass

import numpy as np
import sympy as sp

x = sp.Symbol("x", real=True)


@dataclass
class SecondOrder:
    name: str
    statement: str              # the textbook form, Unicode
    numpy: object               # the closed form on arrays
    check: object               # prove(): returns the number of entries compared


def prove(item):
    """Run one proof; returns the number of exact comparisons it made (> 0) or raises."""
    count = item.check()
    if count <= 0:
        raise AssertionError(f"{item.name}: the proof compared nothing")
    return count


# ---------------------------------------------------------------------------------------------
# Elementwise: f″ by hand against SymPy's second derivative
# ---------------------------------------------------------------------------------------------

def _sigma(z):
    return 1 / (1 + sp.exp(-z))


ELEMENTWISE = {
    # name: (forward f(x), f″ written by hand, Unicode statement, NumPy f″)
    "exp": (sp.exp(x), sp.exp(x), "exp″(x) = exp(x)", np.exp),
    "log": (sp.log(x), -1 / x**2, "log″(x) = −1/x²", lambda a: -1 / a**2),
    "tanh": (sp.tanh(x), -2 * sp.tanh(x) * (1 - sp.tanh(x) ** 2),
             "tanh″(x) = −2 t (1 − t²),  t = tanh x",
             lambda a: -2 * np.tanh(a) * (1 - np.tanh(a) ** 2)),
    "sigmoid": (_sigma(x), _sigma(x) * (1 - _sigma(x)) * (1 - 2 * _sigma(x)),
                "σ″(x) = σ (1 − σ)(1 − 2σ)",
                lambda a: _np_sigma(a) * (1 - _np_sigma(a)) * (1 - 2 * _np_sigma(a))),
    "sqrt": (sp.sqrt(x), -1 / (4 * x * sp.sqrt(x)), "√″(x) = −1 / (4 x √x)",
             lambda a: -1 / (4 * a * np.sqrt(a))),
    "sin": (sp.sin(x), -sp.sin(x), "sin″(x) = −sin x", lambda a: -np.sin(a)),
    "cos": (sp.cos(x), -sp.cos(x), "cos″(x) = −cos x", lambda a: -np.cos(a)),
    "log1p": (sp.log(1 + x), -1 / (1 + x) ** 2, "log1p″(x) = −1/(1 + x)²",
              lambda a: -1 / (1 + a) ** 2),
    "expm1": (sp.exp(x) - 1, sp.exp(x), "expm1″(x) = exp(x)", np.exp),
    "erf": (sp.erf(x), -4 * x * sp.exp(-x ** 2) / sp.sqrt(sp.pi),
            "erf″(x) = −(4x/√π) exp(−x²)",
            lambda a: -4 / np.sqrt(np.pi) * a * np.exp(-a * a)),
    "pow3": (x**3, 6 * x, "(x³)″ = 6x", lambda a: 6 * a),
    "pow-0.5": (x ** sp.Rational(-1, 2), sp.Rational(3, 4) * x ** sp.Rational(-5, 2),
                "(x^−½)″ = ¾ x^−5/2", lambda a: 0.75 * a ** -2.5),
    # kinks: PyTorch's convention (relu′(0) = 0, abs′(0) = 0) makes f′ piecewise constant, so
    # f″ = 0 everywhere, the kink included; SymPy's piecewise forward agrees off the kink
    "relu": (sp.Piecewise((x, x > 0), (0, True)), sp.Integer(0), "relu″(x) = 0 (x ≠ 0; 0 at 0)",
             lambda a: np.zeros_like(a)),
    "abs": (sp.Piecewise((x, x > 0), (-x, True)), sp.Integer(0), "|x|″ = 0 (x ≠ 0; 0 at 0)",
            lambda a: np.zeros_like(a)),
}


def _np_sigma(a):
    return 1 / (1 + np.exp(-a))


def _elementwise_check(name):
    forward, by_hand, _, _ = ELEMENTWISE[name]

    def check():
        sympys = sp.diff(forward, x, 2)
        if isinstance(forward, sp.Piecewise):  # off the kink: each piece's second derivative
            pieces = [sp.diff(expr, x, 2) for expr, _ in forward.args]
            ok = all(sp.simplify(p - by_hand) == 0 for p in pieces)
        else:
            ok = sp.simplify(sympys - by_hand) == 0
        if not ok:
            raise AssertionError(f"{name}: f″ by hand {by_hand} ≠ SymPy's {sympys}")
        return 1
    return check


# ---------------------------------------------------------------------------------------------
# Hessians of losses
# ---------------------------------------------------------------------------------------------

def _rational_matrix(rows, cols, seed):
    """A matrix of small exact rationals (deterministic): a fixed factor of a proof."""
    rng = np.random.default_rng(seed)
    return sp.Matrix(rows, cols, [sp.Rational(int(a), int(b)) for a, b in
                                  zip(rng.integers(-9, 10, rows * cols),
                                      rng.integers(1, 5, rows * cols))])


def _assert_zero(differences, name, size):
    bad = [i for i, value in enumerate(differences) if sp.expand(value) != 0]
    if bad:
        raise AssertionError(f"{name} at {size}: {len(bad)} Hessian entries differ from the "
                             f"closed form, the first at flat index {bad[0]}")
    return len(differences)


def _mse_linear_check(sizes, closed_form=lambda X, n: sp.Rational(2, n) * X.T * X):
    """L(w) = (1/n) ‖X w − y‖², X (n×d) and y symbols, w (d) the variable: H = (2/n) XᵀX."""
    def check():
        count = 0
        for n, d in sizes:
            X = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x{i}_{j}", real=True))
            y = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"y{i}", real=True))
            w = sp.Matrix(d, 1, lambda j, _: sp.Symbol(f"w{j}", real=True))
            residual = X * w - y
            L = (residual.T * residual)[0, 0] / n
            H = sp.hessian(L, list(w))
            closed = closed_form(X, n)
            count += _assert_zero(list(H - closed), "mse_linear", f"n={n}, d={d}")
        return count
    return check


def _mse_weight_matrix_check(sizes, scale=lambda n, o: sp.Rational(2, n * o)):
    """L(W) = (1/(n·o)) ‖X Wᵀ − Y‖²_F, W (o×d): H = I_o ⊗ (2/(n·o)) XᵀX over W's entries in
    row-major order (A ⊗ I_o for the column-stacking vec(W))."""
    def check():
        count = 0
        for n, d, o in sizes:
            X = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x{i}_{j}", real=True))
            Y = _rational_matrix(n, o, seed=n * 100 + d * 10 + o)
            W = sp.Matrix(o, d, lambda k, j: sp.Symbol(f"w{k}_{j}", real=True))
            E = X * W.T - Y
            L = sum(e**2 for e in E) / (n * o)
            H = sp.hessian(L, list(W))  # list(W) is row-major: w00, w01, …
            A = scale(n, o) * X.T * X
            closed = sp.kronecker_product(sp.eye(o), A)
            count += _assert_zero(list(H - closed), "mse_weight_matrix",
                                  f"n={n}, d={d}, o={o}")
            column_stacked = sp.hessian(L, list(W.T))  # vec(W): w00, w10, …
            count += _assert_zero(list(column_stacked - sp.kronecker_product(A, sp.eye(o))),
                                  "mse_weight_matrix (vec)", f"n={n}, d={d}, o={o}")
        return count
    return check


def _softmax_ce_check(sizes, scale=lambda n, c: sp.Rational(1, n)):
    """L(Z) = (1/n) Σᵢ −log softmax(zᵢ)[yᵢ], Z (n×C): ∂²L/∂zᵢ∂zᵢ = (diag(sᵢ) − sᵢsᵢᵀ)/n, sᵢ =
    softmax(zᵢ), and 0 between different samples; it does not depend on the labels."""
    def check():
        count = 0
        for n, c in sizes:
            Z = sp.Matrix(n, c, lambda i, j: sp.Symbol(f"z{i}_{j}", real=True))
            labels = [(3 * i + 1) % c for i in range(n)]
            L = sum(-Z[i, labels[i]] + sp.log(sum(sp.exp(Z[i, j]) for j in range(c)))
                    for i in range(n)) / n
            H = sp.hessian(L, list(Z))
            closed = sp.zeros(n * c, n * c)
            for i in range(n):
                total = sum(sp.exp(Z[i, j]) for j in range(c))
                s = [sp.exp(Z[i, j]) / total for j in range(c)]
                for a in range(c):
                    for b in range(c):
                        closed[i * c + a, i * c + b] = \
                            ((s[a] if a == b else 0) - s[a] * s[b]) * scale(n, c)
            differences = [sp.together(value) for value in (H - closed)]
            count += _assert_zero([sp.numer(v) for v in differences], "softmax_cross_entropy",
                                  f"n={n}, C={c}")
        return count
    return check


def _seed_w2_check(sizes, scale=lambda n, o: sp.Rational(2, n * o)):
    """The seed's network, L(W₂) = (1/(n·o)) ‖relu(X W₁ᵀ + 𝟏b₁ᵀ) W₂ᵀ + 𝟏b₂ᵀ − Y‖²_F with
    X, W₁, b₁, b₂, Y fixed (exact rationals; relu evaluated on them), W₂ (o×h) the variable:
    H = I_o ⊗ (2/(n·o)) H₁ᵀH₁, H₁ = relu(X W₁ᵀ + 𝟏b₁ᵀ) — for one output, (2/n) H₁ᵀH₁."""
    def check():
        count = 0
        for n, d, h, o in sizes:
            seed = n * 1000 + d * 100 + h * 10 + o
            X = _rational_matrix(n, d, seed)
            W1 = _rational_matrix(h, d, seed + 1)
            b1 = _rational_matrix(1, h, seed + 2)
            b2 = _rational_matrix(1, o, seed + 3)
            Y = _rational_matrix(n, o, seed + 4)
            Z1 = X * W1.T + sp.ones(n, 1) * b1
            H1 = Z1.applyfunc(lambda v: v if v > 0 else 0)
            W2 = sp.Matrix(o, h, lambda k, j: sp.Symbol(f"v{k}_{j}", real=True))
            E = H1 * W2.T + sp.ones(n, 1) * b2 - Y
            L = sum(e**2 for e in E) / (n * o)
            H = sp.hessian(L, list(W2))
            closed = sp.kronecker_product(sp.eye(o), scale(n, o) * H1.T * H1)
            count += _assert_zero(list(H - closed), "seed_network_w2",
                                  f"n={n}, d={d}, h={h}, o={o}")
        return count
    return check


# The closed forms on arrays (what the engine is held to)
def mse_linear_hessian(X):
    """(2/n) XᵀX."""
    return 2 / X.shape[0] * X.T @ X


def mse_weight_matrix_hessian(X, o):
    """I_o ⊗ (2/(n·o)) XᵀX, shaped (o, d, o, d) as the engine's hessian of a loss in W."""
    n, d = X.shape
    return np.kron(np.eye(o), 2 / (n * o) * X.T @ X).reshape(o, d, o, d)


def softmax_ce_hessian(Z):
    """(diag(sᵢ) − sᵢsᵢᵀ)/n on the diagonal blocks, shaped (n, C, n, C)."""
    n, c = Z.shape
    s = np.exp(Z - Z.max(axis=1, keepdims=True))
    s /= s.sum(axis=1, keepdims=True)
    H = np.zeros((n, c, n, c))
    for i in range(n):
        H[i, :, i, :] = (np.diag(s[i]) - np.outer(s[i], s[i])) / n
    return H


def seed_w2_hessian(H1, o):
    """I_o ⊗ (2/(n·o)) H₁ᵀH₁, shaped (o, h, o, h)."""
    return mse_weight_matrix_hessian(H1, o)


# Sizes: every tuple's dimensions pairwise distinct, and no o = n + 1 (where 2/(n(n+1)) would
# pass for 2/(n·o))
WEIGHT_SIZES = [(3, 2, 5), (4, 3, 2), (2, 5, 4)]
HESSIANS = {
    "mse_linear": SecondOrder(
        "mse_linear", "L = (1/n)‖Xw − y‖²  ⇒  ∂²L/∂w² (d×d) = (2/n) XᵀX",
        mse_linear_hessian, _mse_linear_check([(3, 2), (4, 3), (2, 5)])),
    "mse_weight_matrix": SecondOrder(
        "mse_weight_matrix",
        "L = (1/(n·o))‖XWᵀ − Y‖²  ⇒  ∂²L/∂W² = (2/(n·o)) XᵀX ⊗ I_o (vec(W) stacking columns;"
        " I_o ⊗ (2/(n·o)) XᵀX over W's entries row by row)",
        mse_weight_matrix_hessian, _mse_weight_matrix_check(WEIGHT_SIZES)),
    "softmax_cross_entropy": SecondOrder(
        "softmax_cross_entropy",
        "L = (1/n) Σᵢ −log softmax(zᵢ)[yᵢ]  ⇒  ∂²L/∂zᵢ² (C×C) = (diag(sᵢ) − sᵢsᵢᵀ)/n, "
        "0 across samples",
        softmax_ce_hessian, _softmax_ce_check([(2, 3), (3, 2), (3, 4)])),
    "seed_network_w2": SecondOrder(
        "seed_network_w2",
        "L = (1/(n·o))‖H₁W₂ᵀ + 𝟏b₂ᵀ − Y‖²  ⇒  ∂²L/∂W₂² = I_o ⊗ (2/(n·o)) H₁ᵀH₁ "
        "(one output: (2/n) H₁ᵀH₁, h×h)",
        seed_w2_hessian, _seed_w2_check([(4, 2, 3, 1), (5, 3, 2, 4), (3, 4, 5, 2)])),
}

ELEMENTWISE_ITEMS = {
    name: SecondOrder(name, statement, np_f2, _elementwise_check(name))
    for name, (_, _, statement, np_f2) in ELEMENTWISE.items()
}

ALL = {**ELEMENTWISE_ITEMS, **HESSIANS}

__all__ = ["SecondOrder", "ALL", "ELEMENTWISE", "HESSIANS", "prove", "mse_linear_hessian",
           "mse_weight_matrix_hessian", "softmax_ce_hessian", "seed_w2_hessian"]
