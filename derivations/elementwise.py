"""Elementwise ops: out = f(A) (or f(A, B)) entry by entry, so ∂L/∂A = G ⊙ f′(A).

For an entrywise f, out_ij depends on a_ij only, so ∂⟨G, f(A)⟩/∂a_ij = g_ij f′(a_ij): the
Jacobian is diagonal and the vector-Jacobian product is a Hadamard product with f′(A).

Piecewise ops (relu, abs, clamp, maximum, minimum) are proved on each piece, away from kinks and
ties; what they do at a kink (relu′(0) = 0, abs′(0) = 0, clamp passing the gradient at its
bounds, maximum splitting a tie in half) is PyTorch's choice, pinned by tests against PyTorch.

``derive(name, expression)`` does the same for a function a learner writes, e.g.
``derive("scaled_tanh", 2*tanh(x))`` (the seed's exercise 3).
"""

import numpy as np
import sympy as sp

from . import formula
from .core import Derivation, DerivationError, Grad, Operand, PieceSpec, size_cases
from .evaluate import explicit, sigmoid

x = sp.Symbol("x")
A_ = Operand("A", ("n", "m"))
G_ = Operand("G", ("n", "m"), role="upstream")
A, G = A_.symbol, G_.symbol
ONES = sp.OneMatrix(A.shape[0], A.shape[1])

# Three shapes whose two dimensions differ (n ≠ m), and different shapes from each other; the
# thorough profile adds larger ones.  An entrywise rule is the same on every entry, so these
# check that the closed form keeps its entries in place (no transpose, no broadcast mix-up).
SIZES = [(2, 3), (3, 4), (4, 1)]
THOROUGH_SIZES = [(1, 5), (5, 2), (3, 6)]


def shape_cases(sizes=SIZES, params=None, pieces=(), label="{}"):
    """One Case per n×m size in `sizes`, with the op's parameters and pieces."""
    return size_cases("nm", sizes, label, params, pieces)


def entrywise(function):
    """Apply a Python/SymPy function of one or more entries to object arrays, entry by entry."""
    return np.vectorize(function, otypes=[object])


def _positive_piece(values, params):
    return {a: sp.Symbol(f"t_{a}", positive=True) for a in values["A"].flat}


def _negative_piece(values, params):
    return {a: -sp.Symbol(f"t_{a}", positive=True) for a in values["A"].flat}


def _unary(name, title, f, derivative, forward_text, grad_text, *, domain="real",
           grad_closed=None, pieces=(), notes=(), uses=(), kind="op", cases=None, lemmas=(),
           topic="elementwise"):
    """A derivation for out = f(A) with ∂L/∂A = G ⊙ f′(A).

    f, derivative: SymPy expressions in x (the derivative is the hand-derived f′ that the proof
    checks against differentiating f).  forward_text/grad_text: (unicode, latex) pairs.
    """
    operand = Operand("A", ("n", "m"), domain=domain)
    closed = grad_closed if grad_closed is not None else \
        sp.HadamardProduct(G, A.applyfunc(sp.Lambda(x, derivative)))
    forward_function = sp.Lambda(x, explicit(f))  # σ written out: the proof differentiates it
    case = cases or shape_cases(pieces=pieces)
    derivation = Derivation(
        name, kind=kind, topic=topic, title=title,
        forward_unicode=forward_text[0], forward_latex=forward_text[1],
        operands=[operand, G_], output_shape="n×m",
        grads=[Grad("A", closed, grad_text[0], grad_text[1], shape="n×m")],
        forward=lambda values, params: entrywise(forward_function)(values["A"]),
        cases=case, notes=notes, uses=uses, lemmas=lemmas,
        thorough_cases=shape_cases(THOROUGH_SIZES, case[0].params, case[0].pieces))
    derivation.expression = f
    derivation.variable = x
    derivation.derivative = derivative
    return derivation


# --------------------------------------------------------------------------------------------
# One input
# --------------------------------------------------------------------------------------------


