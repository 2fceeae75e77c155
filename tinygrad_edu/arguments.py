"""What a learner passes, turned into what an op takes: beside the reading path.

Data into arrays (``array_from_data``), operands into one dtype by PyTorch's promotion rules
(``apply_binary``, ``matmul``, ``where``; the rules themselves are in dtypes.py), dims and shapes
into tuples of non-negative ints.  Each refusal is an error that names the op and the shapes.
The common case of an operator, two float tensors of one dtype or a float tensor and a Python
number, is tried first with nothing to convert or check: NumPy itself refuses bad shapes, and
only then are they explained.
"""

import functools
import inspect
import numbers

import numpy as np

from . import dtypes as _dt
from . import more_ops, ops
from .speedups import number_beside, quiet_numpy

Tensor = None  # the Tensor class, bound by tensor.py (this module sits below it)


def _is_scalar(x):
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(
        x, (complex, np.complexfloating))


def array_from_data(data, dtype=None, copy=True, what="tensor()"):
    """An ndarray of a supported dtype from a Tensor, ndarray, scalar or nested sequence.

    Python floats become float32 (the default dtype), ints int64, bools bool; an ndarray keeps
    its dtype, and so does a NumPy scalar, array or Tensor inside a list (_dtype_of_numbers).
    `dtype`, when given, wins.
    """
    target = _dt.to_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        if target is None:
            _dt.from_numpy_dtype(arr.dtype, f"array given to {what}")
    elif _is_scalar(data) or isinstance(data, (list, tuple)):
        numbers_dtype, too_large = _dtype_of_numbers(data, what)
        if target is None:
            target = numbers_dtype
        if too_large and not (target is not None and target.is_floating_point):
            raise ValueError(f"{what}: an integer does not fit in int64 (−2⁶³ to 2⁶³ − 1): "
                             "Overflow when unpacking long long, as PyTorch says")
        try:  # (NumPy would wrap an integer that large, or make objects of it)
            arr = np.array(data, dtype=np.float64 if too_large else None)
        except ValueError as e:
            raise ValueError(
                f"{what}: expected a number or a rectangular nested list of numbers; "
                f"the nested lists have unequal lengths ({e})") from None
        if arr.dtype.kind not in "fiub":
            raise TypeError(
                f"{what}: could not turn {type(data).__name__} data into numbers "
                f"(got NumPy dtype {arr.dtype})")
        if target is None:  # an empty list: the default dtype, as in PyTorch
            target = _dt.DEFAULT_FLOAT
    else:
        raise TypeError(
            f"{what}: expected a Tensor, NumPy array, number or (nested) list of numbers, "
            f"got {type(data).__name__}")
    if target is not None and arr.dtype != target.np_dtype:
        with quiet_numpy():  # 1e300 → inf quietly, as PyTorch
            return arr.astype(target.np_dtype)
    return arr.copy() if copy else arr


def _dtype_of_numbers(data, what):
    """(dtype, too_large) for a number or nested list, as PyTorch reads it.  Each Python number
    counts as its category's default dtype (float32, int64, bool), each NumPy scalar, array or
    Tensor inside as its own, and all promote together: [1, 2.0] is float32 and
    [np.float64(1), 2.0] float64.  dtype is None when there is no number (an empty list);
    too_large says whether a Python int lies outside int64."""
    if not isinstance(data, (list, tuple)):  # one number
        too_large = type(data) is int and not -2**63 <= data < 2**63
        return _dt.scalar_dtype(data), too_large
    found = set()     # the dtypes of what is not a Python number
    python = set()    # the Python number types present
    too_large = False
    pending = [data]
    while pending:
        for item in pending.pop():
            kind = type(item)
            if kind is list or kind is tuple:
                pending.append(item)
            elif kind is float or kind is bool:
                python.add(kind)
            elif kind is int:
                python.add(kind)
                too_large = too_large or not -2**63 <= item < 2**63
            elif isinstance(item, Tensor):
                found.add(item.dtype)
            elif isinstance(item, (np.ndarray, np.generic)):
                found.add(_dt.from_numpy_dtype(item.dtype, f"array in a list given to {what}"))
    found.update(_dt.scalar_dtype(kind()) for kind in python)
    return (functools.reduce(_dt.promote_pair, found) if found else None), too_large


