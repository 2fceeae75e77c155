"""Measured speed-ups, kept out of the reading path.

The reading path (tensor.py, autograd.py, ops.py) calls each function here by a name that says
what it computes.  Beside each one stands the plain NumPy form it replaces (``plain_…``): read
that one to understand the engine; tests/test_speedups.py holds the two equal bit for bit, and
benchmarks/ measures what the fast form buys.
"""

import numpy as np

__all__ = ["quiet_numpy", "plain_quiet_numpy", "forward_quietly", "plain_forward_quietly",
           "matmul", "plain_matmul", "sum_rows", "plain_sum_rows", "zero_where",
           "plain_zero_where", "zero", "plain_zero", "number_beside", "plain_number_beside"]


# --------------------------------------------------------------------------------------------
# quiet_numpy(): NumPy's floating-point warnings off inside, since PyTorch is silent where NumPy
# warns (log(0) = -inf, 0/0 = nan, overflow to inf).
# --------------------------------------------------------------------------------------------

def plain_quiet_numpy():
    """The public form: ``with np.errstate(all="ignore"): …`` (about 1 µs a use)."""
    return np.errstate(all="ignore")


def plain_forward_quietly(forward, ctx, arrays, params):
    """forward(ctx, *arrays, **params) with NumPy's warnings off: how Op.apply runs an op."""
    with plain_quiet_numpy():
        return forward(ctx, *arrays, **params)


try:  # NumPy 2 keeps its error state in a context variable: setting it costs ~0.1 µs
    from numpy._core._ufunc_config import _extobj_contextvar
    from numpy._core.umath import _make_extobj

    _IGNORE_ALL = _make_extobj(all="ignore")
    _set_errors, _reset_errors = _extobj_contextvar.set, _extobj_contextvar.reset
except (ImportError, AttributeError):  # NumPy 1.x: the public forms
    quiet_numpy = plain_quiet_numpy
    forward_quietly = plain_forward_quietly
else:
    class quiet_numpy:
        """``with quiet_numpy(): …`` is np.errstate(all="ignore") at a fifth of its cost, set
        through NumPy's own context variable (per thread and per task, as np.errstate is)."""

        __slots__ = ("_token",)

        def __enter__(self):
            self._token = _set_errors(_IGNORE_ALL)

        def __exit__(self, kind, error, traceback):
            _reset_errors(self._token)

    def forward_quietly(forward, ctx, arrays, params):
        """plain_forward_quietly: the same, without a context-manager object (~0.1 µs an op)."""
        token = _set_errors(_IGNORE_ALL)
        try:
            return forward(ctx, *arrays, **params)
        finally:
            _reset_errors(token)


# --------------------------------------------------------------------------------------------
# matmul(a, b): A @ B
# --------------------------------------------------------------------------------------------

plain_matmul = np.matmul


def matmul(a, b):
    """A @ B.  For two matrices ndarray.dot makes the same BLAS call, bit for bit, without the
    machinery of the matmul ufunc: 0.31 µs against 0.76 µs at 2×2.  Not when either has one
    entry: dot then scales by it with BLAS axpy, which skips a zero factor (0 · NaN gave 0)."""
    if a.ndim == 2 and b.ndim == 2 and a.size > 1 and b.size > 1:
        return a.dot(b)
    return np.matmul(a, b)


# --------------------------------------------------------------------------------------------
# sum_rows(g): Gᵀ 𝟏, the column sums of a matrix (a Linear layer's bias gradient)
# --------------------------------------------------------------------------------------------

def plain_sum_rows(g):
    """𝟏ᵀ G, the sum of G's n rows, as the product it is: np.ones(n) @ G."""
    return np.matmul(np.ones(g.shape[0], g.dtype), g)


_ONES = {}  # (n, dtype) -> a read-only vector of n ones