def neg():
    return _unary("neg", "negation", -x, sp.Integer(-1),
                  ("out = −A", r"\mathrm{out} = -A"),
                  ("∂L/∂A = −G", r"\frac{\partial L}{\partial A} = -G"),
                  grad_closed=-G)


def exp():
    return _unary("exp", "exponential", sp.exp(x), sp.exp(x),
                  ("out = exp(A)", r"\mathrm{out} = e^{A}"),
                  ("∂L/∂A = G ⊙ exp(A) = G ⊙ out",
                   r"\frac{\partial L}{\partial A} = G \odot e^{A} = G \odot \mathrm{out}"))


def log():
    return _unary("log", "natural logarithm", sp.log(x), 1 / x,
                  ("out = log(A)   (A > 0)", r"\mathrm{out} = \log A \quad (A > 0)"),
                  ("∂L/∂A = G ⊘ A", r"\frac{\partial L}{\partial A} = G \oslash A"),
                  domain="positive", grad_closed=sp.HadamardProduct(G, sp.HadamardPower(A, -1)))


def sqrt():
    return _unary("sqrt", "square root", sp.sqrt(x), 1 / (2 * sp.sqrt(x)),
                  ("out = √A   (A > 0)", r"\mathrm{out} = \sqrt{A} \quad (A > 0)"),
                  ("∂L/∂A = G ⊘ (2√A) = G ⊘ (2 out)",
                   r"\frac{\partial L}{\partial A} = G \oslash \left(2\sqrt{A}\right)"
                   r" = G \oslash (2\,\mathrm{out})"),
                  domain="positive", notes=["at A = 0 the gradient is inf, as PyTorch"])


def sin():
    return _unary("sin", "sine", sp.sin(x), sp.cos(x),
                  ("out = sin(A)", r"\mathrm{out} = \sin A"),
                  ("∂L/∂A = G ⊙ cos(A)", r"\frac{\partial L}{\partial A} = G \odot \cos A"))


def cos():
    return _unary("cos", "cosine", sp.cos(x), -sp.sin(x),
                  ("out = cos(A)", r"\mathrm{out} = \cos A"),
                  ("∂L/∂A = −G ⊙ sin(A)", r"\frac{\partial L}{\partial A} = -G \odot \sin A"))


def log1p():
    return _unary("log1p", "logarithm of 1 + A", sp.log(1 + x), 1 / (1 + x),
                  ("out = log(𝟏 + A)   (A > −1)",
                   r"\mathrm{out} = \log(\mathbf{1} + A) \quad (A > -1)"),
                  ("∂L/∂A = G ⊘ (𝟏 + A)",
                   r"\frac{\partial L}{\partial A} = G \oslash (\mathbf{1} + A)"),
                  domain="positive",
                  notes=["proved on A > 0 (the rule is the same on −1 < A ≤ 0); at A = −1 the "
                         "gradient is inf, as PyTorch"])


def expm1():
    return _unary("expm1", "exponential minus one", sp.exp(x) - 1, sp.exp(x),
                  ("out = exp(A) − 𝟏", r"\mathrm{out} = e^{A} - \mathbf{1}"),
                  ("∂L/∂A = G ⊙ exp(A) = G ⊙ (out + 𝟏)",
                   r"\frac{\partial L}{\partial A} = G \odot e^{A} = G \odot "
                   r"(\mathrm{out} + \mathbf{1})"))


def erf():
    return _unary("erf", "error function", sp.erf(x), 2 * sp.exp(-x ** 2) / sp.sqrt(sp.pi),
                  ("out = erf(A) = (2/√π) ∫₀ᴬ e^(−t²) dt",
                   r"\mathrm{out} = \operatorname{erf}(A) = \frac{2}{\sqrt{\pi}} "
                   r"\int_0^{A} e^{-t^2}\,dt"),
                  ("∂L/∂A = (2/√π) G ⊙ exp(−A ⊙ A)",
                   r"\frac{\partial L}{\partial A} = \frac{2}{\sqrt{\pi}}\, G \odot "
                   r"e^{-A \odot A}"))


