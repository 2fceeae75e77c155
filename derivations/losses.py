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

from .core import Case, Derivation, Grad, Operand, n, o
from .evaluate import Softmax, sigmoid
from .softmax import explicit_softmax

SIZES = Case("n,o = 2,3", dims={"n": 2, "o": 3})
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
    Yhat_, Y_ = Operand("Yhat", ("n", "o")), Operand("Y", ("n", "o"), role="data")
    Yhat, Y = Yhat_.symbol, Y_.symbol
    c, c_text, c_latex = _scale(reduction, per_entry=True)
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
                    % (r"\frac{2}{n o}" if reduction == "mean" else "2"), shape="n×o")],
        forward=lambda v, p: c.subs(_dims(v)) * np.sum((v["Yhat"] - v["Y"]) ** 2),
        cases=[SIZES], method="loss")


def bce(reduction="mean"):
    Yhat_ = Operand("Yhat", ("n", "o"), domain="probability")
    Y_ = Operand("Y", ("n", "o"), role="data", domain="target")
    Yhat, Y = Yhat_.symbol, Y_.symbol
    c, c_text, c_latex = _scale(reduction, per_entry=True)
    ones = sp.OneMatrix(*Yhat.shape)
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
                    r" \odot (\mathbf{1} - \hat Y)\right)" % c_latex, shape="n×o")],
        forward=forward, cases=[SIZES], method="loss",
        notes=["PyTorch clamps each log at −100; inside (0, 1) that never acts"])


def bce_with_logits(reduction="mean"):
    Z_ = Operand("Z", ("n", "o"))
    Y_ = Operand("Y", ("n", "o"), role="data", domain="target")
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
                    r"\frac{\partial L}{\partial Z} = %s(\sigma(Z) - Y)" % c_latex, shape="n×o")],
        forward=forward, cases=[SIZES], method="loss",
        notes=["the engine computes it stably as max(Z, 0) − Z ⊙ Y + log(1 + e^(−|Z|)), "
               "the same function"])


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
        cases=[SIZES], method="loss")


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
        cases=[Case(SIZES.label, params={"dim": 1}, dims=dict(SIZES.dims))],
        method="loss", params={"dim": 1},
        notes=["holds only when every row of Y sums to 1 (the proof writes Y's last column as "
               "1 minus the others); in general ∂L/∂Z = c (S ⊙ (Y𝟏)𝟏ᵀ − Y)",
               "for one-hot Y this is PyTorch's CrossEntropyLoss with class-index targets"])


def _dims(values):
    """The sizes n, o of a loss's prediction, for the scale c."""
    first = next(iter(values.values()))
    return {n: first.shape[0], o: first.shape[1]}


def derivations():
    out = []
    for reduction in REDUCTIONS:
        out += [mse(reduction), bce(reduction), bce_with_logits(reduction),
                cross_entropy(reduction), softmax_cross_entropy(reduction)]
    return out
