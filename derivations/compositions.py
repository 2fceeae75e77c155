"""Compositions: the differentiable operations the engine builds from its primitives
(tinygrad_edu.primitives.COMPOSITIONS).  The engine has no backward rule for them (autograd
chains the primitives' proved rules), so what is proved is the closed form a textbook states:
∂ logsumexp/∂A = softmax(A), ∂ var/∂A = 2(A − Ā)/(N − correction), layer_norm's three-term
rule, elu′ = 1 or α eˣ, each written by hand and checked entry by entry against SymPy
differentiating the forward definition.  At each kink the closed form states PyTorch's choice
(Heaviside(x, value): leaky_relu′(0) = slope, hardtanh′(±1) = 0, ties of amax shared evenly, 0
where a norm or a std is 0), and check-engine compares it with the engine exactly there.

Piecewise forwards are proved on pieces, as relu and clamp are (derivations/elementwise.py):
a point substitution puts every entry on one side of each kink (a ↦ c ± t, or strictly between
two bounds: a ↦ lo + (hi − lo) t/(1 + t), t > 0), where the forward is a smooth branch.  Linear
structural ones (flip, tril, triu, gather, embedding) are proved as adjoints.  These rules
are not in tinygrad_edu/rule_texts.py: viz.trace_backward draws the primitives a composition
records, each with its own proved rule.
"""

import numpy as np
import sympy as sp

from . import elementwise, reductions, softmax
from .core import Case, Derivation, Grad, Operand, PieceSpec, n, o, size_cases
from .elementwise import THOROUGH_SIZES, _d, entrywise, shape_cases
from .evaluate import (
    DimSum,
    Node,
    ScatterAdd,
    Softmax,
    Unreduce,
    _extreme_mask,
    _object_power,
    explicit,
    reciprocal0,
    sigmoid,
)
from .reductions import entries_reduced

KIND = "composition"
TOPIC = "compositions"
H = sp.Heaviside
x = sp.Symbol("x")
A_, G_ = elementwise.A_, elementwise.G_
A, G = A_.symbol, G_.symbol
SIZES = [(2, 3), (3, 4), (5, 2)]
M_SYMBOLS = {"n": n, "o": o}


# --------------------------------------------------------------------------------------------
# Pieces: point substitutions that put every entry on one side of a kink
# --------------------------------------------------------------------------------------------

def _param(name):
    return lambda params: sp.sympify(params[name])


def _const(value):
    return lambda params: sp.sympify(value)


def _substituted(expr, params):
    """expr with each parameter symbol replaced by its value in params (matched by name)."""
    expr = sp.sympify(expr)
    return expr.xreplace({s: sp.sympify(params[str(s)]) for s in expr.free_symbols
                          if str(s) in params})


def _entrywise_expr(expr, name="A"):
    """(values, params) → expr, a function of x and parameters, applied to every entry."""
    def apply(values, params):
        return entrywise(sp.Lambda(x, explicit(_substituted(expr, params))))(values[name])
    return apply


def _t(a):
    return sp.Symbol(f"t_{a}", positive=True)


def _offset(center, sign, name="A"):
    """Every entry a ↦ center ± tₐ (tₐ > 0)."""
    def point(values, params):
        c = center(params)
        return {a: c + sign * _t(a) for a in values[name].flat}
    return point


def _between(lo, hi):
    """Every entry strictly between lo and hi: a ↦ lo + (hi − lo) tₐ/(1 + tₐ)."""
    def point(values, params):
        low, high = lo(params), hi(params)
        return {a: low + (high - low) * _t(a) / (1 + _t(a)) for a in values["A"].flat}
    return point


def _sides(center, below, above, at="0"):
    """The pieces A > c and A < c, with the smooth branch (an expression in x) on each."""
    return [PieceSpec(f"A > {at}", _offset(center, 1), _entrywise_expr(above)),
            PieceSpec(f"A < {at}", _offset(center, -1), _entrywise_expr(below))]


def _interval(lo, hi, below, inside, above, text=("lo", "hi")):
    """The pieces A < lo, lo < A < hi and A > hi."""
    return [PieceSpec(f"A < {text[0]}", _offset(lo, -1), _entrywise_expr(below)),
            PieceSpec(f"{text[0]} < A < {text[1]}", _between(lo, hi), _entrywise_expr(inside)),
            PieceSpec(f"A > {text[1]}", _offset(hi, 1), _entrywise_expr(above))]


def _signs(name, pattern, label):
    """Entry index ↦ +1 or −1: each entry of operand `name` is ±t (decides |a|, sign(a))."""
    def point(values, params):
        return {a: pattern(index) * _t(a) for index, a in np.ndenumerate(values[name])}
    return point, label


POSITIVE = (lambda index: 1, "all > 0")
NEGATIVE = (lambda index: -1, "all < 0")
CHECKERBOARD = (lambda index: 1 if sum(index) % 2 == 0 else -1, "signs alternating")


def _sign_pieces(name, forward, patterns=(POSITIVE, CHECKERBOARD)):
    """Sign pieces on which `forward` itself (with |a| and sign(a) decided) is the branch."""
    return [PieceSpec(label, _signs(name, pattern, label)[0], forward)
            for pattern, label in patterns]


# --------------------------------------------------------------------------------------------
# Activations and square: out = f(A) entrywise, ∂L/∂A = G ⊙ f′(A)
# --------------------------------------------------------------------------------------------

def _activation(name, title, f, derivative, forward_text, grad_text, *, params=None, cases=None,
                pieces=(), numeric=None, notes=(), grad_closed=None):
    """elementwise._unary's derivation as a composition: f may hold parameters (symbols in the
    proof, numbers in `numeric` for the engine)."""
    cases = cases or shape_cases(params=params or {}, pieces=pieces)
    d = elementwise._unary(name, title, f, derivative, forward_text, grad_text,
                           grad_closed=grad_closed, pieces=pieces, notes=notes, kind=KIND,
                           cases=cases, topic=TOPIC)
    d.forward = _entrywise_expr(f)
    if numeric:
        d.numeric_params = list(numeric)
        d.params = dict(numeric[0])
    return d


def _dA(text):
    return f"∂L/∂A = {text}"


def square():
    return _activation("square", "square, A ⊙ A", x ** 2, 2 * x,
                       ("out = A ⊙ A", r"\mathrm{out} = A \odot A"),
                       (_dA("2 G ⊙ A"), _d("A") + r" = 2\, G \odot A"),
                       grad_closed=2 * sp.HadamardProduct(G, A))


def leaky_relu():
    s = sp.Symbol("negative_slope", positive=True)
    return _activation(
        "leaky_relu", "leaky ReLU", sp.Piecewise((x, x > 0), (s * x, True)),
        H(x, 0) + s * H(-x, 1),
        ("out = A where A > 0, s A elsewhere   (s = negative_slope)",
         r"\mathrm{out} = [A > 0] \odot A + s\,[A \le 0] \odot A"),
        (_dA("G ⊙ ([A > 0] + s [A ≤ 0])"),
         _d("A") + r" = G \odot \left([A > 0] + s\,[A \le 0]\right)"),
        params={"negative_slope": s}, pieces=_sides(_const(0), s * x, x),
        numeric=[{"negative_slope": 0.01}, {"negative_slope": 0.2}],
        notes=["at A = 0 the gradient is s (Heaviside(−x, 1)), as PyTorch"])


def _clamp_like(name, title, lo, hi, bounds, notes):
    """hardtanh and relu6: A clamped to [lo, hi], gradient 1 strictly inside, 0 at the ends."""
    f = sp.Min(sp.Max(x, lo), hi)
    derivative = H(x - lo, 0) * H(hi - x, 0)
    pieces = _interval(lambda p: _substituted(lo, p), lambda p: _substituted(hi, p), lo, x, hi,
                       (sp.sstr(lo), sp.sstr(hi)))
    cases = [Case(f"{rows}×{cols}, [{low}, {high}]", dict(zip(("min_val", "max_val"),
                                                              (low, high))) if bounds else {},
                  {"n": rows, "m": cols}, pieces=pieces)
             for (rows, cols), (low, high) in zip(elementwise.SIZES, bounds or [(lo, hi)] * 3)]
    return _activation(
        name, title, f, derivative,
        (f"out = min(max(A, {sp.sstr(lo)}), {sp.sstr(hi)})",
         r"\mathrm{out} = \min(\max(A, %s), %s)" % (sp.latex(lo), sp.latex(hi))),
        (_dA(f"G ⊙ [{sp.sstr(lo)} < A < {sp.sstr(hi)}]"),
         _d("A") + r" = G \odot [%s < A < %s]" % (sp.latex(lo), sp.latex(hi))),
        cases=cases, pieces=pieces, notes=notes)


def hardtanh():
    half = sp.Rational(1, 2)
    return _clamp_like(
        "hardtanh", "hard tanh: A clamped to [min_val, max_val]",
        sp.Symbol("min_val"), sp.Symbol("max_val"),
        [(-1, 1), (-half, 2), (-2, half / 2)],
        ["at A = min_val and A = max_val the gradient is 0 (Heaviside(·, 0)), as PyTorch "
         "(clamp passes it there)", "proved at three pairs of bounds"])


def relu6():
    return _clamp_like("relu6", "ReLU capped at 6", sp.Integer(0), sp.Integer(6), None,
                       ["at A = 0 and A = 6 the gradient is 0, as PyTorch"])


def hardsigmoid():
    sixth = sp.Rational(1, 6)
    return _activation(
        "hardsigmoid", "hard sigmoid",
        sp.Piecewise((0, x <= -3), (1, x >= 3), (x / 6 + sp.Rational(1, 2), True)),
        sixth * H(x + 3, 0) * H(3 - x, 0),
        ("out = 0 (A ≤ −3), A/6 + ½ (−3 < A < 3), 1 (A ≥ 3)",
         r"\mathrm{out} = \min(\max(A/6 + \tfrac12, 0), 1)"),
        (_dA("(1/6) G ⊙ [−3 < A < 3]"), _d("A") + r" = \tfrac16\, G \odot [-3 < A < 3]"),
        pieces=_interval(_const(-3), _const(3), sp.Integer(0), x / 6 + sp.Rational(1, 2),
                         sp.Integer(1), ("−3", "3")),
        notes=["at A = ±3 the gradient is 0, as PyTorch"])


