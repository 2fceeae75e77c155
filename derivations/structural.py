"""Structural ops, proved as adjoints: reshape, permute (transpose), expand, index, index_put,
cat, stack, and split.

Each of these moves, copies or drops entries without arithmetic, so out = f(A) is linear in A.
For a linear f the backward rule is its adjoint f*, the map with
    ⟨G, f(A)⟩ = ⟨f*(G), A⟩   for every A and G        (⟨X, Y⟩ = Σ X ⊙ Y),
because ∂⟨G, f(A)⟩/∂A = ∂⟨f*(G), A⟩/∂A = f*(G).  The proof checks that identity with A and G
explicit arrays of symbols: both sides are polynomials, and their difference expands to 0.

Adjoints read plainly: reshape ↔ reshape back; permute ↔ the inverse permutation; expand (copy
along new axes) ↔ sum over them; index (gather) ↔ scatter-add into zeros (repeats add up);
cat ↔ slice out each piece; stack ↔ take each layer; split ↔ cat.
"""

import numpy as np
import sympy as sp

from .core import Case, Derivation, Grad, Operand
from .evaluate import (
    InversePermuted,
    Joined,
    Layer,
    Picked,
    Piece,
    Reshaped,
    ScatterAdd,
    SummedTo,
    ZeroedAt,
)


def _operand(name, role="input", text="any"):
    return Operand(name, None, role=role, shape_text=text)


A_ = _operand("A")
G_ = _operand("G", "upstream", "out's shape")
A, G = A_.symbol, G_.symbol


def _d(wrt):
    return r"\frac{\partial L}{\partial %s}" % wrt


def _structural(name, title, forward_text, grads, forward, cases, operands=None, notes=(),
                kind="op", params=None):
    return Derivation(
        name, kind=kind, topic="structural", title=title,
        forward_unicode=forward_text[0], forward_latex=forward_text[1],
        operands=operands or [A_, G_], output_shape="see the cases",
        grads=grads, forward=forward, cases=cases, method="adjoint", notes=notes,
        params=params)


def reshape():
    return _structural(
        "reshape", "reshape (row-major, same entries)",
        ("out = A with a new shape", r"\mathrm{out} = \operatorname{reshape}(A, s)"),
        [Grad("A", Reshaped(G, A), "∂L/∂A = G reshaped back to A's shape",
              _d("A") + r" = \operatorname{reshape}(G, \operatorname{shape}(A))",
              shape="A's shape")],
        lambda v, p: np.reshape(v["A"], p["shape"]),
        [Case("2×3 → 3×2", params={"shape": (3, 2)}, shapes={"A": (2, 3), "G": (3, 2)}),
         Case("2×3 → 6", params={"shape": (6,)}, shapes={"A": (2, 3), "G": (6,)}),
         Case("2×3×4 → 4×6", params={"shape": (4, 6)}, shapes={"A": (2, 3, 4), "G": (4, 6)}),
         Case("5×1 → 1×5", params={"shape": (1, 5)}, shapes={"A": (5, 1), "G": (1, 5)})])


def permute():
    return _structural(
        "permute", "permute axes (transpose is a permute)",
        ("out = A with axes reordered by dims (Aᵀ for a matrix)",
         r"\mathrm{out} = \operatorname{permute}(A, \pi)"),
        [Grad("A", InversePermuted(G), "∂L/∂A = G permuted by the inverse order (Gᵀ for a "
              "matrix transpose)", _d("A") + r" = \operatorname{permute}(G, \pi^{-1})",
              shape="A's shape")],
        lambda v, p: np.transpose(v["A"], p["dims"]),
        [Case("2×3, transpose", params={"dims": (1, 0)}, shapes={"A": (2, 3), "G": (3, 2)}),
         Case("2×3×4, dims (2, 0, 1)", params={"dims": (2, 0, 1)},
              shapes={"A": (2, 3, 4), "G": (4, 2, 3)}),
         Case("4×1×5, dims (1, 2, 0)", params={"dims": (1, 2, 0)},
              shapes={"A": (4, 1, 5), "G": (1, 5, 4)})])


