"""Tensor: a NumPy array, a place in the graph, and PyTorch's methods as sugar over ops.py.

Everything here is bookkeeping a learner would otherwise type: turning operands into arrays,
PyTorch's dtype promotion, readable errors for bad shapes and types, and in-place changes.
The mathematics of every op (forward and backward) lives in ops.py; the backward pass lives in
autograd.py.
"""

import numbers
import weakref

import numpy as np

from . import autograd, more_ops, ops
from . import dtypes as _dt
from .autograd import is_grad_enabled
from .printing import tensor_repr
from .speedups import number_beside
from .user_warnings import warn

__all__ = ["Tensor", "Size", "device"]


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


# --------------------------------------------------------------------------------------------
# Turning user data into arrays
# --------------------------------------------------------------------------------------------

def _is_scalar(x):
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, (complex,
                                                                                  np.complexfloating))


def array_from_data(data, dtype=None, copy=True, what="tensor()"):
    """An ndarray of a supported dtype from a Tensor, ndarray, scalar or nested sequence.

    Python floats become float32 (the default dtype), ints int64, bools bool; an ndarray keeps
    its dtype.  `dtype`, when given, wins.
    """
    target = _dt.to_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        if target is None:
            _dt.from_numpy_dtype(arr.dtype, f"array given to {what}")
    elif _is_scalar(data) or isinstance(data, (list, tuple)):
        try:
            arr = np.array(data)
        except ValueError as e:
            raise ValueError(
                f"{what}: expected a number or a rectangular nested list of numbers; "
                f"the nested lists have unequal lengths ({e})") from None
        if arr.dtype.kind == "f" and target is None:
            arr = arr.astype(_dt.DEFAULT_FLOAT.np_dtype)
        elif arr.dtype.kind in "iu" and target is None:
            arr = arr.astype(np.int64)
        elif arr.dtype.kind not in "fiub":
            raise TypeError(
                f"{what}: could not turn {type(data).__name__} data into numbers "
                f"(got NumPy dtype {arr.dtype})")
    else:
        raise TypeError(
            f"{what}: expected a Tensor, NumPy array, number or (nested) list of numbers, "
            f"got {type(data).__name__}")
    if target is not None and arr.dtype != target.np_dtype:
        with np.errstate(over="ignore", invalid="ignore"):  # 1e300 → inf quietly, as PyTorch
            return arr.astype(target.np_dtype)
    return arr.copy() if copy else arr


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


# --------------------------------------------------------------------------------------------
# Tensor
# --------------------------------------------------------------------------------------------

