"""SmoothL1Loss, HuberLoss and KLDivLoss: the loss modules beyond the seed's, as in
``torch.nn``.  Each holds its options and calls its nn.functional form, composed of existing
ops (where, abs, log, exp), so it needs no backward rule of its own.
"""

from . import functional as F
from .losses import _Loss

__all__ = ["SmoothL1Loss", "HuberLoss", "KLDivLoss"]


class SmoothL1Loss(_Loss):
    """ℓᵢ = ½ dᵢ² / β where |dᵢ| < β, else |dᵢ| − ½β, with dᵢ = xᵢ − yᵢ (see F.smooth_l1_loss)."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self._reduction(), beta=self.beta)


class HuberLoss(_Loss):
    """ℓᵢ = ½ dᵢ² where |dᵢ| < δ, else δ(|dᵢ| − ½δ) (see F.huber_loss)."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self._reduction(), delta=self.delta)


class KLDivLoss(_Loss):
    """KL(target ‖ model) from log-probabilities (see F.kl_div); reduction='batchmean' gives
    the divergence per sample."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = F._legacy_reduction(size_average, reduce, reduction, "KLDivLoss")
        self.reduction = reduction
        self.log_target = log_target

    def _reduction(self):
        return self.reduction

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self._reduction(), log_target=self.log_target)
