"""The engine's two modes and their switches, beside the reading path.

* Grad mode: are ops recorded for backward?  Per thread, as in PyTorch (one thread's
  ``no_grad`` never leaks into another's).  ``no_grad``, ``enable_grad``, ``set_grad_enabled``.
* Anomaly mode: is each backward step checked for NaN and inf?  One switch for the whole
  process, as PyTorch's.  ``detect_anomaly``, ``set_detect_anomaly``; when a step yields NaN
  or inf, the error names the op and the line of the learner's code that created it.

Every switch is a context manager and a decorator; the ``set_…`` ones also take effect at
once when called, as in PyTorch.  autograd.py reads ``grad_mode.enabled`` and
``anomaly_mode.enabled`` and re-exports the switches (torch.autograd.no_grad, …).
"""

import functools
import linecache
import sys
import threading

import numpy as np

from .user_warnings import user_frame


class _GradMode(threading.local):
    enabled = True


class _AnomalyMode:
    enabled = False


grad_mode = _GradMode()
anomaly_mode = _AnomalyMode()


def is_grad_enabled():
    """True when operations are being recorded for backward in this thread."""
    return grad_mode.enabled


def is_anomaly_enabled():
    """True when backward steps are checked for NaN/inf."""
    return anomaly_mode.enabled


class _Switch:
    """Sets `state.enabled` to `self.mode` inside a with-block or a decorated function, and
    puts back what was there before."""

    state = grad_mode
    mode = True

    def __enter__(self):
        self.prev = self.state.enabled
        self.state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        self.state.enabled = self.prev
        return False

    def __call__(self, fn):
        state, mode = self.state, self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = state.enabled
            state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = prev
        return wrapper


def _a_bool(mode, switch):
    """mode, if it is True or False: as in PyTorch, set_grad_enabled('no') is an error, not a
    truthy string that switches recording on."""
    if not isinstance(mode, bool):
        raise TypeError(f"{switch}(): the mode must be True or False, got {mode!r} (a "
                        f"{type(mode).__name__})")
    return mode


class _SetNow(_Switch):
    """A switch that takes effect when called; on leaving a with-block (or when used as a
    decorator) the mode from before the call is the one restored."""

    def __init__(self, mode):
        self.mode = _a_bool(mode, type(self).__name__)
        self.prev = self.state.enabled
        self.state.enabled = self.mode

    def __enter__(self):
        self.state.enabled = self.mode
        return self

    def __call__(self, fn):
        self.state.enabled = self.prev  # as a decorator, making it changed nothing
        return super().__call__(fn)


class _SwitchWithoutArguments(_Switch):
    """A switch that takes no argument, so it may decorate without parentheses, as in
    PyTorch: ``@no_grad`` is ``@no_grad()``."""

    def __new__(cls, fn=None):
        if fn is None:
            return super().__new__(cls)
        if not callable(fn):
            raise TypeError(f"{cls.__name__}() takes no arguments (got {fn!r}); use it as "
                            f"`with {cls.__name__}():`, `@{cls.__name__}()` or `@{cls.__name__}`")
        return cls()(fn)


class no_grad(_SwitchWithoutArguments):
    """Nothing inside is recorded: ``with no_grad(): p -= lr * p.grad`` (also a decorator)."""

    mode = False


class enable_grad(_SwitchWithoutArguments):
    """Recording on again, e.g. inside a ``no_grad`` block (also a decorator)."""

    mode = True


class set_grad_enabled(_SetNow):
    """Switch recording on or off: at once, as a context manager, or as a decorator."""


class detect_anomaly(_Switch):
    """Inside, the first backward step producing NaN/inf raises, naming the op and the line of
    user code that created it (also a decorator).  Recording that line costs a stack walk per
    op, so it happens only while anomaly mode is on; normal runs pay nothing."""

    state = anomaly_mode

    def __init__(self, check_nan=True):
        self.mode = bool(check_nan)


class set_detect_anomaly(_SetNow):
    """``set_detect_anomaly(True)`` switches anomaly mode on at once; also a context manager
    that restores the previous mode on exit."""

    state = anomaly_mode

    def __init__(self, mode, check_nan=True):
        super().__init__(_a_bool(mode, "set_detect_anomaly") and bool(check_nan))


def user_call_site():
    """'file:line in function' of the innermost frame outside tinygrad_edu (the user's op)."""
    frame, _ = user_frame(sys._getframe(1))
    if frame is None:
        return "inside tinygrad_edu (no user frame found)"
    code = frame.f_code
    where = f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"
    line = linecache.getline(code.co_filename, frame.f_lineno).strip()
    return f"{where}\n    {line}" if line else where


def check_gradient(node, index, g):
    """Raise if the gradient node's backward produced for input `index` holds NaN or inf."""
    if g.dtype.kind == "f" and not np.all(np.isfinite(g)):
        kinds = " and ".join(k for k, bad in (("nan", np.isnan(g).any()),
                                               ("inf", np.isinf(g).any())) if bad)
        created = node.__dict__.get("created_at")
        origin = (f" The op was created at {created}" if created else
                  " (it was created outside anomaly mode, so where is unknown)")
        raise RuntimeError(
            f"Function '{node.name()}' returned {kinds} values in its {index}th output."
            f"{origin}")
