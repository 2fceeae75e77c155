"""ModuleDict, ParameterList and ParameterDict: modules and parameters held by name or position,
registered so that parameters(), state_dict(), to() and repr find them, as in ``torch.nn``.

Sequential and ModuleList (layers.py) hold modules in order; these add modules by name, and
Parameters by position or name.  None has a forward of its own: a model's forward reads them.
A Tensor put into a ParameterList or ParameterDict becomes a Parameter (requiring grad), as in
PyTorch.  Entries are named "0", "1", … or by their keys, which is what named_parameters()
and state_dict() show (``heads.lin.weight``, ``scales.0``).
"""

import collections.abc

from ..tensor import Tensor
from .layers import _position
from .module import Module, Parameter

__all__ = ["ModuleDict", "ParameterList", "ParameterDict"]


def _pairs(entries, who):
    """(key, value) pairs from a mapping or an iterable of pairs, as PyTorch's update."""
    if isinstance(entries, collections.abc.Mapping):
        return list(entries.items())
    if not isinstance(entries, collections.abc.Iterable):
        raise TypeError(f"{who}.update should be called with an iterable of key/value pairs, "
                        f"but got {type(entries).__name__}")
    pairs = []
    for i, pair in enumerate(entries):
        if not isinstance(pair, collections.abc.Iterable):
            raise TypeError(f"{who} update sequence element #{i} should be Iterable; is"
                            f"{type(pair).__name__}")
        pair = tuple(pair)
        if len(pair) != 2:
            raise ValueError(f"{who} update sequence element #{i} has length {len(pair)}; 2 is "
                             f"required")
        pairs.append(pair)
    return pairs


def _as_parameter(value):
    """A Tensor that is not yet a Parameter becomes one (requiring grad), as in PyTorch."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ModuleDict(Module):
    """Child modules by name: ``heads["out"]``, ``for name in heads``, ``heads.items()``."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def pop(self, key):
        """Remove the module under key and return it."""
        module = self[key]
        del self[key]
        return module

    def clear(self):
        self._modules.clear()

    def update(self, modules):
        """Add (or replace) modules from a mapping or an iterable of (name, module) pairs."""
        for key, module in _pairs(modules, "ModuleDict"):
            self[key] = module


class ParameterList(Module):
    """Parameters by position: ``scales[0]``, ``for p in scales``, ``scales.append(t)``."""

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, index):
        values = list(self._parameters.values())
        if isinstance(index, slice):
            return type(self)(values[index])
        return values[_position(index, len(values), "ParameterList")]

    def __setitem__(self, index, value):
        index = _position(index, len(self), "ParameterList")
        value = _as_parameter(value)
        if value is not None and not isinstance(value, Parameter):
            raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{index}' "
                            f"(nn.Parameter or None expected)")
        self._parameters[str(index)] = value  # in place: the position stays

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        """Add a Parameter (a Tensor becomes one) at the end."""
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values):
        if not isinstance(values, collections.abc.Iterable) or isinstance(values, Tensor):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        """PyTorch's lines, each indented by two: (0): Parameter containing: [… of size 2x3]
        (so one entry shows on the module's own line, as PyTorch prints it)."""
        return "\n".join(f"  ({i}): {_describe(p, p.dtype.name)}" for i, p in enumerate(self))


class ParameterDict(Module):
    """Parameters by name: ``gains["a"]``, ``gains.items()``; a plain dict's keys are sorted,
    as in PyTorch (an OrderedDict or another ParameterDict keeps its order)."""

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        return self._parameters[key]

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key):
        del self._parameters[key]

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def items(self):
        return self._parameters.items()

    def values(self):
        return self._parameters.values()

    def get(self, key, default=None):
        return self._parameters.get(key, default)

    def pop(self, key):
        """Remove the parameter under key and return it."""
        value = self[key]
        del self[key]
        return value

    def clear(self):
        self._parameters.clear()

    def update(self, parameters):
        """Add (or replace) parameters from a mapping or an iterable of (name, tensor) pairs."""
        keep_order = isinstance(parameters, (collections.OrderedDict, ParameterDict)) or \
            not isinstance(parameters, collections.abc.Mapping)
        pairs = _pairs(parameters, "ParameterDict")
        for key, value in (pairs if keep_order else sorted(pairs, key=lambda kv: kv[0])):
            self[key] = value

    def extra_repr(self):
        """As ParameterList's, with PyTorch's tensor-type names (FloatTensor, DoubleTensor)."""
        names = {"float32": "FloatTensor", "float64": "DoubleTensor"}
        return "\n".join(f"  ({k}): {_describe(p, names.get(p.dtype.name, p.dtype.name))}"
                         for k, p in self.items())


def _describe(p, kind):
    size = "x".join(str(n) for n in p.shape)
    return f"Parameter containing: [tinygrad_edu.{kind} of size {size}]"
