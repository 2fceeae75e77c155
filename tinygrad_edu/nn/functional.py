"""nn.functional: activations, the linear map and the losses as plain functions.

Every function here is composed from Tensor operations, so the one backward pass in
autograd.py differentiates it, with four exceptions, as in PyTorch: linear (ops.Linear,
PyTorch's addmm) and the unweighted mse_loss (ops.MseLoss) are primitive ops, because the
seed's MLP calls little else and one node instead of three makes it twice as fast; BCE and
BCE-with-logits are Functions whose backward is written out, because the chain rule through
their stable forms would give NaN at p = 0 or 1 and at logits of ±inf, where PyTorch's is
finite.  Otherwise only the shape, dtype and value checks that give readable errors are
written out by hand.  Notation (docs/gradients.md): X (n × d) a batch with one sample per row,
W (out × in), b (out), Z = X Wᵀ + 𝟏 bᵀ; a loss L reduces the per-element losses ℓᵢ by
'mean' (Σℓᵢ / n), 'sum' (Σℓᵢ) or 'none' (the ℓᵢ themselves).

The numerically stable forms, as PyTorch computes them:

* cross-entropy uses log_softmax, a log-sum-exp (Zᵢ − m − log Σⱼ e^(Zⱼ − m), m = maxⱼ Zⱼ),
  never softmax followed by log, so logits of ±1e4 give finite losses and gradients;
* BCE-with-logits uses softplus(x) = log(1 + eˣ) = relu(x) + log(1 + e^(−|x|)), computed as
  the log-sum-exp of {0, x} so that no exponential overflows;
* BCE on probabilities clamps each log at −100, as PyTorch does, so p = 0 or 1 gives a
  finite loss.
"""


import numbers

import numpy as np

from .. import dtypes as _dt
from .. import ops
from ..autograd import Function, display_as
from ..arguments import _prepare, broadcast_shapes, where
from ..tensor import Tensor
from ..scope import missing_attribute as _missing_attribute
from ..user_warnings import warn

__all__ = [
    "relu", "tanh", "sigmoid", "softmax", "log_softmax", "linear", "mse_loss", "l1_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
    "one_hot", "dropout", "embedding", "smooth_l1_loss", "huber_loss", "kl_div",
    "leaky_relu", "hardtanh", "relu6", "elu", "selu", "celu", "silu", "softplus", "mish",
    "softsign", "gelu", "hardsigmoid", "hardswish", "logsigmoid", "tanhshrink", "threshold",
    "softmin", "prelu", "layer_norm", "batch_norm",
]


# --------------------------------------------------------------------------------------------
# Argument checks shared by everything below
# --------------------------------------------------------------------------------------------

def _tensor_arg(x, role, who):
    """x must be a Tensor; a NumPy array is taken as tensor(array) would take it."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._wrap(np.asarray(x))
    raise TypeError(f"{who}: the {role} must be a Tensor, got {type(x).__name__}")


def _floating_arg(x, role, who):
    x = _tensor_arg(x, role, who)
    if not x.dtype.is_floating_point:
        raise TypeError(
            f"{who}: expected a floating point {role}, got dtype {x.dtype.name}; convert it "
            f"with .float()")
    return x


_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction, who):
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{who}: {reduction!r} is not a valid value for reduction; use 'mean', 'sum' or "
            f"'none'")
    return reduction


def _legacy_reduction(size_average, reduce, reduction, who):
    """PyTorch's old size_average / reduce flags, turned into a reduction (with a warning)."""
    if size_average is None and reduce is None:
        return _check_reduction(reduction, who)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else ("mean" if size_average else "sum")
    warn(f"{who}: size_average and reduce args will be deprecated, please use "
         f"reduction='{reduction}' instead.")
    return reduction


def _reduce(per_element, reduction):
    """'mean' → (1/n) Σ ℓᵢ, 'sum' → Σ ℓᵢ, 'none' → the ℓᵢ."""
    if reduction == "mean":
        return per_element.mean()
    if reduction == "sum":
        return per_element.sum()
    return per_element


def _same_dtype(other, input, role, who):
    """A floating tensor argument (weight, pos_weight) converted to the input's dtype."""
    other = _floating_arg(other, role, who)
    return other if other.dtype == input.dtype else other.to(input.dtype)


# --------------------------------------------------------------------------------------------
# Activations and the linear map
# --------------------------------------------------------------------------------------------

def relu(input, inplace=False):
    """relu(x) = max(x, 0) elementwise; relu'(0) = 0, as PyTorch."""
    input = _tensor_arg(input, "input", "relu")
    return input.relu_() if inplace else input.relu()


def tanh(input):
    """tanh(x) elementwise; tanh'(x) = 1 − tanh²(x)."""
    return _tensor_arg(input, "input", "tanh").tanh()


def sigmoid(input):
    """σ(x) = 1 / (1 + e^(−x)) elementwise; σ'(x) = σ(x)(1 − σ(x))."""
    return _tensor_arg(input, "input", "sigmoid").sigmoid()


def _implicit_softmax_dim(ndim, who):
    """PyTorch's old rule when dim is left out: 0 for 0-, 1- and 3-d input, else 1."""
    warn(f"Implicit dimension choice for {who} has been deprecated. Change the call to include "
         f"dim=X as an argument.")
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(z)ᵢ = e^(zᵢ) / Σⱼ e^(zⱼ) along dim (computed as e^(log_softmax), never
    overflowing)."""
    return _normalize_along(input, dim, dtype, "softmax")


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log_softmax(z)ᵢ = zᵢ − log Σⱼ e^(zⱼ) along dim: a log-sum-exp, stable for any z."""
    return _normalize_along(input, dim, dtype, "log_softmax")


def _normalize_along(input, dim, dtype, name):
    """input.softmax(dim) or input.log_softmax(dim) (`name`), after PyTorch's dtype= and its
    old rule for a missing dim."""
    input = _tensor_arg(input, "input", name)
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _implicit_softmax_dim(input.ndim, name)
    # (PyTorch's name also for a 0-d input, which the method computes as a 1-entry view)
    return display_as(getattr(input, name)(dim), "SoftmaxBackward0" if name == "softmax" else
                      "LogSoftmaxBackward0")


