"""One evaluator for every closed form: on float arrays (the NumPy-callable form) and on arrays
of SymPy symbols (what ``prove()`` checks).  The same walk over the same SymPy expression runs
in both modes, so the formula that is proved is the formula that computes the numbers.

A closed form is a SymPy matrix expression built from
    MatrixSymbol / ArraySymbol / Symbol        operands, bound by name
    MatMul, MatAdd, Transpose                  A B, A + B, Aᵀ            (ᵀ swaps the last two axes)
    HadamardProduct, HadamardPower             A ⊙ B, A^∘p
    ElementwiseApplyFunction                   f applied to every entry (``A.applyfunc(f)``)
    OneMatrix, ZeroMatrix                      𝟏 and 0 of a given shape
    the nodes below (``Node``)                 sums along a dim, reshapes, scatters, softmax …
Why not ``lambdify``?  It prints rationals as floats and cannot print ``ElementwiseApplyFunction``
(SYMPY-NOTES.md); walking the tree ourselves keeps the symbolic run exact.

Modes of an ``Env``:
    exact=False    float64 NumPy arrays: the numbers a learner and the tests use
    exact=True     object arrays of SymPy expressions; ``explicit`` picks how σ and softmax
                   appear: as their definitions (1/(1+e⁻ˣ), eᶻ/Σeᶻ) when a single op is proved
                   from scratch, or as opaque functions whose derivatives were proved in
                   ``sigmoid`` and ``softmax`` (fast, used by the MLP chain proofs).
"""

import functools
import math

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.tensor.array.expressions import ArraySymbol

# --------------------------------------------------------------------------------------------
# Functions with a proved derivative, used opaquely in the MLP chain proofs
# --------------------------------------------------------------------------------------------


class sigmoid(sp.Function):
    """σ(x) = 1 / (1 + e^(−x)), with σ′ = σ (1 − σ) (proved in derivations.elementwise 'sigmoid')."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _latex(self, printer):
        return r"\sigma\left(%s\right)" % printer._print(self.args[0])

    def _sympystr(self, printer):
        return "σ(%s)" % printer._print(self.args[0])


class softmax_entry(sp.Function):
    """softmax_entry(k, z₀, …, z_{m−1}) = e^{z_k} / Σⱼ e^{z_j}: entry k of the softmax of one row.

    ∂s_k/∂z_j = s_k ([k = j] − s_j)  (the softmax Jacobian, proved in derivations.softmax).
    """

    def fdiff(self, argindex):
        k = int(self.args[0])
        j = argindex - 2  # argument 1 is k itself
        if j < 0:
            raise ValueError("softmax_entry: the index k is not a variable")
        row = self.args[1:]
        return self * ((1 if j == k else 0) - softmax_entry(sp.Integer(j), *row))

    def _eval_rewrite_as_exp(self, k, *row, **kwargs):
        return sp.exp(row[int(k)]) / sum(sp.exp(z) for z in row)


class reciprocal0(sp.Function):
    """1/x, and 0 at x = 0: PyTorch's convention where a norm or a standard deviation is 0
    (the gradient there is 0, not 0 · ∞).  A plain symbol stays unevaluated (so a Lambda
    keeps the convention for numbers); an expression not known to be 0, or a symbol known not
    to be (a sign piece's), is 1/x, the rule a proof checks where the value is not 0."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.Integer(0)
        if not x.is_Symbol or x.is_zero is False:
            return 1 / x
        return None

    def _latex(self, printer):
        return r"%s^{+}" % printer.parenthesize(self.args[0], 1000)

    def _sympystr(self, printer):
        return "1/⁺(%s)" % printer._print(self.args[0])


def explicit(expr):
    """Replace the opaque σ and softmax entries by their definitions in terms of exp."""
    return expr.replace(sigmoid, lambda x: 1 / (1 + sp.exp(-x))).replace(
        softmax_entry, lambda k, *row: sp.exp(row[int(k)]) / sum(sp.exp(z) for z in row))


def numpy_sigmoid(x):
    """σ from e^(−|x|), which never overflows (as the engine computes it)."""
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def numpy_reciprocal0(x):
    """1/x with 0 where x = 0."""
    x = np.asarray(x, dtype=float)
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 0.0, 1 / safe)


