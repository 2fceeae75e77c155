"""The bridge: every proved rule, evaluated as numbers, against the engine's ``.grad``.

A proof (derivations/*.py) shows that a closed form such as ∂L/∂A = G Bᵀ is the derivative of
the op's definition; it says nothing about tinygrad_edu's code.  This module closes the gap
without PyTorch: for each derivation it builds the op from tinygrad_edu Tensors, runs
``.backward()``, and compares every ``.grad`` with the derivation's NumPy-callable form (the
same closed form ``prove()`` checked, walked by derivations.evaluate) on the same numbers.

The engine has several code paths per rule, so each rule is checked on each that applies:
    float64 and float32      inputs rounded to the dtype; the formula runs in float64 on the
                             rounded numbers, so only the engine's own rounding differs
    1-D, 2-D, batched (3-D)  entrywise rules and losses on rows: a batch … × m is its rows
                             (the rule is the same on every entry); matmul on every matrix of
                             the batch (ᵀ swaps the last two axes), a 1-D A a row, a 1-D B a
                             column (1-D · 1-D, and beside a batch: broadcast over it); linear
                             with X … × d (3-D, 4-D), n = all its rows
    broadcasting operands    the formula at the broadcast shape, then summed over the broadcast
                             axes (the rule 'add' proves: ∂L/∂b = Gᵀ 𝟏)
    over 4096 entries        where speedups.zero_where switches from np.where to bit arithmetic
    kinks and ties           relu′(0) = 0, |x|′(0) = 0, clamp at its bounds, maximum/max ties:
                             the convention written in the closed form (Heaviside(x, 0), sign,
                             Heaviside(x, ½)) against the engine, exactly at the kink;
                             pow_tensor at A = 0 with the conventions its notes state
    targets and weights      ∂L/∂Y of mse, bce, bce_with_logits; W and pos_weight P of the
                             weighted bce_with_logits (the engine's hand-written Functions)
    what is asked for        each input of a rule with several requiring grad alone (the rule
                             reads needs_input_grad by position); each loss from
                             backward(gradient=UPSTREAM), not 1; index and index_put under
                             create_graph (their rules' Tensor branches)
    each MLP chain           at CHAIN_SHAPES random (n, d, h, o) and once with n·h > 4096
    each composition         (primitives.COMPOSITIONS: the closed forms of compositions.py) its
                             proof cases as numbers, then COMPOSITION_PATHS (1-D, batched,
                             broadcast, > 4096) and the kinks of _composition_kinks, built with
                             the public API (Tensor methods, nn.functional) a learner calls

Tolerance: |engine − formula| ≤ tol · (|formula| + max(max |formula|, 10⁻³)), tol = 1e-9 for
float64 and 2e-4 for float32; a wrong scale or sign is off by far more.

This is the only module in derivations/ that imports tinygrad_edu, and only inside functions:
the proofs never need the engine, and the engine never imports SymPy.

    >>> from derivations import engine_bridge
    >>> report = engine_bridge.check_engine()        # every derivation, every path
    >>> report.ok, report.counts["matmul"]
"""

import ast
import pathlib
import time
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .compositions import SELU_ALPHA, SELU_SCALE, gather_key, reduced_shape
from .core import DerivationError

DTYPES = ("float64", "float32")
TOLERANCE = {"float64": 1e-9, "float32": 2e-4}
SCALE_FLOOR = 1e-3  # a gradient that is 0 in exact arithmetic (softmax over one class) is
# rounding noise in the formula; entries this small compare absolutely
CHAIN_SHAPES = 20  # random (n, d, h, o) per MLP chain and dtype
LARGE = (65, 64)  # 4160 entries: over speedups._WHERE_LIMIT = 4096
# Compositions (derivations/compositions.py) that act entry by entry: the same paths as the
# entrywise primitives
COMPOSITION_ENTRYWISE = ("square", "lerp", "leaky_relu", "hardtanh", "relu6", "elu", "selu",
                         "celu", "silu", "softplus", "mish", "gelu", "softsign", "hardsigmoid",
                         "hardswish", "logsigmoid", "tanhshrink", "threshold")
ENTRYWISE = ("neg", "pow", "exp", "log", "sqrt", "sin", "cos", "log1p", "expm1", "erf", "abs",
             "relu", "tanh", "sigmoid", "clamp", "cast", "clone", "sub", "mul", "div",
             "pow_tensor", "maximum", "minimum", "where") + COMPOSITION_ENTRYWISE
BROADCASTING = ("add", "sub", "mul", "div", "pow_tensor", "maximum", "minimum", "where", "lerp")
ROW_LOSSES = ("mse", "bce", "bce_with_logits", "bce_with_logits_weighted")
CLASS_LOSSES = ("cross_entropy", "softmax_cross_entropy", "softmax_cross_entropy_soft")


# --------------------------------------------------------------------------------------------
# The engine's composition for each derivation, by name (tinygrad_edu imported lazily)
# --------------------------------------------------------------------------------------------

def compositions():
    """{derivation name: build(T, params)} — the op, or the loss, built from Tensors T by the
    engine's public API (as a learner writes it).  Chains return (loss, intermediates)."""
    import tinygrad_edu as tg
    import tinygrad_edu.nn.functional as F

    from . import mlp

    def reduction(reduce):
        return "mean" if reduce == "mean" else "sum"

    def losses(reduce):
        def total(t):
            return t.mean() if reduce == "mean" else t.sum()
        return {
            "mse": lambda T, p: F.mse_loss(T["Yhat"], T["Y"], reduction=reduction(reduce)),
            # the engine's hand-written BinaryCrossEntropy Function
            "bce": lambda T, p: F.binary_cross_entropy(T["Yhat"], T["Y"],
                                                       reduction=reduction(reduce)),
            "bce_with_logits": lambda T, p: F.binary_cross_entropy_with_logits(
                T["Z"], T["Y"], reduction=reduction(reduce)),
            "bce_with_logits_weighted": lambda T, p: F.binary_cross_entropy_with_logits(
                T["Z"], T["Y"], weight=T["W"], pos_weight=T["P"], reduction=reduction(reduce)),
            "cross_entropy": lambda T, p: total(-(T["Y"] * T["Yhat"].log()).sum(dim=1)),
            "softmax_cross_entropy": lambda T, p: F.cross_entropy(
                T["Z"], T["Y"], reduction=reduction(reduce)),
            "softmax_cross_entropy_soft": lambda T, p: F.cross_entropy(
                T["Z"], T["Y"], reduction=reduction(reduce)),
        }

    def extremum(kind):
        def build(T, p):
            method = T["A"].max if kind == "max" else T["A"].min
            if p.get("dim") is None:
                return method()
            return method(dim=p["dim"], keepdim=p.get("keepdim", False))[0]
        return build

    def index_put(T, p):
        out = T["A"].clone()
        out[p["key"]] = T["V"]
        return out

    def cast(T, p):  # float64 → float32, float32 → float64: the other dtype either way
        a = T["A"]
        return a.double() if a.dtype == tg.float32 else a.float()

    def dims(p):
        return p.get("dim"), p.get("keepdim", False)

    table = {
        "matmul": lambda T, p: T["A"] @ T["B"],
        "add": lambda T, p: T["A"] + T["b"],
        "linear": lambda T, p: F.linear(T["X"], T["W"], T["b"]),
        "neg": lambda T, p: -T["A"],
        "pow": lambda T, p: T["A"] ** p["p"],
        "exp": lambda T, p: T["A"].exp(),
        "log": lambda T, p: T["A"].log(),
        "sqrt": lambda T, p: T["A"].sqrt(),
        "sin": lambda T, p: T["A"].sin(),
        "cos": lambda T, p: T["A"].cos(),
        "log1p": lambda T, p: T["A"].log1p(),
        "expm1": lambda T, p: T["A"].expm1(),
        "erf": lambda T, p: T["A"].erf(),
        "abs": lambda T, p: T["A"].abs(),
        "relu": lambda T, p: T["A"].relu(),
        "tanh": lambda T, p: T["A"].tanh(),
        "sigmoid": lambda T, p: T["A"].sigmoid(),
        "clamp": lambda T, p: T["A"].clamp(min=p["lo"], max=p["hi"]),
        "cast": cast,
        "clone": lambda T, p: T["A"].clone(),
        "sub": lambda T, p: T["A"] - T["B"],
        "mul": lambda T, p: T["A"] * T["B"],
        "div": lambda T, p: T["A"] / T["B"],
        "pow_tensor": lambda T, p: T["A"] ** T["B"],
        "maximum": lambda T, p: tg.maximum(T["A"], T["B"]),
        "minimum": lambda T, p: tg.minimum(T["A"], T["B"]),
        "where": lambda T, p: tg.where(T["C"], T["A"], T["B"]),
        "scaled_tanh": lambda T, p: 2 * T["A"].tanh(),
        "sum": lambda T, p: T["A"].sum(dim=dims(p)[0], keepdim=dims(p)[1]),
        "mean": lambda T, p: T["A"].mean(dim=dims(p)[0], keepdim=dims(p)[1]),
        "max": extremum("max"),
        "min": extremum("min"),
        "softmax": lambda T, p: T["A"].softmax(p["dim"]),
        "log_softmax": lambda T, p: T["A"].log_softmax(p["dim"]),
        "reshape": lambda T, p: T["A"].reshape(p["shape"]),
        "permute": lambda T, p: T["A"].permute(*p["dims"]),
        "expand": lambda T, p: T["A"].expand(*p["shape"]),
        "index": lambda T, p: T["A"][p["key"]],
        "index_put": index_put,
        "cat": lambda T, p: tg.cat([T["A"], T["B"]], dim=p["dim"]),
        "stack": lambda T, p: tg.stack([T["A"], T["B"]], dim=p["dim"]),
        "split": lambda T, p: T["A"].split(list(p["sizes"]), dim=p["dim"]),
    }
    for reduce, suffix in (("mean", ""), ("sum", "_sum")):
        for base, build in losses(reduce).items():
            table[base + suffix] = build
    table.update(_composition_builds())
    for chain in mlp.all_chains():
        table[chain.name] = _chain_composition(chain)
    return table


