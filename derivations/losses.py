"""Losses: MSE, BCE, BCE-with-logits, cross-entropy on probabilities, softmax cross-entropy.

Each is a scalar L of a prediction (n×o) and a target Y of the same shape.  The reduction is
explicit (SYMPY-NOTES.md): 'mean' divides by the number of terms averaged, 'sum' does not.
    mse            L = c Σ (Ŷ − Y)²,                         c = 1/(n·o) | 1
    bce            L = −c Σ [Y ⊙ log Ŷ + (𝟏 − Y) ⊙ log(𝟏 − Ŷ)],  c = 1/(n·o) | 1,  Ŷ ∈ (0, 1)
    bce_with_logits  the same with Ŷ = σ(Z), written on the logits Z
    cross_entropy  L = −c Σ Y ⊙ log Ŷ,                        c = 1/n | 1 (mean over samples)
    softmax_cross_entropy  the same with Ŷ = softmax(Z) along rows: PyTorch's CrossEntropyLoss
                   on logits Z (one-hot Y = class indices, or rows of class probabilities)
The '_sum' variants are the 'sum' reductions.
"""

import numpy as np
import sympy as sp

from .core import Derivation, Grad, Operand, n, o, size_cases
from .evaluate import DimSum, Softmax, sigmoid
from .softmax import explicit_softmax

# Three n×o sizes with n ≠ o, chosen so that no wrong scale hides behind all three: 1/o for 1/n
# needs n ≠ o; 2/(n(n+1)) for 2/(n·o) needs o ≠ n + 1 (5×2); a hard-coded 1/3 needs n ≠ 3 for
# 1/n and n·o ≠ 6 for 2/(n·o) (3×4 and 5×2 for MSE; 2×3 and 5×2 for cross-entropy).
SIZES = [(2, 3), (3, 4), (5, 2)]
THOROUGH_SIZES = [(4, 1), (1, 5), (6, 4)]


def _cases(sizes=SIZES, params=None):
    return size_cases("no", sizes, "n×o = {}", params)
REDUCTIONS = ("mean", "sum")


def _d(wrt):
    return r"\frac{\partial L}{\partial %s}" % wrt


def _scale(reduction, per_entry):
    """c as a SymPy scalar, and its text: 1/(n·o) or 1/n for 'mean', 1 for 'sum'."""
    if reduction == "sum":
        return sp.Integer(1), "", ""
    if per_entry:
        return 1 / (n * o), "(1/(n·o)) ", r"\frac{1}{n o}"
    return 1 / n, "(1/n) ", r"\frac{1}{n}"


def _name(base, reduction):
    return base if reduction == "mean" else f"{base}_sum"


def _log(a):
    return np.vectorize(sp.log, otypes=[object])(a)


def mse(reduction="mean"):
    Yhat_, Y_ = Operand("Yhat", ("n", "o")), Operand("Y", ("n", "o"))
    Yhat, Y = Yhat_.symbol, Y_.symbol
    c, c_text, c_latex = _scale(reduction, per_entry=True)
    two = r"\frac{2}{n o}" if reduction == "mean" else "2"
    return Derivation(
        # 'mean' is the engine op ops.MseLoss (named mse); 'sum' is the same op's other reduction
        _name("mse", reduction), kind="op" if reduction == "mean" else "quantity",
        topic="losses",
        title=f"mean squared error, reduction '{reduction}'",
        forward_unicode=f"L = {c_text}Σ (Ŷ − Y)⊙(Ŷ − Y)",
        forward_latex=r"L = %s\textstyle\sum (\hat Y - Y)^{\circ 2}" % c_latex,
        operands=[Yhat_, Y_], output_shape="scalar",
        grads=[Grad("Yhat", 2 * c * (Yhat - Y), f"∂L/∂Ŷ = 2{c_text}(Ŷ − Y)",
                    r"\frac{\partial L}{\partial \hat Y} = %s(\hat Y - Y)"
                    % two, shape="n×o"),
               Grad("Y", -2 * c * (Yhat - Y), f"∂L/∂Y = −2{c_text}(Ŷ − Y)   (the target's)",
                    r"\frac{\partial L}{\partial Y} = -%s(\hat Y - Y)" % two, shape="n×o")],
        forward=lambda v, p: c.subs(_dims(v)) * np.sum((v["Yhat"] - v["Y"]) ** 2),
        cases=_cases(), method="loss",
        thorough_cases=_cases(THOROUGH_SIZES))


