"""Matrix calculus by differentials: ∂L/∂W derived from the forward expression, step by step.

The method (reverse mode on a small tree of matrix operations; notation of docs/gradients.md):

    A scalar L has a differential dL, and for each matrix V it depends on, dL contains a term
    that is linear in dV.  Every linear function of dV can be written as a trace tr(Mᵀ dV) with
    M of V's shape, and then ∂L/∂V = M (identification).  So the gradient is found by writing
    dL = tr(Gᵀ dV) and moving everything that is not dV to the left, with trace identities.

    Reverse mode does this one named quantity at a time, from L backwards.  For V = e(U₁, U₂, …)
    with its gradient G = ∂L/∂V already known, the part of dL through V is tr(Gᵀ dV); the
    differential dV = de(…) is expanded with the axioms below (linearity, the product rule, …)
    into terms each linear in one dUᵢ; each term tr(Gᵀ T(dUᵢ)) is turned into tr(Mᵀ dUᵢ) with
    the trace identities (tr(AB) = tr(BA), tr(Aᵀ) = tr(A), (AB)ᵀ = BᵀAᵀ, and
    tr(Gᵀ(A ⊙ B)) = tr((G ⊙ A)ᵀ B)), and M is added to ∂L/∂Uᵢ (contributions add: linearity).

    Example, Z = X Wᵀ + 𝟏 bᵀ with G = ∂L/∂Z (n×o):
        dZ = X dWᵀ + 𝟏 dbᵀ                         linearity, product rule, X and 𝟏 constant
        tr(Gᵀ X dWᵀ) = tr((Xᵀ G)ᵀ dWᵀ) = tr((Gᵀ X)ᵀ dW)   ⇒  ∂L/∂W = Gᵀ X   (o×d)
        tr(Gᵀ 𝟏 dbᵀ) = tr((𝟏ᵀ G)ᵀ dbᵀ) = tr((Gᵀ 𝟏)ᵀ db)   ⇒  ∂L/∂b = Gᵀ 𝟏   (o)
    and for H = f(Z) entrywise: dH = f′(Z) ⊙ dZ, tr(Gᵀ (f′(Z) ⊙ dZ)) = tr((G ⊙ f′(Z))ᵀ dZ), so
    ∂L/∂Z = G ⊙ f′(Z), where f′ is SymPy's derivative of the scalar f(x) (relu: Max(0, x), whose
    derivative Heaviside(x) is taken with Heaviside(0) = 0, as PyTorch: Heaviside(x, 0)).

The rule table ``RULES`` holds only these general axioms and identities, never an op's
backward rule (a test checks that no op name appears in it): the gradient of a matrix product,
of a Linear layer, of MSE … is not written anywhere here; it comes out of the axioms.

The tree (``Leaf``, ``Ones``, ``Transpose``, ``Product``, ``Plus``, ``Scaled``, ``Hadamard``,
``Elementwise``, ``Total``, ``Named``) is checked for shapes as it is built, with the dimensions
as symbols (n, d, h, o): a transpose lost in a derivation is a shape error, not a wrong number.
SymPy's own MatrixSymbol differentiation is never called (SYMPY-NOTES.md: it returns a wrong
∂L/∂W₁ for a whole network); SymPy is used for scalars only: f′(x) of an entrywise f, and the
scale factors (1/(n·o)).

``derive(L)`` returns a ``Derived``: the steps (each with its rules, in Unicode), and each
gradient as an expression that ``evaluate`` computes on float arrays or, exactly, on arrays of
SymPy symbols, so it can be compared with the hand-written rules in derivations/ and with the
entry-by-entry truth (tests/test_matrix_calculus.py).  ``mlp(hidden, output, loss, reduction)``
and ``primitive(name)`` give the forward expressions of the MLP chain and of the seed's
primitives; ``python -m derivations mlp … --derive`` prints a derived chain.

Checking against the truth (∂L/∂wᵢⱼ of the loss built entry by entry on explicit matrices of
symbols): ``on_every_piece`` writes each kink as a 0/1 mask symbol (Heaviside(a) → mₐ,
max(0, a) → mₐ a), so one identity covers every sign pattern; ``is_exact_zero`` shows the
residual is 0 by expanding it with function values as independent symbols; for chains too large
to expand, ``vanishes_at_random_points`` evaluates it exactly at random rational points
(Schwartz–Zippel).
"""

import functools
from dataclasses import dataclass

import numpy as np
import sympy as sp

x = sp.Symbol("x", real=True)  # the variable of every entrywise scalar function
y = sp.Symbol("y", real=True)  # its output, when f′ is written in terms of f
DIM = {name: sp.Symbol(name, integer=True, positive=True) for name in "nmkdho"}


class MatrixCalculusError(ValueError):
    """A malformed expression: shapes that do not fit, or a differential in the wrong place."""


# --------------------------------------------------------------------------------------------
# The rule table: general axioms and identities only
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    key: str
    name: str
    statement: str


RULES = {r.key: r for r in (
    Rule("definition", "definition", "a named quantity V := e(U, …) has dV = d e(U, …)"),
    Rule("linearity", "linearity",
         "d(A + B) = dA + dB, d(cA) = c dA, tr(A + B) = tr A + tr B, tr(cA) = c tr A"),
    Rule("product", "product rule", "d(AB) = dA·B + A·dB"),
    Rule("hadamard_product", "product rule for ⊙", "d(A ⊙ B) = dA ⊙ B + A ⊙ dB"),
    Rule("transpose", "transpose rule", "d(Aᵀ) = (dA)ᵀ"),
    Rule("constant", "constants", "dC = 0 for data (X, Y, G) and for 𝟏"),
    Rule("chain_entrywise", "chain rule, entrywise f",
         "d f(A) = f′(A) ⊙ dA, with f′ SymPy's derivative of the scalar f(x)"),
    Rule("kink", "convention at a kink",
         "Heaviside(x) from SymPy is taken as Heaviside(x, h₀) with the h₀ the function "
         "declares (0, as PyTorch: SymPy's default is ½)"),
    Rule("chain_reduction", "chain rule, reductions",
         "Σᵢⱼ Aᵢⱼ = 𝟏ᵀ A 𝟏 and the average of N entries is (1/N) 𝟏ᵀ A 𝟏, so d(Σ A) = 𝟏ᵀ dA 𝟏"),
    Rule("scalar_trace", "a scalar is its trace", "for a 1×1 L, dL = tr(dL)"),
    Rule("trace_cyclic", "cyclic trace", "tr(ABC) = tr(CAB)"),
    Rule("trace_transpose", "trace of a transpose", "tr(Aᵀ) = tr(A)"),
    Rule("transpose_algebra", "transpose algebra", "(AB)ᵀ = BᵀAᵀ, (Aᵀ)ᵀ = A, (cA)ᵀ = c Aᵀ"),
    Rule("hadamard_trace", "⊙ inside a trace",
         "tr(Gᵀ (A ⊙ B)) = tr((G ⊙ A)ᵀ B): both are Σᵢⱼ Gᵢⱼ Aᵢⱼ Bᵢⱼ; ⊙ commutes"),
    Rule("ones", "ones", "𝟏ₐ 𝟏_bᵀ is the a×b matrix of ones, the unit of ⊙; 𝟏ₐᵀ 𝟏ₐ = a; "
         "1×1 factors are scalars"),
    Rule("entrywise_scaling", "an entrywise c·x is a scaling",
         "f(x) = c x gives f(A) = c A; f(x) = c gives f(A) = c 𝟏𝟏ᵀ"),
    Rule("output_form", "f′ in terms of the output",
         "if f′(x) = q(f(x)) (f(x) appears in f′, or y = f(x) has one solution x(y) and "
         "q(y) = f′(x(y)), checked by SymPy), then f′(A) = q(out)"),
    Rule("identification", "identification",
         "dL = tr(Mᵀ dV) for every dV means ∂L/∂V = M, of V's shape"),
)}


# --------------------------------------------------------------------------------------------
# Scalar functions applied entrywise
# --------------------------------------------------------------------------------------------