def _composition_builds():
    """{name: build(T, params)} for tinygrad_edu.primitives.COMPOSITIONS, through the public
    API a learner calls (Tensor methods, torch-style functions, nn.functional)."""
    import warnings

    import tinygrad_edu as tg
    import tinygrad_edu.nn.functional as F

    def all_dims(p):  # amax/amin: () means every dim
        return () if p.get("dim") is None else p["dim"]

    def reduce_args(p):
        return {"dim": p.get("dim"), "keepdim": p.get("keepdim", False)}

    def kl_div(T, p):
        with warnings.catch_warnings():  # 'mean' warns, as PyTorch's
            warnings.simplefilter("ignore")
            return F.kl_div(T["X"], T["Y"], reduction=p["reduction"],
                            log_target=bool(p.get("log_target")))

    def activation(name, *keys):
        function = getattr(F, name)
        return lambda T, p: function(T["A"], *[float(p[k]) for k in keys])

    table = {
        "amax": lambda T, p: T["A"].amax(all_dims(p), p.get("keepdim", False)),
        "amin": lambda T, p: T["A"].amin(all_dims(p), p.get("keepdim", False)),
        "logsumexp": lambda T, p: T["A"].logsumexp(p["dim"], p.get("keepdim", False)),
        # prod's dim is one int or left out (dim=None is PyTorch's TypeError)
        "prod": lambda T, p: T["A"].prod() if p.get("dim") is None else
        T["A"].prod(**reduce_args(p)),
        "cumsum": lambda T, p: T["A"].cumsum(p["dim"]),
        "var": lambda T, p: T["A"].var(correction=p.get("correction", 1), **reduce_args(p)),
        "std": lambda T, p: T["A"].std(correction=p.get("correction", 1), **reduce_args(p)),
        "norm": lambda T, p: T["A"].norm(p=p["p"], **reduce_args(p)),
        "dot": lambda T, p: T["a"].dot(T["b"]),
        "mv": lambda T, p: T["M"].mv(T["v"]),
        "bmm": lambda T, p: T["A"].bmm(T["B"]),
        "outer": lambda T, p: T["a"].outer(T["b"]),
        "addmm": lambda T, p: T["C"].addmm(T["M1"], T["M2"], beta=float(p["beta"]),
                                           alpha=float(p["alpha"])),
        "einsum": lambda T, p: tg.einsum(p["equation"], T["A"], T["B"]),
        "square": lambda T, p: T["A"].square(),
        "lerp": lambda T, p: T["A"].lerp(T["B"], T["W"]),
        "flip": lambda T, p: T["A"].flip(list(p["dims"])),
        "tril": lambda T, p: T["A"].tril(p.get("diagonal", 0)),
        "triu": lambda T, p: T["A"].triu(p.get("diagonal", 0)),
        "gather": lambda T, p: T["A"].gather(p["dim"], tg.tensor(p["index"])),
        "masked_fill": lambda T, p: T["A"].masked_fill(T["C"], T["V"]),
        "embedding": lambda T, p: F.embedding(tg.tensor(p["indices"]), T["W"]),
        "leaky_relu": activation("leaky_relu", "negative_slope"),
        "hardtanh": activation("hardtanh", "min_val", "max_val"),
        "relu6": activation("relu6"),
        "elu": activation("elu", "alpha"),
        "selu": activation("selu"),
        "celu": activation("celu", "alpha"),
        "silu": activation("silu"),
        "softplus": activation("softplus", "beta", "threshold"),
        "mish": activation("mish"),
        "gelu": lambda T, p: F.gelu(T["A"], approximate="tanh" if p.get("approximate_tanh")
                                    else "none"),
        "softsign": activation("softsign"),
        "hardsigmoid": activation("hardsigmoid"),
        "hardswish": activation("hardswish"),
        "logsigmoid": activation("logsigmoid"),
        "tanhshrink": activation("tanhshrink"),
        "threshold": activation("threshold", "threshold", "value"),
        "softmin": lambda T, p: F.softmin(T["A"], p["dim"]),
        "prelu": lambda T, p: F.prelu(T["A"], T["W"]),
        "layer_norm": lambda T, p: F.layer_norm(T["X"], (T["X"].shape[-1],), T["W"], T["b"],
                                                float(p["eps"])),
        "batch_norm": lambda T, p: F.batch_norm(T["X"], None, None, T["W"], T["b"],
                                                training=True, eps=float(p["eps"])),
        "l1_loss": lambda T, p: F.l1_loss(T["X"], T["Y"], reduction=p["reduction"]),
        "smooth_l1_loss": lambda T, p: F.smooth_l1_loss(T["X"], T["Y"], reduction=p["reduction"],
                                                        beta=float(p["beta"])),
        "huber_loss": lambda T, p: F.huber_loss(T["X"], T["Y"], reduction=p["reduction"],
                                                delta=float(p["delta"])),
        "kl_div": kl_div,
        "nll_loss": lambda T, p: F.nll_loss(T["X"], tg.tensor(np.asarray(p["classes"])),
                                            weight=T["W"], reduction=p["reduction"],
                                            ignore_index=p.get("ignore_index", -100)),
    }
    return table


def _chain_composition(chain):
    """The seed's network in the engine (nn.Linear's linear op, the loss's engine op), keeping
    the intermediates' gradients for the steps ∂L/∂Ŷ, ∂L/∂Z₂, ∂L/∂H₁, ∂L/∂Z₁."""
    import tinygrad_edu.nn.functional as F

    hidden = {"relu": lambda t: t.relu(), "tanh": lambda t: t.tanh(),
              "sigmoid": lambda t: t.sigmoid()}[chain.hidden]
    output = {"identity": lambda t: t, "sigmoid": lambda t: t.sigmoid(),
              "softmax": lambda t: t.softmax(1)}[chain.output]

    def build(T, p):
        z1 = F.linear(T["X"], T["W1"], T["b1"])
        h1 = hidden(z1)
        z2 = F.linear(h1, T["W2"], T["b2"])
        yhat = output(z2)
        for t in (z1, h1, z2, yhat):
            t.retain_grad()
        y, reduction = T["Y"], chain.reduction
        if chain.loss_name == "mse":
            loss = F.mse_loss(yhat, y, reduction=reduction)
        elif chain.loss_name == "bce":
            loss = F.binary_cross_entropy(yhat, y, reduction=reduction)
        else:
            per_sample = -(y * yhat.log()).sum(dim=1)
            loss = per_sample.mean() if reduction == "mean" else per_sample.sum()
        return loss, {"Z1": z1, "H1": h1, "Z2": z2, "Yhat": yhat}
    return build


