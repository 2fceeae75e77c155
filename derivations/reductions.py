"""Reductions: sum and mean (over all entries or along dims), max and min.

sum: out = Σ A over the reduced dims.  Each a_ij appears once in exactly one output entry, with
coefficient 1, so ∂L/∂a_ij is the upstream entry it was summed into: G put back in A's shape
(the reduced axes restored and broadcast).  For a matrix: over everything ∂L/∂A = g 𝟏𝟏ᵀ; along
dim=1 (row sums) ∂L/∂A = G 𝟏ᵀ; along dim=0 (column sums) ∂L/∂A = 𝟏 Gᵀ.
mean: the same divided by N, the number of entries averaged.
max/min: on the piece where one entry is strictly the largest, out equals that entry, so the
gradient goes there and nowhere else.  Ties are PyTorch's choice (over all entries: split evenly;
along a dim: all to the returned index), pinned by tests against PyTorch.
"""

import numpy as np
import sympy as sp

from .core import Case, Derivation, Grad, Operand, PieceSpec
from .evaluate import ArgExtremum, Unreduce

A_ = Operand("A", ("n", "m"))
G_ = Operand("G", None, role="upstream", shape_text="A's shape without the reduced dims")
A, G = A_.symbol, G_.symbol


def entries_reduced(shape, dim):
    """N, the number of entries each output of a reduction over `dim` (None: all, an int or
    a tuple of dims) gathers from an input of `shape`."""
    if dim is None:
        return int(np.prod(shape))
    dims = (dim,) if isinstance(dim, int) else dim
    return int(np.prod([shape[i] for i in dims]))


class UnreduceMean(Unreduce):
    """G / N put back in A's shape, N the number of entries averaged.  Args: (G, A)."""

    unicode_name = "unreduce_mean"
    latex_name = r"\operatorname{unreduce\_mean}"

    def compute(self, env, g, a):
        count = entries_reduced(np.shape(a), env.params.get("dim"))
        return Unreduce.compute(self, env, g, a) * env.scalar(sp.Rational(1, count))


SIZES = [(2, 3), (3, 4), (5, 2)]
THOROUGH_SIZES = [(4, 1), (1, 6), (6, 5)]


def _reduction_cases(sizes=SIZES, blocks=((2, 3, 4), (4, 2, 3))):
    """For each n×m size: over all entries, along dim=1, along dim=0 with keepdim; and a 3-D
    block reduced over dims (0, 2)."""
    cases = []
    for rows, cols in sizes:
        shape = (rows, cols)
        text = f"{rows}×{cols}"
        cases += [Case(f"A {text}, all entries", params={"dim": None},
                       shapes={"A": shape, "G": ()}),
                  Case(f"A {text}, dim=1", params={"dim": (1,)},
                       shapes={"A": shape, "G": (rows,)}),
                  Case(f"A {text}, dim=0, keepdim", params={"dim": (0,), "keepdim": True},
                       shapes={"A": shape, "G": (1, cols)})]
    for block in blocks:
        cases.append(Case(f"A {'×'.join(map(str, block))}, dims=(0, 2)", params={"dim": (0, 2)},
                          shapes={"A": block, "G": (block[1],)}))
    return cases


def _thorough_reduction_cases():
    return _reduction_cases(THOROUGH_SIZES, blocks=((3, 5, 2),))


def _sum_forward(values, params):
    return np.sum(values["A"], axis=params.get("dim"), keepdims=params.get("keepdim", False))


def sum_():
    return Derivation(
        "sum", kind="op", topic="reductions", title="sum over all entries or along dims",
        forward_unicode="out = Σ A over dim (all entries when dim is None)",
        forward_latex=r"\mathrm{out} = \textstyle\sum_{\mathrm{dim}} A",
        operands=[Operand("A", None, shape_text="any"), G_],
        output_shape="A's shape without dim",
        grads=[Grad("A", Unreduce(G, A),
                    "∂L/∂A = G put back along dim and broadcast: g 𝟏𝟏ᵀ (all), G 𝟏ᵀ (dim=1), "
                    "𝟏 Gᵀ (dim=0)",
                    r"\frac{\partial L}{\partial A} = G \text{ broadcast back along dim:}\;"
                    r" g\,\mathbf{1}\mathbf{1}^\top,\; G\,\mathbf{1}^\top,\; \mathbf{1}\,G^\top",
                    shape="A's shape")],
        forward=_sum_forward, cases=_reduction_cases(), params={"dim": None, "keepdim": False},
        thorough_cases=_thorough_reduction_cases())


