"""The seed's two-layer network, backpropagated one single-op rule at a time.

Forward, batch of n samples as rows (PyTorch layout, docs/gradients.md):
    Z₁ = X W₁ᵀ + 𝟏 b₁ᵀ (n×h),  H₁ = σ(Z₁),  Z₂ = H₁ W₂ᵀ + 𝟏 b₂ᵀ (n×o),  Ŷ = τ(Z₂),  L = loss(Ŷ, Y)
with σ ∈ {relu, tanh, sigmoid}; (τ, loss) ∈ {identity+mse, sigmoid+mse, sigmoid+bce,
softmax+mse, softmax+cross_entropy}; reduction mean | sum.

Backward: each step applies ONE rule proved elsewhere in this package (its name is shown), with
the previous step's result as the upstream G.  SymPy never differentiates the whole network at
matrix level (SYMPY-NOTES.md: that silently returns a transposed, wrong ∂L/∂W₁).

The proof checks every step's composed closed form entry by entry against ∂L/∂(entry) of the
scalar loss built entry by entry on explicit matrices of symbols: for ∂L/∂W₁ and ∂L/∂b₁ the whole
network from X; for an intermediate (Ŷ, Z₂, H₁, Z₁) the network downstream of it, with its entries
as free symbols.  σ, tanh and softmax enter as functions whose derivatives are the lemmas proved
in 'sigmoid', 'tanh' and 'softmax'; relu is proved on each piece: where every entry of Z₁ keeps
its sign, relu(z) = m z with a constant m = [z > 0], and the proof holds for every such mask m.
It also checks the seed's single-sample column form (∂L/∂W₂ = ∂L/∂ŷ · ∂ŷ/∂z₂ · h₁ᵀ with the
Jacobian ∂ŷ/∂z₂ differentiated per sample, summed over samples) against the batch form.
"""

import time

import numpy as np
import sympy as sp

from .core import (
    Case,
    Derivation,
    DerivationError,
    Grad,
    Operand,
    Proof,
    _to_shape,
    did_you_mean,
    random_array,
    symbolic_array,
    zero_method,
)
from .evaluate import DimSum, Env, Softmax, evaluate, sigmoid, softmax_entry

