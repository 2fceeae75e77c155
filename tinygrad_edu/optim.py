"""Optimizers: the rules that turn gradients into parameter updates (PyTorch's torch.optim).

    optimizer = optim.SGD(model.parameters(), lr=0.01)
    for X, y in loader:
        optimizer.zero_grad()           # p.grad = None for every parameter
        loss_fn(model(X), y).backward() # fills p.grad
        optimizer.step()                # p ← p − lr · p.grad, in place

Every update works on the NumPy arrays under the parameters, in place and in the
parameter's dtype: the Parameter objects (and the arrays inside them) stay the same, so
a model keeps pointing at its trained weights. The equations are PyTorch's, step for step,
so a run here and the same run in PyTorch give the same losses.

Notation below: w a parameter, g its gradient, lr the learning rate, t the step number.
"""

import copy
import numbers
from collections import defaultdict

import numpy as np

from .autograd import enable_grad, no_grad
from .tensor import Tensor
from .scope import missing_attribute as _missing_attribute

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop"]


class _RequiredParameter:
    """Marks a hyperparameter every parameter group must give (no default)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _array(t):
    """The NumPy array a Tensor holds (updates write into it)."""
    return t._data


def _changed_in_place(t):
    """Count an in-place change, so a graph that saved the old value refuses to backward."""
    t._version[0] += 1


def _plain_number(value):
    """A one-element floating tensor as its number, as PyTorch takes one
    (SGD(params, lr=torch.tensor(0.01))); anything else as it is."""
    if isinstance(value, Tensor) and value.numel() == 1 and value.dtype.is_floating_point:
        return value.item()
    return value


def _check_number(name, value, owner, low=0.0, high=None, high_open=True):
    """A real number in [low, high) (or [low, high]) (a one-element tensor counts as its
    number); a clear error otherwise."""
    value = _plain_number(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__}")
    too_high = high is not None and (value >= high if high_open else value > high)
    if not value >= low or too_high:  # `not >=` also catches nan
        bound = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{owner}: invalid {name} value: {value} (it must be {bound})")


class Optimizer:
    """Base class: holds parameter groups and per-parameter state.

    ``param_groups`` is a list of dicts, one per group: ``{'params': [tensors…], 'lr': …, …}``
    with every hyperparameter the group does not give taken from ``defaults``.
    ``state`` maps a parameter to a dict of its running buffers (momentum, moments, step).
    """

    # Options that must be real numbers, each with its bounds (≥ 0 unless given), checked for
    # the defaults and for every parameter group; a subclass lists its own.
    number_options = ()
    _LABELS = {"lr": "learning rate (lr)", "eps": "epsilon (eps)"}

    def __init__(self, params, defaults):
        self._check_options(defaults)
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts (parameter groups), "
                f"got a single Tensor; pass [tensor] or model.parameters()")
        if isinstance(params, dict):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts; for one parameter "
                f"group pass a list holding the dict: [{{'params': …}}]")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts, got "
                f"{type(params).__name__}") from None
        if not groups:
            raise ValueError(
                f"{name} got an empty parameter list: there is nothing to optimize (did the "
                f"model register its parameters, or was model.parameters() used up already?)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ----- parameter groups --------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group ``{'params': …, 'lr': …}``; what it does not give comes from defaults."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}: a parameter group must be a dict like {{'params': [...], 'lr': 0.1}}, "
                f"got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        where = f"parameter group {len(self.param_groups)}"
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{name}: {where}: parameters must be given in an ordered collection (a list), "
                f"not a set, so that the state dict's order is the same on every run")
        else:
            params = list(params)
        if not params:
            raise ValueError(f"{name}: {where} has an empty parameter list")
        param_names = self._names_of(params, name)
        if param_names is not None:  # model.named_parameters(): (name, tensor) pairs
            params = [p for _, p in params]
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: optimizer can only optimize Tensors, but {where} params[{i}] is "
                    f"a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor ({where} params[{i}] was computed "
                    f"by {p.grad_fn.name()}); optimize the leaf tensors it was made from")
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
        for i, p in enumerate(params):
            if id(p) in seen:
                raise ValueError(
                    f"{name}: {where} params[{i}] (shape {list(p.shape)}) is given more than "
                    f"once; each parameter may appear only once across all parameter groups")
            seen.add(id(p))

        named_groups = {"param_names" in group for group in self.param_groups}
        if named_groups and named_groups != {param_names is not None}:
            raise ValueError(
                f"all optimizer param groups should be with/without names. cannot add param "
                f"group {'with' if param_names is not None else 'without'} names to the "
                f"optimizer")
        group = {"params": params}
        if param_names is not None:
            group["param_names"] = param_names
        for key, value in param_group.items():
            if key != "params":
                group[key] = value
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(
                    f"{name}: {where} didn't specify a value of the required optimization "
                    f"parameter {key}")
            group.setdefault(key, default)
        self._check_options(group)
        self.param_groups.append(group)

    @staticmethod
    def _names_of(params, name):
        """The names when params are (name, tensor) pairs, as model.named_parameters() gives
        (PyTorch keeps them as the group's 'param_names'); None when they are tensors."""
        named = [isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params]
        if not any(named):
            return None
        if not all(named):
            raise ValueError(f"{name}: all optimizer params should be with/without names. Some "
                             f"param names are missing")
        return [p_name for p_name, _ in params]

    def _check_options(self, options):
        """Validate one group's hyperparameters: number_options, then each optimizer's own
        rules (a subclass extends this).  foreach, fused and capturable choose how PyTorch
        runs a step (one kernel over many tensors, CUDA graphs), not what it computes: they are
        kept as PyTorch keeps them, and a step here is the same loop either way.
        differentiable=True, a step recorded in the graph, would change what a step is."""
        for key, bounds in self.number_options:
            _check_number(self._LABELS.get(key, key), options[key], type(self).__name__,
                          **bounds)
        if options.get("differentiable"):
            raise NotImplementedError(
                f"{type(self).__name__}(differentiable=True), a step recorded in the graph to "
                f"differentiate through the optimizer, is not in the engine")

    # ----- gradients ---------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``p.grad = None`` (default), or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:  # the field, not the property: a parameter is a leaf
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    with no_grad():
                        p.grad.zero_()

    def step(self, closure=None):
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _parameters_to_update(self):
        """(group, parameter, its array, its gradient's array) for every parameter that has a
        gradient: what a step updates, in place.  Its version moves on first, so a graph that
        saved the old value refuses to backward (and an inference tensor, made inside
        inference_mode, refuses the change before it is made, as PyTorch)."""
        for group in self.param_groups:
            options = self._options(group)
            for p in group["params"]:
                grad = p._grad  # the field, not the property: a parameter is a leaf
                if grad is not None:
                    _changed_in_place(p)
                    yield options, p, p._data, grad._data

    def _options(self, group):
        """The group itself; or, when `group['lr'] = …` between steps (a schedule written by
        hand) set a number option to something other than a float or an int, a copy with it
        checked, a one-element tensor read as its number (as PyTorch takes it)."""
        unusual = [key for key, _ in self.number_options
                   if type(group[key]) is not float and type(group[key]) is not int]
        if not unusual:
            return group
        self._check_options(group)
        return {**group, **{key: _plain_number(group[key]) for key in unusual}}

    def _run_closure(self, closure):
        """``step(closure)``: re-evaluate the loss (with recording on) and return it."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ----- saving and loading ------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state in PyTorch's layout.

            {'state': {0: {'momentum_buffer': tensor, …}, 1: {…}, …},
             'param_groups': [{'lr': 0.01, …, 'params': [0, 1]}, …]}

        Parameters are named by their position across all groups (0, 1, 2, …), never stored.
        Unlike PyTorch, which hands out references, the tensors here are copies: a snapshot
        taken mid-training does not change when training goes on.
        """
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
                ids.append(index_of[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state and self.state[p]:
                    state[index_of[id(p)]] = {
                        k: (v.detach().clone() if isinstance(v, Tensor) else copy.deepcopy(v))
                        for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a state from ``state_dict()`` (of this optimizer type, same parameter layout).

        Everything is checked before anything changes. Tensor buffers are copied and cast to
        their parameter's dtype (the step counter keeps its own).
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            got = (f"keys {sorted(state_dict, key=str)}" if isinstance(state_dict, dict)
                   else type(state_dict).__name__)
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with keys 'state' and 'param_groups' "
                f"(as returned by optimizer.state_dict()), got {got}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the loaded state dict has {len(saved_groups)} "
                f"parameter groups, this optimizer has {len(self.param_groups)}")
        param_of = {}
        for g, (mine, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(mine["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {g} of the loaded state dict has "
                    f"{len(saved['params'])} parameters, this optimizer's has "
                    f"{len(mine['params'])}")
            for index, p in zip(saved["params"], mine["params"]):
                param_of[index] = p

        new_state = defaultdict(dict)
        for index, entries in state_dict["state"].items():
            if index not in param_of:
                raise ValueError(
                    f"{name}.load_state_dict: the state names parameter {index!r}, which no "
                    f"parameter group lists ({sorted(param_of)})")
            p = param_of[index]
            new_state[p] = {key: self._loaded_value(p, index, key, value)
                            for key, value in entries.items()}

        new_groups = []
        for mine, saved in zip(self.param_groups, saved_groups):
            group = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            group["params"] = mine["params"]
            for key, default in self.defaults.items():
                group.setdefault(key, default)
            self._check_options(group)
            new_groups.append(group)
        self.state = new_state
        self.param_groups = new_groups

    def _loaded_value(self, p, index, key, value):
        if isinstance(value, np.ndarray):
            value = Tensor._wrap(value)
        if key == "step" and isinstance(value, numbers.Real) and not isinstance(value, bool):
            return Tensor._wrap(np.array(value, dtype=np.float32))  # older files kept a number
        if not isinstance(value, Tensor):
            return copy.deepcopy(value)
        arr = np.array(_array(value))  # a copy the optimizer owns
        if key == "step":
            return Tensor._wrap(arr)
        if arr.shape != tuple(p.shape):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: state[{index!r}][{key!r}] has shape "
                f"{list(arr.shape)}, but its parameter has shape {list(p.shape)}")
        if p.dtype.is_floating_point:
            arr = arr.astype(_array(p).dtype, copy=False)
        return Tensor._wrap(arr)

    def __repr__(self):
        """PyTorch's layout: each group after a blank line, its options sorted by name."""
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group)
                            if key != "params")
        return text + ")"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay (PyTorch's rule).

    For each parameter w with gradient g, one step does:

        g ← −g                                  if maximize
        g ← g + weight_decay · w                if weight_decay ≠ 0   (L2 penalty)
        b ← g (first step), else b ← momentum · b + (1 − dampening) · g
        g ← g + momentum · b  (nesterov),  else g ← b                 if momentum ≠ 0
        w ← w − lr · g

    b is kept in ``state[w]['momentum_buffer']``.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    number_options = (("lr", {}), ("momentum", {}), ("dampening", {"low": float("-inf")}),
                      ("weight_decay", {}))

    def _check_options(self, options):
        super()._check_options(options)
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires a momentum and zero dampening (got "
                f"momentum={options['momentum']}, dampening={options['dampening']})")

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss."""
        loss = self._run_closure(closure)
        for group, p, w, g in self._parameters_to_update():
            lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
            if group["maximize"]:
                g = -g
            if weight_decay != 0:
                g = g + weight_decay * w
            if momentum != 0:
                dampening = group["dampening"]
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = Tensor._wrap(np.array(g, dtype=w.dtype))
                    state["momentum_buffer"] = buf
                else:
                    b = _array(buf)
                    b *= momentum
                    b += (1 - dampening) * g
                g = g + momentum * _array(buf) if group["nesterov"] else _array(buf)
            w -= lr * g
        return loss


class Adam(Optimizer):
    """Adam: a step along the running mean of the gradients, scaled by their running RMS.

    For each parameter w with gradient g, step t = 1, 2, … does (PyTorch's rule):

        g ← −g                                  if maximize
        g ← g + weight_decay · w                if weight_decay ≠ 0   (L2 penalty), or
        w ← w · (1 − lr · weight_decay)         with decoupled_weight_decay (AdamW's rule)
        m ← m + (1 − β₁) · (g − m)              running mean of g (= β₁·m + (1 − β₁)·g)
        v ← β₂ · v + (1 − β₂) · g ⊙ g           running mean of g²
        v̂ ← max(v̂, v) if amsgrad, else v
        w ← w − lr / (1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + eps)

    m, v (and v̂) start at zero; the factors 1 − βᵗ undo that start's pull towards zero.
    ``state[w]`` holds 'step' (a 0-d float32 tensor), 'exp_avg' (m), 'exp_avg_sq' (v) and,
    with amsgrad, 'max_exp_avg_sq' (v̂).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        self._check_options(defaults)
        defaults["betas"] = tuple(float(b) for b in betas)
        super().__init__(params, defaults)

    number_options = (("lr", {}), ("eps", {}), ("weight_decay", {}))

    def _check_options(self, options):
        super()._check_options(options)
        betas = options["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            _check_number(f"beta parameter at index {i} (betas[{i}])", beta, "Adam",
                          high=1.0)

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss."""
        loss = self._run_closure(closure)
        for group, p, w, g in self._parameters_to_update():
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            state = self.state[p]
            if not state:
                state["step"] = Tensor._wrap(np.array(0.0, dtype=np.float32))
                state["exp_avg"] = Tensor._wrap(np.zeros_like(w))
                state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(w))
            if group["amsgrad"] and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(w))
            step_count = _array(state["step"])
            step_count += 1
            t = float(step_count)
            if group["maximize"]:
                g = -g
            if weight_decay != 0 and group["decoupled_weight_decay"]:
                w *= 1 - lr * weight_decay  # AdamW: the weight decays, apart from the moments
            elif weight_decay != 0:
                g = g + weight_decay * w
            m = _array(state["exp_avg"])
            v = _array(state["exp_avg_sq"])
            m += (1 - beta1) * (g - m)
            v *= beta2
            v += (1 - beta2) * (g * g)
            if group["amsgrad"]:
                v_hat = _array(state["max_exp_avg_sq"])
                np.maximum(v_hat, v, out=v_hat)
            else:
                v_hat = v
            bias_correction1 = 1 - beta1 ** t
            bias_correction2_sqrt = (1 - beta2 ** t) ** 0.5
            denom = np.sqrt(v_hat) / bias_correction2_sqrt + eps
            w -= (lr / bias_correction1) * (m / denom)
        return loss


class RMSprop(Optimizer):
    """RMSprop: each step divided by a running RMS of the gradients (PyTorch's rule).

    For each parameter w with gradient g, one step does:

        g ← −g                                  if maximize
        g ← g + weight_decay · w                if weight_decay ≠ 0   (L2 penalty)
        v ← α · v + (1 − α) · g ⊙ g             running mean of g²
        d ← √(v − ḡ ⊙ ḡ) + eps with ḡ ← ḡ + (1 − α)(g − ḡ)   if centered,  else d ← √v + eps
        b ← momentum · b + g / d,  w ← w − lr · b               if momentum > 0
        w ← w − lr · g / d                                      otherwise

    ``state[w]`` holds 'step', 'square_avg' (v), and 'momentum_buffer' (b) / 'grad_avg' (ḡ)
    when used.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    number_options = (("lr", {}), ("eps", {}), ("momentum", {}), ("weight_decay", {}),
                      ("alpha", {}))

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss."""
        loss = self._run_closure(closure)
        for group, p, w, g in self._parameters_to_update():
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            momentum, weight_decay = group["momentum"], group["weight_decay"]
            state = self.state[p]
            if not state:
                state["step"] = Tensor._wrap(np.array(0.0, dtype=np.float32))
                state["square_avg"] = Tensor._wrap(np.zeros_like(w))
                if momentum > 0:
                    state["momentum_buffer"] = Tensor._wrap(np.zeros_like(w))
                if group["centered"]:
                    state["grad_avg"] = Tensor._wrap(np.zeros_like(w))
            _array(state["step"])[...] += 1
            if group["maximize"]:
                g = -g
            if weight_decay != 0:
                g = g + weight_decay * w
            v = _array(state["square_avg"])
            v *= alpha
            v += (1 - alpha) * (g * g)
            if group["centered"]:
                g_avg = _array(state["grad_avg"])
                g_avg += (1 - alpha) * (g - g_avg)
                denom = np.sqrt(v - g_avg * g_avg) + eps
            else:
                denom = np.sqrt(v) + eps
            if momentum > 0:
                b = _array(state["momentum_buffer"])
                b *= momentum
                b += g / denom
                w -= lr * b
            else:
                w -= lr * (g / denom)
        return loss


def __getattr__(name):
    """A name torch.optim has and this engine lacks: NotInEngine (an AttributeError)."""
    raise _missing_attribute(__name__, name, globals())