class ScalarFunction:
    """f(x) for an entrywise op: a SymPy expression in ``x``, with how it is written.

    style: 'call' (relu(A)), 'power' (A^∘2), 'reciprocal' (𝟏 ⊘ A, and B ⊘ A inside ⊙), or
    'formula' (a derivative: written out with the argument in place of x).
    kink: the value of Heaviside at 0 in f′ (relu′(0) = 0), or None when f is smooth.
    """

    def __init__(self, expr, label=None, style="formula", kink=None):
        self.expr = sp.sympify(expr)
        self.label = label
        self.style = style
        self.kink = kink

    def key(self):
        try:
            return self._key
        except AttributeError:
            self._key = (sp.srepr(self.expr), self.label, self.style, self.kink)
            return self._key

    def derivative(self):
        """f′ from SymPy's derivative of f(x); Heaviside at 0 set by the kink convention."""
        derivative = sp.diff(self.expr, x)
        if derivative.has(sp.Derivative):
            raise MatrixCalculusError(f"SymPy cannot differentiate {self.expr}")
        if self.kink is not None:
            derivative = derivative.replace(
                sp.Heaviside, lambda arg, *rest: sp.Heaviside(arg, self.kink))
        return ScalarFunction(derivative)

    def in_terms_of_output(self, f):
        """q(y) with self(x) = q(f(x)), or None: f(x) appears in self (exp, tanh), or y = f(x)
        has exactly one solution x(y) (σ); accepted only if SymPy shows the identity."""
        expr = self.expr
        q = expr.subs(f.expr, y)
        if q.has(x):
            try:
                solutions = sp.solve(sp.Eq(y, f.expr), x)
            except (NotImplementedError, ValueError):
                return None
            if len(solutions) != 1:
                return None
            q = sp.factor(sp.simplify(expr.subs(x, solutions[0])))
        if q.has(x) or not q.has(y) or sp.count_ops(q) > sp.count_ops(expr):
            return None
        if sp.simplify(q.subs(y, f.expr) - expr) != 0:
            return None
        return _tidy(q)


def _tidy(q):
    """q written with the fewest minus signs among its expanded and factored forms, a leading
    minus moved into a factor: −y(y − 1) becomes y(1 − y)."""
    candidates = [q, sp.expand(q)]
    factored = sp.factor(q)
    candidates.append(factored)
    coefficient, factors = factored.as_coeff_mul()
    if coefficient < 0:
        for i, f in enumerate(factors):
            if isinstance(f, sp.Add):
                flipped = factors[:i] + (sp.expand(-f),) + factors[i + 1:]
                scale = (-coefficient,) if coefficient != -1 else ()
                candidates.append(sp.Mul(*scale, *flipped, evaluate=False))
                break
    def cost(c):
        text = render_formula(c, {y: ("y", ATOM)})
        return (text.count("−"), not isinstance(c, sp.Mul), len(text))

    return min(candidates, key=cost)


@functools.lru_cache(maxsize=None)
def _numeric(expr):
    """A NumPy function of one array for a SymPy expression in x (Max as np.maximum)."""
    return sp.lambdify(x, expr, modules=[{"Max": _maximum, "Min": _minimum}, "numpy"])


def _maximum(*args):
    return functools.reduce(np.maximum, args)


def _minimum(*args):
    return functools.reduce(np.minimum, args)


# --------------------------------------------------------------------------------------------
# The tree
# --------------------------------------------------------------------------------------------

ATOM, POSTFIX, PRODUCT, HADAMARD, SCALED, PLUS = 6, 5, 4, 3, 2, 1


def _dim_text(dim):
    return str(dim)


class Expr:
    """A matrix expression with a symbolic shape (rows, cols): dimension names or 1."""

    rows = cols = None

    def _make_key(self):
        raise NotImplementedError

    def key(self):
        """What identifies the expression (computed once: trees are never changed)."""
        try:
            return self._key
        except AttributeError:
            self._key = self._make_key()
            self._hash = hash((type(self).__name__, self._key))
            return self._key

    def __eq__(self, other):
        return self is other or (type(self) is type(other) and hash(self) == hash(other)
                                 and self.key() == other.key())

    def __hash__(self):
        self.key()
        return self._hash

    @property
    def shape(self):
        return (self.rows, self.cols)

    def children(self):
        return ()

    # sugar for building forward expressions
    def __matmul__(self, other):
        return Product(self, other)

    def __add__(self, other):
        return Plus(self, other)

    def __sub__(self, other):
        return Plus(self, Scaled(-1, other))

    def __neg__(self):
        return Scaled(-1, self)

    def __mul__(self, other):  # A * B is A ⊙ B; c * A is a scaling
        if isinstance(other, Expr):
            return Hadamard(self, other)
        return Scaled(other, self)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return Hadamard(self, Elementwise(RECIPROCAL, other))

    @property
    def T(self):
        return Transpose(self)

    def __repr__(self):
        return f"<{type(self).__name__} {render(self)} ({shape_text(self.shape)})>"


def shape_text(shape, vector=False):
    rows, cols = shape
    if vector and cols == 1:
        return _dim_text(rows)
    if rows == 1 and cols == 1:
        return "scalar"
    return f"{_dim_text(rows)}×{_dim_text(cols)}"


class Leaf(Expr):
    """An operand: name (for values), text (Unicode), shape; const=True for data (no gradient);
    vector=True for a bias b shown as (o) but used as a column o×1."""

    def __init__(self, name, rows, cols=1, text=None, const=False, vector=False):
        self.name, self.rows, self.cols = name, rows, cols
        self.text = text or name
        self.const, self.vector = const, vector

    def _make_key(self):
        return (self.name, self.rows, self.cols, self.const)


class Ones(Expr):
    """𝟏: the rows×cols matrix of ones (𝟏 a column, 𝟏ᵀ a row, 𝟏𝟏ᵀ a matrix)."""

    def __init__(self, rows, cols=1):
        self.rows, self.cols = rows, cols

    def _make_key(self):
        return (self.rows, self.cols)


class Named(Expr):
    """A named intermediate quantity V := body (Z₁, H₁, …): reverse mode stops at it, and
    reports ∂L/∂V as one step."""

    def __init__(self, text, body):
        self.text, self.body = text, body
        self.rows, self.cols = body.shape

    def _make_key(self):
        return (self.text, self.body.key())

    def children(self):
        return (self.body,)


class Transpose(Expr):
    def __init__(self, arg):
        self.arg = arg
        self.rows, self.cols = arg.cols, arg.rows

    def _make_key(self):
        return (self.arg.key(),)

    def children(self):
        return (self.arg,)


class Product(Expr):
    """A B C …: a matrix product (inner dimensions must agree)."""

    def __init__(self, *factors):
        flat = []
        for f in factors:
            flat += list(f.factors) if isinstance(f, Product) else [f]
        if len(flat) < 2:
            raise MatrixCalculusError("a product needs two factors")
        for a, b in zip(flat, flat[1:]):
            if a.cols != b.rows:
                raise MatrixCalculusError(
                    f"product: {render(a)} ({shape_text(a.shape)}) times {render(b)} "
                    f"({shape_text(b.shape)}): inner dimensions {a.cols} and {b.rows} differ")
        self.factors = tuple(flat)
        self.rows, self.cols = flat[0].rows, flat[-1].cols

    def _make_key(self):
        return tuple(f.key() for f in self.factors)

    def children(self):
        return self.factors


def _same_shapes(what, items):
    for item in items[1:]:
        if item.shape != items[0].shape:
            raise MatrixCalculusError(
                f"{what}: {render(items[0])} is {shape_text(items[0].shape)} but {render(item)} "
                f"is {shape_text(item.shape)}")


class Plus(Expr):
    """A + B + …: terms of one shape (a bias enters as 𝟏 bᵀ, never by broadcasting)."""

    def __init__(self, *terms):
        flat = []
        for t in terms:
            flat += list(t.terms) if isinstance(t, Plus) else [t]
        _same_shapes("sum of matrices", flat)
        self.terms = tuple(flat)
        self.rows, self.cols = flat[0].shape

    def _make_key(self):
        return tuple(t.key() for t in self.terms)

    def children(self):
        return self.terms


class Scaled(Expr):
    """c A with c a SymPy scalar (a number, or an expression in the dimensions, like 1/(n·o))."""

    def __init__(self, c, arg):
        self.c, self.arg = sp.sympify(c), arg
        self.rows, self.cols = arg.shape

    def _make_key(self):
        return (sp.srepr(self.c), self.arg.key())

    def children(self):
        return (self.arg,)