def _check_linear(input, weight, bias, who):
    """The checks before Z = X Wᵀ + b: X has in_features last, W is out × in, b has out
    entries, one dtype.  Reads the arrays' shapes directly: this runs on every layer call.
    `who` (the function's name, or the Linear module, shown by its repr) is only formatted
    into an error."""
    x, w = input._data, weight._data
    if x.ndim == 0:
        raise RuntimeError(
            f"{who}: the input must have at least 1 dimension (a sample of in_features "
            f"values, or a batch of them), got a 0-d tensor")
    if w.ndim != 2:
        raise RuntimeError(f"{who}: weight must be 2-D (out_features × in_features), got shape "
                           f"{tuple(w.shape)}")
    if x.shape[-1] != w.shape[1]:
        raise RuntimeError(
            f"{who}: the input's last dimension is {x.shape[-1]} but in_features is "
            f"{w.shape[1]} (input shape {tuple(x.shape)}, weight shape {tuple(w.shape)}): "
            f"each sample must have in_features values")
    if w.dtype != x.dtype:
        _dtype_mismatch(input, weight, "weight", who)
    if bias is not None:
        b = bias._data
        if b.shape != (w.shape[0],) and b.shape != (1,):
            raise RuntimeError(
                f"{who}: bias must have out_features = {w.shape[0]} entries (shape "
                f"({w.shape[0]},)), got shape {tuple(b.shape)}")
        if b.dtype != x.dtype:
            _dtype_mismatch(input, bias, "bias", who)


def _dtype_mismatch(input, t, role, who):
    raise RuntimeError(
        f"{who}: the input is {input.dtype.name} but the {role} is {t.dtype.name}; use the same "
        f"dtype for both (e.g. x.float(), or model.double())")


def linear(input, weight, bias=None):
    """Z = X Wᵀ + 𝟏 bᵀ:  X (… × in), W (out × in), b (out) → Z (… × out).

    One primitive op (ops.Linear, like PyTorch's addmm): ∂L/∂X = G W, ∂L/∂W = Gᵀ X,
    ∂L/∂b = Gᵀ 𝟏 (the column sums of G) — the rules of matmul, permute and add composed.
    """
    return _linear(input, weight, bias, "linear")


def _linear(input, weight, bias, who):
    """linear() for F.linear and nn.Linear; `who` names the caller in an error (a layer's
    repr, formatted only then)."""
    input = _tensor_arg(input, "input", who)
    weight = _tensor_arg(weight, "weight", who)
    bias = None if bias is None else _tensor_arg(bias, "bias", who)
    _check_linear(input, weight, bias, who)
    return ops.Linear.apply(input, weight, bias)


def _softplus(x):
    """softplus(x) = log(1 + eˣ) = log(e⁰ + eˣ), a log-sum-exp over {0, x}:

        softplus(x) = m + log(e^(−m) + e^(x − m)),   m = max(x, 0) held constant,

    which is relu(x) + log(1 + e^(−|x|)) in value; both exponents are ≤ 0, so nothing
    overflows.  m is detached (the log-sum-exp shift cancels in the derivative), so the
    gradient is exactly σ(x) everywhere — also at x = 0, where differentiating
    relu(x) + log(1 + e^(−|x|)) piece by piece with relu'(0) = |·|'(0) = 0 would give 0, not ½.
    """
    m = x.detach().relu()
    return m + ((-m).exp() + (x - m).exp()).log()


# --------------------------------------------------------------------------------------------
# Regression losses: MSE and L1
# --------------------------------------------------------------------------------------------

def _regression_operands(input, target, who):
    """Two tensors for a regression loss; a target of another shape warns (PyTorch's rule,
    usually an (n, 1) vs (n,) mistake), then broadcasts."""
    input = _tensor_arg(input, "input", who)
    target = _tensor_arg(target, "target", who)
    if target._data.shape != input._data.shape:
        warn(f"{who}: Using a target size ({target.shape}) that is different to the input size "
             f"({input.shape}). This will likely lead to incorrect results due to "
             f"broadcasting. Please ensure they have the same size.")
        broadcast_shapes(who, input.shape, target.shape)
    if input._data.dtype.kind != "f" and target._data.dtype.kind != "f":
        raise TypeError(
            f"{who}: expected floating point input or target, got {input.dtype.name} and "
            f"{target.dtype.name}; convert with .float()")
    return input, target


