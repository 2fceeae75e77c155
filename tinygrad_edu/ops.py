"""The engine's primitive ops, on NumPy arrays: forward beside backward, one class each.

Notation (DESIGN.md): G is the upstream gradient ∂L/∂out, of out's shape; ⊙ is the elementwise
product; ᵀ swaps the last two axes.  A backward returns one gradient per input (None where the
input needs none) in the shape of the *broadcast* result; the backward pass in autograd.py sums
it back to the input's shape, checks it and casts it.  Every rule below is derived and proved
under the same name in ``derivations/``, and property-tested against PyTorch in ``tests/``.

Ops never see Tensors.  Shape and dtype checks that give learners readable errors happen before
an op is applied (tensor.py); the forward code here may assume valid arrays.
"""

import math

import numpy as np

from .autograd import Op
from .speedups import matmul, zero_where

# --------------------------------------------------------------------------------------------
# Elementwise, two inputs (broadcasting)
# --------------------------------------------------------------------------------------------


class Add(Op):
    """out = A + B.   ∂L/∂A = G,  ∂L/∂B = G   (summed over broadcast axes by the engine)."""

    name = "add"

    @staticmethod
    def forward(ctx, a, b):
        return np.add(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Op):
    """out = A − B.   ∂L/∂A = G,  ∂L/∂B = −G."""

    name = "sub"

    @staticmethod
    def forward(ctx, a, b):
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Op):
    """out = A ⊙ B.   ∂L/∂A = G ⊙ B,  ∂L/∂B = G ⊙ A."""

    name = "mul"

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad or (False, False)
        # Save only what a needed gradient uses: `h *= 2` then need not keep h.
        ctx.save_for_backward(b if need_a else None, a if need_b else None)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, g):
        b, a = ctx.saved_arrays
        return (g * b if b is not None else None), (g * a if a is not None else None)