def engine_gradients(derivation, arrays, params, dtype="float64", build=None, frozen=(),
                     seed=None, create_graph=False):
    """The engine's .grad for every gradient of the derivation: {wrt: float64 array}.

    arrays: the inputs (and the upstream G for an op) in the engine's shapes; float arrays are
    made Tensors of `dtype`, inputs with requires_grad but those named in `frozen` (their
    gradients are not asked for: the rule must still give the others).  An op's scalar loss
    is ⟨G, out⟩; a loss's backward starts from `seed` (a number; 1 when None).  create_graph:
    the backward runs each rule on Tensors (the path gradients of gradients take).
    """
    import tinygrad_edu as tg

    build = build or compositions()[derivation.name]
    upstream = [op.name for op in derivation.operands if op.role == "upstream"]
    tensors = {}
    for op in derivation.operands:
        if op.role == "upstream":
            continue
        value = np.asarray(arrays[op.name])
        if value.dtype != np.bool_:
            value = value.astype(dtype)
        tensors[op.name] = tg.tensor(value, requires_grad=op.role == "input"
                                     and value.dtype != np.bool_ and op.name not in frozen)
    result = build(tensors, params)
    intermediates = {}
    if derivation.kind == "chain":
        loss, intermediates = result
    elif derivation.method == "loss":
        loss = result
    else:
        outputs = result if len(upstream) > 1 else (result,)
        loss = sum((out * tg.tensor(np.asarray(arrays[u]).astype(out.detach().numpy().dtype)))
                    .sum()
                   for u, out in zip(upstream, outputs))
    if seed is None:
        loss.backward(create_graph=create_graph)
    else:
        loss.backward(tg.tensor(np.asarray(seed, loss.detach().numpy().dtype)),
                      create_graph=create_graph)
    grads = {}
    for g in derivation.grads:
        if g.wrt in frozen:
            continue
        source = intermediates.get(g.wrt, tensors.get(g.wrt))
        if source is None or source.grad is None:
            raise DerivationError(f"{derivation.name}: the engine gave no gradient for "
                                  f"{g.wrt}")
        grads[g.wrt] = source.grad.detach().numpy().astype(np.float64)
    return grads


# --------------------------------------------------------------------------------------------
# Checks: one engine run against one evaluation of the proved closed form
# --------------------------------------------------------------------------------------------

@dataclass
class Check:
    """One comparison: `arrays` in the engine's shapes (float64 numbers, already rounded to
    `dtype`), and `formula()` giving the proved rule's gradients in the same shapes."""

    name: str
    path: str  # which code path: '2-D', '1-D', 'batched 3-D', 'broadcast', '> 4096', …
    dtype: str
    arrays: dict
    params: dict
    formula: object
    frozen: frozenset = frozenset()  # inputs made without requires_grad (not compared)
    seed: float = None  # a loss's upstream gradient (backward(gradient=seed)); None: 1
    create_graph: bool = False  # backward(create_graph=True): each rule run on Tensors


@dataclass
class Report:
    """What check_engine found: checks run per derivation and per path, and each failure."""

    counts: dict = field(default_factory=dict)  # name → checks run
    paths: dict = field(default_factory=dict)  # path → checks run
    detail: dict = field(default_factory=dict)  # (name, path, dtype) → checks run
    failures: list = field(default_factory=list)
    failed_checks: int = 0  # checks with at least one failure (a failure is one gradient)
    seconds: float = 0.0

    @property
    def ok(self):
        return not self.failures and bool(self.counts) and all(self.counts.values())

    def lines(self, width=100):
        """Checks per derivation, then per path (wrapped at `width`), each failure, a verdict."""
        import textwrap
        out = textwrap.wrap(", ".join(f"{k} {v}" for k, v in self.counts.items()), width)
        out += textwrap.wrap("paths: " + ", ".join(f"{k} {v}" for k, v in self.paths.items()),
                             width, subsequent_indent="    ")
        zero = [name for name, count in self.counts.items() if count == 0]
        if zero:
            out += textwrap.wrap(f"NO CHECKS for: {', '.join(zero)}", width)
        for failure in self.failures[:40]:
            out += textwrap.wrap(f"FAILED {failure}", width, subsequent_indent="    ")
        if len(self.failures) > 40:
            out.append(f"… and {len(self.failures) - 40} more failures")
        total = sum(self.counts.values())
        verdict = "all agree" if self.ok else \
            f"{self.failed_checks} FAILED ({len(self.failures)} gradients)"
        plural = "s" * (len(self.counts) != 1)
        out.append(f"{total} checks of {len(self.counts)} derivation{plural} against the "
                   f"engine: {verdict} in {self.seconds:.1f} s")
        return out


def _rounded(arrays, dtype):
    """Float arrays rounded to `dtype` and back to float64 (masks and params untouched)."""
    out = {}
    for k, v in arrays.items():
        v = np.asarray(v)
        out[k] = v if v.dtype == np.bool_ else v.astype(dtype).astype(np.float64)
    return out


def _direct(d, arrays, params):
    return lambda: d.numpy(**arrays, **params)


def _on_rows(d, arrays, params, names, extra=None):
    """The rule on each operand in `names` viewed as rows (… × m → N × m; 1-D m → 1 × m), the
    gradients put back in each operand's shape.  For rules that act row by row or entry by
    entry, as each caller's rule does (see the module docstring)."""
    def formula():
        shapes = {k: np.shape(v) for k, v in arrays.items()}
        flat = {k: (np.reshape(v, (-1, shapes[k][-1])) if k in names else v)
                for k, v in arrays.items()}
        grads = d.numpy(**flat, **params, **(extra or {}))
        return {k: np.reshape(v, shapes[k]) for k, v in grads.items()}
    return formula


def _sum_to(value, shape):
    """Sum a gradient over the axes a broadcast added or stretched (the 'add' rule)."""
    value = np.asarray(value)
    while value.ndim > len(shape):
        value = value.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and value.shape[axis] != 1:
            value = value.sum(axis=axis, keepdims=True)
    return value.reshape(shape)


def _broadcast(d, arrays, params, full_shape, names):
    """The rule at the broadcast shape, each gradient summed back to its operand's shape."""
    def formula():
        wide = {k: (np.broadcast_to(v, full_shape) if k in names else v)
                for k, v in arrays.items()}
        grads = d.numpy(**wide, **params)
        return {k: _sum_to(v, np.shape(arrays[k])) for k, v in grads.items()}
    return formula


def _add_as_rows(d, arrays, transpose):
    """'add' with b a 1×m row, or an n×1 column (the rule on the transposed sum Aᵀ + 𝟏 bᵀ:
    addition is entrywise, so the transposed problem is the same sum)."""
    def formula():
        a, b, g = arrays["A"], arrays["b"], arrays["G"]
        if transpose:
            grads = d.numpy(A=a.T, b=b.reshape(-1), G=g.T)
            return {"A": grads["A"].T, "b": grads["b"].reshape(b.shape)}
        grads = d.numpy(A=a, b=b.reshape(-1), G=g)
        return {"A": grads["A"], "b": grads["b"].reshape(b.shape)}
    return formula


def _sample(d, rng, shape, case=None):
    """Random inputs (each operand in its domain) with every operand of `shape` but G, which
    gets the op's output shape (for entrywise ops and losses: `shape` too, or a scalar)."""
    from .core import random_array
    arrays = {}
    for op in d.operands:
        if op.role == "upstream" and d.method == "loss":
            continue
        arrays[op.name] = random_array(op, shape, rng)
    return arrays


# --------------------------------------------------------------------------------------------
# The compositions' paths beyond their proof cases (which run as the '2-D' checks)
# --------------------------------------------------------------------------------------------

def _direct_of(d):
    return lambda arrays, params: _direct(d, arrays, params)


def _reduction_paths(rows, same_shape=False):
    """A reduction on a 1-D, a batched 3-D and a > 4096 A: (path, A's shape, params)."""
    def paths(d, rng):
        out = []
        for path, shape, params in rows:
            params = {**d.params, **params}
            a = rng.normal(size=shape)
            g_shape = shape if same_shape else reduced_shape(a, params.get("dim"),
                                                             params.get("keepdim", False))
            out.append((path, {"A": a, "G": rng.normal(size=g_shape)}, params, _direct_of(d)))
        return out
    return paths


