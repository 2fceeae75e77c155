"""tinygrad_edu: a reverse-mode tensor autograd engine on NumPy with PyTorch's API.

    import tinygrad_edu as torch      # the seed's PyTorch code runs with this one change

Reading order for a learner: tensor.py (the Tensor and its methods) → ops.py (each op's
forward and backward rule) → autograd.py (the graph and the backward pass).
"""

from . import autograd, dtypes, ops, random
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .dtypes import bool_ as bool  # noqa: A001  (PyTorch's names shadow builtins here)
from .dtypes import dtype, float32, float64, int32, int64
from .functions import *  # noqa: F401,F403
from .functions import __all__ as _function_names
from .printing import set_printoptions
from .random import Generator, default_generator, initial_seed, manual_seed, seed
from .serialization import load, save
from .tensor import Size, Tensor, device
from .environment import (accelerator, cuda, get_default_dtype, inference_mode, is_inference,
                          is_inference_mode_enabled, set_default_device, set_default_dtype)
from .sampling import bernoulli, multinomial, normal
from .einsum import einsum
from . import backends
from .scope import missing_attribute as _missing_attribute

from . import nn  # noqa: E402  (after Tensor: layers and losses build on it)
from . import optim, utils  # noqa: E402  (after Tensor: both build on it)
from . import autograd_functional  # noqa: E402,F401  (torch.autograd.functional)
from .scope import install_tensor_placeholders as _install_tensor_placeholders  # noqa: E402

# torch.Tensor's methods the engine lacks raise NotInEngine, saying so (scope.py)
_install_tensor_placeholders(Tensor)

float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001

__version__ = "0.1.0"


__all__ = list(_function_names) + [
    "Tensor", "Size", "device", "dtype", "float32", "float64", "int32", "int64", "bool",
    "float", "double", "long", "int", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "manual_seed", "seed", "initial_seed", "Generator", "default_generator",
    "get_default_dtype", "set_default_dtype", "set_default_device", "set_printoptions", "cuda",
    "accelerator", "autograd", "dtypes", "ops", "random",
    "optim", "utils", "save", "load", "nn", "inference_mode", "is_inference_mode_enabled",
    "is_inference",
    "backends", "normal", "bernoulli", "multinomial", "einsum",
]


def __getattr__(name):
    """A name PyTorch has and this engine lacks: NotInEngine (an AttributeError) saying so."""
    raise _missing_attribute(__name__, name, globals())
