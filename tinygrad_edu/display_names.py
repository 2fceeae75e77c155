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


def _input_ndim(node, index):
    """The number of dimensions of input `index`, or None when it takes no gradient (its
    shape is then not recorded)."""
    target = node.grad_targets[index]
    if target is None:
        return None
    data = getattr(target, "_data", None)  # a leaf Tensor holds its data; a Node its out_shape
    shape = target.out_shape if data is None else data.shape
    return len(shape)


def _matmul(node):
    """dot (1-D·1-D), mm (2-D @ 2-D), mv (2-D @ 1-D), a squeeze (1-D @ 2-D), and for batches
    a view (batched left operand) or a clone (batched right operand only)."""
    out = len(node.out_shape)
    left, right = _input_ndim(node, 0), _input_ndim(node, 1)
    if out == 0:
        return "DotBackward0"
    if out == 1:
        vector_left = left == 1 if left is not None else right != 1
        return "SqueezeBackward4" if vector_left else "MvBackward0"
    if out == 2 and left in (2, None) and right in (2, None):
        return "MmBackward0"
    return "UnsafeViewBackward0" if left is None or left >= 3 else "CloneBackward0"


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
    """Basic indexing is a chain of PyTorch views, named after the last one: an int selects,
    a slice slices, None unsqueezes (a[...] is an alias); any array in the key is an index."""
    parts = node.key if isinstance(node.key, tuple) else (node.key,)
    if any(not (p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)))
           for p in parts):
        return "IndexBackward0"
    whole = [isinstance(p, slice) and p == slice(None) for p in parts]
    basic = [p for p, all_of_it in zip(parts, whole) if p is not Ellipsis and not all_of_it]
    if not basic:
        return "SliceBackward0" if any(whole) else "AliasBackward0"
    last = basic[-1]
    return ("UnsqueezeBackward0" if last is None else
            "SliceBackward0" if isinstance(last, slice) else "SelectBackward0")


_BY_CONTEXT = {
    "matmul": _matmul,
    "linear": _linear,
    "sum": _reduction("sum"),
    "mean": _reduction("mean"),
    "max": _reduction("max"),
    "min": _reduction("min"),
    "index": _index,
}
