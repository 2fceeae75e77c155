"""Module-level functions: tensor factories and the ``torch.xxx(t, …)`` forms of tensor methods.

Each factory takes PyTorch's keywords: dtype, device ('cpu' only), requires_grad, and for the
random ones generator.  Random draws come from the library's own generator (random.py).
"""

import builtins

import numpy as np

from . import dtypes as _dt
from . import more_ops
from .random import rng
from .arguments import (_as_operand, _normalize_dim, _shape_arg, array_from_data,
                        broadcast_shapes, matmul, maximum, minimum, where)
from .tensor import Tensor
from .tensor_methods import check_device

__all__ = [
    "tensor", "as_tensor", "from_numpy", "FloatTensor", "DoubleTensor", "LongTensor",
    "IntTensor", "BoolTensor", "zeros", "ones", "empty", "full", "eye", "arange", "linspace",
    "rand", "randn", "randint", "randperm", "zeros_like", "ones_like", "empty_like",
    "full_like", "rand_like", "randn_like", "matmul", "mm", "maximum", "minimum", "where",
    "cat", "concat", "stack", "relu", "tanh", "sigmoid", "exp", "log", "sqrt", "sin", "cos",
    "abs", "neg", "pow", "clamp", "clip", "sum", "mean", "max", "min", "argmax", "argmin",
    "softmax", "log_softmax", "reshape", "flatten", "squeeze", "unsqueeze", "transpose",
    "permute", "split", "chunk", "numel", "is_tensor", "allclose", "equal", "t",
    "broadcast_shapes", "eq", "ne", "lt", "le", "gt", "ge",
]


def _finish(arr, requires_grad, device):
    check_device(device)
    t = Tensor._wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


# ----- from data -------------------------------------------------------------------------

def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of data; the dtype is inferred (floats → float32)."""
    return _finish(array_from_data(data, dtype, copy=True, what="tensor()"), requires_grad,
                   device)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares an ndarray's memory when no conversion is needed."""
    if isinstance(data, Tensor) and dtype is None:
        return data
    return _finish(array_from_data(data, dtype, copy=False, what="as_tensor()"), False, device)


