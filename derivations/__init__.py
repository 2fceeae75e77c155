"""derivations: SymPy derives and proves every backward rule of tinygrad_edu and the MLP chain.

    import derivations
    d = derivations.get("matmul")
    print(d.unicode())          # out = A B;  ∂L/∂A = G Bᵀ (n×k);  ∂L/∂B = Aᵀ G (k×m)
    d.prove()                   # checked entry by entry on explicit matrices of symbols,
                                # at three shapes (prove(thorough=True): more)
    d.numpy(A=a, B=b, G=g)      # the same closed form on float arrays

    derivations.mlp.chain("relu", "identity", "mse")     # ∂L/∂Ŷ … ∂L/∂b₁, step by step
    derivations.elementwise.derive("scaled_tanh", "2*tanh(x)")

Modules by topic: linalg, elementwise, reductions, softmax, losses, structural, compositions (the
operations built from primitives), mlp; exempt lists the ops with no gradient.  The proofs import nothing of tinygrad_edu; engine_bridge (the
one module that does, inside its functions) compares every proved rule with the engine's
gradients: ``engine_bridge.check_engine()``, ``python -m derivations check-engine``.
Command line: ``python -m derivations``.
"""

from . import (
    compositions,
    elementwise,
    exempt,
    linalg,
    losses,
    mlp,
    reductions,
    softmax,
    structural,
)
from .core import Case, Derivation, DerivationError, Grad, Operand, Proof
from .exempt import EXEMPT
from .registry import TOPICS, all_derivations, get, names, ops

__all__ = [
    "EXEMPT", "TOPICS", "Case", "Derivation", "DerivationError", "Grad", "Operand", "Proof",
    "all_derivations", "compositions", "elementwise", "exempt", "get", "linalg", "losses", "mlp", "names", "ops",
    "reductions", "softmax", "structural",
]