class Div(Op):
    """out = A / B.   ∂L/∂A = G / B,  ∂L/∂B = −G ⊙ A / B²."""

    name = "div"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.divide(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        # −G ⊙ ((A / B) / B), grouped as PyTorch: B ⊙ B would overflow first (1e38² in float32)
        return (g / b if need_a else None), (-g * ((a / b) / b) if need_b else None)


class PowTensor(Op):
    """out = A ** B (tensor exponent).   ∂L/∂A = G ⊙ B ⊙ A^(B−1),  ∂L/∂B = G ⊙ out ⊙ log A.

    As PyTorch: ∂/∂A is 0 where B = 0; ∂/∂B is 0 where A = 0 and B ≥ 0.
    """

    name = "pow_tensor"

    @staticmethod
    def forward(ctx, a, b):
        out = _tensor_power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            # Grouped as PyTorch groups them, so overflow gives the same inf/NaN pattern.
            ga = np.where(b == 0, 0.0, g * (b * _tensor_power(a, b - 1))).astype(g.dtype,
                                                                              copy=False)
        if need_b:
            gb = (g * np.where((a == 0) & (b >= 0), 0.0, out * np.log(a))).astype(g.dtype,
                                                                                  copy=False)
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
    """out = max(A, B) elementwise.   ∂L/∂A = G ⊙ [A > B] + ½ G ⊙ [A = B], ∂L/∂B likewise.

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
        a, b = ctx.saved_arrays
        if cls is Minimum:  # min(A, B) = −max(−A, −B): the same shares of G
            a, b = -a, -b
        tie = a == b  # ties split evenly, as PyTorch
        share_a = np.where(tie, 0.5, ~(a < b)).astype(g.dtype)
        share_b = np.where(tie, 0.5, ~(a > b)).astype(g.dtype)
        # G ⊙ share, with exact zeros where the share is 0 even if G is inf or NaN (as PyTorch)
        return zero_where(share_a == 0, g * share_a), zero_where(share_b == 0, g * share_b)


class Minimum(Maximum):
    """out = min(A, B) elementwise.   ∂L/∂A = G ⊙ [A < B] + ½ G ⊙ [A = B], ∂L/∂B likewise
    (and, as for maximum, G to both where a NaN makes every comparison false)."""

    name = "minimum"
    pick = staticmethod(np.minimum)


class Where(Op):
    """out = where(C, A, B).   ∂L/∂A = G ⊙ [C],  ∂L/∂B = G ⊙ [¬C]   (C carries no gradient)."""

    name = "where"

    @staticmethod
    def forward(ctx, a, b, condition):
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, g):
        c = ctx.condition
        return zero_where(~c, g), zero_where(c, g)


# --------------------------------------------------------------------------------------------
# Elementwise, one input
# --------------------------------------------------------------------------------------------


class Neg(Op):
    """out = −A.   ∂L/∂A = −G."""

    name = "neg"

    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Op):
    """out = A ** p (a number p).   ∂L/∂A = G ⊙ p A^(p−1)   (0 when p = 0, as PyTorch)."""

    name = "pow"

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return _number_power(a, exponent)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_arrays
        p = ctx.exponent
        if p == 0:
            return np.zeros_like(g)
        return g * (p * _number_power(a, p - 1))


def _number_power(a, p):
    """A ** p for a number p as PyTorch computes it: p = −0.5 as 1 / √A, so (−inf) ** −0.5 is
    NaN and (−0.0) ** −0.5 is −inf (C's pow gives 0 and +inf).  NumPy already takes p = 0.5
    as √A."""
    if p == -0.5:
        return 1.0 / np.sqrt(a)
    return np.power(a, p)


class Exp(Op):
    """out = exp(A).   ∂L/∂A = G ⊙ out."""

    name = "exp"

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_arrays
        return g * out


class Log(Op):
    """out = log(A).   ∂L/∂A = G / A."""

    name = "log"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_arrays
        return g / a


class Sqrt(Op):
    """out = √A.   ∂L/∂A = G / (2 out)   (inf at 0, as PyTorch)."""

    name = "sqrt"

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_arrays
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
        (a,) = ctx.saved_arrays
        return g * np.cos(a)


class Cos(Op):
    """out = cos(A).   ∂L/∂A = −G ⊙ sin(A)."""

    name = "cos"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_arrays
        return -g * np.sin(a)


class Abs(Op):
    """out = |A|.   ∂L/∂A = G ⊙ sign(A)   (0 at A = 0 and at NaN, as PyTorch)."""

    name = "abs"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_arrays
        sign = (a > 0).astype(g.dtype) - (a < 0).astype(g.dtype)  # np.sign(NaN) would be NaN
        return g * sign


class Relu(Op):
    """out = max(A, 0).   ∂L/∂A = G ⊙ [A > 0]   (0 at A = 0, as PyTorch; G passes at NaN,
    since PyTorch zeroes it only where out ≤ 0)."""

    name = "relu"

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_arrays
        return zero_where(out <= 0, g)


class Tanh(Op):
    """out = tanh(A).   ∂L/∂A = G ⊙ (1 − out²)."""

    name = "tanh"

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_arrays
        return g * (1 - out * out)


class Sigmoid(Op):
    """out = σ(A) = 1 / (1 + e^(−A)).   ∂L/∂A = G ⊙ out ⊙ (1 − out).

    Computed piecewise from e = e^(−|A|), which never overflows: σ(A) = 1/(1 + e) for A ≥ 0,
    e/(1 + e) below.  Far below zero, where PyTorch's e^(−A) overflows (A < −88.7 in float32,
    −709.8 in float64), σ is exactly 0 as in PyTorch, not a subnormal number: otherwise an
    infinite upstream G would give inf where PyTorch gives NaN.
    """

    name = "sigmoid"

    @staticmethod
    def forward(ctx, a):
        e = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        if a.dtype.kind == "f":
            out[a < -np.log(np.finfo(a.dtype).max)] = 0
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_arrays
        return g * (out * (1 - out))


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
        (a,) = ctx.saved_arrays
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
    """out = a copy of A.   ∂L/∂A = G."""

    name = "clone"

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g


# --------------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------------


def _expand_reduced(g, shape, dim, keepdim):
    """𝟏 ⊗ G: the reduced axes of G put back (as size 1), then G written into every position
    of the input's shape.  (Filling a fresh array costs a seventh of np.broadcast_to, whose
    Python wrapper dominates on small arrays.)"""
    if dim is not None and not keepdim:
        g = g.reshape([1 if axis in dim else size for axis, size in enumerate(shape)])
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


class Sum(Op):
    """out = Σ A over `dim` (all axes when None).   ∂L/∂A = G broadcast back: 𝟏 ⊗ G."""

    name = "sum"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        return np.asarray(np.add.reduce(a, axis=dim, keepdims=keepdim))  # np.sum, unwrapped

    @staticmethod
    def backward(ctx, g):
        return _expand_reduced(g, ctx.shape, ctx.dim, ctx.keepdim)


class Mean(Op):
    """out = (1/N) Σ A over `dim` (N entries averaged).   ∂L/∂A = G / N broadcast back."""

    name = "mean"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        ctx.count = a.size if dim is None else int(np.prod([a.shape[d] for d in dim]))
        out = np.add.reduce(a, axis=dim, keepdims=keepdim) / ctx.count  # (np.mean warns at N = 0)
        return np.asarray(out, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        return _expand_reduced(g / ctx.count, ctx.shape, ctx.dim, ctx.keepdim)


class Max(Op):
    """out = max of A over `dim` (all entries when None).

    Over all entries: ∂L/∂A = G ⊙ [A = out] / (number of ties)  (split evenly, as PyTorch).
    Along a dim: ∂L/∂A = G at the returned index, 0 elsewhere    (as PyTorch).
    """

    name = "max"
    _reduce = staticmethod(np.max)
    _arg = staticmethod(np.argmax)

    @classmethod
    def forward(cls, ctx, a, dim=None, keepdim=False):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        if dim is None:
            out = np.asarray(cls._reduce(a))
            ctx.save_for_backward(a, out)
            return out
        index = np.expand_dims(cls._arg(a, axis=dim), dim)
        ctx.index = index
        out = np.take_along_axis(a, index, axis=dim)
        return out if keepdim else np.squeeze(out, axis=dim)

    @staticmethod
    def backward(ctx, g):
        if ctx.dim is None:
            a, out = ctx.saved_arrays
            ties = (a == out) | (np.isnan(a) & np.isnan(out))  # a NaN maximum: to the NaNs
            return zero_where(~ties, g / np.sum(ties).astype(g.dtype))
        grad = np.zeros(ctx.shape, dtype=g.dtype)
        g = g if ctx.keepdim else np.expand_dims(g, ctx.dim)
        np.put_along_axis(grad, ctx.index, g, axis=ctx.dim)
        return grad


class Min(Max):
    """out = min of A over `dim`; gradient rules as for max (ties split over all entries; to
    the returned index along a dim)."""

    name = "min"
    _reduce = staticmethod(np.min)
    _arg = staticmethod(np.argmin)


class LogSoftmax(Op):
    """out = A − logsumexp(A) along `dim`, computed as (A − m) − log Σ e^(A − m), m = max A.

    ∂L/∂A = G − e^out ⊙ Σ_dim G.
    """

    name = "log_softmax"

    @staticmethod
    def forward(ctx, a, dim):
        out = _log_softmax(a, dim)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_arrays
        return g - np.exp(out) * np.sum(g, axis=ctx.dim, keepdims=True)


def _log_softmax(a, dim):
    if a.shape[dim] == 0:  # nothing to normalise (np.max refuses an empty axis)
        return a.copy()
    m = np.max(a, axis=dim, keepdims=True)
    # A row of -inf stays -inf - ... = nan, as PyTorch; a +inf or NaN maximum makes the
    # whole row NaN, as PyTorch's (inf - inf).
    m = np.where(m == -np.inf, 0, m)
    shifted = a - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


class Softmax(Op):
    """out = e^(log_softmax(A)) along `dim` (never overflows).   ∂L/∂A = out ⊙ (G − Σ_dim G ⊙ out)."""

    name = "softmax"

    @staticmethod
    def forward(ctx, a, dim):
        out = np.exp(_log_softmax(a, dim))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_arrays
        return out * (g - np.sum(g * out, axis=ctx.dim, keepdims=True))


# --------------------------------------------------------------------------------------------
# Loss
# --------------------------------------------------------------------------------------------


class MseLoss(Op):
    """Mean squared error in one op, prediction A and target B: ℓ = (A − B) ⊙ (A − B), then
    out = Σ ℓ / N ('mean'), Σ ℓ ('sum') or ℓ itself ('none').

    ∂L/∂A = c (A − B) ⊙ G,  ∂L/∂B = −c (A − B) ⊙ G;  c = 2/N ('mean') or 2.  Grouped as
    PyTorch's MseLossBackward: c (A − B) first, so a difference of 2e38 in float32 stays finite.
    """

    name = "mse"

    @staticmethod
    def forward(ctx, x, y, reduction="mean"):
        diff = np.subtract(x, y)
        ctx.save_for_backward(diff)
        ctx.reduction = reduction
        squares = diff * diff
        if reduction == "none":
            return squares
        total = np.add.reduce(squares, axis=None)
        if reduction == "sum":
            return np.asarray(total)
        return np.asarray(total / squares.size if squares.size else np.nan, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        (diff,) = ctx.saved_arrays
        c = 2.0 / diff.size if ctx.reduction == "mean" and diff.size else 2.0
        gx = (c * diff) * g
        return gx, (-gx if ctx.needs_input_grad[1] else None)


# --------------------------------------------------------------------------------------------
# Matrix product
# --------------------------------------------------------------------------------------------


class MatMul(Op):
    """out = A @ B, as torch.matmul (1-D, 2-D, batched, broadcast batches).

    ∂L/∂A = G Bᵀ,  ∂L/∂B = Aᵀ G.  A 1-D A is a row (1×k) and a 1-D B a column (k×1) for the
    rule; the added axis is dropped again, and broadcast batch axes are summed by the engine.
    """

    name = "matmul"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return (g * b if need_a else None), (g * a if need_b else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        ga = gb = None
        if need_a:
            ga = matmul(g, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                ga = ga[..., 0, :]
        if need_b:
            gb = matmul(np.swapaxes(a2, -1, -2), g)
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb


class Linear(Op):
    """Z = X Wᵀ + 𝟏 bᵀ, the Linear layer in one op (PyTorch's addmm): X (… × in), W (out × in),
    b (out) or None → Z (… × out).

    ∂L/∂X = G W,  ∂L/∂W = Gᵀ X  (over all rows of every batch),  ∂L/∂b = G, which the engine
    sums over the rows: Gᵀ 𝟏.  The rule of permute, matmul and add composed, in one node
    instead of three: with MseLoss, the seed's MLP records 4 nodes a step instead of 10 and
    trains twice as fast.
    """

    name = "linear"

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        out = matmul(x, w.T)
        if b is not None:
            out += b  # b has out entries (or 1): it fits the fresh result in place
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_arrays
        need_x, need_w, need_b = ctx.needs_input_grad
        g2, x2 = g, x
        if x.ndim != 2:  # every row of every batch is one sample: (rows × out), (rows × in)
            rows = math.prod(x.shape[:-1])
            g2, x2 = g.reshape(rows, w.shape[0]), x.reshape(rows, x.shape[-1])
        gx = matmul(g2, w).reshape(x.shape) if need_x else None
        gw = matmul(g2.T, x2) if need_w else None
        return gx, gw, (g if need_b else None)


# --------------------------------------------------------------------------------------------
# Structure: reshape, permute, expand, indexing, concatenation.  Each backward is the adjoint
# map f*: ⟨G, f(A)⟩ = ⟨f*(G), A⟩.
# --------------------------------------------------------------------------------------------


class Reshape(Op):
    """out = A with a new shape (same entries, row-major).   ∂L/∂A = G reshaped back."""

    name = "reshape"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return np.reshape(a, shape)

    @staticmethod
    def backward(ctx, g):
        return np.reshape(g, ctx.shape)


class Permute(Op):
    """out = A with its axes reordered by `dims` (transpose is a permute).
    ∂L/∂A = G with the inverse permutation."""

    name = "permute"

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, np.argsort(ctx.dims))


class Expand(Op):
    """out = A broadcast to `shape` (a view).   ∂L/∂A = G summed over the new axes (by the
    engine's broadcast undoing)."""

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

    ∂L/∂A = zeros of A's shape with G added at the picked places (repeats add up).
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
        grad = np.zeros(ctx.shape, dtype=g.dtype)
        if _is_basic_index(ctx.key):
            grad[ctx.key] = g
        else:
            np.add.at(grad, ctx.key, g)
        return grad


class IndexPut(Op):
    """out = A with out[key] = V (item assignment recorded in the graph).

    ∂L/∂A = G with zeros at key;  ∂L/∂V = G[key]   (summed to V's shape by the engine).
    """

    name = "index_put"

    @staticmethod
    def forward(ctx, a, value, key):
        ctx.key = key
        out = a.copy()
        out[key] = value
        return out

    @staticmethod
    def backward(ctx, g):
        ga = gv = None
        if ctx.needs_input_grad[0]:
            ga = np.array(g, copy=True)  # g may be a NumPy scalar (0-d), which has no [key] =
            ga[ctx.key] = 0
        if ctx.needs_input_grad[1]:
            gv = g[ctx.key]
        return ga, gv


class Cat(Op):
    """out = [A₁, A₂, …] joined along `dim`.   ∂L/∂Aᵢ = the slice of G where Aᵢ sits."""

    name = "cat"

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        ctx.bounds = np.cumsum([x.shape[dim] for x in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return tuple(np.split(g, ctx.bounds, axis=ctx.dim))


class Stack(Op):
    """out = [A₁, A₂, …] stacked along a new axis `dim`.   ∂L/∂Aᵢ = G taken at index i of dim."""

    name = "stack"

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return tuple(np.moveaxis(g, ctx.dim, 0))


# --------------------------------------------------------------------------------------------
# The canonical list: derivations/ has a derivation of each name, tests/op_specs.py a spec.
# --------------------------------------------------------------------------------------------

PRIMITIVES = {
    op.name: op
    for op in (
        Add, Sub, Mul, Div, PowTensor, Maximum, Minimum, Where,
        Neg, Pow, Exp, Log, Sqrt, Sin, Cos, Abs, Relu, Tanh, Sigmoid, Clamp, Cast, Clone,
        Sum, Mean, Max, Min, LogSoftmax, Softmax,
        MatMul, Linear, MseLoss,
        Reshape, Permute, Expand, Index, IndexPut, Cat, Stack,
    )
}

# Operations with no gradient at all: they are computed outside the graph, never recorded.
NON_DIFFERENTIABLE = ("eq", "ne", "lt", "le", "gt", "ge", "argmax", "argmin")