def hardswish():
    return _activation(
        "hardswish", "hard swish, A ⊙ hardsigmoid(A)",
        sp.Piecewise((0, x <= -3), (x, x >= 3), (x * (x + 3) / 6, True)),
        (2 * x + 3) / 6 * H(x + 3, 0) * H(3 - x, 0) + H(x - 3, 1),
        ("out = 0 (A ≤ −3), A ⊙ (A + 3)/6 (−3 < A < 3), A (A ≥ 3)",
         r"\mathrm{out} = A \odot \operatorname{hardsigmoid}(A)"),
        (_dA("G ⊙ ((2A + 3)/6 ⊙ [−3 < A < 3] + [A ≥ 3])"),
         _d("A") + r" = G \odot \left(\tfrac{2A + 3}{6} \odot [-3 < A < 3] + [A \ge 3]"
         r"\right)"),
        pieces=_interval(_const(-3), _const(3), sp.Integer(0), x * (x + 3) / 6, x, ("−3", "3")),
        notes=["at A = −3 the gradient is 0 and at A = 3 it is 1, as PyTorch"])


def threshold():
    th, value = sp.Symbol("threshold", real=True), sp.Symbol("value", real=True)
    return _activation(
        "threshold", "threshold: A where A > threshold, else value",
        sp.Piecewise((x, x > th), (value, True)), H(x - th, 0),
        ("out = A where A > θ, v elsewhere   (θ = threshold, v = value)",
         r"\mathrm{out} = [A > \theta] \odot A + v\,[A \le \theta]"),
        (_dA("G ⊙ [A > θ]"), _d("A") + r" = G \odot [A > \theta]"),
        params={"threshold": th, "value": value},
        pieces=_sides(_param("threshold"), value, x, "θ"),
        numeric=[{"threshold": 0.5, "value": -2.0}, {"threshold": -1.0, "value": 0.0}],
        notes=["at A = θ the gradient is 0, as PyTorch"])


def _elu_family(name, title, alpha_inside, scale=None):
    """elu, celu and selu: A for A > 0, α(e^(A/a) − 1) elsewhere (a = 1, or α for celu),
    times λ for selu."""
    alpha = sp.Symbol("alpha", positive=True)
    inner = x / alpha if alpha_inside else x
    f = sp.Piecewise((x, x > 0), (alpha * (sp.exp(inner) - 1), True))
    slope = sp.exp(inner) if alpha_inside else alpha * sp.exp(x)
    derivative = H(x, 0) + slope * H(-x, 1)
    params = {"alpha": alpha}
    factor, factor_latex = "", ""
    if scale is not None:
        lam = sp.Symbol("scale", positive=True)
        f, derivative = lam * f, lam * derivative
        params["scale"] = lam
        factor, factor_latex = "λ ", r"\lambda\,"
    e = "e^(A/α)" if alpha_inside else "e^A"
    e_latex = r"e^{A/\alpha}" if alpha_inside else r"e^{A}"
    slope_text = e if alpha_inside else f"α {e}"
    slope_latex = e_latex if alpha_inside else r"\alpha\, " + e_latex
    numeric = scale or [{"alpha": 1.0}, {"alpha": 0.5}]
    return _activation(
        name, title, f, derivative,
        (f"out = {factor}(A where A > 0, α ({e} − 1) elsewhere)",
         r"\mathrm{out} = %s\left([A > 0] \odot A + \alpha\,[A \le 0] \odot (%s - 1)\right)"
         % (factor_latex, e_latex)),
        (_dA(f"{factor}G ⊙ ([A > 0] + [A ≤ 0] ⊙ {slope_text})"),
         _d("A") + r" = %sG \odot \left([A > 0] + [A \le 0] \odot %s\right)"
         % (factor_latex, slope_latex)),
        params=params, pieces=_sides(_const(0), f.args[-1][0] if scale is None else
                                     lam * alpha * (sp.exp(inner) - 1),
                                     x if scale is None else lam * x),
        numeric=numeric,
        notes=[f"at A = 0 the gradient is {factor}{'1' if alpha_inside else 'α'} "
               f"(Heaviside(−x, 1): the A ≤ 0 side), as PyTorch"])


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def elu():
    return _elu_family("elu", "exponential linear unit", alpha_inside=False)


def celu():
    return _elu_family("celu", "continuously differentiable ELU", alpha_inside=True)


def selu():
    d = _elu_family("selu", "scaled ELU (PyTorch's self-normalising α and λ)",
                    alpha_inside=False, scale=[{"alpha": SELU_ALPHA, "scale": SELU_SCALE}])
    d.notes.append("proved for symbolic α and λ; PyTorch's are α ≈ 1.6733, λ ≈ 1.0507")
    return d


def silu():
    s = sigmoid(x)
    return _activation(
        "silu", "SiLU (swish), A ⊙ σ(A)", x * s, s * (1 + x * (1 - s)),
        ("out = A ⊙ σ(A)", r"\mathrm{out} = A \odot \sigma(A)"),
        (_dA("G ⊙ σ(A) ⊙ (𝟏 + A ⊙ (𝟏 − σ(A)))"),
         _d("A") + r" = G \odot \sigma(A) \odot \left(\mathbf{1} + A \odot (\mathbf{1} - "
         r"\sigma(A))\right)"))


def softplus():
    beta, th = sp.Symbol("beta", positive=True), sp.Symbol("threshold", real=True)

    def side(sign):
        def point(values, params):
            b, t = sp.sympify(params["beta"]), sp.sympify(params["threshold"])
            return {a: (t + sign * _t(a)) / b for a in values["A"].flat}
        return point

    smooth = sp.log(1 + sp.exp(beta * x)) / beta
    return _activation(
        "softplus", "softplus, log(1 + e^(βA))/β (A itself where βA > threshold)",
        sp.Piecewise((x, beta * x > th), (smooth, True)),
        sigmoid(beta * x) * H(th - beta * x, 1) + H(beta * x - th, 0),
        ("out = log(𝟏 + e^(βA))/β where βA ≤ θ, A elsewhere   (θ = threshold)",
         r"\mathrm{out} = \tfrac{1}{\beta}\log\left(\mathbf{1} + e^{\beta A}\right) "
         r"\quad (\beta A \le \theta)"),
        (_dA("G ⊙ (σ(βA) ⊙ [βA ≤ θ] + [βA > θ])"),
         _d("A") + r" = G \odot \left(\sigma(\beta A) \odot [\beta A \le \theta] + "
         r"[\beta A > \theta]\right)"),
        params={"beta": beta, "threshold": th},
        pieces=[PieceSpec("βA < θ", side(-1), _entrywise_expr(smooth)),
                PieceSpec("βA > θ", side(1), _entrywise_expr(x))],
        numeric=[{"beta": 1.0, "threshold": 20.0}, {"beta": 2.0, "threshold": 3.0}],
        notes=["at βA = θ the gradient is σ(θ) (the log side), as PyTorch"])


def mish():
    softplus_x = sp.log(1 + sp.exp(x))
    return _activation(
        "mish", "Mish, A ⊙ tanh(softplus(A))", x * sp.tanh(softplus_x),
        sp.tanh(softplus_x) + x * sigmoid(x) * (1 - sp.tanh(softplus_x) ** 2),
        ("out = A ⊙ tanh(softplus(A)),  softplus(A) = log(𝟏 + e^A)",
         r"\mathrm{out} = A \odot \tanh(\operatorname{softplus}(A))"),
        (_dA("G ⊙ (T + A ⊙ σ(A) ⊙ (𝟏 − T ⊙ T)),  T = tanh(softplus(A))"),
         _d("A") + r" = G \odot \left(T + A \odot \sigma(A) \odot (\mathbf{1} - T \odot T)"
         r"\right), \quad T = \tanh(\operatorname{softplus}(A))"),
        notes=["the engine's softplus is A itself where A > 20: there T = tanh(A) and the two "
               "gradients agree to rounding"])


GELU_CUBIC = sp.Rational("0.044715")


def gelu():
    k = sp.Symbol("approximate_tanh")
    exact_f = x / 2 * (1 + sp.erf(x / sp.sqrt(2)))
    exact_d = (1 + sp.erf(x / sp.sqrt(2))) / 2 + x * sp.exp(-x ** 2 / 2) / sp.sqrt(2 * sp.pi)
    u = sp.sqrt(2 / sp.pi) * (x + GELU_CUBIC * x ** 3)
    tanh_f = x / 2 * (1 + sp.tanh(u))
    tanh_d = (1 + sp.tanh(u)) / 2 + x / 2 * (1 - sp.tanh(u) ** 2) * sp.sqrt(2 / sp.pi) * (
        1 + 3 * GELU_CUBIC * x ** 2)
    f = sp.Piecewise((exact_f, sp.Eq(k, 0)), (tanh_f, True))
    derivative = sp.Piecewise((exact_d, sp.Eq(k, 0)), (tanh_d, True))
    cases = shape_cases(params={"approximate_tanh": 0}, label="{}, approximate='none'") + \
        shape_cases(params={"approximate_tanh": 1}, label="{}, approximate='tanh'")
    return _activation(
        "gelu", "GELU, A ⊙ Φ(A) (approximate='none'), or its tanh approximation",
        f, derivative,
        ("out = A ⊙ Φ(A) = (A/2) ⊙ (𝟏 + erf(A/√2));  'tanh': (A/2) ⊙ (𝟏 + tanh U), "
         "U = √(2/π)(A + 0.044715 A³)",
         r"\mathrm{out} = A \odot \Phi(A) = \tfrac{A}{2} \odot \left(\mathbf{1} + "
         r"\operatorname{erf}(A/\sqrt{2})\right)"),
        (_dA("G ⊙ (Φ(A) + A ⊙ φ(A)),  φ(A) = e^(−A²/2)/√(2π);  'tanh': G ⊙ (½(𝟏 + tanh U) "
             "+ (A/2) ⊙ (𝟏 − tanh² U) ⊙ √(2/π)(𝟏 + 0.134145 A²))"),
         _d("A") + r" = G \odot \left(\Phi(A) + A \odot \varphi(A)\right), \quad "
         r"\varphi(A) = \frac{e^{-A^2/2}}{\sqrt{2\pi}}"),
        cases=cases, notes=["approximate_tanh = 0 is approximate='none', 1 is 'tanh'"])


def softsign():
    return _activation(
        "softsign", "softsign, A ⊘ (𝟏 + |A|)", x / (1 + sp.Abs(x)), 1 / (1 + sp.Abs(x)) ** 2,
        ("out = A ⊘ (𝟏 + |A|)", r"\mathrm{out} = A \oslash (\mathbf{1} + |A|)"),
        (_dA("G ⊘ ((𝟏 + |A|) ⊙ (𝟏 + |A|))"),
         _d("A") + r" = G \oslash (\mathbf{1} + |A|)^{\circ 2}"),
        pieces=_sides(_const(0), x / (1 - x), x / (1 + x)),
        notes=["at A = 0 the gradient is 1 from either side (the engine's |·|′(0) = 0 "
               "drops out)"])


