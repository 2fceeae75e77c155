"""torch.autograd.functional: derivatives of a whole function, built from ``autograd.grad``.

Import it as PyTorch's (``tinygrad_edu.autograd.functional``, or ``from
tinygrad_edu.autograd.functional import hessian``).  Every function here takes ``func`` (Tensors
in, a Tensor or a tuple of Tensors out) and ``inputs`` (a Tensor or a tuple of Tensors), and
returns results shaped as PyTorch returns them: a Tensor where ``inputs`` (and the output) are
single Tensors, tuples where they are tuples.

With J = ∂func/∂inputs and, for a scalar func, H = ∂²func/∂inputs²:

    vjp(func, x, v)   = (func(x), vᵀ J)       one backward pass
    jvp(func, x, v)   = (func(x), J v)        two backward passes (the double-vjp trick: vᵀJ
                                              is linear in v, so differentiating uᵀJ with
                                              respect to a dummy u, along v, gives J v)
    jacobian(func, x) = J                     one backward pass per output entry
    hessian(func, x)  = H                     the jacobian of the gradient
    vhp(func, x, v)   = (func(x), vᵀ H)       backward of the recorded gradient
    hvp(func, x, v)   = (func(x), H v)        the double-vjp trick on the recorded gradient

create_graph=False (the default) returns results outside the graph; True keeps them in it, so
they can be differentiated again.  strict=True refuses an output that does not depend on an
input (PyTorch's check); otherwise such a derivative is zeros.  ``vectorize`` is accepted and
computed with the same loops (there is no vmap here).
"""

import sys

import numpy as np

from . import autograd, more_ops
from .modes import enable_grad
from .scope import missing_attribute
from .tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]

# --------------------------------------------------------------------------------------------
# Inputs and outputs: one Tensor or a tuple, kept as the user gave them
# --------------------------------------------------------------------------------------------

def _as_tuple(value, what, fn_name):
    """(is_tuple, tuple of Tensors), with PyTorch's error for anything else."""
    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for v in values:
        if not isinstance(v, Tensor):
            kind = "a tuple of Tensors" if is_tuple else "a Tensor"
            raise TypeError(
                f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                f"but the value at index {values.index(v) if is_tuple else 0} has type "
                f"{type(v).__name__} (expected {kind})")
    return is_tuple, values


def _fresh_inputs(inputs, create_graph):
    """Inputs that require grad and belong to this computation: detached copies' faces (views
    of the same data), or, with create_graph, the inputs themselves when they already
    require grad, so the result stays connected to them."""
    out = []
    for x in inputs:
        if create_graph and x.requires_grad:
            out.append(x.view_as(x))
        else:
            out.append(x.detach().requires_grad_(True))
    return tuple(out)


def _call(func, inputs, fn_name):
    with enable_grad():
        outputs = func(*inputs)
    is_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", fn_name)
    return is_tuple, outputs


