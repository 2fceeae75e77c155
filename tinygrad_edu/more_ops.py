"""Further primitives beside the reading path, in the same form as ops.py: forward beside
backward on NumPy arrays, the rule in the docstring, each rule written in ops.py's words.

The seed's network needs none of these; PyTorch's API does: a tensor exponent, elementwise
maximum and minimum, where, sqrt, sin, cos, log1p, expm1, erf, abs, clamp, dtype casts and
copies, max and min reductions, expand, indexing and item assignment, concatenation and stacking.
"""

import math

import numpy as np

from .autograd import Op
from .ops import exp, expand_reduced, zero_where

Tensor = None  # the Tensor class, bound by tensor.py

# --------------------------------------------------------------------------------------------
# Words beside ops.py's, each doing on a Tensor (a recorded backward pass) what it does on an
# array.
# --------------------------------------------------------------------------------------------


def value_of(x):
    """The numbers in X outside the graph: for masks, signs and counts, whose derivative is 0."""
    return x._data if isinstance(x, Tensor) else x


def log(x):
    """log X, entry by entry."""
    return x.log() if isinstance(x, Tensor) else np.log(x)


def sin(x):
    """sin X, entry by entry."""
    return x.sin() if isinstance(x, Tensor) else np.sin(x)


def cos(x):
    """cos X, entry by entry."""
    return x.cos() if isinstance(x, Tensor) else np.cos(x)


def tensor_power(a, b):
    """A ** B entry by entry, B a tensor (on arrays: _tensor_power, as PyTorch computes it)."""
    return a ** b if isinstance(a, Tensor) or isinstance(b, Tensor) else _tensor_power(a, b)


def add_at(shape, key, g):
    """Zeros of `shape` with G added at `key` (repeats add up): the adjoint of A[key]."""
    if isinstance(g, Tensor):
        return IndexPut.apply(np.zeros(shape, g._data.dtype), g, key=key, accumulate=True)
    grad = np.zeros(shape, dtype=g.dtype)
    if _is_basic_index(key):
        grad[key] = g
    else:
        np.add.at(grad, key, g)
    return grad


def split_along(g, bounds, dim):
    """G cut along `dim` at `bounds`: the pieces that were joined."""
    if not isinstance(g, Tensor):
        return tuple(np.split(g, bounds, axis=dim))
    edges = [0, *bounds, g.shape[dim]]
    lead = (slice(None),) * (dim % g.ndim)
    return tuple(Index.apply(g, key=lead + (slice(lo, hi),)) for lo, hi in zip(edges, edges[1:]))


def unstack(g, dim):
    """The slices of G at each index of `dim`."""
    if not isinstance(g, Tensor):
        return tuple(np.moveaxis(g, dim, 0))
    lead = (slice(None),) * (dim % g.ndim)
    return tuple(Index.apply(g, key=lead + (i,)) for i in range(g.shape[dim]))

# --------------------------------------------------------------------------------------------
# Elementwise
# --------------------------------------------------------------------------------------------


class PowTensor(Op):
    """out = A ** B (tensor exponent).   ∂L/∂A = G ⊙ B ⊙ A^∘(B−𝟏),  ∂L/∂B = G ⊙ out ⊙ log A.

    As PyTorch: ∂/∂A is 0 where B = 0; ∂/∂B is 0 where A = 0 and B ≥ 0.  "B = 0" is tested
    on B as it was given (`zero_exponent`), before promotion: a float64 1e-300 is not 0,
    though as the float32 the op computes in it is.
    """

    name = "pow_tensor"

    @staticmethod
    def forward(ctx, a, b, zero_exponent=None):
        out = _tensor_power(a, b)
        ctx.save_for_backward(a, b, out)
        ctx.zero_exponent = value_of(b) == 0 if zero_exponent is None else zero_exponent
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_values
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        # Grouped as PyTorch groups them, so overflow gives the same inf/NaN pattern.
        if need_a:
            ga = zero_where(ctx.zero_exponent, g * (b * tensor_power(a, b - 1)))
        if need_b:
            a_zero = (value_of(a) == 0) & (value_of(b) >= 0)
            gb = g * zero_where(a_zero, out * log(a))
        return ga, gb


