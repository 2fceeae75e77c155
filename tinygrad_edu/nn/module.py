"""Module and Parameter: the bookkeeping that turns a class with layers into a model.

A Module finds its own parameters: assigning a Parameter or another Module to an attribute
(``self.layer1 = nn.Linear(2, 10)``) registers it, so ``model.parameters()`` can hand every
weight matrix W (out × in) and bias b (out) to an optimizer, ``state_dict()`` can name them
(``layer1.weight``), and ``print(model)`` can show the architecture — all in PyTorch's layout.
"""

import collections
import collections.abc

import numpy as np

from .. import dtypes as _dt
from ..autograd import no_grad
from ..tensor import Tensor
from ..scope import missing_attribute
from ..tensor_methods import parse_to_arguments
from ..torch_tensor_names import MODULE_NAMES

__all__ = ["Module", "Parameter"]


class _RemovableHandle:
    """What register_forward_hook returns: handle.remove() takes the hook away (also on leaving
    ``with module.register_forward_hook(…):``)."""

    _next_id = 0

    def __init__(self, hooks, hook, prepend, with_kwargs):
        self.hooks, self.id = hooks, _RemovableHandle._next_id
        _RemovableHandle._next_id += 1
        hooks[self.id] = (hook, with_kwargs)
        if prepend:
            hooks.move_to_end(self.id, last=False)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# --------------------------------------------------------------------------------------------
# Parameter
# --------------------------------------------------------------------------------------------

class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable weight (requires_grad=True by default).

    ``Parameter(t)`` shares t's storage (as PyTorch) and is always a leaf of the graph.
    Operations on a Parameter give plain Tensors.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor._wrap(np.empty((0,), dtype=_dt.DEFAULT_FLOAT.np_dtype))
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter(data): data must be a Tensor, got {type(data).__name__}; wrap it "
                f"first, e.g. nn.Parameter(torch.tensor(...))")
        self._init(data._data, False, None)
        self._version = data._version  # the same storage: in-place changes show in both
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        # copy.deepcopy and pickle give back a Parameter, not a plain Tensor
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(array, requires_grad):
    return Parameter(Tensor._wrap(array), requires_grad)


# --------------------------------------------------------------------------------------------
# Module
# --------------------------------------------------------------------------------------------

class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys",
                                               ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys it could not match (empty lists when all did)."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")

    __str__ = __repr__