class Hadamard(Expr):
    """A ⊙ B ⊙ …: the entrywise product of matrices of one shape."""

    def __init__(self, *factors):
        flat = []
        for f in factors:
            flat += list(f.factors) if isinstance(f, Hadamard) else [f]
        _same_shapes("⊙", flat)
        self.factors = tuple(flat)
        self.rows, self.cols = flat[0].shape

    def _make_key(self):
        return tuple(f.key() for f in self.factors)

    def children(self):
        return self.factors


class Elementwise(Expr):
    """f(A): a scalar function applied to every entry."""

    def __init__(self, function, arg):
        self.function, self.arg = function, arg
        self.rows, self.cols = arg.shape

    def _make_key(self):
        return (self.function.key(), self.arg.key())

    def children(self):
        return (self.arg,)


class Total(Expr):
    """Σ A over every entry (1×1), or the average (1/N) Σ A when average=True."""

    def __init__(self, arg, average=False):
        self.arg, self.average = arg, average
        self.rows, self.cols = 1, 1

    def _make_key(self):
        return (self.arg.key(), self.average)

    def children(self):
        return (self.arg,)


class D(Expr):
    """dV: the differential of a leaf or a named quantity (appears once in each term)."""

    def __init__(self, of):
        self.of = of
        self.rows, self.cols = of.shape

    def _make_key(self):
        return (self.of.key(),)


class Adjoint(Expr):
    """∂L/∂V as a symbol (its text), standing for its value (an expression in earlier ones)."""

    def __init__(self, of, value):
        self.of, self.value = of, value
        self.rows, self.cols = of.shape
        self.text = f"∂L/∂{of.text}"

    def _make_key(self):
        return ("adjoint", self.of.key())


# entrywise functions of the seed (the forward expression names them; f′ comes from SymPy)
RECIPROCAL = ScalarFunction(1 / x, "reciprocal", "reciprocal")
SQUARE = ScalarFunction(x ** 2, "^∘2", "power")


def relu(a):
    return Elementwise(ScalarFunction(sp.Max(0, x), "relu", "call", kink=0), a)


def tanh(a):
    return Elementwise(ScalarFunction(sp.tanh(x), "tanh", "call"), a)


def sigmoid(a):
    return Elementwise(ScalarFunction(1 / (1 + sp.exp(-x)), "σ", "call"), a)


def exp(a):
    return Elementwise(ScalarFunction(sp.exp(x), "exp", "call"), a)


def log(a):
    return Elementwise(ScalarFunction(sp.log(x), "log", "call"), a)


def power(a, p):
    p = sp.sympify(p)
    return Elementwise(ScalarFunction(x ** p, f"^∘{_scalar_text(p, bare=True)}", "power"), a)


def square(a):
    return Elementwise(SQUARE, a)


def total(a):
    return Total(a)


def average(a):
    return Total(a, average=True)


# --------------------------------------------------------------------------------------------
# Unicode rendering
# --------------------------------------------------------------------------------------------


def _scalar_text(c, bare=False):
    """2, −1, (1/n), (2/(n·o)): a scale factor as docs/gradients.md writes it."""
    text = sp.sstr(c).replace("**", "^").replace("*", "·").replace("-", "−")
    if bare or sp.sympify(c).is_Integer or text.lstrip("−").replace("/", "").isalnum():
        return text if bare or "/" not in text else f"({text})"
    return f"({text})"


def _prec(e, alias):
    if e in alias or isinstance(e, (Leaf, Named, D)):
        return ATOM
    if isinstance(e, Adjoint):
        return HADAMARD
    if isinstance(e, Ones):
        return ATOM if e.cols == 1 else POSTFIX
    if isinstance(e, (Transpose,)):
        return POSTFIX
    if isinstance(e, Elementwise):
        if e.function.style in ("call", "power"):
            return POSTFIX
        if e.function.style == "reciprocal":
            return HADAMARD
        return _formula(e.function.expr, {x: ("x", ATOM)})[1]
    if isinstance(e, Total):
        return POSTFIX if e.average else SCALED
    if isinstance(e, Product):
        return PRODUCT
    if isinstance(e, Hadamard):
        return HADAMARD
    if isinstance(e, Scaled):
        return SCALED
    return PLUS


def render(e, alias=None, inline=False):
    """Unicode text of an expression.  alias: {expr: text} (e.g. the upstream gradient as G);
    inline: show named quantities by their definitions."""
    alias = alias or {}
    return _render(e, alias, inline)


def _wrap(e, alias, inline, minimum):
    text = _render(e, alias, inline)
    prec = _prec(e, alias) if not (inline and isinstance(e, Named)) else _prec(e.body, alias)
    return text if prec >= minimum else f"({text})"


def _render(e, alias, inline):
    if e in alias:
        return alias[e]
    if isinstance(e, Named):
        return _render(e.body, alias, inline) if inline else e.text
    if isinstance(e, Leaf):
        return e.text
    if isinstance(e, Adjoint):
        return e.text
    if isinstance(e, D):
        return "d" + (e.of.text)
    if isinstance(e, Ones):
        return {(True, True): "1", (False, True): "𝟏", (True, False): "𝟏ᵀ"}.get(
            (e.rows == 1, e.cols == 1), "𝟏𝟏ᵀ")
    if isinstance(e, Transpose):
        return _wrap(e.arg, alias, inline, ATOM) + "ᵀ"
    if isinstance(e, Product):
        return " ".join(_wrap(f, alias, inline, PRODUCT + 1) for f in e.factors)
    if isinstance(e, Hadamard):
        parts = []
        for f in e.factors:
            if isinstance(f, Elementwise) and f.function.expr == 1 / x and parts:
                parts.append("⊘ " + _wrap(f.arg, alias, inline, POSTFIX))
            else:
                minimum = PRODUCT + 1 if isinstance(f, Product) else HADAMARD
                parts.append(("⊙ " if parts else "") + _wrap(f, alias, inline, minimum))
        return " ".join(parts)
    if isinstance(e, Scaled):
        if e.c == -1:
            return "−" + _wrap(e.arg, alias, inline, HADAMARD + 1)
        return _scalar_text(e.c) + " " + _wrap(e.arg, alias, inline, HADAMARD + 1)
    if isinstance(e, Plus):
        out = _render(e.terms[0], alias, inline)
        for t in e.terms[1:]:
            if isinstance(t, Scaled) and t.c.could_extract_minus_sign():
                out += " − " + _wrap(Scaled(-t.c, t.arg) if t.c != -1 else t.arg, alias,
                                     inline, SCALED)
            else:
                out += " + " + _wrap(t, alias, inline, SCALED)
        return out
    if isinstance(e, Total):
        if e.average:
            return f"mean({_render(e.arg, alias, inline)})"
        return "Σ " + _wrap(e.arg, alias, inline, POSTFIX)
    if isinstance(e, Elementwise):
        f = e.function
        if f.style == "call":
            return f"{f.label}({_render(e.arg, alias, inline)})"
        if f.style == "power":
            return _wrap(e.arg, alias, inline, ATOM) + f.label
        if f.style == "reciprocal":
            return "𝟏 ⊘ " + _wrap(e.arg, alias, inline, POSTFIX)
        return render_formula(f.expr, {x: (_render(e.arg, alias, inline),
                                           _prec(e.arg, alias))})
    raise MatrixCalculusError(f"cannot render {type(e).__name__}")


def render_formula(expr, names):
    """A scalar formula (f′) as a matrix formula: names {symbol: (text, precedence)} give the
    matrices the symbols stand for; products are ⊙, powers ^∘, constants multiples of 𝟏."""
    text, _ = _formula(sp.sympify(expr), names)
    return text


