"""The primitives the seed's network needs: forward beside backward, one class each.

Notation (docs/gradients.md): G is the upstream gradient ∂L/∂out, of out's shape; ⊙ is the
elementwise product; ᵀ swaps the last two axes. A backward returns one gradient per input (None
where the input needs none) in the shape of the *broadcast* result; the backward pass in
autograd.py sums it back to the input's shape, checks it and casts it. Every rule below is
derived and proved under the same name in ``derivations/``, and property-tested against PyTorch
in ``tests/``.

Forward runs on NumPy arrays.  Shape and dtype checks that give learners readable errors happen
before an op is applied (tensor.py), so the code here may assume valid arrays.  Further
primitives (maximum, where, indexing, concatenation, …) are in more_ops.py, in the same form.
"""

import math

import numpy as np

from .autograd import Op
from . import speedups

Tensor = None  # the Tensor class, bound by tensor.py

# --------------------------------------------------------------------------------------------
# The words of a backward rule: operators (+ − * / @, unary −, comparisons) and the functions
# below.  A first-order backward pass runs them on NumPy arrays.  With create_graph=True the
# same rule runs on Tensors and is recorded, so that it can be differentiated again: each word
# does on a Tensor what it does on an array (in a recorded pass G is always a Tensor), and
# each rule is written once.  On arrays, matmul, zero_where and zero_of are computed by
# speedups.py.
# --------------------------------------------------------------------------------------------

def exp(x):
    """eˣ, entry by entry."""
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def power(a, p):
    """A ** p for a number p as PyTorch computes it: p = −0.5 as 1 / √A, so (−inf) ** −0.5 is
    NaN and (−0.0) ** −0.5 is −inf (C's pow gives 0 and +inf).  NumPy takes p = 0.5 as √A."""
    if isinstance(a, Tensor):
        return a ** p
    return 1.0 / np.sqrt(a) if p == -0.5 else np.power(a, p)


def sum_along(x, dim):
    """Σ over `dim`, kept as an axis of size 1 so that it broadcasts back."""
    if isinstance(x, Tensor):
        return x.sum(dim, keepdim=True)
    return np.add.reduce(x, axis=dim, keepdims=True)


def expand_reduced(g, shape, dim, keepdim):
    """𝟏 ⊗ G: the axes a reduction removed put back (size 1), then G copied to `shape`."""
    if dim is not None and not keepdim:
        g = g.reshape([1 if axis in dim else size for axis, size in enumerate(shape)])
    if isinstance(g, Tensor):
        return g.expand(*shape)
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


def zeros_like(x):
    """Zeros shaped like X (a gradient that is 0 whatever G holds, NaN included): a constant."""
    if isinstance(x, Tensor):
        return Tensor._wrap(np.zeros(tuple(x.shape), x._data.dtype))
    return np.zeros_like(x)


def swap_last(x):
    """Xᵀ of a matrix, or of each matrix in a batch: the last two axes swapped."""
    return x.transpose(-1, -2) if isinstance(x, Tensor) else np.swapaxes(x, -1, -2)


def unsqueeze(x, dim):
    """X with a new axis of size 1 at `dim`."""
    return x.unsqueeze(dim) if isinstance(x, Tensor) else np.expand_dims(x, dim)


def permute(x, dims):
    """X with its axes reordered: axis i of the result is axis dims[i] of X."""
    return x.permute(*dims) if isinstance(x, Tensor) else np.transpose(x, dims)


def matmul(a, b):
    """A @ B (on arrays: speedups.matmul)."""
    return a @ b if isinstance(a, Tensor) or isinstance(b, Tensor) \
        else speedups.matmul(a, b)


def sum_rows(g):
    """Gᵀ 𝟏: the sum of the rows of a matrix G, one entry per column (on arrays:
    speedups.sum_rows)."""
    return g.sum(0) if isinstance(g, Tensor) else speedups.sum_rows(g)


def zero_where(mask, g):
    """G with exact zeros where the mask holds: where(M, 0, G), so an inf or NaN in G becomes
    0 there, as PyTorch selects (on arrays: speedups.zero_where)."""
    return g.masked_fill(mask, 0) if isinstance(g, Tensor) else speedups.zero_where(mask, g)


def zero_of(x):
    """0 in X's dtype, to compare X with (on arrays: speedups.zero, made once per dtype)."""
    return 0 if isinstance(x, Tensor) else speedups.zero(x.dtype)


# A rule computes only the gradients asked for (ctx.needs_input_grad): the seed's X needs
# none, and G W for it would double the cost of its layer's backward.

# --------------------------------------------------------------------------------------------
# Elementwise, two inputs (broadcasting)
# --------------------------------------------------------------------------------------------


