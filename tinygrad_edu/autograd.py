"""The graph and the backward pass: the one place where gradients flow.

Data flow (see DESIGN.md):

    Op.apply(*tensors)      records a Node unless grad mode is off, runs Op.forward on arrays
    backward(loss)          walks the Nodes newest first, calls Op.backward(ctx, G) on arrays,
                            then, here and only here: undoes broadcasting, checks the shape,
                            casts to the input's dtype and accumulates (+=) into the parents.

Two faces of one mechanism:

* ``Op`` (the engine's primitives in ops.py) works on NumPy arrays.
* ``Function`` (the public, PyTorch-style extension API) works on Tensors; it is a thin
  adapter that wraps and unwraps around the same Node record and the same backward pass.

The Tensor class lives in tensor.py, which imports this module.  The one tie back, so the
backward pass can hand ``.grad`` Tensors to leaves and Function can wrap arrays, is the global
``Tensor`` below, which tensor.py sets once.
"""

import itertools

import numpy as np

from . import modes
from .modes import (detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad,
                    set_detect_anomaly, set_grad_enabled)
from .speedups import quiet_numpy

__all__ = [
    "Op", "Node", "Function", "FunctionCtx", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "backward", "grad", "detect_anomaly", "set_detect_anomaly",
    "is_anomaly_enabled",
]

Tensor = None  # the Tensor class, bound by tensor.py (which imports this module)


# --------------------------------------------------------------------------------------------
# The node record.  One Node per recorded op output; it is also the ``ctx`` an op sees.
# --------------------------------------------------------------------------------------------

_FREED = object()  # marks saved values released by a backward pass without retain_graph
_creation_counter = itertools.count()  # Node.sequence_nr, as PyTorch numbers its nodes


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf: the place its gradient is accumulated."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


class Node:
    """One recorded op application: the ``grad_fn`` of its output and the ``ctx`` of its op.

    grad_targets[i] is where the gradient of input i goes: the input's own Node (an intermediate),
    the input Tensor itself (a leaf that requires grad), or None (no gradient wanted).  The
    shape and dtype the gradient must have are that Node's out_shape / out_dtype or the leaf's
    own, so no input's data is kept alive for them.
    """

    __slots__ = ("op", "grad_targets", "needs_input_grad", "out_shape", "out_dtype", "sequence_nr",
                 "_saved", "_saved_versions", "_retained", "_hooks", "__dict__")
    # __dict__ stays: an op keeps its own facts on ctx too (ctx.dim = …), as in PyTorch.

    def __init__(self, op, grad_targets, needs_input_grad):
        self.op = op
        self.grad_targets = grad_targets
        self.needs_input_grad = needs_input_grad
        self.sequence_nr = next(_creation_counter)  # creation order: inputs are always older
        self._saved = ()
        self._saved_versions = ()  # (version box, version at save time) for saved tensors
        self._retained = None  # weakref to the output Tensor once it called retain_grad()
        self._hooks = None     # functions registered with register_hook
        # out_shape and out_dtype are set once the op has run

    # ----- what an op calls during forward / backward
    def save_for_backward(self, *values):
        """Keep arrays (Op) or Tensors (Function) for backward."""
        self._saved = values

    @property
    def saved_arrays(self):
        """The arrays an Op saved, checked against freeing and in-place changes."""
        self._check_saved()
        return self._saved

    @property
    def saved_tensors(self):
        """The Tensors a Function saved, checked against freeing and in-place changes."""
        self._check_saved()
        return self._saved

    def _check_saved(self):
        if self._saved is _FREED:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (or directly access saved "
                f"tensors after they have already been freed): {self.name()} released its saved "
                f"tensors after the first backward. Specify retain_graph=True if you need to "
                f"backward through the graph a second time or access saved tensors after "
                f"calling backward.")
        for box, version in self._saved_versions:
            if box[0] != version:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: {self.name()} saved a tensor at version {version}, "
                    f"it is now at version {box[0]}. Compute the in-place change on a copy "
                    f"(.clone()) or do it before the tensor is used.")

    # ----- PyTorch's grad_fn surface
    def name(self):
        return self.op.node_name()

    @property
    def next_functions(self):
        out = []
        for target in self.grad_targets:
            if target is None:
                out.append((None, 0))
            elif isinstance(target, Node):
                out.append((target, 0))
            else:
                out.append((AccumulateGrad(target), 0))
        return tuple(out)

    def register_hook(self, fn):
        """fn(grad_inputs, grad_output) is called after this node's backward step."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


# --------------------------------------------------------------------------------------------
# Op: the engine's primitives on arrays.
# --------------------------------------------------------------------------------------------

class Op:
    """Base of the engine's primitive ops (ops.py).  Subclasses define, on NumPy arrays:

        forward(ctx, *arrays, **params) -> array
        backward(ctx, G) -> one gradient per array input (or None), in the broadcast shape

    ``apply`` takes Tensors (or arrays for constants), records the Node, wraps the result.
    """

    name = None          # canonical primitive name, e.g. "mul"
    differentiable = True

    @classmethod
    def node_name(cls):
        return cls.__name__ + "Backward0"

    @staticmethod
    def forward(ctx, *arrays, **params):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """Run forward on the inputs' arrays; record a Node if any input needs a gradient."""
        grad_mode = modes.grad_mode.enabled and cls.differentiable
        arrays = []
        needs = []
        targets = []  # where each input's gradient goes (see Node)
        recording = False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x._data)
                if grad_mode:
                    if x._view_base is not None:
                        x._check_view_current()  # a stale view would give a wrong gradient
                    if x._requires_grad:
                        recording = True
                        needs.append(True)
                        targets.append(x.grad_fn or x)  # its node, or the leaf itself
                        continue
            else:
                arrays.append(x)
            needs.append(False)
            targets.append(None)
        if not recording:  # a context of its own all the same: ops keep per-call facts on it
            with quiet_numpy():
                out = cls.forward(Context(), *arrays, **params)
            return Tensor._wrap(out)
        node = Node(cls, tuple(targets), tuple(needs))
        if modes.anomaly_mode.enabled:
            node.created_at = modes.user_call_site()
        with quiet_numpy():
            out = cls.forward(node, *arrays, **params)
        result = Tensor._wrap(out, True, node)
        node.out_shape = out.shape
        node.out_dtype = out.dtype
        if node._saved:
            node._saved_versions = _versions_of_saved(node._saved, inputs, result)
        return result