def tanh():
    return _unary("tanh", "hyperbolic tangent", sp.tanh(x), 1 - sp.tanh(x) ** 2,
                  ("out = tanh(A)", r"\mathrm{out} = \tanh A"),
                  ("∂L/∂A = G ⊙ (𝟏 − out ⊙ out)   (tanh′ = 1 − tanh²)",
                   r"\frac{\partial L}{\partial A} = G \odot \left(\mathbf{1} - \mathrm{out}"
                   r" \odot \mathrm{out}\right)"))


def sigmoid_op():
    return _unary("sigmoid", "logistic sigmoid σ", 1 / (1 + sp.exp(-x)),
                  sigmoid(x) * (1 - sigmoid(x)),
                  ("out = σ(A) = 1 / (1 + e^(−A))",
                   r"\mathrm{out} = \sigma(A) = \frac{1}{1 + e^{-A}}"),
                  ("∂L/∂A = G ⊙ σ′(A) = G ⊙ out ⊙ (𝟏 − out)",
                   r"\frac{\partial L}{\partial A} = G \odot \sigma'(A) = G \odot \mathrm{out}"
                   r" \odot \left(\mathbf{1} - \mathrm{out}\right)"),
                  notes=["σ′ = σ(1 − σ) is the lemma the MLP chain proofs use for σ; this proof "
                         "also checks it of evaluate.sigmoid.fdiff, the derivative SymPy takes "
                         "there"],
                  lemmas=[sigmoid_lemma])


def sigmoid_lemma():
    """d/dx of the opaque σ the MLP chain proofs use (evaluate.sigmoid, whose fdiff returns
    σ(1 − σ)) against d/dx of its definition 1/(1 + e^(−x))."""
    t = sp.Symbol("t", real=True)
    claimed = explicit(sp.diff(sigmoid(t), t))
    truth = sp.diff(1 / (1 + sp.exp(-t)), t)
    return [("σ′ used by the chains = d/dx 1/(1 + e^(−x))", claimed - truth)]


def relu():
    return _unary("relu", "rectified linear unit", sp.Max(0, x), sp.Heaviside(x, 0),
                  ("out = relu(A) = max(A, 0)", r"\mathrm{out} = \operatorname{relu}(A) = \max(A, 0)"),
                  ("∂L/∂A = G ⊙ [A > 0]",
                   r"\frac{\partial L}{\partial A} = G \odot [A > 0]"),
                  pieces=[PieceSpec("A > 0", _positive_piece, lambda v, p: v["A"]),
                          PieceSpec("A < 0", _negative_piece,
                                    lambda v, p: np.zeros(v["A"].shape, dtype=object))],
                  notes=["[A > 0] is Heaviside(A, 0): relu′(0) = 0, as PyTorch "
                         "(SymPy's default Heaviside(0) is ½)"])


def abs_():
    return _unary("abs", "absolute value", sp.Abs(x), sp.sign(x),
                  ("out = |A|", r"\mathrm{out} = |A|"),
                  ("∂L/∂A = G ⊙ sign(A)", r"\frac{\partial L}{\partial A} = G \odot \operatorname{sign}(A)"),
                  pieces=[PieceSpec("A > 0", _positive_piece, lambda v, p: v["A"]),
                          PieceSpec("A < 0", _negative_piece, lambda v, p: -v["A"])],
                  notes=["sign(0) = 0: abs′(0) = 0, as PyTorch"])


