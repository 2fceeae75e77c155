"""The graph and the backward pass: the one place where gradients flow.

Data flow (README.md, "Map of the engine"):

    Op.apply(*tensors)      records a Node unless grad mode is off, runs Op.forward on arrays
    backward(loss)          walks the Nodes newest first, calls Op.backward(ctx, G) on arrays,
                            then, here and only here: undoes broadcasting, checks the shape,
                            casts to the input's dtype and accumulates (+=) into the parents.

Gradients of gradients: with create_graph=True the same pass runs each rule on Tensors
instead of arrays, recorded like any other operation (ops.py's words work on both), so the
gradients it returns are in the graph and can be differentiated again.

``Op`` (the engine's primitives, ops.py) works on NumPy arrays; ``Function`` (function.py), the
PyTorch-style extension API on Tensors, adapts to the same Node and the same backward pass.
The Tensor class lives in tensor.py, which imports this module and sets the global ``Tensor``
below, the one tie back (the backward pass hands ``.grad`` Tensors to leaves).
"""

import itertools
from operator import attrgetter

import numpy as np

from . import display_names, dtypes, modes
from .modes import (detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad,
                    set_detect_anomaly, set_grad_enabled)
from .speedups import forward_quietly, quiet_numpy

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
OUTPUT = object()  # in Node._saved_sources: the saved value is the op's own result
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
                 "_saved", "_saved_sources", "_retained", "_hooks", "__dict__")
    # __dict__ stays: an op keeps its own facts on ctx too (ctx.dim = …), as in PyTorch.

    def __init__(self, op, grad_targets, needs_input_grad):
        self.op = op
        self.grad_targets = grad_targets
        self.needs_input_grad = needs_input_grad
        self.sequence_nr = next(_creation_counter)  # creation order: inputs are always older
        self._saved = ()
        self._saved_sources = ()  # per saved value: (its Tensor or OUTPUT, version box, version)
        self._retained = None  # weakref to the output Tensor once it called retain_grad()
        self._hooks = None     # functions registered with register_hook
        # out_shape and out_dtype are set once the op has run

    # ----- what an op calls during forward / backward
    def save_for_backward(self, *values):
        """Keep arrays (Op) or Tensors (Function) for backward."""
        self._saved = values

    @property
    def saved_values(self):
        """The arrays an Op saved (Tensors in a recorded pass; what a Function saved, as
        ``saved_tensors``), refused once freed or changed in place since."""
        if self._saved is _FREED:
            raise self._freed_error()
        for source in self._saved_sources:  # (its Tensor or OUTPUT, version box, version then)
            if source is not None and source[1][0] != source[2]:
                raise self._changed_error(source)
        return self._saved

    saved_tensors = saved_values

    def _backward_recorded(self, grad):
        """The op's backward on Tensors (create_graph=True): each saved array is given as the
        Tensor whose data it is, an input or this node's output, so the rule is recorded."""
        saved = self._saved
        if saved is not _FREED:
            self._saved = tuple(
                value if source is None else
                Tensor._wrap(value, True, self) if source[0] is OUTPUT else source[0]
                for value, source in zip(saved, self._saved_sources))
        try:
            return self.op.backward(self, grad)
        finally:
            self._saved = saved

    def _freed_error(self):
        return RuntimeError(
            f"Trying to backward through the graph a second time (or directly access saved "
            f"tensors after they have already been freed): {self.name()} released its saved "
            f"tensors after the first backward. Specify retain_graph=True if you need to "
            f"backward through the graph a second time or access saved tensors after "
            f"calling backward.")

    def _changed_error(self, source):
        return RuntimeError(
            f"one of the variables needed for gradient computation has been modified by "
            f"an inplace operation: {self.name()} saved a tensor at version {source[2]}, "
            f"it is now at version {source[1][0]}. Compute the in-place change on a copy "
            f"(.clone()) or do it before the tensor is used.")

    # ----- PyTorch's grad_fn surface
    def name(self):
        """The name PyTorch prints for this grad_fn (a display name: the op's own ``name``
        ties it to its spec and derivation)."""
        return self.__dict__.get("display_name") or display_names.grad_fn_name(self)

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
    def node_name(cls, ctx):
        """The grad_fn name PyTorch prints for this op (ctx: the Node, for ops whose name
        depends on how they were called)."""
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
            return Tensor._wrap(forward_quietly(cls.forward, Context(), arrays, params))
        node = Node(cls, tuple(targets), tuple(needs))
        if modes.anomaly_mode.enabled:
            node.created_at = modes.user_call_site()
        out = forward_quietly(cls.forward, node, arrays, params)
        result = Tensor._wrap(out, True, node)
        node.out_shape = out.shape
        node.out_dtype = out.dtype
        if node._saved:
            _sources_of_saved(node, inputs, out, result)
        return result


