"""Softmax and log-softmax along a dim, derived element-wise (SymPy's matrix calculus raises a
ValueError on softmax: tests/test_derivations_sympy_pins.py).

For one row z with s_k = e^{z_k} / Σ_j e^{z_j}:  ∂s_k/∂z_j = s_k ([k = j] − s_j), the Jacobian
diag(s) − s sᵀ.  A vector-Jacobian product with an upstream row g is
    Σ_k g_k s_k ([k = j] − s_j) = s_j (g_j − Σ_k g_k s_k),
so for a matrix with softmax along rows (dim=1): ∂L/∂A = S ⊙ (G − (G ⊙ S) 𝟏𝟏ᵀ).
For log-softmax, ∂ log s_k/∂z_j = [k = j] − s_j, hence ∂L/∂A = G − S ⊙ (G 𝟏𝟏ᵀ).
Σ_dim below means: sum along dim, kept, broadcast back ((X)𝟏𝟏ᵀ for rows, 𝟏𝟏ᵀ(X) for columns).
"""

import numpy as np
import sympy as sp

from .core import Case, Derivation, Grad, Operand
from .evaluate import DimSum, Softmax, softmax_entry

A_ = Operand("A", ("n", "m"))
G_ = Operand("G", ("n", "m"), role="upstream")
A, G = A_.symbol, G_.symbol
S = sp.MatrixSymbol("S", *A.shape)


def explicit_softmax(a, dim):
    """e^{a} / Σ_dim e^{a} on an object array: the definition, entry by entry."""
    e = np.vectorize(sp.exp, otypes=[object])(a)
    return e / np.sum(e, axis=dim, keepdims=True)


def _cases(sizes=((2, 3), (3, 4), (4, 2))):
    """Along rows (dim=1) at each n×m size, and along columns (dim=0) at each size turned."""
    return [Case(f"{rows}×{cols}, dim={dim}", params={"dim": dim},
                 dims={"n": rows, "m": cols} if dim == 1 else {"n": cols, "m": rows})
            for dim in (1, 0) for rows, cols in sizes]


def _thorough_cases():
    return _cases(((1, 5), (5, 3)))


def jacobian_lemma():
    """The softmax Jacobian ∂s_k/∂z_j = s_k([k = j] − s_j), checked on a row of three: this is
    what ``softmax_entry.fdiff`` returns, so the MLP chain proofs may use it."""
    row = sp.symbols("z_0:3", real=True)
    residuals = []
    for k in range(3):
        s_k = softmax_entry(sp.Integer(k), *row)
        for j in range(3):
            truth = sp.diff(s_k.rewrite(sp.exp), row[j])
            claimed = sp.diff(s_k, row[j]).rewrite(sp.exp)
            residuals.append((f"∂s_{k}/∂z_{j}", truth - claimed))
    return residuals


class SoftmaxDerivation(Derivation):
    """Softmax's proof adds the Jacobian lemma the MLP chains rely on."""

    def _residuals(self, case, piece):
        yield from super()._residuals(case, piece)
        if case is self.cases[0]:
            yield from jacobian_lemma()


def softmax():
    return SoftmaxDerivation(
        "softmax", kind="op", topic="softmax", title="softmax along dim",
        forward_unicode="S = softmax(A) = e^A ⊘ Σ_dim e^A   (along dim; rows for dim=1)",
        forward_latex=r"S = \operatorname{softmax}(A), \quad S_{ik} = "
                      r"\frac{e^{a_{ik}}}{\sum_j e^{a_{ij}}} \quad (\mathrm{dim}=1)",
        operands=[A_, G_], output_shape="n×m",
        aux=[(S, Softmax(A), "S = softmax(A) (the output)")],
        grads=[Grad("A", sp.HadamardProduct(S, G - DimSum(sp.HadamardProduct(G, S))),
                    "∂L/∂A = S ⊙ (G − (G ⊙ S) 𝟏𝟏ᵀ)   (dim=1; Σ along dim in general)",
                    r"\frac{\partial L}{\partial A} = S \odot \left(G - (G \odot S)"
                    r"\mathbf{1}\mathbf{1}^\top\right)", shape="n×m")],
        forward=lambda v, p: explicit_softmax(v["A"], p["dim"]),
        cases=_cases(), params={"dim": -1}, thorough_cases=_thorough_cases(),
        notes=["the Jacobian of one row is diag(s) − s sᵀ; this proof also checks "
               "∂s_k/∂z_j = s_k([k = j] − s_j), the lemma the MLP chain proofs use"])


def log_softmax():
    return Derivation(
        "log_softmax", kind="op", topic="softmax", title="log-softmax along dim",
        forward_unicode="out = A − log Σ_dim e^A   (log of softmax, computed stably)",
        forward_latex=r"\mathrm{out} = A - \log \textstyle\sum_{\mathrm{dim}} e^{A}",
        operands=[A_, G_], output_shape="n×m",
        aux=[(S, Softmax(A), "S = softmax(A) = e^out")],
        grads=[Grad("A", G - sp.HadamardProduct(S, DimSum(G)),
                    "∂L/∂A = G − S ⊙ (G 𝟏𝟏ᵀ)   (dim=1; Σ along dim in general)",
                    r"\frac{\partial L}{\partial A} = G - S \odot \left(G\mathbf{1}\mathbf{1}"
                    r"^\top\right)", shape="n×m")],
        forward=lambda v, p: np.vectorize(sp.log, otypes=[object])(
            explicit_softmax(v["A"], p["dim"])),
        cases=_cases(), params={"dim": -1}, thorough_cases=_thorough_cases())


def derivations():
    return [softmax(), log_softmax()]