class Add(Op):
    """out = A + b.   ∂L/∂A = G,  ∂L/∂b = G summed to b's shape   (Gᵀ 𝟏 for a bias on each row)."""

    name = "add"

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Op):
    """out = A − B.   ∂L/∂A = G,  ∂L/∂B = −G."""

    name = "sub"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Op):
    """out = A ⊙ B.   ∂L/∂A = G ⊙ B,  ∂L/∂B = G ⊙ A."""

    name = "mul"

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad or (False, False)
        # Save only what a wanted gradient uses: `h *= 2` then need not keep h.
        ctx.save_for_backward(b if need_a else None, a if need_b else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        b, a = ctx.saved_values
        return (g * b if b is not None else None), (g * a if a is not None else None)


class Div(Op):
    """out = A ⊘ B.   ∂L/∂A = G ⊘ B,  ∂L/∂B = −G ⊙ A ⊘ (B ⊙ B)   (as −G ⊙ ((A / B) / B),
    grouped as PyTorch: B ⊙ B would overflow first, 1e38² in float32)."""

    name = "div"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_values
        need_a, need_b = ctx.needs_input_grad
        return (g / b if need_a else None), (-g * ((a / b) / b) if need_b else None)


# --------------------------------------------------------------------------------------------
# Elementwise, one input
# --------------------------------------------------------------------------------------------


class Neg(Op):
    """out = −A.   ∂L/∂A = −G."""

    name = "neg"

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Op):
    """out = A ** p (a number p).   ∂L/∂A = p G ⊙ A^∘(p−1)   (0 when p = 0, as PyTorch)."""

    name = "pow"

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return power(a, exponent)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_values
        p = ctx.exponent
        return zeros_like(g) if p == 0 else g * (p * power(a, p - 1))


class Exp(Op):
    """out = exp(A).   ∂L/∂A = G ⊙ exp(A) = G ⊙ out."""

    name = "exp"

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_values
        return g * out


class Log(Op):
    """out = log(A).   ∂L/∂A = G ⊘ A."""

    name = "log"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_values
        return g / a


class Relu(Op):
    """out = max(A, 0).   ∂L/∂A = G ⊙ [A > 0]   (0 at A = 0, as PyTorch; G passes at NaN,
    since PyTorch zeroes it only where out ≤ 0)."""

    name = "relu"

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, speedups.zero(a.dtype))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_values
        return zero_where(out <= zero_of(out), g)


class Tanh(Op):
    """out = tanh(A).   ∂L/∂A = G ⊙ (𝟏 − out ⊙ out)."""

    name = "tanh"

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_values
        return g * (1 - out * out)


class Sigmoid(Op):
    """out = σ(A) = 1 / (1 + e^(−A)).   ∂L/∂A = G ⊙ σ′(A) = G ⊙ out ⊙ (𝟏 − out).

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
        (out,) = ctx.saved_values
        return g * (out * (1 - out))


# --------------------------------------------------------------------------------------------
# Reductions and (log-)softmax
# --------------------------------------------------------------------------------------------


class Sum(Op):
    """out = Σ A over `dim` (all axes when None).   ∂L/∂A = G put back along dim and
    broadcast: g 𝟏𝟏ᵀ (all), G 𝟏ᵀ (dim=1), 𝟏 Gᵀ (dim=0)."""

    name = "sum"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        return np.asarray(np.add.reduce(a, axis=dim, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        return expand_reduced(g, ctx.shape, ctx.dim, ctx.keepdim)


class Mean(Op):
    """out = (1/N) Σ A over `dim` (N entries averaged).   ∂L/∂A = (1/N) G put back along dim
    and broadcast: (g/(n·m)) 𝟏𝟏ᵀ (all), (1/m) G 𝟏ᵀ (dim=1).  The division comes after the
    broadcast, as PyTorch's: with N = 0 no entry is divided, and a gradient of this gradient
    with respect to G is 0, not 0/0."""

    name = "mean"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        ctx.count = a.size if dim is None else math.prod(a.shape[d] for d in dim)
        out = np.add.reduce(a, axis=dim, keepdims=keepdim) / ctx.count  # (np.mean warns at N = 0)
        return np.asarray(out, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        return expand_reduced(g, ctx.shape, ctx.dim, ctx.keepdim) / ctx.count


class LogSoftmax(Op):
    """out = A − logsumexp(A) along `dim`, computed as (A − m) − log Σ e^(A − m), m = max A.

    ∂L/∂A = G − S ⊙ (G 𝟏𝟏ᵀ)   (S = softmax(A) = e^out; dim=1, Σ along dim in general).
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
        (out,) = ctx.saved_values
        return g - exp(out) * sum_along(g, ctx.dim)


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
    """out = S = e^(log_softmax(A)) along `dim` (never overflows).
    ∂L/∂A = S ⊙ (G − (G ⊙ S) 𝟏𝟏ᵀ)   (dim=1; Σ along dim in general)."""

    name = "softmax"

    @staticmethod
    def forward(ctx, a, dim):
        out = np.exp(_log_softmax(a, dim))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_values
        return out * (g - sum_along(g * out, ctx.dim))


