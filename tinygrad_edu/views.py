"""In-place changes, version counters and views: beside the reading path.

PyTorch lets a learner change a tensor in place (``p -= lr * p.grad`` under no_grad,
``h[h < 0] = 0`` while recording) and hands out views that share storage (indexing, reshape,
transpose, split, iteration).  This module keeps that honest: an in-place change is recorded
when gradients need it, a value saved for backward and changed afterwards is caught by its
version counter, and a view whose base changed after it was taken is refused rather than
given a wrong gradient.  Tensor inherits these methods (tensor.py); ``Op.apply`` calls
``_check_view_current`` for views.
"""

import weakref

import numpy as np

from . import display_names, more_ops
from .autograd import display_as
from .arguments import _as_operand, _check_broadcast_to, _normalize_dim, numpy_names
from .modes import is_grad_enabled

Tensor = None  # the Tensor class, bound by tensor.py (this module sits below it)


class InPlaceAndViews:
    """Tensor's in-place methods, item assignment, indexing and views."""

    __slots__ = ()  # the fields are Tensor's own (tensor.py)

    def copy_(self, src):
        """Copy src's values into this tensor (broadcast to its shape; dtype converted)."""
        src = _as_operand(src, "copy_")
        if not isinstance(src, Tensor):
            src = Tensor._wrap(np.asarray(src))
        _check_broadcast_to(src.shape, self.shape, "copy_")
        if src._requires_grad or self._requires_grad:
            self[...] = src  # recorded as an item assignment of everything
            return self
        self._check_inplace_allowed("copy_")
        np.copyto(self._data, src._data, casting="unsafe")
        self._version[0] += 1
        return self

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        if isinstance(value, Tensor):
            if value.ndim != 0:  # (PyTorch's words)
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                                   f"with {value.ndim} dimensions")
            value = value.item()
        return self._overwrite(np.asarray(value, dtype=self._data.dtype), "fill_")

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import rng
        if not np.isfinite(float(b) - float(a)):  # (NumPy's own errors would name neither)
            raise RuntimeError(f"uniform_: the range [from, to) = [{a}, {b}) must be finite")
        if a > b:  # (PyTorch's words)
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                               f"from={a} > to={b}")
        return self._overwrite(rng(generator).uniform(a, b, self.shape), "uniform_")

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import rng
        if not std >= 0:  # NaN too
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        return self._overwrite(rng(generator).normal(mean, std, self.shape), "normal_")

    def _overwrite(self, values, opname):
        """Replace every value (fill_, uniform_, …): cuts the tensor off from its history."""
        self._check_inplace_allowed(opname)
        if self.grad_fn is not None and is_grad_enabled():
            raise RuntimeError(
                f"{opname} on a tensor computed in the graph is not supported; call it on a "
                f"leaf (e.g. a parameter inside torch.no_grad())")
        self._data[...] = values
        self._version[0] += 1
        return self

    def _check_inplace_allowed(self, opname):
        if type(self._version) is not list:  # an inference tensor (environment.py)
            self._version.refuse_change(opname)
        if self.grad_fn is None and self._requires_grad and is_grad_enabled():
            raise RuntimeError(
                f"a leaf Variable that requires grad is being used in an in-place operation "
                f"({opname}). Changing a parameter in place must not be recorded: do it inside "
                f"`with torch.no_grad():` (as an optimizer step does)")
        if not self._data.flags.writeable:
            raise RuntimeError(
                f"{opname}: this tensor is a broadcast view (made by expand) and cannot be "
                f"changed in place; clone() it first")

    def _check_view_current(self):
        """Refuse a view whose base was changed in place (and recorded) after the view was taken.

        The view's values changed with the base, but its grad_fn still describes the old base,
        so a gradient through it would be wrong.  (PyTorch rewrites the view's history.)
        """
        t = self
        while t._view_base is not None:
            base, grad_fn_when_viewed = t._view_base
            if base.grad_fn is not grad_fn_when_viewed:
                raise RuntimeError(
                    f"this tensor (shape {tuple(self.shape)}) is a view, made by indexing, "
                    f"view/reshape, transpose, split or iteration, of a tensor of shape "
                    f"{tuple(base.shape)} that was changed in place after the view was taken; "
                    f"the view's values changed too, but its gradient would follow the old "
                    f"values. Take the view again after the in-place change, or clone() it "
                    f"before the change")
            t = base

    def _inplace(self, compute, opname, operand=None):
        """self ← compute(self), in place: the same object and storage hold the result.

        When the change must be recorded (self or an operand requires grad), compute runs on
        a copy that carries self's history, and self takes the result's node as its grad_fn —
        so `h = x * 3; h[h < 0] = 0` gives the right x.grad.  Saved copies of self taken before
        the change are caught by the version counter.
        """
        self._check_inplace_allowed(opname)
        record = is_grad_enabled() and (
            self._requires_grad or (isinstance(operand, Tensor) and operand._requires_grad))
        if record:
            before = Tensor._wrap(self._data.copy(), self._requires_grad, self.grad_fn)
            result = compute(before)
        else:
            before = None
            result = compute(self)
        if result.shape != self.shape:
            raise RuntimeError(
                f"{opname}: output with shape {list(self.shape)} doesn't match the broadcast "
                f"shape {list(result.shape)}")
        if result.dtype.category > self.dtype.category:
            raise RuntimeError(
                f"{opname}: result type {result.dtype.name} can't be cast to the desired output "
                f"type {self.dtype.name} of the tensor changed in place")
        if before is not None and result._requires_grad and self._view_base is not None:
            # The write also changes the tensor this one views, so its graph must learn of it
            # (else a wrong gradient): for an indexing view, record base[key] = result there.
            view_key = self.__dict__.get("_view_key")
            if view_key is None:
                raise RuntimeError(
                    f"{opname}: this tensor is a view (made by view/reshape, transpose, "
                    f"permute, split or iteration) of another tensor, and changing it in place "
                    f"while gradients are recorded is not supported; change the original "
                    f"tensor instead (e.g. t[i] *= 2), or work on view.clone()")
            base = self._view_base[0]
            base._inplace(lambda old: more_ops.IndexPut.apply(old, result, key=view_key), opname,
                          result)
            self._view_base = (base, base.grad_fn)  # the view now agrees with its base
        np.copyto(self._data, result._data, casting="unsafe")
        self._version[0] += 1
        if before is not None and result._requires_grad:
            node = result.grad_fn
            self.grad_fn = node
            self._requires_grad = True
            if self._retains_grad:
                node._retained = weakref.ref(self)
        return self

    def __iadd__(self, other):
        return self._inplace(lambda old: old + other, "+=", other)

    def __isub__(self, other):
        return self._inplace(lambda old: old - other, "-=", other)

    def __imul__(self, other):
        return self._inplace(lambda old: old * other, "*=", other)

    def __itruediv__(self, other):
        return self._inplace(lambda old: old / other, "/=", other)

    def add_(self, other, alpha=1):
        return self._inplace(lambda old: old + (other if alpha == 1 else other * alpha),
                             "add_", other)

    def sub_(self, other, alpha=1):
        return self._inplace(lambda old: old - (other if alpha == 1 else other * alpha),
                             "sub_", other)

    def mul_(self, other):
        return self._inplace(lambda old: old * other, "mul_", other)

    def div_(self, other):
        return self._inplace(lambda old: old / other, "div_", other)

    def clamp_(self, min=None, max=None):
        return self._inplace(lambda old: old.clamp(min, max), "clamp_")

    def relu_(self):
        return self._inplace(lambda old: old.relu(), "relu_")

    def __getitem__(self, key):
        key = _index_key(key, self)
        try:
            out = more_ops.Index.apply(self, key=key)
        except IndexError as e:
            raise IndexError(f"index {_show_key(key)} is out of range for a tensor of shape "
                             f"{tuple(self.shape)}: {e}") from None
        if self._mark_view(out):
            out._view_key = key  # so an in-place change of the view can be recorded on self
        return out

    def __setitem__(self, key, value):
        key = _index_key(key, self)
        value = _as_operand(value, "item assignment")
        try:
            target_shape = self._data[key].shape  # validates the key before anything changes
        except IndexError as e:
            raise IndexError(f"index {_show_key(key)} is out of range for a tensor of shape "
                             f"{tuple(self.shape)}: {e}") from None
        value_requires_grad = isinstance(value, Tensor) and value._requires_grad
        if not (is_grad_enabled() and (self._requires_grad or value_requires_grad)):
            # Nothing to record: write the values straight into the storage.
            self._check_inplace_allowed("item assignment")
            v = value._data if isinstance(value, Tensor) else value  # converted, as PyTorch
            v = _without_leading_ones(np.asarray(v), len(target_shape))
            try:
                self._data[key] = v
            except ValueError as e:
                raise RuntimeError(
                    f"item assignment: the value of shape {np.shape(v)} does not fit "
                    f"the indexed shape {target_shape}: {e}") from None
            self._version[0] += 1
            return
        number = not isinstance(value, Tensor) or value.ndim == 0
        if not isinstance(value, Tensor):
            value = Tensor._wrap(np.asarray(value, dtype=self._data.dtype))
        value = _without_leading_ones(value, len(target_shape))
        _check_broadcast_to(value.shape, target_shape, "item assignment")
        value = value._cast(self.dtype)
        self._inplace(lambda old: more_ops.IndexPut.apply(old, value, key=key), "item assignment",
                      value)
        if self.grad_fn is not None:  # the name PyTorch prints for how it recorded this
            display_as(self, display_names.item_assignment_name(key, self.shape, number))

    def _view_op(self, op, **params):
        out = op.apply(self, **params)
        self._mark_view(out)
        return out

    def _mark_view(self, out):
        """If out shares this tensor's storage, make it a view: one version counter for both,
        and a note of this tensor's history so a stale view is caught.  True if it is one."""
        if not np.may_share_memory(out._data, self._data):
            return False
        out._version = self._version  # in-place changes show in both
        out._view_base = (self, self.grad_fn)
        return True

    def split(self, split_size_or_sections, dim=0):
        d = _normalize_dim(dim, self.ndim, "split")
        n = self.shape[d]
        sized = isinstance(split_size_or_sections, (int, np.integer))
        if sized:
            step = int(split_size_or_sections)
            if step <= 0:
                raise RuntimeError(f"split: split_size must be positive, got {step}")
            sizes = [min(step, n - i) for i in range(0, n, step)] or [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n:
                raise RuntimeError(
                    f"split: split sizes {sizes} must sum to the size of dimension {d} ({n})")
        pieces = []
        start = 0
        for s in sizes:
            key = (slice(None),) * d + (slice(start, start + s),)
            piece = _piece(self[key])
            pieces.append(display_as(piece, "SplitBackward0" if sized else
                                     "SplitWithSizesBackward0"))  # as PyTorch prints it
            start += s
        return tuple(pieces)

    @numpy_names
    def chunk(self, chunks, dim=0):
        if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be an int greater than 0, got: "
                               f"{chunks!r}")
        d = _normalize_dim(dim, self.ndim, "chunk")
        n = self.shape[d]
        return self.split(max(1, -(-n // chunks)), d)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (display_as(_piece(self[i]), "UnbindBackward0")  # PyTorch unbinds
                for i in range(self._data.shape[0]))


def _piece(view):
    """A row from iteration or a piece from split: PyTorch refuses to change such views in
    place while recording, so ours keeps no key to record that change by (it is refused)."""
    view.__dict__.pop("_view_key", None)
    return view


def _index_key(key, tensor):
    """Tensors and lists inside an index become arrays; float indices are refused."""
    if isinstance(key, tuple):
        return tuple(_index_part(k) for k in key)
    return _index_part(key)


def _index_part(k):
    if isinstance(k, Tensor):
        k = k._data
    elif isinstance(k, list):
        k = np.asarray(k)
    if isinstance(k, np.ndarray):
        if k.dtype.kind not in "iub":
            raise IndexError(
                f"tensors used as indices must be long, int or bool tensors, got {k.dtype}")
        if k.ndim == 0 and k.dtype.kind in "iu":
            return int(k)
    elif isinstance(k, float):
        raise IndexError(f"indices must be integers, slices or tensors, got the float {k}")
    return k


def _show_key(key):
    parts = key if isinstance(key, tuple) else (key,)
    return "[" + ", ".join(
        f"<{p.dtype} array of shape {p.shape}>" if isinstance(p, np.ndarray) else repr(p)
        for p in parts) + "]"


def _without_leading_ones(value, ndim):
    """value (an array or a Tensor) without the leading size-1 axes it has beyond `ndim`, as
    PyTorch drops them before it writes t[key] = value (t[0] = ones(1), t[:1] = ones(1, 1))."""
    extra = 0
    while value.ndim - extra > ndim and value.shape[extra] == 1:
        extra += 1
    return value.reshape(tuple(value.shape[extra:])) if extra else value