def _formula(expr, names):
    if expr in names:
        return names[expr]
    if expr.is_Number:
        text = "𝟏" if expr == 1 else f"{_scalar_text(expr)} 𝟏"
        return text, HADAMARD
    if isinstance(expr, sp.Heaviside):
        inner, _ = _formula(expr.args[0], names)
        return f"[{inner} > 0]", ATOM
    if isinstance(expr, sp.Add):
        terms = sorted(expr.args, key=lambda t: (not t.is_Number, sp.default_sort_key(t)))
        out = ""
        for t in terms:
            negative = t.could_extract_minus_sign()
            text, prec = _formula(-t if negative else t, names)
            text = text if prec > PLUS else f"({text})"
            if out:
                out += (" − " if negative else " + ") + text
            else:
                out = ("−" if negative else "") + text
        return out, PLUS
    if isinstance(expr, sp.Mul):
        coefficient, rest = expr.as_coeff_Mul()
        numerators, denominators = [], []
        for factor in sp.Mul.make_args(rest):
            base, exponent = factor.as_base_exp()
            if exponent.is_Number and exponent < 0:
                denominators.append(base ** -exponent)
            else:
                numerators.append(factor)
        texts = [_paren_formula(f, names, HADAMARD + 1) for f in numerators] or ["𝟏"]
        text = " ⊙ ".join(texts)
        for den in denominators:
            text += " ⊘ " + _paren_formula(den, names, POSTFIX)
        if coefficient == -1:
            return "−" + (text if len(texts) + len(denominators) == 1 else f"({text})"), SCALED
        if coefficient != 1:
            return f"{_scalar_text(coefficient)} {text}", SCALED
        return text, HADAMARD
    if isinstance(expr, sp.Pow):
        base, exponent = expr.as_base_exp()
        if exponent.is_Number and exponent < 0:
            return "𝟏 ⊘ " + _paren_formula(base ** -exponent, names, POSTFIX), HADAMARD
        return (_paren_formula(base, names, ATOM) + "^∘" + _scalar_text(exponent, bare=True),
                POSTFIX)
    if isinstance(expr, sp.Function):
        inner = ", ".join(_formula(a, names)[0] for a in expr.args)
        return f"{type(expr).__name__}({inner})", ATOM
    return sp.sstr(expr), ATOM


def _paren_formula(expr, names, minimum):
    text, prec = _formula(expr, names)
    return text if prec >= minimum else f"({text})"


# --------------------------------------------------------------------------------------------
# Simplification by the identities in RULES (each rewrite reports the rule it used)
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _slope(f):
    """c when f(x) = c·x, else None."""
    c = sp.simplify(f / x)
    return None if c.has(x) else c


def simplify(e, used=None):
    """e rewritten with (Aᵀ)ᵀ = A, (AB)ᵀ = BᵀAᵀ, scalars pulled out, ones merged and dropped
    from ⊙, entrywise c·x as a scaling; the keys of the rules used are added to `used`."""
    used = used if used is not None else set()
    while True:
        new = _simplify(e, used)
        if new == e:
            return new
        e = new


def _simplify(e, used):
    if isinstance(e, (Leaf, Ones, Named, D, Adjoint)):
        return e
    if isinstance(e, Transpose):
        a = _simplify(e.arg, used)
        if isinstance(a, Transpose):
            used.add("transpose_algebra")
            return a.arg
        if isinstance(a, Ones):
            used.add("ones")
            return Ones(a.cols, a.rows)
        if isinstance(a, Product):
            used.add("transpose_algebra")
            return Product(*[Transpose(f) for f in reversed(a.factors)])
        if isinstance(a, Scaled):
            used.add("transpose_algebra")
            return Scaled(a.c, Transpose(a.arg))
        if a.rows == 1 and a.cols == 1:
            used.add("transpose_algebra")
            return a
        return Transpose(a)
    if isinstance(e, Scaled):
        a = _simplify(e.arg, used)
        if isinstance(a, Scaled):
            return Scaled(e.c * a.c, a.arg)
        if e.c == 1:
            return a
        return Scaled(e.c, a)
    if isinstance(e, Plus):
        terms = [_simplify(t, used) for t in e.terms]
        return Plus(*terms) if len(terms) > 1 else terms[0]
    if isinstance(e, Product):
        factors, c = [], sp.Integer(1)
        for f in e.factors:
            f = _simplify(f, used)
            if isinstance(f, Scaled):
                used.add("linearity")
                c, f = c * f.c, f.arg
            if isinstance(f, Ones) and f.rows == 1 and f.cols == 1:
                used.add("ones")
                continue
            if factors and isinstance(f, Ones) and isinstance(factors[-1], Ones):
                used.add("ones")
                inner = f.rows
                f = Ones(factors.pop().rows, f.cols)
                if inner != 1:
                    c = c * DIM.get(inner, inner)
            factors.append(f)
        if not factors:
            body = Ones(1, 1)
        elif len(factors) == 1:
            body = factors[0]
        else:
            body = Product(*factors)
        return body if c == 1 else Scaled(c, body)
    if isinstance(e, Hadamard):
        factors, c = [], sp.Integer(1)
        for f in e.factors:
            f = _simplify(f, used)
            if isinstance(f, Scaled):
                used.add("linearity")
                c, f = c * f.c, f.arg
            factors.append(f)
        if len(factors) > 1 and any(isinstance(f, Ones) for f in factors):
            used.add("ones")
            factors = [f for f in factors if not isinstance(f, Ones)] or [factors[0]]
        body = Hadamard(*factors) if len(factors) > 1 else factors[0]
        return body if c == 1 else Scaled(c, body)
    if isinstance(e, Elementwise):
        a = _simplify(e.arg, used)
        f = e.function.expr
        if f == x:
            used.add("entrywise_scaling")
            return a
        if not f.has(x):
            used.add("entrywise_scaling")
            return Scaled(f, Ones(*a.shape))
        c = _slope(f)
        if c is not None:
            used.add("entrywise_scaling")
            return Scaled(c, a)
        return Elementwise(e.function, a)
    if isinstance(e, Total):
        return Total(_simplify(e.arg, used), e.average)
    raise MatrixCalculusError(f"cannot simplify {type(e).__name__}")


# --------------------------------------------------------------------------------------------
# Differentials: one level, down to named quantities and leaves
# --------------------------------------------------------------------------------------------


@dataclass
class Note:
    """What a differential expansion used: rule keys, and the entrywise functions met."""

    rules: set
    functions: list
    constants: list
    outputs: list = None  # (V, q): f′(Z) = q(V) for V = f(Z)

    def __post_init__(self):
        self.outputs = [] if self.outputs is None else self.outputs


def differential(e, note, owner=None):
    """The terms of de, each an expression linear in one dV (a D node), V a named quantity or
    a leaf with a gradient; constants contribute nothing.  owner: the named quantity V being
    expanded (V = f(Z) may then write f′(Z) in terms of V itself: rule output_form)."""
    if isinstance(e, Named):
        return [D(e)]
    if isinstance(e, Leaf):
        if e.const:
            note.rules.add("constant")
            if e.text not in note.constants:
                note.constants.append(e.text)
            return []
        return [D(e)]
    if isinstance(e, Ones):
        note.rules.add("constant")
        if "𝟏" not in note.constants:
            note.constants.append("𝟏")
        return []
    if isinstance(e, Plus):
        note.rules.add("linearity")
        return [t for term in e.terms for t in differential(term, note)]
    if isinstance(e, Scaled):
        note.rules.add("linearity")
        return [Scaled(e.c, t) for t in differential(e.arg, note)]
    if isinstance(e, Transpose):
        note.rules.add("transpose")
        return [Transpose(t) for t in differential(e.arg, note)]
    if isinstance(e, Product):
        note.rules.add("product")
        out = []
        for i, f in enumerate(e.factors):
            for t in differential(f, note):
                out.append(Product(*e.factors[:i], t, *e.factors[i + 1:]))
        return out
    if isinstance(e, Hadamard):
        note.rules.add("hadamard_product")
        out = []
        for i, f in enumerate(e.factors):
            for t in differential(f, note):
                out.append(Hadamard(*e.factors[:i], t, *e.factors[i + 1:]))
        return out
    if isinstance(e, Elementwise):
        inner = differential(e.arg, note)
        if not inner:
            return []
        note.rules.add("chain_entrywise")
        derivative = e.function.derivative()
        if e.function.kink is not None:
            note.rules.add("kink")
        note.functions.append((e.function, derivative))
        slope = Elementwise(derivative, e.arg)
        if owner is not None and e == owner.body and e.function.kink is None:
            q = _output_form(derivative.expr, e.function.expr)
            if q is not None:
                note.rules.add("output_form")
                note.outputs.append((owner, q))
                slope = Elementwise(ScalarFunction(q.subs(y, x)), owner)
        return [Hadamard(slope, t) for t in inner]
    if isinstance(e, Total):
        note.rules.add("chain_reduction")
        rows, cols = e.arg.shape
        out = [Product(Ones(1, rows), t, Ones(cols, 1)) for t in differential(e.arg, note)]
        if e.average:
            count = DIM.get(rows, rows) * DIM.get(cols, cols) if rows != 1 or cols != 1 else 1
            out = [Scaled(1 / sp.sympify(count), t) for t in out]
        return out
    raise MatrixCalculusError(f"no differential for {type(e).__name__}")


