"""Modes and devices a PyTorch program asks about: beside the reading path.

* ``inference_mode``: grad mode off for a block or a function, as ``torch.inference_mode``
  (a context manager and a decorator, with or without parentheses).
* ``cuda`` and ``accelerator``: there is none here, so ``torch.cuda.is_available()`` is False
  and a program takes its CPU branch; ``backends`` (a package beside this module) answers
  ``backends.mps.is_available()`` and keeps the ``backends.cudnn`` flags a program sets.
* ``get_default_dtype`` / ``set_default_dtype``: the dtype Python floats become.
"""

import functools
import threading

from . import dtypes
from .modes import grad_mode
from .tensor_methods import device

__all__ = ["inference_mode", "is_inference_mode_enabled", "cuda", "accelerator",
           "get_default_dtype", "set_default_dtype", "set_default_device"]


class _InferenceMode(threading.local):
    enabled = False


_inference = _InferenceMode()


def is_inference_mode_enabled():
    """True inside an ``inference_mode()`` block (in this thread)."""
    return _inference.enabled


class inference_mode:
    """``with torch.inference_mode():`` — nothing inside is recorded for backward.

    As in PyTorch, ``inference_mode(False)`` switches recording back on inside a block, and
    ``@inference_mode`` / ``@inference_mode()`` decorate a function.  Two differences: PyTorch
    marks the tensors made inside as "inference tensors" that may never enter a recorded
    computation later, while here they are ordinary tensors that do not require grad, as
    after ``no_grad()``; and PyTorch records nothing inside even where ``enable_grad()``
    switches grad mode back on, while here grad mode alone decides.
    """

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # @inference_mode, no parentheses
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self._previous = (grad_mode.enabled, _inference.enabled)
        grad_mode.enabled = not self.mode
        _inference.enabled = self.mode
        return self

    def __exit__(self, *exc):
        grad_mode.enabled, _inference.enabled = self._previous
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return inference_mode(self.mode)


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


def get_default_dtype():
    """The dtype Python floats become: float32 unless set_default_dtype changed it."""
    return dtypes.DEFAULT_FLOAT


def set_default_dtype(d):
    """Make Python floats (and rand, zeros, …) float64 or float32 from now on: a floating
    dtype object, as PyTorch (a name such as 'float64' is refused there too)."""
    if not isinstance(d, dtypes.dtype):
        raise TypeError(f"invalid dtype object: only floating-point types are supported as the "
                        f"default type (got {d!r}; use tinygrad_edu.float64 or float32)")
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type "
                        f"(got {d})")
    dtypes.DEFAULT_FLOAT = d


def set_default_device(d):
    """Only 'cpu' exists here; anything else is a clear error."""
    device(d)