def bce(reduction="mean"):
    Yhat_ = Operand("Yhat", ("n", "o"), domain="probability")
    Y_ = Operand("Y", ("n", "o"), domain="target")
    Yhat, Y = Yhat_.symbol, Y_.symbol
    c, c_text, c_latex = _scale(reduction, per_entry=True)
    ones = sp.OneMatrix(*Yhat.shape)
    x = sp.Symbol("x")
    log_odds_against = Yhat.applyfunc(sp.Lambda(x, sp.log(1 - x) - sp.log(x)))
    closed = c * sp.HadamardProduct(Yhat - Y, sp.HadamardPower(
        sp.HadamardProduct(Yhat, ones - Yhat), -1))

    def forward(v, p):
        yhat, y = v["Yhat"], v["Y"]
        return -c.subs(_dims(v)) * np.sum(y * _log(yhat) + (1 - y) * _log(1 - yhat))

    return Derivation(
        _name("bce", reduction), kind="quantity", topic="losses",
        title=f"binary cross-entropy on probabilities, reduction '{reduction}'",
        forward_unicode=f"L = −{c_text}Σ [Y ⊙ log Ŷ + (𝟏 − Y) ⊙ log(𝟏 − Ŷ)]   (Ŷ in (0, 1))",
        forward_latex=r"L = -%s\textstyle\sum \left[Y \odot \log \hat Y + (\mathbf{1} - Y)"
                      r" \odot \log(\mathbf{1} - \hat Y)\right]" % c_latex,
        operands=[Yhat_, Y_], output_shape="scalar",
        grads=[Grad("Yhat", closed, f"∂L/∂Ŷ = {c_text}(Ŷ − Y) ⊘ (Ŷ ⊙ (𝟏 − Ŷ))",
                    r"\frac{\partial L}{\partial \hat Y} = %s(\hat Y - Y) \oslash \left(\hat Y"
                    r" \odot (\mathbf{1} - \hat Y)\right)" % c_latex, shape="n×o"),
               Grad("Y", c * log_odds_against,
                    f"∂L/∂Y = {c_text}(log(𝟏 − Ŷ) − log Ŷ)   (the target's)",
                    r"\frac{\partial L}{\partial Y} = %s\left(\log(\mathbf{1} - \hat Y)"
                    r" - \log \hat Y\right)" % c_latex, shape="n×o")],
        forward=forward, cases=_cases(), method="loss",
        thorough_cases=_cases(THOROUGH_SIZES),
        notes=["PyTorch clamps each log at −100; inside (0, 1) that never acts"])