def _regression_loss(input, target, reduction, weight, who, per_element):
    """per_element(X − Y), optionally weighted, then reduced (operands already checked)."""
    losses = per_element(input - target)
    if weight is None:
        return _reduce(losses, reduction)
    weight = _tensor_arg(weight, "weight", who)
    if weight.shape != input.shape:
        raise ValueError(f"{who}: Weights and input must have the same size (weight "
                         f"{tuple(weight.shape)}, input {tuple(input.shape)}).")
    losses = losses * weight
    if reduction == "mean":
        return losses.sum() / weight.sum()
    return _reduce(losses, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: ℓᵢ = (xᵢ − yᵢ)², ∂ℓᵢ/∂xᵢ = 2(xᵢ − yᵢ).

    A target whose shape differs from the input's warns (naming both sizes) and broadcasts, as
    PyTorch.  With weight (input's shape), 'mean' is Σ wᵢℓᵢ / Σ wᵢ.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction, "mse_loss")
    return _mse_loss(input, target, reduction, weight, "mse_loss")


def _mse_loss(input, target, reduction, weight, who):
    """Unweighted, one primitive op (ops.MseLoss, as PyTorch's mse_loss); weighted, composed."""
    input, target = _regression_operands(input, target, who)
    if weight is not None:
        return _regression_loss(input, target, reduction, weight, who, lambda d: d ** 2)
    if input._data.dtype != target._data.dtype:
        input, target = _prepare((input, target), who)
    return ops.MseLoss.apply(input, target, reduction=reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error: ℓᵢ = |xᵢ − yᵢ|, ∂ℓᵢ/∂xᵢ = sign(xᵢ − yᵢ) (0 where equal)."""
    reduction = _legacy_reduction(size_average, reduce, reduction, "l1_loss")
    return _l1_loss(input, target, reduction, weight, "l1_loss")


def _l1_loss(input, target, reduction, weight, who):
    input, target = _regression_operands(input, target, who)
    return _regression_loss(input, target, reduction, weight, who, lambda d: d.abs())


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """ℓᵢ = ½ dᵢ² / β where |dᵢ| < β, else |dᵢ| − ½β (dᵢ = xᵢ − yᵢ): quadratic near 0, linear
    beyond, so large errors pull no harder than L1; ∂ℓᵢ/∂xᵢ = dᵢ/β, else sign(dᵢ).  β = 0 is
    the L1 loss."""
    reduction = _legacy_reduction(size_average, reduce, reduction, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta (got "
                           f"{beta}).")
    input, target = _regression_operands(input, target, "smooth_l1_loss")
    out = _regression_loss(input, target, reduction, None, "smooth_l1_loss",
                           lambda d: _huber(d, beta, 1.0 / beta if beta else 0.0))
    # PyTorch's name; with beta = 0 it computes l1_loss, whose names the composition has
    return out if beta == 0 else display_as(out, "SmoothL1LossBackward0")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """ℓᵢ = ½ dᵢ² where |dᵢ| < δ, else δ(|dᵢ| − ½δ): δ times smooth_l1 with β = δ;
    ∂ℓᵢ/∂xᵢ = dᵢ, else δ · sign(dᵢ).  With weight (input's shape) the losses wᵢℓᵢ are reduced
    as they are: 'mean' is Σ wᵢℓᵢ / n here, as PyTorch (mse_loss's is Σ wᵢℓᵢ / Σ wᵢ)."""
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta (got "
                           f"{delta}).")
    input, target = _regression_operands(input, target, "huber_loss")
    losses = _huber(input - target, delta, 1.0 / delta) * delta
    if weight is not None:
        weight = _tensor_arg(weight, "weight", "huber_loss")
        if weight.shape != input.shape:
            raise ValueError(f"huber_loss: Weights and input must have the same size (weight "
                             f"{tuple(weight.shape)}, input {tuple(input.shape)}).")
        return _reduce(losses * weight, reduction)  # (PyTorch weighs after its own op too)
    return display_as(_reduce(losses, reduction), "HuberLossBackward0")


def _huber(d, width, inverse_width):
    """½ d² / width inside |d| < width, |d| − ½ width outside (width 0: |d|)."""
    size = d.abs()
    if width == 0:
        return size
    return where(size < width, d * d * (0.5 * inverse_width), size - 0.5 * width)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target ‖ model) from log-probabilities x (input) and probabilities y (target):
    ℓᵢ = yᵢ log yᵢ − yᵢ xᵢ, with 0 log 0 = 0 (log_target=True: y given as log y, ℓᵢ = e^yᵢ (yᵢ −
    xᵢ)).  'batchmean' divides Σℓᵢ by the batch size, the KL divergence per sample (a 0-d
    input: Σℓᵢ itself); 'mean' divides by the number of entries, with PyTorch's warning.

    As PyTorch (its xlogy(y, y) − y x), measured on 2.13: where yᵢ = 0 the loss term is 0 and
    ∂ℓᵢ/∂xᵢ = −yᵢ = 0, but ∂ℓᵢ/∂yᵢ is NaN — y log y has no finite slope at 0 (log 0 + 1 =
    −∞), and the 0 · log 0 of the branch `where` leaves out comes back as 0 · (−∞) in its
    gradient; a negative yᵢ gives NaN (log of a negative number), and yᵢ = 0 with xᵢ = −∞
    gives 0 · ∞ = NaN, as there."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction, "kl_div")
    elif reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    input, target = _regression_operands(input, target, "kl_div")
    if log_target:
        losses = target.exp() * (target - input)
    else:
        losses = where(target == 0, 0.0, target * target.log()) - target * input
    if reduction == "batchmean":
        return losses.sum() / input.shape[0] if input.ndim else losses.sum()
    if reduction == "mean":
        warn("reduction: 'mean' divides the total loss by both the batch size and the support "
             "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
             "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
             "major release.")
    return _reduce(losses, reduction)


# --------------------------------------------------------------------------------------------
# Binary cross-entropy, on probabilities and on logits
# --------------------------------------------------------------------------------------------

def _check_binary_shapes(input, target, who):
    if target.shape != input.shape:
        raise ValueError(
            f"{who}: the target size ({target.shape}) must be the same as the input size "
            f"({input.shape}); PyTorch refuses a broadcast here — reshape the target, e.g. "
            f"y.reshape(-1, 1) or y.view_as(output)")


def _broadcast_weight(weight, input, role, who):
    """weight (or pos_weight) must broadcast to the input's shape without changing it."""
    weight = _same_dtype(weight, input, role, who)
    if broadcast_shapes(who, weight.shape, input.shape) != tuple(input.shape):
        raise RuntimeError(
            f"{who}: the {role} of shape {tuple(weight.shape)} cannot be broadcast to the "
            f"input's shape {tuple(input.shape)}")
    return weight


# PyTorch's floor for p(1 − p) in BCE's gradient: 1e-12 stored as a float32 (≈ 9.9999999600e-13),
# used as such in float64 too.
_BCE_EPSILON = float(np.float32(1e-12))


class BinaryCrossEntropy(Function):
    """ℓ = −[y · max(log p, −100) + (1 − y) · max(log(1 − p), −100)], elementwise.

    Backward as PyTorch defines it, so p = 0 or 1 still gives a finite, informative ∂ℓ/∂p:
        ∂ℓ/∂p = (p − y) / max(p (1 − p), 1e-12)
        ∂ℓ/∂y = log(1 − p) − log p          (unclamped, as PyTorch: ±inf at p = 0 or 1)
    (where no log is clamped, these are exactly −y/p + (1 − y)/(1 − p) and the y-derivative
    of ℓ).  A Function rather than a composition: the chain rule through the clamped logs
    would give 0/0 = NaN at p = 0, where PyTorch gives (p − y) / 1e-12.
    """

    @staticmethod
    def _clamped_logs(p):
        return p.log().clamp(min=-100.0), (1 - p).log().clamp(min=-100.0)

    @staticmethod
    def forward(ctx, p, y):
        ctx.save_for_backward(p, y)
        log_p, log_1mp = BinaryCrossEntropy._clamped_logs(p)
        return -(y * log_p + (1 - y) * log_1mp)

    @staticmethod
    def backward(ctx, grad):
        p, y = ctx.saved_tensors
        need_p, need_y = ctx.needs_input_grad
        grad_p = grad_y = None
        if need_p:
            grad_p = grad * (p - y) / (p * (1 - p)).clamp(min=_BCE_EPSILON)
        if need_y:
            grad_y = grad * ((1 - p).log() - p.log())
        return grad_p, grad_y


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """BCE on probabilities p ∈ [0, 1]: ℓᵢ = −wᵢ[yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)].

    Each log is clamped at −100 (as PyTorch).  Input and target must have the same shape
    (ValueError otherwise) and the same dtype; values outside [0, 1] are an error.  Prefer
    binary_cross_entropy_with_logits on raw scores: it is stable without any clamping.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction, "binary_cross_entropy")
    return _binary_cross_entropy(input, target, weight, reduction, "binary_cross_entropy")


def _check_unit_interval(t, role, who):
    values = t._data
    if values.size and not np.all((values >= 0) & (values <= 1)):  # NaN fails too
        bad = values[~((values >= 0) & (values <= 1))]
        hint = ("the input must be probabilities (apply sigmoid first, or use "
                "BCEWithLogitsLoss on raw scores)" if role == "input" else
                "the target holds the true labels, 0 or 1 (or a probability between them)")
        raise RuntimeError(
            f"{who}: all elements of {role} should be between 0 and 1, got {bad.size} outside "
            f"(e.g. {str(bad.flat[0])}); {hint}")


def _binary_cross_entropy(input, target, weight, reduction, who):
    input = _floating_arg(input, "input", who)
    target = _tensor_arg(target, "target", who)
    _check_binary_shapes(input, target, who)
    if target.dtype != input.dtype:
        raise RuntimeError(
            f"{who}: the target is {target.dtype.name} but the input is {input.dtype.name}; "
            f"use the same floating dtype for both (e.g. target.float())")
    _check_unit_interval(input, "input", who)
    _check_unit_interval(target, "target", who)
    losses = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        losses = losses * _broadcast_weight(weight, input, "weight", who)
    return display_as(_reduce(losses, reduction), "BinaryCrossEntropyBackward0")


class BinaryCrossEntropyWithLogits(Function):
    """ℓ = (1 − y) x + λ softplus(−x),  λ = 1 + (pos_weight − 1) y  (1 without pos_weight),
    elementwise; softplus(−x) = −log σ(x), a log-sum-exp, never overflows.

    Backward as PyTorch's fused one, so a logit of ±inf still gets a finite ∂ℓ/∂x (the chain
    rule through softplus would meet inf − inf there):
        ∂ℓ/∂x = (1 − y) − λ σ(−x)                   (σ(x) − y without pos_weight)
        ∂ℓ/∂y = −x + (pos_weight − 1) softplus(−x)   (−x without pos_weight)
        ∂ℓ/∂pos_weight = y softplus(−x)
    """

    @staticmethod
    def forward(ctx, x, y, pos_weight):
        ctx.save_for_backward(x, y, pos_weight)
        softplus_neg = _softplus(-x)
        if pos_weight is None:
            return (1 - y) * x + softplus_neg
        return (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus_neg

    @staticmethod
    def backward(ctx, grad):
        x, y, pos_weight = ctx.saved_tensors
        need_x, need_y, need_pos_weight = ctx.needs_input_grad
        grad_x = grad_y = grad_pos_weight = None
        if need_x:
            weight_of_positive = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
            grad_x = grad * ((1 - y) - weight_of_positive * (-x).sigmoid())
        if need_pos_weight or (need_y and pos_weight is not None):
            softplus_neg = _softplus(-x)  # once, for both gradients that use it
        if need_y:
            grad_y = grad * (-x if pos_weight is None else -x + (pos_weight - 1) * softplus_neg)
        if need_pos_weight:
            grad_pos_weight = grad * y * softplus_neg
        return grad_x, grad_y, grad_pos_weight


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """BCE on logits x (p = σ(x)), stable for any x:

        ℓᵢ = wᵢ [(1 − yᵢ) xᵢ + λᵢ softplus(−xᵢ)],   λᵢ = 1 + (pos_weight − 1) yᵢ,

    which equals −wᵢ[λᵢ yᵢ log σ(xᵢ) + (1 − yᵢ) log(1 − σ(xᵢ))] because
    −log σ(x) = softplus(−x) and −log(1 − σ(x)) = x + softplus(−x).
    ∂ℓᵢ/∂xᵢ = wᵢ[(1 − yᵢ) − λᵢ σ(−xᵢ)]  (= σ(xᵢ) − yᵢ without weights).
    """
    reduction = _legacy_reduction(size_average, reduce, reduction,
                                  "binary_cross_entropy_with_logits")
    return _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction,
                                             "binary_cross_entropy_with_logits")


def _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction, who):
    input = _floating_arg(input, "input", who)
    target = _tensor_arg(target, "target", who)
    _check_binary_shapes(input, target, who)
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            f"{who}: the target must be floating point (0./1. labels or probabilities), got "
            f"{target.dtype.name}; convert it with target.float()")
    if pos_weight is not None:
        pos_weight = _same_dtype(pos_weight, input, "pos_weight", who)
        broadcast_shapes(f"{who} (pos_weight with target)", pos_weight.shape, target.shape)
    losses = BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    if weight is not None:
        losses = losses * _broadcast_weight(weight, input, "weight", who)
    return display_as(_reduce(losses, reduction), "BinaryCrossEntropyWithLogitsBackward0")


# --------------------------------------------------------------------------------------------
# Cross-entropy and negative log-likelihood over classes (classes on dim 1)
# --------------------------------------------------------------------------------------------

def _class_dim(input, who):
    if input.ndim == 0:
        raise RuntimeError(
            f"{who}: the input must have a class dimension: shape (C,), (N, C) or "
            f"(N, C, d1, …); got a 0-d tensor")
    return 0 if input.ndim == 1 else 1


def _check_class_weight(weight, input, n_classes, who):
    if weight is None:
        return None
    weight = _tensor_arg(weight, "weight", who)
    if weight.ndim != 1 or weight.shape[0] != n_classes:
        raise RuntimeError(
            f"{who}: weight tensor should be defined either for all {n_classes} classes or no "
            f"classes but got weight tensor of shape: {list(weight.shape)}")
    if weight.dtype != input.dtype:
        raise RuntimeError(
            f"{who}: the class weight is {weight.dtype.name} but the input is "
            f"{input.dtype.name}; use the same dtype for both")
    return weight


def _check_class_indices(input, target, class_dim, ignore_index, who, probabilities_allowed):
    """target: int64 class indices of the input's shape without the class dimension."""
    if target.dtype != _dt.int64:
        if target.dtype.is_floating_point and probabilities_allowed:
            hint = (f"a floating target is read as class probabilities only when it has the "
                    f"input's shape {tuple(input.shape)}")
        else:
            hint = "PyTorch refuses this dtype too; convert with target.long()"
        raise RuntimeError(
            f"{who}: expected class-index targets of dtype int64 (long), got "
            f"{target.dtype.name} with shape {tuple(target.shape)}; {hint}")
    expected = tuple(input.shape[:class_dim]) + tuple(input.shape[class_dim + 1:])
    if tuple(target.shape) != expected:
        if input.ndim >= 2 and target.ndim >= 1 and target.shape[0] != input.shape[0]:
            raise ValueError(
                f"{who}: Expected input batch_size ({input.shape[0]}) to match target "
                f"batch_size ({target.shape[0]}) (input shape {tuple(input.shape)}, target "
                f"shape {tuple(target.shape)})")
        raise RuntimeError(
            f"{who}: expected a target of shape {expected} (the input's shape "
            f"{tuple(input.shape)} without the class dimension {class_dim}), got "
            f"{tuple(target.shape)}")
    n_classes = input.shape[class_dim]
    t = target._data
    bad = ((t < 0) | (t >= n_classes)) & (t != ignore_index)
    if np.any(bad):
        raise IndexError(
            f"{who}: Target {int(t[bad].flat[0])} is out of bounds: the input has {n_classes} "
            f"classes, so targets must be in 0..{n_classes - 1} (or ignore_index="
            f"{ignore_index})")


def _pick_classes(values, classes, class_dim):
    """values[n, classes[n, d…], d…]: the entry of each sample's class, shape of classes."""
    if values.ndim == 1:
        return values[classes]
    index = []
    for axis, size in enumerate(values.shape):
        if axis == class_dim:
            index.append(classes)
            continue
        target_axis = axis if axis < class_dim else axis - 1
        shape = [1] * classes.ndim
        shape[target_axis] = size
        index.append(np.arange(size).reshape(shape))
    return values[tuple(index)]


def _nll_parts(log_probs, target, weight, ignore_index, class_dim):
    """Per-element −w[yᵢ] log p[i, yᵢ] (0 where ignored) and the per-element weights w[yᵢ]."""
    t = target._data
    counted = np.asarray(t != ignore_index)
    classes = np.where(counted, t, 0)  # ignored entries look at class 0, then are zeroed
    picked = _pick_classes(log_probs, classes, class_dim)
    if weight is None:
        sample_weight = Tensor._wrap(counted.astype(log_probs._data.dtype))
        losses = where(counted, -picked, 0.0)
    else:
        sample_weight = where(counted, weight[classes], 0.0)
        losses = where(counted, -picked * weight[classes], 0.0)
    return losses, sample_weight


def _reduce_nll(losses, sample_weight, reduction):
    """'mean' divides by the counted weight Σ w[yᵢ] (the count of targets without weight)."""
    if reduction == "mean":
        return losses.sum() / sample_weight.sum()
    return _reduce(losses, reduction)


def _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing, who,
                   input_is_log_probs=False):
    input = _floating_arg(input, "input", who)
    target = _tensor_arg(target, "target", who)
    class_dim = _class_dim(input, who)
    n_classes = input.shape[class_dim]
    weight = _check_class_weight(weight, input, n_classes, who)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(
            f"{who}: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    log_probs = input if input_is_log_probs else input.log_softmax(class_dim)

    if not input_is_log_probs and target.shape == input.shape:
        # Class probabilities: ℓᵢ = −Σ_c w_c q_ic log p_ic, 'mean' divides by the sample count
        if not target.dtype.is_floating_point:
            index_shape = tuple(input.shape[:class_dim] + input.shape[class_dim + 1:])
            raise RuntimeError(
                f"{who}: a target of the input's shape {tuple(input.shape)} holds class "
                f"probabilities and must be floating point, got {target.dtype.name}; for class "
                f"indices give shape {index_shape}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        terms = log_probs * target
        if weight is not None:
            shape = [1] * input.ndim
            shape[class_dim] = n_classes
            terms = terms * weight.reshape(shape)
        losses = -terms.sum(class_dim)
        if reduction == "none":
            return losses
        # PyTorch's names: −(Σ ...) for 'sum', that divided by the batch size for 'mean'
        return display_as(_reduce(losses, reduction), "DivBackward1" if reduction == "mean"
                          else "NegBackward0")

    # Class indices: ℓᵢ = −w[yᵢ] log p[i, yᵢ]
    _check_class_indices(input, target, class_dim, ignore_index, who,
                         probabilities_allowed=not input_is_log_probs)
    losses, sample_weight = _nll_parts(log_probs, target, weight, ignore_index, class_dim)
    nll = _reduce_nll(losses, sample_weight, reduction)
    if label_smoothing == 0:  # the name PyTorch prints: (N, C, d1, …) goes by nll_loss2d, and
        # 'none' but of (N, C, H, W) ends in a view
        name = "NllLossBackward0" if input.ndim < 3 else "ViewBackward0" if (
            reduction == "none" and input.ndim != 4) else "NllLoss2DBackward0"
        return display_as(nll, name)
    # Label smoothing mixes in the uniform target: (1 − ε)·nll + (ε / C)·Σ_c −w_c log p_ic
    if weight is None:
        smooth = -log_probs.sum(class_dim)
    else:
        shape = [1] * input.ndim
        shape[class_dim] = n_classes
        smooth = -(log_probs * weight.reshape(shape)).sum(class_dim)
    smooth = where(np.asarray(target._data != ignore_index), smooth, 0.0)
    smooth = _reduce_nll(smooth, sample_weight, reduction)
    return (1 - label_smoothing) * nll + (label_smoothing / n_classes) * smooth


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits Z (classes on dim 1; shape (C,), (N, C) or (N, C, d1, …)).

    With int64 class indices y:  ℓᵢ = −w[yᵢ] (Z[i, yᵢ] − log Σ_c e^(Z[i, c])), computed by
    log_softmax (a log-sum-exp); targets equal to ignore_index count for nothing; 'mean'
    divides by Σ w[yᵢ] over counted targets (their number without weight).
    ∂L/∂Z = (softmax(Z) − onehot(y)) ⊙ w[y] / (that divisor).
    With class probabilities q (a floating target of Z's shape): ℓᵢ = −Σ_c w_c q_ic log p_ic,
    'mean' divides by the number of samples.  label_smoothing ε mixes q with the uniform 1/C.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction, "cross_entropy")
    return _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing,
                          "cross_entropy")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of log-probabilities (e.g. log_softmax output), classes on
    dim 1, int64 class indices: ℓᵢ = −w[yᵢ] input[i, yᵢ].  cross_entropy = nll_loss ∘
    log_softmax."""
    reduction = _legacy_reduction(size_average, reduce, reduction, "nll_loss")
    return _cross_entropy(input, target, weight, ignore_index, reduction, 0.0, "nll_loss",
                          input_is_log_probs=True)


# --------------------------------------------------------------------------------------------
# More activations: each a composition of where, exp, tanh, log and the stable softplus, its
# gradient PyTorch's at every kink (written as where(x > a, …) so the side PyTorch takes is
# the side taken here), and no exponential of a large input on a branch that is not taken
# (its gradient, 0 · inf, would be NaN).
# --------------------------------------------------------------------------------------------

def _activation_input(input, name):
    input = _tensor_arg(input, "input", name)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"{name}(): not implemented for {input.dtype.name} input; "
                                  f"convert with .float()")
    return input


def _apply(input, inplace, compute, name, inplace_name=None):
    """compute(input), or (inplace=True) compute of a copy written back into input, which is
    returned (computing on input itself would change what its backward saved); its grad_fn
    shows the name PyTorch prints (`inplace_name` for the in-place form, where it differs)."""
    if not inplace:
        return display_as(compute(input), name)
    return display_as(input.copy_(compute(input.clone())), inplace_name or name)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope · x; gradient 1 or negative_slope (the latter at 0)."""
    if isinstance(negative_slope, Tensor) and negative_slope.ndim == 0:
        negative_slope = negative_slope.item()
    if not isinstance(negative_slope, (numbers.Real, np.generic)):
        raise TypeError(f"leaky_relu(): argument 'negative_slope' (position 2) must be a "
                        f"number, not {type(negative_slope).__name__}")
    return _apply(_activation_input(input, "leaky_relu"), inplace,
                  lambda x: where(x > 0, x, x * negative_slope), "LeakyReluBackward0",
                  "LeakyReluBackward1")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]; gradient 1 strictly inside, 0 outside and at the ends
    (PyTorch's rule for hardtanh, unlike clamp's)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(_activation_input(input, "hardtanh"), inplace, lambda x: where(
        (x > min_val) & (x < max_val), x, where(x <= min_val, min_val, max_val)),
        "HardtanhBackward0")


def relu6(input, inplace=False):
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return hardtanh(_activation_input(input, "relu6"), 0.0, 6.0, inplace)


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else α(eˣ − 1); gradient 1 or αeˣ (α at 0)."""
    return _apply(_activation_input(input, "elu"), inplace, lambda x: _elu(x, alpha, 1.0),
                  "EluBackward0", "EluBackward1")


def _elu(x, alpha, input_scale):
    negative = x.clamp(max=0.0) * input_scale  # eˣ only of x ≤ 0: no overflow, no 0 · inf
    return where(x > 0, x, (negative.exp() - 1) * alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale · elu(x, α) with PyTorch's constants α ≈ 1.6733, scale ≈ 1.0507."""
    return _apply(_activation_input(input, "selu"), inplace,
                  lambda x: _elu(x, _SELU_ALPHA, 1.0) * _SELU_SCALE, "EluBackward0",
                  "EluBackward1")  # PyTorch computes selu as a scaled elu


def celu(input, alpha=1.0, inplace=False):
    """x where x > 0, else α(e^(x/α) − 1)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError (celu: alpha must not be 0)")
    return _apply(_activation_input(input, "celu"), inplace,
                  lambda x: _elu(x, alpha, 1.0 / alpha), "CeluBackward0", "CeluBackward1")


def silu(input, inplace=False):
    """x · σ(x) (also called swish)."""
    return _apply(_activation_input(input, "silu"), inplace, lambda x: x * x.sigmoid(),
                  "SiluBackward0")


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(βx)) / β, computed stably; x itself where βx > threshold (as PyTorch)."""
    x = _activation_input(input, "softplus")
    scaled = x * beta
    return display_as(where(scaled > threshold, x, _softplus(scaled) / beta),
                      "SoftplusBackward0")


def mish(input, inplace=False):
    """x · tanh(softplus(x))."""
    return _apply(_activation_input(input, "mish"), inplace, lambda x: x * softplus(x).tanh(),
                  "MishBackward0")


_SQRT_HALF = 0.7071067811865476        # 1/√2
_SQRT_TWO_OVER_PI = 0.7978845608028654  # √(2/π)
_GELU_CUBIC = 0.044715


def gelu(input, *, approximate="none"):
    """x · Φ(x), Φ the standard normal CDF: x · ½(1 + erf(x/√2)) (approximate='none'), or
    PyTorch's tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (approximate='tanh').
    A composition of erf (or tanh), so its gradient Φ(x) + x·φ(x) needs no rule of its own."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu(): approximate argument must be either none or tanh, "
                           f"got {approximate!r}")
    x = _activation_input(input, "gelu")
    if approximate == "tanh":
        inner = (x + x * x * x * _GELU_CUBIC) * _SQRT_TWO_OVER_PI
        out = x * 0.5 * (inner.tanh() + 1)
    else:
        out = x * 0.5 * ((x * _SQRT_HALF).erf() + 1)
    return display_as(out, "GeluBackward0")


def softsign(input):
    """x / (1 + |x|)."""
    x = _activation_input(input, "softsign")
    return x / (x.abs() + 1)


def hardsigmoid(input, inplace=False):
    """0 for x ≤ −3, 1 for x ≥ 3, x/6 + ½ between; gradient 1/6 strictly between, else 0."""
    return _apply(_activation_input(input, "hardsigmoid"), inplace,
                  lambda x: where(x <= -3, 0.0, where(x >= 3, 1.0, x / 6 + 0.5)),
                  "HardsigmoidBackward0")


def hardswish(input, inplace=False):
    """x · hardsigmoid(x): 0 for x ≤ −3, x for x ≥ 3, x(x + 3)/6 between (gradient
    (2x + 3)/6 strictly between; 0 at −3 and 1 at 3, as PyTorch)."""
    return _apply(_activation_input(input, "hardswish"), inplace,
                  lambda x: where(x <= -3, 0.0, where(x < 3, x * (x + 3) / 6, x)),
                  "HardswishBackward0")


def logsigmoid(input):
    """log σ(x) = −softplus(−x), stable for any x."""
    x = _activation_input(input, "logsigmoid")
    return display_as(-_softplus(-x), "LogSigmoidBackward0")


def tanhshrink(input):
    """x − tanh(x)."""
    x = _activation_input(input, "tanhshrink")
    return x - x.tanh()


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value; gradient 1 or 0."""
    return _apply(_activation_input(input, "threshold"), inplace,
                  lambda x: where(x > threshold, x, value), "ThresholdBackward0",
                  "ThresholdBackward1")


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(−x) along dim: the smallest entries get the largest weights."""
    input = _tensor_arg(input, "input", "softmin")
    return _normalize_along(-input, dim, dtype, "softmax")


def prelu(input, weight):
    """x where x > 0, else a · x, with a learned slope a: weight holds one slope, or one per
    channel (dim 1 of the input); gradient to a is Σ x over the entries where x ≤ 0."""
    x = _activation_input(input, "prelu")
    weight = _tensor_arg(weight, "weight", "prelu")
    if weight.numel() == 1:
        weight = weight.reshape(())  # the output keeps the input's shape, 0-d included
    else:
        channels = x.shape[1] if x.ndim >= 2 else 1  # below 2 dims: one channel, as PyTorch
        if weight.ndim != 1 or weight.numel() != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {weight.numel()} and channel size = "
                               f"{channels}.")
        weight = weight.reshape((-1,) + (1,) * (x.ndim - 2))
    return display_as(where(x > 0, x, x * weight), "PreluKernelBackward0")


# --------------------------------------------------------------------------------------------
# Normalization: compositions of mean, subtraction, division and the square root
# --------------------------------------------------------------------------------------------

def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Each sample normalized over its last dims (normalized_shape): (x − μ) / √(σ² + ε),
    μ and σ² (biased) taken over those dims, then · weight + bias (both of that shape)."""
    x = _activation_input(input, "layer_norm")
    shape = _normalized_shape(normalized_shape)
    if tuple(x.shape[x.ndim - len(shape):]) != shape or len(shape) > x.ndim:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of "
                           f"size{list(x.shape)}")
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    return display_as(_normalize(x, dims, weight, bias, eps, lambda t: t),
                      "NativeLayerNormBackward0")


def _normalized_shape(normalized_shape):
    """layer_norm's normalized_shape as a tuple: a tuple, list or Size of ints, at least one, as
    PyTorch (a lone int is refused there, F.layer_norm(x, 4); nn.LayerNorm(4) takes it)."""
    if not isinstance(normalized_shape, (tuple, list)):
        kind = type(normalized_shape)
        name = "Tensor" if isinstance(normalized_shape, Tensor) else kind.__name__ if \
            kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        hint = f" (one dim: write ({normalized_shape},))" if name == "int" else ""
        raise TypeError(f"layer_norm(): argument 'normalized_shape' (position 2) must be tuple "
                        f"of ints, not {name}{hint}")
    for pos, side in enumerate(normalized_shape):
        if isinstance(side, bool) or not isinstance(side, (int, np.integer)):
            raise TypeError(f"layer_norm(): argument 'normalized_shape' (position 2) must be "
                            f"tuple of ints, but found element of type {type(side).__name__} "
                            f"at pos {pos}")
    if not normalized_shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    return tuple(int(side) for side in normalized_shape)


def _normalize(x, dims, weight, bias, eps, align):
    """(x − mean) / √(biased variance + eps) over dims, then the affine weight and bias
    (reshaped by `align` to broadcast against x)."""
    centered = x - x.mean(dims, keepdim=True)
    variance = (centered * centered).mean(dims, keepdim=True)
    out = centered / (variance + eps).sqrt()
    if weight is not None:
        out = out * align(weight)
    if bias is not None:
        out = out + align(bias)
    return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    """Each channel (dim 1 of an (N, C) or (N, C, L) input) normalized: (x − μ) / √(σ² + ε)
    · weight + bias.  Training: μ and σ² (biased) of this batch, and the running statistics
    (when given) move toward them in place, r ← (1 − momentum) r + momentum · stat, with the
    unbiased variance, as PyTorch.  Not training: the running statistics instead."""
    x = _activation_input(input, "batch_norm")
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dims (N, C, …), got "
                         f"shape {tuple(x.shape)}")
    channels = x.shape[1]
    for role, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{role} should contain {channels} elements not {t.numel()}")
    dims = (0,) + tuple(range(2, x.ndim))

    def align(t):
        return t.reshape((channels,) + (1,) * (x.ndim - 2))
    if training:
        count = x.numel() // channels
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {x.shape}")
        if running_mean is not None and running_var is not None:
            data = x._data.astype(np.float64)
            mean = data.mean(axis=dims)
            unbiased = data.var(axis=dims) * count / (count - 1)
            for running, stat in ((running_mean, mean), (running_var, unbiased)):
                running._check_inplace_allowed("batch_norm's update of its running statistics")
                running._data[...] = ((1 - momentum) * running._data + momentum * stat
                                      ).astype(running._data.dtype)
                running._version[0] += 1
        return display_as(_normalize(x, dims, weight, bias, eps, align),
                          "NativeBatchNormBackward0")
    if running_mean is None or running_var is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be given when not "
                           "training")
    out = (x - align(running_mean)) / (align(running_var) + eps).sqrt()
    if weight is not None:
        out = out * align(weight)
    if bias is not None:
        out = out + align(bias)
    return display_as(out, "NativeBatchNormBackward0")