def _extreme_rows():
    return [("1-D", (7,), {"dim": None}), ("batched 3-D", (2, 3, 4), {"dim": (0, 2)}),
            ("> 4096", LARGE, {"dim": (1,)})]


def _spread_rows(**batched):
    return [("1-D", (7,), {"dim": None}), ("batched 3-D", (2, 3, 4), {"dim": (0, 2), **batched}),
            ("> 4096", LARGE, {"dim": (1,), "keepdim": True})]


def _arrays(rng, **shapes):
    return {k: rng.normal(size=v) for k, v in shapes.items()}


def _fixed(rows):
    """Paths with given operand shapes: (path, {name: shape}, params, widened names or None,
    full shape); widened operands are broadcast to the full shape for the rule, their
    gradients summed back."""
    def paths(d, rng):
        out = []
        for path, shapes, params, widened, full in rows:
            arrays = _arrays(rng, **shapes)
            params = {**d.params, **params}
            if widened:
                out.append((path, arrays, params, lambda a, p, w=widened, f=full:
                            _broadcast(d, a, p, f, w)))
            else:
                out.append((path, arrays, params, _direct_of(d)))
        return out
    return paths


def _rows_paths(names, params=None, sampled=False, extra=None):
    """An op acting row by row (or entry by entry) on 1-D, batched 3-D and > 4096 operands."""
    def paths(d, rng):
        out = []
        for path, shape in (("1-D", (6,)), ("batched 3-D", (2, 3, 4)), ("> 4096", LARGE)):
            arrays = _sample(d, rng, shape) if sampled else _arrays(rng, **{k: shape
                                                                             for k in names})
            out.append((path, arrays, dict(params or {}), lambda a, p: _on_rows(
                d, a, {} if extra else p, set(names) & set(a), extra)))
        return out
    return paths


def _masked_fill_paths(d, rng):
    out = []
    for path, shape in (("1-D", (6,)), ("batched 3-D", (2, 3, 4)), ("> 4096", LARGE)):
        arrays = {"A": rng.normal(size=shape), "C": rng.random(size=shape) < 0.5,
                  "V": rng.normal(size=()), "G": rng.normal(size=shape)}
        out.append((path, arrays, {}, lambda a, p: _on_rows(d, a, p, {"A", "C", "G"})))
    arrays = {"A": rng.normal(size=(4, 5)), "C": rng.random(size=(1, 5)) < 0.5,
              "V": rng.normal(size=()), "G": rng.normal(size=(4, 5))}
    out.append(("broadcast mask", arrays, {}, lambda a, p: _broadcast(d, a, p, (4, 5), {"C"})))
    return out


def _gather_paths(d, rng):
    index = rng.integers(0, LARGE[1], size=(LARGE[0], 70))
    params = {"dim": 1, "index": index, "key": gather_key(index, 1)}
    arrays = _arrays(rng, A=LARGE, G=index.shape)
    return [("> 4096", arrays, params, _direct_of(d))]


def _embedding_paths(d, rng):
    indices = rng.integers(0, 100, size=(7, 9))
    arrays = _arrays(rng, W=(100, 50), G=(7, 9, 50))
    return [("> 4096", arrays, {"indices": indices, "key": (indices,)}, _direct_of(d))]


def _nll_paths(d, rng):
    classes = rng.integers(0, 2, size=2100)
    arrays = {"X": rng.normal(size=(2100, 2)), "W": rng.uniform(0.5, 2.0, size=2)}
    params = {"classes": classes, "reduction": "mean", "ignore_index": -100}
    return [("> 4096", arrays, params, _direct_of(d))]


def _channels_last(d, arrays, params):
    """batch_norm of an (N, C, L) input: the rule on its (N·L) × C rows."""
    def formula():
        x, g = arrays["X"], arrays["G"]

        def rows(t):
            return np.moveaxis(t, 1, -1).reshape(-1, t.shape[1])

        def back(r):
            return np.moveaxis(r.reshape(x.shape[0], x.shape[2], x.shape[1]), -1, 1)
        grads = d.numpy(X=rows(x), W=arrays["W"], b=arrays["b"], G=rows(g), **params)
        return {"X": back(grads["X"]), "W": grads["W"], "b": grads["b"]}
    return formula


def _batch_norm_paths(d, rng):
    return [("batched 3-D", _arrays(rng, X=(3, 4, 5), W=(4,), b=(4,), G=(3, 4, 5)), d.params,
             lambda a, p: _channels_last(d, a, p)),
            ("> 4096", _arrays(rng, X=LARGE, W=(64,), b=(64,), G=LARGE), d.params,
             _direct_of(d))]


def _layer_norm_paths(d, rng):
    return [("batched 3-D", _arrays(rng, X=(2, 3, 4), W=(4,), b=(4,), G=(2, 3, 4)), d.params,
             lambda a, p: _on_rows(d, a, p, {"X", "G"})),
            ("> 4096", _arrays(rng, X=LARGE, W=(64,), b=(64,), G=LARGE), d.params,
             _direct_of(d))]


def _loss_paths(params):
    """A loss of X and Y (each in its domain) on 1-D, batched 3-D and > 4096 entries."""
    return _rows_paths(("X", "Y"), params, sampled=True)


SCALED = {"beta": 0.5, "alpha": -2.0}  # addmm's β and α on its broadcast paths

COMPOSITION_PATHS = {
    "amax": _reduction_paths(_extreme_rows()),
    "amin": _reduction_paths(_extreme_rows()),
    "logsumexp": _reduction_paths([("1-D", (7,), {"dim": 0}),
                                   ("batched 3-D", (2, 3, 4), {"dim": 2}),
                                   ("> 4096", LARGE, {"dim": 1, "keepdim": True})]),
    "prod": _reduction_paths([("1-D", (7,), {"dim": None}), ("batched 3-D", (2, 3, 4),
                                                              {"dim": 1}),
                              ("> 4096", LARGE, {"dim": 1})]),
    "cumsum": _reduction_paths([("1-D", (7,), {"dim": 0}), ("batched 3-D", (2, 3, 4),
                                                             {"dim": 1}),
                                ("> 4096", LARGE, {"dim": 0})], same_shape=True),
    "var": _reduction_paths(_spread_rows(correction=0)),
    "std": _reduction_paths(_spread_rows(correction=0)),
    "norm": _reduction_paths([("1-D", (7,), {"p": 2, "dim": None}),
                              ("batched 3-D", (2, 3, 4), {"p": 1, "dim": (0, 2)}),
                              ("> 4096", LARGE, {"p": 3, "dim": (1,)})]),
    "dot": _fixed([("> 4096", {"a": (5000,), "b": (5000,), "G": ()}, {}, None, None)]),
    "mv": _fixed([("> 4096", {"M": (70, 65), "v": (65,), "G": (70,)}, {}, None, None)]),
    "outer": _fixed([("> 4096", {"a": (70,), "b": (65,), "G": (70, 65)}, {}, None, None)]),
    "bmm": _fixed([("> 4096", {"A": (3, 40, 36), "B": (3, 36, 5), "G": (3, 40, 5)}, {},
                    None, None)]),
    "addmm": _fixed([("broadcast row", {"C": (5,), "M1": (4, 3), "M2": (3, 5), "G": (4, 5)},
                      SCALED, {"C"}, (4, 5)),
                     ("broadcast column", {"C": (4, 1), "M1": (4, 3), "M2": (3, 5),
                                           "G": (4, 5)}, SCALED, {"C"}, (4, 5)),
                     ("> 4096", {"C": (70, 65), "M1": (70, 3), "M2": (3, 65), "G": (70, 65)},
                      {}, None, None)]),
    "einsum": _fixed([("> 4096", {"A": (70, 65), "B": (65, 3), "G": (70, 3)},
                       {"equation": "ij,jk->ik"}, None, None)]),
    "lerp": _fixed([("broadcast weight", {"A": (4, 5), "B": (4, 5), "W": (1, 5), "G": (4, 5)},
                     {}, {"W"}, (4, 5))]),
    "flip": _fixed([("1-D", {"A": (7,), "G": (7,)}, {"dims": (0,)}, None, None),
                    ("> 4096", {"A": LARGE, "G": LARGE}, {"dims": (1,)}, None, None)]),
    "tril": _fixed([("> 4096", {"A": (3, 40, 36), "G": (3, 40, 36)}, {"diagonal": 1}, None,
                     None)]),
    "triu": _fixed([("> 4096", {"A": (3, 40, 36), "G": (3, 40, 36)}, {"diagonal": -2}, None,
                     None)]),
    "gather": _gather_paths,
    "embedding": _embedding_paths,
    "masked_fill": _masked_fill_paths,
    "prelu": _fixed([("> 4096", {"A": LARGE, "W": (64,), "G": LARGE}, {}, None, None),
                     ("broadcast slope", {"A": (4, 5), "W": (1,), "G": (4, 5)}, {}, {"W"},
                      (5,))]),
    "softmin": _rows_paths(("A", "G"), {"dim": -1}, extra={"dim": 1}),
    "layer_norm": _layer_norm_paths,
    "batch_norm": _batch_norm_paths,
    "l1_loss": _loss_paths({"reduction": "mean"}),
    "smooth_l1_loss": _loss_paths({"reduction": "mean", "beta": 0.5}),
    "huber_loss": _loss_paths({"reduction": "sum", "delta": 0.5}),
    "kl_div": _loss_paths({"reduction": "sum", "log_target": 1}),
    "nll_loss": _nll_paths,
}