def mean():
    def forward(values, params):
        total = _sum_forward(values, params)
        return total * sp.Rational(1, entries_reduced(values["A"].shape, params.get("dim")))

    return Derivation(
        "mean", kind="op", topic="reductions", title="mean over all entries or along dims",
        forward_unicode="out = (1/N) Σ A over dim   (N entries averaged)",
        forward_latex=r"\mathrm{out} = \tfrac{1}{N} \textstyle\sum_{\mathrm{dim}} A",
        operands=[Operand("A", None, shape_text="any"), G_],
        output_shape="A's shape without dim",
        grads=[Grad("A", UnreduceMean(G, A),
                    "∂L/∂A = (1/N) G put back along dim and broadcast: (g/(n·m)) 𝟏𝟏ᵀ (all), "
                    "(1/m) G 𝟏ᵀ (dim=1)",
                    r"\frac{\partial L}{\partial A} = \tfrac{1}{N}\, G \text{ broadcast back "
                    r"along dim:}\; \tfrac{g}{nm}\mathbf{1}\mathbf{1}^\top,\; "
                    r"\tfrac{1}{m} G\,\mathbf{1}^\top",
                    shape="A's shape")],
        forward=forward, cases=_reduction_cases(), params={"dim": None, "keepdim": False},
        thorough_cases=_thorough_reduction_cases())


def _extremum(kind):
    sign = -1 if kind == "max" else 1  # the other entries sit below (max) or above (min)

    def full_piece(position):
        def point(values, params):
            a = values["A"]
            best = a[position]
            return {v: best + sign * sp.Symbol(f"t_{v}", positive=True)
                    for index, v in np.ndenumerate(a) if index != position}
        return point

    def full_branch(position):
        return lambda values, params: values["A"][position]

    def row_piece(columns):
        def point(values, params):
            a = values["A"]
            subs = {}
            for i, c in enumerate(columns):
                for j in range(a.shape[1]):
                    if j != c:
                        subs[a[i, j]] = a[i, c] + sign * sp.Symbol(f"t_{a[i, j]}", positive=True)
            return subs
        return point

    def row_branch(columns, keepdim):
        def branch(values, params):
            picked = np.array([values["A"][i, c] for i, c in enumerate(columns)], dtype=object)
            return picked.reshape(-1, 1) if keepdim else picked
        return branch

    def forward(values, params):
        a = values["A"]
        function = sp.Max if kind == "max" else sp.Min
        if params.get("dim") is None:
            return function(*a.flat)
        rows = np.array([function(*row) for row in a], dtype=object)
        return rows.reshape(-1, 1) if params.get("keepdim") else rows

    word = "largest" if kind == "max" else "smallest"

    def cases_at(shape):
        """Over all entries (the extreme at two places), along dim=1 (each row's extreme in a
        different column), and along dim=1 with keepdim."""
        rows, cols = shape
        text = f"{rows}×{cols}"
        positions = [(0, min(1, cols - 1)), (rows - 1, cols - 1)]
        columns = [tuple((i + shift) % cols for i in range(rows)) for shift in (0, 1)]
        reversed_columns = tuple((cols - 1 - i) % cols for i in range(rows))
        return [
            Case(f"A {text}, all entries", params={"dim": None, "kind": kind},
                 shapes={"A": shape, "G": ()},
                 pieces=[PieceSpec(f"a{p} {word}", full_piece(p), full_branch(p))
                         for p in positions]),
            Case(f"A {text}, dim=1", params={"dim": 1, "kind": kind},
                 shapes={"A": shape, "G": (rows,)},
                 pieces=[PieceSpec(f"rows' {word} at columns {c}", row_piece(c),
                                   row_branch(c, False)) for c in columns]),
            Case(f"A {text}, dim=1, keepdim", params={"dim": 1, "keepdim": True, "kind": kind},
                 shapes={"A": shape, "G": (rows, 1)},
                 pieces=[PieceSpec(f"rows' {word} at columns {reversed_columns}",
                                   row_piece(reversed_columns),
                                   row_branch(reversed_columns, True))])]

    return Derivation(
        kind, kind="op", topic="reductions", title=f"{kind} over all entries or along a dim",
        forward_unicode=f"out = {kind} A (over all entries, or along dim)",
        forward_latex=r"\mathrm{out} = \%s A" % kind,
        operands=[Operand("A", None, shape_text="any"), G_],
        output_shape="A's shape without dim",
        grads=[Grad("A", ArgExtremum(G, A),
                    f"∂L/∂A = G at the {word} entry, 0 elsewhere "
                    f"(all entries: G ⊙ [A = {kind} A] / #ties; along dim: to the returned index)",
                    r"\frac{\partial L}{\partial A} = G \odot [A = \%s A]" % kind
                    + r" \text{ (ties: see notes)}",
                    shape="A's shape")],
        forward=forward,
        cases=[case for shape in SIZES for case in cases_at(shape)],
        thorough_cases=[case for shape in THOROUGH_SIZES for case in cases_at(shape)],
        params={"dim": None, "keepdim": False, "kind": kind},
        notes=[f"ties, as PyTorch: over all entries G is split evenly among the tied {word} "
               f"entries; along a dim it all goes to the index {kind}(dim) returns"])


def derivations():
    return [sum_(), mean(), _extremum("max"), _extremum("min")]