def numpy_erf(x):
    """erf entrywise (NumPy has none; math.erf is accurate to double precision)."""
    return np.vectorize(math.erf, otypes=[float])(np.asarray(x, dtype=float))


NUMPY_FUNCTIONS = {"sigmoid": numpy_sigmoid, "reciprocal0": numpy_reciprocal0, "erf": numpy_erf}


@functools.cache
def _numeric_scalar_function(function):
    """A SymPy Lambda of one variable as a NumPy function (cached per Lambda)."""
    (variable,) = function.variables
    return sp.lambdify(variable, function.expr, modules=[NUMPY_FUNCTIONS, "numpy"])


# --------------------------------------------------------------------------------------------
# The environment: bound operands, dimension sizes, op parameters, mode
# --------------------------------------------------------------------------------------------


class ShapeMismatch(ValueError):
    """Two operands disagree on the size of a dimension symbol (k in A: n×k, B: k×m)."""


class Env:
    """Values of the operands (by name), sizes of the dimension symbols, the op's parameters."""

    def __init__(self, exact, params=None, explicit_functions=True):
        self.exact = exact
        self.explicit_functions = explicit_functions
        self.params = dict(params or {})
        self.values = {}
        self.dims = {}

    def bind(self, symbol, value):
        """Bind an operand; a 1-D array bound to an (k×1) MatrixSymbol becomes a column."""
        name = str(symbol.name) if hasattr(symbol, "name") else str(symbol)
        if isinstance(symbol, sp.MatrixSymbol):
            rows, cols = symbol.shape
            if value.ndim == 1 and cols == 1:
                value = value.reshape(-1, 1)
            if value.ndim >= 2:
                self._bind_dim(rows, value.shape[-2], name)
                self._bind_dim(cols, value.shape[-1], name)
        self.values[name] = value
        return value

    def _bind_dim(self, dim, size, name):
        if not isinstance(dim, sp.Symbol):
            return
        known = self.dims.get(dim)
        if known is not None and known != size:
            raise ShapeMismatch(
                f"dimension {dim} is {known} from an earlier operand but {size} from {name}")
        self.dims[dim] = size

    def scalar(self, expr):
        """A number, or an expression in dimension symbols and scalar op parameters (like the
        exponent p of pow): exact in exact mode, float otherwise."""
        expr = sp.sympify(expr).xreplace({d: sp.Integer(v) for d, v in self.dims.items()})
        expr = expr.xreplace({s: sp.sympify(self.param_value(str(s)))
                              for s in expr.free_symbols if str(s) in self.params})
        allowed = set()  # a parameter may itself be a symbol in a proof (the exponent p)
        for value in self.params.values():
            if isinstance(value, sp.Basic):
                allowed |= value.free_symbols
        unknown = expr.free_symbols - allowed
        if unknown:
            raise KeyError(f"no value bound for {sorted(map(str, unknown))} in {expr}")
        if self.exact:
            return expr
        return float(expr)

    def param_value(self, name):
        """An op parameter as a SymPy number/symbol (exact) or a float; None means ∓∞ bounds."""
        value = self.params[name]
        if value is None:
            value = -sp.oo if name == "lo" else sp.oo
        value = sp.sympify(value)
        return value if self.exact or value.free_symbols else float(value)

    def ones(self, shape):
        if self.exact:
            out = np.empty(shape, dtype=object)
            out.fill(sp.Integer(1))
            return out
        return np.ones(shape)

    def zeros(self, shape):
        if self.exact:
            out = np.empty(shape, dtype=object)
            out.fill(sp.Integer(0))
            return out
        return np.zeros(shape)

    def apply(self, function, array):
        """Apply a SymPy Lambda of one variable to every entry (op parameters filled in)."""
        (variable,) = function.variables
        constants = {s: self.param_value(str(s)) for s in function.expr.free_symbols
                     if s != variable and str(s) in self.params}
        if constants:
            function = sp.Lambda(variable, function.expr.xreplace(
                {s: sp.sympify(v) for s, v in constants.items()}))
        if not self.exact:
            return np.asarray(_numeric_scalar_function(function)(array), dtype=float) \
                + np.zeros(np.shape(array))  # a constant function still gives an array
        out = np.empty(np.shape(array), dtype=object)
        for index, entry in np.ndenumerate(array):
            value = function(entry)
            out[index] = explicit(value) if self.explicit_functions else value
        return out

    def int_dim(self, d):
        d = sp.sympify(d)
        return int(d.xreplace({k: sp.Integer(v) for k, v in self.dims.items()}))


