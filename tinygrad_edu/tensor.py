"""Tensor: a NumPy array, its gradient, its place in the graph, and operators as sugar.

The reading path's Tensor holds the data (``_data``), the gradient after backward (``.grad``)
and the link into the graph (``grad_fn``, the Node that made it), and turns the operators and
methods the seed's network uses (+ − · / @ **, sum, mean, relu, …) into ops from ops.py.
What else PyTorch's Tensor does stands beside, in modules of its own that Tensor inherits or
calls: arguments.py (operands into one dtype, readable errors), views.py (in-place changes,
versions, views), tensor_methods.py (the rest of the methods).
"""

import numpy as np

from . import arguments, autograd, function, more_ops, ops, tensor_methods, views
from . import dtypes as _dt
from .arguments import (NOT_GIVEN, _as_operand, _normalize_dim, _normalize_dims, _power,
                        _reshape_target, _shape_arg, apply_binary, array_from_data, matmul,
                        new_shape, numpy_names)
from .printing import tensor_repr
from .tensor_methods import Size, TensorMethods, device
from .user_warnings import warn
from .views import InPlaceAndViews

__all__ = ["Tensor", "Size", "device"]


class Tensor(TensorMethods, InPlaceAndViews):
    """An n-dimensional array that can record the operations applied to it.

    ``Tensor(data)`` makes a float32 tensor (as ``torch.Tensor``); prefer ``tensor(data)``,
    which infers the dtype.  ``Tensor(2, 3)`` makes a zero-filled 2×3 float32 tensor.
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_version", "_retains_grad",
                 "_view_base", "__weakref__", "__dict__")

    # NumPy defers to us: ndarray + Tensor calls Tensor.__radd__ and gives a Tensor.
    __array_ufunc__ = None
    __array_priority__ = 1000

    # ----- making one ----------------------------------------------------------------------
    def __init__(self, *args):
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            if isinstance(args[0], Tensor):
                raise TypeError("Tensor(t): to copy a Tensor use t.clone() or t.float()")
            arr = array_from_data(args[0], _dt.float32, what="Tensor()")
        else:
            arr = np.zeros(new_shape(args, "Tensor"), dtype=np.float32)
        self._init(arr, False, None)

    def _init(self, arr, requires_grad, grad_fn):
        self._data = arr              # the values: a NumPy array
        self._requires_grad = requires_grad
        self._grad = None             # ∂L/∂self after backward, for a leaf
        self.grad_fn = grad_fn        # the Node that made it (None for a leaf)
        self._version = [0]           # counts in-place changes (views share it): views.py
        self._retains_grad = False
        self._view_base = None        # for a view: (the tensor it views, its grad_fn then)

    @staticmethod
    def _wrap(arr, requires_grad=False, grad_fn=None):
        """A Tensor over `arr` (no copy): the engine's own constructor, for an op's result."""
        t = Tensor.__new__(Tensor)
        t._init(np.asarray(arr), requires_grad, grad_fn)  # (a NumPy scalar becomes 0-d)
        return t

    def _alias(self):
        """A new Tensor object over the same storage (and version counter), outside the graph."""
        t = Tensor._wrap(self._data)
        t._version = self._version
        return t

    # ----- what it holds ----------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def dtype(self):
        return _dt.from_numpy_dtype(self._data.dtype)

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
        t = Tensor._wrap(self._data)
        if type(self._version) is not list:  # an inference tensor's .data is one too
            t._version = type(self._version)((0,))
        return t

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

    # ----- the graph: backward fills .grad of every leaf (autograd.py) -------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate ∂self/∂leaf into ``leaf.grad`` for every leaf that requires grad."""
        if inputs is not None:
            raise NotImplementedError("backward(inputs=...) is not supported")
        autograd.backward(self, gradient, retain_graph, create_graph)

    def detach(self):
        """The same storage, outside the graph (shares the version counter, as PyTorch)."""
        return self._alias()

    def item(self):
        """The single value as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar "
                f"(item() needs exactly one element; shape is {tuple(self.shape)})")
        return self._data.item()

    def numpy(self, force=False):
        """The storage as an ndarray (shared memory; refused if the tensor requires grad)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead.")
        return self._data

    def __repr__(self):
        name = None if self.grad_fn is None else self.grad_fn.name()
        return tensor_repr(self._data, self._requires_grad and self.grad_fn is None, name)

    __str__ = __repr__

    # ----- operators: each one op of ops.py, the operands made one dtype first (arguments.py) -
    def __add__(self, other):
        return apply_binary(ops.Add, self, other, "+")

    def __radd__(self, other):
        return apply_binary(ops.Add, other, self, "+")

    def __sub__(self, other):
        return apply_binary(ops.Sub, self, other, "-")

    def __rsub__(self, other):  # number − tensor: PyTorch's rsub
        return autograd.display_as(apply_binary(ops.Sub, other, self, "-"), "RsubBackward1")

    def __mul__(self, other):
        return apply_binary(ops.Mul, self, other, "*")

    def __rmul__(self, other):
        return apply_binary(ops.Mul, other, self, "*")

    def __truediv__(self, other):
        return apply_binary(ops.Div, self, other, "/", float_result=True)

    def __rtruediv__(self, other):
        return apply_binary(ops.Div, other, self, "/", float_result=True)

    def __neg__(self):
        if self.dtype == _dt.bool_:
            raise RuntimeError("negation, the `-` operator, on a bool tensor is not supported; "
                               "use the `~` operator or logical_not()")
        return ops.Neg.apply(self)

    def pow(self, exponent):
        return _power(self, exponent)

    def __pow__(self, exponent):
        return _power(self, exponent)

    def __rpow__(self, base):
        return _power(_as_operand(base, "**"), self)

    def __matmul__(self, other):
        return matmul(self, other, "@")

    def __rmatmul__(self, other):
        return matmul(_as_operand(other, "@"), self, "@")

    def matmul(self, other):
        return matmul(self, other, "matmul")

    # ----- the methods the seed's network calls ------------------------------------------------
    @numpy_names
    def sum(self, dim=NOT_GIVEN, keepdim=NOT_GIVEN, dtype=None):
        given = dim is not NOT_GIVEN  # PyTorch names a sum SumBackward1 once a dim is given
        dim, keepdim = arguments.reduction_dim("sum", dim, keepdim, dtype)  # checked, or why not
        t = self._cast(_dt.to_dtype(dtype)) if dtype is not None else self
        if t.dtype.category < _dt.FLOATING and dtype is None:
            t = t._cast(_dt.int64)  # integer and bool sums are int64, as PyTorch
        out = ops.Sum.apply(t, dim=_normalize_dims(dim, self.ndim, "sum"), keepdim=keepdim)
        return autograd.display_as(out, "SumBackward1") if given else out

    @numpy_names
    def mean(self, dim=NOT_GIVEN, keepdim=NOT_GIVEN, dtype=None):
        given = dim is not NOT_GIVEN
        dim, keepdim = arguments.reduction_dim("mean", dim, keepdim, dtype)
        t = self._cast(_dt.to_dtype(dtype)) if dtype is not None else self
        if not t.dtype.is_floating_point:
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {t.dtype.name} (call .float() first)")
        out = ops.Mean.apply(t, dim=_normalize_dims(dim, self.ndim, "mean"), keepdim=keepdim)
        return autograd.display_as(out, "MeanBackward1") if given else out

    def _float_unary(self, op, **params):
        """Ops like exp and log give float32 for integer input, as PyTorch."""
        t = self if self.dtype.is_floating_point else self._cast(_dt.DEFAULT_FLOAT)
        return op.apply(t, **params)

    def exp(self):
        return self._float_unary(ops.Exp)

    def log(self):
        return self._float_unary(ops.Log)

    def relu(self):
        if self._data.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu (as PyTorch)")
        return ops.Relu.apply(self)

    def tanh(self):
        return self._float_unary(ops.Tanh)

    def sigmoid(self):
        return self._float_unary(ops.Sigmoid)

    @numpy_names
    def softmax(self, dim, dtype=None):
        return self._softmax(ops.Softmax, "softmax", dim, dtype)

    @numpy_names
    def log_softmax(self, dim, dtype=None):
        return self._softmax(ops.LogSoftmax, "log_softmax", dim, dtype)

    def _softmax(self, op, name, dim, dtype):
        if dim is None:
            raise TypeError(f"{name}() needs dim= (the axis whose entries sum to one)")
        t = self if dtype is None else self.to(dtype)  # dtype=: the input converted first
        if not t.dtype.is_floating_point:  # (PyTorch's error type, a RuntimeError too)
            raise NotImplementedError(f"{name}: expected a floating point tensor, got "
                                      f"{t.dtype.name} (call .float() first, or pass dtype=)")
        d = _normalize_dim(dim, t.ndim, name)
        if t.ndim == 0:
            return autograd.display_as(op.apply(t.reshape(1), dim=0).reshape(()),
                                       "SoftmaxBackward0" if name == "softmax" else
                                       "LogSoftmaxBackward0")
        return op.apply(t, dim=d)

    # ----- shape: results share storage with self, so views.py marks them as views ------------
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
        out = self._view_op(ops.Permute, dims=tuple(dims))
        return autograd.display_as(out, "TransposeBackward0")

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, got {self.ndim}")
        return autograd.display_as(self.T, "TBackward0") if self.ndim == 2 else self.T


# The one tie back: the modules below this one learn the Tensor class here.
for _module in (arguments, autograd, function, more_ops, ops, tensor_methods, views):
    _module.Tensor = Tensor