class Context:
    """The ctx an op sees when nothing is recorded: saving keeps nothing, and the facts an op
    notes on it (ctx.dim = …) live as long as this one call."""

    needs_input_grad = ()

    def save_for_backward(self, *values):
        pass


def _attach(node, inputs, needs, result):
    """Fill in where each input's gradient goes, and the shapes the backward pass checks
    (for Function.apply, whose inputs are known only after its forward ran)."""
    node.grad_targets = tuple((x.grad_fn if x.grad_fn is not None else x) if need else None
                        for x, need in zip(inputs, needs))
    node.out_shape = result._data.shape
    node.out_dtype = result._data.dtype


def _versions_of_saved(saved, inputs, result):
    """Version stamps of the saved arrays that are some Tensor's storage (input or output)."""
    stamps = []
    for value in saved:
        if value is None:
            continue
        if value is result._data:
            stamps.append((result._version, 0))
            continue
        for x in inputs:
            if isinstance(x, Tensor) and x._data is value:
                stamps.append((x._version, x._version[0]))
                break
    return stamps


# --------------------------------------------------------------------------------------------
# The backward pass.
# --------------------------------------------------------------------------------------------

def _topological_order(*roots):
    """The nodes reachable from the roots, newest first.

    A node is created after the nodes it feeds on (its inputs exist before the op runs), so
    the reverse of creation order puts every node before all of its inputs: each node's
    gradient is complete when its turn comes.  One walk finds the nodes, one sort orders them.
    """
    found = list(dict.fromkeys(roots))  # each root once
    seen = set(found)
    for node in found:  # the list grows while it is walked: every reachable node is visited
        for target in node.grad_targets:
            if isinstance(target, Node) and target not in seen:
                seen.add(target)
                found.append(target)
    found.sort(key=lambda node: node.sequence_nr, reverse=True)
    return found