@functools.lru_cache(maxsize=None)
def _output_form(derivative, f):
    return ScalarFunction(derivative).in_terms_of_output(ScalarFunction(f))


def _target(t):
    """The D node inside a term."""
    if isinstance(t, D):
        return t
    for child in _term_children(t):
        found = _target(child)
        if found is not None:
            return found
    return None


def _term_children(t):
    if isinstance(t, (Named, Leaf, Ones, D, Adjoint)):
        return ()
    return t.children()


# --------------------------------------------------------------------------------------------
# Pulling a term out of the trace: tr(Mᵀ T(dV)) → tr(M′ᵀ dV)
# --------------------------------------------------------------------------------------------


@dataclass
class Stage:
    """One equality in a trace manipulation: tr(Mᵀ T) after applying `rules`."""

    M: Expr
    T: Expr
    rules: tuple


def pull(M, T):
    """Stages from tr(Mᵀ T) down to tr(Gᵀ dV); returns (stages, G, V)."""
    stages = [Stage(M, T, ())]
    while not isinstance(T, D):
        used = set()
        if isinstance(T, Scaled):
            M, T, rules = Scaled(T.c, M), T.arg, ("linearity",)
        elif isinstance(T, Transpose):
            M, T, rules = _pull_transpose(M), T.arg, ("trace_transpose", "trace_cyclic")
        elif isinstance(T, Product):
            i = next(i for i, f in enumerate(T.factors) if _target(f) is not None)
            M, T = _pull_product(M, T.factors[:i], T.factors[i + 1:]), T.factors[i]
            rules = ("trace_cyclic", "transpose_algebra")
        elif isinstance(T, Hadamard):
            i = next(i for i, f in enumerate(T.factors) if _target(f) is not None)
            others = T.factors[:i] + T.factors[i + 1:]
            M, T, rules = Hadamard(M, *others), T.factors[i], ("hadamard_trace",)
        else:
            raise MatrixCalculusError(f"cannot pull {render(T)} out of a trace")
        M = simplify(M, used)
        T = simplify(T, used)
        stages.append(Stage(M, T, tuple(dict.fromkeys(rules + tuple(sorted(used))))))
    if M.shape != T.shape:
        raise MatrixCalculusError(f"identification: ∂L/∂{T.of.text} = {render(M)} is "
                                  f"{shape_text(M.shape)}, but {T.of.text} is "
                                  f"{shape_text(T.shape)}")
    return stages, M, T.of


def _pull_transpose(M):
    """tr(Mᵀ Tᵀ) = tr((T M)ᵀ) = tr(T M) = tr(M T) = tr((Mᵀ)ᵀ T): the new M is Mᵀ."""
    return Transpose(M)


def _pull_product(M, before, after):
    """tr(Mᵀ P₁ T P₂) = tr(P₂ Mᵀ P₁ T) = tr((P₁ᵀ M P₂ᵀ)ᵀ T): the new M is P₁ᵀ M P₂ᵀ."""
    parts = [Transpose(_product(before))] if before else []
    parts.append(M)
    if after:
        parts.append(Transpose(_product(after)))
    return Product(*parts) if len(parts) > 1 else M


def _product(factors):
    return Product(*factors) if len(factors) > 1 else factors[0]


# --------------------------------------------------------------------------------------------
# Reverse mode
# --------------------------------------------------------------------------------------------


@dataclass
class Contribution:
    """One term of dV's expansion, pulled out: the stages, and what it adds to ∂L/∂target."""

    term: Expr
    stages: list
    target: Expr
    gradient: Expr
    target_shared: bool = False  # other terms add to ∂L/∂target too


@dataclass
class Step:
    """The expansion of one named quantity (or of L): its gradient, dV, the contributions."""

    node: Expr
    gradient: Expr  # ∂L/∂node, in terms of earlier Adjoint symbols
    adjoint: Adjoint
    note: Note
    expansion: Expr  # dV as one expression (for display)
    contributions: list


class Derived:
    """Everything derive() found; see its docstring."""

    def __init__(self, loss, steps, gradients, leaves, adjoints):
        self.loss = loss
        self.steps = steps
        self.gradients = gradients  # {leaf name: expression in Adjoint symbols}
        self.leaves = leaves  # {leaf name: Leaf}
        self.adjoints = adjoints  # {named text or leaf name: Adjoint}

    def gradient(self, name):
        """∂L/∂(leaf or named quantity) as an expression in earlier gradients."""
        if name in self.gradients:
            return self.gradients[name]
        for step in self.steps:
            if isinstance(step.node, Named) and step.node.text == name:
                return step.gradient
        raise MatrixCalculusError(f"no gradient for {name!r}; have "
                                  f"{', '.join(list(self.gradients))}")

    def expanded(self, name):
        """The gradient with every ∂L/∂V symbol replaced by its value (simplified)."""
        return simplify(substitute_adjoints(self.gradient(name)))

    def evaluate(self, values, exact=False):
        """{leaf name: array} of every gradient (vectors as 1-D arrays), on float arrays (or
        object arrays of SymPy expressions when exact)."""
        env = Environment(values, exact)
        env.bind_leaves(self.loss)
        out = {}
        for name, expr in self.gradients.items():
            value = env.evaluate(expr)
            leaf = self.leaves[name]
            out[name] = value.reshape(-1) if leaf.vector else value
        return out

    def evaluate_named(self, values, exact=False):
        """{text: array} of the gradient of every named quantity (Ŷ, Z₂, …)."""
        env = Environment(values, exact)
        env.bind_leaves(self.loss)
        return {step.node.text: env.evaluate(step.gradient) for step in self.steps
                if isinstance(step.node, Named)}

    def unicode(self, title=None):
        return "\n".join(_steps_text(self, title))


def substitute_adjoints(e):
    """e with each Adjoint symbol replaced by its value, recursively."""
    if isinstance(e, Adjoint):
        return substitute_adjoints(e.value)
    if isinstance(e, (Leaf, Ones, Named, D)):
        return e
    if isinstance(e, Transpose):
        return Transpose(substitute_adjoints(e.arg))
    if isinstance(e, Product):
        return Product(*[substitute_adjoints(f) for f in e.factors])
    if isinstance(e, Plus):
        return Plus(*[substitute_adjoints(t) for t in e.terms])
    if isinstance(e, Hadamard):
        return Hadamard(*[substitute_adjoints(f) for f in e.factors])
    if isinstance(e, Scaled):
        return Scaled(e.c, substitute_adjoints(e.arg))
    if isinstance(e, Elementwise):
        return Elementwise(e.function, substitute_adjoints(e.arg))
    if isinstance(e, Total):
        return Total(substitute_adjoints(e.arg), e.average)
    raise MatrixCalculusError(f"cannot substitute in {type(e).__name__}")


def _walk(e, seen, order):
    """Named quantities and leaves in post-order (children first), each once."""
    if e in seen:
        return
    seen.add(e)
    for child in e.children():
        _walk(child, seen, order)
    if isinstance(e, (Named, Leaf)):
        order.append(e)


