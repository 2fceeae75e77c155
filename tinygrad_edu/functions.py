"""Module-level functions: tensor factories and the ``torch.xxx(t, …)`` forms of tensor methods.

Each factory takes PyTorch's sizes (``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros(size=(2, 3))``)
and keywords: dtype, device ('cpu' only), requires_grad, out, and for the random ones
generator.  Random draws come from the library's own generator (random.py).  The function
forms take PyTorch's argument names (``torch.add(input=x, other=y, alpha=2)``) and, where
PyTorch has it, ``out=``: the result written into a given tensor (``_into_out``).
"""

import builtins

import numpy as np

from . import dtypes as _dt
from . import more_ops
from .random import rng
from .arguments import (NOT_GIVEN, _as_operand, _is_scalar, _normalize_dim, _shape_arg,
                        array_from_data, new_shape, numpy_names, reduction_dim)
from .arguments import broadcast_shapes as _broadcast_shapes
from .arguments import maximum as _maximum
from .arguments import minimum as _minimum
from .arguments import where as _where
from .arguments import matmul as _matmul
from .modes import is_grad_enabled
from .user_warnings import warn
from .tensor import Size, Tensor
from .tensor_methods import check_device, rounded_division, scaled

__all__ = [
    "add", "sub", "mul", "div", "randint_like", "isnan", "isinf", "isfinite", "logical_and",
    "logical_or", "logical_not", "all", "any", "clone", "detach", "dot", "var", "std", "norm",
    "amax", "amin", "logsumexp", "square", "lerp", "mv", "bmm", "outer", "addmm", "flip",
    "tril", "triu", "gather", "masked_fill", "sign", "floor", "ceil", "round", "prod",
    "cumsum", "tensor", "as_tensor", "from_numpy", "FloatTensor", "DoubleTensor", "LongTensor",
    "IntTensor", "BoolTensor", "zeros", "ones", "empty", "full", "eye", "arange", "linspace",
    "rand", "randn", "randint", "randperm", "zeros_like", "ones_like", "empty_like",
    "full_like", "rand_like", "randn_like", "matmul", "mm", "maximum", "minimum", "where",
    "cat", "concat", "stack", "relu", "tanh", "sigmoid", "exp", "log", "sqrt", "sin", "cos",
    "log1p", "expm1", "erf", "abs", "neg", "pow", "clamp", "clip", "sum", "mean", "max", "min",
    "argmax", "argmin", "softmax", "log_softmax", "reshape", "flatten", "squeeze", "unsqueeze",
    "transpose", "permute", "split", "chunk", "numel", "is_tensor", "allclose", "equal", "t",
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
    """Like tensor(), but shares an ndarray's memory when no conversion is needed; a Tensor
    comes back itself, or converted with .to(dtype), keeping its graph (as PyTorch)."""
    if isinstance(data, Tensor):
        check_device(device)
        return data if dtype is None else data.to(dtype)
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
            raise TypeError(  # (PyTorch takes only a tensor that already has the dtype)
                f"{name}(tensor) is not supported: use tensor.to({dtype!r}) or "
                f"tensor.float()/.long()")
        if not args or builtins.all(isinstance(a, (int, np.integer)) and
                                    not isinstance(a, bool) for a in args):
            # FloatTensor(3) is an uninitialised length-3 tensor in PyTorch; ours is zeros
            return Tensor._wrap(np.zeros(new_shape(args, name), dtype=dtype.np_dtype))
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


# ----- out= ------------------------------------------------------------------------------

_TORCH_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
                "bool": "Bool"}


