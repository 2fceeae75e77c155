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

from . import nn  # noqa: E402  (after Tensor: layers and losses build on it)
from . import optim, utils  # noqa: E402  (after Tensor: both build on it)

float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001

__version__ = "0.1.0"


def get_default_dtype():
    return dtypes.DEFAULT_FLOAT


def set_default_dtype(d):
    """The dtype Python floats become (float32 unless changed; float64 for gradcheck work)."""
    d = dtypes.to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are supported, got {d}")
    dtypes.DEFAULT_FLOAT = d


def set_default_device(d):
    """Only 'cpu' exists here; anything else is a clear error."""
    device(d)


class _NoAccelerator:
    """`cuda` and `accelerator`: there is none here, so scripts take their CPU branch."""

    def __init__(self, name):
        self._name = name

    def is_available(self):
        return False

    def device_count(self):
        return 0

    def manual_seed(self, seed):
        pass

    manual_seed_all = manual_seed

    def __repr__(self):
        return f"<tinygrad_edu.{self._name}: not available>"


cuda = _NoAccelerator("cuda")
accelerator = _NoAccelerator("accelerator")

__all__ = list(_function_names) + [
    "Tensor", "Size", "device", "dtype", "float32", "float64", "int32", "int64", "bool",
    "float", "double", "long", "int", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "manual_seed", "seed", "initial_seed", "Generator", "default_generator",
    "get_default_dtype", "set_default_dtype", "set_default_device", "set_printoptions", "cuda",
    "accelerator", "autograd", "dtypes", "ops", "random",
    "optim", "utils", "save", "load", "nn",
]