def expand():
    return _structural(
        "expand", "broadcast to a larger shape (a copy along new or size-1 axes)",
        ("out = A broadcast to shape s", r"\mathrm{out} = \operatorname{expand}(A, s)"),
        [Grad("A", SummedTo(G, A), "∂L/∂A = G summed over the broadcast axes (𝟏ᵀ G for a row "
              "copied down n rows)", _d("A") + r" = \textstyle\sum_{\text{broadcast axes}} G",
              shape="A's shape")],
        lambda v, p: np.array(np.broadcast_to(v["A"], p["shape"]), dtype=object),
        [Case("1×3 → 2×3", params={"shape": (2, 3)}, shapes={"A": (1, 3), "G": (2, 3)}),
         Case("3×1 → 2×3×4", params={"shape": (2, 3, 4)}, shapes={"A": (3, 1), "G": (2, 3, 4)}),
         Case("4 → 5×2×4", params={"shape": (5, 2, 4)}, shapes={"A": (4,), "G": (5, 2, 4)})],
        notes=["every broadcast in the engine is undone by this same sum, in "
               "tinygrad_edu/autograd.py"])


def index():
    mask = np.array([[True, False, True], [False, False, True],
                     [True, True, False], [False, True, False]])
    return _structural(
        "index", "indexing A[key] (basic, integer-array or boolean)",
        ("out = A[key]", r"\mathrm{out} = A[\kappa]"),
        [Grad("A", ScatterAdd(G, A), "∂L/∂A = zeros of A's shape with G added at A[key] "
              "(picked twice: added twice)",
              _d("A") + r" = \operatorname{scatter\_add}(0_{\operatorname{shape}(A)}, \kappa, G)",
              shape="A's shape")],
        lambda v, p: np.asarray(v["A"][p["key"]], dtype=object),
        [Case("rows [2, 0, 2] (a repeat)", params={"key": (np.array([2, 0, 2]),)},
              shapes={"A": (4, 3), "G": (3, 3)}),
         Case("[1:3, ::2]", params={"key": (slice(1, 3), slice(None, None, 2))},
              shapes={"A": (4, 3), "G": (2, 2)}),
         Case("([0, 3, 0], 1)", params={"key": (np.array([0, 3, 0]), 1)},
              shapes={"A": (4, 3), "G": (3,)}),
         Case("boolean mask", params={"key": (mask,)}, shapes={"A": (4, 3), "G": (6,)}),
         Case("A 2×5, [:, [4, 1, 4]]", params={"key": (slice(None), np.array([4, 1, 4]))},
              shapes={"A": (2, 5), "G": (2, 3)}),
         Case("A 3×1×4, [1:, 0, ::3]", params={"key": (slice(1, None), 0, slice(None, None, 3))},
              shapes={"A": (3, 1, 4), "G": (2, 2)})],
        notes=["as a matrix: gathering rows is P A with P a 0/1 selection matrix, and the "
               "adjoint is Pᵀ G, which adds G's rows back where they came from"])


def index_put():
    V_ = _operand("V", text="A[key]'s shape, or one that broadcasts to it")
    V = V_.symbol

    def forward(values, params):
        out = np.array(values["A"], dtype=object, copy=True)
        out[params["key"]] = values["V"]
        return out

    return _structural(
        "index_put", "item assignment out = A with out[key] = V",
        ("out = A with out[key] = V", r"\mathrm{out} = A \text{ with } \mathrm{out}[\kappa] = V"),
        [Grad("A", ZeroedAt(G), "∂L/∂A = G with zeros at key (those entries were overwritten)",
              _d("A") + r" = G \text{ with } G[\kappa] = 0", shape="A's shape"),
         Grad("V", Picked(G, V), "∂L/∂V = G[key], summed over the axes V was broadcast along",
              _d("V") + r" = G[\kappa] \text{ (summed to V's shape)}", shape="V's shape")],
        forward,
        [Case("rows [1, 3]", params={"key": (np.array([1, 3]),)},
              shapes={"A": (4, 3), "V": (2, 3), "G": (4, 3)}),
         Case("rows [1, 3], V one row broadcast", params={"key": (np.array([1, 3]),)},
              shapes={"A": (4, 3), "V": (3,), "G": (4, 3)}),
         Case("[0:2, 1]", params={"key": (slice(0, 2), 1)},
              shapes={"A": (4, 3), "V": (2,), "G": (4, 3)}),
         Case("A 2×5, [:, [0, 3]] = V 2×2", params={"key": (slice(None), np.array([0, 3]))},
              shapes={"A": (2, 5), "V": (2, 2), "G": (2, 5)}),
         Case("A 3×4×2, [2, 1:3] = V 2", params={"key": (2, slice(1, 3))},
              shapes={"A": (3, 4, 2), "V": (2,), "G": (3, 4, 2)})],
        operands=[A_, V_, G_],
        notes=["keys name distinct places; with a repeated place the last write wins and "
               "PyTorch leaves the result unspecified"])