def _indent_after_first_line(text, spaces):
    """Indent every line but the first: a child's repr nested inside its parent's."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class _Registry(collections.OrderedDict):
    """A module's parameters, buffers or children by name (the record state_dict, parameters()
    and repr read), with every entry also kept as a plain attribute of the module.

    PyTorch finds ``self.weight`` through ``__getattr__``, which Python calls only after a
    failed lookup, about 0.4 µs each; a forward pass makes several.  With the entry in the
    module's ``__dict__`` too, it is an ordinary attribute.  Every way of changing the registry
    changes the attribute with it, so the two cannot disagree.
    """

    def __init__(self, attributes=None):
        super().__init__()
        self._attributes = attributes  # the owning module's __dict__

    def __setitem__(self, name, value):
        super().__setitem__(name, value)
        if self._attributes is not None:
            self._attributes[name] = value

    def __delitem__(self, name):
        super().__delitem__(name)
        if self._attributes is not None:
            self._attributes.pop(name, None)

    def pop(self, name, *default):
        if name in self:
            value = self[name]
            del self[name]
            return value
        return super().pop(name, *default)

    def popitem(self, last=True):
        name, value = super().popitem(last)
        if self._attributes is not None:
            self._attributes.pop(name, None)
        return name, value

    def setdefault(self, name, default=None):
        if name not in self:
            self[name] = default
        return self[name]

    def clear(self):
        for name in list(self):
            del self[name]


class Module:
    """Base class of every layer and model, as ``torch.nn.Module``.

    Subclass it, call ``super().__init__()`` first, assign layers and Parameters as
    attributes, and define ``forward``; ``model(x)`` calls ``forward(x)``.
    """

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments: Module.__init__ "
                f"takes none (call super().__init__() without arguments)")
        # Written straight into __dict__: __setattr__ below relies on these existing.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", _Registry(self.__dict__))
        object.__setattr__(self, "_buffers", _Registry(self.__dict__))
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", _Registry(self.__dict__))
        object.__setattr__(self, "_forward_pre_hooks", collections.OrderedDict())
        object.__setattr__(self, "_forward_hooks", collections.OrderedDict())

    # ----- calling ---------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                changed = hook(self, args, kwargs)
                if changed is not None:
                    if not (isinstance(changed, tuple) and len(changed) == 2):
                        raise RuntimeError(
                            f"forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {changed}.")
                    args, kwargs = changed
            else:
                changed = hook(self, args)
                if changed is not None:
                    args = changed if isinstance(changed, tuple) else (changed,)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_hooks.values()):
            changed = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if changed is not None:
                output = changed
        return output

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """hook(module, args) runs before each forward; what it returns (other than None)
        replaces the positional arguments.  With with_kwargs=True, hook(module, args, kwargs)
        returns None or (args, kwargs).  Returns a handle: handle.remove() takes it away."""
        return _RemovableHandle(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """hook(module, args, output) runs after each forward (to look at activations, e.g.
        outs.append(output.detach())); what it returns (other than None) replaces the
        output.  With with_kwargs=True: hook(module, args, kwargs, output).  Returns a handle:
        handle.remove() takes it away."""
        if always_call:
            raise NotImplementedError(
                "register_forward_hook(always_call=True) is not in the engine: a hook here runs "
                "only after a forward that returned")
        return _RemovableHandle(self._forward_hooks, hook, prepend, with_kwargs)

    # ----- registration ----------------------------------------------------------------
    def _registry(self, what):
        registry = self.__dict__.get("_parameters")
        if registry is None:
            raise AttributeError(
                f"cannot assign {what} before Module.__init__() call (call "
                f"super().__init__() first in {type(self).__name__}.__init__)")
        return registry

    def _check_name(self, name, kind):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')

    def register_parameter(self, name, param):
        """Add a Parameter (or None) under `name`; same as assigning it as an attribute."""
        self._check_registration(name, param, "parameter", Parameter, "nn.Parameter")
        self._parameters[name] = param

    def _check_registration(self, name, value, kind, required, required_name):
        """A new parameter or buffer: a valid name not taken by another attribute, and a value
        of the `required` type or None."""
        self._registry(kind + "s")
        self._check_name(name, kind)
        if hasattr(self, name) and name not in getattr(self, f"_{kind}s"):
            raise KeyError(f"attribute '{name}' already exists")
        if value is not None and not isinstance(value, required):
            raise TypeError(
                f"cannot assign '{type(value).__name__}' object to {kind} '{name}' "
                f"({required_name} or None required)")

    def register_buffer(self, name, tensor, persistent=True):
        """Add a Tensor that is state but not learned (saved in state_dict when persistent)."""
        self._check_registration(name, tensor, "buffer", Tensor, "Tensor")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a child module (or None) under `name`; same as assigning it as an attribute."""
        self._registry("child modules")
        self._check_name(name, "module")
        if isinstance(module, type) and issubclass(module, Module):  # nn.ReLU for nn.ReLU()
            raise TypeError(f"module '{name}' is the class {module.__name__}, not a module: "
                            f"write {module.__name__}(), with parentheses")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        if isinstance(value, Parameter):
            self._registry("parameters")
            self._forget(name, keeping="_parameters")
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._registry("child modules")
            self._forget(name, keeping="_modules")
            self._modules[name] = value
        else:
            # A name already registered takes only what its registry holds, or None (a new
            # Parameter or Module was taken above: those registries accept nothing else).
            for registry, what, accepted, kind in (
                    ("_parameters", "parameter", (), "nn.Parameter"),
                    ("_modules", "child module", (), "nn.Module"),
                    ("_buffers", "buffer", (Tensor,), "Tensor")):
                if registry in d and name in d[registry]:
                    if value is not None and not isinstance(value, accepted):
                        raise TypeError(
                            f"cannot assign '{type(value).__name__}' as {what} '{name}' "
                            f"({kind} or None expected)")
                    d[registry][name] = value
                    return
            object.__setattr__(self, name, value)

    def _forget(self, name, keeping):
        """Remove `name` from the plain attributes and every registry but `keeping`, the one it
        is registered into next: a name it holds already keeps its place there, as in PyTorch
        (lin.weight = Parameter(…) stays first in parameters(), model.fc1 = Linear(…) first
        in a Sequential's order)."""
        self.__dict__.pop(name, None)
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keeping:
                self.__dict__[registry].pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __setstate__(self, state):
        """After unpickling or copying: registries of this module's own, mirrored into its
        attributes (the copied ones would mirror into the dict they were copied with)."""
        self.__dict__.update(state)
        for name in ("_parameters", "_buffers", "_modules"):
            copied = self.__dict__.get(name)
            if copied is not None:
                own = _Registry(self.__dict__)
                own.update(copied)
                self.__dict__[name] = own

    def __getattr__(self, name):
        # Called only when normal lookup fails (registered entries are plain attributes too,
        # see _Registry): look in the registries all the same, then explain.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = d.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        if "_parameters" not in d:  # e.g. model(x) where __init__ forgot super().__init__()
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{name}': Module.__init__() "
                f"was not called (call super().__init__() first in "
                f"{type(self).__name__}.__init__)")
        if name in MODULE_NAMES:  # a method of PyTorch's nn.Module the engine lacks
            raise missing_attribute("nn.Module", name, dir(self))
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                del entries[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        names = set(super().__dir__())
        for registry in ("_parameters", "_buffers", "_modules"):
            names.update(self.__dict__.get(registry, ()))
        return sorted(names)

    # ----- walking the tree ------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module and every module below it, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            child_prefix = prefix + ("." if prefix else "") + name
            yield from child.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def get_submodule(self, target):
        """The module at a dotted path of names ('encoder.0'); '' is this module."""
        module = self
        for name in target.split(".") if target else ():
            if not hasattr(module, name):
                raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
            module = getattr(module, name)
            if not isinstance(module, Module):
                raise AttributeError(f"`{name}` is not an nn.Module")
        return module

    def get_parameter(self, target):
        """The Parameter at a dotted path ('layer1.weight')."""
        module, name, value = self._member_at(target)
        if not isinstance(value, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return value

    def get_buffer(self, target):
        """The buffer at a dotted path ('norm.running_mean')."""
        module, name, value = self._member_at(target)
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return value

    def _member_at(self, target):
        """(the module, the name, the attribute) at a dotted path, or PyTorch's error."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        return module, name, getattr(module, name)

    def named_children(self):
        """(name, module) for the direct children only."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        walk = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        seen = set()
        for module_prefix, module in walk:
            for name, value in getattr(module, registry).items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter), e.g. ('layer1.weight', W₁ of shape (10, 2))."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call fn(module) on every child (depth first), then on this module; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- modes and gradients ---------------------------------------------------------
    def train(self, mode=True):
        """Set training mode on this module and every module below it; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        """Evaluation mode (train(False)); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's .grad: to None (the default), or to zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.zero_()

    # ----- device and dtype ------------------------------------------------------------
    def to(self, *args, **kwargs):
        """to('cpu'), to(dtype), to(tensor), to('cpu', dtype): floating parameters and
        buffers are converted in place (the same Parameter objects); returns self."""
        target, _ = parse_to_arguments(args, kwargs, "Module.to()")
        if target is None:
            return self
        if not target.is_floating_point:
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype="
                f"{target}")
        return self._convert_floating(target)

    def _convert_floating(self, target):
        np_dtype = target.np_dtype
        for module in self.modules():
            for tensors in (module._parameters, module._buffers):
                for t in tensors.values():
                    if t is None or not t.is_floating_point() or t._data.dtype == np_dtype:
                        continue
                    t._data = t._data.astype(np_dtype)
                    if type(t._version) is list:
                        t._version[0] += 1
                    else:  # an inference tensor: converted, it is a normal one, as PyTorch's
                        t._version = [0]
                    if t._grad is not None:
                        t._grad = Tensor._wrap(t._grad._data.astype(np_dtype))
        return self

    def cpu(self):
        return self

    def cuda(self, device=None):
        raise RuntimeError("CUDA is not available: tinygrad_edu runs on the CPU only")

    def float(self):
        """Floating parameters and buffers to float32; returns self."""
        return self._convert_floating(_dt.float32)

    def double(self):
        """Floating parameters and buffers to float64; returns self."""
        return self._convert_floating(_dt.float64)

    # ----- state dict --------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An OrderedDict name → tensor of every parameter and persistent buffer.

        Values share storage with the model (detached from the graph unless keep_vars).
        Keys, order and shapes are PyTorch's: 'layer1.weight', 'layer1.bias', ….
        """
        if destination is None:
            destination = collections.OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=destination, prefix=prefix + name + ".",
                                 keep_vars=keep_vars)
        return destination

    def _state_entries(self):
        """(key, owning module, attribute name, registry) for everything state_dict saves."""
        entries = []
        for module_prefix, module in self.named_modules(remove_duplicate=False):
            head = module_prefix + "." if module_prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    entries.append((head + name, module, name, "_parameters"))
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent_buffers:
                    entries.append((head + name, module, name, "_buffers"))
        return entries

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values from a state dict into this model's parameters and buffers.

        strict=True: a missing or an unexpected key is an error.  strict=False: they are
        returned as (missing_keys, unexpected_keys) instead.  A value of the wrong shape is
        always an error.  Everything is checked before anything is copied, so a failed load
        leaves the model unchanged.  Values may be Tensors or NumPy arrays; dtypes are
        converted to the model's (assign=True instead takes the given tensors as they are).
        """
        if not isinstance(state_dict, collections.abc.Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        entries = self._state_entries()
        own_keys = {key for key, *_ in entries}
        missing = [key for key, *_ in entries if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own_keys]
        errors = []
        if strict and missing:
            errors.append("Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ". ")
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        to_copy = []
        for key, module, name, registry in entries:
            if key not in state_dict:
                continue
            current = getattr(module, registry)[name]
            value = state_dict[key]
            if isinstance(value, np.ndarray):
                value = Tensor._wrap(value)
            if not isinstance(value, Tensor):
                errors.append(
                    f'While copying the parameter named "{key}", expected a Tensor or NumPy '
                    f"array from the state dict but received {type(value)}")
                continue
            if value.shape != current.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {current.shape}.")
                continue
            to_copy.append((module, name, registry, current, value))
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with no_grad():
            for module, name, registry, current, value in to_copy:
                if not assign:
                    current.copy_(value)
                elif registry == "_parameters":
                    module._parameters[name] = Parameter(value.detach(), current.requires_grad)
                else:
                    module._buffers[name] = value.detach()
        return _IncompatibleKeys(missing, unexpected)

    # ----- printing ----------------------------------------------------------------------
    def extra_repr(self):
        """The text inside this module's parentheses, e.g. 'in_features=2, out_features=10'."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        """PyTorch's layout: Name(extra) or Name(\\n  (child): repr\\n  …\\n)."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _indent_after_first_line(repr(child), 2)
                       for name, child in self._modules.items()]
        lines = extra_lines + child_lines
        if not lines:
            return self._get_name() + "()"
        if len(extra_lines) == 1 and not child_lines:
            return f"{self._get_name()}({extra_lines[0]})"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"
