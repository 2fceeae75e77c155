"""Dtypes and PyTorch's type-promotion rule.

Five dtypes, each a thin name over a NumPy dtype: float32 (alias float), float64 (double),
int64 (long), int32 (int) and bool.

Promotion (PYTORCH-SEMANTICS.md): operands fall in three tiers — tensors with dimensions,
0-d tensors, Python scalars.  The highest tier present decides the dtype; a lower tier counts
only when it is of a higher category (bool < integer < floating): a 0-d tensor then brings its own
dtype, a Python scalar the default dtype of its category (float32 for floats, int64 for ints).
"""

import builtins

import numpy as np


BOOL, INTEGER, FLOATING = 0, 1, 2  # dtype categories, in the order PyTorch promotes them


class dtype:
    """A tensor element type: ``tinygrad_edu.float32`` and friends."""

    __slots__ = ("name", "np_dtype", "category", "itemsize")

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np_dtype = np.dtype(np_dtype)
        self.category = category  # BOOL < INTEGER < FLOATING: the order of promotion
        self.itemsize = self.np_dtype.itemsize

    @property
    def is_floating_point(self):
        return self.category == FLOATING

    @property
    def is_signed(self):
        return self.category != BOOL

    def __repr__(self):
        return f"tinygrad_edu.{self.name}"

    def __reduce__(self):
        return (from_numpy_dtype, (self.np_dtype,))


float32 = dtype("float32", np.float32, FLOATING)
float64 = dtype("float64", np.float64, FLOATING)
int64 = dtype("int64", np.int64, INTEGER)
int32 = dtype("int32", np.int32, INTEGER)
bool_ = dtype("bool", np.bool_, BOOL)

ALL = (float32, float64, int64, int32, bool_)
_BY_NUMPY = {d.np_dtype: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"float": float32, "double": float64, "long": int64, "int": int32})

DEFAULT_FLOAT = float32


def from_numpy_dtype(np_dtype, what="array"):
    """Our dtype for a NumPy dtype, or a clear error for one the engine does not support."""
    d = _BY_NUMPY.get(np.dtype(np_dtype))
    if d is None:
        raise TypeError(
            f"unsupported dtype {np.dtype(np_dtype)} of the {what}: tinygrad_edu supports "
            f"float32, float64, int64, int32 and bool")
    return d


def to_dtype(value, what="dtype"):
    """Accept our dtype, a NumPy dtype or type, a name, or Python's float/int/bool."""
    if isinstance(value, dtype):
        return value
    if value is builtins.float:
        return float32
    if value is builtins.int:
        return int64
    if value is builtins.bool:
        return bool_
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    try:
        return from_numpy_dtype(np.dtype(value))
    except TypeError:
        raise TypeError(
            f"{what} must be a tinygrad_edu dtype (float32, float64, int64, int32, bool), "
            f"got {value!r}") from None


def promote_pair(a, b):
    """The dtype two of one tier promote to: the higher category, then the wider."""
    if a.category != b.category:
        return a if a.category > b.category else b
    return a if a.itemsize >= b.itemsize else b


def scalar_dtype(value):
    """The default dtype of a Python scalar's category."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool_
    if isinstance(value, (builtins.int, np.integer)):
        return int64
    return DEFAULT_FLOAT


def result_type(dims, zero_dims, scalars):
    """PyTorch's promotion: dtypes of tensors with dims, of 0-d tensors, and Python scalars."""
    result = None
    for tier in (dims, zero_dims, [scalar_dtype(s) for s in scalars]):
        if not tier:
            continue
        d = tier[0]
        for other in tier[1:]:
            d = promote_pair(d, other)
        if result is None or d.category > result.category:
            result = d
    return result