def display_as(tensor, name):
    """Give the Node that made `tensor` the grad_fn name PyTorch prints for the call that made
    it (t() and transpose are one permute here; PyTorch names them TBackward0 and
    TransposeBackward0).  Returns the tensor."""
    if tensor.grad_fn is not None:
        tensor.grad_fn.display_name = name
    return tensor


class Context:
    """The ctx an op sees when nothing is recorded: saving keeps nothing, and the facts an op
    notes on it (ctx.dim = …) live as long as this one call."""

    needs_input_grad = ()

    def save_for_backward(self, *values):
        pass


def _sources_of_saved(node, inputs, out, result):
    """Note whose storage each saved array is: the op's result `out` (OUTPUT; the Tensor
    `result` wraps it) or an input Tensor's, with that storage's version then, so backward can
    refuse one changed in place since (and, recorded, use the Tensor itself); None for a
    constant."""
    sources = []
    for value in node._saved:
        if value is None:  # (an op saves None for a value no wanted gradient uses)
            sources.append(None)
            continue
        if value is out:  # (out itself: a 0-d result may be a NumPy scalar that result copied)
            sources.append((OUTPUT, result._version, 0))
            continue
        for x in inputs:
            if isinstance(x, Tensor) and x._data is value:
                sources.append((x, x._version, x._version[0]))
                break
        else:
            sources.append(None)
    node._saved_sources = sources


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
    found.sort(key=attrgetter("sequence_nr"), reverse=True)
    return found


def _unbroadcast(grad, shape, node, index):
    """Sum grad down to `shape`, undoing the broadcasting the forward pass did.

    A gradient may come back in the broadcast shape of the op's result; every axis the input
    was stretched along (missing leading axes, size-1 axes) is summed.  Anything else is a bug
    in the op's backward and is reported naming the op and both shapes.
    """
    lead = grad.ndim - len(shape)
    if lead > 0 and tuple(grad.shape[lead:]) == shape:  # only leading axes (a bias on each row)
        return _sum_over(grad, tuple(range(lead)))
    ok = lead >= 0 and all(s == 1 or s == g for s, g in zip(shape, grad.shape[lead:]))
    if not ok:
        raise RuntimeError(
            f"{node.name()} returned a gradient of shape {tuple(grad.shape)} for input {index}, "
            f"which has shape {tuple(shape)}: the gradient must have the input's shape (or a "
            f"shape the input broadcasts to)")
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and grad.shape[lead + i] != 1)
    return _sum_over(grad, axes).reshape(shape)


def _sum_over(grad, axes):
    """Σ over `axes`: on an array, or recorded on a Tensor (create_graph=True)."""
    if isinstance(grad, Tensor):
        return grad.sum(axes) if axes else grad
    return np.add.reduce(grad, axis=axes)


def _cast(grad, dtype):
    """grad in `dtype` (a NumPy dtype): an array's astype, or a Tensor's recorded cast."""
    if isinstance(grad, Tensor):
        return grad.to(dtypes.from_numpy_dtype(dtype))
    return grad.astype(dtype)


def _accumulate_into_leaf(leaf, grad):
    """leaf.grad += grad.  An array is stored the first time as a copy the leaf owns, then added
    in place.  A Tensor (create_graph=True) is kept as it is and added out of place, so the new
    .grad is in the graph too.  (grad already has the leaf's shape and dtype.)"""
    if isinstance(grad, Tensor):
        leaf._grad = grad if leaf._grad is None else leaf._grad + grad
    elif leaf._grad is None:
        leaf._grad = Tensor._wrap(grad.copy())
    else:
        leaf._grad._data += grad