def _op_checks(d, rng, dtype):
    """The checks of one op or loss derivation at one dtype."""
    checks = []
    name = d.name

    def add(path, arrays, params, formula_of):
        arrays = _rounded(arrays, dtype)
        checks.append(Check(name, path, dtype, arrays, params, formula_of(arrays, params)))

    # 2-D (and whatever the proof's own cases are: 3-D reductions, keys, dims), random sizes
    for case in d.numeric_cases():
        sizes = {k: int(rng.integers(1, 6)) for k in "nmkdho"} if not case.shapes else None
        arrays, params = d.sample(rng, case, dims=sizes)
        if name == "cast" and dtype == "float64":  # out is float32: so is its gradient G
            arrays["G"] = arrays["G"].astype(np.float32).astype(np.float64)
        add("2-D", arrays, params, lambda a, p: _direct(d, a, p))
    checks += _requires_grad_checks(d, rng, dtype)
    if name == "pow":  # the exponents the rule treats apart (p = 0) or that make it G itself
        for p in (1, 0):
            add(f"p = {p}", _sample(d, rng, (3, 4)), {"p": p}, lambda a, p: _direct(d, a, p))
    if name == "index_put":  # a negative index names the same place as its positive one
        arrays = _arrays(rng, A=(4, 3), V=(2, 3), G=(4, 3))
        add("negative key", arrays, {"key": (np.array([-1, 1]),)},
            lambda a, p: _direct(d, a, p))
    if name in ENTRYWISE:
        base_params = d.numeric_cases()[0].params
        for path, shape in (("1-D", (int(rng.integers(2, 7)),)), ("batched 3-D", (2, 3, 4)),
                            ("> 4096", LARGE), ("> 4096 batched", (3, 40, 36))):
            arrays = _sample(d, rng, shape)
            if name == "cast" and dtype == "float64":
                arrays["G"] = arrays["G"].astype(np.float32).astype(np.float64)
            names = set(arrays)
            add(path, arrays, base_params,
                lambda a, p, names=names: _on_rows(d, a, p, names))
    if name == "add":  # the rule itself broadcasts b (m,) over rows; as a row, as a column:
        full = (4, 5)
        arrays = _sample(d, rng, full)
        arrays["b"] = rng.normal(size=(1, 5))
        add("broadcast row", arrays, {}, lambda a, p: _add_as_rows(d, a, transpose=False))
        arrays = _sample(d, rng, full)
        arrays["b"] = rng.normal(size=(4, 1))
        add("broadcast column", arrays, {}, lambda a, p: _add_as_rows(d, a, transpose=True))
        arrays = _sample(d, rng, LARGE)
        arrays["b"] = rng.normal(size=(LARGE[1],))
        add("broadcast > 4096", arrays, {}, lambda a, p: _direct(d, a, p))
    elif name in BROADCASTING:
        for path, small in (("broadcast row", (1, 5)), ("broadcast (m,)", (5,)),
                            ("broadcast column", (4, 1))):
            full = (4, 5)
            other = "b" if name == "add" else "B"
            arrays = _sample(d, rng, full)
            from .core import random_array
            arrays[other] = random_array(d.operand(other), small, rng)
            add(path, arrays, {}, lambda a, p, other=other: _broadcast(
                d, a, p, full, {other}))
        if name == "maximum":  # the other side broadcast, and large
            arrays = _sample(d, rng, LARGE)
            arrays["B"] = arrays["B"][:1]
            add("broadcast > 4096", arrays, {},
                lambda a, p: _broadcast(d, a, p, LARGE, {"B"}))
    if name == "matmul":
        checks += _matmul_checks(d, rng, dtype)
    if name == "linear":
        for path, shape in (("batched 3-D", (2, 3, 4)), ("batched 4-D", (2, 2, 3, 4)),
                            ("1-D", (4,))):
            arrays = {"X": rng.normal(size=shape), "W": rng.normal(size=(5, 4)),
                      "b": rng.normal(size=(5,)), "G": rng.normal(size=shape[:-1] + (5,))}
            add(path, arrays, {}, lambda a, p: _on_rows(d, a, p, {"X", "G"}))
    if name in ("softmax", "log_softmax"):
        for path, shape in (("1-D", (6,)), ("batched 3-D", (2, 3, 4)), ("> 4096", LARGE)):
            arrays = {"A": rng.normal(size=shape), "G": rng.normal(size=shape)}
            checks.append(Check(name, path, dtype, _rounded(arrays, dtype), {"dim": -1},
                                _on_rows(d, _rounded(arrays, dtype), {}, {"A", "G"},
                                         extra={"dim": 1})))
    if name in ("sum", "mean", "max", "min"):
        for path, shape in (("1-D", (7,)), ("> 4096", LARGE), ("batched 3-D", (2, 3, 4))):
            arrays = {"A": rng.normal(size=shape), "G": rng.normal(size=())}
            params = {"dim": None, "keepdim": False}
            if name in ("max", "min"):
                params["kind"] = name
            add(path, arrays, params, lambda a, p: _direct(d, a, p))
    if name in COMPOSITION_PATHS:
        for path, arrays, params, formula_of in COMPOSITION_PATHS[name](d, rng):
            add(path, arrays, params, formula_of)
    base = name.removesuffix("_sum")
    if base in ROW_LOSSES:
        for path, shape in (("1-D", (6,)), ("batched 3-D", (2, 3, 4)), ("> 4096", LARGE)):
            add(path, _sample(d, rng, shape), {},
                lambda a, p: _on_rows(d, a, p, set(a)))
    if base in CLASS_LOSSES:  # classes along dim 1: a large batch of rows, 2-D only
        add("> 4096", _sample(d, rng, LARGE), {"dim": 1} if d.params.get("dim") else {},
            lambda a, p: _direct(d, a, p))
    if base == "bce_with_logits_weighted":  # W and P broadcast along rows, as PyTorch
        arrays = _sample(d, rng, (4, 3))
        arrays["W"], arrays["P"] = arrays["W"][:1], arrays["P"][0]
        add("broadcast W, P", arrays, {},
            lambda a, p: _broadcast(d, a, p, (4, 3), {"W", "P"}))
    return checks


UPSTREAM = -1.75  # a loss's upstream gradient on its 'upstream' path: exact in float32


def _requires_grad_checks(d, rng, dtype):
    """The paths that change what the rule is asked for, on the first proof case:

        only X requires grad   each input of a rule with several, the others made without
                               requires_grad: the rule reads needs_input_grad by position and
                               must still give X's gradient (and X's alone is compared)
        upstream G ≠ 1         a loss's backward(gradient=UPSTREAM): every gradient scales by it
                               (loss.backward() alone always hands the loss's rule G = 1)
        create_graph           backward(create_graph=True): the rule runs on Tensors, the path
                               gradients of gradients take (index_put and index: their Tensor
                               branches are code of their own)
    """
    out = []
    case = d.numeric_cases()[0]
    sizes = {k: int(rng.integers(2, 6)) for k in "nmkdho"} if not case.shapes else None
    arrays, params = d.sample(rng, case, dims=sizes)
    arrays = _rounded(arrays, dtype)
    inputs = [op.name for op in d.operands if op.role == "input"
              and np.asarray(arrays[op.name]).dtype != np.bool_]
    if len(inputs) > 1:
        for name in inputs:
            out.append(Check(d.name, f"only {name} requires grad", dtype, arrays, params,
                             _direct(d, arrays, params), frozen=frozenset(inputs) - {name}))
    if d.method == "loss":
        def scaled(arrays=arrays, params=params):
            return {k: UPSTREAM * v for k, v in d.numpy(**arrays, **params).items()}
        out.append(Check(d.name, "upstream G ≠ 1", dtype, arrays, params, scaled,
                         seed=UPSTREAM))
    if d.name in ("index_put", "index"):
        out.append(Check(d.name, "create_graph", dtype, arrays, params,
                         _direct(d, arrays, params), create_graph=True))
    return out