def _grad(outputs, inputs, grad_outputs, create_graph, strict, fn_name, what="output"):
    """autograd.grad over the outputs that are in the graph; zeros (or a strict error) for an
    input no output depends on."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if pairs:
        found = autograd.grad([o for o, _ in pairs], inputs, [g for _, g in pairs],
                              create_graph=create_graph, retain_graph=True, allow_unused=True)
    else:
        found = (None,) * len(inputs)
    result = []
    for i, (x, g) in enumerate(zip(inputs, found)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"The {what} of the user-provided function is independent of input {i}. "
                    f"This is not allowed in strict mode.")
            g = Tensor._wrap(np.zeros(tuple(x.shape), x._data.dtype))
        result.append(g)
    return tuple(result)


def _finish(values, create_graph):
    """Results outside the graph unless create_graph."""
    return tuple(v if create_graph else v.detach() for v in values)


def _shaped(is_tuple, values):
    return tuple(values) if is_tuple else values[0]


def _check_v(v, like, fn_name, what="inputs"):
    is_tuple, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(like):
        raise RuntimeError(
            f"{fn_name}: v has {len(vs)} Tensors, but there are {len(like)} {what}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(
                f"{fn_name}: entry {i} of v has shape {tuple(a.shape)}, but the matching "
                f"{what[:-1]} has shape {tuple(b.shape)}: v must have the {what}' shapes")
    return vs


def _default_v(outputs, fn_name):
    """v may be left out only for a one-element output: v = 1."""
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(
            f"{fn_name}: the user-provided function returns more than a single element "
            f"(shape {tuple(outputs[0].shape)}); pass v of that shape")
    return (Tensor._wrap(np.ones(tuple(outputs[0].shape), outputs[0]._data.dtype)),)


# --------------------------------------------------------------------------------------------
# The six functions
# --------------------------------------------------------------------------------------------

def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ J): the vector-Jacobian product, one backward pass."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    inputs = _fresh_inputs(inputs, create_graph)
    out_tuple, outputs = _call(func, inputs, "vjp")
    vs = _default_v(outputs, "vjp") if v is None else _check_v(v, outputs, "vjp", "outputs")
    grads = _grad(outputs, inputs, vs, create_graph, strict, "vjp")
    return (_shaped(out_tuple, _finish(outputs, create_graph)),
            _shaped(in_tuple, _finish(grads, create_graph)))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): uᵀJ for a dummy u that requires grad, differentiated along v."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    inputs = _fresh_inputs(inputs, create_graph)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("jvp: the input has more than a single element; pass v of the "
                               "inputs' shapes")
        vs = (Tensor._wrap(np.ones(tuple(inputs[0].shape), inputs[0]._data.dtype)),)
    else:
        vs = _check_v(v, inputs, "jvp")
    out_tuple, outputs = _call(func, inputs, "jvp")
    with enable_grad():
        dummies = tuple(Tensor._wrap(np.zeros(tuple(o.shape), o._data.dtype), True)
                        for o in outputs)
        u_j = _grad(outputs, inputs, dummies, True, strict, "jvp")
        # uᵀJ is linear in u: its derivative along v, with respect to u, is J v
        j_v = _grad(u_j, dummies, vs, create_graph, strict, "jvp", "backward")
    return (_shaped(out_tuple, _finish(outputs, create_graph)),
            _shaped(out_tuple, _finish(j_v, create_graph)))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """∂output/∂input for each pair, shaped output.shape + input.shape (one backward pass per
    output entry, each with v = a one-hot of that entry)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got "
                         f"{strategy!r}")
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = _fresh_inputs(inputs, create_graph)
    out_tuple, outputs = _call(func, inputs, "jacobian")
    blocks = []  # blocks[i][j] = ∂output_i/∂input_j
    for i, out in enumerate(outputs):
        rows = [[] for _ in inputs]  # rows[j][k] = ∂(entry k of output i)/∂input_j
        for k in range(out.numel()):
            one_hot = np.zeros(out.numel(), out._data.dtype)
            one_hot[k] = 1
            v = Tensor._wrap(one_hot.reshape(tuple(out.shape)))
            for j, g in enumerate(_grad((out,), inputs, (v,), create_graph, strict, "jacobian",
                                        f"output {i}")):
                rows[j].append(g)
        blocks.append(tuple(_stack_rows(rows[j], tuple(out.shape), x, create_graph)
                            for j, x in enumerate(inputs)))
    if out_tuple:
        return tuple(b if in_tuple else b[0] for b in blocks)
    return blocks[0] if in_tuple else blocks[0][0]


