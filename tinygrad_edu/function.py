"""Function: the public, PyTorch-style extension API, beside the reading path.

Subclass it with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` on
Tensors.  It is a thin adapter over the engine's own mechanism (autograd.py): its ``ctx`` is
the Node of its application, and the one backward pass calls its backward through
``_FunctionOp``, which unwraps and wraps arrays around it (or, when the backward pass is
recorded with create_graph=True, runs it recorded, on Tensors, as PyTorch does).
"""

from . import modes
from .modes import no_grad
from .autograd import Node

Tensor = None  # the Tensor class, bound by tensor.py

def _attach(node, inputs, needs, result):
    """Fill in where each input's gradient goes, and the shapes the backward pass checks
    (for Function.apply, whose inputs are known only after its forward ran)."""
    node.grad_targets = tuple((x.grad_fn if x.grad_fn is not None else x) if need else None
                              for x, need in zip(inputs, needs))
    node.out_shape = result._data.shape
    node.out_dtype = result._data.dtype


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

    def node_name(self, ctx):
        return self.fn.__name__ + "Backward"

    def backward(self, ctx, grad):
        """Run the Function's backward on Tensors: without recording, and arrays back out; or,
        while the backward pass is recorded (create_graph=True), recorded, Tensors back out."""
        fn = self.fn
        if modes.grad_mode.enabled:
            result = fn.backward(ctx, grad)  # grad mode is on: its operations are recorded
        else:
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
        for i, g in enumerate(result):
            if g is not None and not isinstance(g, Tensor):
                raise TypeError(
                    f"function {fn.__name__}.backward returned a {type(g).__name__} as gradient "
                    f"{i}; expected a Tensor or None")
        if modes.grad_mode.enabled:
            return result
        return tuple(None if g is None else g._data for g in result)


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

    def __call__(self, *args, **kwargs):  # Fn()(x): the old style, which PyTorch refuses too
        name = type(self).__name__
        raise RuntimeError(f"{name}()(...): a Function is not made and called; its static "
                           f"forward runs through the class: y = {name}.apply(x)")

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
        ctx._saved_sources = tuple(
            (t, t._version, t._version[0]) if isinstance(t, Tensor) else None for t in ctx._saved)
        return out