def pow_():
    p = sp.Symbol("p")
    derivation = _unary(
        "pow", "power with a number exponent p", x ** p, p * x ** (p - 1),
        ("out = A^∘p   (p a number)", r"\mathrm{out} = A^{\circ p} \quad (p \text{ a number})"),
        ("∂L/∂A = p G ⊙ A^∘(p−1)",
         r"\frac{\partial L}{\partial A} = p\, G \odot A^{\circ (p-1)}"),
        grad_closed=p * sp.HadamardProduct(G, sp.HadamardPower(A, p - 1)),
        notes=["proved for symbolic p on A > 0, and for p = 3 and p = −2; with p = 0 the rule "
               "is 0 away from A = 0 (at A = 0 it reads 0·∞; PyTorch and the engine give 0)"],
        cases=shape_cases(params={"p": sp.Symbol("p")}, label="{}, symbolic p, A > 0")
        + shape_cases(params={"p": 3}, label="{}, p = 3")
        + shape_cases(params={"p": -2}, label="{}, p = −2"))
    # Proved for every p at once on positive A, and for integer p on any real A.
    derivation.operands[0].domain = "positive"
    derivation.forward = lambda values, params: entrywise(
        lambda a: a ** sp.sympify(params["p"]))(values["A"])
    derivation.params = {"p": 2}
    derivation.numeric_params = [{"p": 3}, {"p": -2}, {"p": 0.5}, {"p": 2.5}]
    return derivation


def clamp():
    lo, hi = sp.Symbol("lo"), sp.Symbol("hi")
    inside = sp.Heaviside(x - lo, 1) * sp.Heaviside(hi - x, 1)
    derivation = _unary(
        "clamp", "clamp to [lo, hi] (min=lo, max=hi)", sp.Min(sp.Max(x, lo), hi), inside,
        ("out = min(max(A, lo), hi)", r"\mathrm{out} = \min(\max(A, \ell), u)"),
        ("∂L/∂A = G ⊙ [lo ≤ A ≤ hi]",
         r"\frac{\partial L}{\partial A} = G \odot [\ell \le A \le u]"),
        notes=["at A = lo or A = hi the gradient passes (1), as PyTorch; a missing bound is ∓∞"])
    real_lo, real_hi = sp.Symbol("lo", real=True), sp.Symbol("hi", real=True)

    def forward(values, params):
        lower, upper = sp.sympify(params["lo"]), sp.sympify(params["hi"])
        return entrywise(lambda a: sp.Min(sp.Max(a, lower), upper))(values["A"])

    def below(values, params):  # every entry under lo; hi above lo
        point = {a: real_lo - sp.Symbol(f"t_{a}", positive=True) for a in values["A"].flat}
        point[real_hi] = real_lo + sp.Symbol("u", positive=True)
        return point

    def inside_piece(values, params):  # lo < every entry < hi
        ts = {a: sp.Symbol(f"t_{a}", positive=True) for a in values["A"].flat}
        point = {a: real_lo + t for a, t in ts.items()}
        point[real_hi] = real_lo + sum(ts.values()) + sp.Symbol("u", positive=True)
        return point

    def above(values, params):
        point = {a: real_hi + sp.Symbol(f"t_{a}", positive=True) for a in values["A"].flat}
        point[real_lo] = real_hi - sp.Symbol("u", positive=True)
        return point

    def constant(bound):
        return lambda values, params: np.full(values["A"].shape, sp.sympify(params[bound]),
                                              dtype=object)

    derivation.forward = forward
    derivation.params = {"lo": None, "hi": None}
    derivation.numeric_params = [{"lo": -0.5, "hi": 0.7}, {"lo": None, "hi": 0.3},
                                 {"lo": -0.2, "hi": None}]
    pieces = [PieceSpec("A < lo", below, constant("lo")),
              PieceSpec("lo < A < hi", inside_piece, lambda v, p: v["A"]),
              PieceSpec("A > hi", above, constant("hi"))]
    bounds = {"lo": real_lo, "hi": real_hi}
    derivation.cases = shape_cases(params=bounds, pieces=pieces, label="{}, symbolic bounds")
    derivation.thorough_cases = shape_cases(THOROUGH_SIZES, bounds, pieces,
                                            "{}, symbolic bounds")
    return derivation