def bce_with_logits(reduction="mean"):
    Z_ = Operand("Z", ("n", "o"))
    Y_ = Operand("Y", ("n", "o"), domain="target")
    Z, Y = Z_.symbol, Y_.symbol
    c, c_text, c_latex = _scale(reduction, per_entry=True)
    x = sp.Symbol("x")

    def forward(v, p):
        z, y = v["Z"], v["Y"]
        s = np.vectorize(lambda t: 1 / (1 + sp.exp(-t)), otypes=[object])(z)
        return -c.subs(_dims(v)) * np.sum(y * _log(s) + (1 - y) * _log(1 - s))

    return Derivation(
        _name("bce_with_logits", reduction), kind="quantity", topic="losses",
        title=f"binary cross-entropy on logits (BCE of σ(Z)), reduction '{reduction}'",
        forward_unicode=f"L = −{c_text}Σ [Y ⊙ log σ(Z) + (𝟏 − Y) ⊙ log(𝟏 − σ(Z))]",
        forward_latex=r"L = -%s\textstyle\sum \left[Y \odot \log \sigma(Z) + (\mathbf{1} - Y)"
                      r" \odot \log(\mathbf{1} - \sigma(Z))\right]" % c_latex,
        operands=[Z_, Y_], output_shape="scalar",
        grads=[Grad("Z", c * (Z.applyfunc(sp.Lambda(x, sigmoid(x))) - Y),
                    f"∂L/∂Z = {c_text}(σ(Z) − Y)",
                    r"\frac{\partial L}{\partial Z} = %s(\sigma(Z) - Y)" % c_latex, shape="n×o"),
               Grad("Y", -c * Z, f"∂L/∂Y = −{c_text}Z   (the target's)",
                    r"\frac{\partial L}{\partial Y} = -%s Z" % c_latex, shape="n×o")],
        forward=forward, cases=_cases(), method="loss",
        thorough_cases=_cases(THOROUGH_SIZES),
        notes=["the engine computes it stably as max(Z, 0) − Z ⊙ Y + log(1 + e^(−|Z|)), "
               "the same function"])


def bce_with_logits_weighted(reduction="mean"):
    """BCE on logits with a weight W per entry and a pos_weight P (PyTorch's weight= and
    pos_weight=; the engine's hand-written Function), every input's gradient."""
    Z_, Y_ = Operand("Z", ("n", "o")), Operand("Y", ("n", "o"), domain="target")
    W_, P_ = Operand("W", ("n", "o")), Operand("P", ("n", "o"), domain="positive")
    Z, Y, W, P = Z_.symbol, Y_.symbol, W_.symbol, P_.symbol
    c, c_text, c_latex = _scale(reduction, per_entry=True)
    x = sp.Symbol("x")
    S = Z.applyfunc(sp.Lambda(x, sigmoid(x)))
    softplus_neg = Z.applyfunc(sp.Lambda(x, sp.log(1 + sp.exp(-x))))
    lam = sp.OneMatrix(*Z.shape) + sp.HadamardProduct(P, Y) - Y  # λ = 𝟏 + (P − 𝟏) ⊙ Y
    terms = sp.HadamardProduct(sp.OneMatrix(*Z.shape) - Y, Z) + sp.HadamardProduct(
        lam, softplus_neg)

    def forward(v, p):  # ℓ = w [(1 − y) z + λ log(1 + e^(−z))], λ = 1 + (p − 1) y
        z, y, w, pw = v["Z"], v["Y"], v["W"], v["P"]
        softplus = np.vectorize(lambda t: sp.log(1 + sp.exp(-t)), otypes=[object])(z)
        return c.subs(_dims(v)) * np.sum(w * ((1 - y) * z + (1 + (pw - 1) * y) * softplus))

    d = r"\frac{\partial L}{\partial %s}"
    return Derivation(
        _name("bce_with_logits_weighted", reduction), kind="quantity", topic="losses",
        title=f"binary cross-entropy on logits with weight W and pos_weight P, reduction "
              f"'{reduction}'",
        forward_unicode=f"L = {c_text}Σ W ⊙ [(𝟏 − Y) ⊙ Z + Λ ⊙ softplus(−Z)],  "
                        f"Λ = 𝟏 + (P − 𝟏) ⊙ Y",
        forward_latex=r"L = %s\textstyle\sum W \odot \left[(\mathbf{1} - Y) \odot Z + "
                      r"\Lambda \odot \operatorname{softplus}(-Z)\right]" % c_latex,
        operands=[Z_, Y_, W_, P_], output_shape="scalar",
        aux=[],
        grads=[Grad("Z", c * sp.HadamardProduct(W, sp.HadamardProduct(S, lam)
                                                - sp.HadamardProduct(P, Y)),
                    f"∂L/∂Z = {c_text}W ⊙ (σ(Z) ⊙ Λ − P ⊙ Y)",
                    d % "Z" + r" = %s W \odot (\sigma(Z) \odot \Lambda - P \odot Y)" % c_latex,
                    shape="n×o"),
               Grad("Y", c * sp.HadamardProduct(W, sp.HadamardProduct(
                   P - sp.OneMatrix(*Z.shape), softplus_neg) - Z),
                    f"∂L/∂Y = {c_text}W ⊙ ((P − 𝟏) ⊙ softplus(−Z) − Z)",
                    d % "Y" + r" = %s W \odot \left((P - \mathbf{1}) \odot "
                    r"\operatorname{softplus}(-Z) - Z\right)" % c_latex, shape="n×o"),
               Grad("W", c * terms, f"∂L/∂W = {c_text}[(𝟏 − Y) ⊙ Z + Λ ⊙ softplus(−Z)]",
                    d % "W" + r" = %s\left[(\mathbf{1} - Y) \odot Z + \Lambda \odot "
                    r"\operatorname{softplus}(-Z)\right]" % c_latex, shape="n×o"),
               Grad("P", c * sp.HadamardProduct(W, Y, softplus_neg),
                    f"∂L/∂P = {c_text}W ⊙ Y ⊙ softplus(−Z)",
                    d % "P" + r" = %s W \odot Y \odot \operatorname{softplus}(-Z)" % c_latex,
                    shape="n×o")],
        forward=forward, cases=_cases(), method="loss",
        thorough_cases=_cases(THOROUGH_SIZES),
        notes=["softplus(−z) = log(1 + e^(−z)) = −log σ(z), so this is "
               "−W ⊙ [P ⊙ Y ⊙ log σ(Z) + (𝟏 − Y) ⊙ log(𝟏 − σ(Z))]: with W = P = 𝟏, "
               "bce_with_logits",
               "PyTorch broadcasts W and P (P along the last dim): the engine sums these "
               "gradients over the broadcast axes, as 'add' proves"])