class _NotGiven:
    """The default of an argument whose absence PyTorch tells apart from None: x.prod(dim=None)
    and x.max(keepdim=True) are errors there, x.prod() is not."""

    __slots__ = ()

    def __repr__(self):
        return "<not given>"


NOT_GIVEN = _NotGiven()

# PyTorch 2.13's overloads of the reductions whose dim may be left out, as its TypeError lists
# them: (method form, function form).  {kw} is the keyword no overload takes.
_OVERLOADS = {
    "sum": (" * (*, torch.dtype dtype = None)\n"
            " * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)\n",
            " * (Tensor input, *, torch.dtype dtype = None)\n"
            " * (Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = "
            "None, Tensor out = None)\n"),
    "mean": (" * (*, torch.dtype dtype = None)\n"
             " * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)\n",
             " * (Tensor input, *, torch.dtype dtype = None, Tensor out = None)\n"
             " * (Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = "
             "None, Tensor out = None)\n"),
    "prod": (" * (*, torch.dtype dtype = None)\n"
             " * (int dim, bool keepdim = False, *, torch.dtype dtype = None)\n",
             " * (Tensor input, *, torch.dtype dtype = None)\n"
             " * (Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None, "
             "Tensor out = None)\n"),
    "max": (" * ()\n"
            "      didn't match because some of the keywords were incorrect: {kw}\n"
            " * (Tensor other)\n"
            "      didn't match because some of the keywords were incorrect: {kw}\n"
            " * (int dim, bool keepdim = False)\n",
            " * (Tensor input, *, Tensor out = None)\n"
            " * (Tensor input, Tensor other, *, Tensor out = None)\n"
            " * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)\n"),
}
_OVERLOADS["min"] = _OVERLOADS["max"]


_NUMPY_NAMES = (("axis", "dim"), ("keepdims", "keepdim"))  # NumPy's name, PyTorch's


def numpy_names(function):
    """`function` also takes NumPy's axis= for dim= and keepdims= for keepdim=, as PyTorch's
    own functions do (x.sum(axis=0, keepdims=True)); only the names `function` has, and one
    name of each pair at a time."""
    names = [pair for pair in _NUMPY_NAMES if pair[1] in inspect.signature(function).parameters]

    @functools.wraps(function)
    def taking_numpy_names(*args, **kwargs):
        if "axis" in kwargs or "keepdims" in kwargs:
            for numpy_name, torch_name in names:
                if numpy_name in kwargs:
                    if torch_name in kwargs:
                        raise TypeError(f"{function.__name__}(): got {torch_name}= and its NumPy "
                                        f"name {numpy_name}=; give one of them")
                    kwargs[torch_name] = kwargs.pop(numpy_name)
        return function(*args, **kwargs)

    return taking_numpy_names


def keepdim_arg(keepdim, name):
    """keepdim, if it is True or False: keepdim='yes' must not keep dims quietly, nor reach
    NumPy's "'str' object cannot be interpreted as an integer"."""
    if not isinstance(keepdim, (bool, np.bool_)):
        raise TypeError(f"{name}(): argument 'keepdim' must be bool, not "
                        f"{type(keepdim).__name__}")
    return bool(keepdim)


