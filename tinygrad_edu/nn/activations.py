"""The activation modules beyond ReLU, Tanh, Sigmoid and the softmaxes (layers.py), as in
``torch.nn``: each holds its options and calls its nn.functional form, a composition of
existing ops (see the section "More activations" there), so none needs a backward rule of its
own.  PReLU holds its slope as a Parameter.
"""

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from ..tensor import device as _device
from . import functional as F
from .module import Module, Parameter

__all__ = ["LeakyReLU", "PReLU", "ReLU6", "ELU", "SELU", "CELU", "SiLU", "Mish", "Softplus",
           "Softsign", "GELU", "Hardtanh", "Hardsigmoid", "Hardswish", "LogSigmoid", "Tanhshrink",
           "Threshold", "Softmin"]


def _inplace_repr(inplace):
    return "inplace=True" if inplace else ""


class _Simple(Module):
    """An activation with no options but inplace: forward calls F.<function>."""

    function = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return getattr(F, self.function)(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class ReLU6(_Simple):
    """min(max(x, 0), 6)."""

    function = "relu6"


class SELU(_Simple):
    """scale · elu(x, α), PyTorch's self-normalising constants."""

    function = "selu"


class SiLU(_Simple):
    """x · σ(x)."""

    function = "silu"


class Mish(_Simple):
    """x · tanh(softplus(x))."""

    function = "mish"


class Hardsigmoid(_Simple):
    """0 below −3, 1 above 3, x/6 + ½ between."""

    function = "hardsigmoid"

    def extra_repr(self):
        return ""


class Hardswish(Hardsigmoid):
    """x · hardsigmoid(x)."""

    function = "hardswish"


class _NoOptions(Module):
    function = None

    def forward(self, input):
        return getattr(F, self.function)(input)


class Softsign(_NoOptions):
    """x / (1 + |x|)."""

    function = "softsign"


class LogSigmoid(_NoOptions):
    """log σ(x), stable for any x."""

    function = "logsigmoid"


class Tanhshrink(_NoOptions):
    """x − tanh(x)."""

    function = "tanhshrink"


class GELU(Module):
    """x · Φ(x) = x · ½(1 + erf(x/√2)), or (approximate='tanh') PyTorch's tanh approximation
    ½x(1 + tanh(√(2/π)(x + 0.044715x³))).  As in PyTorch, `approximate` is checked when the
    module is called."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class LeakyReLU(Module):
    """x where x > 0, else negative_slope · x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace
                                                          else "")


class ELU(Module):
    """x where x > 0, else α(eˣ − 1)."""

    function = "elu"

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return getattr(F, self.function)(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """x where x > 0, else α(e^(x/α) − 1)."""

    function = "celu"


class Softplus(Module):
    """log(1 + e^(βx)) / β (x itself where βx > threshold)."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """x clamped to [min_val, max_val] (gradient 1 strictly inside)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError("min_val cannot be greater than max_val")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else "")


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else "")


class Softmin(Module):
    """softmax(−x) along dim."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, else a · x with a learned: one slope, or num_parameters (one per channel,
    dim 1 of the input), each starting at init."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        if device is not None:
            _device(device)
        d = _dt.to_dtype(dtype) if dtype is not None else _dt.DEFAULT_FLOAT
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(Tensor._wrap(np.full((num_parameters,), init,
                                                     dtype=d.np_dtype)))

    def reset_parameters(self):
        self.weight._data[...] = self.init

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