def _tensor_power(a, b):
    """A ** B entry by entry with C's pow, as PyTorch computes a tensor exponent.  NumPy takes
    an exponent it broadcasts (stride 0) that equals 0.5 as √A, so (−inf) ** 0.5 would be NaN
    instead of inf: B is given to it at full size."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    if np.shape(b) != shape or shape == ():
        b = np.ascontiguousarray(np.broadcast_to(b, shape)).reshape(-1)
        return np.power(np.broadcast_to(a, shape).reshape(-1), b).reshape(shape)
    return np.power(a, b)


class Maximum(Op):
    """out = max(A, B).   ∂L/∂A = G ⊙ ([A > B] + ½ [A = B]),  ∂L/∂B = G ⊙ ([B > A] + ½ [A = B]).

    As PyTorch, an input gets no gradient only where it is strictly the smaller, so where a
    NaN makes every comparison false, both get G.
    """

    name = "maximum"
    pick = staticmethod(np.maximum)

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return cls.pick(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = (value_of(x) for x in ctx.saved_values)
        if cls is Minimum:  # min(A, B) = −max(−A, −B): the same shares of G
            a, b = -a, -b
        tie = a == b  # ties split evenly, as PyTorch
        share_a = np.where(tie, 0.5, ~(a < b)).astype(a.dtype)
        share_b = np.where(tie, 0.5, ~(a > b)).astype(a.dtype)
        # G ⊙ share, with exact zeros where the share is 0 even if G is inf or NaN (as PyTorch)
        return zero_where(share_a == 0, g * share_a), zero_where(share_b == 0, g * share_b)


class Minimum(Maximum):
    """out = min(A, B).   ∂L/∂A = G ⊙ ([A < B] + ½ [A = B]),  ∂L/∂B = G ⊙ ([B < A] + ½ [A = B]);
    as for maximum, G goes to both where a NaN makes every comparison false."""

    name = "minimum"
    pick = staticmethod(np.minimum)


class Where(Op):
    """out = where(C, A, B).   ∂L/∂A = G ⊙ C,  ∂L/∂B = G ⊙ (𝟏 − C)   (C carries no gradient)."""

    name = "where"

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, g):
        c = ctx.condition
        return None, zero_where(~c, g), zero_where(c, g)


class Sqrt(Op):
    """out = √A.   ∂L/∂A = G ⊘ (2√A) = G ⊘ (2 out)   (inf at 0, as PyTorch)."""

    name = "sqrt"

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_values
        return g / (2 * out)


class Sin(Op):
    """out = sin(A).   ∂L/∂A = G ⊙ cos(A)."""

    name = "sin"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_values
        return g * cos(a)


class Cos(Op):
    """out = cos(A).   ∂L/∂A = −G ⊙ sin(A)."""

    name = "cos"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_values
        return -g * sin(a)


class Log1p(Op):
    """out = log(1 + A), exact for small A where log(1 + A) would round 1 + A first.
    ∂L/∂A = G ⊘ (𝟏 + A)   (inf at A = −1, NaN below it, as PyTorch)."""

    name = "log1p"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log1p(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_values
        return g / (a + 1)


class Expm1(Op):
    """out = eᴬ − 1, exact for small A where exp(A) − 1 would cancel.
    ∂L/∂A = G ⊙ exp(A) = G ⊙ (out + 𝟏)."""

    name = "expm1"

    @staticmethod
    def forward(ctx, a):
        out = np.expm1(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_values
        return g * (out + 1)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_erf_entries = np.frompyfunc(math.erf, 1, 1)


class Erf(Op):
    """out = erf(A) = (2/√π) ∫₀ᴬ e^(−t²) dt.   ∂L/∂A = (2/√π) G ⊙ exp(−A ⊙ A).

    NumPy has no erf (and SciPy is not a dependency), so the forward calls Python's math.erf
    on each entry: correctly rounded in double precision (as PyTorch's float64 erf), then
    rounded to the input's dtype.  One Python call per entry (about 0.1 s per million
    entries) is slower than a vectorised approximation, and plainer to read and to trust.
    """

    name = "erf"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.asarray(_erf_entries(a), dtype=object).astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_values
        return g * (_TWO_OVER_SQRT_PI * exp(-(a * a)))


class Abs(Op):
    """out = |A|.   ∂L/∂A = G ⊙ sign(A)   (0 at A = 0 and at NaN, as PyTorch)."""

    name = "abs"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        a = value_of(ctx.saved_values[0])
        sign = (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)  # np.sign(NaN) would be NaN
        return g * sign


class Clamp(Op):
    """out = min(max(A, lo), hi).   ∂L/∂A = G ⊙ [lo ≤ A ≤ hi]   (passes at the bounds)."""

    name = "clamp"

    @staticmethod
    def forward(ctx, a, min=None, max=None):
        ctx.save_for_backward(a)
        ctx.bounds = (min, max)
        out = a
        if min is not None:
            out = np.maximum(out, np.asarray(min, dtype=a.dtype))
        if max is not None:
            out = np.minimum(out, np.asarray(max, dtype=a.dtype))
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, g):
        a = value_of(ctx.saved_values[0])
        lo, hi = ctx.bounds
        inside = np.ones(a.shape, dtype=bool)  # (a NaN entry is inside no bound: 0, as PyTorch)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        return zero_where(~inside, g)


class Cast(Op):
    """out = A converted to another dtype.   ∂L/∂A = G   (cast back by the engine)."""

    name = "cast"

    @staticmethod
    def forward(ctx, a, dtype):
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g


class Clone(Op):
    """out = a copy of A.   ∂L/∂A = G.

    In A's memory layout ('K', as PyTorch's clone keeps a transposed tensor's strides), or
    row after row ('C', for contiguous())."""

    name = "clone"

    @staticmethod
    def forward(ctx, a, order="K"):
        return a.copy(order=order)

    @staticmethod
    def backward(ctx, g):
        return g


# --------------------------------------------------------------------------------------------
# Reductions: max and min
# --------------------------------------------------------------------------------------------


class Max(Op):
    """out = max of A over `dim` (all entries when None).

    ∂L/∂A = G at the largest entry, 0 elsewhere (all entries: G ⊙ [A = max A] / #ties; along
    dim: to the returned index).   Ties split evenly over all entries, as PyTorch.
    """

    name = "max"
    _reduce = staticmethod(np.max)
    _arg = staticmethod(np.argmax)

    @classmethod
    def forward(cls, ctx, a, dim=None, keepdim=False):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        if dim is None:
            out = np.asarray(cls._reduce(a))
            ctx.ties = (a == out) | (np.isnan(a) & np.isnan(out))  # a NaN maximum: to the NaNs
            ctx.count = int(np.sum(ctx.ties))
            return out
        index = np.expand_dims(cls._arg(a, axis=dim), dim)
        # the returned entry of each slice, as a mask of A's shape (a constant of the rule)
        positions = np.arange(a.shape[dim]).reshape(
            [-1 if axis == dim % a.ndim else 1 for axis in range(a.ndim)])
        ctx.picked = positions == index
        out = np.take_along_axis(a, index, axis=dim)
        return out if keepdim else np.squeeze(out, axis=dim)

    @staticmethod
    def backward(ctx, g):
        if ctx.dim is None:
            return zero_where(~ctx.ties, g / ctx.count)
        return zero_where(~ctx.picked, expand_reduced(g, ctx.shape, (ctx.dim,), ctx.keepdim))


class Min(Max):
    """out = min of A over `dim`.   ∂L/∂A = G at the smallest entry, 0 elsewhere (all entries:
    G ⊙ [A = min A] / #ties; along dim: to the returned index)."""

    name = "min"
    _reduce = staticmethod(np.min)
    _arg = staticmethod(np.argmin)


# --------------------------------------------------------------------------------------------
# Structure: expand, indexing, concatenation (each backward the adjoint map)
# --------------------------------------------------------------------------------------------


class Expand(Op):
    """out = A broadcast to `shape` (a view).   ∂L/∂A = G summed over the broadcast axes (𝟏ᵀ G
    for a row copied down n rows)."""

    name = "expand"

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g


def _is_basic_index(key):
    """True for ints, slices, None and Ellipsis only: no entry is picked twice."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis
               for k in parts)


class Index(Op):
    """out = A[key] (basic, integer-array or boolean indexing).

    ∂L/∂A = zeros of A's shape with G added at A[key] (picked twice: added twice).
    """

    name = "index"

    @staticmethod
    def forward(ctx, a, key):
        ctx.shape, ctx.key = a.shape, key
        out = a[key]
        if isinstance(out, np.generic):  # one entry picked: NumPy copies it, PyTorch gives a view
            out = a[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
        return out

    @staticmethod
    def backward(ctx, g):
        return add_at(ctx.shape, ctx.key, g)


class IndexPut(Op):
    """out = A with out[key] = V (item assignment recorded in the graph), or, accumulating,
    out[key] += V (repeats add up).

    ∂L/∂A = G with zeros at key (those entries were overwritten);  G itself when accumulating;
    ∂L/∂V = G[key], summed over the axes V was broadcast along.
    """

    name = "index_put"

    @staticmethod
    def forward(ctx, a, value, key, accumulate=False):
        ctx.key, ctx.accumulate = key, accumulate
        out = a.copy()
        if accumulate:
            np.add.at(out, key, value)
        else:
            out[key] = value
        return out

    @staticmethod
    def backward(ctx, g):
        ga = gv = None
        if ctx.needs_input_grad[0]:
            ga = g if ctx.accumulate else put_zeros(g, ctx.key)
        if ctx.needs_input_grad[1]:
            gv = Index.apply(g, key=ctx.key) if isinstance(g, Tensor) else g[ctx.key]
        return ga, gv


def put_zeros(g, key):
    """G with zeros at `key`."""
    if isinstance(g, Tensor):
        return IndexPut.apply(g, np.zeros((), g._data.dtype), key=key)
    out = np.array(g, copy=True)  # g may be a NumPy scalar (0-d), which has no [key] =
    out[key] = 0
    return out


class Cat(Op):
    """out = [A, B, …] joined along `dim`.   ∂L/∂A = the slice of G where A sits,  ∂L/∂B = the
    slice of G where B sits; and so on."""

    name = "cat"

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        ctx.bounds = np.cumsum([x.shape[dim] for x in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return split_along(g, ctx.bounds, ctx.dim)


class Stack(Op):
    """out = [A, B, …] stacked along a new axis `dim`.   ∂L/∂A = G taken at index 0 of dim,
    ∂L/∂B = G taken at index 1 of dim; and so on."""

    name = "stack"

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return unstack(g, ctx.dim)
