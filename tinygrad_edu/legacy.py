"""torch.autograd.Variable: PyTorch's wrapper from before version 0.4 (2018), which tutorials of
that time use on every line (``x = Variable(torch.randn(3), requires_grad=True)``).

Since 0.4 a Tensor records operations itself and PyTorch keeps Variable only so old programs
run: ``Variable(t, requires_grad=False)`` is a new leaf over t's storage, t.detach() with
requires_grad set, and every Tensor counts as a Variable.  The same here, so such a program
runs unchanged; new code writes ``torch.tensor(…, requires_grad=True)``.
"""

from .tensor import Tensor
from .user_warnings import warn

__all__ = ["Variable"]


class _AnyTensor(type):
    """isinstance(t, Variable) holds for every Tensor, as in PyTorch."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)


class Variable(metaclass=_AnyTensor):
    """Variable(data, requires_grad=False): data.detach() with requires_grad set, a leaf that
    shares data's storage.  volatile= is PyTorch's old no_grad switch: it has no effect."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                 "instead.")
        return data.detach().requires_grad_(requires_grad)