# --------------------------------------------------------------------------------------------
# Nodes: the few operations SymPy's matrix algebra has no symbol for
# --------------------------------------------------------------------------------------------


class Node(sp.matrices.expressions.MatrixExpr):
    """Base of the custom closed-form nodes.  ``compute(env, *evaluated_args)`` does the work
    with NumPy calls that run on float arrays and on object arrays of SymPy expressions alike.
    The node's shape (for SymPy's algebra) is that of its first argument unless overridden.
    """

    unicode_name = "?"
    latex_name = r"\operatorname{?}"

    @property
    def shape(self):
        return self.args[0].shape

    def compute(self, env, *values):  # pragma: no cover - every node overrides it
        raise NotImplementedError

    def _latex(self, printer):
        inner = ", ".join(printer._print(a) for a in self.args)
        return r"%s\left(%s\right)" % (self.latex_name, inner)

    def _sympystr(self, printer):
        return "%s(%s)" % (self.unicode_name, ", ".join(printer._print(a) for a in self.args))

    def _pretty(self, printer):
        return printer._print_seq(self.args, left=self.unicode_name + "(", right=")")


class DimSum(Node):
    """Σ over the op's ``dim`` (params['dim']), kept, broadcast back: each entry becomes the sum
    of its row (dim=1, (X)𝟏𝟏ᵀ for a matrix) or its column (dim=0, 𝟏𝟏ᵀ(X))."""

    unicode_name = "Σ_dim"
    latex_name = r"\textstyle\sum_{\mathrm{dim}}"

    def compute(self, env, x):
        dim = env.params["dim"]
        return np.broadcast_to(np.sum(x, axis=dim, keepdims=True), x.shape)


class Softmax(Node):
    """softmax along params['dim']: e^{A} / Σ_dim e^{A}, computed stably for numbers."""

    unicode_name = "softmax"
    latex_name = r"\operatorname{softmax}"

    def compute(self, env, a):
        dim = env.params["dim"]
        if not env.exact:
            shifted = a - np.max(a, axis=dim, keepdims=True)
            e = np.exp(shifted)
            return e / np.sum(e, axis=dim, keepdims=True)
        return softmax_symbolic(a, dim, env.explicit_functions)


def softmax_symbolic(a, dim, explicit_functions):
    """Softmax of an object array along dim: e^a/Σe^a, or opaque softmax entries."""
    moved = np.moveaxis(a, dim, -1)
    out = np.empty(moved.shape, dtype=object)
    for index in np.ndindex(moved.shape[:-1]):
        row = tuple(moved[index])
        for k in range(len(row)):
            if explicit_functions:
                out[index + (k,)] = sp.exp(row[k]) / sum(sp.exp(z) for z in row)
            else:
                out[index + (k,)] = softmax_entry(sp.Integer(k), *row)
    return np.moveaxis(out, -1, dim)


class Unreduce(Node):
    """G (the gradient of a reduction over params['dim'] of A) put back in A's shape: reduced
    axes restored as size 1 when keepdim is False, then broadcast.  Args: (G, A)."""

    unicode_name = "unreduce"
    latex_name = r"\operatorname{unreduce}"

    @property
    def shape(self):
        return self.args[1].shape

    def compute(self, env, g, a):
        dim, keepdim = env.params.get("dim"), env.params.get("keepdim", False)
        if dim is not None and not keepdim:
            g = np.expand_dims(g, dim)
        return np.broadcast_to(g, np.shape(a))


class ArgExtremum(Node):
    """G routed to the places the max (or min) of A came from (params: 'dim', 'keepdim',
    'kind' = 'max' | 'min').  Over all entries ties share G evenly; along a dim G goes to the
    first index the engine returns.  Args: (G, A)."""

    unicode_name = "route"
    latex_name = r"\operatorname{route}"

    @property
    def shape(self):
        return self.args[1].shape

    def compute(self, env, g, a):
        kind = env.params.get("kind", "max")
        dim, keepdim = env.params.get("dim"), env.params.get("keepdim", False)
        a = np.asarray(a)
        out = env.zeros(a.shape)
        if dim is None:
            hits = _extreme_mask(a.reshape(-1), kind, env.exact).reshape(a.shape)
            share = env.scalar(sp.Rational(1, int(np.sum(hits))))
            out[hits] = np.asarray(g).item() * share
            return out
        moved = np.moveaxis(a, dim, -1)
        pick = np.empty(moved.shape[:-1], dtype=int)
        for index in np.ndindex(moved.shape[:-1]):
            pick[index] = int(np.argmax(_extreme_mask(moved[index], kind, env.exact)))
        g_kept = g if keepdim else np.expand_dims(g, dim)
        np.put_along_axis(out, np.expand_dims(pick, dim), g_kept, axis=dim)
        return out