def logsigmoid():
    return _activation(
        "logsigmoid", "log σ(A)", -sp.log(1 + sp.exp(-x)), 1 - sigmoid(x),
        ("out = log σ(A) = −log(𝟏 + e^(−A))", r"\mathrm{out} = \log \sigma(A)"),
        (_dA("G ⊙ (𝟏 − σ(A))"), _d("A") + r" = G \odot (\mathbf{1} - \sigma(A))"))


def tanhshrink():
    return _activation(
        "tanhshrink", "A − tanh(A)", x - sp.tanh(x), sp.tanh(x) ** 2,
        ("out = A − tanh(A)", r"\mathrm{out} = A - \tanh A"),
        (_dA("G ⊙ tanh(A) ⊙ tanh(A)"), _d("A") + r" = G \odot \tanh^{2} A"))


# --------------------------------------------------------------------------------------------
# lerp, prelu, masked_fill: entrywise with more operands
# --------------------------------------------------------------------------------------------

def lerp():
    W_ = Operand("W", ("n", "m"))
    W, B = W_.symbol, elementwise.B
    return elementwise._binary(
        "lerp", "linear interpolation A + W ⊙ (B − A)",
        lambda v, p: v["A"] + v["W"] * (v["B"] - v["A"]),
        [Grad("A", G - sp.HadamardProduct(G, W), "∂L/∂A = G ⊙ (𝟏 − W)",
              _d("A") + r" = G \odot (\mathbf{1} - W)"),
         Grad("B", sp.HadamardProduct(G, W), "∂L/∂B = G ⊙ W", _d("B") + r" = G \odot W"),
         Grad("W", sp.HadamardProduct(G, B - A), "∂L/∂W = G ⊙ (B − A)",
              _d("W") + r" = G \odot (B - A)")],
        ("out = A + W ⊙ (B − A)   (A = start, B = end, W = weight)",
         r"\mathrm{out} = A + W \odot (B - A)"),
        extra_operands=[W_], kind=KIND, topic=TOPIC,
        notes=["a number weight w has no gradient; the others are the same with W = w"])


def prelu():
    W_ = Operand("W", ("m",))
    W = W_.symbol
    rows = A.shape[0]
    negative = A.applyfunc(sp.Lambda(x, H(-x, 1)))
    slopes = sp.OneMatrix(rows, 1) * W.T

    def forward(values, params):
        return entrywise(lambda a, w: sp.Piecewise((a, a > 0), (w * a, True)))(
            values["A"], values["W"][None, :])

    return Derivation(
        "prelu", kind=KIND, topic=TOPIC, title="parametric ReLU (one slope per channel)",
        forward_unicode="out = A where A > 0, A ⊙ 𝟏wᵀ elsewhere   (w: one slope per column)",
        forward_latex=r"\mathrm{out} = [A > 0] \odot A + [A \le 0] \odot A \odot "
                      r"\mathbf{1} w^\top",
        operands=[A_, W_, G_], output_shape="n×m",
        grads=[Grad("A", sp.HadamardProduct(G, A.applyfunc(sp.Lambda(x, H(x, 0)))
                                            + sp.HadamardProduct(negative, slopes)),
                    "∂L/∂A = G ⊙ ([A > 0] + [A ≤ 0] ⊙ 𝟏wᵀ)",
                    _d("A") + r" = G \odot \left([A > 0] + [A \le 0] \odot \mathbf{1} w^\top"
                    r"\right)", shape="n×m"),
               Grad("W", sp.HadamardProduct(G, A, negative).T * sp.OneMatrix(rows, 1),
                    "∂L/∂w = (G ⊙ A ⊙ [A ≤ 0])ᵀ 𝟏   (the column sums)",
                    r"\frac{\partial L}{\partial w} = \left(G \odot A \odot [A \le 0]\right)"
                    r"^\top \mathbf{1}", shape="m")],
        forward=forward,
        cases=shape_cases(pieces=_sign_pieces("A", forward, (POSITIVE, NEGATIVE,
                                                             CHECKERBOARD))),
        thorough_cases=shape_cases(THOROUGH_SIZES, pieces=_sign_pieces("A", forward)),
        notes=["at A = 0 the gradient is w (the A ≤ 0 side), as PyTorch; one slope for all "
               "channels is w broadcast, its gradient summed (the 'add' rule)"])


def masked_fill():
    C_ = Operand("C", ("n", "m"), role="data", domain="mask")
    V_ = Operand("V", ())
    C = C_.symbol
    rows, cols = A.shape
    return Derivation(
        "masked_fill", kind=KIND, topic=TOPIC, title="fill with a value where a mask holds",
        forward_unicode="out = where(C, v, A) = C v + (𝟏 − C) ⊙ A   (C a 0/1 mask, v a 0-d "
                        "tensor)",
        forward_latex=r"\mathrm{out} = C\,v + (\mathbf{1} - C) \odot A",
        operands=[A_, C_, V_, G_], output_shape="n×m",
        grads=[Grad("A", G - sp.HadamardProduct(G, C), "∂L/∂A = G ⊙ (𝟏 − C)",
                    _d("A") + r" = G \odot (\mathbf{1} - C)", shape="n×m"),
               Grad("V", sp.OneMatrix(1, rows) * sp.HadamardProduct(G, C) * sp.OneMatrix(cols, 1),
                    "∂L/∂v = 𝟏ᵀ (G ⊙ C) 𝟏   (G summed where the mask holds)",
                    r"\frac{\partial L}{\partial v} = \mathbf{1}^\top (G \odot C) \mathbf{1}",
                    shape="scalar")],
        forward=lambda v, p: v["C"] * v["V"] + (1 - v["C"]) * v["A"],
        cases=shape_cases(), thorough_cases=shape_cases(THOROUGH_SIZES),
        notes=["C carries no gradient; a mask that broadcasts is C broadcast to A's shape"])


# --------------------------------------------------------------------------------------------
# Reductions: amax, amin, logsumexp, prod, cumsum, var, std, norm
# --------------------------------------------------------------------------------------------

RA_, RG_ = reductions.A_, reductions.G_
RA, RG = RA_.symbol, RG_.symbol