def cast():
    return _unary("cast", "dtype conversion", x, sp.Integer(1),
                  ("out = A converted to another dtype", r"\mathrm{out} = A"),
                  ("∂L/∂A = G   (cast back to A's dtype)",
                   r"\frac{\partial L}{\partial A} = G"), grad_closed=G,
                  notes=["the value is unchanged (between float dtypes, up to rounding), so "
                         "the gradient is G, cast back to A's dtype by the engine"])


def clone():
    return _unary("clone", "copy", x, sp.Integer(1),
                  ("out = a copy of A", r"\mathrm{out} = A"),
                  ("∂L/∂A = G", r"\frac{\partial L}{\partial A} = G"), grad_closed=G)


# --------------------------------------------------------------------------------------------
# Two inputs of the same shape (broadcasting is the engine's one place: see linalg 'add')
# --------------------------------------------------------------------------------------------

B_ = Operand("B", ("n", "m"))
B = B_.symbol


def _binary(name, title, forward, grads, forward_text, *, domains=("real", "real"),
            pieces=(), notes=(), extra_operands=(), kind="op", topic="elementwise"):
    operands = [Operand("A", ("n", "m"), domain=domains[0]),
                Operand("B", ("n", "m"), domain=domains[1]), *extra_operands, G_]
    return Derivation(
        name, kind=kind, topic=topic, title=title,
        forward_unicode=forward_text[0], forward_latex=forward_text[1],
        operands=operands, output_shape="n×m", grads=grads,
        forward=forward,
        cases=shape_cases(pieces=pieces), notes=notes,
        thorough_cases=shape_cases(THOROUGH_SIZES, pieces=pieces))


def _d(wrt):
    return r"\frac{\partial L}{\partial %s}" % wrt


def sub():
    return _binary("sub", "difference", lambda v, p: v["A"] - v["B"],
                   [Grad("A", G, "∂L/∂A = G", _d("A") + " = G"),
                    Grad("B", -G, "∂L/∂B = −G", _d("B") + " = -G")],
                   ("out = A − B", r"\mathrm{out} = A - B"))


def mul():
    return _binary("mul", "elementwise product", lambda v, p: v["A"] * v["B"],
                   [Grad("A", sp.HadamardProduct(G, B), "∂L/∂A = G ⊙ B", _d("A") + r" = G \odot B"),
                    Grad("B", sp.HadamardProduct(G, A), "∂L/∂B = G ⊙ A", _d("B") + r" = G \odot A")],
                   ("out = A ⊙ B", r"\mathrm{out} = A \odot B"))


def div():
    return _binary(
        "div", "elementwise quotient", lambda v, p: v["A"] / v["B"],
        [Grad("A", sp.HadamardProduct(G, sp.HadamardPower(B, -1)), "∂L/∂A = G ⊘ B",
              _d("A") + r" = G \oslash B"),
         Grad("B", -sp.HadamardProduct(G, A, sp.HadamardPower(B, -2)),
              "∂L/∂B = −G ⊙ A ⊘ (B ⊙ B)",
              _d("B") + r" = -G \odot A \oslash (B \odot B)")],
        ("out = A ⊘ B   (B ≠ 0)", r"\mathrm{out} = A \oslash B \quad (B \ne 0)"),
        domains=("real", "nonzero"))


def pow_tensor():
    ones = sp.OneMatrix(*A.shape)
    return _binary(
        "pow_tensor", "power with a tensor exponent",
        lambda v, p: entrywise(lambda a, b: a ** b)(v["A"], v["B"]),
        [Grad("A", sp.HadamardProduct(G, B, sp.HadamardPower(A, B - ones)),
              "∂L/∂A = G ⊙ B ⊙ A^∘(B−𝟏)",
              _d("A") + r" = G \odot B \odot A^{\circ (B - \mathbf{1})}"),
         Grad("B", sp.HadamardProduct(G, sp.HadamardPower(A, B), A.applyfunc(sp.log)),
              "∂L/∂B = G ⊙ out ⊙ log A",
              _d("B") + r" = G \odot \mathrm{out} \odot \log A")],
        ("out = A^∘B   (A > 0)", r"\mathrm{out} = A^{\circ B} \quad (A > 0)"),
        domains=("positive", "real"),
        notes=["as PyTorch: ∂/∂A is 0 where B = 0; ∂/∂B is 0 where A = 0 and B ≥ 0"])


