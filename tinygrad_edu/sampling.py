"""Sampling from distributions a tensor describes: normal, bernoulli, multinomial.

Beside the factories of functions.py (rand, randn, randint, randperm draw from fixed
distributions), these draw from distributions whose parameters are tensors: a mean and a
standard deviation per entry, a probability per entry, a row of class weights.  Every draw
comes from the library's generator (random.py), or from the ``generator=`` given, so
``manual_seed`` repeats them; the stream is NumPy's, not PyTorch's.

No gradient flows through a sample, as in PyTorch: where a parameter requires grad, the
sample does too, and its gradient with respect to the parameter is 0.
"""

import math

import numpy as np

from . import dtypes as _dt
from .arguments import _as_operand, _is_scalar, broadcast_shapes
from .functions import _finish, _into_out, _size
from .random import rng
from .tensor import Tensor
from .tensor_methods import without_gradient

__all__ = ["normal", "bernoulli", "multinomial"]


def _tensor_or_number(x, role):
    if isinstance(x, np.ndarray):
        return _as_operand(x, "normal")
    if isinstance(x, Tensor) or (_is_scalar(x) and not isinstance(x, bool)):
        return x
    raise TypeError(f"normal(): argument '{role}' must be Tensor or a number, not "
                    f"{type(x).__name__}")


def _check_std(std):
    if isinstance(std, Tensor):
        values = std._data
        if np.any(~(values >= 0)):  # catches NaN too
            raise RuntimeError("normal expects all elements of std >= 0.0 (the standard "
                               "deviation cannot be negative or NaN)")
    elif not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None,
           requires_grad=False):
    """Samples of N(mean, std²): mean + std · z with z ~ N(0, 1), one per entry.

    PyTorch's four forms: ``normal(mean_tensor, std_tensor)`` (broadcast together),
    ``normal(mean_tensor, std=1.0)``, ``normal(mean, std_tensor)``, each of the tensors'
    shape and of the dtype of mean when it is a tensor (else of std); and
    ``normal(mean, std, size)`` with two numbers, which takes dtype= and requires_grad=.
    """
    mean = _tensor_or_number(mean, "mean")
    std = _tensor_or_number(std, "std")
    _check_std(std)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal(mean, std) with two numbers needs a size, e.g. "
                            "normal(0.0, 1.0, size=(2, 3)); or give mean or std as a tensor")
        d = _dt.to_dtype(dtype) if dtype is not None else (
            out.dtype if isinstance(out, Tensor) else _dt.DEFAULT_FLOAT)
        if not d.is_floating_point:
            raise NotImplementedError(f"normal(): not implemented for dtype {d.name}; "
                                      f"samples are floating point")
        z = rng(generator).standard_normal(_size((), size, "normal"), dtype=d.np_dtype)
        with np.errstate(invalid="ignore", over="ignore"):
            values = (mean + std * z).astype(d.np_dtype)
        return _into_out(_finish(values, requires_grad, device), out, "normal")
    if size is not None or dtype is not None or requires_grad:
        raise TypeError("normal(): size=, dtype= and requires_grad= go with a number mean and "
                        "std; with a tensor mean or std the result has their shape and dtype")
    d = (mean if isinstance(mean, Tensor) else std).dtype
    if not d.is_floating_point:
        raise NotImplementedError(f"normal(): not implemented for a mean (or std) of dtype "
                                  f"{d.name}; convert it with .float()")
    shapes = [x.shape for x in (mean, std) if isinstance(x, Tensor)]
    shape = broadcast_shapes("normal", *shapes)
    z = rng(generator).standard_normal(shape, dtype=d.np_dtype)
    m, s = (x._data if isinstance(x, Tensor) else x for x in (mean, std))
    with np.errstate(invalid="ignore", over="ignore"):
        values = np.asarray(m + s * z).astype(d.np_dtype)
    return _into_out(without_gradient(values, mean, std), out, "normal")


def bernoulli(input, p=None, *, generator=None, out=None):
    """1 with probability input (entrywise), else 0, of input's dtype; with a number p, every
    entry is 1 with probability p (input then gives only the shape and dtype)."""
    if not isinstance(input, Tensor):
        if not isinstance(input, np.ndarray):
            raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        input = _as_operand(input, "bernoulli")
    if p is None:
        if not input.dtype.is_floating_point:
            raise NotImplementedError(
                f"bernoulli(): the probabilities must be floating point, got dtype "
                f"{input.dtype.name} (convert with .float(), or give p=)")
        probabilities = input._data
        if np.any(~((probabilities >= 0) & (probabilities <= 1))):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. "
                               "(bernoulli: every probability must lie in [0, 1], and not be "
                               "NaN)")
    else:
        if not _is_scalar(p) or isinstance(p, bool):
            raise TypeError(f"bernoulli(): argument 'p' must be a number, not "
                            f"{type(p).__name__}")
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        probabilities = p
    u = rng(generator).random(input.shape)
    values = (u < probabilities).astype(input._data.dtype)
    return _into_out(without_gradient(values, input), out, "bernoulli")


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices drawn from the categorical distribution each row of input describes.

    input is 1-D (one distribution) or 2-D (one per row) of non-negative weights, not
    necessarily summing to 1: index j is drawn with probability wⱼ / Σ w.  Without
    replacement no index repeats within a row (so num_samples ≤ the number of categories);
    the result is int64 of shape (num_samples,) or (rows, num_samples).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype.name}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim (multinomial got a tensor of shape "
                           f"{tuple(input.shape)})")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    weights = np.atleast_2d(input._data).astype(np.float64)
    categories = weights.shape[1]
    if not replacement and num_samples > categories:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement ({num_samples} samples from {categories} categories)")
    if np.any(~np.isfinite(weights)) or np.any(weights < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = weights.sum(axis=1)
    if np.any(totals <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    g = rng(generator)
    if replacement:
        indices = _with_replacement(g, weights / totals[:, None], num_samples)
    else:
        indices = _without_replacement(g, weights, num_samples)
    if input.ndim == 1:
        indices = indices[0]
    return _into_out(Tensor._wrap(indices.astype(np.int64)), out, "multinomial")


def _with_replacement(g, probabilities, k):
    """Inverse-CDF sampling: index j where cdfⱼ₋₁ ≤ u < cdfⱼ for u ~ U[0, 1); entries of zero
    weight have an empty interval and are never drawn."""
    cdf = np.cumsum(probabilities, axis=1)
    u = g.random((probabilities.shape[0], k))
    last = probabilities.shape[1] - 1 - np.argmax(probabilities[:, ::-1] > 0, axis=1)
    rows = [np.searchsorted(c, x, side="right") for c, x in zip(cdf, u)]
    return np.minimum(np.stack(rows), last[:, None])  # u beyond a rounded cdf[-1] < 1


def _without_replacement(g, weights, k):
    """Sequential draws without replacement, all at once: the k largest of log wⱼ + Gumbel
    noise (the Gumbel-top-k trick).  Zero weights come last, as in PyTorch."""
    with np.errstate(divide="ignore"):
        keys = np.log(weights) - np.log(-np.log(g.random(weights.shape) + math.ulp(0.0)))
    return np.argsort(-keys, axis=1, kind="stable")[:, :k]