def derive(loss):
    """Reverse mode by differentials on a scalar expression L (1×1).

    Returns a Derived: for each named quantity, from L backwards, a Step with dV expanded by
    the axioms and each term pulled out of tr(Gᵀ ·) by the trace identities; and ∂L/∂W for each
    leaf W that is not data.
    """
    if loss.shape != (1, 1):
        raise MatrixCalculusError(f"derive needs a scalar L, got {shape_text(loss.shape)}")
    root = loss if isinstance(loss, Named) else Named("L", loss)
    order = []
    _walk(root, set(), order)
    named = [v for v in reversed(order) if isinstance(v, Named)]  # consumers before inputs
    leaves = {v.name: v for v in order if isinstance(v, Leaf) and not v.const}
    pending = {root: [Ones(1, 1)]}
    steps, adjoints, gradients = [], {}, {}
    for node in named:
        parts = pending.get(node)
        if not parts:
            continue  # L does not depend on it through anything with a gradient
        gradient = simplify(Plus(*parts) if len(parts) > 1 else parts[0])
        adjoint = Adjoint(node, gradient)
        adjoints[node.text] = adjoint
        note = Note(set(), [], [])
        terms = [simplify(t, note.rules) for t in differential(node.body, note, node)]
        if node is not root:
            note.rules.add("definition")
        contributions = []
        for term in terms:
            stages, g, target = pull(gradient if node is root else adjoint, term)
            g = simplify(g)
            pending.setdefault(target, []).append(g)
            contributions.append(Contribution(term, stages, target, g))
        expansion = Plus(*terms) if len(terms) > 1 else (terms[0] if terms else None)
        steps.append(Step(node, gradient, adjoint, note, expansion, contributions))
    counts = {}
    for step in steps:
        for c in step.contributions:
            counts[c.target] = counts.get(c.target, 0) + 1
    for step in steps:
        for c in step.contributions:
            c.target_shared = counts[c.target] > 1
    for name, leaf in leaves.items():
        parts = pending.get(leaf, [])
        if parts:
            gradients[name] = simplify(Plus(*parts) if len(parts) > 1 else parts[0])
            adjoints[name] = Adjoint(leaf, gradients[name])
    return Derived(root, steps, gradients, leaves, adjoints)


# --------------------------------------------------------------------------------------------
# Evaluation on float arrays, or exactly on arrays of SymPy expressions
# --------------------------------------------------------------------------------------------


class Environment:
    """Values of the leaves by name; dimension sizes read from them (and checked)."""

    def __init__(self, values, exact=False):
        self.exact = exact
        self.values = {}
        self.dims = {}
        self.memo = {}
        for name, value in values.items():
            array = np.asarray(value, dtype=object if exact else float)
            self.values[name] = array.reshape(-1, 1) if array.ndim == 1 else \
                array.reshape(1, 1) if array.ndim == 0 else array

    def size(self, dim, where):
        if dim == 1:
            return 1
        if dim not in self.dims:
            raise MatrixCalculusError(f"the size of {dim} is unknown at {render(where)}")
        return self.dims[dim]

    def _bind(self, leaf):
        if leaf.name not in self.values:
            raise MatrixCalculusError(f"no value for {leaf.text} ({leaf.name})")
        value = self.values[leaf.name]
        for dim, size in zip(leaf.shape, value.shape):
            if dim == 1:
                if size != 1:
                    raise MatrixCalculusError(f"{leaf.text}: expected size 1, got {size}")
                continue
            if self.dims.setdefault(dim, size) != size:
                raise MatrixCalculusError(
                    f"{leaf.text}: {dim} is {self.dims[dim]} elsewhere but {size} here")
        return value

    def scalar(self, c):
        c = sp.sympify(c).xreplace({DIM[k]: sp.Integer(v) for k, v in self.dims.items()
                                    if k in DIM})
        return c if self.exact else float(c)

    def ones(self, rows, cols):
        return np.full((rows, cols), sp.Integer(1) if self.exact else 1.0,
                       dtype=object if self.exact else float)

    def evaluate(self, e):
        self._bind_all(e)
        return self._evaluate(e)

    def bind_leaves(self, e):
        """Read the dimension sizes from every leaf of e that has a value (e.g. the loss)."""
        for leaf in _leaves_in(e):
            if leaf.name in self.values:
                self._bind(leaf)

    def _bind_all(self, e, seen=None):
        seen = set() if seen is None else seen
        if e in seen:
            return
        seen.add(e)
        if isinstance(e, Leaf):
            self._bind(e)
        elif isinstance(e, Adjoint):
            self._bind_all(e.value, seen)
        for child in _term_children(e) if not isinstance(e, Named) else (e.body,):
            self._bind_all(child, seen)

    def _evaluate(self, e):
        if e in self.memo:
            return self.memo[e]
        value = self._compute(e)
        self.memo[e] = value
        return value

    def _compute(self, e):
        if isinstance(e, Leaf):
            return self._bind(e)
        if isinstance(e, Named):
            return self._evaluate(e.body)
        if isinstance(e, Adjoint):
            return self._evaluate(e.value)
        if isinstance(e, Ones):
            return self.ones(self.size(e.rows, e), self.size(e.cols, e))
        if isinstance(e, Transpose):
            return self._evaluate(e.arg).T
        if isinstance(e, Product):
            return functools.reduce(lambda a, b: a @ b, [self._evaluate(f) for f in e.factors])
        if isinstance(e, Plus):
            return functools.reduce(lambda a, b: a + b, [self._evaluate(t) for t in e.terms])
        if isinstance(e, Hadamard):
            return functools.reduce(lambda a, b: a * b, [self._evaluate(f) for f in e.factors])
        if isinstance(e, Scaled):
            return self._evaluate(e.arg) * self.scalar(e.c)
        if isinstance(e, Elementwise):
            a = self._evaluate(e.arg)
            if self.exact:
                f = sp.Lambda(x, e.function.expr)
                return np.vectorize(lambda v: f(v), otypes=[object])(a)
            return np.asarray(_numeric(e.function.expr)(a), dtype=float) + np.zeros(a.shape)
        if isinstance(e, Total):
            a = self._evaluate(e.arg)
            s = np.sum(a)
            if e.average:
                s = s * (sp.Rational(1, a.size) if self.exact else 1.0 / a.size)
            return np.array([[s]], dtype=object if self.exact else float)
        raise MatrixCalculusError(f"cannot evaluate {type(e).__name__}")


# --------------------------------------------------------------------------------------------
# Text of the steps
# --------------------------------------------------------------------------------------------


def _rules_text(keys):
    return "; ".join(RULES[k].name for k in keys)


def _trace_text(M, T, alias):
    t = render(T, alias)
    if M == Ones(1, 1):
        return f"tr({t})"
    if isinstance(M, Scaled) and M.arg == Ones(1, 1):
        return f"{'−' if M.c == -1 else _scalar_text(M.c) + ' '}tr({t})"
    return f"tr({_wrap(M, alias, False, ATOM)}ᵀ {_wrap(T, alias, False, PRODUCT)})"


def _sstr(expr):
    return sp.sstr(expr).replace("**", "^").replace("*", "·").replace("-", "−")


def _functions_text(note):
    out = []
    for f, derivative in note.functions:
        text = f"f(x) = {_sstr(f.expr)}, f′(x) = {_sstr(derivative.expr)}"
        if text not in out:
            out.append(text)
    for owner, q in note.outputs:
        out.append(f"f′(x) = q(f(x)) with q(y) = {_sstr(q)}, so f′ = q({owner.text})")
    return out


def _grad_shape(v):
    return shape_text(v.shape, vector=isinstance(v, Leaf) and v.vector)


def _steps_text(derived, title):
    lines = []
    if title:
        lines.append(title)
    root = derived.loss
    lines.append(f"  forward: L = {render(root.body, inline=True)}")
    named = [s.node for s in derived.steps if s.node is not root]
    for v in reversed(named):
        lines.append(f"    {v.text} = {render(v.body)}   ({shape_text(v.shape)})")
    lines.append(f"    L = {render(root.body)}   (scalar)")
    leaves = {}
    for v in _leaves_in(root):
        leaves[v.text] = _grad_shape(v) + (" (data)" if v.const else "")
    lines.append("  shapes: " + ", ".join(f"{k} {s}" for k, s in leaves.items()))
    lines.append("  backward: for each quantity V from L back, with G = ∂L/∂V, dL ∋ tr(Gᵀ dV);")
    lines.append("  each term of dV is turned into tr(Mᵀ dU) by the trace rules, and ∂L/∂U gets M")
    for i, step in enumerate(derived.steps, 1):
        lines += _step_text(i, step, root)
    lines.append("  gradients:")
    for name, g in derived.gradients.items():
        leaf = derived.leaves[name]
        text = f"    ∂L/∂{leaf.text} = {render(g)}   ({_grad_shape(leaf)})"
        lines.append(text)
        expanded = render(derived.expanded(name))
        if expanded != render(g):
            lines.append(f"      = {expanded}")
    return lines


def _leaves_in(root):
    order = []
    _walk(root, set(), order)
    return [v for v in order if isinstance(v, Leaf)]