def _into_out(result, out, name, same_dtype=False):
    """PyTorch's ``out=``: the result written into `out`, which is returned.

    The values are cast to out's dtype where PyTorch allows it (never a float into an integer
    tensor, nor a number into bool; matmul wants the very dtype); an `out` of another shape is
    resized, with PyTorch's warning unless it was empty.  Nothing that needs gradients may
    take part, as in PyTorch.
    """
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            f"differentiation, but one of the arguments requires grad.")
    have, want = result.dtype, out.dtype
    if same_dtype and have != want:
        raise RuntimeError(f"{name}(): expected out tensor to have dtype {have.name}, but got "
                           f"{want.name} instead")
    if have.category > want.category:
        raise RuntimeError(f"result type {_TORCH_NAMES[have.name]} can't be cast to the "
                           f"desired output type {_TORCH_NAMES[want.name]}")
    out._check_inplace_allowed(f"{name}(out=...)")
    if out.shape != result.shape:
        if out.numel():
            warn(f"An output with one or more elements was resized since it had shape "
                 f"{list(out.shape)}, which does not match the required output shape "
                 f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                 f"release outputs will not be resized unless they have zero elements.")
        out._data = result._data.astype(out._data.dtype)
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            np.copyto(out._data, result._data, casting="unsafe")
    out._version[0] += 1
    return out


def _factory_dtype(dtype, out, default, name):
    """A factory's dtype: dtype=, else out's, else the default (dtype= and out must agree)."""
    if dtype is not None:
        d = _dt.to_dtype(dtype)
        if isinstance(out, Tensor) and out.dtype != d:
            raise RuntimeError(f"{name}(): dtype {_TORCH_NAMES[d.name]} does not match dtype "
                               f"of out parameter ({_TORCH_NAMES[out.dtype.name]})")
        return d
    return out.dtype if isinstance(out, Tensor) else default


# ----- filled ----------------------------------------------------------------------------

def _size(sizes, size, name):
    """The shape of f(2, 3), f((2, 3)), f([2, 3]), f(Size) or f(size=(2, 3)), checked."""
    if size is not None:
        if sizes:
            raise TypeError(f"{name}() got the sizes twice: as positional arguments "
                            f"{sizes} and as size={size!r}; give one of them")
        if not isinstance(size, (tuple, list)):
            raise TypeError(f"{name}(): argument 'size' must be tuple of ints, not "
                            f"{type(size).__name__}")
        sizes = (size,)
    elif not sizes:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size" (e.g. '
                        f'{name}(2, 3) or {name}(size=(2, 3)))')
    return new_shape(sizes, name)


def _filled(shape, value, dtype, device, requires_grad, out, name):
    with np.errstate(invalid="ignore", over="ignore"):
        arr = np.full(shape, value, dtype=dtype.np_dtype)
    return _into_out(_finish(arr, requires_grad, device), out, name)


def zeros(*sizes, size=None, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros: zeros(2, 3), zeros((2, 3)) or zeros(size=(2, 3)); of the default
    dtype (float32) unless dtype= (or out's dtype) says otherwise."""
    d = _factory_dtype(dtype, out, _dt.DEFAULT_FLOAT, "zeros")
    return _filled(_size(sizes, size, "zeros"), 0, d, device, requires_grad, out, "zeros")


def ones(*sizes, size=None, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of ones, sized as zeros()."""
    d = _factory_dtype(dtype, out, _dt.DEFAULT_FLOAT, "ones")
    return _filled(_size(sizes, size, "ones"), 1, d, device, requires_grad, out, "ones")


def empty(*sizes, size=None, out=None, dtype=None, device=None, requires_grad=False,
          pin_memory=False):
    """Zeros here (PyTorch leaves the memory uninitialised), sized as zeros()."""
    d = _factory_dtype(dtype, out, _dt.DEFAULT_FLOAT, "empty")
    return _filled(_size(sizes, size, "empty"), 0, d, device, requires_grad, out, "empty")


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of `size` (a tuple) filled with fill_value; the dtype follows the value
    (bool, int64, or the default float dtype) unless dtype= says otherwise."""
    if isinstance(fill_value, Tensor) and fill_value.numel() == 1:
        fill_value = fill_value.item()
    if not isinstance(fill_value, (builtins.bool, builtins.int, builtins.float, np.generic)):
        raise TypeError(f"full(): fill_value must be a number, got "
                        f"{type(fill_value).__name__} {fill_value!r}")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    d = _factory_dtype(dtype, out, _dt.scalar_dtype(fill_value), "full")
    return _filled(_size((), size, "full"), fill_value, d, device, requires_grad, out, "full")


def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False):
    """The n × m identity matrix (n × n when m is None): ones on the diagonal."""
    for role, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, builtins.bool) or
                              not isinstance(v, (builtins.int, np.integer))):
            raise TypeError(f"eye(): argument '{role}' must be int, not {type(v).__name__}")
        if v is not None and v < 0:
            raise RuntimeError(f"eye(): {role} must be greater or equal to 0, got {role}={v}")
    d = _factory_dtype(dtype, out, _dt.DEFAULT_FLOAT, "eye")
    arr = np.eye(n, n if m is None else m, dtype=d.np_dtype)
    return _into_out(_finish(arr, requires_grad, device), out, "eye")