def _extreme_mask(row, kind, exact):
    """Which entries of a 1-D array are the largest (max) or smallest (min).  Numbers compare
    directly; symbolic entries compare by the sign of their differences (decidable on a piece)."""
    if not exact:
        best = np.max(row) if kind == "max" else np.min(row)
        return row == best
    sign = 1 if kind == "max" else -1
    mask = np.array([all((sign * (v - w)).is_nonnegative for w in row) for v in row])
    if not mask.any():
        raise ValueError(f"cannot decide the {kind} of {list(row)} (not on a piece)")
    return mask


class Reshaped(Node):
    """G reshaped to A's shape (row-major, the inverse of the forward reshape).  Args: (G, A)."""

    unicode_name = "reshape_as"
    latex_name = r"\operatorname{reshape}"

    @property
    def shape(self):
        return self.args[1].shape

    def compute(self, env, g, a):
        return np.reshape(g, np.shape(a))


class InversePermuted(Node):
    """G with its axes put back: permute by the inverse of params['dims'].  Args: (G,)."""

    unicode_name = "permute⁻¹"
    latex_name = r"\operatorname{permute}^{-1}"

    def compute(self, env, g):
        return np.transpose(g, np.argsort(env.params["dims"]))


class SummedTo(Node):
    """G summed over the axes that expand broadcast, back to A's shape.  Args: (G, A)."""

    unicode_name = "sum_to"
    latex_name = r"\operatorname{sum\_to}"

    @property
    def shape(self):
        return self.args[1].shape

    def compute(self, env, g, a):
        shape = np.shape(a)
        lead = g.ndim - len(shape)
        g = np.sum(g, axis=tuple(range(lead))) if lead else g
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        return np.sum(g, axis=axes, keepdims=True) if axes else g


class ScatterAdd(Node):
    """Zeros of A's shape with G added at A[params['key']] (repeats add up).  Args: (G, A)."""

    unicode_name = "scatter_add"
    latex_name = r"\operatorname{scatter\_add}"

    @property
    def shape(self):
        return self.args[1].shape

    def compute(self, env, g, a):
        out = env.zeros(np.shape(a))
        np.add.at(out, env.params["key"], g)
        return out


class ZeroedAt(Node):
    """G with zeros at params['key'] (the entries index_put overwrote).  Args: (G,)."""

    unicode_name = "zero_at"
    latex_name = r"\operatorname{zero\_at}"

    def compute(self, env, g):
        out = np.array(g, dtype=g.dtype, copy=True)
        out[env.params["key"]] = env.zeros(()).item() if env.exact else 0.0
        return out


class Picked(Node):
    """G[params['key']], summed back to V's shape where V was broadcast.  Args: (G, V)."""

    unicode_name = "pick"
    latex_name = r"\operatorname{pick}"

    @property
    def shape(self):
        return self.args[1].shape

    def compute(self, env, g, v):
        picked = np.asarray(g[env.params["key"]])
        return SummedTo.compute(self, env, picked, v)


class Piece(Node):
    """The slice of G where input number i of cat sits, along params['dim'].
    Args: (G, i, A₀, A₁, …): the inputs' sizes along dim give the offsets."""

    unicode_name = "piece"
    latex_name = r"\operatorname{piece}"

    @property
    def shape(self):
        return self.args[2 + int(self.args[1])].shape

    def compute(self, env, g, i, *inputs):
        dim = env.params.get("dim", 0) % g.ndim
        i = int(i)
        start = sum(np.shape(x)[dim] for x in inputs[:i])
        key = (slice(None),) * dim + (slice(start, start + np.shape(inputs[i])[dim]),)
        return g[key]