def _step_text(i, step, root):
    node = step.node
    G = "1" if node is root else "G"
    alias = {step.adjoint: "G"}
    head = f"  {i}. {node.text} = {render(node.body)}   ({shape_text(node.shape)})"
    if node is not root:
        value = render(step.gradient)
        head += f",  G = ∂L/∂{node.text} = {value}"
    lines = [head]
    if step.expansion is None:
        lines.append("     d" + node.text + " = 0")
        return lines
    rules = [k for k in RULES if k in step.note.rules and k != "kink"]
    lines.append(f"     d{node.text} = {render(step.expansion)}")
    lines.append(f"         [{_rules_text(rules)}]")
    for text in _functions_text(step.note):
        lines.append(f"         [SymPy: {text}"
                     + ("; Heaviside(0) = 0, as PyTorch]" if "Heaviside" in text else "]"))
    if step.note.constants:
        lines.append(f"         [constant: {', '.join(step.note.constants)}]")
    relation = "=" if len(step.contributions) == 1 else "∋"
    for c in step.contributions:
        first = c.stages[0]
        if node is root:
            lines.append(f"     dL = {_trace_text(first.M, first.T, alias)}   "
                         f"[{RULES['scalar_trace'].name}]")
        else:
            lines.append(f"     tr({G}ᵀ d{node.text}) {relation} "
                         f"{_trace_text(first.M, first.T, alias)}")
        for stage in c.stages[1:]:
            lines.append(f"       = {_trace_text(stage.M, stage.T, alias)}   "
                         f"[{_rules_text(stage.rules)}]")
        target = c.target
        shape = _grad_shape(target)
        gradient = render(c.gradient, alias)
        upstream = render(c.gradient)
        arrow = f"       ⇒ ∂L/∂{target.text} {'∋' if c.target_shared else '='} {gradient}"
        text = arrow if gradient == upstream else f"{arrow} = {upstream}"
        lines.append(f"{text}   ({shape})   [{RULES['identification'].name}]")
    return lines


# --------------------------------------------------------------------------------------------
# Forward expressions: the MLP chain and the seed's primitives
# --------------------------------------------------------------------------------------------

HIDDEN = {"relu": relu, "tanh": tanh, "sigmoid": sigmoid}


def softmax_rows(a):
    """softmax along rows: e^A ⊘ (e^A 𝟏 𝟏ᵀ), the row totals by a product with ones."""
    e = exp(a)
    return Hadamard(e, Elementwise(RECIPROCAL, Product(e, Ones(a.cols, 1), Ones(1, a.cols))))


def log_softmax_rows(a):
    """log-softmax along rows: A − log(e^A 𝟏) 𝟏ᵀ."""
    return a - Product(log(Product(exp(a), Ones(a.cols, 1))), Ones(1, a.cols))


def loss_expression(name, yhat, target, reduction="mean"):
    """mse, bce or cross_entropy of a prediction (rows×cols) and a target, as a 1×1 tree."""
    rows, cols = yhat.shape
    if name == "mse":
        body = square(yhat - target)
        return average(body) if reduction == "mean" else total(body)
    if name == "bce":
        ones = Ones(rows, cols)
        body = Hadamard(target, log(yhat)) + Hadamard(ones - target, log(ones - yhat))
        return -(average(body) if reduction == "mean" else total(body))
    if name == "cross_entropy":
        body = total(Hadamard(target, log(yhat)))
        return Scaled(-1 / DIM[rows] if reduction == "mean" else -1, body)
    raise MatrixCalculusError(f"unknown loss {name!r}")


def mlp(hidden="relu", output="identity", loss="mse", reduction="mean"):
    """L of the seed's two-layer network, e.g. L = mean((relu(X W₁ᵀ + 𝟏b₁ᵀ) W₂ᵀ + 𝟏b₂ᵀ − Y)^∘2),
    with Z₁, H₁, Z₂, Ŷ named (the quantities the chain reports)."""
    X = Leaf("X", "n", "d", "X", const=True)
    W1, b1 = Leaf("W1", "h", "d", "W₁"), Leaf("b1", "h", 1, "b₁", vector=True)
    W2, b2 = Leaf("W2", "o", "h", "W₂"), Leaf("b2", "o", 1, "b₂", vector=True)
    Y = Leaf("Y", "n", "o", "Y", const=True)
    ones = Ones("n", 1)
    Z1 = Named("Z₁", X @ W1.T + ones @ b1.T)
    H1 = Named("H₁", HIDDEN[hidden](Z1))
    Z2 = Named("Z₂", H1 @ W2.T + ones @ b2.T)
    if output == "identity":
        Yhat = Named("Ŷ", Z2)
    elif output == "sigmoid":
        Yhat = Named("Ŷ", sigmoid(Z2))
    elif output == "softmax":
        Yhat = Named("Ŷ", softmax_rows(Z2))
    else:
        raise MatrixCalculusError(f"unknown output {output!r}")
    return loss_expression(loss, Yhat, Y, reduction)


def mlp_derived(hidden="relu", output="identity", loss="mse", reduction="mean"):
    return derive(mlp(hidden, output, loss, reduction))


@dataclass
class Primitive:
    """The forward expression of a seed primitive as a scalar L: ⟨G, out⟩ = Σ G ⊙ out for an
    op (G its upstream gradient, a constant), or the loss itself.  `name` is the registry's
    derivation name; `params` what its NumPy form needs (dim, p)."""

    name: str
    loss: Expr
    params: dict

    def derived(self):
        return derive(self.loss)


def _upstream(out):
    G = Leaf("G", out.rows, out.cols, "G", const=True, vector=out.cols == 1 and out.rows != 1)
    return Total(Hadamard(G, out))


def primitive(name, p=3):
    """The forward expression of one seed primitive, by its registry name (see PRIMITIVES)."""
    A, B = Leaf("A", "n", "m"), Leaf("B", "n", "m")
    builders = {
        "matmul": lambda: _upstream(Leaf("A", "n", "k") @ Leaf("B", "k", "m")),
        "linear": lambda: _upstream(Leaf("X", "n", "d") @ Leaf("W", "o", "d").T
                                    + Ones("n", 1) @ Leaf("b", "o", 1, vector=True).T),
        "add": lambda: _upstream(A + Ones("n", 1) @ Leaf("b", "m", 1, vector=True).T),
        "sub": lambda: _upstream(A - B),
        "mul": lambda: _upstream(A * B),
        "div": lambda: _upstream(A / B),
        "neg": lambda: _upstream(-A),
        "exp": lambda: _upstream(exp(A)),
        "log": lambda: _upstream(log(A)),
        "tanh": lambda: _upstream(tanh(A)),
        "sigmoid": lambda: _upstream(sigmoid(A)),
        "relu": lambda: _upstream(relu(A)),
        "pow": lambda: _upstream(power(A, p)),
        "sum": lambda: _upstream(total(A)),
        "sum_rows": lambda: _upstream(A @ Ones("m", 1)),
        "mean": lambda: _upstream(average(A)),
        "mean_rows": lambda: _upstream(Scaled(1 / DIM["m"], A @ Ones("m", 1))),
        "softmax": lambda: _upstream(softmax_rows(A)),
        "log_softmax": lambda: _upstream(log_softmax_rows(A)),
        "mse": lambda: _loss("mse"), "mse_sum": lambda: _loss("mse", "sum"),
        "bce": lambda: _loss("bce"), "bce_sum": lambda: _loss("bce", "sum"),
        "cross_entropy": lambda: _loss("cross_entropy"),
        "cross_entropy_sum": lambda: _loss("cross_entropy", "sum"),
        "bce_with_logits": lambda: _logits("bce"),
        "bce_with_logits_sum": lambda: _logits("bce", "sum"),
        "softmax_cross_entropy": lambda: _logits("cross_entropy"),
        "softmax_cross_entropy_sum": lambda: _logits("cross_entropy", "sum"),
    }
    if name not in builders:
        raise MatrixCalculusError(f"no forward expression for {name!r}; have "
                                  f"{', '.join(builders)}")
    params = {"sum_rows": {"dim": (1,)}, "mean_rows": {"dim": (1,)}, "sum": {"dim": None},
              "mean": {"dim": None}, "softmax": {"dim": 1}, "log_softmax": {"dim": 1},
              "pow": {"p": p}, "softmax_cross_entropy": {"dim": 1},
              "softmax_cross_entropy_sum": {"dim": 1}}.get(name, {})
    return Primitive(name, builders[name](), params)


