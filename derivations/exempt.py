"""Operations with no gradient, by name, and why (tinygrad_edu.primitives.NON_DIFFERENTIABLE).

They are computed outside the graph and never recorded, so there is no backward rule to prove.
"""

_COMPARISON = ("a comparison: its output is bool, a step function of the inputs whose "
               "derivative is 0 wherever it exists")
_ARG = ("returns indices (int64), not values: a piecewise-constant function of the input "
        "with no useful derivative")

EXEMPT = {
    "eq": _COMPARISON,
    "ne": _COMPARISON,
    "lt": _COMPARISON,
    "le": _COMPARISON,
    "gt": _COMPARISON,
    "ge": _COMPARISON,
    "argmax": _ARG,
    "argmin": _ARG,
}