def reduction_dim(name, dim, keepdim, dtype=None, function=False):
    """(dim, keepdim) of sum, mean, prod, max or min, refusing as PyTorch 2.13 does what none
    of its overloads takes: keepdim without dim (x.sum(keepdim=True): keepdim goes with a dim,
    x.sum(dim=None, keepdim=True) keeps every dim as size 1), and for prod, max and min dim=None
    (their dim is one int).  dim or keepdim left out is NOT_GIVEN; `function`: called as
    torch.name(x, …), whose message lists the function's overloads."""
    kept = False if keepdim is NOT_GIVEN else keepdim_arg(keepdim, name)
    if dim is not NOT_GIVEN and (dim is not None or name in ("sum", "mean")):
        return dim, kept
    if dim is NOT_GIVEN and keepdim is NOT_GIVEN:
        return None, False
    if dim is NOT_GIVEN and dtype is not None and not (function and name == "mean"):
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim" (keepdim '
                        f'goes with dim: {name}(dim=…, keepdim=True))')
    if dim is None and keepdim is not NOT_GIVEN and not (function and name in ("max", "min")):
        raise TypeError(f"{name}(): argument 'dim' must be int, not NoneType ({name} reduces "
                        f"over one dim, or over all of them when dim is left out)")
    given = ([] if dtype is None else ["dtype=torch.dtype"]) + \
        ([] if keepdim is NOT_GIVEN else ["keepdim=bool"]) + \
        ([] if dim is NOT_GIVEN else ["dim=NoneType"])  # (PyTorch names the last given first)
    got = "Tensor, " + ", ".join(given) if function else ", ".join(given) + ", "
    overloads = _OVERLOADS[name][function].replace(
        "{kw}", ", ".join(g.split("=")[0] for g in given))
    if name in ("sum", "mean"):
        hint = (f"keepdim goes with dim: {name}(dim=None, keepdim=True) keeps every dim as "
                f"size 1")
    else:
        hint = (f"{name} reduces over one int dim, or over all entries with no dim and no "
                f"keepdim")
    raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but "
                    f"expected one of:\n{overloads}({hint})")


def _normalize_dim(dim, ndim, opname):
    """A dim index in [-ndim, ndim) turned non-negative (0-d tensors accept 0 and -1)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{opname}: dim must be an int, got {type(dim).__name__}")
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(
            f"{opname}: dimension out of range (expected to be in range of "
            f"[{-size}, {size - 1}], but got {dim})")
    return int(dim) % size


def _normalize_dims(dim, ndim, opname):
    """None (all dims) or a tuple of non-negative dims, from an int or a sequence of ints."""
    if dim is None:
        return None
    dims = (dim,) if not isinstance(dim, (tuple, list)) else tuple(dim)
    if not dims:
        return None
    out = tuple(_normalize_dim(d, ndim, opname) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{opname}: dim {dim} names the same dimension twice")
    if ndim == 0:
        return None
    return out


def _shape_arg(args, opname):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) or f(Size) as a shape."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    shape = []
    for s in args:
        if isinstance(s, Tensor) and s.numel() == 1 and not s.dtype.is_floating_point:
            s = s.item()
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{opname}: sizes must be ints, got {s!r} in {tuple(args)}")
        shape.append(int(s))
    return tuple(shape)


def new_shape(args, name):
    """The shape of a tensor to be made from sizes (as _shape_arg reads them), none negative:
    zeros(2, -1) and FloatTensor(-1) are errors in PyTorch's words, not NumPy's."""
    shape = _shape_arg(args, name)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"{name}(): trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")
    return shape


def _reshape_target(size, shape):
    """Resolve one -1 in shape, or explain why the sizes do not match."""
    if shape.count(-1) > 1:
        raise ValueError("only one dimension can be inferred (-1)")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise ValueError(f"invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or size % known:
            raise ValueError(f"shape {list(shape)} is invalid for input of size {size}")
        return tuple(size // known if s == -1 else s for s in shape)
    if known != size:
        raise ValueError(f"shape {list(shape)} is invalid for input of size {size}")
    return shape


def _as_operand(x, opname):
    """A Tensor or a Python/NumPy scalar; an ndarray becomes a Tensor (keeping its dtype)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._wrap(array_from_data(x, copy=False, what=f"the {opname} operand"))
    if _is_scalar(x):
        return x
    raise TypeError(
        f"unsupported operand type for {opname}: {type(x).__name__} (expected a Tensor, a "
        f"NumPy array or a number)")


def _as_array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _result_dtype(operands):
    dims, zero_dims, scalars = [], [], []
    for x in operands:
        if isinstance(x, Tensor):
            (dims if x._data.ndim else zero_dims).append(x.dtype)
        else:
            scalars.append(x)
    return _dt.result_type(dims, zero_dims, scalars)