def dropout(input, p=0.5, training=True, inplace=False):
    """Each entry zeroed with probability p and the rest scaled by 1 / (1 − p), so the
    expected value is unchanged: x ⊙ m / (1 − p) with m ~ Bernoulli(1 − p) drawn from the
    library's generator (manual_seed repeats it).  The gradient is the same mask times
    1 / (1 − p).  Not training (model.eval()) or p = 0: the input itself, untouched."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    input = _tensor_arg(input, "input", "dropout")
    if not input.dtype.is_floating_point:  # a RuntimeError, as PyTorch's
        raise RuntimeError(f"dropout: expected a floating point input, got {input.dtype.name} "
                           f"(the kept entries are scaled by 1 / (1 - p)); convert with .float()")
    if not training or p == 0:
        return input
    from ..random import rng  # (the library's stream)
    keep = rng().random(input.shape) >= p
    scale = np.where(keep, 1.0 / (1.0 - p) if p < 1 else 0.0, 0.0).astype(input._data.dtype)
    if inplace:
        return input.mul_(Tensor._wrap(scale))
    return input * Tensor._wrap(scale)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Row lookup: out[..., :] = weight[input[...], :] (weight is num_embeddings × dim, input
    holds int64/int32 indices); the gradient adds each output row back into the weight row
    it came from (repeats add up).  The row padding_idx gets no gradient; max_norm first
    rescales, in place, each looked-up row whose norm exceeds it, as PyTorch."""
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise RuntimeError(f"'weight' must be 2-D (num_embeddings × embedding_dim), got shape "
                           f"{tuple(getattr(weight, 'shape', ()))}")
    input = _tensor_arg(input, "input", "embedding")
    if input.dtype not in (_dt.int64, _dt.int32):
        names = {"float32": "FloatTensor", "float64": "DoubleTensor", "bool": "BoolTensor"}
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got "
                           f"{names[input.dtype.name]} instead (embedding looks up rows by "
                           f"integer index)")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not "
                                  "implemented here")
    rows = weight.shape[0]
    indices = input._data.astype(np.int64)
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        raise IndexError(f"index out of range in self (embedding indices must lie in "
                         f"[0, {rows}), got {int(indices.min())} … {int(indices.max())})")
    if max_norm is not None:
        _renormalize_rows(weight, np.unique(indices), max_norm, norm_type)
    out = weight[Tensor._wrap(indices)]
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += rows
        padded = (indices == padding_idx)[..., None]
        out = where(padded, out.detach(), out)  # the padding row's value, but no gradient
    return display_as(out, "EmbeddingBackward0")


