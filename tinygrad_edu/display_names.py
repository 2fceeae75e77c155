"""The grad_fn names PyTorch prints, beside the reading path.

A learner sees ``grad_fn=<MmBackward0>`` in PyTorch where the engine's node is its ``MatMul``
op: the names PyTorch prints come from its own kernels (a 2-D product is ``mm``, ``nn.Linear``
is ``addmm``, a slice is ``slice``, ``reshape`` a ``view``).  ``grad_fn_name(node)`` gives that
display name; the op's own ``name`` ("matmul", "linear", "index", …) is what ties the op to
its spec and its derivation, and never changes.  Methods that share one op (``t()``,
``transpose`` and ``.T`` are one permute; ``unsqueeze``, ``squeeze`` and ``flatten`` one
reshape; a loss ends in a mean) name their node with ``autograd.display_as``.

Measured on PyTorch 2.13 (tests/test_display_names.py compares every case with it).
"""

import numpy as np

# op name -> the name PyTorch prints whatever the call
FIXED = {
    "reshape": "ViewBackward0",
    "pow_tensor": "PowBackward1",
    "clamp": "ClampBackward1",
    "cast": "ToCopyBackward0",
    "log1p": "Log1PBackward0",
}


def grad_fn_name(node):
    """The name PyTorch 2.13 prints for the grad_fn `node`."""
    name = getattr(node.op, "name", None)
    if name in FIXED:
        return FIXED[name]
    by_context = _BY_CONTEXT.get(name)
    if by_context is not None:
        return by_context(node)
    return node.op.node_name(node)


def _input_shape(node, index):
    """The shape of input `index`, or None when it takes no gradient (its shape is then not
    recorded)."""
    target = node.grad_targets[index]
    if target is None:
        return None
    data = getattr(target, "_data", None)  # a leaf Tensor holds its data; a Node its out_shape
    return tuple(target.out_shape if data is None else data.shape)


def _input_ndim(node, index):
    """The number of dimensions of input `index`, or None when it takes no gradient."""
    shape = _input_shape(node, index)
    return None if shape is None else len(shape)


def _matmul(node):
    """dot (1-D·1-D), mm (2-D @ 2-D), mv (2-D @ 1-D), a squeeze (1-D @ 2-D), and for batches
    an unsafe view, but a clone where PyTorch computes the product transposed: a 2-D left
    operand that requires grad (or a 3-D one with a single batch entry, broadcast against
    a batch of right operands) times a batch."""
    out = len(node.out_shape)
    left, right = _input_ndim(node, 0), _input_ndim(node, 1)
    if out == 0:
        return "DotBackward0"
    if out == 1:
        vector_left = left == 1 if left is not None else right != 1
        return "SqueezeBackward4" if vector_left else "MvBackward0"
    if out == 2 and left in (2, None) and right in (2, None):
        return "MmBackward0"
    shape = _input_shape(node, 0)
    transposed = shape is not None and (len(shape) == 2 or (
        len(shape) == 3 and shape[0] == 1 and out == 3 and node.out_shape[0] > 1))
    return "CloneBackward0" if transposed else "UnsafeViewBackward0"


def _linear(node):
    """addmm (2-D input with a bias), mm (without); a view for 1-D and batched inputs (a
    squeeze or an unsafe view without a bias).  A bias that takes no gradient is not
    recorded, so it reads as no bias here."""
    out = len(node.out_shape)
    bias = node.grad_targets[2] is not None
    if out == 2:
        return "AddmmBackward0" if bias else "MmBackward0"
    if bias:
        return "ViewBackward0"
    return "SqueezeBackward4" if out == 1 else "UnsafeViewBackward0"


def _reduction(op_name):
    """sum and mean: Backward0 over all entries, Backward1 along dims; max and min the other
    way round (max() is max.default's Backward1, max(dim) Backward0)."""
    title = op_name.capitalize()
    over_all, along = ("0", "1") if op_name in ("sum", "mean") else ("1", "0")
    return lambda node: f"{title}Backward{over_all if node.dim is None else along}"


def _index(node):
    """Basic indexing is a chain of PyTorch views, named after the last one that does
    something: an int selects, a slice slices, None unsqueezes; a slice that keeps a whole
    dim (`:`, `0:`, `:n` or beyond) is skipped, and with nothing left a[...] is an alias.
    Any array in the key is an index."""
    parts = node.key if isinstance(node.key, tuple) else (node.key,)
    if any(isinstance(p, np.ndarray) or isinstance(p, (list, bool)) for p in parts):
        return "IndexBackward0"
    steps = _view_steps(parts, node.shape)
    return f"{steps[-1]}Backward0" if steps else "AliasBackward0"


def _view_steps(parts, shape):
    """The views PyTorch takes for the basic parts of an index key into `shape`, in order:
    'Select' (an int), 'Slice' (a slice that does not keep the whole dim), 'Unsqueeze'
    (None); arrays take their dims and no view."""
    consumed = sum(p.ndim if isinstance(p, np.ndarray) and p.dtype == np.bool_ else 1
                   for p in parts if p is not None and p is not Ellipsis)
    steps, d = [], 0
    for p in parts:
        if p is None:
            steps.append("Unsqueeze")
        elif p is Ellipsis:
            d += len(shape) - consumed
        elif isinstance(p, slice):
            whole = p.start in (None, 0) and p.step in (None, 1) and (
                p.stop is None or p.stop >= shape[d])
            if not whole:
                steps.append("Slice")
            d += 1
        elif isinstance(p, np.ndarray):
            d += p.ndim if p.dtype == np.bool_ else 1
        else:
            steps.append("Select")
            d += 1
    return steps


def item_assignment_name(key, shape, value_is_number):
    """What PyTorch 2.13 prints for t after ``t[key] = value`` is recorded: a view of t
    changed in place rewrites t's history (CopySlices); with no view taken, a number (or a
    0-d tensor) fills t (FillBackward3), a tensor is copied in (CopyBackwards); an index of
    arrays that takes no view first is an index_put (IndexPutBackward0).  (A 0-d t is
    always copied into.)"""
    parts = key if isinstance(key, tuple) else (key,)
    advanced = any(isinstance(p, np.ndarray) for p in parts)
    if _view_steps(parts, shape):
        return "CopySlices"
    if advanced:
        return "IndexPutBackward0"
    return "FillBackward3" if value_is_number and shape else "CopyBackwards"


_BY_CONTEXT = {
    "matmul": _matmul,
    "linear": _linear,
    "sum": _reduction("sum"),
    "mean": _reduction("mean"),
    "max": _reduction("max"),
    "min": _reduction("min"),
    "index": _index,
}