def cross_entropy(reduction="mean"):
    Yhat_ = Operand("Yhat", ("n", "o"), domain="positive")
    Y_ = Operand("Y", ("n", "o"), role="data", domain="distribution")
    Yhat, Y = Yhat_.symbol, Y_.symbol
    c, c_text, c_latex = _scale(reduction, per_entry=False)
    return Derivation(
        _name("cross_entropy", reduction), kind="quantity", topic="losses",
        title=f"cross-entropy on probabilities, reduction '{reduction}' (over samples)",
        forward_unicode=f"L = −{c_text}Σ Y ⊙ log Ŷ",
        forward_latex=r"L = -%s\textstyle\sum Y \odot \log \hat Y" % c_latex,
        operands=[Yhat_, Y_], output_shape="scalar",
        grads=[Grad("Yhat", -c * sp.HadamardProduct(Y, sp.HadamardPower(Yhat, -1)),
                    f"∂L/∂Ŷ = −{c_text}Y ⊘ Ŷ",
                    r"\frac{\partial L}{\partial \hat Y} = -%s Y \oslash \hat Y" % c_latex,
                    shape="n×o")],
        forward=lambda v, p: -c.subs(_dims(v)) * np.sum(v["Y"] * _log(v["Yhat"])),
        cases=_cases(), method="loss",
        thorough_cases=_cases(THOROUGH_SIZES))