def _run_backward(roots, retain_graph, capture=None, create_graph=False):
    """The backward pass.

    roots: list of (Tensor, gradient).  capture: None to accumulate into leaves' ``.grad``
    (Tensor.backward), or a dict {Node or leaf Tensor: None} whose values are filled with the
    gradients instead, touching no ``.grad`` (autograd.grad).  Gradients are arrays; with
    create_graph they are Tensors, each rule's operations are recorded and the result can be
    differentiated again.
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
    with quiet_numpy(), modes.set_grad_enabled(bool(create_graph)):
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
            if create_graph:
                input_grads = node._backward_recorded(grad_out)
            else:
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
            for index, target in enumerate(targets):
                g = input_grads[index]
                if target is None or g is None:
                    continue
                if isinstance(target, Node):
                    shape, dtype = target.out_shape, target.out_dtype
                else:
                    shape, dtype = target._data.shape, target._data.dtype
                if g.shape != shape:
                    g = _unbroadcast(g, shape, node, index)
                if (g._data if create_graph else g).dtype is not dtype:  # (NumPy's are unique)
                    g = _cast(g, dtype)
                if anomaly:
                    modes.check_gradient(node, index, g._data if create_graph else g)
                previous = grads.get(target)
                grads[target] = g if previous is None else previous + g
            if not retain_graph and node._saved:  # release what the node saved
                node._saved = _FREED
                node._saved_sources = ()
            # Let go of this step's arrays now: only `grads` should keep a gradient alive (a
            # returned tuple may hold G itself, as linear's bias gradient, until it is summed).
            grad_out = input_grads = g = previous = None
        for leaf, g in grads.items():  # only the leaves' totals are left
            if capture is None:
                _accumulate_into_leaf(leaf, g)
            elif leaf in capture:
                capture[leaf] = g if capture[leaf] is None else capture[leaf] + g


def _initial_gradient(tensor, gradient, create_graph, what="backward"):
    """The gradient the pass starts from: ones for a one-element output, else required.  With
    create_graph a given gradient Tensor is used as it is, so results can be differentiated
    with respect to it too."""
    if gradient is None:
        if tensor.numel() != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs: {what} was called on "
                f"a tensor of shape {tuple(tensor.shape)}; pass gradient= of that shape "
                f"(e.g. loss.sum().backward() or y.backward(torch.ones_like(y)))")
        ones = np.ones_like(tensor._data)  # ∂L/∂L = 1
        return Tensor._wrap(ones) if create_graph else ones
    g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if g.shape != tuple(tensor.shape):
        raise RuntimeError(
            f"Mismatch in shape: gradient has a shape of {tuple(g.shape)} and the output has a "
            f"shape of {tuple(tensor.shape)}")
    if not create_graph:
        return g.astype(tensor._data.dtype, copy=False)
    if not isinstance(gradient, Tensor):
        gradient = Tensor._wrap(g)
    return _cast(gradient, tensor._data.dtype) if g.dtype != tensor._data.dtype else gradient


def backward(tensor, gradient=None, retain_graph=None, create_graph=False):
    """Accumulate d(tensor)/d(leaf) into every leaf's ``.grad`` (``Tensor.backward``).  With
    create_graph=True the pass is recorded: each ``.grad`` can be differentiated again."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn: "
            "backward() needs a tensor computed from leaves created with requires_grad=True "
            "(and not inside torch.no_grad())")
    g = _initial_gradient(tensor, gradient, create_graph)
    retain = create_graph if retain_graph is None else retain_graph  # PyTorch's default
    _run_backward([(tensor, g)], bool(retain), create_graph=create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of outputs with respect to inputs, returned as a tuple; no ``.grad`` changes.
    With create_graph=True the gradients are in the graph and can be differentiated again."""
    single_output = isinstance(outputs, Tensor)
    outputs = [outputs] if single_output else list(outputs)
    inputs_list = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad_outputs has {len(grad_outputs)} entries but there are {len(outputs)} outputs")
    for t in inputs_list:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots = []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn")
        roots.append((out, _initial_gradient(out, g, create_graph, "grad")))
    keys = [t.grad_fn if t.grad_fn is not None else t for t in inputs_list]
    capture = {k: None for k in keys}
    retain = create_graph if retain_graph is None else retain_graph
    _run_backward(roots, bool(retain), capture, create_graph)
    result = []
    for t, k in zip(inputs_list, keys):
        g = capture[k]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
            result.append(None)
        elif create_graph:
            result.append(g)
        else:
            result.append(Tensor._wrap(np.array(g, dtype=t._data.dtype, copy=True)))
    return tuple(result)


from .function import Function, FunctionCtx  # noqa: E402  (it builds on Node, above)
