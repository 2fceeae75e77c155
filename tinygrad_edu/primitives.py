"""The canonical list of the engine's primitives, by name: ops.py's (the reading path) and
more_ops.py's.  derivations/ has a derivation of each name, tests/op_specs.py a spec."""

from . import more_ops, ops

PRIMITIVES = {
    op.name: op
    for op in (
        ops.Add, ops.Sub, ops.Mul, ops.Div, ops.Neg, ops.Pow, ops.Exp, ops.Log, ops.Relu,
        ops.Tanh, ops.Sigmoid, ops.Sum, ops.Mean, ops.LogSoftmax, ops.Softmax, ops.MatMul,
        ops.Linear, ops.MseLoss, ops.Reshape, ops.Permute,
        more_ops.PowTensor, more_ops.Maximum, more_ops.Minimum, more_ops.Where, more_ops.Sqrt,
        more_ops.Sin, more_ops.Cos, more_ops.Log1p, more_ops.Expm1,
        more_ops.Erf, more_ops.Abs, more_ops.Clamp, more_ops.Cast, more_ops.Clone,
        more_ops.Max, more_ops.Min, more_ops.Expand, more_ops.Index, more_ops.IndexPut,
        more_ops.Cat, more_ops.Stack,
    )
}

# Operations with no gradient at all: they are computed outside the graph, never recorded.
NON_DIFFERENTIABLE = ("eq", "ne", "lt", "le", "gt", "ge", "argmax", "argmin")

# Differentiable operations built from the primitives above (their gradients come from the
# primitives' rules).  Each still carries every check a primitive has: a spec in
# tests/op_specs.py (COMPOSITION_SPECS) and a derivation of the same name in derivations/.
# Dropout is left out: its mask is random, so it is tested by distribution and seeding.
COMPOSITIONS = (
    # reductions and linear algebra
    "amax", "amin", "logsumexp", "prod", "cumsum", "var", "std", "norm",
    "dot", "mv", "bmm", "outer", "addmm", "einsum",
    # elementwise
    "square", "lerp",
    # structural
    "flip", "tril", "triu", "gather", "masked_fill", "embedding",
    # activations (torch.nn.functional)
    "leaky_relu", "hardtanh", "relu6", "elu", "selu", "celu", "silu", "softplus", "mish",
    "gelu", "softsign", "hardsigmoid", "hardswish", "logsigmoid", "tanhshrink", "threshold",
    "softmin", "prelu",
    # normalization
    "layer_norm", "batch_norm",
    # losses
    "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "nll_loss",
)
