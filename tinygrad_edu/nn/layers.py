"""Layers: Linear, the activations, Flatten, and the containers Sequential and ModuleList.

Each layer checks its input and then calls nn.functional, whose Tensor operations the one
backward pass differentiates.
"""

import collections
import math
import operator

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from ..tensor import device as _device
from . import functional as F
from . import init
from .module import Module, Parameter, _indent_after_first_line

__all__ = [
    "Linear", "Identity", "ReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Flatten",
    "Sequential", "ModuleList",
]


def layer_size(value, name, who):
    """A layer's size argument as an int: a Python or NumPy integer (np.int64(10), from a
    shape computed with NumPy, is one, as in PyTorch), never a bool, a float or negative."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < 0:
        raise TypeError(f"{who}: {name} must be a non-negative int, got {value!r}")
    return int(value)


def _input_tensor(x, who):
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: expected a Tensor input, got {type(x).__name__}")
    return x


class Linear(Module):
    """Z = X Wᵀ + 𝟏 bᵀ:  X (n × in) → Z (n × out), with W (out × in) and b (out).

    One sample x (a column, as the seed writes it) maps to z = W x + b; a batch holds one
    sample per row.  Initialised as PyTorch: W and b drawn from U(−1/√in, 1/√in), from the
    library's random stream (``tinygrad_edu.manual_seed`` makes it repeatable).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        in_features = layer_size(in_features, "in_features", "Linear")
        out_features = layer_size(out_features, "out_features", "Linear")
        if device is not None:
            _device(device)  # only 'cpu' exists: anything else is a clear error
        dtype = _dt.to_dtype(dtype) if dtype is not None else _dt.DEFAULT_FLOAT
        if not dtype.is_floating_point:
            raise TypeError(f"Linear: dtype must be floating point, got {dtype}")
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(Tensor._wrap(np.zeros((out_features, in_features),
                                                      dtype=dtype.np_dtype)))
        if bias:
            self.bias = Parameter(Tensor._wrap(np.zeros((out_features,), dtype=dtype.np_dtype)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """W ~ U(−1/√in, 1/√in) (kaiming_uniform_ with a = √5), b ~ U(−1/√in, 1/√in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F._linear(_input_tensor(input, "Linear"), self.weight, self.bias, self)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """Returns its input unchanged (arguments to the constructor are ignored, as PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class ReLU(Module):
    """relu(x) = max(x, 0) elementwise (inplace=True overwrites x)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(_input_tensor(input, "ReLU"), inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, input):
        return F.tanh(_input_tensor(input, "Tanh"))


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^(−x)) elementwise."""

    def forward(self, input):
        return F.sigmoid(_input_tensor(input, "Sigmoid"))


class Softmax(Module):
    """softmax along dim: each slice along dim becomes positive and sums to one."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(_input_tensor(input, "Softmax"), self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log_softmax along dim (a log-sum-exp: stable for any input)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(_input_tensor(input, "LogSoftmax"), self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Flatten(Module):
    """Merge dims start_dim … end_dim into one: (n, c, h, w) → (n, c·h·w) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return _input_tensor(input, "Flatten").flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


# --------------------------------------------------------------------------------------------
# Containers
# --------------------------------------------------------------------------------------------

def _position(index, length, who):
    """An int index (negative counts from the end) as a position in 0 … length-1."""
    try:
        i = operator.index(index)
    except TypeError:
        raise TypeError(f"{who} indices must be integers or slices, not "
                        f"{type(index).__name__}") from None
    if not -length <= i < length:
        raise IndexError(f"{who}: index {i} is out of range (it holds {length} modules)")
    return i % length


class Sequential(Module):
    """Modules applied one after another: Sequential(a, b, c)(x) = c(b(a(x))).

    Children are named "0", "1", … (or by the keys of an OrderedDict given instead).
    Supports len, iteration, indexing (a slice gives a Sequential keeping the names).
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], collections.OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        items = list(self._modules.items())
        if isinstance(index, slice):
            return type(self)(collections.OrderedDict(items[index]))
        return items[_position(index, len(items), "Sequential")][1]

    def __setitem__(self, index, module):
        key = list(self._modules)[_position(index, len(self), "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, index):
        keys = list(self._modules)
        if isinstance(index, slice):
            doomed = keys[index]
        else:
            doomed = [keys[_position(index, len(keys), "Sequential")]]
        for key in doomed:
            del self._modules[key]
        self._renumber()

    def _renumber(self):
        """After a deletion, children are renamed "0", "1", … again (as PyTorch)."""
        modules = list(self._modules.values())
        self._modules.clear()
        for i, module in enumerate(modules):
            self._modules[str(i)] = module

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range")
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(modules):
            self._modules[str(i)] = m
        return self

    def forward(self, input):
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules, registered so their parameters are found (no forward of its own).

    Children are named "0", "1", …; a slice gives a new ModuleList numbered from 0.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return type(self)(modules[index])
        return modules[_position(index, len(modules), "ModuleList")]

    def __setitem__(self, index, module):
        self.add_module(str(_position(index, len(self), "ModuleList")), module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_position(index, len(modules), "ModuleList")]
        self._modules.clear()
        for i, module in enumerate(modules):
            self._modules[str(i)] = module

    def __iadd__(self, modules):
        return self.extend(modules)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        try:
            modules = list(modules)
        except TypeError:
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__) from None
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __repr__(self):
        """As PyTorch: runs of identical children are shown once, e.g. (0-2): 3 x Linear(…)."""
        if not self._modules:
            return self._get_name() + "()"
        runs = []  # [first index, last index, repr]
        for i, module in enumerate(self._modules.values()):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for first, last, text in runs:
            if first == last:
                line = f"({first}): {text}"
            else:
                line = f"({first}-{last}): {last - first + 1} x {text}"
            lines.append(_indent_after_first_line(line, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"