PRIMITIVES = ("matmul", "linear", "add", "sub", "mul", "div", "neg", "exp", "log", "tanh",
              "sigmoid", "relu", "pow", "sum", "sum_rows", "mean", "mean_rows", "softmax",
              "log_softmax", "mse", "mse_sum", "bce", "bce_sum", "cross_entropy",
              "cross_entropy_sum", "bce_with_logits", "bce_with_logits_sum",
              "softmax_cross_entropy", "softmax_cross_entropy_sum")


def _loss_target(name):
    """Y: with a gradient for mse and bce (PyTorch gives the target one), data for
    cross-entropy (rows of class probabilities)."""
    return Leaf("Y", "n", "o", "Y", const=name == "cross_entropy")


def _loss(name, reduction="mean"):
    return loss_expression(name, Leaf("Yhat", "n", "o", "Ŷ"), _loss_target(name), reduction)


def _logits(name, reduction="mean"):
    Z = Leaf("Z", "n", "o", "Z")
    prediction = sigmoid(Z) if name == "bce" else softmax_rows(Z)
    return loss_expression(name, prediction, _loss_target(name), reduction)


# --------------------------------------------------------------------------------------------
# The derived chain beside the hand-written one (derivations/mlp.py)
# --------------------------------------------------------------------------------------------

CHECK_SIZES = {"n": 5, "d": 2, "h": 4, "o": 3}  # pairwise distinct: 1/n cannot pass for 1/o
NAMED_KEYS = {"Ŷ": "Yhat", "Z₂": "Z2", "H₁": "H1", "Z₁": "Z1"}  # the hand-written chain's keys


def mlp_sample(loss, sizes, rng):
    """Random float64 inputs of the chain: Y real (mse), in (0, 1) (bce), or rows summing to 1
    (cross_entropy, where the hand-written ∂L/∂Z₂ = (Ŷ − Y)/n needs it)."""
    n, d, h, o = (sizes[k] for k in "ndho")
    values = {"X": rng.normal(size=(n, d)), "W1": rng.normal(size=(h, d)),
              "b1": rng.normal(size=h), "W2": rng.normal(size=(o, h)), "b2": rng.normal(size=o)}
    if loss == "mse":
        values["Y"] = rng.normal(size=(n, o))
    elif loss == "bce":
        values["Y"] = rng.uniform(0.0, 1.0, size=(n, o))
    else:
        e = np.exp(rng.normal(size=(n, o)))
        values["Y"] = e / e.sum(axis=1, keepdims=True)
    return values


def compare_with_chain(derived, chain, values):
    """{quantity: max |derived − hand-written|} for ∂L/∂W₁, ∂L/∂b₁, ∂L/∂W₂, ∂L/∂b₂ and the
    named quantities, the hand-written side from chain.numpy(**values)."""
    handwritten = chain.numpy(**values)
    derived_values = derived.evaluate(values)
    derived_values.update({NAMED_KEYS[k]: v for k, v in derived.evaluate_named(values).items()
                           if k in NAMED_KEYS})
    out = {}
    for key, value in derived_values.items():
        other = np.asarray(handwritten[key], dtype=float)
        if other.shape != value.shape:
            raise MatrixCalculusError(f"{key}: derived shape {value.shape}, hand-written "
                                      f"{other.shape}")
        out[key] = float(np.max(np.abs(value - other)) / max(1.0, float(np.max(np.abs(other)))))
    return out


def chain_text(chain, seed=0, tolerance=1e-9):
    """The chain derived from its forward expression, step by step, and a numeric check
    against the hand-written chain at n, d, h, o = 5, 2, 4, 3.  Returns (text, agrees)."""
    derived = mlp_derived(chain.hidden, chain.output, chain.loss_name, chain.reduction)
    lines = derived.unicode(f"{chain.name}: derived from the forward expression by matrix "
                            "calculus (derivations/matrix_calculus.py)").split("\n")
    differences = compare_with_chain(derived, chain,
                                     mlp_sample(chain.loss_name, CHECK_SIZES,
                                                np.random.default_rng(seed)))
    worst = max(differences.values())
    agrees = worst <= tolerance
    sizes = ", ".join(str(v) for v in CHECK_SIZES.values())
    lines.append(f"  check: {'equals' if agrees else 'DIFFERS FROM'} the hand-written chain "
                 f"(derivations/mlp.py) at n, d, h, o = {sizes}: {len(differences)} gradients, "
                 f"max relative difference {worst:.1e}")
    if not agrees:
        lines += [f"    {k}: {v:.3e}" for k, v in differences.items() if v > tolerance]
    return "\n".join(lines), agrees


# --------------------------------------------------------------------------------------------
# Exact comparison with the entry-by-entry truth
# --------------------------------------------------------------------------------------------


def on_every_piece(expr, masks):
    """expr with each kink written as a 0/1 mask symbol: Heaviside(a, ·) → mₐ, Max(0, a) → mₐ a.

    On a piece where every such a keeps its sign, mₐ is a constant 0 or 1 and these are
    identities; an equality that holds for symbolic mₐ holds on every piece at once.
    masks: {a: mₐ}, filled in as new arguments are met (share it between the two sides)."""
    def mask(a):
        if a not in masks:
            masks[a] = sp.Symbol(f"m_{len(masks)}")
        return masks[a]

    expr = sp.sympify(expr)
    expr = expr.replace(lambda e: isinstance(e, sp.Heaviside), lambda e: mask(e.args[0]))
    return expr.replace(lambda e: isinstance(e, sp.Max) and len(e.args) == 2 and 0 in e.args,
                        lambda e: mask(e.args[1] if e.args[0] == 0 else e.args[0])
                        * (e.args[1] if e.args[0] == 0 else e.args[0]))


def _function_values_as_symbols(expr):
    """expr with exp(c·u) → t_u^c and every other function value → its own fresh symbol."""
    bases, values = {}, {}
    for f in expr.atoms(sp.Function):
        if isinstance(f, sp.exp):
            c, u = f.args[0].as_content_primitive()
            if u.could_extract_minus_sign():
                c, u = -c, -u
            values[f] = bases.setdefault(u, sp.Dummy(positive=True)) ** c
        else:
            values[f] = sp.Dummy()
    return expr.xreplace(values)


def vanishes_at_random_points(expr, rng, points=2, bits=40):
    """True when expr, with every function value an independent symbol (as in is_exact_zero),
    is 0 at `points` random points of exact rationals p/q (1 ≤ p, q < 2^bits).

    For the chains too large to expand (sigmoid and softmax outputs): by the Schwartz–Zippel
    lemma a nonzero rational function whose numerator has total degree D vanishes at such a
    point with probability at most D/2^bits (D is in the hundreds here), so a wrong formula
    passes two points with probability below 1e-20.  Exact arithmetic: no float tolerance."""
    expr = _function_values_as_symbols(sp.sympify(expr))
    symbols = sorted(expr.free_symbols, key=str)
    tried = 0
    for _ in range(4 * points):
        point = {s: sp.Rational(int(rng.integers(1, 2 ** bits)), int(rng.integers(1, 2 ** bits)))
                 for s in symbols}
        value = expr.xreplace(point)
        if value.has(sp.zoo, sp.nan):
            continue  # a pole: draw another point
        if value != 0:
            return False
        tried += 1
        if tried == points:
            return True
    raise MatrixCalculusError("vanishes_at_random_points: every point drawn was a pole")


def is_exact_zero(expr):
    """True when expr is identically 0: every function value (exp(…), tanh(…), log(…)) is
    replaced by its own fresh symbol, and the numerator over a common denominator expands to 0
    (if it vanishes with the values as independent symbols, it vanishes for the real ones)."""
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    bases = {}  # exp(c·u) → t_u^c, so e^a · e^a and e^(2a) are one thing
    values = {}
    for f in expr.atoms(sp.Function):
        if isinstance(f, sp.exp):
            c, u = f.args[0].as_content_primitive()
            if u.could_extract_minus_sign():
                c, u = -c, -u
            values[f] = bases.setdefault(u, sp.Dummy(positive=True)) ** c
        else:
            values[f] = sp.Dummy()
    original = expr
    expr = expr.xreplace(values)
    if any(p.exp.is_negative for p in expr.atoms(sp.Pow)):
        expr = sp.together(expr).as_numer_denom()[0]
    if sp.expand(expr) == 0:
        return True
    # last resort, for small expressions only (log σ(z) − log(1 − σ(z)) = z needs it)
    return sp.count_ops(original) <= 80 and sp.simplify(original) == 0