def _matmul_checks(d, rng, dtype):
    """Batched, broadcast-batch and 1-D matrix products (the rule per matrix of the batch)."""
    normal = rng.normal
    cases = [
        ("batched 3-D", {"A": normal(size=(3, 2, 4)), "B": normal(size=(3, 4, 5)),
                         "G": normal(size=(3, 2, 5))}, {}),
        ("broadcast batch", {"A": normal(size=(3, 2, 4)), "B": normal(size=(4, 5)),
                             "G": normal(size=(3, 2, 5))}, {"B"}),
        ("> 4096", {"A": normal(size=(70, 65)), "B": normal(size=(65, 3)),
                    "G": normal(size=(70, 3))}, {}),
    ]
    checks = []
    for path, arrays, widened in cases:
        arrays = _rounded(arrays, dtype)
        full = {"A": arrays["A"].shape, "B": arrays["A"].shape[:-2] + arrays["B"].shape[-2:]}

        def formula(arrays=arrays, widened=widened, full=full):
            wide = {k: (np.broadcast_to(v, full[k]) if k in widened else v)
                    for k, v in arrays.items()}
            grads = d.numpy(**wide)
            return {k: _sum_to(v, arrays[k].shape) for k, v in grads.items()}
        checks.append(Check("matmul", path, dtype, arrays, {}, formula))
    # 1-D: a vector A is a row (1×k), a vector B a column (k×1); out loses that axis.  Beside
    # a batch, the row or column is broadcast over it (and its gradient summed back)
    a, b, m = normal(size=(4,)), normal(size=(4, 3)), normal(size=(2, 4))
    v = normal(size=(4,))
    one_d = [("1-D A", {"A": a, "B": b, "G": normal(size=(3,))},
              {"A": (1, 4), "G": (1, 3)}, {}),
             ("1-D B", {"A": m, "B": v, "G": normal(size=(2,))},
              {"B": (4, 1), "G": (2, 1)}, {}),
             ("1-D A · 1-D B", {"A": a, "B": v, "G": normal(size=())},
              {"A": (1, 4), "B": (4, 1), "G": (1, 1)}, {}),
             ("batched A · 1-D B", {"A": normal(size=(3, 2, 4)), "B": v,
                                    "G": normal(size=(3, 2))},
              {"B": (4, 1), "G": (3, 2, 1)}, {"B": (3, 4, 1)}),
             ("1-D A · batched B", {"A": a, "B": normal(size=(3, 4, 5)),
                                    "G": normal(size=(3, 5))},
              {"A": (1, 4), "G": (3, 1, 5)}, {"A": (3, 1, 4)})]
    for path, arrays, as_matrix, widened in one_d:
        arrays = _rounded(arrays, dtype)

        def formula(arrays=arrays, as_matrix=as_matrix, widened=widened):
            mats = {k: np.reshape(x, as_matrix.get(k, x.shape)) for k, x in arrays.items()}
            grads = d.numpy(**{k: np.broadcast_to(x, widened.get(k, x.shape))
                               for k, x in mats.items()})
            return {k: np.reshape(_sum_to(x, mats[k].shape), arrays[k].shape)
                    for k, x in grads.items()}
        checks.append(Check("matmul", path, dtype, arrays, {}, formula))
    return checks


def _row(*values):
    return np.array([values], dtype=float)