def _b_below_a(values, params):
    return {b: a - sp.Symbol(f"t_{b}", positive=True)
            for a, b in zip(values["A"].flat, values["B"].flat)}


def _b_above_a(values, params):
    return {b: a + sp.Symbol(f"t_{b}", positive=True)
            for a, b in zip(values["A"].flat, values["B"].flat)}


def maximum():
    half = sp.Rational(1, 2)
    return _binary(
        "maximum", "elementwise maximum", lambda v, p: entrywise(sp.Max)(v["A"], v["B"]),
        [Grad("A", sp.HadamardProduct(G, (A - B).applyfunc(sp.Lambda(x, sp.Heaviside(x, half)))),
              "∂L/∂A = G ⊙ ([A > B] + ½ [A = B])",
              _d("A") + r" = G \odot ([A > B] + \tfrac12 [A = B])"),
         Grad("B", sp.HadamardProduct(G, (B - A).applyfunc(sp.Lambda(x, sp.Heaviside(x, half)))),
              "∂L/∂B = G ⊙ ([B > A] + ½ [A = B])",
              _d("B") + r" = G \odot ([B > A] + \tfrac12 [A = B])")],
        ("out = max(A, B) entrywise", r"\mathrm{out} = \max(A, B)"),
        pieces=[PieceSpec("A > B", _b_below_a, lambda v, p: v["A"]),
                PieceSpec("A < B", _b_above_a, lambda v, p: v["B"])],
        notes=["a tie A = B splits G in half, as PyTorch (Heaviside(0, ½))"])


def minimum():
    half = sp.Rational(1, 2)
    return _binary(
        "minimum", "elementwise minimum", lambda v, p: entrywise(sp.Min)(v["A"], v["B"]),
        [Grad("A", sp.HadamardProduct(G, (B - A).applyfunc(sp.Lambda(x, sp.Heaviside(x, half)))),
              "∂L/∂A = G ⊙ ([A < B] + ½ [A = B])",
              _d("A") + r" = G \odot ([A < B] + \tfrac12 [A = B])"),
         Grad("B", sp.HadamardProduct(G, (A - B).applyfunc(sp.Lambda(x, sp.Heaviside(x, half)))),
              "∂L/∂B = G ⊙ ([B < A] + ½ [A = B])",
              _d("B") + r" = G \odot ([B < A] + \tfrac12 [A = B])")],
        ("out = min(A, B) entrywise", r"\mathrm{out} = \min(A, B)"),
        pieces=[PieceSpec("A < B", _b_above_a, lambda v, p: v["A"]),
                PieceSpec("A > B", _b_below_a, lambda v, p: v["B"])],
        notes=["a tie A = B splits G in half, as PyTorch (Heaviside(0, ½))"])


def where():
    C_ = Operand("C", ("n", "m"), role="data", domain="mask")
    C = C_.symbol
    return _binary(
        "where", "select by a condition",
        # For a 0/1 mask C, where(C, A, B) = C ⊙ A + (𝟏 − C) ⊙ B; proved for symbolic c, so
        # for every mask at once.
        lambda v, p: v["C"] * v["A"] + (1 - v["C"]) * v["B"],
        [Grad("A", sp.HadamardProduct(G, C), "∂L/∂A = G ⊙ C", _d("A") + r" = G \odot C"),
         Grad("B", G - sp.HadamardProduct(G, C), "∂L/∂B = G ⊙ (𝟏 − C)",
              _d("B") + r" = G \odot (\mathbf{1} - C)")],
        ("out = where(C, A, B) = C ⊙ A + (𝟏 − C) ⊙ B",
         r"\mathrm{out} = C \odot A + (\mathbf{1} - C) \odot B"),
        extra_operands=[C_],
        notes=["C is a 0/1 (boolean) mask and carries no gradient"])


