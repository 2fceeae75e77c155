"""Modes and devices a PyTorch program asks about: beside the reading path.

* ``inference_mode``: grad mode off for a block or a function, as ``torch.inference_mode``
  (a context manager and a decorator, with or without parentheses); the tensors made inside
  are inference tensors (``InferenceVersion``).
* ``cuda`` and ``accelerator``: there is none here, so ``torch.cuda.is_available()`` is False
  and a program takes its CPU branch; ``backends`` (a package beside this module) answers
  ``backends.mps.is_available()`` and keeps the ``backends.cudnn`` flags a program sets.
* ``get_default_dtype`` / ``set_default_dtype``: the dtype Python floats become.
"""

import functools
import threading

from . import dtypes
from .modes import grad_mode
from .tensor import Tensor
from .tensor_methods import device

__all__ = ["inference_mode", "is_inference_mode_enabled", "is_inference", "cuda", "accelerator",
           "get_default_dtype", "set_default_dtype", "set_default_device"]


class _InferenceMode(threading.local):
    enabled = False


_inference = _InferenceMode()


def is_inference_mode_enabled():
    """True inside an ``inference_mode()`` block (in this thread)."""
    return _inference.enabled


def is_inference(input):
    """torch.is_inference(t): whether t was made inside inference_mode (t.is_inference())."""
    return input.is_inference()


# PyTorch 2.13's messages, word for word (measured)
SAVED_FOR_BACKWARD = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead of "
    "`torch.inference_mode()`.")
CHANGED_IN_PLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details.")
REQUIRES_GRAD = ("Setting requires_grad=True on inference tensor outside InferenceMode is not "
                 "allowed.")


class InferenceVersion(list):
    """The version counter of an inference tensor: what marks it, and what refuses it.

    Every Tensor holds its version counter in ``_version``, a one-entry list that views share
    (views.py).  A tensor made inside ``inference_mode()`` gets this list instead: PyTorch's
    inference tensors "do not track version counter", and so cannot be checked later —
    which is why PyTorch refuses to save one for backward, or to change one in place, outside
    the mode.  Here the counter refuses to be read there: saving a tensor for backward reads
    its version (autograd.py notes it, to catch a later in-place change), so saving an
    inference tensor raises PyTorch's error, at no cost to any other tensor (a plain list is
    read as before).  In-place changes check first (``refuse_change``, views.py), and
    ``is_inference()`` is ``type(t._version) is not list``; views, ``detach()`` and
    ``nn.Parameter(t)`` share the counter, so they are inference tensors too, as in PyTorch.

    Reading it outside the mode with grad mode on is saving for backward; with grad mode off
    (an optimizer's step) it is an in-place change.  (One case reads wrong: an inference
    tensor saved inside inference_mode under enable_grad(), where PyTorch records nothing and
    this engine does, then backward outside: the error speaks of an in-place change.)
    """

    __slots__ = ()

    def __getitem__(self, index):
        if not _inference.enabled:
            raise RuntimeError(SAVED_FOR_BACKWARD if grad_mode.enabled else CHANGED_IN_PLACE)
        return list.__getitem__(self, index)

    def refuse_change(self, what):
        """An in-place change (`what`) of an inference tensor: only inside the mode."""
        if not _inference.enabled:
            raise RuntimeError(f"{CHANGED_IN_PLACE} (the change: {what})")

    def refuse_requires_grad(self):
        if not _inference.enabled:
            raise RuntimeError(REQUIRES_GRAD)


# While some thread is inside inference_mode(), Tensor._init (every tensor's construction)
# is wrapped to give the tensors made in an inference-mode thread an InferenceVersion.  Outside
# every such block Tensor._init is tensor.py's own function: nothing is added to making a
# tensor then.
_PLAIN_INIT = Tensor.__dict__["_init"]
_installed = [0]  # how many inference_mode blocks are open, in all threads
_install_lock = threading.Lock()


def _init_marking(self, arr, requires_grad, grad_fn):
    _PLAIN_INIT(self, arr, requires_grad, grad_fn)
    if _inference.enabled:
        self._version = InferenceVersion((0,))


def _open_block():
    with _install_lock:
        _installed[0] += 1
        Tensor._init = _init_marking


def _close_block():
    with _install_lock:
        _installed[0] -= 1
        if _installed[0] == 0:
            Tensor._init = _PLAIN_INIT


class inference_mode:
    """``with torch.inference_mode():`` — nothing inside is recorded for backward.

    As in PyTorch, the tensors made inside are inference tensors (``t.is_inference()``):
    outside the mode one may not be saved for backward (``w * t`` with w requiring grad
    raises), changed in place, or set to require grad; ``t.clone()`` is a normal tensor
    (InferenceVersion says how they are marked).  ``inference_mode(False)`` switches
    recording back on inside a block, and ``@inference_mode`` / ``@inference_mode()``
    decorate a function.  One difference: PyTorch records nothing inside even where
    ``enable_grad()`` switches grad mode back on, while here grad mode alone decides.
    """

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # @inference_mode, no parentheses
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self._previous = (grad_mode.enabled, _inference.enabled)
        if self.mode:
            _open_block()
        grad_mode.enabled = not self.mode
        _inference.enabled = self.mode
        return self

    def __exit__(self, *exc):
        grad_mode.enabled, _inference.enabled = self._previous
        if self.mode:
            _close_block()
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
