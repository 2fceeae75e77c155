"""Linear algebra: the matrix product, broadcast addition, and the Linear layer
Z = X Wᵀ + 𝟏 bᵀ (an engine op of its own, ops.Linear).

Why ∂L/∂A = G Bᵀ for out = A B: out_ij = Σ_k a_ik b_kj, so ∂⟨G, A B⟩/∂a_ik = Σ_j g_ij b_kj,
which is entry (i, k) of G Bᵀ.  Likewise ∂/∂b_kj = Σ_i a_ik g_ij = (Aᵀ G)_kj.  A shape check
that never fails: ∂L/∂A must have A's shape, n×k = (n×m)(m×k).

Broadcasting (out = A + 𝟏 bᵀ, one b added to every row) copies b into n rows, so its gradient
adds the n rows of G back up: ∂L/∂b = Gᵀ 𝟏.  The engine does this summing in one place for
every op (autograd.py); 'add' proves the rule.

PyTorch layout for a layer (docs/gradients.md): X is n×d (a sample per row), W is out×in = o×d,
b has o entries, Z = X Wᵀ + 𝟏 bᵀ is n×o. Hence ∂L/∂W = Gᵀ X (o×d), ∂L/∂b = Gᵀ 𝟏 (o), ∂L/∂X = G
W (n×d).
"""

import sympy as sp

from .core import Derivation, Grad, Operand, size_cases


def _d(wrt):
    return r"\frac{\partial L}{\partial %s}" % wrt


def matmul():
    A_, B_ = Operand("A", ("n", "k")), Operand("B", ("k", "m"))
    G_ = Operand("G", ("n", "m"), role="upstream")
    A, B, G = A_.symbol, B_.symbol, G_.symbol
    return Derivation(
        "matmul", kind="op", topic="linalg", title="matrix product",
        forward_unicode="out = A B", forward_latex=r"\mathrm{out} = A B",
        operands=[A_, B_, G_], output_shape="n×m",
        grads=[Grad("A", G * B.T, "∂L/∂A = G Bᵀ   (n×k) = (n×m)(m×k)",
                    _d("A") + r" = G B^\top", shape="n×k"),
               Grad("B", A.T * G, "∂L/∂B = Aᵀ G   (k×m) = (k×n)(n×m)",
                    _d("B") + r" = A^\top G", shape="k×m")],
        forward=lambda v, p: v["A"].dot(v["B"]),
        cases=size_cases("nkm", [(2, 3, 4), (3, 5, 2), (4, 2, 3)], "n×k×m = {}"),
        thorough_cases=size_cases("nkm", [(5, 4, 1), (1, 6, 5), (6, 1, 7)], "n×k×m = {}"),
        notes=["a 1-D A is a row (1×k) and a 1-D B a column (k×1) for the rule; batched "
               "matmul applies it to every matrix in the batch, and broadcast batch axes are "
               "summed by the engine"])


def add():
    A_, b_ = Operand("A", ("n", "m")), Operand("b", ("m",))
    G_ = Operand("G", ("n", "m"), role="upstream")
    A, G = A_.symbol, G_.symbol
    n = A.shape[0]
    return Derivation(
        "add", kind="op", topic="linalg", title="addition, with b broadcast over the rows",
        forward_unicode="out = A + 𝟏 bᵀ   (b added to every row; A + B when shapes agree)",
        forward_latex=r"\mathrm{out} = A + \mathbf{1} b^\top",
        operands=[A_, b_, G_], output_shape="n×m",
        grads=[Grad("A", G, "∂L/∂A = G", _d("A") + " = G", shape="n×m"),
               Grad("b", G.T * sp.OneMatrix(n, 1),
                    "∂L/∂b = G summed to b's shape   (Gᵀ 𝟏: the n rows of G summed)",
                    _d("b") + r" = G^\top \mathbf{1}", shape="m")],
        forward=lambda v, p: v["A"] + v["b"],
        cases=size_cases("nm", [(3, 2), (2, 4), (4, 1)], "n×m = {}"),
        thorough_cases=size_cases("nm", [(1, 5), (6, 3)], "n×m = {}"),
        notes=["with equal shapes ∂L/∂B = G; for any broadcast the engine sums G over the "
               "broadcast axes, exactly as Gᵀ𝟏 sums the rows here"])


def linear():
    X_, W_, b_ = Operand("X", ("n", "d")), Operand("W", ("o", "d")), Operand("b", ("o",))
    G_ = Operand("G", ("n", "o"), role="upstream")
    X, W, G = X_.symbol, W_.symbol, G_.symbol
    n = X.shape[0]
    return Derivation(
        "linear", kind="op", topic="linalg",
        title="the Linear layer (PyTorch layout: W is out×in)",
        forward_unicode="Z = X Wᵀ + 𝟏 bᵀ   (n×o)",
        forward_latex=r"Z = X W^\top + \mathbf{1} b^\top",
        operands=[X_, W_, b_, G_], output_shape="n×o",
        grads=[Grad("X", G * W, "∂L/∂X = G W   (n×d) = (n×o)(o×d)",
                    _d("X") + " = G W", shape="n×d", rule="matmul"),
               Grad("W", G.T * X, "∂L/∂W = Gᵀ X   (o×d) = (o×n)(n×d)",
                    _d("W") + r" = G^\top X", shape="o×d", rule="matmul, permute"),
               Grad("b", G.T * sp.OneMatrix(n, 1), "∂L/∂b = Gᵀ 𝟏   (o)",
                    _d("b") + r" = G^\top \mathbf{1}", shape="o", rule="add")],
        forward=lambda v, p: v["X"].dot(v["W"].T) + v["b"],
        cases=size_cases("ndo", [(3, 2, 4), (2, 5, 3), (5, 3, 2)], "n×d×o = {}"),
        thorough_cases=size_cases("ndo", [(1, 4, 2), (6, 2, 5), (4, 6, 1)], "n×d×o = {}"),
        notes=["one engine op (ops.Linear, PyTorch's addmm), and the same rule as matmul, "
               "permute (Wᵀ) and add composed; the engine sums G's rows for ∂L/∂b; a batch "
               "X (… × d) is n = all its rows; the seed's column form z = W x + b is one row "
               "of Z written as a column"])


def derivations():
    return [matmul(), add(), linear()]