# --------------------------------------------------------------------------------------------
# A learner's own elementwise function
# --------------------------------------------------------------------------------------------

_NOT_SMOOTH = (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign, sp.Piecewise, sp.floor,
               sp.ceiling)


def derive(name, expression):
    """The backward rule of a learner's elementwise function, as a proved Derivation.

        >>> from sympy import tanh, Symbol
        >>> x = Symbol("x")
        >>> d = derive("scaled_tanh", 2*tanh(x))
        >>> d.unicode()            # ∂L/∂A = G ⊙ f′(A), f′(x) = 2 − 2 tanh²(x)
        >>> d.prove().ok           # True

    expression: a SymPy expression or a string in one variable (any name, e.g. "2*tanh(x)"),
    read by derivations.formula (parsed, never run as Python); σ may be written sigmoid(x).
    Functions with kinks (max, abs, …) are refused: their rule needs pieces, as the built-in
    relu and abs have.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise DerivationError(f"derive: the name must be an identifier, got {name!r}")
    f = _parse(expression)
    variables = sorted(f.free_symbols, key=str)
    if len(variables) != 1:
        raise DerivationError(
            f"derive: {sp.sstr(f)!r} must use exactly one variable (the entry of A); "
            f"it uses {len(variables)}: {', '.join(map(str, variables)) or 'none'}")
    kinks = [kind.__name__ for kind in _NOT_SMOOTH if f.has(kind)]
    if kinks:
        raise DerivationError(
            f"derive: {sp.sstr(f)} uses {', '.join(sorted(set(kinks)))}, which has kinks; "
            f"derive it piece by piece (see derivations.elementwise.relu and abs)")
    variable = variables[0]
    f = f.xreplace({variable: x})
    derivative = sp.diff(f, x)
    if isinstance(derivative, sp.Derivative) or derivative.has(sp.Derivative):
        raise DerivationError(f"derive: SymPy cannot differentiate {sp.sstr(f)}")
    domain = "positive" if _needs_positive(f) else "real"
    f_text = sp.sstr(f)
    f_prime = sp.sstr(derivative)
    derivation = _unary(
        name, f"a learner's elementwise function f(x) = {f_text}", f, derivative,
        (f"out = f(A) entrywise, f(x) = {f_text}",
         r"\mathrm{out} = f(A), \quad f(x) = " + sp.latex(f)),
        (f"∂L/∂A = G ⊙ f′(A),  f′(x) = {f_prime}",
         r"\frac{\partial L}{\partial A} = G \odot f'(A), \quad f'(x) = " + sp.latex(derivative)),
        domain=domain, kind="learner")
    derivation.topic = "elementwise"
    return derivation


def _parse(expression):
    """A SymPy expression as it is; a string read by formula.parse (never evaluated)."""
    if isinstance(expression, sp.Basic):
        return sp.sympify(expression)
    if not isinstance(expression, str):
        raise DerivationError(f"derive: expected a SymPy expression or a string, "
                              f"got {type(expression).__name__}")
    return formula.parse(expression)


def _needs_positive(f):
    """log, or a power with a non-integer exponent, needs positive entries."""
    if f.has(sp.log):
        return True
    return any(not p.exp.is_integer for p in f.atoms(sp.Pow))


def derivations():
    """Every elementwise op's derivation, plus the seed's scaled tanh as a learner example."""
    return [neg(), pow_(), exp(), log(), sqrt(), sin(), cos(), log1p(), expm1(), erf(),
            abs_(), relu(), tanh(),
            sigmoid_op(), clamp(), cast(), clone(), sub(), mul(), div(), pow_tensor(),
            maximum(), minimum(), where(), derive("scaled_tanh", 2 * sp.tanh(x))]