class Layer(Node):
    """G taken at index i of params['dim'] (stack's adjoint).  Args: (G, i)."""

    unicode_name = "layer"
    latex_name = r"\operatorname{layer}"

    def compute(self, env, g, i):
        return np.take(g, int(i), axis=env.params.get("dim", 0))


class Joined(Node):
    """cat of its arguments along params['dim'] (split's adjoint)."""

    unicode_name = "cat"
    latex_name = r"\operatorname{cat}"

    def compute(self, env, *gs):
        return np.concatenate(gs, axis=env.params.get("dim", 0))


# --------------------------------------------------------------------------------------------
# The walk
# --------------------------------------------------------------------------------------------


def evaluate(expr, env):
    """Evaluate a closed form in an Env: a float array, or an object array of SymPy expressions."""
    if isinstance(expr, (sp.MatrixSymbol, ArraySymbol)):
        return _lookup(str(expr.name), env)
    if isinstance(expr, sp.Symbol):
        if str(expr) in env.values:
            return env.values[str(expr)]
        if str(expr) in env.params:
            return env.param_value(str(expr))
        return env.scalar(expr)
    if isinstance(expr, Node):
        values = [a if isinstance(a, (sp.Integer, sp.Tuple)) else evaluate(a, env)
                  for a in expr.args]
        return expr.compute(env, *values)
    if isinstance(expr, sp.OneMatrix):
        return env.ones((env.int_dim(expr.shape[0]), env.int_dim(expr.shape[1])))
    if isinstance(expr, sp.ZeroMatrix):
        return env.zeros((env.int_dim(expr.shape[0]), env.int_dim(expr.shape[1])))
    if isinstance(expr, sp.Transpose):
        return np.swapaxes(evaluate(expr.arg, env), -1, -2)
    if isinstance(expr, sp.MatAdd):
        parts = [evaluate(a, env) for a in expr.args]
        return functools.reduce(lambda x, y: x + y, parts)
    if isinstance(expr, sp.MatMul):
        result, coefficient = None, 1
        for a in expr.args:
            if a.is_Matrix:
                v = evaluate(a, env)
                result = v if result is None else result @ v
            else:
                coefficient = coefficient * evaluate(a, env)
        return result if _is_one(coefficient) else result * coefficient
    if isinstance(expr, sp.HadamardProduct):
        parts = [evaluate(a, env) for a in expr.args]
        return functools.reduce(lambda x, y: x * y, parts)
    if isinstance(expr, sp.HadamardPower):
        base = evaluate(expr.base, env)
        exponent = evaluate(expr.exp, env) if expr.exp.is_Matrix else _scalar(expr.exp, env)
        if env.exact:
            return _object_power(base, exponent)
        return np.power(base, exponent)
    if isinstance(expr, ElementwiseApplyFunction):
        return env.apply(expr.function, evaluate(expr.expr, env))
    if isinstance(expr, sp.Expr) and not expr.is_Matrix:
        return _scalar(expr, env)
    raise TypeError(f"derivations.evaluate: no rule for {type(expr).__name__}: {expr}")


def _scalar(expr, env):
    """A scalar expression: numbers and sizes directly, bound scalar operands (like g) by value."""
    if all(s in env.dims or str(s) in env.params for s in expr.free_symbols):
        return env.scalar(expr)
    if isinstance(expr, sp.Symbol):
        return _lookup(str(expr), env)
    parts = [_scalar(a, env) for a in expr.args]
    if isinstance(expr, sp.Add):
        return functools.reduce(lambda x, y: x + y, parts)
    if isinstance(expr, sp.Mul):
        return functools.reduce(lambda x, y: x * y, parts)
    if isinstance(expr, sp.Pow):
        return parts[0] ** parts[1]
    raise TypeError(f"derivations.evaluate: no rule for the scalar {expr}")


def _lookup(name, env):
    try:
        return env.values[name]
    except KeyError:
        raise KeyError(f"no value bound for operand {name!r} "
                       f"(bound: {sorted(env.values)})") from None


def _is_one(c):
    return isinstance(c, (int, float, sp.Integer)) and c == 1


def _object_power(base, exponent):
    base, exponent = np.broadcast_arrays(np.asarray(base, dtype=object),
                                         np.asarray(exponent, dtype=object))
    out = np.empty(base.shape, dtype=object)
    for index in np.ndindex(base.shape):
        out[index] = sp.Pow(base[index], exponent[index])
    return out
