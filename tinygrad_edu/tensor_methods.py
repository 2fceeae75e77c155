"""The rest of PyTorch's Tensor methods: beside the reading path.

The reading path's Tensor (tensor.py) has what the seed's network uses; this adds what a
PyTorch program also calls: sizes and dtype conversions, shape helpers (flatten, squeeze,
expand, …), reductions beyond sum and mean (max, argmax, var, std, norm), more elementwise
math (sqrt, abs, clamp, …), comparisons, and Python's protocols (len, bool, float, format).
Each is sugar over the primitives in ops.py and more_ops.py.  Some are compositions whose
docstring says how they get their gradient from those primitives: amax/amin (ties share it),
logsumexp, prod (pairwise products), cumsum (a log-step scan), gather (indexing), and the
steps sign/floor/ceil/round and rounded division, whose gradient is 0 (``without_gradient``).
"""

import re
import weakref

import numpy as np

from . import dtypes as _dt
from . import more_ops, ops
from .arguments import (NOT_GIVEN, _as_operand, _check_broadcast_to, _compare, _is_scalar,
                        _logical, _normalize_dim, _normalize_dims, _prepare, _result_dtype,
                        _shape_arg, broadcast_shapes, keepdim_arg, matmul, maximum, minimum,
                        numpy_names, reduction_dim, where)
from .autograd import display_as
from .modes import is_grad_enabled
from .user_warnings import warn

Tensor = None  # the Tensor class, bound by tensor.py (this module sits below it)


class Size(tuple):
    """A tensor's shape: a tuple printed ``tinygrad_edu.Size([2, 3])``; equal to (2, 3)."""

    def __repr__(self):
        return f"tinygrad_edu.Size({list(self)})"

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