def _composition_kinks(g):
    """At each composition's kinks and ties: (name, arrays, params), exact in both dtypes."""
    elu_at = {"A": _row(0.0, -1.0, 1.0, -0.0, 2.0), "G": g}
    at_three = {"A": _row(-3.0, 3.0, 0.0, -4.0, 4.0), "G": g}
    zero = _row(0.0, 0.0, 0.0, 0.0, 0.0)
    widths = {"X": _row(0.5, -0.5, 0.0, 1.0, -3.0), "Y": zero}
    return [
        ("leaky_relu", {"A": _row(-1.0, 0.0, 2.0, -0.0, 0.5), "G": g}, {"negative_slope": 0.2}),
        ("hardtanh", {"A": _row(-1.0, 1.0, 0.5, -2.0, 3.0), "G": g},
         {"min_val": -1.0, "max_val": 1.0}),
        ("relu6", {"A": _row(0.0, 6.0, 3.0, -1.0, 7.0), "G": g}, {}),
        ("elu", elu_at, {"alpha": 0.5}),
        ("celu", elu_at, {"alpha": 0.5}),
        ("selu", elu_at, {"alpha": SELU_ALPHA, "scale": SELU_SCALE}),
        ("threshold", {"A": _row(0.5, 1.0, -1.0, 0.5, 2.0), "G": g},
         {"threshold": 0.5, "value": -2.0}),
        ("softplus", {"A": _row(1.5, 1.0, 2.0, -1.0, 1.5), "G": g},
         {"beta": 2.0, "threshold": 3.0}),
        ("hardsigmoid", at_three, {}),
        ("hardswish", at_three, {}),
        ("softsign", {"A": _row(0.0, -0.0, 1.0, -1.0, 0.0), "G": g}, {}),
        ("prelu", {"A": np.array([[0.0, -1.0, 2.0], [-0.0, 0.0, -3.0]]),
                   "W": np.array([0.25, 0.5, 2.0]), "G": np.array([[1.0, 2.0, 3.0],
                                                                    [4.0, 5.0, 6.0]])}, {}),
        ("l1_loss", {"X": _row(1.0, 2.0, 3.0, 0.0, -1.0), "Y": _row(1.0, 0.0, 3.0, 0.0, 1.0)},
         {"reduction": "sum"}),
        ("smooth_l1_loss", widths, {"reduction": "sum", "beta": 0.5}),
        ("huber_loss", widths, {"reduction": "mean", "delta": 0.5}),
        ("amax", {"A": np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), "G": np.array([1.0, 2.0])},
         {"dim": (1,), "keepdim": False, "kind": "max"}),
        ("amax", {"A": np.array([[1.0, 3.0, 3.0], [0.0, 3.0, 2.0]]), "G": np.array(2.0)},
         {"dim": None, "keepdim": False, "kind": "max"}),
        ("amin", {"A": np.array([[1.0, -3.0, 3.0], [-3.0, 3.0, -3.0]]), "G": np.array(2.0)},
         {"dim": None, "keepdim": False, "kind": "min"}),
        ("amin", {"A": np.array([[1.0, 1.0, 3.0], [5.0, 2.0, 2.0]]),
                  "G": np.array([[1.0], [2.0]])}, {"dim": (1,), "keepdim": True, "kind": "min"}),
        ("norm", {"A": np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 2.0]]), "G": np.array([1.0, 2.0])},
         {"p": 2, "dim": (1,), "keepdim": False}),
        ("norm", {"A": np.array([[0.0, 0.0, 0.0], [1.0, 0.0, -2.0]]), "G": np.array([1.0, 2.0])},
         {"p": 1, "dim": (1,), "keepdim": False}),
        ("norm", {"A": np.array([[0.0, 0.0, 0.0], [1.0, 0.0, -2.0]]), "G": np.array([1.0, 2.0])},
         {"p": 3, "dim": (1,), "keepdim": False}),
        ("std", {"A": np.array([[1.5, 1.5, 1.5], [1.0, 2.0, 4.0]]), "G": np.array([1.0, 2.0])},
         {"dim": (1,), "keepdim": False, "correction": 1}),
        ("prod", {"A": np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 3.0]]), "G": np.array([1.0, 2.0])},
         {"dim": 1, "keepdim": False}),
        ("prod", {"A": np.array([[0.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "G": np.array(2.0)},
         {"dim": None, "keepdim": False}),
    ]


def _kink_checks(derivations):
    """At the kink itself: the closed form's convention against the engine (float64 and
    float32; the values are exact in both)."""
    by_name = {d.name: d for d in derivations}
    g = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    rows = [
        ("relu", {"A": np.array([[-1.0, 0.0, 2.0, 0.0, -0.0]]), "G": g}, {}),
        ("abs", {"A": np.array([[-1.5, 0.0, 2.0, -0.0, 0.5]]), "G": g}, {}),
        ("clamp", {"A": np.array([[-0.5, 0.75, 0.25, -2.0, 3.0]]), "G": g},
         {"lo": -0.5, "hi": 0.75}),
        ("clamp", {"A": np.array([[0.25, 0.0, 1.0, 0.25, -1.0]]), "G": g},
         {"lo": None, "hi": 0.25}),
        ("maximum", {"A": np.array([[1.0, 2.0, -3.0, 0.0, 5.0]]),
                     "B": np.array([[1.0, 0.0, -3.0, 0.0, 6.0]]), "G": g}, {}),
        ("minimum", {"A": np.array([[1.0, 2.0, -3.0, 0.0, 5.0]]),
                     "B": np.array([[1.0, 0.0, -3.0, 0.0, 6.0]]), "G": g}, {}),
        ("max", {"A": np.array([[1.0, 3.0, 3.0], [0.0, 3.0, 2.0]]), "G": np.array(2.0)},
         {"dim": None, "kind": "max"}),
        ("min", {"A": np.array([[1.0, -3.0, 3.0], [-3.0, 3.0, 2.0]]), "G": np.array(2.0)},
         {"dim": None, "kind": "min"}),
        ("max", {"A": np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), "G": np.array([1.0, 2.0])},
         {"dim": 1, "kind": "max"}),
        ("min", {"A": np.array([[1.0, 1.0, 3.0], [5.0, 2.0, 2.0]]),
                 "G": np.array([[1.0], [2.0]])}, {"dim": 1, "keepdim": True, "kind": "min"}),
    ]
    rows += _composition_kinks(g)
    # A = 0 with B = 0, 2, 1 (and A = 2, 1 away from it): the rule's conventions there
    rows.append(("pow_tensor", {"A": _row(0.0, 0.0, 0.0, 2.0, 1.0),
                                "B": _row(0.0, 2.0, 1.0, 1.0, 3.0), "G": g}, {}))
    checks = []
    for name, arrays, params in rows:
        d = by_name.get(name)
        if d is None:
            continue
        formula = _pow_tensor_at_zero(d, arrays) if name == "pow_tensor" else \
            _direct(d, arrays, params)
        for dtype in DTYPES:
            checks.append(Check(name, "kink", dtype, arrays, params, formula))
    return checks


def _pow_tensor_at_zero(d, arrays):
    """pow_tensor's closed form (proved on A > 0) with the conventions its notes state,
    PyTorch's, where the form reads 0·∞: ∂L/∂A = 0 where B = 0, ∂L/∂B = 0 where A = 0 and
    B ≥ 0 (out ⊙ log A is 0·(−∞) there, or 1·(−∞) at B = 0)."""
    def formula():
        grads = d.numpy(**arrays)
        a, b = arrays["A"], arrays["B"]
        return {"A": np.where(b == 0, 0.0, grads["A"]),
                "B": np.where((a == 0) & (b >= 0), 0.0, grads["B"])}
    return formula


def _initialised(chain, rng, sizes):
    """Random chain inputs with weights scaled by 1/√fan_in, as nn.Linear initialises them:
    pre-activations stay moderate, so a float32 σ does not round to exactly 0 or 1 (where
    BCE's ∂L/∂Ŷ is ill-conditioned in any implementation)."""
    arrays, _ = chain.sample(rng, dims=sizes)
    arrays["W1"] = arrays["W1"] / np.sqrt(sizes["d"])
    arrays["W2"] = arrays["W2"] / np.sqrt(sizes["h"])
    return arrays


def _chain_checks(chain, rng, shapes):
    """The chain at `shapes` random (n, d, h, o) per dtype, and the relu path over 4096."""
    checks = []
    for dtype in DTYPES:
        for _ in range(shapes):
            sizes = {k: int(rng.integers(1, 7)) for k in "ndho"}
            arrays = _rounded(_initialised(chain, rng, sizes), dtype)
            checks.append(Check(chain.name, "chain", dtype, arrays, {},
                                _direct(chain, arrays, {})))
    arrays = _initialised(chain, rng, {"n": 100, "d": 3, "h": 45, "o": 2})
    checks.append(Check(chain.name, "chain > 4096", "float64", arrays, {},
                        _direct(chain, arrays, {})))
    if chain.hidden == "relu":  # Z₁ = 0 exactly in its first row: relu′(0) = 0 in the chain
        arrays = _initialised(chain, rng, {"n": 4, "d": 3, "h": 5, "o": 2})
        arrays["X"][0] = 0.0
        arrays["b1"][:] = 0.0
        for dtype in DTYPES:
            checks.append(Check(chain.name, "chain kink", dtype, _rounded(arrays, dtype), {},
                                _direct(chain, _rounded(arrays, dtype), {})))
    return checks


def checks(names=None, seed=0, chain_shapes=CHAIN_SHAPES):
    """Every Check for the named derivations (names or Derivation objects; all but a learner's
    example by default), and the derivations chosen."""
    from . import registry
    chosen = registry.all_derivations() if not names else [
        registry.get(n) if isinstance(n, str) else n for n in names]
    rng = np.random.default_rng(seed)
    out = []
    for d in chosen:
        if d.kind == "learner":
            continue
        if d.kind == "chain":
            out += _chain_checks(d, rng, chain_shapes)
        else:
            for dtype in DTYPES:
                out += _op_checks(d, rng, dtype)
    out += [c for c in _kink_checks(chosen)]
    return out, [d for d in chosen if d.kind != "learner"]


def close(engine, formula, dtype):
    """None when the engine's gradient matches the formula's within the dtype's tolerance,
    else a short description of the worst entry."""
    engine, formula = np.asarray(engine, float), np.asarray(formula, float)
    if engine.shape != formula.shape:
        return f"shape {engine.shape} from the engine, {formula.shape} from the formula"
    tol = TOLERANCE[dtype]
    scale = max(np.max(np.abs(formula), initial=0.0), SCALE_FLOOR)
    error = np.abs(engine - formula)
    limit = tol * (np.abs(formula) + scale) + 1e-300
    both_nan = np.isnan(engine) & np.isnan(formula)
    bad = ~(error <= limit) & ~both_nan
    if not bad.any():
        return None
    worst = np.unravel_index(np.argmax(np.where(bad, error, -1)), engine.shape)
    at = [int(i) for i in worst]
    return (f"at {at}: engine {engine[worst]:.6g}, formula {formula[worst]:.6g} "
            f"({int(bad.sum())} of {bad.size} entries off)")


def check_engine(names=None, seed=0, chain_shapes=CHAIN_SHAPES):
    """Run every check; a Report with counts per derivation (0 for one never checked).

    names: derivation names or Derivation objects (e.g. one with a deliberately wrong rule)."""
    start = time.perf_counter()
    all_checks, chosen = checks(names, seed, chain_shapes)
    builds = compositions()
    by_name = {d.name: d for d in chosen}
    report = Report(counts={d.name: 0 for d in chosen})
    missing = [d.name for d in chosen if d.name not in builds]
    for name in missing:
        report.failures.append(f"{name}: no engine composition in engine_bridge.compositions")
    for check in all_checks:
        d = by_name[check.name]
        if check.name in missing:
            continue
        where = f"{check.name} [{check.path}, {check.dtype}]"
        try:
            with np.errstate(all="ignore"):
                formula = check.formula()
                engine = engine_gradients(d, check.arrays, check.params, check.dtype,
                                          builds[check.name], check.frozen, check.seed,
                                          check.create_graph)
        except Exception as e:  # an engine error is a failed check, reported with its op
            report.failures.append(f"{where}: {type(e).__name__}: {e}")
            report.failed_checks += 1
            continue
        report.counts[check.name] += 1
        report.paths[check.path] = report.paths.get(check.path, 0) + 1
        key = (check.name, check.path, check.dtype)
        report.detail[key] = report.detail.get(key, 0) + 1
        problems = [(g, close(engine[g.wrt], formula[g.wrt], check.dtype)) for g in d.grads
                    if g.wrt not in check.frozen]
        problems = [(g, problem) for g, problem in problems if problem]
        report.failed_checks += bool(problems)
        for g, problem in problems:
            report.failures.append(f"{where} {g.quantity}: {problem}")
    report.seconds = time.perf_counter() - start
    return report


# --------------------------------------------------------------------------------------------
# Coverage: every backward rule in the engine's source is checked by some derivation
# --------------------------------------------------------------------------------------------

# Classes with a backward() that are machinery, not a rule: the Op and Function bases and the
# adapter that runs a Function's backward on Tensors.
MACHINERY = {"Op", "Function", "FunctionOp", "_FunctionOp", "_FunctionBackward"}

# An engine class → the derivations whose checks run its backward.
CHECKED_BY = {
    "Add": ["add"], "Sub": ["sub"], "Mul": ["mul"], "Div": ["div"], "Neg": ["neg"],
    "Pow": ["pow"], "Exp": ["exp"], "Log": ["log"], "Relu": ["relu"], "Tanh": ["tanh"],
    "Sigmoid": ["sigmoid"], "Sum": ["sum"], "Mean": ["mean"], "LogSoftmax": ["log_softmax"],
    "Softmax": ["softmax"], "MatMul": ["matmul"], "Linear": ["linear"], "MseLoss": ["mse"],
    "Reshape": ["reshape"], "Permute": ["permute"], "PowTensor": ["pow_tensor"],
    "Maximum": ["maximum"], "Minimum": ["minimum"], "Where": ["where"], "Sqrt": ["sqrt"],
    "Sin": ["sin"], "Cos": ["cos"], "Log1p": ["log1p"], "Expm1": ["expm1"], "Erf": ["erf"],
    "Abs": ["abs"], "Clamp": ["clamp"], "Cast": ["cast"],
    "Clone": ["clone"], "Max": ["max"], "Min": ["min"], "Expand": ["expand"],
    "Index": ["index", "split"], "IndexPut": ["index_put"], "Cat": ["cat"], "Stack": ["stack"],
    "BinaryCrossEntropy": ["bce", "bce_sum"],
    "BinaryCrossEntropyWithLogits": ["bce_with_logits", "bce_with_logits_weighted"],
}


def backward_classes(root=None):
    """{class name: 'file:line'} for every class in tinygrad_edu/ that defines backward(),
    read from the source (nothing imported), machinery excluded; a subclass that inherits its
    backward (Minimum from Maximum) is listed too when it is an Op of its own."""
    if root is None:
        import importlib.util
        spec = importlib.util.find_spec("tinygrad_edu")
        root = pathlib.Path(spec.origin).parent
    found = {}
    for path in sorted(pathlib.Path(root).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
        for name, node in classes.items():
            own = _has_rule(node)
            bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
            inherited = any(b in classes and b not in MACHINERY and _has_rule(classes[b])
                            for b in bases)
            if (own or inherited) and name not in MACHINERY:
                found[name] = f"{path.relative_to(pathlib.Path(root).parent)}:{node.lineno}"
    return found


def _has_rule(node):
    """A class body defining backward(ctx, …): a rule (Tensor.backward(self, gradient) is the
    user's call, not a rule)."""
    return any(isinstance(item, ast.FunctionDef) and item.name == "backward"
               and "ctx" in [a.arg for a in item.args.args] for item in node.body)


def unchecked_backwards(root=None):
    """Engine classes with a backward rule that no derivation's check runs: [(class, where)]."""
    from . import registry
    names = set(registry.names())
    out = []
    for cls, where in backward_classes(root).items():
        covered = CHECKED_BY.get(cls, [])
        if not covered or not all(n in names for n in covered):
            out.append((cls, where))
    return out


# --------------------------------------------------------------------------------------------
# A learner's own Function: its backward against SymPy's derivative of the formula
# --------------------------------------------------------------------------------------------

@dataclass
class FunctionCheck:
    """What check_function found: points tried, and the worst disagreement of the forward
    (out = f(A)) and of the backward (A.grad = G ⊙ f′(A)), if any."""

    name: str
    formula: str
    derivative: str
    points: int
    low: float
    high: float
    forward_problem: str = None
    backward_problem: str = None

    @property
    def ok(self):
        return self.points > 0 and not self.forward_problem and not self.backward_problem

    def lines(self):
        out = [f"{self.name}: your Function against f(x) = {self.formula}",
               f"  and SymPy's derivative f′(x) = {self.derivative}",
               f"  at {self.points} points in [{self.low:.3g}, {self.high:.3g}], float64"]
        out.append("  forward  " + (f"DIFFERS {self.forward_problem}" if self.forward_problem
                                    else "out = f(A) everywhere"))
        out.append("  backward " + (f"DIFFERS {self.backward_problem}" if self.backward_problem
                                    else "A.grad = G ⊙ f′(A) everywhere"))
        return out


def domain_points(domain, count, rng):
    """`count` points spread over an elementwise function's domain: for 'real' a grid on
    [−8, 8] (0 and ±1 included), wide random values and a few large ones; for 'positive' a
    geometric grid on [10⁻², 10²] and random values in (0, 10]."""
    half = count // 2
    if domain == "positive":
        points = np.concatenate([np.geomspace(1e-2, 1e2, half),
                                 rng.uniform(1e-3, 10.0, count - half)])
    else:
        grid = np.concatenate([np.linspace(-8.0, 8.0, half - 3), [0.0, 1.0, -1.0]])
        points = np.concatenate([grid, rng.normal(scale=3.0, size=count - half)])
    return points


def _differs(got, want, rtol=1e-6, atol=1e-9):
    """None when |got − want| ≤ rtol |want| + atol everywhere (NaN where both are NaN),
    else the worst point."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    bad = ~(np.abs(got - want) <= rtol * np.abs(want) + atol) & ~(np.isnan(got) & np.isnan(want))
    if not bad.any():
        return None
    error = np.where(bad, np.abs(got - want), -1.0)
    error = np.where(np.isnan(error), np.inf, error)
    worst = np.unravel_index(np.argmax(error), got.shape)
    return f"at {int(bad.sum())} of {bad.size} points; worst: yours {got[worst]:.10g}, " \
           f"SymPy's {want[worst]:.10g}"


def check_function(function, expression, name=None, points=2000, seed=0):
    """Compare a learner's ``autograd.Function`` for an elementwise f with SymPy's derivative
    of the formula, as numbers at `points` points of f's domain (not the formula with itself):

        forward    function.apply(A) against f(A), f evaluated from the parsed formula
        backward   A.grad after function.apply(A).backward(G), G random, against
                   G ⊙ f′(A) with f′ = sympy.diff(f) (the proved rule of derive())

    expression: the formula as derive() takes it ("2*tanh(x)"; parsed, never evaluated).
    Returns a FunctionCheck; ``.ok`` and ``.lines()`` tell the result.
    """
    import tinygrad_edu as tg

    from . import elementwise

    name = name or getattr(function, "__name__", "my_function")
    if not hasattr(function, "apply"):
        raise DerivationError(f"check_function: {name!r} has no apply(); pass the Function "
                              f"class itself (class MyOp(torch.autograd.Function))")
    derivation = elementwise.derive(name if name.isidentifier() else "my_function", expression)
    rng = np.random.default_rng(seed)
    values = domain_points(derivation.operands[0].domain, max(int(points), 10), rng)
    a = values.reshape(-1, 10) if values.size % 10 == 0 else values.reshape(1, -1)
    g = rng.normal(size=a.shape)
    with np.errstate(all="ignore"):
        forward = np.asarray(
            _numeric_formula(derivation)(a), dtype=float) + np.zeros(a.shape)
        want = derivation.numpy(A=a, G=g)["A"]
        tensor = tg.tensor(a, requires_grad=True)
        out = function.apply(tensor)
        out.backward(tg.tensor(g))
        got = tensor.grad.numpy() if tensor.grad is not None else np.full(a.shape, np.nan)
        out_values = out.detach().numpy()
    return FunctionCheck(name, sp_text(derivation.expression), sp_text(derivation.derivative),
                         a.size, float(values.min()), float(values.max()),
                         _differs(out_values, forward), _differs(got, want))


def _numeric_formula(derivation):
    """f itself as a NumPy function (the same lambdify the closed forms' f′ goes through)."""
    from .evaluate import _numeric_scalar_function
    return _numeric_scalar_function(sp.Lambda(derivation.variable, derivation.expression))


def sp_text(expr):
    return sp.sstr(expr)