def from_numpy(array):
    """A tensor sharing the array's memory, keeping its dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    _dt.from_numpy_dtype(array.dtype, "array given to from_numpy")
    return Tensor._wrap(array)


def _typed_tensor(dtype, name):
    def make(*args, **kwargs):
        if kwargs.pop("device", None) not in (None, "cpu"):
            raise RuntimeError(f"{name}: only device='cpu' is available")
        if kwargs:
            raise TypeError(f"{name}() got unexpected keyword arguments {sorted(kwargs)}")
        if len(args) == 1 and isinstance(args[0], Tensor):
            raise TypeError(
                f"{name}(tensor) is not supported (as in PyTorch): use tensor.to({dtype!r}) or "
                f"tensor.float()/.long()")
        if not args or builtins.all(isinstance(a, (int, np.integer)) and
                                    not isinstance(a, bool) for a in args):
            # FloatTensor(3) is an uninitialised length-3 tensor in PyTorch; ours is zeros
            return Tensor._wrap(np.zeros(_shape_arg(args, name), dtype=dtype.np_dtype))
        if len(args) != 1:
            raise TypeError(f"{name}() takes one sequence or array, or sizes as ints")
        return Tensor._wrap(array_from_data(args[0], dtype, copy=True, what=f"{name}()"))
    make.__name__ = name
    make.__doc__ = f"A {dtype.name} tensor from data (or zeros of the given sizes)."
    return make


FloatTensor = _typed_tensor(_dt.float32, "FloatTensor")
DoubleTensor = _typed_tensor(_dt.float64, "DoubleTensor")
LongTensor = _typed_tensor(_dt.int64, "LongTensor")
IntTensor = _typed_tensor(_dt.int32, "IntTensor")
BoolTensor = _typed_tensor(_dt.bool_, "BoolTensor")


# ----- filled ----------------------------------------------------------------------------

def _filled(size, value, dtype, device, requires_grad, name):
    shape = _shape_arg(size, name)
    if builtins.any(s < 0 for s in shape):
        raise RuntimeError(f"{name}: negative dimension in size {list(shape)}")
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.DEFAULT_FLOAT
    return _finish(np.full(shape, value, dtype=d.np_dtype), requires_grad, device)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _filled(size, 0, dtype, device, requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _filled(size, 1, dtype, device, requires_grad, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False):
    """Zeros here (PyTorch leaves the memory uninitialised)."""
    return _filled(size, 0, dtype, device, requires_grad, "empty")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if not isinstance(fill_value, (builtins.bool, builtins.int, builtins.float, np.generic,
                                   Tensor)):
        raise TypeError(f"full(): fill_value must be a number, got "
                        f"{type(fill_value).__name__} {fill_value!r}")
    if dtype is None:
        dtype = _dt.scalar_dtype(fill_value)
    return _filled((size,) if isinstance(size, (int, np.integer)) else size, fill_value, dtype,
                   device, requires_grad, "full")


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    rows, cols = _shape_arg((n, n if m is None else m), "eye")
    if rows < 0 or cols < 0:
        raise RuntimeError(f"eye: n and m must be greater or equal to 0, got n={n}, m={m}")
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.DEFAULT_FLOAT
    return _finish(np.eye(n, n if m is None else m, dtype=d.np_dtype), requires_grad, device)


def _like(t, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(t).__name__}")
    return t


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    t = _like(input, "zeros_like")
    return zeros(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    t = _like(input, "ones_like")
    return ones(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    return zeros_like(input, dtype, device, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    t = _like(input, "full_like")
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=device,
                requires_grad=requires_grad)


# ----- ranges ----------------------------------------------------------------------------

def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Numbers from start (inclusive) to end (exclusive); int64 when all bounds are ints."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:  # NumPy would quietly give an empty range
        raise RuntimeError(
            f"arange: upper bound and lower bound inconsistent with step sign (start={start}, "
            f"end={end}, step={step})")
    bounds = (start, end, step)
    if dtype is None:
        all_int = builtins.all(isinstance(v, (int, np.integer)) for v in bounds)
        dtype = _dt.int64 if all_int else _dt.DEFAULT_FLOAT
    d = _dt.to_dtype(dtype)
    arr = np.arange(start, end, step, dtype=np.float64 if d.is_floating_point else np.int64)
    return _finish(arr.astype(d.np_dtype), requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.DEFAULT_FLOAT
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise RuntimeError(f"linspace: number of steps must be a non-negative int, got {steps}")
    return _finish(np.linspace(start, end, steps).astype(d.np_dtype), requires_grad, device)


# ----- random ----------------------------------------------------------------------------

def _random(size, draw, dtype, device, requires_grad, generator, name):
    shape = _shape_arg(size, name)
    if builtins.any(s < 0 for s in shape):  # NumPy's own error would not name the op
        raise RuntimeError(f"{name}: negative dimension in size {list(shape)}")
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.DEFAULT_FLOAT
    if not d.is_floating_point:
        raise RuntimeError(f"{name}: expected a floating point dtype, got {d.name}")
    arr = draw(rng(generator), shape, d.np_dtype)
    return _finish(arr, requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples from [0, 1)."""
    return _random(size, lambda g, s, t: g.random(s, dtype=t), dtype, device, requires_grad,
                   generator, "rand")


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    return _random(size, lambda g, s, t: g.standard_normal(s, dtype=t), dtype, device,
                   requires_grad, generator, "randn")


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    t = _like(input, "rand_like")
    return rand(t.shape, generator=generator, dtype=dtype or t.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    t = _like(input, "randn_like")
    return randn(t.shape, generator=generator, dtype=dtype or t.dtype, device=device,
                 requires_grad=requires_grad)


def randint(low=0, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers from low (inclusive) to high (exclusive): randint(high, size) also works."""
    if size is None:  # randint(high, size)
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() needs size=, e.g. randint(0, 10, (3,))")
    if high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.int64
    arr = rng(generator).integers(low, high, _shape_arg((size,), "randint")).astype(d.np_dtype)
    return _finish(arr, requires_grad, device)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 … n-1."""
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.int64
    return _finish(rng(generator).permutation(int(n)).astype(d.np_dtype), requires_grad,
                   device)


# ----- joining ---------------------------------------------------------------------------

def _join(tensors, dim, name, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: expected a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty list of tensors")
    tensors = [_as_operand(t, name) for t in tensors]
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: element {i} is a {type(t).__name__}, not a tensor")
    prepared = _prepare_same_dtype(tensors)
    first = prepared[0].shape
    if op is more_ops.Stack:
        d = _normalize_dim(dim, len(first) + 1, name)
        for i, t in enumerate(prepared):
            if t.shape != first:
                raise RuntimeError(
                    f"{name} expects each tensor to be equal size, but got {list(first)} at "
                    f"entry 0 and {list(t.shape)} at entry {i}")
    else:
        if len(first) == 0:
            raise RuntimeError(f"{name}: zero-dimensional tensor (at position 0) cannot be "
                               f"concatenated")
        d = _normalize_dim(dim, len(first), name)
        for i, t in enumerate(prepared):
            s = t.shape
            if len(s) != len(first) or builtins.any(
                    a != b for j, (a, b) in enumerate(zip(s, first)) if j != d):
                raise RuntimeError(
                    f"{name}: sizes of tensors must match except in dimension {d}; got "
                    f"{list(first)} at entry 0 and {list(s)} at entry {i}")
    return op.apply(*prepared, dim=d)


def _prepare_same_dtype(tensors):
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = _dt._promote_pair(dtype, t.dtype)
    return [t._cast(dtype) for t in tensors]


def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    return _join(tensors, dim, "cat", more_ops.Cat)


concat = cat


def stack(tensors, dim=0):
    """Join equal-shaped tensors along a new dimension."""
    return _join(tensors, dim, "stack", more_ops.Stack)


# ----- function forms of methods ---------------------------------------------------------

def _tensor_arg(x, name):
    x = _as_operand(x, name)
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not "
                        f"{type(x).__name__}")
    return x


def _method(name):
    method = getattr(Tensor, name)

    def fn(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            input = _tensor_arg(input, name)
        return method(input, *args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"torch.{name}(t, …) = t.{name}(…)."
    return fn


relu = _method("relu")
tanh = _method("tanh")
sigmoid = _method("sigmoid")
exp = _method("exp")
log = _method("log")
sqrt = _method("sqrt")
sin = _method("sin")
cos = _method("cos")
abs = _method("abs")
neg = _method("neg")
pow = _method("pow")
clamp = _method("clamp")
clip = _method("clip")
sum = _method("sum")
mean = _method("mean")
max = _method("max")
min = _method("min")
argmax = _method("argmax")
argmin = _method("argmin")
softmax = _method("softmax")
log_softmax = _method("log_softmax")
reshape = _method("reshape")
flatten = _method("flatten")
squeeze = _method("squeeze")
unsqueeze = _method("unsqueeze")
transpose = _method("transpose")
permute = _method("permute")
split = _method("split")
chunk = _method("chunk")
numel = _method("numel")
allclose = _method("allclose")
equal = _method("equal")
t = _method("t")
eq = _method("eq")
ne = _method("ne")
lt = _method("lt")
le = _method("le")
gt = _method("gt")
ge = _method("ge")
mm = _method("mm")
detach = _method("detach")
clone = _method("clone")


def is_tensor(obj):
    return isinstance(obj, Tensor)