def _unbroadcast(grad, shape, node, index):
    """Sum grad down to `shape`, undoing the broadcasting the forward pass did.

    A gradient may come back in the broadcast shape of the op's result; every axis the input
    was stretched along (missing leading axes, size-1 axes) is summed.  Anything else is a bug
    in the op's backward and is reported naming the op and both shapes.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if lead > 0 and grad.shape[lead:] == shape:  # only leading axes (a bias added to each row)
        return np.add.reduce(grad, axis=tuple(range(lead)))
    ok = lead >= 0 and all(s == 1 or s == g for s, g in zip(shape, grad.shape[lead:]))
    if not ok:
        raise RuntimeError(
            f"{node.name()} returned a gradient of shape {tuple(grad.shape)} for input {index}, "
            f"which has shape {tuple(shape)}: the gradient must have the input's shape (or a "
            f"shape the input broadcasts to)")
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and grad.shape[lead + i] != 1)
    return np.add.reduce(grad, axis=axes).reshape(shape)


def _accumulate_into_leaf(leaf, grad):
    """leaf.grad += grad; the first gradient is stored as a copy the leaf owns.  (grad already
    has the leaf's shape and dtype, so the checks of the .grad setter are skipped.)"""
    if leaf._grad is None:
        leaf._grad = Tensor._wrap(grad.copy())
    else:
        leaf._grad._data += grad


def _run_backward(roots, retain_graph, capture=None):
    """The backward pass.

    roots: list of (Tensor, gradient array).  capture: None to accumulate into leaves'
    ``.grad`` (Tensor.backward), or a dict {Node or leaf Tensor: None} whose values are filled
    with the gradients instead, touching no ``.grad`` (autograd.grad).
    """
    # Node or leaf Tensor -> the gradient w.r.t. its output, summed over every consumer.
    # A Node's entry is complete when its turn comes (topological order); the leaves' entries
    # are complete at the end, and each leaf's .grad is updated once.
    grads = {}
    for tensor, g in roots:
        key = tensor if tensor.grad_fn is None else tensor.grad_fn
        grads[key] = g if key not in grads else grads[key] + g
    order = _topological_order(*[t.grad_fn for t, _ in roots if t.grad_fn is not None])
    anomaly = modes.anomaly_mode.enabled
    with quiet_numpy():
        for node in order:
            grad_out = grads.pop(node, None)
            if grad_out is None:  # no gradient reached this node (e.g. only via a no-grad path)
                continue
            if node._retained is not None:
                kept = node._retained()
                if kept is not None and capture is None:
                    _accumulate_into_leaf(kept, grad_out)
            if capture is not None and node in capture:
                capture[node] = grad_out if capture[node] is None else capture[node] + grad_out
            input_grads = node.op.backward(node, grad_out)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            targets = node.grad_targets
            if len(input_grads) != len(targets):
                raise RuntimeError(
                    f"{node.name()}: backward returned {len(input_grads)} gradients but the op "
                    f"has {len(targets)} inputs")
            if node._hooks:
                for hook in node._hooks:
                    hook(input_grads, grad_out)
            for index, (target, g) in enumerate(zip(targets, input_grads)):
                if target is None or g is None:
                    continue
                if isinstance(target, Node):
                    shape, dtype = target.out_shape, target.out_dtype
                else:
                    shape, dtype = target._data.shape, target._data.dtype
                if g.shape != shape:
                    g = _unbroadcast(g, shape, node, index)
                if g.dtype != dtype:
                    g = g.astype(dtype)
                if anomaly:
                    modes.check_gradient(node, index, g)
                previous = grads.get(target)
                grads[target] = g if previous is None else previous + g
            if not retain_graph:  # release what the node saved
                node._saved = _FREED
            # Let go of this step's arrays now: only `grads` should keep a gradient alive (a
            # returned tuple may hold G itself, as linear's bias gradient, until it is summed).
            grad_out = input_grads = g = previous = None
        for leaf, g in grads.items():  # only the leaves' totals are left
            if capture is None:
                _accumulate_into_leaf(leaf, g)
            elif leaf in capture:
                capture[leaf] = g if capture[leaf] is None else capture[leaf] + g


def _initial_gradient(tensor, gradient, what="backward"):
    """The gradient the pass starts from: ones for a one-element output, else required."""
    if gradient is None:
        if tensor.numel() != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs: {what} was called on "
                f"a tensor of shape {tuple(tensor.shape)}; pass gradient= of that shape "
                f"(e.g. loss.sum().backward() or y.backward(torch.ones_like(y)))")
        return np.ones_like(tensor._data)  # ∂L/∂L = 1
    g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if g.shape != tuple(tensor.shape):
        raise RuntimeError(
            f"Mismatch in shape: gradient has a shape of {tuple(g.shape)} and the output has a "
            f"shape of {tuple(tensor.shape)}")
    return g.astype(tensor._data.dtype, copy=False)