def softmax_cross_entropy(reduction="mean"):
    Z_ = Operand("Z", ("n", "o"))
    Y_ = Operand("Y", ("n", "o"), role="data", domain="distribution")
    Z, Y = Z_.symbol, Y_.symbol
    S = sp.MatrixSymbol("S", *Z.shape)
    c, c_text, c_latex = _scale(reduction, per_entry=False)
    return Derivation(
        _name("softmax_cross_entropy", reduction), kind="quantity", topic="losses",
        title=f"softmax cross-entropy on logits (PyTorch's CrossEntropyLoss), "
              f"reduction '{reduction}'",
        forward_unicode=f"L = −{c_text}Σ Y ⊙ log softmax(Z)   (softmax along rows; rows of Y "
                        f"sum to 1)",
        forward_latex=r"L = -%s\textstyle\sum Y \odot \log \operatorname{softmax}(Z)" % c_latex,
        operands=[Z_, Y_], output_shape="scalar",
        aux=[(S, Softmax(Z), "S = softmax(Z) along rows")],
        grads=[Grad("Z", c * (S - Y), f"∂L/∂Z = {c_text}(S − Y)",
                    r"\frac{\partial L}{\partial Z} = %s(S - Y)" % c_latex, shape="n×o")],
        forward=lambda v, p: -c.subs(_dims(v)) * np.sum(
            v["Y"] * _log(explicit_softmax(v["Z"], 1))),
        cases=_cases(params={"dim": 1}), thorough_cases=_cases(THOROUGH_SIZES, {"dim": 1}),
        method="loss", params={"dim": 1},
        notes=["holds only when every row of Y sums to 1 (the proof writes Y's last column as "
               "1 minus the others); in general ∂L/∂Z = c (S ⊙ (Y𝟏)𝟏ᵀ − Y)",
               "for one-hot Y this is PyTorch's CrossEntropyLoss with class-index targets"])


def softmax_cross_entropy_soft(reduction="mean"):
    """Softmax cross-entropy with targets Y of any nonnegative rows (not summing to 1: label
    smoothing, soft labels), and the gradient with respect to the targets too."""
    Z_, Y_ = Operand("Z", ("n", "o")), Operand("Y", ("n", "o"), domain="target")
    Z, Y = Z_.symbol, Y_.symbol
    S = sp.MatrixSymbol("S", *Z.shape)
    c, c_text, c_latex = _scale(reduction, per_entry=False)
    x = sp.Symbol("x")
    d = r"\frac{\partial L}{\partial %s}"
    return Derivation(
        _name("softmax_cross_entropy_soft", reduction), kind="quantity", topic="losses",
        title=f"softmax cross-entropy with soft targets (rows of Y need not sum to 1), "
              f"reduction '{reduction}'",
        forward_unicode=f"L = −{c_text}Σ Y ⊙ log softmax(Z)   (softmax along rows)",
        forward_latex=r"L = -%s\textstyle\sum Y \odot \log \operatorname{softmax}(Z)"
                      % c_latex,
        operands=[Z_, Y_], output_shape="scalar",
        aux=[(S, Softmax(Z), "S = softmax(Z) along rows")],
        grads=[Grad("Z", c * (sp.HadamardProduct(S, DimSum(Y)) - Y),
                    f"∂L/∂Z = {c_text}(S ⊙ (Y 𝟏𝟏ᵀ) − Y)",
                    d % "Z" + r" = %s\left(S \odot (Y \mathbf{1}\mathbf{1}^\top) - Y\right)"
                    % c_latex, shape="n×o"),
               Grad("Y", -c * S.applyfunc(sp.Lambda(x, sp.log(x))),
                    f"∂L/∂Y = −{c_text}log S   (the target's)",
                    d % "Y" + r" = -%s \log S" % c_latex, shape="n×o")],
        forward=lambda v, p: -c.subs(_dims(v)) * np.sum(
            v["Y"] * _log(explicit_softmax(v["Z"], 1))),
        cases=_cases(params={"dim": 1}), thorough_cases=_cases(THOROUGH_SIZES, {"dim": 1}),
        method="loss", params={"dim": 1},
        notes=["with rows of Y summing to 1 the Z rule is softmax_cross_entropy's c (S − Y)",
               "PyTorch's CrossEntropyLoss with class-probability targets"])


def _dims(values):
    """The sizes n, o of a loss's prediction, for the scale c."""
    first = next(iter(values.values()))
    return {n: first.shape[0], o: first.shape[1]}


def derivations():
    out = []
    for reduction in REDUCTIONS:
        out += [mse(reduction), bce(reduction), bce_with_logits(reduction),
                bce_with_logits_weighted(reduction),
                cross_entropy(reduction), softmax_cross_entropy(reduction),
                softmax_cross_entropy_soft(reduction)]
    return out