def sum_rows(g):
    """plain_sum_rows(g), its vector of ones made once per length and dtype, and multiplied by
    ndarray.dot: the same BLAS product (gemv), bit for bit.  As a product the sum is one BLAS
    call: 0.7 µs at 200×10, where np.add.reduce(G, axis=0) takes 4.0 µs, adding row after row
    (and in float16 it rounds each partial sum to float16; the product does not)."""
    key = (g.shape[0], g.dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) >= 64:  # batch sizes seen: a few; forget them all rather than grow
            _ONES.clear()
        ones = _ONES[key] = np.ones(g.shape[0], g.dtype)
        ones.flags.writeable = False
    return ones.dot(g)


# --------------------------------------------------------------------------------------------
# zero_where(mask, g): G with exact zeros where mask holds (relu's and clamp's backward)
# --------------------------------------------------------------------------------------------

def plain_zero_where(mask, g):
    """0 where mask holds, else G: a selection, so an inf or NaN in G becomes exactly 0 where
    masked (a product G ⊙ [¬mask] would give NaN there), as PyTorch selects."""
    return np.where(mask, np.zeros((), g.dtype), g)


# np.where branches on every entry: on large arrays with a mixed mask (relu's) it is several
# times slower than plain bit arithmetic (0.39 against 0.036 ms at 10⁵ entries, 14 against 2.9 ms
# at 4·10⁶).  Below a few thousand entries it is the fastest form once its 0 is made once per
# dtype (0.81 against 0.92 µs for a copy of G with zeros put where masked at 2×2, 4.8 against
# 5.4 µs at 4096 entries).
_WHERE_LIMIT = 4096


def plain_zero(dtype):
    """0 as a 0-d array of `dtype`."""
    return np.zeros((), dtype)


_ZEROS = {}  # dtype -> a read-only 0-d zero of it


def zero(dtype):
    """plain_zero(dtype), made once per dtype: NumPy compares with or takes the maximum against
    a Python 0 at about half the speed (it must first choose the 0's dtype), and making a new
    0-d array costs as much as the 2×2 op it serves."""
    made = _ZEROS.get(dtype)
    if made is None:
        made = _ZEROS[dtype] = plain_zero(dtype)
        made.flags.writeable = False  # shared by every call: nothing may write into it
    return made


def zero_where(mask, g):
    """plain_zero_where(mask, g) for a boolean array mask: on small arrays the same selection
    with its 0 made once per dtype; on large ones bit arithmetic, each entry's bits ANDed with
    all ones where it is kept and with all zeros (the bits of +0.0) where it is masked.  Either
    way every kept entry is G's own, NaN included, and every masked one exactly +0.0."""
    if g.size <= _WHERE_LIMIT or np.broadcast_shapes(mask.shape, g.shape) != g.shape:
        return np.where(mask, zero(g.dtype), g)  # (also a mask broadcast with G)
    bits = np.dtype(f"u{g.dtype.itemsize}")
    # masked: 1 − 1 = 0; kept: 0 − 1 = all ones.  One array of G's shape, then the result
    # written over it: no more memory than the product G ⊙ [¬mask] would take.
    keep = np.subtract(np.broadcast_to(mask, g.shape), 1, dtype=bits)
    return np.bitwise_and(g.view(bits), keep, out=keep).view(g.dtype)


# --------------------------------------------------------------------------------------------
# number_beside(number, dtype): a Python number in an op with a float tensor (x * 0.9)
# --------------------------------------------------------------------------------------------

def plain_number_beside(number, dtype):
    """The number itself: NumPy casts it to the tensor's dtype."""
    return number


_SMALLEST_FLOAT_MAX = float(np.finfo(np.float16).max)  # 65504: fits every float dtype


def number_beside(number, dtype):
    """The number as a 0-d array of the tensor's dtype: NumPy gives bit for bit the results
    of the plain number (it casts it to that dtype first), but a 0-d array is about 250 ns
    faster in every use, forward and backward.  A number too large for float16 stays a
    number, so the cast can never overflow (and warn)."""
    if -_SMALLEST_FLOAT_MAX <= number <= _SMALLEST_FLOAT_MAX:
        return np.asarray(number, dtype)
    return number