def _renormalize_rows(weight, rows, max_norm, norm_type):
    """In place and unrecorded: weight rows of norm above max_norm scaled down to it."""
    data = weight._data
    norms = np.linalg.norm(data[rows], ord=norm_type, axis=1)
    too_long = norms > max_norm
    if np.any(too_long):
        scale = (max_norm / (norms[too_long] + 1e-7)).astype(data.dtype)
        data[rows[too_long]] *= scale[:, None]
        if type(weight._version) is list:  # (an inference tensor keeps no version; PyTorch
            weight._version[0] += 1        # renormalizes it all the same)


def one_hot(input, num_classes=-1):
    """Class indices → one-hot rows: out[..., c] = 1 where input[...] == c, else 0 (int64, of
    shape input.shape + (num_classes,)); num_classes = -1 takes the largest index + 1.  The
    inverse of out.argmax(-1); no gradient (the input holds indices)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"one_hot(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.dtype != _dt.int64:
        raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor "
                           f"(int64), got {input.dtype.name}; convert with .long()")
    indices = input._data
    if num_classes == -1:
        if indices.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(indices.max()) + 1
    if indices.size and indices.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes < 0 or (indices.size and indices.max() >= num_classes):
        raise RuntimeError(f"Class values must be smaller than num_classes ({num_classes}).")
    return Tensor._wrap((indices[..., None] == np.arange(num_classes)).astype(np.int64))


def __getattr__(name):
    """A name torch.nn.functional has and this engine lacks: NotInEngine (an AttributeError)."""
    raise _missing_attribute(__name__, name, globals())