def cat():
    B_ = _operand("B")
    B = B_.symbol
    return _structural(
        "cat", "concatenate along an existing dim (shown for two inputs)",
        ("out = [A, B] joined along dim", r"\mathrm{out} = \operatorname{cat}(A, B)"),
        [Grad("A", Piece(G, sp.Integer(0), A, B), "∂L/∂A = the slice of G where A sits",
              _d("A") + r" = G[\text{A's rows}]", shape="A's shape"),
         Grad("B", Piece(G, sp.Integer(1), A, B), "∂L/∂B = the slice of G where B sits",
              _d("B") + r" = G[\text{B's rows}]", shape="B's shape")],
        lambda v, p: np.concatenate([v["A"], v["B"]], axis=p["dim"]),
        [Case("2×3 and 1×3, dim=0", params={"dim": 0},
              shapes={"A": (2, 3), "B": (1, 3), "G": (3, 3)}),
         Case("2×3 and 2×2, dim=1", params={"dim": 1},
              shapes={"A": (2, 3), "B": (2, 2), "G": (2, 5)}),
         Case("4×1×3 and 4×2×3, dim=1", params={"dim": 1},
              shapes={"A": (4, 1, 3), "B": (4, 2, 3), "G": (4, 3, 3)})],
        operands=[A_, B_, G_], params={"dim": 0},
        notes=["with more inputs each one gets its own slice the same way"])


def stack():
    B_ = _operand("B")
    return _structural(
        "stack", "stack along a new dim (shown for two inputs)",
        ("out = [A, B] stacked along a new dim", r"\mathrm{out} = \operatorname{stack}(A, B)"),
        [Grad("A", Layer(G, sp.Integer(0)), "∂L/∂A = G taken at index 0 of dim",
              _d("A") + r" = G_{[0]}", shape="A's shape"),
         Grad("B", Layer(G, sp.Integer(1)), "∂L/∂B = G taken at index 1 of dim",
              _d("B") + r" = G_{[1]}", shape="B's shape")],
        lambda v, p: np.stack([v["A"], v["B"]], axis=p["dim"]),
        [Case("two 2×3, dim=0", params={"dim": 0},
              shapes={"A": (2, 3), "B": (2, 3), "G": (2, 2, 3)}),
         Case("two 2×3, dim=2", params={"dim": 2},
              shapes={"A": (2, 3), "B": (2, 3), "G": (2, 3, 2)}),
         Case("two 4×1, dim=1", params={"dim": 1},
              shapes={"A": (4, 1), "B": (4, 1), "G": (4, 2, 1)})],
        operands=[A_, B_, G_], params={"dim": 0})


def split():
    G1_ = _operand("G1", "upstream", "first piece's shape")
    G2_ = _operand("G2", "upstream", "second piece's shape")

    def forward(values, params):
        a, first = values["A"], params["sizes"][0]
        dim = params["dim"]
        key = (slice(None),) * dim
        return a[key + (slice(0, first),)], a[key + (slice(first, None),)]

    return _structural(
        "split", "split into two pieces along dim (built from index)",
        ("(out₁, out₂) = A split at a size along dim",
         r"(\mathrm{out}_1, \mathrm{out}_2) = \operatorname{split}(A)"),
        [Grad("A", Joined(G1_.symbol, G2_.symbol), "∂L/∂A = [G₁, G₂] joined along dim",
              _d("A") + r" = \operatorname{cat}(G_1, G_2)", shape="A's shape")],
        forward,
        [Case("5×3 → 2×3, 3×3", params={"sizes": (2, 3), "dim": 0},
              shapes={"A": (5, 3), "G1": (2, 3), "G2": (3, 3)}),
         Case("2×5 → 2×1, 2×4, dim=1", params={"sizes": (1, 4), "dim": 1},
              shapes={"A": (2, 5), "G1": (2, 1), "G2": (2, 4)}),
         Case("3×6×2 → 3×4×2, 3×2×2, dim=1", params={"sizes": (4, 2), "dim": 1},
              shapes={"A": (3, 6, 2), "G1": (3, 4, 2), "G2": (3, 2, 2)})],
        operands=[A_, G1_, G2_], kind="quantity", params={"dim": 0},
        notes=["split and cat are adjoint to each other"])


def derivations():
    return [reshape(), permute(), expand(), index(), index_put(), cat(), stack(), split()]
