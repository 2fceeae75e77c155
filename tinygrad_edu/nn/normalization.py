"""LayerNorm and BatchNorm1d, as in ``torch.nn``: each holds its learned scale and shift and
calls its nn.functional form (layer_norm, batch_norm), a composition of mean, subtraction,
division and the square root, so neither needs a backward rule of its own.

BatchNorm1d keeps running statistics (buffers, saved in state_dict): model.train() normalizes
with each batch's statistics and moves the running ones toward them; model.eval() normalizes
with the running ones.
"""

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from ..tensor import device as _device
from . import functional as F
from .module import Module, Parameter

__all__ = ["LayerNorm", "BatchNorm1d"]


def _filled(shape, value, dtype, device):
    if device is not None:
        _device(device)
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.DEFAULT_FLOAT
    return Tensor._wrap(np.full(shape, value, dtype=d.np_dtype))


class LayerNorm(Module):
    """Normalize each sample over its last dims (normalized_shape), then · weight + bias
    (ones and zeros to start; learned when elementwise_affine)."""

    def __init__(self, normalized_shape, eps=1e-05, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) \
            else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_filled(shape, 1, dtype, device))
            if bias:
                self.bias = Parameter(_filled(shape, 0, dtype, device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine="
                f"{self.elementwise_affine}, bias={self.bias is not None}")


class BatchNorm1d(Module):
    """Normalize each of num_features channels of an (N, C) or (N, C, L) batch, then
    · weight + bias.  Running mean and variance (buffers) are updated in training with
    momentum (None: the cumulative average), and used after model.eval()."""

    def __init__(self, num_features, eps=1e-05, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(_filled((num_features,), 1, dtype, device))
            if bias:
                self.bias = Parameter(_filled((num_features,), 0, dtype, device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _filled((num_features,), 0, dtype, device))
            self.register_buffer("running_var", _filled((num_features,), 1, dtype, device))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.array(0)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def forward(self, input):
        if isinstance(input, Tensor) and input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data[...] += 1
            if self.momentum is None:  # the cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked._data)
        use_batch = self.training or not self.track_running_stats
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            use_batch, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine="
                f"{self.affine}, bias={self.bias is not None}, track_running_stats="
                f"{self.track_running_stats}")