def _stack_rows(rows, out_shape, x, create_graph):
    """The rows ∂out_k/∂x (k over output entries), stacked into out_shape + x.shape."""
    shape = out_shape + tuple(x.shape)
    if not rows:  # an output with no entries
        return Tensor._wrap(np.zeros(shape, x._data.dtype))
    if create_graph:  # stacked in the graph, so the Jacobian can be differentiated again
        return more_ops.Stack.apply(*rows, dim=0).reshape(shape)
    return Tensor._wrap(np.stack([r._data for r in rows]).reshape(shape))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """∂²func/∂input_i∂input_j for a func with a single-element output: the jacobian of the
    gradient, shaped input_i.shape + input_j.shape."""
    in_tuple, tensors = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out_tuple, outputs = _call(func, xs, "hessian")
        if out_tuple or outputs[0].numel() != 1:
            raise RuntimeError(
                f"The function given to hessian should return a single Tensor with a single "
                f"element, got {'a tuple' if out_tuple else tuple(outputs[0].shape)}")
        ones = (Tensor._wrap(np.ones(tuple(outputs[0].shape), outputs[0]._data.dtype)),)
        return _grad(outputs, xs, ones, True, strict, "hessian")

    return jacobian(gradient, tensors if in_tuple else tensors[0],
                    create_graph=create_graph, strict=strict,
                    strategy=outer_jacobian_strategy) if in_tuple else \
        jacobian(lambda x: gradient(x)[0], tensors[0], create_graph=create_graph,
                 strict=strict, strategy=outer_jacobian_strategy)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ H): the recorded gradient, differentiated once more along v."""
    return _second_order(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v): the double-vjp trick applied to the recorded gradient (equal to
    vhp for the symmetric Hessian of a twice continuously differentiable func)."""
    return _second_order(func, inputs, v, create_graph, strict, "hvp")


def _second_order(func, inputs, v, create_graph, strict, fn_name):
    in_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _fresh_inputs(inputs, create_graph)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(f"{fn_name}: the input has more than a single element; pass v "
                               f"of the inputs' shapes")
        vs = (Tensor._wrap(np.ones(tuple(inputs[0].shape), inputs[0]._data.dtype)),)
    else:
        vs = _check_v(v, inputs, fn_name)
    out_tuple, outputs = _call(func, inputs, fn_name)
    if out_tuple or outputs[0].numel() != 1:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor "
                           f"with a single element")
    with enable_grad():
        ones = (Tensor._wrap(np.ones(tuple(outputs[0].shape), outputs[0]._data.dtype)),)
        gradient = _grad(outputs, inputs, ones, True, strict, fn_name)
        if fn_name == "vhp":  # vᵀH = ∂(gradient · v)/∂inputs
            result = _grad(gradient, inputs, vs, create_graph, strict, fn_name,
                           "jacobian")
        else:  # H v = ∂/∂u (∂(gradient · u)/∂inputs · v), u a dummy
            dummies = tuple(Tensor._wrap(np.zeros(tuple(x.shape), x._data.dtype), True)
                            for x in inputs)
            u_h = _grad(gradient, inputs, dummies, True, strict, fn_name, "jacobian")
            result = _grad(u_h, dummies, vs, create_graph, strict, fn_name, "jacobian")
    return (_finish(outputs, create_graph)[0], _shaped(in_tuple, _finish(result, create_graph)))


# `import tinygrad_edu.autograd.functional` and `from tinygrad_edu.autograd.functional import
# hessian` work as PyTorch's, though autograd is a module, not a package.
sys.modules[__name__.rpartition(".")[0] + ".autograd.functional"] = sys.modules[__name__]
autograd.functional = sys.modules[__name__]


def _checks_on_first_use(name):
    """torch.autograd.gradcheck and gradgradcheck, as PyTorch places them: testing.py's, loaded
    when first asked for (it brings Hypothesis, a test dependency, with it); and the old
    Variable of pre-2018 tutorials (legacy.py)."""
    if name in ("gradcheck", "gradgradcheck"):
        from . import testing
        return getattr(testing, name)
    if name == "Variable":
        from .legacy import Variable
        return Variable
    raise missing_attribute("tinygrad_edu.autograd", name, vars(autograd))


autograd.__getattr__ = _checks_on_first_use