HIDDEN = ("relu", "tanh", "sigmoid")
OUTPUTS = ("identity", "sigmoid", "softmax")
LOSSES = ("mse", "bce", "cross_entropy")
REDUCTIONS = ("mean", "sum")
COMBINATIONS = (("identity", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce"),
                ("softmax", "mse"), ("softmax", "cross_entropy"))
REFUSED = {
    ("identity", "bce"):
        "BCE takes probabilities in (0, 1), but the identity output Ŷ = Z₂ can be any real "
        "number (log Ŷ is undefined for Ŷ ≤ 0); use --output sigmoid with bce",
    ("identity", "cross_entropy"):
        "cross-entropy takes rows of probabilities, but the identity output Ŷ = Z₂ can be any "
        "real number; use --output softmax with cross_entropy",
    ("softmax", "bce"):
        "softmax makes each row one distribution over o classes, while BCE scores every output "
        "as its own yes/no probability; use softmax with cross_entropy, or sigmoid with bce",
    ("sigmoid", "cross_entropy"):
        "cross-entropy −Σ Y⊙log Ŷ needs each row of Ŷ to be a distribution (summing to 1); "
        "independent sigmoids do not sum to 1; use softmax with cross_entropy, or sigmoid with bce",
}
# The chain's proof shape: n, d, h, o pairwise distinct, so that no wrong scale hides behind
# equal sizes: 1/o for 1/n (n ≠ o), 2/(n(n+1)) for 2/(n·o) (o ≠ n + 1), a hard-coded 1/3
# (n ≠ 3, n·o ≠ 6), and no transpose hides behind a square W or a one-column X (d, h ≥ 2).
PROOF_SIZES = {"n": 4, "d": 5, "h": 3, "o": 2}
THOROUGH_SIZES = [{"n": 5, "d": 2, "h": 4, "o": 3}]


def _sizes_label(sizes):
    return ", ".join(f"{k}={v}" for k, v in sizes.items())

x = sp.Symbol("x")
X_ = Operand("X", ("n", "d"), role="data")
W1_, b1_ = Operand("W1", ("h", "d")), Operand("b1", ("h",))
W2_, b2_ = Operand("W2", ("o", "h")), Operand("b2", ("o",))
X, W1, b1, W2, b2 = (op.symbol for op in (X_, W1_, b1_, W2_, b2_))
n, d = X.shape
h, o = W1.shape[0], W2.shape[0]
Z1, M1, H1 = (sp.MatrixSymbol(s, n, h) for s in ("Z1", "M1", "H1"))
Z2, Yhat, Y = (sp.MatrixSymbol(s, n, o) for s in ("Z2", "Yhat", "Y"))
ONES_n = sp.OneMatrix(n, 1)


def normalize(value, valid, what):
    """The canonical name (lower case, _ for -, ce → cross_entropy), or a DerivationError."""
    key = str(value).strip().lower().replace("-", "_")
    if key in ("ce", "crossentropy"):
        key = "cross_entropy"
    if key not in valid:
        raise DerivationError(f"unknown {what} {value!r}; valid: {', '.join(valid)}"
                              f"{did_you_mean(key, valid)}")
    return key


def check_combination(hidden, output, loss, reduction="mean"):
    """Normalized names, or a DerivationError naming the valid ones or saying why a
    combination is refused."""
    hidden = normalize(hidden, HIDDEN, "hidden activation")
    output = normalize(output, OUTPUTS, "output activation")
    loss = normalize(loss, LOSSES, "loss")
    reduction = normalize(reduction, REDUCTIONS, "reduction")
    if (output, loss) in REFUSED:
        raise DerivationError(f"output {output} with loss {loss} is refused: "
                              f"{REFUSED[(output, loss)]}. Valid output+loss pairs: "
                              + ", ".join(f"{a}+{b}" for a, b in COMBINATIONS))
    return hidden, output, loss, reduction


# --------------------------------------------------------------------------------------------
# The single-op rules, as SymPy matrix expressions with text: (closed form, unicode, latex,
# rule name).  Each is proved by the derivation named in `rule`.
# --------------------------------------------------------------------------------------------


def _scale(loss, reduction):
    if reduction == "sum":
        return sp.Integer(1), "", ""
    if loss == "cross_entropy":
        return 1 / n, "(1/n)", r"\tfrac{1}{n}"
    return 1 / (n * o), "(1/(n·o))", r"\tfrac{1}{n o}"


def _loss_step(loss, reduction):
    c, ct, cl = _scale(loss, reduction)
    rule = loss if reduction == "mean" else f"{loss}_sum"
    if loss == "mse":
        two_u = "(2/(n·o))" if reduction == "mean" else "2"
        two_l = r"\tfrac{2}{n o}" if reduction == "mean" else "2"
        return 2 * c * (Yhat - Y), f"{two_u} (Ŷ − Y)", two_l + r"\,(\hat Y - Y)", rule
    if loss == "bce":
        ones = sp.OneMatrix(n, o)
        closed = c * sp.HadamardProduct(Yhat - Y, sp.HadamardPower(
            sp.HadamardProduct(Yhat, ones - Yhat), -1))
        return (closed, f"{ct} (Ŷ − Y) ⊘ (Ŷ ⊙ (𝟏 − Ŷ))".strip(),
                cl + r"\,(\hat Y - Y) \oslash \left(\hat Y \odot (\mathbf{1} - \hat Y)\right)",
                rule)
    return (-c * sp.HadamardProduct(Y, sp.HadamardPower(Yhat, -1)),
            f"−{ct} Y ⊘ Ŷ".replace("− ", "−"), r"-" + cl + r"\, Y \oslash \hat Y", rule)


def _output_step(output, upstream):
    """∂L/∂Z₂ from G = ∂L/∂Ŷ: (closed, unicode template, latex template, rule)."""
    if output == "identity":
        return upstream, "{G}", "{G}", "identity (Ŷ = Z₂)"
    if output == "sigmoid":
        ones = sp.OneMatrix(n, o)
        return (sp.HadamardProduct(upstream, Yhat, ones - Yhat), "{G} ⊙ Ŷ ⊙ (𝟏 − Ŷ)",
                r"{G} \odot \hat Y \odot (\mathbf{1} - \hat Y)", "sigmoid")
    return (sp.HadamardProduct(Yhat, upstream - DimSum(sp.HadamardProduct(upstream, Yhat))),
            "Ŷ ⊙ ({G} − ({G} ⊙ Ŷ) 𝟏𝟏ᵀ)",
            r"\hat Y \odot \left({G} - ({G} \odot \hat Y)\mathbf{1}\mathbf{1}^\top\right)",
            "softmax (dim=1)")


def _hidden_step(hidden, upstream):
    """∂L/∂Z₁ from G = ∂L/∂H₁."""
    if hidden == "relu":
        return (sp.HadamardProduct(upstream, M1), "{G} ⊙ [Z₁ > 0]", r"{G} \odot [Z_1 > 0]",
                "relu")
    ones = sp.OneMatrix(n, h)
    if hidden == "tanh":
        return (sp.HadamardProduct(upstream, ones - sp.HadamardProduct(H1, H1)),
                "{G} ⊙ (𝟏 − H₁ ⊙ H₁)", r"{G} \odot (\mathbf{1} - H_1 \odot H_1)", "tanh")
    return (sp.HadamardProduct(upstream, H1, ones - H1), "{G} ⊙ H₁ ⊙ (𝟏 − H₁)",
            r"{G} \odot H_1 \odot (\mathbf{1} - H_1)", "sigmoid")


def _paren(text):
    """Wrap a composite text in parentheses when it is substituted into a bigger one."""
    return text if " " not in text else f"({text})"


def _paren_latex(text):
    return text if " " not in text and r"\," not in text else r"\left(" + text + r"\right)"


# --------------------------------------------------------------------------------------------
# The chain
# --------------------------------------------------------------------------------------------


class MLPChain(Derivation):
    """∂L/∂Ŷ, ∂L/∂Z₂, ∂L/∂W₂, ∂L/∂b₂, ∂L/∂H₁, ∂L/∂Z₁, ∂L/∂W₁, ∂L/∂b₁ for one configuration.

    ``numpy(X=…, W1=…, b1=…, W2=…, b2=…, Y=…)`` returns them under the keys Yhat, Z2, W2, b2,
    H1, Z1, W1, b1 (each in its PyTorch shape: b₁ as h entries).
    """

    def __init__(self, hidden, output, loss, reduction):
        self.hidden, self.output, self.loss_name, self.reduction = hidden, output, loss, reduction
        y_domain = {"mse": "real", "bce": "target", "cross_entropy": "distribution"}[loss]
        operands = [X_, W1_, b1_, W2_, b2_, Operand("Y", ("n", "o"), role="data",
                                                    domain=y_domain)]
        aux = [(Z1, X * W1.T + ONES_n * b1.T, "Z₁ = X W₁ᵀ + 𝟏 b₁ᵀ")]
        if hidden == "relu":
            aux += [(M1, Z1.applyfunc(sp.Lambda(x, sp.Heaviside(x, 0))), "M₁ = [Z₁ > 0]"),
                    (H1, sp.HadamardProduct(M1, Z1), "H₁ = relu(Z₁) = M₁ ⊙ Z₁")]
        else:
            f = sp.tanh if hidden == "tanh" else sigmoid
            aux += [(H1, Z1.applyfunc(sp.Lambda(x, f(x))), f"H₁ = {hidden}(Z₁)")]
        aux += [(Z2, H1 * W2.T + ONES_n * b2.T, "Z₂ = H₁ W₂ᵀ + 𝟏 b₂ᵀ")]
        if output == "identity":
            aux += [(Yhat, Z2, "Ŷ = Z₂")]
        elif output == "sigmoid":
            aux += [(Yhat, Z2.applyfunc(sp.Lambda(x, sigmoid(x))), "Ŷ = σ(Z₂)")]
        else:
            aux += [(Yhat, Softmax(Z2), "Ŷ = softmax(Z₂) along rows")]

        grads, composed = self._steps(hidden, output, loss, reduction)
        self.composed_dZ2 = composed
        _, ct, cl = _scale(loss, reduction)
        loss_text = {"mse": f"L = {ct} Σ (Ŷ − Y)⊙(Ŷ − Y)",
                     "bce": f"L = −{ct} Σ [Y ⊙ log Ŷ + (𝟏 − Y) ⊙ log(𝟏 − Ŷ)]",
                     "cross_entropy": f"L = −{ct} Σ Y ⊙ log Ŷ"}[loss]
        loss_latex = {"mse": r"L = %s\textstyle\sum (\hat Y - Y)^{\circ 2}" % cl,
                      "bce": r"L = -%s\textstyle\sum \left[Y \odot \log \hat Y + (\mathbf{1} - Y)"
                             r" \odot \log(\mathbf{1} - \hat Y)\right]" % cl,
                      "cross_entropy": r"L = -%s\textstyle\sum Y \odot \log \hat Y" % cl}[loss]
        output_latex = {"identity": r"\hat Y = Z_2", "sigmoid": r"\hat Y = \sigma(Z_2)",
                        "softmax": r"\hat Y = \operatorname{softmax}(Z_2)"}[output]
        hidden_latex = {"relu": r"\operatorname{relu}", "tanh": r"\tanh",
                        "sigmoid": r"\sigma"}[hidden]
        super().__init__(
            f"mlp_{hidden}_{output}_{loss}_{reduction}", kind="chain", topic="mlp",
            title=f"two-layer MLP: hidden {hidden}, output {output}, loss {loss}, "
                  f"reduction {reduction}",
            forward_unicode=f"Z₁ = X W₁ᵀ + 𝟏 b₁ᵀ, H₁ = {hidden}(Z₁), Z₂ = H₁ W₂ᵀ + 𝟏 b₂ᵀ, "
                            f"{aux[-1][2].split(' along')[0]}, {loss_text.replace('  ', ' ')}",
            forward_latex=r"Z_1 = X W_1^\top + \mathbf{1} b_1^\top,\; H_1 = %s(Z_1),\; "
                          r"Z_2 = H_1 W_2^\top + \mathbf{1} b_2^\top,\; %s,\; %s"
                          % (hidden_latex, output_latex, loss_latex),
            operands=operands, grads=grads, aux=aux, forward=None, method="loss",
            cases=[Case(_sizes_label(PROOF_SIZES), dims=dict(PROOF_SIZES))],
            thorough_cases=[Case(_sizes_label(s), dims=dict(s)) for s in THOROUGH_SIZES],
            output_shape="scalar", params={"dim": 1},
            uses=self._lemmas(hidden, output))

    @staticmethod
    def _lemmas(hidden, output):
        """The single-op facts the proof takes from other derivations."""
        uses = []
        if "sigmoid" in (hidden, output):
            uses.append("σ′ = σ(1 − σ) (proved in 'sigmoid')")
        if hidden == "tanh":
            uses.append("tanh′ = 1 − tanh² (proved in 'tanh')")
        if output == "softmax":
            uses.append("the softmax Jacobian (proved in 'softmax')")
        if hidden == "relu":
            uses.append("relu(z) = m z on each piece, m = [z > 0] constant there")
        return uses

    # ----- the steps -------------------------------------------------------------------------
    @staticmethod
    def _steps(hidden, output, loss, reduction):
        grads = []
        dYhat, ut, lt, rule = _loss_step(loss, reduction)
        grads.append(Grad("Yhat", dYhat, f"∂L/∂Ŷ = {ut}", r"\frac{\partial L}{\partial \hat Y} = "
                          + lt, shape="n×o", rule=rule, label="∂L/∂Ŷ",
                          expanded_unicode=ut, expanded_latex=lt))
        up_u, up_l = ut, lt

        dZ2, zt, zl, rule = _output_step(output, dYhat)
        composed = None
        expanded_u = up_u if zt == "{G}" else zt.replace("{G}", _paren(up_u))
        expanded_l = up_l if zl == "{G}" else zl.replace("{G}", _paren_latex(up_l))
        if (output, loss) in (("sigmoid", "bce"), ("softmax", "cross_entropy")):
            composed = dZ2
            c, ct, cl = _scale(loss, reduction)
            dZ2 = c * (Yhat - Y)
            why = ("the factor Ŷ ⊙ (𝟏 − Ŷ) cancels entrywise" if output == "sigmoid"
                   else "each row of Y sums to 1, so Y 𝟏𝟏ᵀ ⊙ Ŷ = Ŷ")
            rule = f"{rule}, then {why}"
            expanded_u = f"{ct} (Ŷ − Y)".strip()
            expanded_l = cl + r"\,(\hat Y - Y)"
        grads.append(Grad("Z2", dZ2, "∂L/∂Z₂ = " + zt.replace("{G}", "∂L/∂Ŷ"),
                          r"\frac{\partial L}{\partial Z_2} = "
                          + zl.replace("{G}", r"\frac{\partial L}{\partial \hat Y}"),
                          shape="n×o", rule=rule, label="∂L/∂Z₂",
                          expanded_unicode=expanded_u, expanded_latex=expanded_l))
        d2u, d2l = expanded_u, expanded_l
        d2 = r"\frac{\partial L}{\partial Z_2}"
        grads.append(Grad("W2", dZ2.T * H1, "∂L/∂W₂ = (∂L/∂Z₂)ᵀ H₁",
                          r"\frac{\partial L}{\partial W_2} = \left(%s\right)^\top H_1" % d2,
                          shape="o×h", rule="linear: ∂L/∂W = Gᵀ X", label="∂L/∂W₂",
                          expanded_unicode=f"{_paren(d2u)}ᵀ H₁",
                          expanded_latex=_paren_latex(d2l) + r"^\top H_1"))
        grads.append(Grad("b2", dZ2.T * ONES_n, "∂L/∂b₂ = (∂L/∂Z₂)ᵀ 𝟏",
                          r"\frac{\partial L}{\partial b_2} = \left(%s\right)^\top \mathbf{1}"
                          % d2, shape="o", rule="linear: ∂L/∂b = Gᵀ 𝟏", label="∂L/∂b₂",
                          expanded_unicode=f"{_paren(d2u)}ᵀ 𝟏",
                          expanded_latex=_paren_latex(d2l) + r"^\top \mathbf{1}"))
        dH1 = dZ2 * W2
        h1u, h1l = f"{_paren(d2u)} W₂", _paren_latex(d2l) + " W_2"
        grads.append(Grad("H1", dH1, "∂L/∂H₁ = (∂L/∂Z₂) W₂",
                          r"\frac{\partial L}{\partial H_1} = %s W_2" % d2, shape="n×h",
                          rule="linear: ∂L/∂X = G W", label="∂L/∂H₁",
                          expanded_unicode=h1u, expanded_latex=h1l))
        dZ1, z1t, z1l, rule = _hidden_step(hidden, dH1)
        z1u = z1t.replace("{G}", _paren(h1u))
        z1lx = z1l.replace("{G}", _paren_latex(h1l))
        grads.append(Grad("Z1", dZ1, "∂L/∂Z₁ = " + z1t.replace("{G}", "∂L/∂H₁"),
                          r"\frac{\partial L}{\partial Z_1} = "
                          + z1l.replace("{G}", r"\frac{\partial L}{\partial H_1}"),
                          shape="n×h", rule=rule, label="∂L/∂Z₁",
                          expanded_unicode=z1u, expanded_latex=z1lx))
        d1 = r"\frac{\partial L}{\partial Z_1}"
        grads.append(Grad("W1", dZ1.T * X, "∂L/∂W₁ = (∂L/∂Z₁)ᵀ X",
                          r"\frac{\partial L}{\partial W_1} = \left(%s\right)^\top X" % d1,
                          shape="h×d", rule="linear: ∂L/∂W = Gᵀ X", label="∂L/∂W₁",
                          expanded_unicode=f"{_paren(z1u)}ᵀ X",
                          expanded_latex=_paren_latex(z1lx) + r"^\top X"))
        grads.append(Grad("b1", dZ1.T * ONES_n, "∂L/∂b₁ = (∂L/∂Z₁)ᵀ 𝟏",
                          r"\frac{\partial L}{\partial b_1} = \left(%s\right)^\top \mathbf{1}"
                          % d1, shape="h", rule="linear: ∂L/∂b = Gᵀ 𝟏", label="∂L/∂b₁",
                          expanded_unicode=f"{_paren(z1u)}ᵀ 𝟏",
                          expanded_latex=_paren_latex(z1lx) + r"^\top \mathbf{1}"))
        return grads, composed

    # ----- the loss, entry by entry (independent of the closed forms) ------------------------
    def loss_value(self, yhat, y):
        rows, cols = yhat.shape
        c = {"sum": sp.Integer(1)}.get(self.reduction) or (
            sp.Rational(1, rows) if self.loss_name == "cross_entropy"
            else sp.Rational(1, rows * cols))
        log = np.vectorize(sp.log, otypes=[object])
        if self.loss_name == "mse":
            diff = yhat - y
            return c * np.sum(diff * diff)
        if self.loss_name == "bce":
            return -c * np.sum(y * log(yhat) + (1 - y) * log(1 - yhat))
        return -c * np.sum(y * log(yhat))

    # ----- proof -----------------------------------------------------------------------------
    def _values(self, sizes):
        values = {}
        for op in self.operands:
            shape = tuple(sizes[s] for s in op.shape)
            values[op.name] = symbolic_array(op, shape, assumptions=False)
        return values

    def _env(self, exact, values, params, explicit_functions=True, overrides=None):
        """The chain's env; `overrides` replaces intermediates (a cut) and, for relu, M₁."""
        if not exact:
            return super()._env(exact, values, params, explicit_functions)
        env = Env(exact=True, params={**self.params, **(params or {})},
                  explicit_functions=explicit_functions)
        for op in self.operands:
            env.bind(op.symbol, values[op.name])
        for symbol, expr, _ in self.aux:
            name = str(symbol.name)
            value = overrides[name] if name in (overrides or {}) else evaluate(expr, env)
            env.bind(symbol, value)
        return env

    def _cut_residuals(self, sizes):
        """(label, residual) for every entry of every step, plus the column-form checks, on
        explicit matrices of the given sizes {n, d, h, o}."""
        values = self._values(sizes)
        shape = {"Z1": (sizes["n"], sizes["h"]), "H1": (sizes["n"], sizes["h"]),
                 "M1": (sizes["n"], sizes["h"]), "Z2": (sizes["n"], sizes["o"]),
                 "Yhat": (sizes["n"], sizes["o"])}

        def free(name):
            return symbolic_array(Operand(name.lower() + "f", ()), shape[name], False)

        mask = {"M1": symbolic_array(Operand("m", ()), shape["M1"], False)} \
            if self.hidden == "relu" else {}
        cuts = [("Yhat", ["Yhat"]), ("Z2", ["Z2"]), ("H1", ["H1", "W2", "b2"]), ("Z1", ["Z1"]),
                (None, ["W1", "b1"])]
        for cut, targets in cuts:
            overrides = dict(mask)
            if cut is not None:
                overrides[cut] = free(cut)
            env = self._env(True, values, {}, explicit_functions=False, overrides=overrides)
            loss = sp.sympify(self.loss_value(env.values["Yhat"], values["Y"]))
            for target in targets:
                variables = overrides[target] if target == cut else values[target]
                grad = self.grad(target)
                closed = np.asarray(evaluate(grad.closed_form, env), dtype=object)
                closed = _to_shape(closed, variables.shape, self.name, target)
                for index in np.ndindex(variables.shape):
                    truth = sp.diff(loss, variables[index])
                    yield f"{grad.quantity}{list(index)}", closed[index] - truth
                if target == "Z2" and self.composed_dZ2 is not None:
                    composed = np.asarray(evaluate(self.composed_dZ2, env), dtype=object)
                    for index in np.ndindex(variables.shape):
                        truth = sp.diff(loss, variables[index])
                        yield f"∂L/∂Z₂ before simplifying{list(index)}", composed[index] - truth
                if target == "W2":
                    yield from self._column_form_W2(env, values)

    def _jacobian(self, z_row):
        """∂ŷ/∂z₂ for one sample (o×o), differentiated entry by entry at that sample."""
        zeta = sp.symbols(f"zeta_0:{len(z_row)}")
        if self.output == "identity":
            y_row = list(zeta)
        elif self.output == "sigmoid":
            y_row = [sigmoid(z) for z in zeta]
        else:
            y_row = [softmax_entry(sp.Integer(k), *zeta) for k in range(len(zeta))]
        jac = np.array([[sp.diff(yk, zj) for zj in zeta] for yk in y_row], dtype=object)
        point = dict(zip(zeta, z_row))
        return np.vectorize(lambda e: sp.sympify(e).xreplace(point), otypes=[object])(jac)

    def _deltas2(self, env):
        """δ₂⁽ⁱ⁾ = (∂ŷ/∂z₂)ᵀ ∂L/∂ŷ for each sample i: the seed's column form, as rows."""
        g_yhat = np.asarray(evaluate(self.grad("Yhat").closed_form, env), dtype=object)
        z2 = env.values["Z2"]
        return [self._jacobian(z2[i]).T.dot(g_yhat[i]) for i in range(z2.shape[0])]

    def _column_form_W2(self, env, values):
        """Σᵢ δ₂⁽ⁱ⁾ h₁⁽ⁱ⁾ᵀ (the seed's ∂L/∂W₂ = ∂L/∂ŷ · ∂ŷ/∂z₂ · h₁ᵀ per sample) = (∂L/∂Z₂)ᵀ H₁."""
        h1 = env.values["H1"]
        column = sum(np.outer(delta, h1[i]) for i, delta in enumerate(self._deltas2(env)))
        batch = np.asarray(evaluate(self.grad("W2").closed_form, env), dtype=object)
        for index in np.ndindex(batch.shape):
            yield f"column form of ∂L/∂W₂{list(index)}", column[index] - batch[index]

    def proof_plan(self, thorough=False):
        sizes = "; ".join(case.label for case in self.proof_cases(thorough))
        text = (f"each step's composed closed form = ∂L/∂entry of the loss built entry by entry "
                f"(all 8 steps, and the column form of ∂L/∂W₂), on {sizes}")
        if self.uses:
            text += f"; uses {', '.join(self.uses)}"
        return text

    def prove(self, thorough=False):
        start = time.perf_counter()
        methods, failures, entries = {}, [], 0
        for case in self.proof_cases(thorough):
            try:
                for label, residual in self._cut_residuals(case.dims):
                    entries += 1
                    how = zero_method(residual)
                    if how is None:
                        failures.append(f"{case.label}: {label} differs by "
                                        f"{sp.sstr(residual)[:200]}")
                    else:
                        methods[how] = methods.get(how, 0) + 1
            except (ValueError, TypeError, KeyError, IndexError) as e:
                failures.append(f"{case.label}: {type(e).__name__}: {e}")
        zeros = ", ".join(f"{k} {v}" for k, v in sorted(methods.items()))
        how = f"{self.proof_plan(thorough)}: exact zero by {zeros or 'nothing'}"
        return Proof(self.name, ok=not failures and entries > 0, how=how, entries=entries,
                     seconds=time.perf_counter() - start, failures=failures)

    def sample(self, rng, case=None, dims=None):
        """Random X, W₁, b₁, W₂, b₂, Y at the case's sizes (the proof's by default), any of
        them replaced by `dims`."""
        sizes = {**(case.dims if case else PROOF_SIZES), **(dims or {})}
        return ({op.name: random_array(op, tuple(sizes[s] for s in op.shape), rng)
                 for op in self.operands}, {})

    # ----- renderings -------------------------------------------------------------------------
    def unicode(self):
        lines = [f"{self.name} — {self.title}",
                 "  forward (a batch of n samples as rows; W is out×in, as PyTorch):"]
        lines += [f"    {text}" for _, _, text in self.aux if not text.startswith("M₁")]
        _, ct, _ = _scale(self.loss_name, self.reduction)
        lines.append("    " + {"mse": f"L = {ct} Σ (Ŷ − Y)⊙(Ŷ − Y)",
                               "bce": f"L = −{ct} Σ [Y ⊙ log Ŷ + (𝟏 − Y) ⊙ log(𝟏 − Ŷ)]",
                               "cross_entropy": f"L = −{ct} Σ Y ⊙ log Ŷ   (rows of Y sum to 1)"}
                     [self.loss_name].replace("  ", " "))
        lines.append("  shapes: X n×d, W₁ h×d, b₁ h, W₂ o×h, b₂ o, Y n×o")
        lines.append("  backward, one single-op rule per step:")
        for i, g in enumerate(self.grads, 1):
            lines.append(f"  {i}. {g.unicode:36} ({g.shape})   rule: {g.rule}")
            if g.expanded_unicode and g.expanded_unicode not in g.unicode:
                lines.append(f"       = {g.expanded_unicode}")
        lines.append("")
        lines.append(self.column_form_unicode())
        return "\n".join(lines)

    def column_form_unicode(self):
        jac = {"identity": "I (o×o)", "sigmoid": "diag(ŷ ⊙ (𝟏 − ŷ))",
               "softmax": "diag(ŷ) − ŷ ŷᵀ"}[self.output]
        slope = {"relu": "[z₁ > 0]", "tanh": "𝟏 − h₁ ⊙ h₁", "sigmoid": "h₁ ⊙ (𝟏 − h₁)"}[self.hidden]
        return "\n".join([
            "  the seed's single-sample (column) form, x a column, z₁ = W₁x + b₁, z₂ = W₂h₁ + b₂:",
            "    ∂L/∂W₂ = ∂L/∂ŷ · ∂ŷ/∂z₂ · h₁ᵀ, read as δ₂ = (∂ŷ/∂z₂)ᵀ ∂L/∂ŷ (o×1), "
            f"∂L/∂W₂ = δ₂ h₁ᵀ (o×h), with ∂ŷ/∂z₂ = {jac}",
            f"    δ₁ = ({slope}) ⊙ W₂ᵀ δ₂ (h×1),  ∂L/∂W₁ = δ₁ xᵀ (h×d)",
            "  column form → batch form: sample i is row i of X, Z₁, H₁, Z₂ and δ₂⁽ⁱ⁾ᵀ is row i of "
            "∂L/∂Z₂, so",
            "    Σᵢ δ₂⁽ⁱ⁾ h₁⁽ⁱ⁾ᵀ = (∂L/∂Z₂)ᵀ H₁ (the proof checks this, Jacobian and all) and "
            "likewise Σᵢ δ₁⁽ⁱ⁾ x⁽ⁱ⁾ᵀ = (∂L/∂Z₁)ᵀ X",
            "    with a mean loss, ∂L/∂ŷ⁽ⁱ⁾ already carries the 1/n (or 1/(n·o)) of the batch"])

    def column_form_latex(self):
        jac = {"identity": r"I", "sigmoid": r"\operatorname{diag}\left(\hat y \odot "
               r"(\mathbf{1} - \hat y)\right)",
               "softmax": r"\operatorname{diag}(\hat y) - \hat y \hat y^\top"}[self.output]
        return "\n".join([
            r"\frac{\partial L}{\partial W_2} = \frac{\partial L}{\partial \hat y} \cdot "
            r"\frac{\partial \hat y}{\partial z_2} \cdot h_1^\top "
            r"\;\text{means}\; \delta_2 = \left(\frac{\partial \hat y}{\partial z_2}\right)^\top"
            r"\frac{\partial L}{\partial \hat y},\; \frac{\partial \hat y}{\partial z_2} = "
            + jac + r",\; \frac{\partial L}{\partial W_2} = \delta_2 h_1^\top",
            r"\sum_i \delta_2^{(i)} h_1^{(i)\top} = \left(\frac{\partial L}{\partial Z_2}"
            r"\right)^\top H_1, \qquad \sum_i \delta_1^{(i)} x^{(i)\top} = "
            r"\left(\frac{\partial L}{\partial Z_1}\right)^\top X"])

    def latex(self):
        lines = [self.forward_latex]
        for g in self.grads:
            lines.append(g.latex + (r" = " + g.expanded_latex
                                    if g.expanded_latex and g.expanded_latex not in g.latex
                                    else "") + r" \quad (%s)" % g.shape.replace("×", r"\times "))
        lines += self.column_form_latex().split("\n")
        return "\n".join(lines)


def chain(hidden="relu", output="identity", loss="mse", reduction="mean"):
    """The MLP chain for one configuration (names are checked; refused pairs say why)."""
    return MLPChain(*check_combination(hidden, output, loss, reduction))


def by_name(name):
    """The chain called mlp_<hidden>_<output>_<loss>_<reduction>, or None."""
    for hidden in HIDDEN:
        for output, loss in COMBINATIONS:
            for reduction in REDUCTIONS:
                if name == f"mlp_{hidden}_{output}_{loss}_{reduction}":
                    return MLPChain(hidden, output, loss, reduction)
    return None


def all_chains():
    return [MLPChain(hidden, output, loss, reduction)
            for reduction in REDUCTIONS for output, loss in COMBINATIONS for hidden in HIDDEN]


def derivations():
    return all_chains()
