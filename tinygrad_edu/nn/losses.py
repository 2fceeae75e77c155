"""Loss modules: each holds its options (reduction, weights) and calls nn.functional.

A loss compares a model's output (the input) with the target and reduces the per-element
losses ℓᵢ by 'mean' (the default), 'sum' or 'none'.  Errors name the loss, e.g. "MSELoss: …".
"""

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss"]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if isinstance(size_average, Tensor) or isinstance(reduce, Tensor):
            name = type(self).__name__  # nn.MSELoss(pred, y): the slip of calling the class
            raise TypeError(f"{name}() was given tensors: a loss is made once, then called, "
                            f"criterion = nn.{name}(); loss = criterion(output, target)")
        self.reduction = F._legacy_reduction(size_average, reduce, reduction,
                                             type(self).__name__)

    def _reduction(self):
        # checked again at call time: `loss.reduction = ...` may have changed it
        return F._check_reduction(self.reduction, type(self).__name__)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error: ℓᵢ = (xᵢ − yᵢ)².  A target of another shape warns, then
    broadcasts (as PyTorch): give the target the output's shape, e.g. (n, 1)."""

    def forward(self, input, target):
        return F._mse_loss(input, target, self._reduction(), None, "MSELoss")


class L1Loss(_Loss):
    """Mean absolute error: ℓᵢ = |xᵢ − yᵢ|.  Shape rule as MSELoss."""

    def forward(self, input, target):
        return F._l1_loss(input, target, self._reduction(), None, "L1Loss")


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities p ∈ [0, 1] (e.g. after Sigmoid):
    ℓᵢ = −wᵢ[yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)], each log clamped at −100.
    Input and target must have the same shape; inputs outside [0, 1] are an error."""

    def forward(self, input, target):
        return F._binary_cross_entropy(input, target, self.weight, self._reduction(),
                                       "BCELoss")


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross-entropy in one stable step, on raw scores (logits) x:
    ℓᵢ = wᵢ[(1 − yᵢ) xᵢ + (1 + (pos_weight − 1) yᵢ) softplus(−xᵢ)]."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F._binary_cross_entropy_with_logits(input, target, self.weight, self.pos_weight,
                                                   self._reduction(), "BCEWithLogitsLoss")


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits, classes on dim 1: log_softmax then the negative
    log-likelihood of the target class (int64 indices, ignore_index skipped) or of class
    probabilities (a floating target of the input's shape).  weight rescales each class;
    label_smoothing ε mixes the target with the uniform distribution."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F._cross_entropy(input, target, self.weight, self.ignore_index,
                                self._reduction(), self.label_smoothing, "CrossEntropyLoss")


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (e.g. LogSoftmax output), classes on
    dim 1, int64 class indices: ℓᵢ = −w[yᵢ] input[i, yᵢ]."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F._cross_entropy(input, target, self.weight, self.ignore_index,
                                self._reduction(), 0.0, "NLLLoss", input_is_log_probs=True)
