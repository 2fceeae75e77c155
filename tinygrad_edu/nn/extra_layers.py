"""Unflatten, Dropout and Embedding: layers beyond the seed's that need no backward rule of
their own, as in ``torch.nn``.

Unflatten is a reshape, Dropout multiplies by a random mask (its functional form,
F.dropout, says how), Embedding looks rows up by index (F.embedding); the one backward pass
differentiates each through the ops it is made of.
"""

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from ..tensor import device as _device
from . import functional as F
from . import init
from .layers import layer_size
from .module import Module, Parameter

__all__ = ["Unflatten", "Dropout", "Embedding"]


class Unflatten(Module):
    """Split dim into unflattened_size: (n, 10) → (n, 2, 5) with Unflatten(1, (2, 5)); one
    size may be -1 (inferred).  The inverse of Flatten."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple or list of ints, got "
                            f"{type(unflattened_size).__name__}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        if not isinstance(input, Tensor):
            raise TypeError(f"Unflatten: expected a Tensor input, got {type(input).__name__}")
        shape = list(input.shape)
        d = self.dim + len(shape) if self.dim < 0 else self.dim
        if not 0 <= d < len(shape):
            raise IndexError(f"Unflatten: dimension out of range (expected to be in range of "
                             f"[{-len(shape)}, {len(shape) - 1}], but got {self.dim})")
        sizes = list(self.unflattened_size)
        known = int(np.prod([s for s in sizes if s != -1]))
        if sizes.count(-1) == 1 and known and shape[d] % known == 0:
            sizes[sizes.index(-1)] = shape[d] // known
        if sizes.count(-1) or int(np.prod(sizes)) != shape[d]:
            raise RuntimeError(f"unflatten: Provided sizes {list(self.unflattened_size)} don't "
                               f"multiply up to the size of dim {self.dim} ({shape[d]}) in the "
                               f"input tensor")
        return input.reshape(tuple(shape[:d] + sizes + shape[d + 1:]))

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _check_p(p):
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return p


class Dropout(Module):
    """In training, each entry zeroed with probability p and the rest scaled by 1 / (1 − p);
    after model.eval(), the input unchanged (see F.dropout)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = _check_p(p)
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Embedding(Module):
    """A learned table of num_embeddings rows of embedding_dim numbers, looked up by index:
    C[X] in a character-level MLP (see F.embedding).  The weight starts as N(0, 1) samples
    from the library's generator; the row padding_idx (negative counts from the end) starts
    at 0 and gets no gradient."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        num_embeddings = layer_size(num_embeddings, "num_embeddings", "Embedding")
        embedding_dim = layer_size(embedding_dim, "embedding_dim", "Embedding")
        if device is not None:
            _device(device)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            d = _dt.to_dtype(dtype) if dtype is not None else _dt.DEFAULT_FLOAT
            self.weight = Parameter(Tensor._wrap(np.zeros((num_embeddings, embedding_dim),
                                                          dtype=d.np_dtype)))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError("Shape of weight does not match num_embeddings and "
                                     "embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        """weight ~ N(0, 1), with the padding row set to 0."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding holding the given 2-D tensor as its weight (frozen unless
        freeze=False)."""
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        if self.sparse:
            text += ", sparse=True"
        return text
