"""Every derivation, by name and by topic.

Built fresh on each call (nothing is cached across runs); a Derivation's name is the op's
name in tinygrad_edu.primitives.PRIMITIVES, or a quantity's name (losses, linear, split, mlp_…).
"""

from . import compositions, elementwise, linalg, losses, mlp, reductions, softmax, structural
from .core import DerivationError, did_you_mean

TOPICS = ("linalg", "elementwise", "reductions", "softmax", "structural", "losses",
          "compositions", "mlp")

_MODULES = {"linalg": linalg, "elementwise": elementwise, "reductions": reductions,
            "softmax": softmax, "structural": structural, "losses": losses,
            "compositions": compositions, "mlp": mlp}


def all_derivations(topics=TOPICS):
    """Every derivation, in topic order (ops first, then losses, then the MLP chains)."""
    out = []
    for topic in topics:
        if topic not in _MODULES:
            raise DerivationError(f"unknown topic {topic!r}; valid: {', '.join(TOPICS)}")
        out += _MODULES[topic].derivations()
    names = [d.name for d in out]
    duplicates = sorted({x for x in names if names.count(x) > 1})
    if duplicates:
        raise DerivationError(f"two derivations share a name: {', '.join(duplicates)}")
    return out


def names():
    return [d.name for d in all_derivations()]


def get(name):
    """The derivation called `name` (an op name like 'matmul', or 'mse', 'mlp_relu_identity_mse_mean').

    Builds one topic at a time and stops at the first match (the 30 chains only when asked for).
    """
    if isinstance(name, str) and name.startswith("mlp_"):
        chain = mlp.by_name(name)
        if chain is not None:
            return chain
    for topic in TOPICS:
        if topic == "mlp":
            continue
        for d in _MODULES[topic].derivations():
            if d.name == name:
                return d
    raise DerivationError(f"unknown derivation {name!r}{did_you_mean(name, names())} "
                          f"(python -m derivations list shows every name)")


def ops():
    """The derivations of the engine's primitive ops (kind 'op')."""
    return [d for d in all_derivations() if d.kind == "op"]