def broadcast_shapes(opname, *shapes):
    """The broadcast shape, or an error naming the op and every shape."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        shown = " and ".join(str(tuple(s)) for s in shapes)
        raise RuntimeError(
            f"{opname}: the shapes {shown} cannot be broadcast together (each dimension, "
            f"aligned from the right, must match or be 1)") from None


def _check_broadcast_to(src_shape, dst_shape, opname):
    try:
        np.broadcast_to(np.empty(src_shape, dtype=np.bool_), dst_shape)
    except ValueError:
        raise RuntimeError(
            f"{opname}: a value of shape {tuple(src_shape)} cannot be broadcast to the target "
            f"shape {tuple(dst_shape)}") from None


def _prepare(operands, opname, float_result=False):
    """Operands → Tensors and constant arrays, all of the promoted dtype; shapes checked."""
    operands = [_as_operand(x, opname) for x in operands]
    dtype = _result_dtype(operands)
    if float_result and not dtype.is_floating_point:
        dtype = _dt.DEFAULT_FLOAT
    shapes = [x.shape for x in operands if isinstance(x, Tensor)]
    if len(shapes) > 1 and any(s != shapes[0] for s in shapes[1:]):
        broadcast_shapes(opname, *shapes)
    prepared = []
    for x in operands:
        if isinstance(x, Tensor):
            prepared.append(x._cast(dtype))
        else:
            with np.errstate(over="ignore", invalid="ignore"):  # float32 + 1e300 is inf quietly
                prepared.append(np.asarray(x, dtype=dtype.np_dtype))
    return prepared


def apply_binary(op, a, b, opname, float_result=False):
    """a (op) b for +, −, ·, /: the operands brought to one dtype by PyTorch's rules (a clear
    error where they do not broadcast), then the op applied."""
    # The common cases first, with nothing to convert or check: two float tensors of one dtype
    # and shape, or a float tensor and a Python number (NumPy keeps the tensor's dtype then).
    if isinstance(a, Tensor) and a._data.dtype.kind == "f":
        if isinstance(b, Tensor):
            if b._data.dtype is a._data.dtype or b._data.dtype == a._data.dtype:
                try:
                    return op.apply(a, b)
                except ValueError:  # NumPy could not broadcast: say so with both shapes
                    broadcast_shapes(opname, a._data.shape, b._data.shape)
                    raise
        elif type(b) is float or type(b) is int:
            return op.apply(a, number_beside(b, a._data.dtype))
    elif (type(a) is float or type(a) is int) and isinstance(b, Tensor) \
            and b._data.dtype.kind == "f":
        return op.apply(number_beside(a, b._data.dtype), b)
    if op is ops.Sub and (_is_bool_operand(a) or _is_bool_operand(b)):  # as PyTorch
        raise RuntimeError("subtraction, the `-` operator, with a bool tensor or bool is not "
                           "supported; use the `^` operator or logical_xor() for masks, or "
                           "convert with .float() / .long() first")
    a, b = _prepare((a, b), opname, float_result)
    return op.apply(a, b)


def _is_bool_operand(x):
    if isinstance(x, Tensor):
        x = x._data
    if isinstance(x, np.ndarray):
        return x.dtype == np.bool_
    return isinstance(x, (bool, np.bool_))


def _compare(fn, a, b, opname):
    try:
        a, b = _prepare((a, b), opname)
    except TypeError:
        if opname in ("==", "!="):
            return NotImplemented
        raise
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    return Tensor._wrap(np.asarray(fn(x, y)))


def _logical(fn, a, b, opname):
    a, b = _prepare((a, b), opname)
    for x in (a, b):
        if isinstance(x, Tensor) and x.dtype.is_floating_point:
            raise TypeError(f"{opname} needs bool or integer tensors, got {x.dtype.name}")
    return Tensor._wrap(np.asarray(fn(_as_array(a), _as_array(b))))


def _power(base, exponent):
    if isinstance(exponent, (Tensor, np.ndarray)):
        zero_exponent = _as_array(exponent) == 0  # in its own dtype (PowTensor says why)
        base, exponent = _prepare((base, exponent), "**")
        if not isinstance(base, Tensor):
            base = Tensor._wrap(base)
        if base.dtype.category == _dt.INTEGER and np.any(_as_array(exponent) < 0):
            return _integer_power(base._data, _as_array(exponent))  # (NumPy would refuse)
        if base.dtype == _dt.bool_:  # NumPy would give int8
            raise NotImplementedError(
                '"pow" not implemented for \'Bool\' (a bool tensor to the power of a bool '
                'tensor, as in PyTorch); convert with .long() or .float() first')
        return more_ops.PowTensor.apply(base, exponent, zero_exponent=zero_exponent)
    if not _is_scalar(exponent):
        raise TypeError(f"unsupported exponent type for **: {type(exponent).__name__}")
    if not isinstance(base, Tensor):
        raise TypeError(f"unsupported base type for **: {type(base).__name__}")
    (base,) = _prepare((base, exponent), "**")[:1]
    if base.dtype.category == _dt.INTEGER and isinstance(exponent, (int, np.integer)) \
            and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if base.dtype == _dt.bool_:  # a bool exponent: x ** True = x, x ** False = True
        return Tensor._wrap(np.logical_or(base._data, not exponent))
    return ops.Pow.apply(base, exponent=exponent)


def _integer_power(b, e):
    """Integers to integer powers, some negative, as PyTorch: bᵉ for e ≥ 0; for e < 0 the
    integer part of 1 / b⁻ᵉ, which is 1 for b = 1, ±1 for b = −1 and 0 otherwise."""
    positive = np.power(b, np.maximum(e, 0))
    negative = np.where(b == 1, 1, np.where(b == -1, np.where(e % 2 == 0, 1, -1), 0))
    return Tensor._wrap(np.where(e < 0, negative, positive).astype(b.dtype))


def matmul(a, b, opname="matmul"):
    """a @ b as torch.matmul, with errors that name both shapes and the inner dimensions."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype is b._data.dtype \
            and a._data.dtype.kind != "b":
        try:
            return ops.MatMul.apply(a, b)
        except ValueError:  # NumPy refused the shapes: the checks below say why, naming them
            pass
    a = _as_operand(a, opname)
    b = _as_operand(b, opname)
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{opname}: both operands must be tensors (or arrays), not scalars; "
                        f"use * to scale")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"{opname}: both arguments need at least 1 dimension, got shapes "
            f"{tuple(a.shape)} and {tuple(b.shape)}")
    if a._data.dtype == np.bool_ or b._data.dtype == np.bool_:
        raise NotImplementedError(f"{opname}: not implemented for bool tensors, as in PyTorch; "
                                  f"convert them with .float() or .long() first")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"{opname}: expected both operands to have the same dtype, but got {a.dtype.name} "
            f"for the left ({tuple(a.shape)}) and {b.dtype.name} for the right "
            f"({tuple(b.shape)}); convert one with .float() or .double()")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if k_a != k_b:
        raise RuntimeError(
            f"{opname}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied: "
            f"the inner dimensions differ ({k_a} columns on the left vs {k_b} rows on the "
            f"right)")
    if a.ndim > 2 or b.ndim > 2:
        broadcast_shapes(f"{opname} (batch dimensions)", a.shape[:-2],
                         b.shape[:-2] if b.ndim >= 2 else ())
    return ops.MatMul.apply(a, b)


def maximum(a, b):
    """Elementwise max(a, b); at ties the gradient is split evenly, as PyTorch."""
    a, b = _prepare((a, b), "maximum")
    return more_ops.Maximum.apply(a, b)


def minimum(a, b):
    a, b = _prepare((a, b), "minimum")
    return more_ops.Minimum.apply(a, b)


def where(condition, a, b, opname="where"):
    """Entries of a where condition holds, else of b (broadcast together); errors name
    `opname`, the call the learner made (masked_fill is a where)."""
    cond = _as_operand(condition, opname)
    cond = cond._data if isinstance(cond, Tensor) else np.asarray(cond)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"{opname}: condition must be a bool tensor, got dtype {cond.dtype}")
    a, b = _prepare((a, b), opname)
    shapes = [np.shape(cond)] + [np.shape(_as_array(x)) for x in (a, b)]
    broadcast_shapes(opname, *shapes)
    if not isinstance(a, Tensor):
        a = Tensor._wrap(a)
    return more_ops.Where.apply(cond, a, b)