class device:
    """Where a tensor lives.  Only the CPU exists here: ``device('cpu')``."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if name not in ("cpu", "cpu:0"):
            raise RuntimeError(
                f"device {name!r} is not available: tinygrad_edu runs on NumPy and supports "
                f"only device='cpu'")
        self.type = "cpu"
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            return other in ("cpu", "cpu:0")
        return isinstance(other, device) and other.type == self.type

    def __hash__(self):
        return hash(self.type)

    def __str__(self):
        return self.type

    def __repr__(self):
        return f"device(type='{self.type}')"


CPU = device("cpu")


def check_device(value):
    """Accept None, 'cpu' or device('cpu'); anything else is a clear error."""
    if value is not None:
        device(value)


def parse_to_arguments(args, kwargs, who):
    """The (dtype or None, copy) asked for by to(dtype), to('cpu'), to(tensor), to('cpu', dtype)
    or their keywords; any device but the CPU is a clear error."""
    kwargs = dict(kwargs)
    target = kwargs.pop("dtype", None)
    check_device(kwargs.pop("device", None))
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"{who} got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            target = a.dtype
        elif isinstance(a, (str, device)):
            check_device(a)
        elif a is not None:
            target = a
    return (None if target is None else _dt.to_dtype(target, who)), copy


def scaled(input, other, alpha, name):
    """alpha · other for add and sub, in the dtype PyTorch gives input ± other, with
    PyTorch's rules on alpha's type (no float alpha for an integer or bool result)."""
    if not _is_scalar(alpha):
        raise TypeError(f"{name}(): argument 'alpha' must be a number, not "
                        f"{type(alpha).__name__}")
    if name == "sub" and (_is_bool(input) or _is_bool(other)):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    result = _result_dtype([input, other])
    if isinstance(alpha, (bool, np.bool_)):
        if result != _dt.bool_:
            raise RuntimeError(f"{name}(): Boolean alpha only supported for Boolean results.")
    elif isinstance(alpha, (float, np.floating)) and not result.is_floating_point:
        raise RuntimeError(f"{name}(): For integral input tensors, argument alpha must not be "
                           f"a floating point number.")
    elif result == _dt.bool_:
        alpha = bool(alpha)
    if alpha is True or (alpha == 1 and not isinstance(alpha, (bool, np.bool_))):
        return other
    if isinstance(other, Tensor):
        other = other._cast(result)  # int32 + 2 · bool stays int32, as PyTorch
    return other * alpha


def _is_bool(x):
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, Tensor) and x.dtype == _dt.bool_)


def rounded_division(input, other, mode):
    """Division rounded toward zero or down: no gradient flows through it (as in PyTorch,
    whose gradient here is 0)."""
    if mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found {mode!r}")
    if _result_dtype([input, other]) == _dt.bool_:
        raise NotImplementedError(f"div(rounding_mode={mode!r}) is not implemented for bool "
                                  f"tensors (as in PyTorch); convert with .long() first")
    a, b = (x._data if isinstance(x, Tensor) else x for x in _prepare((input, other), "div"))
    if np.result_type(a, b).kind in "iub":
        if np.any(b == 0):
            raise RuntimeError("div: ZeroDivisionError (integer division by zero)")
        q = np.floor_divide(a, b)
        if mode == "trunc":  # floor and trunc differ where the quotient is negative, inexact
            q = q + ((q < 0) & (q * b != a))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.floor_divide(a, b) if mode == "floor" else np.trunc(a / b)
    return display_as(without_gradient(np.asarray(q), input, other), "DivBackward2")


def without_gradient(values, *operands):
    """`values` as a Tensor that takes part in the graph without passing gradient.

    Where an operand requires grad (and grad mode is on), the result requires grad too and
    its gradient with respect to that operand is 0, as PyTorch gives for rounding and for
    sampling: ``where(False, operand, values)`` computes exactly `values` and sends nothing back.
    """
    out = Tensor._wrap(values)
    if is_grad_enabled():
        for x in operands:
            if isinstance(x, Tensor) and x.requires_grad and out.dtype.is_floating_point:
                out = where(np.zeros(out.shape, dtype=np.bool_), x._cast(out.dtype), out)
    return out



_TYPE_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
               "bool": "Bool"}  # dtype → the name of its typed tensor, FloatTensor
_DTYPE_OF_TYPE = {short: _dt.to_dtype(name) for name, short in _TYPE_NAMES.items()}


class TensorMethods:
    """Tensor's methods beyond the reading path."""

    __slots__ = ()  # the fields are Tensor's own (tensor.py)

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad on a leaf in place; returns self."""
        requires_grad = bool(requires_grad)
        if requires_grad and type(self._version) is not list:  # an inference tensor
            self._version.refuse_requires_grad()
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables; use "
                    "tensor.detach() to get a tensor outside the graph")
            return self
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients; this tensor is "
                f"{self.dtype}: make it with dtype=tinygrad_edu.float32 (or call .float())")
        self._requires_grad = requires_grad
        return self

    @property
    def mT(self):
        """The last two axes swapped (a batch of matrices transposed)."""
        return self.transpose(-2, -1)

    def is_inference(self):
        """Whether this tensor was made inside inference_mode() (or views one that was): its
        version counter is environment.InferenceVersion."""
        return type(self._version) is not list

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf after backward (leaves keep theirs anyway)."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        self._retains_grad = True
        self.grad_fn._retained = weakref.ref(self)

    @property
    def retains_grad(self):
        return self._retains_grad

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        arr = self._data
        return arr if dtype is None else arr.astype(dtype)

    def __float__(self):
        return float(self._scalar_for("float"))

    def __int__(self):
        return int(self._scalar_for("int"))

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.reshape(()))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape "
                f"{tuple(self.shape)}); use .any() or .all()")
        return bool(self._data.reshape(()))

    def _scalar_for(self, what):
        if self._data.size != 1:
            raise ValueError(  # ValueError, as PyTorch 2.13
                f"only one element tensors can be converted to Python scalars ({what}() of a "
                f"tensor of shape {tuple(self.shape)})")
        return self._data.item()

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError(
                f"unsupported format string passed to Tensor.__format__: {spec!r} works on "
                f"one value; use tensor.item() (this tensor has shape {tuple(self.shape)})")
        return str(self)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    __hash__ = object.__hash__  # hashing by identity, although == compares values

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    @numpy_names
    def size(self, dim=None):
        if dim is None:
            return self.shape
        if self.ndim == 0:  # as PyTorch: a 0-d tensor has no dimension to ask about
            raise IndexError(f"size: dimension specified as {dim} but the tensor is 0-d "
                             f"(it has no dimensions)")
        return self._data.shape[_normalize_dim(dim, self.ndim, "size")]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self):
        """Whether the entries lie in memory row after row (NumPy's C order): not so for a
        transpose, an expand or a strided slice, which are views of another layout."""
        return self._data.flags.c_contiguous

    def contiguous(self):
        """self if it is contiguous, else a copy laid out row after row (recorded, as clone)."""
        return self if self.is_contiguous() else more_ops.Clone.apply(self, order="C")

    def to(self, *args, **kwargs):
        """to(dtype), to('cpu'), to(other), to('cpu', dtype); copy=False by default."""
        target, copy = parse_to_arguments(args, kwargs, "to()")
        if target is None or target == self.dtype:
            return self.clone() if copy else self
        return self._cast(target)

    def _cast(self, dtype):
        if self._data.dtype == dtype.np_dtype:
            return self
        if self._requires_grad and is_grad_enabled() and dtype.is_floating_point:
            return more_ops.Cast.apply(self, dtype=dtype.np_dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow → inf quietly, as PyTorch
            return Tensor._wrap(self._data.astype(dtype.np_dtype))

    def type(self, dtype=None):
        """The type's name, 'tinygrad_edu.FloatTensor', or a copy of another dtype: given as a
        dtype, as such a name ('torch.LongTensor' too) or as a typed factory (LongTensor)."""
        if dtype is None:
            return f"tinygrad_edu.{_TYPE_NAMES[self.dtype.name]}Tensor"
        name = dtype if isinstance(dtype, str) else getattr(dtype, "__name__", "")
        typed = re.fullmatch(r"(?:(?:torch|tinygrad_edu)\.)?(\w+)Tensor", name)
        if typed and typed.group(1) in _DTYPE_OF_TYPE:
            return self.to(_DTYPE_OF_TYPE[typed.group(1)])
        if isinstance(dtype, str):  # ('float' too, as in PyTorch: the names are the types')
            known = ", ".join(f"{short}Tensor" for short in _DTYPE_OF_TYPE)
            raise ValueError(f"type(): invalid type {dtype!r}; the types here (CPU only) are "
                             f"{known}")
        return self.to(dtype)

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def long(self):
        return self.to(_dt.int64)

    def int(self):
        return self.to(_dt.int32)

    def bool(self):
        return self.to(_dt.bool_)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        raise RuntimeError("CUDA is not available: tinygrad_edu runs on the CPU only")

    def clone(self):
        return more_ops.Clone.apply(self)

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        s = _normalize_dim(start_dim, self.ndim, "flatten")
        e = _normalize_dim(end_dim, self.ndim, "flatten")
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shape = self.shape
        middle = 1
        for n in shape[s:e + 1]:
            middle *= n
        return self.reshape(tuple(shape[:s]) + (middle,) + tuple(shape[e + 1:]))

    @numpy_names
    def squeeze(self, dim=None):
        shape = self.shape
        if dim is None:
            new = tuple(n for n in shape if n != 1)
        else:
            dims = _normalize_dims(dim, self.ndim, "squeeze") or ()
            new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
        # PyTorch's names: squeeze() 0, squeeze(dim) 1, squeeze(dims) 2
        variant = 0 if dim is None else 2 if isinstance(dim, (tuple, list)) else 1
        return display_as(self.reshape(new), f"SqueezeBackward{variant}")

    @numpy_names
    def unsqueeze(self, dim):
        d = _normalize_dim(dim, self.ndim + 1, "unsqueeze")
        shape = list(self.shape)
        shape.insert(d, 1)
        return display_as(self.reshape(tuple(shape)), "UnsqueezeBackward0")

    def expand(self, *sizes):
        sizes = _shape_arg(sizes, "expand")
        shape = self.shape
        if len(sizes) < len(shape):
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal "
                f"to the number of dimensions in the tensor ({len(shape)})")
        lead = len(sizes) - len(shape)
        target = []
        for i, s in enumerate(sizes):
            old = shape[i - lead] if i >= lead else None
            if s == -1:
                if old is None:
                    raise RuntimeError("expand: -1 is not allowed for a new leading dimension")
                s = old
            if old is not None and old != 1 and old != s:
                raise RuntimeError(
                    f"expand: the expanded size of the tensor ({s}) must match the existing "
                    f"size ({old}) at non-singleton dimension {i}. Target sizes: {list(sizes)}."
                    f"  Tensor sizes: {list(shape)}")
            target.append(s)
        return self._view_op(more_ops.Expand, shape=tuple(target))

    def expand_as(self, other):
        return self.expand(other.shape)

    def _max_min(self, op, name, dim, keepdim):
        if isinstance(dim, Tensor):  # max(other): the elementwise maximum
            return (maximum if name == "max" else minimum)(self, dim)
        dim, keepdim = reduction_dim(name, dim, keepdim)
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(
                    f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                    f"Specify the reduction dim with the 'dim' argument.")
            return op.apply(self)
        d = _normalize_dim(dim, self.ndim, name)
        if self.ndim == 0:
            values = display_as(self.clone(), f"{name.capitalize()}Backward0")
            return _MaxMin(values, Tensor._wrap(np.array(0)), name)
        if self._data.shape[d] == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim {d} to have non-zero size; the tensor has "
                f"shape {tuple(self.shape)}")
        values = op.apply(self, dim=d, keepdim=keepdim)
        arg = np.argmax if name == "max" else np.argmin
        indices = arg(self._data, axis=d)
        if keepdim:
            indices = np.expand_dims(indices, d)
        return _MaxMin(values, Tensor._wrap(np.asarray(indices, dtype=np.int64)), name)

    @numpy_names
    def max(self, dim=NOT_GIVEN, keepdim=NOT_GIVEN):
        """max() over all entries, or (values, indices) along dim, or max(other) elementwise;
        as PyTorch, keepdim goes with a dim, and dim is one int (not None)."""
        return self._max_min(more_ops.Max, "max", dim, keepdim)

    @numpy_names
    def min(self, dim=NOT_GIVEN, keepdim=NOT_GIVEN):
        return self._max_min(more_ops.Min, "min", dim, keepdim)

    @numpy_names
    def amax(self, dim=(), keepdim=False):
        """The largest entry along dim (all dims when dim is () or None), as PyTorch's amax:
        at ties the gradient is split evenly among the tied entries (max(dim) gives it all
        to the one index it returns)."""
        return self._extreme(np.max, "amax", dim, keepdim)

    @numpy_names
    def amin(self, dim=(), keepdim=False):
        """The smallest entry along dim (all dims when dim is () or None); ties split the
        gradient evenly, as amax."""
        return self._extreme(np.min, "amin", dim, keepdim)

    def _extreme(self, fn, name, dim, keepdim):
        """m + Σ where(tied, x − m, 0) / (number tied), m the extreme made a constant: the
        value is exactly m (x − m is 0 where tied), the gradient 1/k on each of the k tied."""
        keepdim = keepdim_arg(keepdim, name)
        dims = None if dim == () else _normalize_dims(dim, self.ndim, name)
        for d in dims or ():
            if self.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size "
                                 f"(the tensor has shape {tuple(self.shape)})")
        if self._data.size == 0 and dims is None:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                f"Specify the reduction dim with the 'dim' argument.")
        data = self._data
        if not (self._requires_grad and is_grad_enabled()):
            return Tensor._wrap(np.asarray(fn(data, axis=dims, keepdims=keepdim)))
        extreme = fn(data, axis=dims, keepdims=True)
        finite = np.where(np.isfinite(extreme), extreme, 0).astype(data.dtype)
        tied = data == extreme
        count = tied.sum(axis=dims, keepdims=keepdim).astype(data.dtype)
        spread = where(tied, self - finite, np.zeros((), data.dtype)).sum(dims, keepdim)
        base = finite if keepdim else finite.reshape(spread.shape)
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN stays NaN
            return display_as(spread / count + base, f"{name.capitalize()}Backward0")

    @numpy_names
    def logsumexp(self, dim, keepdim=False):
        """log Σ exp(x) along dim, computed as m + log Σ exp(x − m) with m the (constant)
        maximum, so no exponential overflows; its gradient is softmax(x) along dim."""
        keepdim = keepdim_arg(keepdim, "logsumexp")
        if dim is None:
            raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType "
                            "(logsumexp needs the dims to reduce, e.g. dim=1 or dim=(0, 1))")
        t = self if self.dtype.is_floating_point else self._cast(_dt.DEFAULT_FLOAT)
        dims = _normalize_dims(dim, t.ndim, "logsumexp")
        biggest = np.max(t._data, axis=dims, keepdims=True, initial=-np.inf)
        shift = np.where(np.isfinite(biggest), biggest, 0).astype(t._data.dtype)
        total = (t - shift).exp().sum(dims, keepdim).log()
        return display_as(total + (shift if keepdim else shift.reshape(total.shape)),
                          "LogsumexpBackward0")

    @numpy_names
    def prod(self, dim=NOT_GIVEN, keepdim=NOT_GIVEN, *, dtype=None):
        """The product of the entries along dim (of all entries when None); int64 for integer
        and bool tensors, as sum.  Multiplied pairwise, halving the axis each round (log₂ n
        products), so each entry's gradient is the product of all the others — also where
        an entry is 0, which x⁻¹ · prod would get wrong.  As PyTorch, dim is one int (not
        None) and keepdim goes with it."""
        dim, keepdim = reduction_dim("prod", dim, keepdim, dtype)
        t = self._cast(_dt.to_dtype(dtype)) if dtype is not None else self
        if t.dtype.category < _dt.FLOATING and dtype is None:
            t = t._cast(_dt.int64)
        if dim is None:
            t, d = t.reshape(-1), 0
        else:
            if isinstance(dim, (tuple, list)):
                raise TypeError("prod(): argument 'dim' must be int, not a tuple (prod "
                                "reduces over one dim, or all of them when dim is None)")
            d = _normalize_dim(dim, t.ndim, "prod")
            if t.ndim == 0:
                return display_as(t.clone(), "ProdBackward1")
        before = (slice(None),) * d
        while t.shape[d] != 1:
            n = t.shape[d]
            if n == 0:  # the empty product is 1 (and the gradient an empty tensor)
                t = t.sum(d, keepdim=True) * 0 + 1
                break
            half = n // 2
            paired = t[before + (slice(0, half),)] * t[before + (slice(half, 2 * half),)]
            t = paired if n % 2 == 0 else cat_along(
                [paired, t[before + (slice(n - 1, n),)]], d)
        if dim is None:
            out = t.reshape(()) if not keepdim else t.reshape((1,) * self.ndim)
            return display_as(out, "ProdBackward0")
        out = t if keepdim else t.squeeze(d)
        if out is self:  # one entry along dim, kept: a new tensor all the same, as PyTorch
            out = self.clone()
        return display_as(out, "ProdBackward1")

    @numpy_names
    def cumsum(self, dim, *, dtype=None):
        """Running sums along dim: out[i] = x[0] + … + x[i] (int64 for integer and bool
        tensors).  Built as a scan of log₂ n rounds, each adding a copy shifted by 1, 2, 4,
        … places, so the gradient, a running sum from the other end, comes from + itself."""
        t = self._cast(_dt.to_dtype(dtype)) if dtype is not None else self
        if t.dtype.category < _dt.FLOATING and dtype is None:
            t = t._cast(_dt.int64)
        d = _normalize_dim(dim, t.ndim, "cumsum")
        if t.ndim == 0:
            return display_as(t.clone(), "CumsumBackward0")
        n = t.shape[d]
        before = (slice(None),) * d
        shift = 1
        while shift < n:
            head = t[before + (slice(0, shift),)]
            moved = t[before + (slice(shift, n),)] + t[before + (slice(0, n - shift),)]
            t = cat_along([head, moved], d)
            shift *= 2
        return display_as(t if t is not self else t.clone(), "CumsumBackward0")

    def square(self):
        """self · self (bools become int64, as PyTorch)."""
        t = self._cast(_dt.int64) if self.dtype == _dt.bool_ else self
        return display_as(t * t, "PowBackward0")  # PyTorch's square is pow(x, 2)

    def lerp(self, end, weight):
        """self + weight · (end − self): linear interpolation from self (weight 0) to end
        (weight 1); weight a number or a tensor, all of one floating dtype.  Computed as
        PyTorch does: where |weight| ≥ ½ as end − (end − self) · (1 − weight), so weight 1
        gives end exactly (the same gradients, rounded differently)."""
        if not self.dtype.is_floating_point:
            raise NotImplementedError(f"lerp(): not implemented for dtype {self.dtype.name}; "
                                      f"convert with .float()")
        for role, x in (("end", end), ("weight", weight)):
            if role == "end" and not isinstance(x, Tensor):
                raise TypeError(f"lerp(): argument 'end' (position 2) must be Tensor, not "
                                f"{type(x).__name__}")
            if isinstance(x, Tensor) and x.dtype != self.dtype:
                raise RuntimeError(f"expected dtype {self.dtype.name} for `{role}` but got "
                                   f"dtype {x.dtype.name}")
        if not isinstance(weight, Tensor) and not _is_scalar(weight):
            raise TypeError(f"lerp(): argument 'weight' (position 3) must be Tensor or a "
                            f"number, not {type(weight).__name__}")
        broadcast_shapes("lerp (input, end, weight)", self.shape, end.shape, np.shape(weight))
        gap = end - self
        if isinstance(weight, Tensor):
            return display_as(where(weight.abs() < 0.5, self + weight * gap,
                                    end - gap * (1 - weight)), "LerpBackward1")
        return display_as(self + weight * gap if abs(weight) < 0.5 else
                          end - gap * (1 - weight), "LerpBackward0")

    def mv(self, vec):
        """Matrix (n × m) times vector (m) → (n)."""
        if not isinstance(vec, Tensor) or self.ndim != 2 or vec.ndim != 1:
            raise RuntimeError(f"mv: vector + matrix @ vector expected, got a matrix of shape "
                               f"{tuple(self.shape)} and a vector of shape "
                               f"{tuple(np.shape(vec))}")
        if self.shape[1] != vec.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({self.shape[0]}), mat "
                               f"({self.shape[0]}x{self.shape[1]}), vec ({vec.shape[0]})")
        return matmul(self, vec, "mv")

    def bmm(self, mat2):
        """A batch of matrix products: (b × n × m) @ (b × m × p) → (b × n × p), no
        broadcasting (see matmul for that)."""
        if self.ndim != 3:
            raise RuntimeError(f"batch1 must be a 3D tensor, got shape {tuple(self.shape)}")
        if not isinstance(mat2, Tensor) or mat2.ndim != 3:
            raise RuntimeError(f"batch2 must be a 3D tensor, got shape {tuple(np.shape(mat2))}")
        want = [self.shape[0], self.shape[2]]
        if list(mat2.shape[:2]) != want:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to "
                               f"be: {want} but got: {list(mat2.shape[:2])}.")
        return display_as(matmul(self, mat2, "bmm"), "BmmBackward0")

    def outer(self, vec2):
        """The outer product of two vectors: (n) and (m) → (n × m), entry i, j = aᵢ · bⱼ."""
        for role, x in (("self", self), ("vec2", vec2)):
            if not isinstance(x, Tensor) or x.ndim != 1:
                raise RuntimeError(f"outer: Expected 1-D argument {role}, but got "
                                   f"{np.ndim(x)}-D")
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        """beta · self + alpha · (mat1 @ mat2): self (broadcast to n × p) plus the product of
        (n × m) and (m × p), as a linear layer's X Wᵀ + b."""
        product = _as_operand(mat1, "addmm").mm(mat2)
        _check_broadcast_to(self.shape, product.shape, "addmm")
        scaled_product = product if alpha == 1 else product * alpha
        if beta == 0:  # as PyTorch: self's values are ignored (NaN does not propagate) and
            # its gradient is 0: where(False, self, product) is the product and sends 0 back
            out = where(np.zeros(product.shape, dtype=np.bool_), self, scaled_product)
        else:
            out = (self if beta == 1 else self * beta) + scaled_product
        return display_as(out, "AddmmBackward0")

    def flip(self, *dims_given, dims=None):
        """A copy with the order of entries reversed along each of dims: x.flip(0),
        x.flip(0, 1), x.flip((0, 1)) or x.flip(dims=…), as the method takes them in PyTorch."""
        if dims is None:
            if not dims_given:
                raise TypeError("flip() missing 1 required positional argument: 'dims' (e.g. "
                                "x.flip(0) reverses the rows)")
            one = len(dims_given) == 1 and isinstance(dims_given[0], (tuple, list))
            dims = dims_given[0] if one else dims_given
        elif dims_given:
            raise TypeError("flip(): dims given twice, by position and as dims=")
        dims = (dims,) if isinstance(dims, (int, np.integer)) else dims
        if not isinstance(dims, (tuple, list)):
            raise TypeError(f"flip(): argument 'dims' must be tuple of ints, not "
                            f"{type(dims).__name__}")
        normal = [_normalize_dim(d, self.ndim, "flip") for d in dims]
        if len(set(normal)) != len(normal):
            raise RuntimeError(f"flip: dim {normal[0]} appears multiple times in the list of "
                               f"dims {list(dims)}")
        key = tuple(slice(None, None, -1) if d in normal else slice(None)
                    for d in range(self.ndim))
        return display_as(self[key].clone() if key else self.clone(), "FlipBackward0")

    def tril(self, diagonal=0):
        """Entries on and below the diagonal (shifted by `diagonal`) of the last two dims;
        the rest 0."""
        return self._triangle(np.tril, "tril", diagonal)

    def triu(self, diagonal=0):
        """Entries on and above the diagonal (shifted by `diagonal`) of the last two dims;
        the rest 0."""
        return self._triangle(np.triu, "triu", diagonal)

    def _triangle(self, fn, name, diagonal):
        if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
            raise TypeError(f"{name}(): argument 'diagonal' must be int, not "
                            f"{type(diagonal).__name__}")
        if self.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got "
                               f"shape {tuple(self.shape)}")
        keep = fn(np.ones(self.shape[-2:], dtype=np.bool_), diagonal)
        return display_as(where(keep, self, np.zeros((), self._data.dtype)),
                          f"{name.capitalize()}Backward0")

    @numpy_names
    def gather(self, dim, index, *, sparse_grad=False):
        """out[i][j] = self[index[i][j]][j] (dim 0), self[i][index[i][j]] (dim 1), …: index
        has self's number of dims and picks along dim; the gradient adds back at the picks."""
        d = _normalize_dim(dim, self.ndim, "gather")
        if not isinstance(index, Tensor) or index.dtype.category != _dt.INTEGER:
            raise RuntimeError(f"gather(): Expected dtype int32/int64 for index, got "
                               f"{getattr(index, 'dtype', type(index).__name__)}")
        if max(index.ndim, 1) != max(self.ndim, 1):  # 0-d counts as 1-D, as PyTorch
            raise RuntimeError(f"Index tensor must have the same number of dimensions as input "
                               f"tensor ({tuple(index.shape)} for {tuple(self.shape)})")
        for axis, (n, limit) in enumerate(zip(index.shape, self.shape)):
            if axis != d and n > limit:
                raise RuntimeError(
                    f"Size does not match at dimension {axis} expected index "
                    f"{list(index.shape)} to be no larger than self {list(self.shape)} apart "
                    f"from dimension {d}")
        picks = index._data
        bad = (picks < 0) | (picks >= self.shape[d]) if self.ndim else picks != 0
        if np.any(bad):
            raise RuntimeError(f"index {picks[bad].flat[0]} is out of bounds for dimension {d} "
                               f"with size {self.shape[d] if self.ndim else 1}")
        if self.ndim == 0 or index.ndim == 0:
            out = self.reshape(-1)[picks]  # out has the index's shape, 0-d included
        else:
            grids = np.ogrid[tuple(slice(n) for n in index.shape)]
            out = self[tuple(picks if axis == d else grids[axis] for axis in range(self.ndim))]
        return display_as(out, "GatherBackward0")

    def where(self, condition, other):
        """self where condition holds, else other (torch.where(condition, self, other))."""
        return where(condition, self, other)

    def sign(self):
        """−1, 0 or 1 by the sign of each entry (0 for NaN, as PyTorch); gradient 0."""
        if self.dtype == _dt.bool_:
            return self.clone()
        return self._step(lambda x: np.where(np.isnan(x), 0, np.sign(x)).astype(x.dtype),
                          "sign")

    def floor(self):
        """The largest integer ≤ each entry (integer tensors unchanged); gradient 0."""
        return self._step(np.floor, "floor")

    def ceil(self):
        """The smallest integer ≥ each entry (integer tensors unchanged); gradient 0."""
        return self._step(np.ceil, "ceil")

    def round(self, *, decimals=0):
        """Each entry rounded to `decimals` places, halves to even (0.5 → 0, 2.5 → 2), as
        PyTorch; gradient 0."""
        return self._step(lambda x: np.round(x, decimals), "round")

    def _step(self, fn, name):
        """A piecewise-constant function: its value, and a gradient of 0 (PyTorch's)."""
        if self.dtype == _dt.bool_:
            raise NotImplementedError(f"{name}(): not implemented for bool tensors (as in "
                                      f"PyTorch); convert with .long() or .float() first")
        if not self.dtype.is_floating_point:
            return Tensor._wrap(np.array(fn(self._data), dtype=self._data.dtype))
        out = without_gradient(np.asarray(fn(self._data), dtype=self._data.dtype), self)
        return display_as(out, f"{name.capitalize()}Backward0")  # PyTorch's name, e.g. Sign

    @numpy_names
    def argmax(self, dim=None, keepdim=False):
        return self._arg(np.argmax, "argmax", dim, keepdim)

    @numpy_names
    def argmin(self, dim=None, keepdim=False):
        return self._arg(np.argmin, "argmin", dim, keepdim)

    def _arg(self, fn, name, dim, keepdim):
        keepdim = keepdim_arg(keepdim, name)
        if self.dtype == _dt.bool_:
            raise RuntimeError(f"{name}(): does not support bool input (convert with .long())")
        if dim is None:
            if self._data.size == 0:  # an IndexError, as PyTorch
                raise IndexError(f"{name}(): Expected reduction dim to be specified for an "
                                 f"empty tensor of shape {tuple(self.shape)}")
            index = np.asarray(fn(self._data), dtype=np.int64)
            return Tensor._wrap(index.reshape((1,) * self.ndim) if keepdim else index)
        d = _normalize_dim(dim, self.ndim, name)
        if self.ndim == 0:
            return Tensor._wrap(np.array(0))
        if self._data.shape[d] == 0:  # over another dim an empty tensor is fine (as PyTorch)
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size; the "
                             f"tensor has shape {tuple(self.shape)}")
        out = fn(self._data, axis=d)
        if keepdim:
            out = np.expand_dims(out, d)
        return Tensor._wrap(np.asarray(out, dtype=np.int64))

    @numpy_names
    def all(self, dim=None, keepdim=False):
        """True where every entry (along dim, or of the whole tensor) is nonzero: a bool tensor."""
        return self._test(np.all, "all", dim, keepdim)

    @numpy_names
    def any(self, dim=None, keepdim=False):
        """True where some entry (along dim, or of the whole tensor) is nonzero: a bool tensor."""
        return self._test(np.any, "any", dim, keepdim)

    def _test(self, fn, name, dim, keepdim):
        keepdim = keepdim_arg(keepdim, name)
        values = self._data.astype(bool, copy=False)
        if isinstance(dim, (tuple, list)) and not dim:  # dim=(): nothing reduced, as PyTorch
            return Tensor._wrap(values.copy())
        dims = _normalize_dims(dim, self.ndim, name)
        if dims is None and dim is not None:
            dims = ()  # a 0-d tensor: nothing to reduce
        return Tensor._wrap(np.asarray(fn(values, axis=dims, keepdims=keepdim)))

    def bernoulli(self, p=None, *, generator=None):
        """torch.bernoulli(self, p): 1 with probability self (or p) per entry, else 0."""
        from .sampling import bernoulli  # (sampling.py sits above Tensor)
        return bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """torch.multinomial(self, …): indices drawn with probabilities ∝ each row's entries."""
        from .sampling import multinomial
        return multinomial(self, num_samples, replacement, generator=generator)

    def isnan(self):
        """True where an entry is NaN (never for integer and bool tensors)."""
        return self._classify(np.isnan, False)

    def isinf(self):
        """True where an entry is +inf or −inf."""
        return self._classify(np.isinf, False)

    def isfinite(self):
        """True where an entry is neither NaN nor ±inf (always for integer and bool tensors)."""
        return self._classify(np.isfinite, True)

    def _classify(self, fn, for_integers):
        if not self.dtype.is_floating_point:
            return Tensor._wrap(np.full(self._data.shape, for_integers))
        return Tensor._wrap(np.asarray(fn(self._data)))

    def logical_and(self, other):
        """Elementwise "both nonzero", of any dtypes: a bool tensor."""
        return self._logical(np.logical_and, other, "logical_and")

    def logical_or(self, other):
        """Elementwise "either nonzero", of any dtypes: a bool tensor."""
        return self._logical(np.logical_or, other, "logical_or")

    def logical_not(self):
        """Elementwise "is zero": a bool tensor."""
        return Tensor._wrap(np.asarray(np.logical_not(self._data)))

    def _logical(self, fn, other, name):
        if isinstance(other, np.ndarray):
            other = _as_operand(other, name)
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                            f"{type(other).__name__}")
        broadcast_shapes(name, self.shape, other.shape)
        return Tensor._wrap(np.asarray(fn(self._data, other._data)))

    def sqrt(self):
        return self._float_unary(more_ops.Sqrt)

    def sin(self):
        return self._float_unary(more_ops.Sin)

    def cos(self):
        return self._float_unary(more_ops.Cos)

    def log1p(self):
        """log(1 + x) entrywise, accurate for small x (where 1 + x would round)."""
        return self._float_unary(more_ops.Log1p)

    def expm1(self):
        """eˣ − 1 entrywise, accurate for small x (where eˣ − 1 would cancel)."""
        return self._float_unary(more_ops.Expm1)

    def erf(self):
        """The error function (2/√π) ∫₀ˣ e^(−t²) dt entrywise."""
        return self._float_unary(more_ops.Erf)

    def abs(self):
        """|x| entrywise; its gradient is sign(x), 0 at 0 (as PyTorch)."""
        if self.dtype == _dt.bool_:
            raise NotImplementedError("abs(): not implemented for bool tensors (as in PyTorch)")
        return more_ops.Abs.apply(self)

    @numpy_names
    def var(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
        """Σ (x − mean)² / (N − correction) over `dim` (all entries when None); correction=1
        (unbiased) by default, as PyTorch.  N ≤ correction: see _variance_without_freedom."""
        v, _ = self._variance("var", dim, correction, keepdim, unbiased)
        return display_as(v, "VarBackward0")

    @numpy_names
    def std(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
        """√var: the standard deviation over `dim`, unbiased by default, as PyTorch.

        Where var = 0 (constant entries) the gradient is 0, as PyTorch, not 0 · ∞ = NaN: the
        square root is taken of var only where var > 0.  Where N ≤ correction var is +∞ or
        NaN and the plain square root passes PyTorch's gradient on (G / 2∞ = 0 into var's, or
        NaN).
        """
        v, without_freedom = self._variance("std", dim, correction, keepdim, unbiased)
        if without_freedom:
            return display_as(v.sqrt(), "StdBackward0")
        positive = v > 0
        return display_as(where(positive, where(positive, v, 1.0).sqrt(), v * 0),
                          "StdBackward0")

    def _variance(self, name, dim, correction, keepdim, unbiased):
        """(var, whether N ≤ correction) for var and std (`name`, for the warning)."""
        keepdim = keepdim_arg(keepdim, name)
        if unbiased is not None:
            correction = 1 if unbiased else 0
        dims = _normalize_dims(dim, self.ndim, name)
        count = self._data.size if dims is None else int(np.prod([self.shape[d] for d in dims]))
        if count - correction <= 0:
            warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                 f"than the reduction factor (input numel divided by output numel).")
            return self._variance_without_freedom(dim, keepdim, count - correction), True
        centered = self - self.mean(dim, keepdim=True)
        return (centered * centered).sum(dim, keepdim) / (count - correction), False

    def _variance_without_freedom(self, dim, keepdim, dof):
        """var where dof = N − correction ≤ 0, as PyTorch 2.13 (measured).  Its forward divides
        by max(0, dof): Σ (x − mean)² / 0 is +∞, or NaN where every entry is the mean (0/0).
        Its gradient is its rule for var, which the plain composition cannot give (there the
        path through the mean adds ∞ − ∞ = NaN to every entry); built from primitives here:

        * over all entries (dim None, or a 0-d input) PyTorch gives G · (NaN where x = mean,
          else +∞): the value plus Σ √((x − x₀) ⊙ k), x₀ = x detached and k = [x ≠ mean].
          That sum is exactly 0, but √ at 0 has slope +∞ (G / 2·0), times k: +∞ · G, and
          ∞ · 0 = NaN where x = mean (and 0/0 = NaN where G = 0), as PyTorch;
        * along dims, 2 / dof · G · (x − mean): the mean held constant (its path, which
          cancels when dof > 0, is not in PyTorch's rule), Σ (x − mean)² / 0 at dof = 0
          (slope ∞ · G · 2(x − mean), NaN where x = mean), and at dof < 0 the value with the
          slope of Σ (x − mean)² / dof (slope + (value − slope) held constant: value is ±∞
          or NaN, so the sum is exactly it).
        """
        fixed = self.detach()
        centered = fixed - fixed.mean(dim, keepdim=True)
        value = (centered * centered).sum(dim, keepdim) / 0.0
        if dim is None or self.ndim == 0:
            data = fixed._data
            apart = data != (data.mean() if data.size else 0.0)  # (an empty x: no entries)
            return value + ((self - fixed) * apart.astype(data.dtype)).sqrt().sum()
        spread = self - fixed.mean(dim, keepdim=True)
        squares = (spread * spread).sum(dim, keepdim)
        if dof == 0:
            return squares / 0.0
        slope = squares / dof
        return slope + (value - slope).detach()

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """The p-norm (Σ |x|ᵖ)^(1/p) over `dim` (all entries when None): p = 'fro' or 2 (the
        default, √Σx²), 1 (Σ|x|), inf (max |x|) or any p > 0.  Where the norm is 0 the
        gradient is 0, as PyTorch (not 0/0)."""
        return display_as(self._norm(p, dim, keepdim, dtype), "LinalgVectorNormBackward0")

    def _norm(self, p, dim, keepdim, dtype):
        t = self._cast(_dt.to_dtype(dtype)) if dtype is not None else self
        if not t.dtype.is_floating_point:
            names = {"int64": "Long", "int32": "Int", "bool": "Bool"}
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex "
                               f"tensor as input. Got {names[t.dtype.name]}")
        if p in ("fro", 2):
            squares = (t * t).sum(dim, keepdim)
            positive = squares > 0
            return where(positive, where(positive, squares, 1.0).sqrt(), squares * 0)
        if p == 1:
            return t.abs().sum(dim, keepdim)
        if p == float("inf"):
            return t.abs().amax(() if dim is None else dim, keepdim)
        if isinstance(p, bool) or not isinstance(p, (int, float)) or p <= 0:
            raise ValueError(f"norm: p must be a positive number, 'fro' or inf here, got {p!r}")
        size = t.abs()
        nonzero = size > 0  # |x|ᵖ only of x ≠ 0: at 0 its derivative p|x|ᵖ⁻¹ is ∞ for p < 1,
        # and PyTorch's gradient there is 0
        powers = where(nonzero, where(nonzero, size, 1.0) ** p, 0.0).sum(dim, keepdim)
        positive = powers > 0
        return where(positive, where(positive, powers, 1.0) ** (1.0 / p), powers * 0)

    def neg(self):
        return ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __invert__(self):
        if self.dtype != _dt.bool_:
            raise TypeError("~ is supported on bool tensors only here")
        return Tensor._wrap(~self._data)

    def masked_fill(self, mask, value):
        """A copy with `value` where the bool mask holds (broadcast): where(mask, value, self),
        keeping self's dtype (2.7 into an int64 tensor is 2), as PyTorch; value may be a
        0-d tensor, which then gets the gradient of the entries it fills."""
        if isinstance(value, Tensor):
            if value.ndim != 0:
                raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, "
                                   f"but got tensor with {value.ndim} dimension(s)")
            value = value._cast(self.dtype)
        elif _is_scalar(value):
            with np.errstate(invalid="ignore", over="ignore"):
                value = np.asarray(value).astype(self._data.dtype)
        else:
            raise TypeError(f"masked_fill(): argument 'value' must be a number or a 0-d Tensor, "
                            f"not {type(value).__name__}")
        if isinstance(mask, Tensor) and mask.dtype != _dt.bool_:  # (PyTorch's words)
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with "
                               f"dtype {mask.dtype.name}")
        return display_as(where(mask, value, self, "masked_fill"), "MaskedFillBackward1"
                          if isinstance(value, Tensor) else "MaskedFillBackward0")

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        for bound in (min, max):
            if bound is not None and not _is_scalar(bound):
                raise TypeError(f"clamp: min and max must be numbers here, got "
                                f"{type(bound).__name__}")
        bounds = [b for b in (min, max) if b is not None]
        t = self._cast(_result_dtype([self] + bounds))  # bool with int bounds: int64
        return more_ops.Clamp.apply(t, min=min, max=max)

    clip = clamp

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

    def add(self, other, *, alpha=1):
        """self + alpha · other."""
        return self + scaled(self, _as_operand(other, "add"), alpha, "add")

    def sub(self, other, *, alpha=1):
        """self − alpha · other."""
        return self - scaled(self, _as_operand(other, "sub"), alpha, "sub")

    def mul(self, other):
        return self * other

    def div(self, other, *, rounding_mode=None):
        """self / other; rounding_mode 'trunc' or 'floor' rounds the quotient (see torch.div)."""
        if rounding_mode is None:
            return self / other
        return rounded_division(self, _as_operand(other, "div"), rounding_mode)

    def mm(self, other):
        other = _as_operand(other, "mm")
        if self.ndim != 2 or not isinstance(other, Tensor) or other.ndim != 2:
            raise RuntimeError(
                f"mm: both operands must be 2-D matrices, got shapes {tuple(self.shape)} and "
                f"{tuple(np.shape(other))}; use matmul (@) for vectors and batches")
        return matmul(self, other, "mm")

    def dot(self, other):
        if self.ndim != 1 or not isinstance(other, Tensor) or other.ndim != 1:
            raise RuntimeError("dot: 1D tensors expected, but got "
                               f"{self.ndim}D and {np.ndim(other)}D tensors")
        return matmul(self, other, "dot")

    def __eq__(self, other):
        return _compare(np.equal, self, other, "==")

    def __ne__(self, other):
        return _compare(np.not_equal, self, other, "!=")

    def __lt__(self, other):
        return _compare(np.less, self, other, "<")

    def __le__(self, other):
        return _compare(np.less_equal, self, other, "<=")

    def __gt__(self, other):
        return _compare(np.greater, self, other, ">")

    def __ge__(self, other):
        return _compare(np.greater_equal, self, other, ">=")

    lt, le, gt, ge = __lt__, __le__, __gt__, __ge__

    def eq(self, other):
        """self == other elementwise (broadcast): a bool tensor."""
        return _comparison(self.__eq__(other), "eq", other)

    def ne(self, other):
        """self != other elementwise (broadcast): a bool tensor."""
        return _comparison(self.__ne__(other), "ne", other)

    def __and__(self, other):
        return _logical(np.logical_and, self, other, "&")

    def __or__(self, other):
        return _logical(np.logical_or, self, other, "|")

    __rand__, __ror__ = __and__, __or__

    def equal(self, other):
        """True when other has the same shape and values (the dtypes may differ; NaN ≠ NaN)."""
        if not isinstance(other, Tensor):
            raise TypeError(f"equal(): argument 'other' (position 2) must be Tensor, not "
                            f"{type(other).__name__}")
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """True when |self − other| ≤ atol + rtol · |other| everywhere (broadcast); both must
        be tensors of one dtype, as in PyTorch."""
        if not isinstance(other, Tensor):
            raise TypeError(f"allclose(): argument 'other' (position 2) must be Tensor, not "
                            f"{type(other).__name__}")
        if self.dtype != other.dtype:
            names = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
                     "bool": "Bool"}
            raise RuntimeError(f"allclose(): {names[self.dtype.name]} did not match "
                               f"{names[other.dtype.name]} (convert one with .to(dtype))")
        broadcast_shapes("allclose", self.shape, other.shape)
        return bool(np.allclose(self._data, other._data, rtol, atol, equal_nan))


def cat_along(tensors, dim):
    """Tensors of one dtype joined along an existing dim (the primitive under torch.cat)."""
    return more_ops.Cat.apply(*tensors, dim=dim)


def _comparison(result, name, other):
    """== and != hand Python NotImplemented for an operand that is no number or tensor (so
    ``t == "a"`` is False, as Python's rule); eq() and ne() refuse it, as in PyTorch."""
    if result is NotImplemented:
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor or a number, "
                        f"not {type(other).__name__}")
    return result


class _MaxMin(tuple):
    """(values, indices), as torch.return_types.max: unpacks, and has .values / .indices."""

    def __new__(cls, values, indices, name):
        self = tuple.__new__(cls, (values, indices))
        self._name = name
        return self

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return (f"tinygrad_edu.return_types.{self._name}(\nvalues={self[0]!r},\n"
                f"indices={self[1]!r})")


def _rebuild(arr, requires_grad):
    return Tensor._wrap(arr, requires_grad)
