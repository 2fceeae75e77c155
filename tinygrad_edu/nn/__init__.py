"""tinygrad_edu.nn: layers, losses and the Module that holds them, as ``torch.nn``.

    import tinygrad_edu.nn as nn

    class SimpleNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Linear(2, 10)   # W₁ (10 × 2), b₁ (10)
            self.relu = nn.ReLU()
            self.layer2 = nn.Linear(10, 1)   # W₂ (1 × 10), b₂ (1)

        def forward(self, x):                # Ŷ = relu(X W₁ᵀ + b₁) W₂ᵀ + b₂
            return self.layer2(self.relu(self.layer1(x)))

Files: module.py (Module, Parameter), layers.py, activations.py (LeakyReLU, ELU, GELU, …),
extra_layers.py (Unflatten, Dropout, Embedding), normalization.py (LayerNorm, BatchNorm1d),
losses.py, extra_losses.py (SmoothL1Loss, HuberLoss, KLDivLoss), containers.py (ModuleDict,
ParameterList, ParameterDict), functional.py (the same operations as functions,
``nn.functional``), init.py (``nn.init``).
"""

from . import functional, init
from .layers import (Flatten, Identity, Linear, LogSoftmax, ModuleList, ReLU, Sequential,
                     Sigmoid, Softmax, Tanh)
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module, Parameter
from .containers import ModuleDict, ParameterDict, ParameterList
from .extra_layers import Dropout, Embedding, Unflatten
from .extra_losses import HuberLoss, KLDivLoss, SmoothL1Loss
from .normalization import BatchNorm1d, LayerNorm
from .activations import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                          LogSigmoid, Mish, PReLU, ReLU6, SiLU, Softmin, Softplus, Softsign,
                          Tanhshrink, Threshold)
from ..scope import missing_attribute as _missing_attribute

__all__ = [
    "Module", "Parameter", "Linear", "Identity", "ReLU", "Tanh", "Sigmoid", "Softmax",
    "LogSoftmax", "Flatten", "Sequential", "ModuleList", "MSELoss", "L1Loss", "BCELoss",
    "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "functional", "init", "ModuleDict",
    "ParameterList", "ParameterDict", "Unflatten", "Dropout", "Embedding", "SmoothL1Loss",
    "HuberLoss", "KLDivLoss", "LeakyReLU", "PReLU", "ReLU6", "ELU", "SELU", "CELU", "SiLU",
    "Mish", "Softplus", "Softsign", "Hardtanh", "Hardsigmoid", "Hardswish", "LogSigmoid",
    "Tanhshrink", "Threshold", "Softmin", "LayerNorm", "BatchNorm1d", "GELU",
]


def __getattr__(name):
    """A name torch.nn has and this engine lacks: NotInEngine (an AttributeError) saying so."""
    raise _missing_attribute(__name__, name, globals())