def backward(tensor, gradient=None, retain_graph=None, create_graph=False):
    """Accumulate d(tensor)/d(leaf) into every leaf's ``.grad`` (``Tensor.backward``)."""
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not supported")
    if not tensor.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn: "
            "backward() needs a tensor computed from leaves created with requires_grad=True "
            "(and not inside torch.no_grad())")
    g = _initial_gradient(tensor, gradient)
    _run_backward([(tensor, g)], bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of outputs with respect to inputs, returned as a tuple; no ``.grad`` changes."""
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not supported")
    single_output = isinstance(outputs, Tensor)
    outputs = [outputs] if single_output else list(outputs)
    inputs_list = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    for t in inputs_list:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots = []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn")
        roots.append((out, _initial_gradient(out, g, "grad")))
    keys = [t.grad_fn if t.grad_fn is not None else t for t in inputs_list]
    capture = {k: None for k in keys}
    _run_backward(roots, bool(retain_graph), capture)
    result = []
    for t, k in zip(inputs_list, keys):
        g = capture[k]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
            result.append(None)
        else:
            result.append(Tensor._wrap(np.array(g, dtype=t._data.dtype, copy=True)))
    return tuple(result)


# --------------------------------------------------------------------------------------------
# Function: the public, PyTorch-style extension API (Tensors in, Tensors out).
# --------------------------------------------------------------------------------------------

class FunctionCtx(Node):
    """The ``ctx`` a custom Function sees (it is the Node of its application)."""

    def mark_dirty(self, *tensors):
        """Inputs forward changed in place: their version moves on, so a backward that saved
        them before the change raises instead of using the new values."""
        for t in tensors:
            t._version[0] += 1

    def mark_non_differentiable(self, *tensors):
        """Outputs with no gradient (an index, a mask): apply returns them outside the graph."""
        self.non_differentiable = tensors

    def set_materialize_grads(self, value):
        """PyTorch passes zeros (True) or None (False) for the gradients of unused outputs.  A
        Function here has one output, whose gradient always exists: nothing to materialize."""
        self.materialize_grads = bool(value)


class _FunctionOp:
    """Adapts a Function subclass to the backward pass: arrays out of Tensors and back."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def node_name(self):
        return self.fn.__name__ + "Backward"

    def backward(self, ctx, grad):
        fn = self.fn
        with no_grad():
            result = fn.backward(ctx, Tensor._wrap(grad))
        if not isinstance(result, tuple):
            result = (result,)
        n_inputs = len(ctx.grad_targets)
        if len(result) != n_inputs:
            raise RuntimeError(
                f"function {fn.__name__}.backward returned an incorrect number of gradients "
                f"(expected {n_inputs}, got {len(result)}): return one gradient (or None) per "
                f"argument of forward")
        arrays = []
        for i, g in enumerate(result):
            if g is None:
                arrays.append(None)
            elif isinstance(g, Tensor):
                arrays.append(g._data)
            else:
                raise TypeError(
                    f"function {fn.__name__}.backward returned a {type(g).__name__} as gradient "
                    f"{i}; expected a Tensor or None")
        return tuple(arrays)


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``,
    both on Tensors, and call ``YourFunction.apply(*args)``.

    forward runs without recording; ``ctx.save_for_backward(*tensors)`` keeps what backward
    needs (``ctx.saved_tensors``); ``ctx.needs_input_grad[i]`` says whether input i wants a
    gradient.  backward returns one gradient per forward argument (None where there is none).
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define a static backward(ctx, ...)")

    @classmethod
    def apply(cls, *args, **kwargs):
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = modes.grad_mode.enabled and any(needs)
        ctx = FunctionCtx(_FunctionOp(cls), None, needs)
        with no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{cls.__name__}.forward must return a Tensor, got {type(out).__name__}")
        if not record or any(out is t for t in ctx.__dict__.get("non_differentiable", ())):
            return out
        if any(out is a for a in args):  # forward returned an input: give the output its own face
            out = out._alias()
        out.requires_grad = True
        out.grad_fn = ctx
        out._grad = None
        _attach(ctx, args, needs, out)
        if modes.anomaly_mode.enabled:
            ctx.created_at = modes.user_call_site()
        ctx._saved_versions = tuple(
            (t._version, t._version[0]) for t in ctx._saved if isinstance(t, Tensor))
        return out