_new_tensor = object.__new__


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    ``Tensor(data)`` makes a float32 tensor (as ``torch.Tensor``); prefer ``tensor(data)``,
    which infers the dtype.  ``Tensor(2, 3)`` makes a zero-filled 2×3 float32 tensor.
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_version", "_retains_grad",
                 "_view_base", "__weakref__", "__dict__")
    # _view_base: None, or for a view (a result sharing another tensor's storage: indexing,
    # view, …) the pair (the tensor it views, that tensor's grad_fn at the time).

    # NumPy defers to us: ndarray + Tensor calls Tensor.__radd__ and gives a Tensor.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, *args):
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            if isinstance(args[0], Tensor):
                raise TypeError("Tensor(t): to copy a Tensor use t.clone() or t.float()")
            arr = array_from_data(args[0], _dt.float32, what="Tensor()")
        else:
            arr = np.zeros(_shape_arg(args, "Tensor()"), dtype=np.float32)
        self._init(arr, False, None)

    def _init(self, arr, requires_grad, grad_fn):
        self._data = arr
        self._requires_grad = requires_grad
        self._grad = None
        self.grad_fn = grad_fn
        self._version = [0]
        self._retains_grad = False
        self._view_base = None

    @staticmethod
    def _wrap(arr, requires_grad=False, grad_fn=None):
        """A Tensor over `arr` (no copy); the engine's internal constructor.  (A staticmethod:
        always a plain Tensor, and no bound method is made on each of its calls.)"""
        t = _new_tensor(Tensor)
        t._data = arr  # the same fields as _init, set inline: this runs once per op
        if type(arr) is not np.ndarray:  # a NumPy scalar (a ufunc's 0-d result) is read-only
            t._data = np.asarray(arr)
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = grad_fn
        t._version = [0]
        t._retains_grad = False
        t._view_base = None
        return t

    def _alias(self):
        """A new Tensor object over the same storage (and version counter), outside the graph."""
        t = Tensor._wrap(self._data)
        t._version = self._version
        return t

    # ----- properties --------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def dtype(self):
        return _dt.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad on a leaf in place; returns self."""
        requires_grad = bool(requires_grad)
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
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad:
            warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                 "Its .grad attribute won't be populated during autograd.backward(). If you "
                 "indeed want the gradient for a non-leaf Tensor, use .retain_grad() on the "
                 "non-leaf Tensor before calling backward.")
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got "
                    f"{type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: grad {tuple(value.shape)}, "
                    f"tensor {tuple(self.shape)}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"assigned grad has dtype {value.dtype}, the tensor has {self.dtype}")
        self._grad = value

    @property
    def data(self):
        """The same storage as a Tensor outside the graph (changes to it are not recorded)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f".data must be set to a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def T(self):
        """The transpose: axes reversed (for a matrix, rows become columns)."""
        if self.ndim < 2:
            return self
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        """The last two axes swapped (a batch of matrices transposed)."""
        return self.transpose(-2, -1)

    # ----- autograd surface --------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate ∂self/∂leaf into ``leaf.grad`` for every leaf that requires grad."""
        if inputs is not None:
            raise NotImplementedError("backward(inputs=...) is not supported")
        autograd.backward(self, gradient, retain_graph, create_graph)

    def detach(self):
        """The same storage, outside the graph (shares the version counter, as PyTorch)."""
        return self._alias()

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

    # ----- conversions -------------------------------------------------------------------
    def item(self):
        """The single value as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar "
                f"(item() needs exactly one element; shape is {tuple(self.shape)})")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force=False):
        """The storage as an ndarray (shared memory; refused if the tensor requires grad)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead.")
        return self._data

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

    def __repr__(self):
        name = None if self.grad_fn is None else self.grad_fn.name()
        return tensor_repr(self._data, self._requires_grad and self.grad_fn is None, name)

    __str__ = __repr__

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (_piece(self[i]) for i in range(self._data.shape[0]))

    __hash__ = object.__hash__  # hashing by identity, although == compares values

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    # ----- size and dtype ----------------------------------------------------------------
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
        return True

    def contiguous(self):
        return self

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
        if dtype is None:
            names = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
                     "bool": "Bool"}
            return f"tinygrad_edu.{names[self.dtype.name]}Tensor"
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

    # ----- copying and filling -----------------------------------------------------------
    def clone(self):
        return more_ops.Clone.apply(self)

    def copy_(self, src):
        """Copy src's values into this tensor (broadcast to its shape; dtype converted)."""
        src = _as_operand(src, "copy_")
        if not isinstance(src, Tensor):
            src = Tensor._wrap(np.asarray(src))
        _check_broadcast_to(src.shape, self.shape, "copy_")
        if src._requires_grad or self._requires_grad:
            self[...] = src  # recorded as an item assignment of everything
            return self
        self._check_inplace_allowed("copy_")
        np.copyto(self._data, src._data, casting="unsafe")
        self._version[0] += 1
        return self

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        if isinstance(value, Tensor):
            value = value.item()
        return self._overwrite(np.asarray(value, dtype=self._data.dtype), "fill_")

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import rng
        return self._overwrite(rng(generator).uniform(a, b, self.shape), "uniform_")

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import rng
        return self._overwrite(rng(generator).normal(mean, std, self.shape), "normal_")

    def _overwrite(self, values, opname):
        """Replace every value (fill_, uniform_, …): cuts the tensor off from its history."""
        self._check_inplace_allowed(opname)
        if self.grad_fn is not None and is_grad_enabled():
            raise RuntimeError(
                f"{opname} on a tensor computed in the graph is not supported; call it on a "
                f"leaf (e.g. a parameter inside torch.no_grad())")
        self._data[...] = values
        self._version[0] += 1
        return self

    # ----- in-place arithmetic ------------------------------------------------------------
    def _check_inplace_allowed(self, opname):
        if self.grad_fn is None and self._requires_grad and is_grad_enabled():
            raise RuntimeError(
                f"a leaf Variable that requires grad is being used in an in-place operation "
                f"({opname}). Changing a parameter in place must not be recorded: do it inside "
                f"`with torch.no_grad():` (as an optimizer step does)")
        if not self._data.flags.writeable:
            raise RuntimeError(
                f"{opname}: this tensor is a broadcast view (made by expand) and cannot be "
                f"changed in place; clone() it first")

    def _check_view_current(self):
        """Refuse a view whose base was changed in place (and recorded) after the view was taken.

        The view's values changed with the base, but its grad_fn still describes the old base,
        so a gradient through it would be wrong.  (PyTorch rewrites the view's history.)
        """
        t = self
        while t._view_base is not None:
            base, grad_fn_when_viewed = t._view_base
            if base.grad_fn is not grad_fn_when_viewed:
                raise RuntimeError(
                    f"this tensor (shape {tuple(self.shape)}) is a view, made by indexing, "
                    f"view/reshape, transpose, split or iteration, of a tensor of shape "
                    f"{tuple(base.shape)} that was changed in place after the view was taken; "
                    f"the view's values changed too, but its gradient would follow the old "
                    f"values. Take the view again after the in-place change, or clone() it "
                    f"before the change")
            t = base

    def _inplace(self, compute, opname, operand=None):
        """self ← compute(self), in place: the same object and storage hold the result.

        When the change must be recorded (self or an operand requires grad), compute runs on
        a copy that carries self's history, and self takes the result's node as its grad_fn —
        so `h = x * 3; h[h < 0] = 0` gives the right x.grad.  Saved copies of self taken before
        the change are caught by the version counter.
        """
        self._check_inplace_allowed(opname)
        record = is_grad_enabled() and (
            self._requires_grad or (isinstance(operand, Tensor) and operand._requires_grad))
        if record:
            before = Tensor._wrap(self._data.copy(), self._requires_grad, self.grad_fn)
            result = compute(before)
        else:
            before = None
            result = compute(self)
        if result.shape != self.shape:
            raise RuntimeError(
                f"{opname}: output with shape {list(self.shape)} doesn't match the broadcast "
                f"shape {list(result.shape)}")
        if result.dtype.category > self.dtype.category:
            raise RuntimeError(
                f"{opname}: result type {result.dtype.name} can't be cast to the desired output "
                f"type {self.dtype.name} of the tensor changed in place")
        if before is not None and result._requires_grad and self._view_base is not None:
            # The write also changes the tensor this one views, so its graph must learn of it
            # (else a wrong gradient): for an indexing view, record base[key] = result there.
            view_key = self.__dict__.get("_view_key")
            if view_key is None:
                raise RuntimeError(
                    f"{opname}: this tensor is a view (made by view/reshape, transpose, "
                    f"permute, split or iteration) of another tensor, and changing it in place "
                    f"while gradients are recorded is not supported; change the original "
                    f"tensor instead (e.g. t[i] *= 2), or work on view.clone()")
            base = self._view_base[0]
            base._inplace(lambda old: more_ops.IndexPut.apply(old, result, key=view_key), opname,
                          result)
            self._view_base = (base, base.grad_fn)  # the view now agrees with its base
        np.copyto(self._data, result._data, casting="unsafe")
        self._version[0] += 1
        if before is not None and result._requires_grad:
            node = result.grad_fn
            self.grad_fn = node
            self._requires_grad = True
            if self._retains_grad:
                node._retained = weakref.ref(self)
        return self

    def __iadd__(self, other):
        return self._inplace(lambda old: old + other, "+=", other)

    def __isub__(self, other):
        return self._inplace(lambda old: old - other, "-=", other)

    def __imul__(self, other):
        return self._inplace(lambda old: old * other, "*=", other)

    def __itruediv__(self, other):
        return self._inplace(lambda old: old / other, "/=", other)

    def add_(self, other, alpha=1):
        return self._inplace(lambda old: old + (other if alpha == 1 else other * alpha), "add_", other)

    def sub_(self, other, alpha=1):
        return self._inplace(lambda old: old - (other if alpha == 1 else other * alpha), "sub_", other)

    def mul_(self, other):
        return self._inplace(lambda old: old * other, "mul_", other)

    def div_(self, other):
        return self._inplace(lambda old: old / other, "div_", other)

    def clamp_(self, min=None, max=None):
        return self._inplace(lambda old: old.clamp(min, max), "clamp_")

    def relu_(self):
        return self._inplace(lambda old: old.relu(), "relu_")

    # ----- indexing ----------------------------------------------------------------------
    def __getitem__(self, key):
        key = _index_key(key, self)
        try:
            out = more_ops.Index.apply(self, key=key)
        except IndexError as e:
            raise IndexError(f"index {_show_key(key)} is out of range for a tensor of shape "
                             f"{tuple(self.shape)}: {e}") from None
        if self._mark_view(out):
            out._view_key = key  # so an in-place change of the view can be recorded on self
        return out

    def __setitem__(self, key, value):
        key = _index_key(key, self)
        value = _as_operand(value, "item assignment")
        try:
            self._data[key]  # validate the key before anything changes
        except IndexError as e:
            raise IndexError(f"index {_show_key(key)} is out of range for a tensor of shape "
                             f"{tuple(self.shape)}: {e}") from None
        value_requires_grad = isinstance(value, Tensor) and value._requires_grad
        if not (is_grad_enabled() and (self._requires_grad or value_requires_grad)):
            # Nothing to record: write the values straight into the storage.
            self._check_inplace_allowed("item assignment")
            v = value._data if isinstance(value, Tensor) else value  # converted, as PyTorch
            try:
                self._data[key] = v
            except ValueError as e:
                raise RuntimeError(
                    f"item assignment: the value of shape {np.shape(v)} does not fit "
                    f"the indexed shape {self._data[key].shape}: {e}") from None
            self._version[0] += 1
            return
        if not isinstance(value, Tensor):
            value = Tensor._wrap(np.asarray(value, dtype=self._data.dtype))
        _check_broadcast_to(value.shape, self._data[key].shape, "item assignment")
        value = value._cast(self.dtype)
        self._inplace(lambda old: more_ops.IndexPut.apply(old, value, key=key), "item assignment",
                      value)

    # ----- shape ops ---------------------------------------------------------------------
    def reshape(self, *shape):
        shape = _shape_arg(shape, "reshape")
        if shape == self._data.shape:
            return self._view_op(ops.Reshape, shape=shape)
        try:
            target = _reshape_target(self._data.size, shape)
        except ValueError as e:
            raise RuntimeError(f"reshape: {e}") from None
        return self._view_op(ops.Reshape, shape=target)

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def _view_op(self, op, **params):
        out = op.apply(self, **params)
        self._mark_view(out)
        return out

    def _mark_view(self, out):
        """If out shares this tensor's storage, make it a view: one version counter for both,
        and a note of this tensor's history so a stale view is caught.  True if it is one."""
        if not np.may_share_memory(out._data, self._data):
            return False
        out._version = self._version  # in-place changes show in both
        out._view_base = (self, self.grad_fn)
        return True

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

    def squeeze(self, dim=None):
        shape = self.shape
        if dim is None:
            new = tuple(n for n in shape if n != 1)
        else:
            dims = _normalize_dims(dim, self.ndim, "squeeze") or ()
            new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
        return self.reshape(new)

    def unsqueeze(self, dim):
        d = _normalize_dim(dim, self.ndim + 1, "unsqueeze")
        shape = list(self.shape)
        shape.insert(d, 1)
        return self.reshape(tuple(shape))

    def permute(self, *dims):
        dims = _shape_arg(dims, "permute")
        if len(dims) != self.ndim:
            raise RuntimeError(
                f"permute: the number of dims ({len(dims)}) must equal the tensor's number of "
                f"dimensions ({self.ndim}), shape {tuple(self.shape)}")
        dims = tuple(_normalize_dim(d, self.ndim, "permute") for d in dims)
        if sorted(dims) != list(range(self.ndim)):
            raise RuntimeError(f"permute: dims {dims} must name each dimension exactly once")
        return self._view_op(ops.Permute, dims=dims)

    def transpose(self, dim0, dim1):
        if self.ndim == 0:
            return self
        d0 = _normalize_dim(dim0, self.ndim, "transpose")
        d1 = _normalize_dim(dim1, self.ndim, "transpose")
        dims = list(range(self.ndim))
        dims[d0], dims[d1] = dims[d1], dims[d0]
        return self._view_op(ops.Permute, dims=tuple(dims))

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, got {self.ndim}")
        return self.T

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

    def split(self, split_size_or_sections, dim=0):
        d = _normalize_dim(dim, self.ndim, "split")
        n = self.shape[d]
        if isinstance(split_size_or_sections, (int, np.integer)):
            step = int(split_size_or_sections)
            if step <= 0:
                raise RuntimeError(f"split: split_size must be positive, got {step}")
            sizes = [min(step, n - i) for i in range(0, n, step)] or [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n:
                raise RuntimeError(
                    f"split: split sizes {sizes} must sum to the size of dimension {d} ({n})")
        pieces = []
        start = 0
        for s in sizes:
            key = (slice(None),) * d + (slice(start, start + s),)
            pieces.append(_piece(self[key]))
            start += s
        return tuple(pieces)

    def chunk(self, chunks, dim=0):
        if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be an int greater than 0, got: "
                               f"{chunks!r}")
        d = _normalize_dim(dim, self.ndim, "chunk")
        n = self.shape[d]
        return self.split(max(1, -(-n // chunks)), d)

    # ----- reductions --------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None):
        t = self._cast(_dt.to_dtype(dtype)) if dtype is not None else self
        if t.dtype.category < _dt.FLOATING and dtype is None:
            t = t._cast(_dt.int64)  # integer and bool sums are int64, as PyTorch
        return ops.Sum.apply(t, dim=_normalize_dims(dim, self.ndim, "sum"), keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        t = self._cast(_dt.to_dtype(dtype)) if dtype is not None else self
        if not t.dtype.is_floating_point:
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {t.dtype.name} (call .float() first)")
        return ops.Mean.apply(t, dim=_normalize_dims(dim, self.ndim, "mean"), keepdim=keepdim)

    def _max_min(self, op, name, dim, keepdim):
        if isinstance(dim, Tensor):  # max(other): the elementwise maximum
            return (maximum if name == "max" else minimum)(self, dim)
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(
                    f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                    f"Specify the reduction dim with the 'dim' argument.")
            return op.apply(self)
        d = _normalize_dim(dim, self.ndim, name)
        if self.ndim == 0:
            return _MaxMin(self.clone(), Tensor._wrap(np.array(0)), name)
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

    def max(self, dim=None, keepdim=False):
        """max() over all entries, or (values, indices) along dim, or max(other) elementwise."""
        return self._max_min(more_ops.Max, "max", dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return self._max_min(more_ops.Min, "min", dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return self.max() if dim is None else self.max(dim, keepdim)[0]

    def argmax(self, dim=None, keepdim=False):
        return self._arg(np.argmax, "argmax", dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return self._arg(np.argmin, "argmin", dim, keepdim)

    def _arg(self, fn, name, dim, keepdim):
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for an "
                                   f"empty tensor of shape {tuple(self.shape)}")
            return Tensor._wrap(np.asarray(fn(self._data), dtype=np.int64))
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

    def all(self):
        return Tensor._wrap(np.asarray(np.all(self._data)))

    def any(self):
        return Tensor._wrap(np.asarray(np.any(self._data)))

    # ----- elementwise math --------------------------------------------------------------
    def _float_unary(self, op, **params):
        """Ops like exp and log give float32 for integer input, as PyTorch."""
        t = self if self.dtype.is_floating_point else self._cast(_dt.DEFAULT_FLOAT)
        return op.apply(t, **params)

    def exp(self):
        return self._float_unary(ops.Exp)

    def log(self):
        return self._float_unary(ops.Log)

    def sqrt(self):
        return self._float_unary(more_ops.Sqrt)

    def sin(self):
        return self._float_unary(more_ops.Sin)

    def cos(self):
        return self._float_unary(more_ops.Cos)

    def tanh(self):
        return self._float_unary(ops.Tanh)

    def sigmoid(self):
        return self._float_unary(ops.Sigmoid)

    def abs(self):
        return more_ops.Abs.apply(self)

    def var(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
        """Σ (x − mean)² / (N − correction) over `dim` (all entries when None); correction=1
        (unbiased) by default, as PyTorch."""
        if unbiased is not None:
            correction = 1 if unbiased else 0
        dims = _normalize_dims(dim, self.ndim, "var")
        count = self._data.size if dims is None else int(np.prod([self.shape[d] for d in dims]))
        centered = self - self.mean(dim, keepdim=True)
        return (centered * centered).sum(dim, keepdim) / max(0, count - correction)

    def std(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
        """√var: the standard deviation over `dim`, unbiased by default, as PyTorch.

        Where var = 0 (constant entries) the gradient is 0, as PyTorch, not 0 · ∞ = NaN: the
        square root is taken of var only where var > 0.
        """
        v = self.var(dim, correction=correction, keepdim=keepdim, unbiased=unbiased)
        positive = v > 0
        return where(positive, where(positive, v, 1.0).sqrt(), v * 0)

    def norm(self, p=2, dim=None, keepdim=False):
        """The p-norm (Σ |x|ᵖ)^(1/p) over `dim` (all entries when None); p = 2 by default."""
        if p == 2:
            return (self * self).sum(dim, keepdim).sqrt()
        if p == 1:
            return self.abs().sum(dim, keepdim)
        if not isinstance(p, (int, float)) or p <= 0:
            raise ValueError(f"norm: p must be a positive number, got {p!r}")
        return (self.abs() ** p).sum(dim, keepdim) ** (1.0 / p)

    def relu(self):
        return ops.Relu.apply(self)

    def neg(self):
        return ops.Neg.apply(self)

    def __neg__(self):
        if self.dtype == _dt.bool_:
            raise RuntimeError("negation, the `-` operator, on a bool tensor is not supported; "
                            "use the `~` operator or logical_not()")
        return ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __invert__(self):
        if self.dtype != _dt.bool_:
            raise TypeError("~ is supported on bool tensors only here")
        return Tensor._wrap(~self._data)

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        for bound in (min, max):
            if bound is not None and not _is_scalar(bound):
                raise TypeError(f"clamp: min and max must be numbers here, got "
                                f"{type(bound).__name__}")
        t = self
        if not self.dtype.is_floating_point and any(
                isinstance(b, float) for b in (min, max)):
            t = self._cast(_dt.DEFAULT_FLOAT)
        return more_ops.Clamp.apply(t, min=min, max=max)

    clip = clamp

    def softmax(self, dim):
        return self._softmax(ops.Softmax, "softmax", dim)

    def log_softmax(self, dim):
        return self._softmax(ops.LogSoftmax, "log_softmax", dim)

    def _softmax(self, op, name, dim):
        if dim is None:
            raise TypeError(f"{name}() needs dim= (the axis whose entries sum to one)")
        if not self.dtype.is_floating_point:
            raise RuntimeError(f"{name}: expected a floating point tensor, got {self.dtype.name}")
        d = _normalize_dim(dim, self.ndim, name)
        if self.ndim == 0:
            return op.apply(self.reshape(1), dim=0).reshape(())
        return op.apply(self, dim=d)

    def pow(self, exponent):
        return _power(self, exponent)

    def __pow__(self, exponent):
        return _power(self, exponent)

    def __rpow__(self, base):
        return _power(_as_operand(base, "**"), self)

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

    # ----- binary operators --------------------------------------------------------------
    def __add__(self, other):
        return _binary(ops.Add, self, other, "+")

    def __radd__(self, other):
        return _binary(ops.Add, other, self, "+")

    def __sub__(self, other):
        return _binary(ops.Sub, self, other, "-")

    def __rsub__(self, other):
        return _binary(ops.Sub, other, self, "-")

    def __mul__(self, other):
        return _binary(ops.Mul, self, other, "*")

    def __rmul__(self, other):
        return _binary(ops.Mul, other, self, "*")

    def __truediv__(self, other):
        return _binary(ops.Div, self, other, "/", float_result=True)

    def __rtruediv__(self, other):
        return _binary(ops.Div, other, self, "/", float_result=True)

    def add(self, other, alpha=1):
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def __matmul__(self, other):
        return matmul(self, other, "@")

    def __rmatmul__(self, other):
        return matmul(_as_operand(other, "@"), self, "@")

    def matmul(self, other):
        return matmul(self, other, "matmul")

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

    # ----- comparisons (no gradient) ------------------------------------------------------
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

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __and__(self, other):
        return _logical(np.logical_and, self, other, "&")

    def __or__(self, other):
        return _logical(np.logical_or, self, other, "|")

    __rand__, __ror__ = __and__, __or__

    def equal(self, other):
        return isinstance(other, Tensor) and self.shape == other.shape and bool(
            np.array_equal(self._data, other._data))

    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return bool(np.allclose(self._data, _as_array(other), rtol, atol, equal_nan))


def _piece(view):
    """A row from iteration or a piece from split: PyTorch refuses to change such views in
    place while recording, so ours keeps no key to record that change by (it is refused)."""
    view.__dict__.pop("_view_key", None)
    return view


def _rebuild(arr, requires_grad):
    return Tensor._wrap(arr, requires_grad)


# --------------------------------------------------------------------------------------------
# Operand handling shared by the operators
# --------------------------------------------------------------------------------------------

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


def _binary(op, a, b, opname, float_result=False):
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
        base, exponent = _prepare((base, exponent), "**")
        if not isinstance(base, Tensor):
            base = Tensor._wrap(base)
        if base.dtype.category == _dt.INTEGER and np.any(_as_array(exponent) < 0):  # NumPy would raise
            raise RuntimeError(
                "Integers to negative integer powers are not allowed: the integer exponent "
                "tensor has negative entries; convert the base with .float() first")
        return more_ops.PowTensor.apply(base, exponent)
    if not _is_scalar(exponent):
        raise TypeError(f"unsupported exponent type for **: {type(exponent).__name__}")
    if not isinstance(base, Tensor):
        raise TypeError(f"unsupported base type for **: {type(base).__name__}")
    (base,) = _prepare((base, exponent), "**")[:1]
    if base.dtype.category == _dt.INTEGER and isinstance(exponent, (int, np.integer)) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return ops.Pow.apply(base, exponent=exponent)


def matmul(a, b, opname="matmul"):
    """a @ b as torch.matmul, with errors that name both shapes and the inner dimensions."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype is b._data.dtype:
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


def where(condition, a, b):
    """Entries of a where condition holds, else of b (broadcast together)."""
    cond = _as_operand(condition, "where")
    cond = cond._data if isinstance(cond, Tensor) else np.asarray(cond)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    a, b = _prepare((a, b), "where")
    shapes = [np.shape(cond)] + [np.shape(_as_array(x)) for x in (a, b)]
    broadcast_shapes("where", *shapes)
    if not isinstance(a, Tensor):
        a = Tensor._wrap(a)
    return more_ops.Where.apply(cond, a, b)


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


def _index_key(key, tensor):
    """Tensors and lists inside an index become arrays; float indices are refused."""
    if isinstance(key, tuple):
        return tuple(_index_part(k) for k in key)
    return _index_part(key)


def _index_part(k):
    if isinstance(k, Tensor):
        k = k._data
    elif isinstance(k, list):
        k = np.asarray(k)
    if isinstance(k, np.ndarray):
        if k.dtype.kind not in "iub":
            raise IndexError(
                f"tensors used as indices must be long, int or bool tensors, got {k.dtype}")
        if k.ndim == 0 and k.dtype.kind in "iu":
            return int(k)
    elif isinstance(k, float):
        raise IndexError(f"indices must be integers, slices or tensors, got the float {k}")
    return k


def _show_key(key):
    parts = key if isinstance(key, tuple) else (key,)
    return "[" + ", ".join(
        f"<{p.dtype} array of shape {p.shape}>" if isinstance(p, np.ndarray) else repr(p)
        for p in parts) + "]"


autograd._bind_tensor_class(Tensor)
