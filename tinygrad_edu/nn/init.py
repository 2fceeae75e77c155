"""nn.init: fill a weight tensor in place with starting values, as ``torch.nn.init``.

Every function changes the tensor it is given (the trailing underscore), inside no_grad so a
Parameter can be filled, draws from the library's random stream (or ``generator=``) so
``manual_seed`` makes it repeatable, and returns the tensor.

For a weight W of shape (out × in), fan_in = in and fan_out = out (times the kernel size for
higher-dimensional weights).  The bounds:

    kaiming_uniform_:  U(−b, b),  b = gain · √(3 / fan),         gain = calculate_gain(…, a)
    xavier_uniform_:   U(−b, b),  b = gain · √(6 / (fan_in + fan_out))

nn.Linear's default, kaiming_uniform_(W, a=√5), gives gain = √(2 / (1 + 5)) = √(1/3) and so
b = 1/√fan_in: W ~ U(−1/√in, 1/√in), and its bias is drawn from the same range.
"""

import math

from ..autograd import no_grad
from ..tensor import Tensor
from ..user_warnings import warn
from ..scope import missing_attribute as _missing_attribute

__all__ = [
    "calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
    "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_",
]


def _check_tensor(tensor, who):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{who}: expected a Tensor to fill, got "
                        f"{type(tensor).__name__}")
    if not tensor.dtype.is_floating_point and who not in ("constant_", "zeros_", "ones_"):
        raise TypeError(f"nn.init.{who}: expected a floating point tensor, got "
                        f"{tensor.dtype.name}")


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through a layer followed by
    `nonlinearity`: 1 for linear/conv/sigmoid, 5/3 for tanh, √2 for relu,
    √(2 / (1 + slope²)) for leaky_relu (slope = param, default 0.01), 3/4 for selu."""
    linear_like = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                   "conv_transpose2d", "conv_transpose3d", "sigmoid")
    if nonlinearity in linear_like:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) = (size(1), size(0)), each times the product of the sizes after
    the second (a convolution kernel's receptive field)."""
    if tensor.dim() < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)})")
    receptive_field = 1
    for s in tensor.shape[2:]:
        receptive_field *= s
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with draws from U(a, b)."""
    _check_tensor(tensor, "uniform_")
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with draws from N(mean, std²)."""
    _check_tensor(tensor, "normal_")
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    """Fill with the value val."""
    _check_tensor(tensor, "constant_")
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor):
    return constant_(tensor, 0)


def ones_(tensor):
    return constant_(tensor, 1)


def _no_op_if_empty(tensor):
    if 0 in tuple(tensor.shape):
        warn("Initializing zero-element tensors is a no-op")
        return True
    return False


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He initialisation: U(−b, b) with b = gain · √(3 / fan), gain = calculate_gain(
    nonlinearity, a), fan = fan_in (or fan_out with mode='fan_out')."""
    _check_tensor(tensor, "kaiming_uniform_")
    if _no_op_if_empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He initialisation: N(0, std²) with std = gain / √fan."""
    _check_tensor(tensor, "kaiming_normal_")
    if _no_op_if_empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator=generator)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot initialisation: U(−b, b) with b = gain · √(6 / (fan_in + fan_out))."""
    _check_tensor(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot initialisation: N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    _check_tensor(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator=generator)


def __getattr__(name):
    """A name torch.nn.init has and this engine lacks: NotInEngine (an AttributeError)."""
    raise _missing_attribute(__name__, name, globals())