def _like(t, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(t).__name__}")
    return t


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    """zeros(input.shape) of input's dtype (unless dtype= is given)."""
    t = _like(input, "zeros_like")
    return zeros(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    """ones(input.shape) of input's dtype (unless dtype= is given)."""
    t = _like(input, "ones_like")
    return ones(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    """empty(input.shape) of input's dtype: zeros here."""
    t = _like(input, "empty_like")
    return empty(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    """full(input.shape, fill_value) of input's dtype (2.7 into an int64 tensor gives 2)."""
    t = _like(input, "full_like")
    return full(tuple(t.shape), fill_value, dtype=dtype or t.dtype, device=device,
                requires_grad=requires_grad)


# ----- ranges ----------------------------------------------------------------------------

def _number(v, role, name):
    """A Python number from an int/float or a one-element tensor (arange(torch.tensor(3)))."""
    if isinstance(v, Tensor) and v.numel() == 1:
        v = v.item()
    if isinstance(v, builtins.bool) or not isinstance(v, (builtins.int, builtins.float,
                                                          np.integer, np.floating)):
        raise TypeError(f"{name}(): argument '{role}' must be a number, not "
                        f"{type(v).__name__}")
    return v


def arange(start=0, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad=False):
    """Numbers from start (inclusive) to end (exclusive) by step: arange(5), arange(1, 4),
    arange(0, 1, 0.25); int64 when all of them are ints, else the default float dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, r, "arange") for v, r in
                        ((start, "start"), (end, "end"), (step, "step")))
    all_int = builtins.all(isinstance(v, (builtins.int, np.integer)) for v in (start, end, step))
    d = _factory_dtype(dtype, out, _dt.int64 if all_int else _dt.DEFAULT_FLOAT, "arange")
    if d == _dt.bool_:
        raise NotImplementedError("arange(): not implemented for dtype bool (as in PyTorch)")
    if not d.is_floating_point:  # as PyTorch: the bounds become integers first
        start, end, step = builtins.int(start), builtins.int(end), builtins.int(step)
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) * step < 0:  # NumPy would quietly give an empty range
        raise RuntimeError(
            f"arange(): upper bound and lower bound inconsistent with step sign (start={start}, "
            f"end={end}, step={step})")
    arr = np.arange(start, end, step, dtype=np.float64 if d.is_floating_point else np.int64)
    return _into_out(_finish(arr.astype(d.np_dtype), requires_grad, device), out, "arange")


def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced numbers from start to end, both included."""
    start, end = _number(start, "start", "linspace"), _number(end, "end", "linspace")
    if isinstance(steps, builtins.bool) or not isinstance(steps, (builtins.int, np.integer)):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    d = _factory_dtype(dtype, out, _dt.DEFAULT_FLOAT, "linspace")
    if d == _dt.bool_:
        raise NotImplementedError("linspace(): not implemented for dtype bool (as in PyTorch)")
    arr = np.linspace(start, end, steps).astype(d.np_dtype)
    return _into_out(_finish(arr, requires_grad, device), out, "linspace")


# ----- random ----------------------------------------------------------------------------

def _random(shape, draw, dtype, device, requires_grad, generator, out, name):
    d = _factory_dtype(dtype, out, _dt.DEFAULT_FLOAT, name)
    if not d.is_floating_point:
        raise NotImplementedError(f"{name}(): expected a floating point dtype, got {d.name}")
    arr = draw(rng(generator), shape, d.np_dtype)
    return _into_out(_finish(arr, requires_grad, device), out, name)


def rand(*sizes, size=None, generator=None, out=None, dtype=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform samples from [0, 1), sized as zeros()."""
    return _random(_size(sizes, size, "rand"), lambda g, s, t: g.random(s, dtype=t), dtype,
                   device, requires_grad, generator, out, "rand")


def randn(*sizes, size=None, generator=None, out=None, dtype=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal samples (mean 0, standard deviation 1), sized as zeros()."""
    return _random(_size(sizes, size, "randn"), lambda g, s, t: g.standard_normal(s, dtype=t),
                   dtype, device, requires_grad, generator, out, "randn")


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """rand(input.shape) of input's dtype (which must be floating)."""
    t = _like(input, "rand_like")
    return rand(t.shape, generator=generator, dtype=dtype or t.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """randn(input.shape) of input's dtype (which must be floating)."""
    t = _like(input, "randn_like")
    return randn(t.shape, generator=generator, dtype=dtype or t.dtype, device=device,
                 requires_grad=requires_grad)


def _int_bound(v, role, name):
    if isinstance(v, Tensor) and v.numel() == 1 and not v.dtype.is_floating_point:
        v = v.item()
    if isinstance(v, builtins.bool) or not isinstance(v, (builtins.int, np.integer)):
        raise TypeError(f"{name}(): argument '{role}' must be int, not {type(v).__name__}")
    return builtins.int(v)


def randint(*args, size=None, generator=None, out=None, dtype=None, device=None,
            requires_grad=False, low=None, high=None):
    """Integers drawn uniformly from low (inclusive, 0 unless given) to high (exclusive):
    randint(high, size), randint(low, high, size) or the keywords; int64 by default."""
    args = list(args)
    if size is None and args and (len(args) == 3 or isinstance(args[-1], (tuple, list))):
        size = args.pop()
    if len(args) > 2:
        raise TypeError(f"randint(): expected (high, size) or (low, high, size), got "
                        f"{len(args)} bounds before the size")
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    if high is None or size is None:
        raise TypeError("randint() needs high and size, e.g. randint(10, (3,)) or "
                        "randint(0, 10, size=(3,))")
    low = 0 if low is None else _int_bound(low, "low", "randint")
    high = _int_bound(high, "high", "randint")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    if high <= low:
        raise RuntimeError(f"randint(): random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    d = _factory_dtype(dtype, out, _dt.int64, "randint")
    if d == _dt.bool_ and not 0 <= low < high <= 2:
        raise RuntimeError(f"randint(): the range [{low}, {high}) is out of bounds for bool "
                           f"(only 0 and 1 are)")
    arr = rng(generator).integers(low, high, _size((), size, "randint")).astype(d.np_dtype)
    return _into_out(_finish(arr, requires_grad, device), out, "randint")


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False):
    """randint(low, high, input.shape) of input's dtype: randint_like(t, 10) draws 0…9."""
    t = _like(input, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(t.shape), generator=generator, dtype=dtype or t.dtype,
                   device=device, requires_grad=requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, device=None, requires_grad=False,
             pin_memory=False):
    """A random permutation of 0 … n-1 (int64 by default)."""
    n = _int_bound(n, "n", "randperm")
    if n < 0:
        raise RuntimeError(f"randperm(): trying to create tensor with negative dimension {n}: "
                           f"[{n}]")
    d = _factory_dtype(dtype, out, _dt.int64, "randperm")
    if d == _dt.bool_:
        raise NotImplementedError("randperm(): not implemented for dtype bool (as in PyTorch)")
    arr = rng(generator).permutation(n).astype(d.np_dtype)
    return _into_out(_finish(arr, requires_grad, device), out, "randperm")


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
    if op is more_ops.Cat:  # PyTorch's legacy: cat skips an empty 1-d tensor (acc = tensor([]))
        kept = [t for t in prepared if t.shape != (0,) or t.requires_grad]
        prepared = kept or prepared
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
        dtype = _dt.promote_pair(dtype, t.dtype)
    return [t._cast(dtype) for t in tensors]


@numpy_names
def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    return _join(tensors, dim, "cat", more_ops.Cat)


concat = cat


@numpy_names
def stack(tensors, dim=0):
    """Join equal-shaped tensors along a new dimension."""
    return _join(tensors, dim, "stack", more_ops.Stack)


# ----- function forms of methods ---------------------------------------------------------

def _tensor_arg(x, name, role="input", position=1):
    """x must be a Tensor, as in PyTorch (an ndarray is taken as tensor(array) takes it)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return _as_operand(x, name)
    raise TypeError(f"{name}(): argument '{role}' (position {position}) must be Tensor, not "
                    f"{type(x).__name__}")


def _number_or_tensor(x, name, role="other", position=2):
    """x must be a Tensor, an ndarray or a number (a str, list or None is refused)."""
    if isinstance(x, (Tensor, np.ndarray)) or _is_scalar(x):
        return _as_operand(x, name)
    raise TypeError(f"{name}(): argument '{role}' (position {position}) must be Tensor or a "
                    f"number, not {type(x).__name__}")


def _method(name, with_out=False):
    method = getattr(Tensor, name)

    if with_out:
        def fn(input, *args, out=None, **kwargs):
            return _into_out(method(_tensor_arg(input, name), *args, **kwargs), out, name)
    else:
        def fn(input, *args, **kwargs):
            return method(_tensor_arg(input, name), *args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"torch.{name}(t, …) = t.{name}(…)" + (", written into out= if given." if
                                                       with_out else ".")
    return fn


def relu(input):
    """torch.relu(t) = t.relu()."""
    return _tensor_arg(input, "relu").relu()


tanh = _method("tanh", True)
sigmoid = _method("sigmoid", True)
exp = _method("exp", True)
log = _method("log", True)
sqrt = _method("sqrt", True)
sin = _method("sin", True)
cos = _method("cos", True)
log1p = _method("log1p", True)
expm1 = _method("expm1", True)
erf = _method("erf", True)
abs = _method("abs", True)
clamp = _method("clamp", True)
clip = _method("clip", True)


@numpy_names
def sum(input, dim=NOT_GIVEN, keepdim=NOT_GIVEN, *, dtype=None):
    """torch.sum(t, …) = t.sum(…); keepdim goes with dim, as PyTorch."""
    return _sum_or_mean(input, dim, keepdim, dtype, "sum")


@numpy_names
def mean(input, dim=NOT_GIVEN, keepdim=NOT_GIVEN, *, dtype=None):
    """torch.mean(t, …) = t.mean(…); keepdim goes with dim, as PyTorch."""
    return _sum_or_mean(input, dim, keepdim, dtype, "mean")


def _sum_or_mean(input, dim, keepdim, dtype, name):
    given = dim is not NOT_GIVEN
    dim, keepdim = reduction_dim(name, dim, keepdim, dtype, function=True)
    method = getattr(_tensor_arg(input, name), name)
    # A dim given, None included, is PyTorch's dim overload (the method names it Backward1)
    return method(dim, keepdim, dtype=dtype) if given else method(dtype=dtype)


@numpy_names
def max(input, dim=NOT_GIVEN, keepdim=NOT_GIVEN):
    """torch.max(t) over all entries, torch.max(t, dim) (values, indices), torch.max(t, other)
    elementwise; keepdim goes with an int dim, as PyTorch."""
    return _max_min(input, dim, keepdim, "max")


@numpy_names
def min(input, dim=NOT_GIVEN, keepdim=NOT_GIVEN):
    """torch.min: as torch.max."""
    return _max_min(input, dim, keepdim, "min")


def _max_min(input, dim, keepdim, name):
    input = _tensor_arg(input, name)
    if isinstance(dim, Tensor):
        return getattr(input, name)(dim)
    dim, keepdim = reduction_dim(name, dim, keepdim, function=True)
    return getattr(input, name)() if dim is None else getattr(input, name)(dim, keepdim)


amax = _method("amax", True)
amin = _method("amin", True)
logsumexp = _method("logsumexp", True)
square = _method("square", True)
_prod = _method("prod", True)


@numpy_names
def prod(input, dim=NOT_GIVEN, keepdim=NOT_GIVEN, *, dtype=None, out=None):
    """torch.prod(t, …) = t.prod(…), written into out= if given; dim is one int and keepdim
    goes with it, as PyTorch."""
    dim, keepdim = reduction_dim("prod", dim, keepdim, dtype, function=True)
    if dim is None:
        return _prod(input, dtype=dtype, out=out)
    return _prod(input, dim, keepdim, dtype=dtype, out=out)


cumsum = _method("cumsum", True)
lerp = _method("lerp", True)
mv = _method("mv", True)
bmm = _method("bmm", True)
outer = _method("outer", True)
addmm = _method("addmm", True)


def flip(input, dims):
    """input with the order of entries reversed along each of dims, a tuple (torch.flip(x, 0)
    is PyTorch's TypeError; the method takes x.flip(0))."""
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, not "
                        f"{type(dims).__name__}")
    return _tensor_arg(input, "flip").flip(dims)


tril = _method("tril", True)
triu = _method("triu", True)
gather = _method("gather", True)
masked_fill = _method("masked_fill")
sign = _method("sign", True)
floor = _method("floor", True)
ceil = _method("ceil", True)
round = _method("round", True)
argmax = _method("argmax")
argmin = _method("argmin")
var = _method("var")
std = _method("std")
norm = _method("norm")
softmax = _method("softmax")
log_softmax = _method("log_softmax")
flatten = _method("flatten")
squeeze = _method("squeeze")
unsqueeze = _method("unsqueeze")
transpose = _method("transpose")
permute = _method("permute")
chunk = _method("chunk")
numel = _method("numel")
allclose = _method("allclose")
equal = _method("equal")
t = _method("t")
eq = _method("eq", True)
ne = _method("ne", True)
lt = _method("lt", True)
le = _method("le", True)
gt = _method("gt", True)
ge = _method("ge", True)
isnan = _method("isnan")
isinf = _method("isinf")
isfinite = _method("isfinite")
logical_and = _method("logical_and", True)
logical_or = _method("logical_or", True)
logical_not = _method("logical_not", True)
all = _method("all", True)
any = _method("any", True)
detach = _method("detach")
clone = _method("clone")
dot = _method("dot")


# ----- arithmetic as functions: torch.add(x, y, alpha=2), torch.div(…, rounding_mode=…) -----

def _operands(input, other, name):
    """(input, other) for a binary function: a Tensor or a number each (one at least a
    Tensor; two numbers make a 0-d tensor of the first, as PyTorch's torch.add(1, 2))."""
    input = _number_or_tensor(input, name, "input", 1)
    other = _number_or_tensor(other, name)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = tensor(input)
    return input, other


def add(input, other, *, alpha=1, out=None):
    """input + alpha · other, broadcast, with PyTorch's dtype promotion (the + operator)."""
    input, other = _operands(input, other, "add")
    return _into_out(input + scaled(input, other, alpha, "add"), out, "add")


def sub(input, other, *, alpha=1, out=None):
    """input − alpha · other, broadcast (the − operator; bool operands are refused)."""
    input, other = _operands(input, other, "sub")
    return _into_out(input - scaled(input, other, alpha, "sub"), out, "sub")


def mul(input, other, *, out=None):
    """input ⊙ other, elementwise and broadcast (the * operator)."""
    input, other = _operands(input, other, "mul")
    return _into_out(input * other, out, "mul")


def div(input, other, *, rounding_mode=None, out=None):
    """input / other: true division (a float result, also of integers) by default;
    rounding_mode='trunc' rounds toward zero and 'floor' down, keeping integer dtypes."""
    input, other = _operands(input, other, "div")
    if rounding_mode is None:
        return _into_out(input / other, out, "div")
    return _into_out(rounded_division(input, other, rounding_mode), out, "div")


def neg(input, *, out=None):
    """−input (a bool tensor is refused: use ~ or logical_not)."""
    return _into_out(-_tensor_arg(input, "neg"), out, "neg")


def pow(input, exponent, *, out=None):
    """input ** exponent: a tensor to a number or tensor power, or a number to a tensor
    power (torch.pow(2, t)); integers to negative integer powers are refused."""
    if isinstance(input, Tensor) or isinstance(input, np.ndarray):
        result = _tensor_arg(input, "pow") ** _number_or_tensor(exponent, "pow", "exponent")
    elif _is_scalar(input):
        result = _tensor_arg(exponent, "pow", "exponent", 2).__rpow__(input)
    else:
        raise TypeError(f"pow(): argument 'input' must be Tensor or a number, not "
                        f"{type(input).__name__}")
    return _into_out(result, out, "pow")


def matmul(input, other, *, out=None):
    """input @ other, as the @ operator (vectors, matrices and batches of matrices)."""
    return _into_out(_matmul(input, other), out, "matmul", same_dtype=True)


def mm(input, mat2, *, out=None):
    """The product of two matrices, (n × k) @ (k × m) → (n × m); 2-D only (see matmul)."""
    return _into_out(_tensor_arg(input, "mm").mm(mat2), out, "mm", same_dtype=True)


def maximum(input, other, *, out=None):
    """The elementwise larger of input and other (broadcast); at ties the gradient is split
    evenly, as in PyTorch."""
    return _into_out(_maximum(_tensor_arg(input, "maximum"),
                              _tensor_arg(other, "maximum", "other", 2)), out, "maximum")


def minimum(input, other, *, out=None):
    """The elementwise smaller of input and other (broadcast); ties split the gradient."""
    return _into_out(_minimum(_tensor_arg(input, "minimum"),
                              _tensor_arg(other, "minimum", "other", 2)), out, "minimum")


def where(condition, input=NOT_GIVEN, other=NOT_GIVEN, *, out=None):
    """input where condition holds, else other: all three broadcast together; input and
    other may be numbers.  where(condition) alone gives where it holds (is nonzero), as
    PyTorch's: one int64 tensor of indices per dimension, rows, cols = torch.where(M)."""
    if input is NOT_GIVEN and other is NOT_GIVEN and out is None:
        held = _tensor_arg(condition, "where", "condition")._data
        return tuple(Tensor._wrap(indices.astype(np.int64)) for indices in
                     np.nonzero(np.atleast_1d(held)))  # (a 0-d condition counts as 1-d)
    if input is NOT_GIVEN or other is NOT_GIVEN:
        raise TypeError("where() takes a condition alone (where it holds) or a condition, "
                        "input and other (input where it holds, else other)")
    return _into_out(_where(condition, input, other), out, "where")


def reshape(input, shape):
    """input's entries in a new shape (one size may be -1: inferred), as input.reshape."""
    return _tensor_arg(input, "reshape").reshape(shape)


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of `tensor` along dim: of split_size each (the last may be smaller), or of the
    listed sizes; views of it, as tensor.split."""
    return _tensor_arg(tensor, "split", "tensor").split(split_size_or_sections, dim)


def broadcast_shapes(*shapes):
    """The shape tensors of these shapes broadcast to, as torch.broadcast_shapes((2, 1), (3,))
    → Size([2, 3]); an error names the shapes that do not broadcast."""
    shapes = [(s,) if isinstance(s, (builtins.int, np.integer)) else s for s in shapes]
    return Size(_broadcast_shapes("broadcast_shapes",
                                  *(_shape_arg((s,), "broadcast_shapes") for s in shapes)))


def is_tensor(obj):
    return isinstance(obj, Tensor)