# --------------------------------------------------------------------------------------------
# Matrix products and the Linear layer
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
        return speedups.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_values
        need_a, need_b = ctx.needs_input_grad
        a_row, b_column = a.ndim == 1, b.ndim == 1
        if a_row and b_column:  # a dot product, out = Σ aᵢbᵢ
            return (g * b if need_a else None), (g * a if need_b else None)
        # A 1-D operand is a row of A or a column of B, and G gets that axis too ...
        a, b = (unsqueeze(a, -2) if a_row else a), (unsqueeze(b, -1) if b_column else b)
        g = unsqueeze(g, -2) if a_row else unsqueeze(g, -1) if b_column else g
        ga = matmul(g, swap_last(b)) if need_a else None
        gb = matmul(swap_last(a), g) if need_b else None
        # ... which the gradient of that operand loses again
        if a_row and need_a:
            ga = ga[..., 0, :]
        if b_column and need_b:
            gb = gb[..., 0]
        return ga, gb


class Linear(Op):
    """Z = X Wᵀ + 𝟏 bᵀ, the Linear layer in one op (PyTorch's addmm): X (… × in), W (out × in),
    b (out) or None → Z (… × out).

    ∂L/∂X = G W,  ∂L/∂W = Gᵀ X  (over all rows of every batch),  ∂L/∂b = Gᵀ 𝟏, G summed
    over the rows.  The rule of permute, matmul and add composed, in one node
    instead of three: with MseLoss, the seed's MLP records 4 nodes a step instead of 10.
    """

    name = "linear"

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        out = speedups.matmul(x, w.T)
        if b is not None:
            out += b  # in place: the fresh result takes b without a second array of its size
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_values
        need_x, need_w, need_b = ctx.needs_input_grad
        g_rows, x_rows = g, x
        if x.ndim != 2:  # every row of every batch is one sample
            rows = math.prod(x.shape[:-1])
            g_rows, x_rows = g.reshape(rows, w.shape[0]), x.reshape(rows, x.shape[-1])
        return (matmul(g, w) if need_x else None), \
            (matmul(g_rows.T, x_rows) if need_w else None), \
            (sum_rows(g_rows) if need_b else None)


class MseLoss(Op):
    """Mean squared error in one op, prediction Ŷ = A (n×o), target Y = B: ℓ = (A − B) ⊙ (A − B),
    then out = Σ ℓ / N ('mean'), Σ ℓ ('sum') or ℓ itself ('none').  N counts ℓ's entries: A and
    B broadcast together, as in PyTorch (which warns when their shapes differ).

    ∂L/∂Ŷ = 2(1/(n·o)) (Ŷ − Y),  ∂L/∂Y = −2(1/(n·o)) (Ŷ − Y)   ('mean'; 2(Ŷ − Y) for 'sum'), times
    the upstream G.  As PyTorch's MseLossBackward, (2/N)(A − B) first: 2e38 in float32 stays finite.
    """

    name = "mse"

    @staticmethod
    def forward(ctx, x, y, reduction="mean"):
        ctx.save_for_backward(x, y)
        ctx.reduction = reduction
        diff = x - y
        squares = diff * diff
        ctx.count = squares.size if reduction == "mean" and squares.size else 1  # N, or 1
        if reduction == "none":
            return squares
        total = np.add.reduce(squares, axis=None)
        if reduction == "sum":
            return np.asarray(total)
        return np.asarray(total / squares.size if squares.size else np.nan, x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_values
        gx = ((2.0 / ctx.count) * (x - y)) * g
        return gx, (-gx if ctx.needs_input_grad[1] else None)


# --------------------------------------------------------------------------------------------
# Shape: each backward is the adjoint map f*, ⟨G, f(A)⟩ = ⟨f*(G), A⟩
# --------------------------------------------------------------------------------------------


class Reshape(Op):
    """out = A with a new shape (same entries, row-major).   ∂L/∂A = G reshaped back to A's
    shape."""

    name = "reshape"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Permute(Op):
    """out = A with its axes reordered by `dims` (transpose is a permute).
    ∂L/∂A = G permuted by the inverse order (Gᵀ for a matrix transpose)."""

    name = "permute"

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, g):
        return permute(g, np.argsort(ctx.dims))