def _axes(dim, ndim):
    """The reduced axes of an array of `ndim` dims, as a tuple (all of them for None)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else dim
    return tuple(sorted(d % ndim for d in dims))


def _slices(a, dim):
    """(a's reduced slices as rows: shape kept + (K,), the kept shape, the moved axes)."""
    a = np.asarray(a)
    axes = _axes(dim, a.ndim)
    last = tuple(range(a.ndim - len(axes), a.ndim))
    moved = np.moveaxis(a, axes, last)
    kept = moved.shape[:a.ndim - len(axes)]
    return moved.reshape(kept + (-1,)), kept, (axes, last, moved.shape)


def _unslice(rows, how):
    """The inverse of _slices: rows put back in the array's layout."""
    axes, last, moved_shape = how
    return np.moveaxis(rows.reshape(moved_shape), last, axes)


def reduced_shape(a, dim, keepdim):
    shape = np.shape(a)
    axes = _axes(dim, len(shape))
    if keepdim:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _per_slice(a, params, function):
    """function(entries of one reduced slice) for each slice, in the reduction's output shape."""
    rows, kept, _ = _slices(a, params.get("dim"))
    out = np.empty(kept, dtype=object)
    for index in np.ndindex(kept):
        out[index] = function(list(rows[index]))
    return out.reshape(reduced_shape(a, params.get("dim"), params.get("keepdim", False)))


class TiedShare(Unreduce):
    """G put back in A's shape and shared evenly among the tied extremes of each reduced slice
    (params 'dim' (None, an int or a tuple), 'keepdim', 'kind' = 'max' | 'min').  Args: (G, A)."""

    unicode_name = "share"
    latex_name = r"\operatorname{share}"

    def compute(self, env, g, a):
        rows, kept, how = _slices(a, env.params.get("dim"))
        share = env.zeros(rows.shape)
        for index in np.ndindex(kept):
            hits = _extreme_mask(rows[index], env.params["kind"], env.exact)
            share[index + (hits,)] = env.scalar(sp.Rational(1, int(np.sum(hits))))
        return Unreduce.compute(self, env, g, a) * _unslice(share, how)


def _extreme_pieces(kind, shifts=(0, 1)):
    """Pieces on which each reduced slice's extreme is strict, at a position that moves from
    slice to slice; the branch is the chosen entries."""
    sign = -1 if kind == "max" else 1

    def chosen(rows, index, shift):
        return (int(np.ravel_multi_index(index, rows.shape[:-1])) if index else 0) + shift

    def point(shift):
        def substitute(values, params):
            rows, kept, _ = _slices(values["A"], params.get("dim"))
            subs = {}
            for index in np.ndindex(kept):
                row = rows[index]
                best = row[chosen(rows, index, shift) % len(row)]
                subs.update({v: best + sign * _t(v) for v in row if v is not best})
            return subs
        return substitute

    def branch(shift):
        def picked(values, params):
            rows, kept, _ = _slices(values["A"], params.get("dim"))
            out = np.empty(kept, dtype=object)
            for index in np.ndindex(kept):
                out[index] = rows[index][chosen(rows, index, shift) % rows.shape[-1]]
            return out.reshape(reduced_shape(values["A"], params.get("dim"),
                                              params.get("keepdim", False)))
        return picked

    word = "largest" if kind == "max" else "smallest"
    return [PieceSpec(f"strictly {word} at position {shift}, moving", point(shift),
                      branch(shift)) for shift in shifts]


def _reduction_cases(shapes, extra=None, pieces=()):
    """One Case per (A's shape, dim, keepdim): G's shape is the reduction's output shape."""
    cases = []
    for shape, dim, keepdim in shapes:
        params = {"dim": dim, "keepdim": keepdim, **(extra or {})}
        out = reduced_shape(np.empty(shape), dim, keepdim)
        text = "all entries" if dim is None else f"dim={dim}"
        cases.append(Case(f"A {'×'.join(map(str, shape))}, {text}" + ", keepdim" * keepdim,
                          params, shapes={"A": shape, "G": out}, pieces=list(pieces)))
    return cases


REDUCTION_SHAPES = [((2, 3), None, False), ((3, 4), (1,), False), ((5, 2), (0,), True),
                    ((2, 3, 4), (0, 2), False)]
THOROUGH_REDUCTION_SHAPES = [((4, 1), (1,), True), ((1, 6), None, False),
                             ((3, 5, 2), (1,), False)]


def _reduction(name, title, forward, closed, texts, *, cases, thorough, params, aux=(),
               notes=(), numeric=None):
    d = Derivation(
        name, kind=KIND, topic=TOPIC, title=title,
        forward_unicode=texts[0], forward_latex=texts[1],
        operands=[Operand("A", ("n", "m"), shape_text="any"), RG_],
        output_shape="A's shape without dim", aux=aux,
        grads=[Grad("A", closed, texts[2], texts[3], shape="A's shape")],
        forward=forward, cases=cases, thorough_cases=thorough, params=params, notes=notes,
        numeric_params=numeric)
    return d


def _amax_amin(kind):
    word = "largest" if kind == "max" else "smallest"
    function = sp.Max if kind == "max" else sp.Min
    pieces = _extreme_pieces(kind)
    return _reduction(
        f"a{kind}", f"the {word} entry along dims (all entries when dim is None), ties shared",
        lambda v, p: _per_slice(v["A"], p, lambda row: function(*row)),
        TiedShare(RG, RA),
        (f"out = {kind} of A over dim", r"\mathrm{out} = \%s_{\mathrm{dim}} A" % kind,
         f"∂L/∂A = G put back along dim ⊙ [A = out] / (number of tied {word} entries)",
         _d("A") + r" = \operatorname{unreduce}(G) \odot \frac{[A = \mathrm{out}]}"
         r"{\#\,\mathrm{ties}}"),
        cases=_reduction_cases(REDUCTION_SHAPES, {"kind": kind}, pieces),
        thorough=_reduction_cases(THOROUGH_REDUCTION_SHAPES, {"kind": kind}, pieces),
        params={"dim": None, "keepdim": False, "kind": kind},
        notes=[f"ties: G is split evenly among the tied {word} entries of each slice, as "
               f"PyTorch's a{kind} (its {kind}(dim) gives it all to the returned index)"])


def amax():
    return _amax_amin("max")


def amin():
    return _amax_amin("min")


def logsumexp():
    shapes = [((2, 3), 1, False), ((3, 4), 0, True), ((5, 2), 1, True), ((2, 3, 4), 2, False)]

    def forward(values, params):
        e = np.vectorize(sp.exp, otypes=[object])(values["A"])
        total = np.sum(e, axis=params["dim"], keepdims=params.get("keepdim", False))
        return np.vectorize(sp.log, otypes=[object])(total)

    return _reduction(
        "logsumexp", "log Σ exp along dim", forward,
        sp.HadamardProduct(Unreduce(RG, RA), Softmax(RA)),
        ("out = log Σ_dim e^A", r"\mathrm{out} = \log \textstyle\sum_{\mathrm{dim}} e^{A}",
         "∂L/∂A = G put back along dim ⊙ softmax(A) along dim",
         _d("A") + r" = \operatorname{unreduce}(G) \odot \operatorname{softmax}(A)"),
        cases=_reduction_cases(shapes), thorough=_reduction_cases([((1, 5), 1, False),
                                                                   ((6, 3), 0, False)]),
        params={"dim": 1, "keepdim": False})


class OthersProduct(Node):
    """Each entry replaced by the product of the other entries of its slice along params
    'dim' (None: all entries): prefix and suffix products, no division (right where an
    entry is 0)."""

    unicode_name = "others"
    latex_name = r"\textstyle\prod_{\neq}"

    def compute(self, env, a):
        rows, kept, how = _slices(a, env.params.get("dim"))
        ones = env.ones(kept + (1,))
        before = np.concatenate([ones, np.cumprod(rows[..., :-1], axis=-1)], axis=-1)
        flipped = rows[..., ::-1]
        after = np.concatenate([ones, np.cumprod(flipped[..., :-1], axis=-1)], axis=-1)
        return _unslice(before * after[..., ::-1], how)


def prod():
    shapes = [((2, 3), None, False), ((3, 4), 1, False), ((5, 2), 0, True),
              ((2, 3, 4), 2, False)]
    return _reduction(
        "prod", "product along dim (of all entries when dim is None)",
        lambda v, p: np.prod(v["A"], axis=p.get("dim"), keepdims=p.get("keepdim", False)),
        sp.HadamardProduct(Unreduce(RG, RA), OthersProduct(RA)),
        ("out = Π A over dim", r"\mathrm{out} = \textstyle\prod_{\mathrm{dim}} A",
         "∂L/∂A = G put back along dim ⊙ (the product of the other entries of the slice)",
         _d("A") + r" = \operatorname{unreduce}(G) \odot \textstyle\prod_{j \ne i} a_j"),
        cases=_reduction_cases(shapes), thorough=_reduction_cases([((1, 5), 1, False),
                                                                   ((4, 3), None, True)]),
        params={"dim": None, "keepdim": False},
        notes=["the product of the others, not out ⊘ A: right where an entry is 0, as PyTorch"])


class ReverseCumsum(Node):
    """G summed from the end along params 'dim': entry i is g_i + g_(i+1) + …  Args: (G,)."""

    unicode_name = "revcumsum"
    latex_name = r"\operatorname{revcumsum}"

    def compute(self, env, g):
        dim = env.params["dim"]
        return np.flip(np.cumsum(np.flip(g, dim), axis=dim), dim)


def cumsum():
    shapes = [(5,), (2, 3), (3, 4), (2, 3, 4)]
    dims = [0, 1, 0, 1]
    cases = [Case(f"A {'×'.join(map(str, s))}, dim={dim}", {"dim": dim},
                  shapes={"A": s, "G": s}) for s, dim in zip(shapes, dims)]
    return _reduction(
        "cumsum", "running sums along dim",
        lambda v, p: np.cumsum(v["A"], axis=p["dim"]),
        ReverseCumsum(RG),
        ("out_i = a_0 + … + a_i along dim", r"\mathrm{out}_i = \textstyle\sum_{j \le i} a_j",
         "∂L/∂A = G summed from the end along dim: (∂L/∂A)_j = Σ_(i ≥ j) g_i",
         _d("A") + r" = \left(\textstyle\sum_{i \ge j} g_i\right)_j"),
        cases=cases, thorough=[Case("A 4×1, dim=0", {"dim": 0}, shapes={"A": (4, 1),
                                                                         "G": (4, 1)})],
        params={"dim": 0})


class Centered(Node):
    """A minus its mean over params 'dim' (None: all entries), broadcast back."""

    unicode_name = "centered"
    latex_name = r"\operatorname{centered}"

    def compute(self, env, a):
        dim = env.params.get("dim")
        count = entries_reduced(np.shape(a), dim)
        axes = _axes(dim, np.ndim(a))
        return a - np.sum(a, axis=axes, keepdims=True) * env.scalar(sp.Rational(1, count))


class UnreduceCorrected(Unreduce):
    """G / (N − correction) put back in A's shape (params 'dim', 'keepdim', 'correction')."""

    unicode_name = "unreduce_corrected"
    latex_name = r"\operatorname{unreduce}_{N - c}"

    def compute(self, env, g, a):
        count = entries_reduced(np.shape(a), env.params.get("dim"))
        scale = sp.Rational(1, count - int(env.params.get("correction", 1)))
        return Unreduce.compute(self, env, g, a) * env.scalar(scale)


def _entries(env, array, function, numeric):
    """function entrywise on symbols (exact) or numeric on floats."""
    if env.exact:
        return np.vectorize(function, otypes=[object])(array)
    return numeric(array)


class StdSpread(Node):
    """The standard deviation over params 'dim' with 'correction', broadcast to A's shape."""

    unicode_name = "std"
    latex_name = r"\operatorname{std}"

    def compute(self, env, a):
        var = _variance(self, env, a, int(env.params.get("correction", 1)))
        return np.broadcast_to(_entries(env, var, sp.sqrt, np.sqrt), np.shape(a))


def _variance(node, env, a, correction):
    """Σ (a − ā)² / (N − correction) over params 'dim', the reduced axes kept (size 1)."""
    centered = Centered.compute(node, env, a)
    count = entries_reduced(np.shape(a), env.params.get("dim"))
    total = np.sum(centered * centered, axis=_axes(env.params.get("dim"), np.ndim(a)),
                   keepdims=True)
    return total * env.scalar(sp.Rational(1, count - correction))


def _var_std_cases(rows, corrections):
    """Each row with its correction: the rule holds where N > correction (N ≤ correction is
    inf or NaN, held against PyTorch in tests/test_pytorch_differences.py)."""
    assert len(rows) == len(corrections)
    return [Case(c.label + f", correction={correction}", {**c.params, "correction": correction},
                 shapes=c.shapes) for c, correction in zip(rows, corrections)]


def var():
    def forward(values, params):
        a = values["A"]
        axes = _axes(params.get("dim"), a.ndim)
        count = entries_reduced(a.shape, params.get("dim"))
        centered = a - np.sum(a, axis=axes, keepdims=True) * sp.Rational(1, count)
        return np.sum(centered * centered, axis=axes, keepdims=params.get("keepdim", False)) * \
            sp.Rational(1, count - params.get("correction", 1))

    return _reduction(
        "var", "variance over dims, Σ (A − Ā)² / (N − correction)", forward,
        2 * sp.HadamardProduct(UnreduceCorrected(RG, RA), Centered(RA)),
        ("out = Σ_dim (A − Ā)⊙(A − Ā) / (N − c)   (Ā the mean over dim, N entries, "
         "c = correction)",
         r"\mathrm{out} = \frac{1}{N - c}\textstyle\sum_{\mathrm{dim}} (A - \bar A)^{\circ 2}",
         "∂L/∂A = 2 G ⊙ (A − Ā) / (N − c)   (G put back along dim)",
         _d("A") + r" = \frac{2}{N - c}\, \operatorname{unreduce}(G) \odot (A - \bar A)"),
        cases=_var_std_cases(_reduction_cases(REDUCTION_SHAPES), (1, 1, 0, 1)),
        thorough=_var_std_cases(_reduction_cases(THOROUGH_REDUCTION_SHAPES), (0, 1, 1)),
        params={"dim": None, "keepdim": False, "correction": 1},
        notes=["the mean's own dependence on A drops out: Σ (a − ā) = 0",
               "proved for N > c; where N ≤ c the engine copies PyTorch's rule (value +∞, or "
               "NaN at 0/0; gradient G ⊙ (+∞, NaN where A = Ā) over all entries, 2 G ⊙ (A − "
               "Ā) / (N − c) along dims), which is no derivative: tests/"
               "test_pytorch_differences.py compares it with PyTorch"])


def std():
    S = sp.MatrixSymbol("S", *RA.shape)

    def forward(values, params):
        v = var().forward(values, params)
        return np.vectorize(sp.sqrt, otypes=[object])(v)

    return _reduction(
        "std", "standard deviation, √var", forward,
        sp.HadamardProduct(UnreduceCorrected(RG, RA), Centered(RA),
                           S.applyfunc(sp.Lambda(x, reciprocal0(x)))),
        ("out = √var(A) over dim", r"\mathrm{out} = \sqrt{\operatorname{var}(A)}",
         "∂L/∂A = G ⊙ (A − Ā) ⊘ ((N − c) S)   (G put back along dim; 0 where S = 0)",
         _d("A") + r" = \frac{1}{N - c}\, \operatorname{unreduce}(G) \odot (A - \bar A) "
         r"\oslash S"),
        aux=[(S, StdSpread(RA), "S = std(A) over dim, broadcast to A's shape")],
        cases=_var_std_cases(_reduction_cases(REDUCTION_SHAPES[:3]), (1, 1, 0)),
        thorough=_var_std_cases(_reduction_cases(THOROUGH_REDUCTION_SHAPES), (0, 1, 1)),
        params={"dim": None, "keepdim": False, "correction": 1},
        notes=["where S = 0 (constant entries) the gradient is 0, as PyTorch (1/⁺S: 1/S, and 0 "
               "at 0)"])


class NormSpread(Node):
    """(Σ |A|^p)^(1/p) over params 'dim', broadcast to A's shape (params 'p')."""

    unicode_name = "norm"
    latex_name = r"\lVert\cdot\rVert_p"

    def compute(self, env, a):
        p = env.param_value("p")
        powers = _power(env, _entries(env, a, sp.Abs, np.abs), p)
        total = np.sum(powers, axis=_axes(env.params.get("dim"), np.ndim(a)), keepdims=True)
        return np.broadcast_to(_power(env, total, 1 / p), np.shape(a))


def _power(env, array, exponent):
    return _object_power(array, exponent) if env.exact else np.power(array, exponent)


def norm():
    N = sp.MatrixSymbol("N", *RA.shape)
    p = sp.Symbol("p")

    def forward(values, params):
        q = sp.sympify(params["p"])
        powers = np.vectorize(lambda a: sp.Abs(a) ** q, otypes=[object])(values["A"])
        total = np.sum(powers, axis=params.get("dim"), keepdims=params.get("keepdim", False))
        return np.vectorize(lambda s: s ** (1 / q), otypes=[object])(total)

    pieces = _sign_pieces("A", forward, (POSITIVE, CHECKERBOARD))
    shapes = [((2, 3), None, False), ((3, 4), 1, False), ((5, 2), 0, True)]
    cases = [c for q in (2, 1, 3) for c in _reduction_cases(shapes, {"p": q}, pieces)]
    thorough = [c for q in (2, 1, 3) for c in _reduction_cases(THOROUGH_REDUCTION_SHAPES[:2],
                                                              {"p": q}, pieces)]
    for c in cases + thorough:
        c.label += f", p={c.params['p']}"
    closed = sp.HadamardProduct(Unreduce(RG, RA), RA.applyfunc(sp.sign),
                                sp.HadamardPower(RA.applyfunc(sp.Abs), p - 1),
                                sp.HadamardPower(N.applyfunc(sp.Lambda(x, reciprocal0(x))), p - 1))
    return _reduction(
        "norm", "p-norm over dims (p = 'fro' is 2)",
        forward, closed,
        ("out = (Σ_dim |A|^p)^(1/p)",
         r"\mathrm{out} = \left(\textstyle\sum_{\mathrm{dim}} |A|^{\circ p}\right)^{1/p}",
         "∂L/∂A = G ⊙ sign(A) ⊙ (|A| ⊘ N)^(p−1)   (G, N put back along dim; G A ⊘ N for p = 2, "
         "G sign(A) for p = 1; 0 where N = 0)",
         _d("A") + r" = \operatorname{unreduce}(G) \odot \operatorname{sign}(A) \odot "
         r"\left(|A| \oslash N\right)^{\circ (p-1)}"),
        aux=[(N, NormSpread(RA), "N = the p-norm over dim, broadcast to A's shape")],
        cases=cases, thorough=thorough, params={"dim": None, "keepdim": False, "p": 2},
        notes=["proved for p = 2, 1 and 3 on sign pieces; where N = 0 the gradient is 0, as "
               "PyTorch (1/⁺N); p = inf is amax of |A| (amax and abs are proved)"])


# --------------------------------------------------------------------------------------------
# Linear algebra: dot, mv, bmm, outer, addmm, einsum
# --------------------------------------------------------------------------------------------

def _linear_algebra(name, title, operands, grads, forward, cases, thorough, texts, params=None,
                    numeric=None, notes=()):
    return Derivation(
        name, kind=KIND, topic=TOPIC, title=title, forward_unicode=texts[0],
        forward_latex=texts[1], operands=operands, output_shape=texts[2], grads=grads,
        forward=forward, cases=cases, thorough_cases=thorough, params=params,
        numeric_params=numeric, notes=notes)


def dot():
    a_, b_, g_ = Operand("a", ("k",)), Operand("b", ("k",)), Operand("G", (), role="upstream")
    a, b, g = a_.symbol, b_.symbol, g_.symbol
    return _linear_algebra(
        "dot", "dot product of two vectors", [a_, b_, g_],
        [Grad("a", g * b, "∂L/∂a = g b", r"\frac{\partial L}{\partial a} = g\, b", shape="k"),
         Grad("b", g * a, "∂L/∂b = g a", r"\frac{\partial L}{\partial b} = g\, a", shape="k")],
        lambda v, p: np.sum(v["a"] * v["b"]),
        size_cases("k", [(2,), (3,), (5,)]), size_cases("k", [(1,), (6,)]),
        ("out = aᵀ b", r"\mathrm{out} = a^\top b", "scalar"))


def mv():
    M_, v_, g_ = Operand("M", ("n", "k")), Operand("v", ("k",)), Operand("G", ("n",),
                                                                            role="upstream")
    M, v, g = M_.symbol, v_.symbol, g_.symbol
    return _linear_algebra(
        "mv", "matrix times vector", [M_, v_, g_],
        [Grad("M", g * v.T, "∂L/∂M = G vᵀ   (n×k)", _d("M") + r" = G\, v^\top", shape="n×k"),
         Grad("v", M.T * g, "∂L/∂v = Mᵀ G   (k)", _d("v") + r" = M^\top G", shape="k")],
        lambda vals, p: vals["M"].dot(vals["v"]),
        size_cases("nk", [(2, 3), (4, 2), (3, 5)]), size_cases("nk", [(1, 4), (5, 1)]),
        ("out = M v", r"\mathrm{out} = M v", "n"))


def outer():
    a_, b_ = Operand("a", ("n",)), Operand("b", ("m",))
    g_ = Operand("G", ("n", "m"), role="upstream")
    a, b, g = a_.symbol, b_.symbol, g_.symbol
    return _linear_algebra(
        "outer", "outer product of two vectors", [a_, b_, g_],
        [Grad("a", g * b, "∂L/∂a = G b   (n)", _d("a") + r" = G\, b", shape="n"),
         Grad("b", g.T * a, "∂L/∂b = Gᵀ a   (m)", _d("b") + r" = G^\top a", shape="m")],
        lambda v, p: np.outer(v["a"], v["b"]),
        size_cases("nm", [(2, 3), (4, 2), (3, 5)]), size_cases("nm", [(1, 4), (5, 1)]),
        ("out = a bᵀ", r"\mathrm{out} = a b^\top", "n×m"))


def bmm():
    A3_, B3_ = Operand("A", ("n", "k"), shape_text="b×n×k"), Operand("B", ("k", "m"),
                                                                      shape_text="b×k×m")
    G3_ = Operand("G", ("n", "m"), role="upstream", shape_text="b×n×m")
    A3, B3, G3 = A3_.symbol, B3_.symbol, G3_.symbol

    def cases(sizes):
        return [Case(f"b×n×k×m = {b}×{n_}×{k}×{m}", shapes={"A": (b, n_, k), "B": (b, k, m),
                                                           "G": (b, n_, m)})
                for b, n_, k, m in sizes]

    return _linear_algebra(
        "bmm", "a batch of matrix products", [A3_, B3_, G3_],
        [Grad("A", G3 * B3.T, "∂L/∂A = G Bᵀ for each matrix of the batch",
              _d("A") + r" = G B^\top", shape="b×n×k"),
         Grad("B", A3.T * G3, "∂L/∂B = Aᵀ G for each matrix of the batch",
              _d("B") + r" = A^\top G", shape="b×k×m")],
        lambda v, p: np.matmul(v["A"], v["B"]),
        cases([(2, 3, 4, 5), (3, 2, 4, 1), (4, 3, 1, 2)]), cases([(1, 2, 3, 4), (5, 1, 2, 3)]),
        ("out = A B for each b   (ᵀ swaps the last two axes)", r"\mathrm{out}_b = A_b B_b",
         "b×n×m"))


def addmm():
    C_, M1_, M2_ = Operand("C", ("n", "m")), Operand("M1", ("n", "k")), Operand("M2", ("k", "m"))
    g_ = Operand("G", ("n", "m"), role="upstream")
    M1, M2, g = M1_.symbol, M2_.symbol, g_.symbol
    beta, alpha = sp.Symbol("beta"), sp.Symbol("alpha")
    symbols = {"beta": beta, "alpha": alpha}
    return _linear_algebra(
        "addmm", "β C + α M₁ M₂", [C_, M1_, M2_, g_],
        [Grad("C", beta * g, "∂L/∂C = β G   (summed to C's shape if C broadcasts)",
              _d("C") + r" = \beta\, G", shape="n×m"),
         Grad("M1", alpha * g * M2.T, "∂L/∂M₁ = α G M₂ᵀ", _d("M_1") + r" = \alpha\, G M_2^\top",
              shape="n×k"),
         Grad("M2", alpha * M1.T * g, "∂L/∂M₂ = α M₁ᵀ G", _d("M_2") + r" = \alpha\, M_1^\top G",
              shape="k×m")],
        lambda v, p: sp.sympify(p["beta"]) * v["C"] + sp.sympify(p["alpha"]) * v["M1"].dot(
            v["M2"]),
        size_cases("nkm", [(2, 3, 4), (4, 2, 3), (3, 5, 1)], params=symbols),
        size_cases("nkm", [(1, 2, 3), (5, 3, 2)], params=symbols),
        ("out = β C + α M₁ M₂", r"\mathrm{out} = \beta C + \alpha M_1 M_2", "n×m"),
        params={"beta": 1, "alpha": 1},
        numeric=[{"beta": 1, "alpha": 1}, {"beta": 0.5, "alpha": -2.0},
                 {"beta": 0, "alpha": 1.5}],
        notes=["proved for symbolic α and β; with β = 0, C is ignored (its gradient is 0)"])


class EinsumVjp(Node):
    """The gradient of einsum(params['equation'], A, B) with respect to operand i (0 for A,
    1 for B): einsum(out, other, mine → mine)(G, other operand, 𝟏 of mine's shape).
    Args: (G, other, mine, i)."""

    unicode_name = "einsum_vjp"
    latex_name = r"\operatorname{einsum}"

    @property
    def shape(self):
        return self.args[2].shape

    def compute(self, env, g, other, mine, i):
        inputs, out = env.params["equation"].replace(" ", "").split("->")
        terms = inputs.split(",")
        i = int(i)
        spec = f"{out},{terms[1 - i]},{terms[i]}->{terms[i]}"
        return np.einsum(spec, g, other, env.ones(np.shape(mine)))


def einsum():
    Ae_, Be_ = Operand("A", None, shape_text="any"), Operand("B", None, shape_text="any")
    Ge_ = Operand("G", None, role="upstream", shape_text="out's shape")
    Ae, Be, Ge = Ae_.symbol, Be_.symbol, Ge_.symbol
    examples = [("ij,jk->ik", (2, 3), (3, 4), (2, 4)),
                ("bij,bjk->bik", (2, 3, 4), (2, 4, 5), (2, 3, 5)),
                ("i,j->ij", (3,), (4,), (3, 4)),
                ("ij,k->ik", (2, 3), (4,), (2, 4)),
                ("ij,ij->", (3, 2), (3, 2), ())]
    cases = [Case(f"'{eq}'", {"equation": eq}, shapes={"A": a, "B": b, "G": g})
             for eq, a, b, g in examples]
    thorough = [Case("'ij,jk->ki'", {"equation": "ij,jk->ki"},
                     shapes={"A": (4, 2), "B": (2, 3), "G": (3, 4)})]
    return _linear_algebra(
        "einsum", "einsum of two operands (sums of products named by subscripts)",
        [Ae_, Be_, Ge_],
        [Grad("A", EinsumVjp(Ge, Be, Ae, sp.Integer(0)),
              "∂L/∂A = einsum(out, B's, A's → A's)(G, B, 𝟏): A's subscripts and the output's "
              "swapped",
              _d("A") + r" = \operatorname{einsum}(\mathrm{out}, \beta \to \alpha)(G, B)",
              shape="A's shape"),
         Grad("B", EinsumVjp(Ge, Ae, Be, sp.Integer(1)),
              "∂L/∂B = einsum(out, A's, B's → B's)(G, A, 𝟏)",
              _d("B") + r" = \operatorname{einsum}(\mathrm{out}, \alpha \to \beta)(G, A)",
              shape="B's shape")],
        lambda v, p: np.asarray(np.einsum(p["equation"], v["A"], v["B"]), dtype=object),
        cases, thorough,
        ("out = einsum(equation, A, B)   (α, β A's and B's subscripts)",
         r"\mathrm{out} = \operatorname{einsum}(\alpha, \beta \to \mathrm{out})(A, B)",
         "out's shape"),
        params={"equation": "ij,jk->ik"},
        notes=["a letter of A in neither B nor out (summed away first) is broadcast back by "
               "the 𝟏; subscripts repeated within one operand (a diagonal) are not covered"])


# --------------------------------------------------------------------------------------------
# Structural: flip, tril, triu, gather, embedding (linear: proved as adjoints)
# --------------------------------------------------------------------------------------------

SA_ = Operand("A", None, shape_text="any")
SG_ = Operand("G", None, role="upstream", shape_text="out's shape")
SA, SG = SA_.symbol, SG_.symbol


def _adjoint(name, title, grad, forward, cases, thorough, texts, operands=None, notes=(),
             params=None):
    operands = operands or [SA_, SG_]
    wrt = operands[0].name
    return Derivation(
        name, kind=KIND, topic=TOPIC, title=title, forward_unicode=texts[0],
        forward_latex=texts[1], operands=operands, output_shape="see the cases",
        grads=[Grad(wrt, grad, texts[2], texts[3], shape=f"{wrt}'s shape")],
        forward=forward, cases=cases, thorough_cases=thorough, method="adjoint", notes=notes,
        params=params)


class Flipped(Node):
    """G flipped back along params 'dims'.  Args: (G,)."""

    unicode_name = "flip"
    latex_name = r"\operatorname{flip}"

    def compute(self, env, g):
        return np.flip(g, env.params["dims"])


def flip():
    def cases(rows):
        return [Case(f"A {'×'.join(map(str, s))}, dims={dims}", {"dims": dims},
                     shapes={"A": s, "G": s}) for s, dims in rows]
    return _adjoint(
        "flip", "reverse the order of entries along dims", Flipped(SG),
        lambda v, p: np.flip(v["A"], p["dims"]),
        cases([((2, 3), (0,)), ((3, 4), (1,)), ((2, 3, 4), (0, 2))]),
        cases([((5,), (0,)), ((4, 1, 3), (0, 1, 2))]),
        ("out = A reversed along dims", r"\mathrm{out} = \operatorname{flip}(A)",
         "∂L/∂A = G flipped back along the same dims",
         _d("A") + r" = \operatorname{flip}(G)"))


def _kept(shape, kind, diagonal):
    """The 0/1 pattern tril or triu keeps in the last two dims of `shape`."""
    ones = np.ones(tuple(shape)[-2:], dtype=bool)
    return (np.tril if kind == "tril" else np.triu)(ones, diagonal)


class Triangle(Node):
    """G with the same triangle kept (params 'kind' = 'tril' | 'triu', 'diagonal').  Args: (G,)."""

    unicode_name = "triangle"
    latex_name = r"\operatorname{tri}"

    def compute(self, env, g):
        keep = _kept(np.shape(g), env.params["kind"], env.params.get("diagonal", 0))
        return np.where(keep, g, env.zeros(()).item() if env.exact else 0.0)


def _triangle(kind):
    word = "below" if kind == "tril" else "above"

    def forward(values, params):
        keep = _kept(values["A"].shape, kind, params.get("diagonal", 0))
        return np.where(keep, values["A"], sp.Integer(0))

    def cases(rows):
        return [Case(f"A {'×'.join(map(str, s))}, diagonal={k}", {"kind": kind, "diagonal": k},
                     shapes={"A": s, "G": s}) for s, k in rows]
    return _adjoint(
        kind, f"entries on and {word} the diagonal (shifted by `diagonal`), the rest 0",
        Triangle(SG), forward,
        cases([((2, 3), 0), ((4, 3), -1), ((2, 3, 4), 1)]),
        cases([((5, 1), 0), ((3, 6), 2)]),
        (f"out = {kind}(A, diagonal)", r"\mathrm{out} = \operatorname{%s}(A)" % kind,
         f"∂L/∂A = {kind}(G, diagonal)   (the same entries kept)",
         _d("A") + r" = \operatorname{%s}(G)" % kind), params={"kind": kind, "diagonal": 0})


def tril():
    return _triangle("tril")


def triu():
    return _triangle("triu")


def gather_key(index, dim):
    grids = np.ogrid[tuple(slice(s) for s in index.shape)]
    return tuple(index if axis == dim else grids[axis] for axis in range(index.ndim))


def gather():
    def cases(rows):
        out = []
        for shape, dim, index in rows:
            index = np.asarray(index)
            out.append(Case(f"A {'×'.join(map(str, shape))}, dim={dim}, index "
                            f"{'×'.join(map(str, index.shape))}",
                            {"dim": dim, "index": index, "key": gather_key(index, dim)},
                            shapes={"A": shape, "G": index.shape}))
        return out
    return _adjoint(
        "gather", "pick along a dim by an index tensor", ScatterAdd(SG, SA),
        lambda v, p: np.asarray(v["A"][p["key"]], dtype=object),
        cases([((3, 4), 0, [[2, 0, 2, 1], [1, 1, 0, 2]]),
               ((2, 5), 1, [[4, 0, 4], [1, 3, 1]]),
               ((2, 3, 4), 2, [[[3], [0], [3]], [[1], [1], [2]]])]),
        cases([((4, 1), 0, [[3], [3]]), ((1, 6), 1, [[5, 0, 5, 2]])]),
        ("out[i][j] = A[index[i][j]][j] (dim 0), A[i][index[i][j]] (dim 1), …",
         r"\mathrm{out} = A[\kappa(\mathrm{index}, \mathrm{dim})]",
         "∂L/∂A = zeros of A's shape with G added where each entry was picked (picked twice: "
         "added twice)",
         _d("A") + r" = \operatorname{scatter\_add}(0, \mathrm{dim}, \mathrm{index}, G)"),
        notes=["index is data: it carries no gradient"])


def embedding():
    W_ = Operand("W", None, shape_text="num_embeddings × dim")

    def cases(rows):
        return [Case(f"W {'×'.join(map(str, w))}, indices {'×'.join(map(str, np.shape(i)))}",
                     {"indices": np.asarray(i), "key": (np.asarray(i),)},
                     shapes={"W": w, "G": np.shape(i) + (w[1],)}) for w, i in rows]
    return _adjoint(
        "embedding", "row lookup out = W[indices]", ScatterAdd(SG, W_.symbol),
        lambda v, p: np.asarray(v["W"][p["key"]], dtype=object),
        cases([((5, 3), [4, 1, 4, 0]), ((4, 2), [[3], [0], [3]]), ((3, 4), [[0, 2, 2],
                                                                             [1, 1, 0]])]),
        cases([((2, 5), [1, 1, 1]), ((6, 1), [[5, 0], [2, 5], [5, 3]])]),
        ("out[…, :] = W[indices[…], :]", r"\mathrm{out} = W[\mathrm{indices}]",
         "∂L/∂W = zeros of W's shape with each row of G added to the row it was looked up from",
         _d("W") + r" = \operatorname{scatter\_add}(0, \mathrm{indices}, G)"),
        operands=[W_, SG_],
        notes=["padding_idx's row gets no gradient: the engine detaches it (a convention, not "
               "a derivative); max_norm rescales rows outside the graph"])


# --------------------------------------------------------------------------------------------
# Softmin
# --------------------------------------------------------------------------------------------

def softmin():
    S = sp.MatrixSymbol("S", *A.shape)
    return Derivation(
        "softmin", kind=KIND, topic=TOPIC, title="softmin along dim, softmax(−A)",
        forward_unicode="S = softmin(A) = softmax(−A) along dim",
        forward_latex=r"S = \operatorname{softmax}(-A)",
        operands=[A_, G_], output_shape="n×m",
        aux=[(S, Softmax(-A), "S = softmax(−A) (the output)")],
        grads=[Grad("A", -sp.HadamardProduct(S, G - DimSum(sp.HadamardProduct(G, S))),
                    "∂L/∂A = −S ⊙ (G − (G ⊙ S) 𝟏𝟏ᵀ)   (dim=1; Σ along dim in general)",
                    _d("A") + r" = -S \odot \left(G - (G \odot S)\mathbf{1}\mathbf{1}^\top"
                    r"\right)", shape="n×m")],
        forward=lambda v, p: softmax.explicit_softmax(-v["A"], p["dim"]),
        cases=softmax._cases(), thorough_cases=softmax._thorough_cases(), params={"dim": -1},
        notes=["softmax's rule with the chain rule's −1 for the negation"])


# --------------------------------------------------------------------------------------------
# Normalization: layer_norm (over each row), batch_norm (over each column, training)
# --------------------------------------------------------------------------------------------

class DimMean(Node):
    """The mean over params 'dim', broadcast back."""

    unicode_name = "mean_dim"
    latex_name = r"\operatorname{mean}_{\mathrm{dim}}"

    def compute(self, env, a):
        return a - Centered.compute(self, env, a)


class Sigma(Node):
    """√(biased variance over params 'dim' + eps), broadcast to A's shape."""

    unicode_name = "σ"
    latex_name = r"\sigma"

    def compute(self, env, a):
        total = _variance(self, env, a, 0) + env.param_value("eps")
        return np.broadcast_to(_entries(env, total, sp.sqrt, np.sqrt), np.shape(a))


def _normalization(name, title, dim, sizes, thorough, where, notes):
    X_, W_, b_ = Operand("X", ("n", "m")), Operand("W", ("m",)), Operand("b", ("m",))
    Gn_ = Operand("G", ("n", "m"), role="upstream")
    X, W, Gn = X_.symbol, W_.symbol, Gn_.symbol
    rows = X.shape[0]
    Sg, Xh = sp.MatrixSymbol("Sigma", *X.shape), sp.MatrixSymbol("Xhat", *X.shape)
    eps = sp.Symbol("eps", positive=True)
    Gh = sp.HadamardProduct(Gn, sp.OneMatrix(rows, 1) * W.T)
    closed = sp.HadamardProduct(sp.HadamardPower(Sg, -1), Gh - DimMean(Gh) - sp.HadamardProduct(
        Xh, DimMean(sp.HadamardProduct(Gh, Xh))))

    def forward(values, params):
        xs = values["X"]
        count = xs.shape[dim]
        mean = np.sum(xs, axis=dim, keepdims=True) * sp.Rational(1, count)
        var = np.sum((xs - mean) ** 2, axis=dim, keepdims=True) * sp.Rational(1, count)
        sigma = np.vectorize(sp.sqrt, otypes=[object])(var + sp.sympify(params["eps"]))
        return (xs - mean) / sigma * values["W"][None, :] + values["b"][None, :]

    def cases(pairs):  # fixed shapes: training batch_norm needs 2 or more rows (as PyTorch)
        out = size_cases("nm", pairs, "n×m = {}", {"dim": (dim,), "eps": eps})
        for case, (rows_, cols) in zip(out, pairs):
            case.shapes = {"X": (rows_, cols), "W": (cols,), "b": (cols,), "G": (rows_, cols)}
        return out

    return Derivation(
        name, kind=KIND, topic=TOPIC, title=title,
        forward_unicode=f"out = X̂ ⊙ 𝟏wᵀ + 𝟏bᵀ,  X̂ = (X − X̄) ⊘ Σ,  Σ = √(var + ε)   ({where})",
        forward_latex=r"\mathrm{out} = \hat X \odot \mathbf{1} w^\top + \mathbf{1} b^\top, "
                      r"\quad \hat X = (X - \bar X) \oslash \Sigma",
        operands=[X_, W_, b_, Gn_], output_shape="n×m",
        aux=[(Sg, Sigma(X), f"Σ = √(biased var(X) + ε) {where}, broadcast"),
             (Xh, sp.HadamardProduct(Centered(X), sp.HadamardPower(Sg, -1)),
              "X̂ = (X − X̄) ⊘ Σ, the normalized input")],
        grads=[Grad("X", closed,
                    "∂L/∂X = (Ĝ − mean(Ĝ) − X̂ ⊙ mean(Ĝ ⊙ X̂)) ⊘ Σ,  Ĝ = G ⊙ 𝟏wᵀ   "
                    f"(means {where})",
                    _d("X") + r" = \left(\hat G - \overline{\hat G} - \hat X \odot "
                    r"\overline{\hat G \odot \hat X}\right) \oslash \Sigma, \quad \hat G = G "
                    r"\odot \mathbf{1} w^\top", shape="n×m"),
               Grad("W", sp.HadamardProduct(Gn, Xh).T * sp.OneMatrix(rows, 1),
                    "∂L/∂w = (G ⊙ X̂)ᵀ 𝟏", r"\frac{\partial L}{\partial w} = (G \odot \hat X)^\top"
                    r" \mathbf{1}", shape="m"),
               Grad("b", Gn.T * sp.OneMatrix(rows, 1), "∂L/∂b = Gᵀ 𝟏",
                    r"\frac{\partial L}{\partial b} = G^\top \mathbf{1}", shape="m")],
        forward=forward, cases=cases(sizes), thorough_cases=cases(thorough),
        params={"dim": (dim,), "eps": 1e-5}, numeric_params=[{"dim": (dim,), "eps": 1e-5},
                                                             {"dim": (dim,), "eps": 0.5}],
        notes=notes)


def layer_norm():
    return _normalization(
        "layer_norm", "layer normalization over the last dim, then · w + b", 1,
        [(2, 3), (1, 4), (3, 2)], [(4, 1), (2, 5)], "over each row",
        ["the three-term rule: Ĝ, minus its row mean, minus X̂ times the row mean of Ĝ ⊙ X̂, "
         "all over Σ; a batch … × m is its rows"])


def batch_norm():
    return _normalization(
        "batch_norm", "batch normalization in training (batch statistics), then · w + b", 0,
        [(3, 2), (4, 1), (2, 3)], [(1, 4), (5, 2)], "over each column",
        ["training mode: the statistics are the batch's (in eval mode out is affine in X "
         "with the running statistics, constants); an (N, C, L) input normalizes over N and "
         "L for each channel C, the same rule on its (N·L) × C rows"])


# --------------------------------------------------------------------------------------------
# Losses: l1, smooth_l1, huber, kl_div, nll_loss
# --------------------------------------------------------------------------------------------

def loss_scale(shape, reduction):
    """c: 1/N for 'mean' (N entries), 1/n for 'batchmean' (n = the batch, dim 0), 1 for 'sum'."""
    if reduction == "mean":
        return sp.Rational(1, int(np.prod(shape)))
    if reduction == "batchmean":
        return sp.Rational(1, shape[0] if len(shape) else 1)
    return sp.Integer(1)


class Reduced(Node):
    """Its argument times the loss's c (params 'reduction': mean, batchmean or sum)."""

    unicode_name = "c·"
    latex_name = "c"

    def compute(self, env, m):
        return m * env.scalar(loss_scale(np.shape(m), env.params["reduction"]))


X_, Y_ = Operand("X", ("n", "o")), Operand("Y", ("n", "o"))
LX, LY = X_.symbol, Y_.symbol
REDUCTION_TEXT = "c = 1/N for 'mean' (N entries), 1 for 'sum'"


def _loss_cases(reductions, params=(), pieces=()):
    params = list(params) or [{}] * len(reductions)
    return [Case(f"n×o = {rows}×{cols}, {reduction}", {"reduction": reduction, **extra},
                 {"n": rows, "o": cols}, pieces=list(pieces))
            for (rows, cols), reduction, extra in zip(SIZES + [(4, 1), (1, 5)], reductions,
                                                      params)]


def _loss(name, title, texts, grads, forward, cases, thorough, operands=None, aux=(),
          notes=(), params=None, numeric=None):
    return Derivation(
        name, kind=KIND, topic=TOPIC, title=title, forward_unicode=texts[0],
        forward_latex=texts[1], operands=operands or [X_, Y_], output_shape="scalar",
        grads=grads, forward=forward, cases=cases, thorough_cases=thorough, method="loss",
        aux=aux, notes=notes, params=params or {"reduction": "mean"}, numeric_params=numeric)


def _summed(values, params, per_entry):
    """c Σ per_entry(x, y) over the entries of X and Y."""
    xs, ys = values["X"], values["Y"]
    total = sum(per_entry(a, b) for a, b in zip(xs.flat, ys.flat))
    return loss_scale(xs.shape, params["reduction"]) * total


def _difference_pieces(regions):
    """Pieces where each entry's difference d = x − y sits in a region (cycling over entries):
    regions are (label, d as a function of (t, params), smooth loss of d)."""
    def region(index, shift):
        return regions[(sum(index) + shift) % len(regions)]

    def point(shift):
        def substitute(values, params):
            return {a: b + region(index, shift)[1](_t(a), params)
                    for (index, a), b in zip(np.ndenumerate(values["X"]), values["Y"].flat)}
        return substitute

    def branch(shift):
        def smooth(values, params):
            total = sum(region(index, shift)[2](a - b, params)
                        for (index, a), b in zip(np.ndenumerate(values["X"]), values["Y"].flat))
            return loss_scale(values["X"].shape, params["reduction"]) * total
        return smooth

    labels = ", ".join(label for label, _, _ in regions)
    return [PieceSpec(f"entries cycling through {labels} (shift {shift})", point(shift),
                      branch(shift)) for shift in range(len(regions))]


def l1_loss():
    phi = (LX - LY).applyfunc(sp.sign)
    pieces = _difference_pieces([("d > 0", lambda t, p: t, lambda d, p: d),
                                 ("d < 0", lambda t, p: -t, lambda d, p: -d)])
    return _loss(
        "l1_loss", "mean absolute error",
        (f"L = c Σ |X − Y|   ({REDUCTION_TEXT})",
         r"L = c \textstyle\sum |X - Y|"),
        [Grad("X", Reduced(phi), "∂L/∂X = c sign(X − Y)",
              _d("X") + r" = c\, \operatorname{sign}(X - Y)", shape="n×o"),
         Grad("Y", -Reduced(phi), "∂L/∂Y = −c sign(X − Y)   (the target's)",
              _d("Y") + r" = -c\, \operatorname{sign}(X - Y)", shape="n×o")],
        lambda v, p: _summed(v, p, lambda a, b: sp.Abs(a - b)),
        _loss_cases(["mean", "sum", "mean"], pieces=pieces),
        _loss_cases(["sum", "mean", "sum", "mean", "sum"][3:], pieces=pieces),
        notes=["where X = Y the gradient is 0 (sign(0) = 0), as PyTorch"])


def _huber_family(name, title, width_name, inside, outside, slope_outside, widths, texts,
                  notes):
    """smooth_l1 and huber: ℓ(d) = inside(d) for |d| < w, outside(d) for d ≥ w (w the width,
    ℓ even); the hand-stated ∂ℓ/∂d is texts['phi'] inside and slope_outside · sign(d) beyond."""
    w = sp.Symbol(width_name, positive=True)
    phi = sp.Lambda(x, texts["phi"] * H(w - sp.Abs(x), 0) + slope_outside * sp.sign(x) *
                    H(sp.Abs(x) - w, 1))

    def width(params):
        return sp.sympify(params[width_name])

    def smooth(expr):
        return lambda d, params: _substituted(expr, params).xreplace({x: d})

    pieces = _difference_pieces([
        ("0 < d < w", lambda t, p: width(p) * t / (1 + t), smooth(inside)),
        ("d > w", lambda t, p: width(p) + t, smooth(outside)),
        ("−w < d < 0", lambda t, p: -width(p) * t / (1 + t), smooth(inside)),
        ("d < −w", lambda t, p: -width(p) - t, smooth(outside.xreplace({x: -x})))])
    closed = Reduced((LX - LY).applyfunc(phi))
    cases = [Case(c.label + f", {width_name}={value}", {**c.params, width_name: value},
                  c.dims, pieces=c.pieces)
             for c, value in zip(_loss_cases(["mean", "sum", "mean"], pieces=pieces), widths)]
    thorough = [Case(c.label + f", {width_name}=1", {**c.params, width_name: 1}, c.dims,
                     pieces=c.pieces)
                for c in _loss_cases(["mean", "sum", "mean", "sum", "mean"],
                                     pieces=pieces)[3:]]
    ell = sp.Piecewise((inside, sp.Abs(x) < w), (outside.xreplace({x: sp.Abs(x)}), True))
    return _loss(
        name, title, (texts["forward"], texts["forward_latex"]),
        [Grad("X", closed, f"∂L/∂X = c φ(X − Y),  {texts['phi_text']}",
              _d("X") + r" = c\, \varphi(X - Y), \quad " + texts["phi_latex"], shape="n×o"),
         Grad("Y", -closed, "∂L/∂Y = −c φ(X − Y)   (the target's)",
              _d("Y") + r" = -c\, \varphi(X - Y)", shape="n×o")],
        lambda v, p: _summed(v, p, lambda a, b: _substituted(ell, p).xreplace({x: a - b})),
        cases, thorough, params={"reduction": "mean", width_name: 1.0}, notes=notes)


def smooth_l1_loss():
    b = sp.Symbol("beta", positive=True)
    return _huber_family(
        "smooth_l1_loss", "smooth L1 loss (quadratic within β, linear beyond)", "beta",
        x ** 2 / (2 * b), x - b / 2, 1, [1, sp.Rational(1, 2), 2],
        {"phi": x / b,
         "forward": f"L = c Σ ℓ(X − Y),  ℓ(d) = d²/(2β) for |d| < β, |d| − β/2 beyond   "
                    f"({REDUCTION_TEXT})",
         "forward_latex": r"L = c \textstyle\sum \ell(X - Y), \quad \ell(d) = "
                          r"\frac{d^2}{2\beta}\ (|d| < \beta), \ |d| - \frac{\beta}{2}",
         "phi_text": "φ(d) = d/β for |d| < β, sign(d) beyond",
         "phi_latex": r"\varphi(d) = d/\beta\ (|d| < \beta),\ \operatorname{sign}(d)"},
        ["at |d| = β both sides give sign(d); at d = 0 the gradient is 0; proved at β = 1, ½ "
         "and 2 (β = 0 is l1_loss)"])


def huber_loss():
    dl = sp.Symbol("delta", positive=True)
    return _huber_family(
        "huber_loss", "Huber loss (quadratic within δ, linear beyond)", "delta",
        x ** 2 / 2, dl * (x - dl / 2), dl, [1, sp.Rational(1, 2), 2],
        {"phi": x,
         "forward": f"L = c Σ ℓ(X − Y),  ℓ(d) = d²/2 for |d| < δ, δ(|d| − δ/2) beyond   "
                    f"({REDUCTION_TEXT})",
         "forward_latex": r"L = c \textstyle\sum \ell(X - Y), \quad \ell(d) = \frac{d^2}{2}\ "
                          r"(|d| < \delta), \ \delta\left(|d| - \frac{\delta}{2}\right)",
         "phi_text": "φ(d) = d for |d| < δ, δ sign(d) beyond (clamp(d, −δ, δ))",
         "phi_latex": r"\varphi(d) = \operatorname{clamp}(d, -\delta, \delta)"},
        ["at |d| = δ both sides give δ sign(d); at d = 0 the gradient is 0; proved at δ = 1, ½ "
         "and 2"])


class ForLogTarget(Node):
    """Its first argument when params 'log_target' is false, else its second."""

    unicode_name = "by_log_target"
    latex_name = r"\operatorname{by\_log\_target}"

    def compute(self, env, plain, log_target):
        return log_target if env.params.get("log_target") else plain


def kl_div():
    Yk_ = Operand("Y", ("n", "o"), domain="positive")
    ones = sp.OneMatrix(*LX.shape)
    expY = LY.applyfunc(sp.exp)

    def forward(values, params):
        if params.get("log_target"):
            term = lambda a, b: sp.exp(b) * (b - a)  # noqa: E731
        else:
            term = lambda a, b: b * (sp.log(b) - a)  # noqa: E731
        return _summed(values, params, term)

    reductions_ = ["batchmean", "sum", "mean", "batchmean", "sum"]
    targets = [0, 1, 0, 1, 0]
    params = [{"log_target": k} for k in targets]
    return _loss(
        "kl_div", "KL divergence from log-probabilities X to a target Y",
        ("L = c Σ Y ⊙ (log Y − X);  log_target: c Σ e^Y ⊙ (Y − X)   (c = 1/n 'batchmean', 1/N "
         "'mean', 1 'sum')",
         r"L = c \textstyle\sum Y \odot (\log Y - X)"),
        [Grad("X", -Reduced(ForLogTarget(LY, expY)), "∂L/∂X = −c Y;  log_target: −c e^Y",
              _d("X") + r" = -c\, Y", shape="n×o"),
         Grad("Y", Reduced(ForLogTarget(LY.applyfunc(sp.log) - LX + ones,
                                        sp.HadamardProduct(expY, LY - LX + ones))),
              "∂L/∂Y = c (log Y − X + 𝟏);  log_target: c e^Y ⊙ (Y − X + 𝟏)   (the target's)",
              _d("Y") + r" = c\, (\log Y - X + \mathbf{1})", shape="n×o")],
        forward, _loss_cases(reductions_[:3], params[:3]),
        _loss_cases(reductions_, params)[3:], operands=[X_, Yk_],
        params={"reduction": "batchmean", "log_target": 0},
        notes=["proved on Y > 0; where Y = 0 (log_target False) the loss term is 0 (0 log 0 = "
               "0) and ∂L/∂X = 0, while ∂L/∂Y is NaN, in the engine as in PyTorch (log 0 + 1 "
               "has no finite value)"])


class ClassWeights(Node):
    """Zeros of X's shape with w[yᵢ] at (i, yᵢ) for each counted sample (params 'classes',
    'ignore_index'), divided by Σ w[yᵢ] for reduction 'mean'.  Args: (W, X)."""

    unicode_name = "onehot_w"
    latex_name = r"\operatorname{onehot}_w"

    @property
    def shape(self):
        return self.args[1].shape

    def compute(self, env, w, xs):
        w = np.reshape(w, -1)
        out = env.zeros(np.shape(xs))
        counted = [(i, int(y)) for i, y in enumerate(env.params["classes"])
                   if int(y) != env.params.get("ignore_index", -100)]
        for i, y in counted:
            out[i, y] = w[y]
        if env.params["reduction"] == "mean":
            total = sum(w[y] for _, y in counted)
            out = out * (1 / total)
        return out


def nll_loss():
    Wc_ = Operand("W", ("o",), role="data", domain="positive")
    Xn_ = Operand("X", ("n", "o"))

    def forward(values, params):
        xs, w = values["X"], values["W"]
        counted = [(i, int(y)) for i, y in enumerate(params["classes"])
                   if int(y) != params.get("ignore_index", -100)]
        total = -sum(w[y] * xs[i, y] for i, y in counted)
        if params["reduction"] == "mean":
            return total / sum(w[y] for _, y in counted)
        return total

    def cases(rows):
        return [Case(f"n×o = {xs[0]}×{xs[1]}, {reduction}, classes {list(classes)}",
                     {"classes": np.asarray(classes), "reduction": reduction,
                      "ignore_index": -100}, shapes={"X": xs, "W": (xs[1],)})
                for xs, reduction, classes in rows]
    return _loss(
        "nll_loss", "negative log-likelihood of class indices (weighted)",
        ("L = −Σᵢ w[yᵢ] X[i, yᵢ] / Σᵢ w[yᵢ]   ('mean'; 'sum' without the division; samples "
         "with yᵢ = ignore_index left out)",
         r"L = -\frac{\sum_i w_{y_i} X_{i y_i}}{\sum_i w_{y_i}}"),
        [Grad("X", -ClassWeights(Wc_.symbol, Xn_.symbol),
              "∂L/∂X = −[j = yᵢ] w[yᵢ] / Σₖ w[yₖ]   (row i, column j; 'sum': no division)",
              _d("X") + r" = -\frac{[j = y_i]\, w_{y_i}}{\sum_k w_{y_k}}", shape="n×o")],
        forward,
        cases([((2, 3), "mean", [2, 0]), ((3, 4), "sum", [1, 3, 1]),
               ((5, 2), "mean", [1, 0, -100, 1, 1])]),
        cases([((4, 1), "mean", [0, 0, 0, 0]), ((1, 5), "sum", [4])]),
        operands=[Xn_, Wc_], params={"reduction": "mean", "classes": np.array([0]),
                                     "ignore_index": -100},
        notes=["the class weights w are data (no gradient); without weight= they are 𝟏, and "
               "'mean' divides by the number of counted samples"])


def derivations():
    """One derivation per name of tinygrad_edu.primitives.COMPOSITIONS, in its order."""
    return [amax(), amin(), logsumexp(), prod(), cumsum(), var(), std(), norm(),
            dot(), mv(), bmm(), outer(), addmm(), einsum(),
            square(), lerp(),
            flip(), tril(), triu(), gather(), masked_fill(), embedding(),
            leaky_relu(), hardtanh(), relu6(), elu(), selu(), celu(), silu(), softplus(),
            mish(), gelu(), softsign(), hardsigmoid(), hardswish(), logsigmoid(), tanhshrink(),
            threshold(), softmin(), prelu(),
            layer_norm(), batch_norm(),
            l1_loss(), smooth_l1_loss(), huber_loss(), kl_div(), nll_loss()]
