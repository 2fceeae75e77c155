"""Extreme values, op by op, as PyTorch does them.

Every op of tests/op_specs.py that computes values (elementwise, reductions, softmax, matmul)
runs on the same fixed inputs in both libraries, in float32 and float64: exact zeros (±0, at
the kinks of relu/abs/clamp/sqrt and at ties of max/maximum), ±1, ±1e4, ±1e38, ±inf and NaN.
The outputs and the gradients (for an upstream gradient of ones, and for one with zeros in
it, so 0 · inf shows) must agree with PyTorch:

* NaN where PyTorch has NaN, ±inf where PyTorch has the same ±inf (compared by pattern);
* finite values close (rtol 1e-5 / 1e-12 by dtype, atol scaled by the largest magnitude);
* no NumPy RuntimeWarning (log(0), overflow, 0/0, inf − inf) reaches the learner: the whole
  module runs with warnings turned into errors, as PyTorch is silent here.

Inputs are built so no result depends on summation order (pairs are combined elementwise,
matmuls have inner size 2, reduced rows overflow only with one sign), so any disagreement is
the engine's, not rounding's.  The losses then get the same treatment at probability 0 and 1
(BCELoss, BCEWithLogitsLoss) and with logits of ±1e4 (softmax, log_softmax, cross-entropy).
Data-movement ops (reshape, permute, expand, index, index_put, cat, stack) copy values and
cannot create NaN or inf; the fuzzer covers them.
"""

import itertools

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from op_specs import SPECS

pytestmark = pytest.mark.filterwarnings("error")

INF, NAN = float("inf"), float("nan")
EXTREMES = [0.0, -0.0, 1.0, -1.0, 0.5, 3.0, 1e4, -1e4, 1e38, -1e38, INF, -INF, NAN]
DTYPES = ["float32", "float64"]
RTOL = {"float32": 1e-5, "float64": 1e-12}


# ----- comparison ----------------------------------------------------------------------------

def assert_like_pytorch(ours, theirs, dtype, what):
    """Same shape; NaN and ±inf in the same places; finite entries close."""
    ours = np.asarray(ours, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs PyTorch {theirs.shape}"
    nan_ours, nan_theirs = np.isnan(ours), np.isnan(theirs)
    assert np.array_equal(nan_ours, nan_theirs), (
        f"{what}: NaN pattern differs\n ours    {ours.tolist()}\n PyTorch {theirs.tolist()}")
    for sign in (1, -1):
        assert np.array_equal(ours == sign * INF, theirs == sign * INF), (
            f"{what}: {'+' if sign > 0 else '-'}inf pattern differs\n ours    {ours.tolist()}"
            f"\n PyTorch {theirs.tolist()}")
    finite = np.isfinite(theirs)
    scale = max(1.0, float(np.max(np.abs(theirs[finite]), initial=0.0)))
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=RTOL[dtype],
                               atol=RTOL[dtype] * 1e-1 * scale, err_msg=what)


def upstream_gradients(shape):
    """Ones, and a pattern with zeros in it (0 · inf = NaN must appear where PyTorch's does)."""
    size = int(np.prod(shape))
    return [np.ones(shape), np.resize(np.array([1.0, 0.0, -2.0]), size).reshape(shape)]


def run(lib, fn, arrays, upstream, dtype):
    """fn(lib, *tensors) on fresh leaves; backward from the first floating output with
    `upstream`; returns (outputs as arrays, input gradients as arrays or None)."""
    leaves = [lib.tensor(np.array(a, dtype=dtype), requires_grad=True) for a in arrays]
    out = fn(lib, *leaves)
    outs = out if isinstance(out, tuple) else (out,)
    values = [o.detach().numpy().copy() for o in outs]
    if upstream is not None:
        first = outs[0]
        first.backward(lib.tensor(np.array(upstream, dtype=dtype).reshape(tuple(first.shape))))
    grads = [None if x.grad is None else x.grad.numpy().copy() for x in leaves]
    return values, grads


def compare(fn, arrays, dtype, what):
    """Run fn on both libraries; compare outputs, then gradients for each upstream pattern."""
    t_values, _ = run(torch, fn, arrays, None, dtype)
    o_values, _ = run(tg, fn, arrays, None, dtype)
    assert len(o_values) == len(t_values), what
    for i, (o, t) in enumerate(zip(o_values, t_values)):
        if t.dtype == np.int64:  # indices of max/min
            assert np.array_equal(o, t), f"{what}: indices {o.tolist()} vs PyTorch {t.tolist()}"
        else:
            assert_like_pytorch(o, t, dtype, f"{what} output {i}")
    for g_index, upstream in enumerate(upstream_gradients(t_values[0].shape)):
        _, t_grads = run(torch, fn, arrays, upstream, dtype)
        _, o_grads = run(tg, fn, arrays, upstream, dtype)
        for i, (o, t) in enumerate(zip(o_grads, t_grads)):
            assert (o is None) == (t is None), f"{what}: gradient {i} present in one library only"
            if t is not None:
                assert_like_pytorch(o, t, dtype, f"{what} gradient of input {i} (G #{g_index})")


# ----- elementwise ops: every extreme value, every pair --------------------------------------

UNARY_ARGS = {
    "neg": [{}], "exp": [{}], "log": [{}], "sqrt": [{}], "sin": [{}], "cos": [{}],
    "abs": [{}], "relu": [{}], "tanh": [{}], "sigmoid": [{}], "clone": [{}], "log1p": [{}],
    "expm1": [{}], "erf": [{}],
    "cast": [{"dtype": "float32"}, {"dtype": "float64"}],
    # bounds on the extreme values themselves: inputs sit exactly on them
    "clamp": [{"min": 0.0, "max": None}, {"min": None, "max": 1e4}, {"min": -1e4, "max": 0.0},
              {"min": -1.0, "max": 1.0}, {"min": 1.0, "max": -1.0}],
    "pow": [{"exponent": p} for p in (0, 1, 2, 3, -1, -2, 0.5, -0.5, 1.5, 2.5, -1.5, 0.0, 3.0)],
}
BINARY_OPS = ["add", "sub", "mul", "div", "pow_tensor", "maximum", "minimum", "where"]


def test_every_elementwise_spec_is_covered():
    """A new elementwise spec must be added to the tables here (so none escapes the test)."""
    elementwise = {name for name, spec in SPECS.items()
                   if spec.shapes_from.__name__ in ("_alone", "_broadcast_partner")}
    structural = {"reshape", "permute", "expand", "index"}
    reductions = {"sum", "mean", "max", "min", "softmax", "log_softmax"}
    assert elementwise - structural - reductions == set(UNARY_ARGS) | set(BINARY_OPS)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(UNARY_ARGS))
def test_unary_op_at_extremes(name, dtype):
    spec = SPECS[name]
    values = np.array(EXTREMES)  # all of them, -0.0 and -inf included for pow too
    for args in UNARY_ARGS[name]:
        compare(lambda lib, a: spec.fn(lib, a, **args), [values], dtype, f"{name}{args} {dtype}")


def _pairs():
    """Every (a, b) of extreme values, as two equal-shape vectors (no broadcasting sums)."""
    pairs = list(itertools.product(EXTREMES, repeat=2))
    return np.array([a for a, _ in pairs]), np.array([b for _, b in pairs])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BINARY_OPS)
def test_binary_op_at_extremes(name, dtype):
    spec = SPECS[name]
    a, b = _pairs()
    if name == "where":
        condition = np.resize(np.array([True, False, False]), a.shape)
        fn = lambda lib, x, y: spec.fn(lib, x, y, condition=condition)  # noqa: E731
    else:
        fn = spec.fn
    compare(fn, [a, b], dtype, f"{name} {dtype}")


# ----- reductions, softmax, matmul -------------------------------------------------------------

# Each row is reduced alone; a row overflows only with one sign, so the order of summation
# cannot change an answer.  Ties (0 with -0, repeated 1e4) test how gradients split.
ROWS = np.array([
    [0.0, -0.0, 0.0, -1.0],
    [1e4, -1e4, 1.0, 1e4],
    [1e38, 1e38, 1e38, 1e38],
    [-1e38, 2.0, -1e38, 3.0],
    [INF, 1.0, 2.0, 3.0],
    [-INF, -INF, 0.0, 1.0],
    [NAN, 1.0, 2.0, 3.0],
    [INF, -INF, 1.0, 2.0],
    [1e4, 1e4, 1e4, 1e4],
    [-1e4, 0.0, 1e4, 5.0],
])
FINITE_ROWS = ROWS[np.all(np.isfinite(ROWS), axis=1)]

REDUCTION_ARGS = {
    "sum": [{"dim": 1, "keepdim": False}, {"dim": 1, "keepdim": True}],
    "mean": [{"dim": 1, "keepdim": False}, {"dim": 1, "keepdim": True}],
    "max": [{"dim": 1, "keepdim": False}, {"dim": None, "keepdim": False}],
    "min": [{"dim": 1, "keepdim": False}, {"dim": None, "keepdim": False}],
    "softmax": [{"dim": 1}, {"dim": -1}],
    "log_softmax": [{"dim": 1}, {"dim": -1}],
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(REDUCTION_ARGS))
def test_reduction_at_extremes(name, dtype):
    spec = SPECS[name]
    for args in REDUCTION_ARGS[name]:
        rows = ROWS
        if name in ("max", "min") and args["dim"] is None:
            rows = FINITE_ROWS  # a full max over rows with NaN: one NaN, compared below
        for r in range(len(rows)):  # row by row, so a failure names its row
            compare(lambda lib, a: spec.fn(lib, a, **args), [rows[r:r + 1]], dtype,
                    f"{name}{args} {dtype} on row {rows[r].tolist()}")
    if name in ("max", "min"):
        compare(lambda lib, a: spec.fn(lib, a), [ROWS], dtype, f"full {name} with NaN {dtype}")


MATMUL_PAIRS = [  # inner size 2: each entry is a + b, the same in any order
    ([[1e4, -1e4], [1e38, 0.0]], [[1e4, 1.0], [0.0, -1e4]]),
    ([[INF, 0.0], [1.0, NAN]], [[0.0, 1.0], [2.0, 3.0]]),
    ([[1e38, 1e38], [-1e38, 1.0]], [[1e38, -1.0], [1e38, 2.0]]),
    ([[0.0, -0.0], [1e4, 1e4]], [[-0.0, 1e4], [1e4, -INF]]),
]


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_at_extremes(dtype):
    for a, b in MATMUL_PAIRS:
        compare(SPECS["matmul"].fn, [np.array(a), np.array(b)], dtype, f"matmul {a} @ {b}")


# ----- losses at probability 0 and 1; logits of ±1e4 ------------------------------------------

def _loss(name, **options):
    def fn(lib, x, y):
        return getattr(lib.nn.functional, name)(x, y, **options)
    return fn


PROBABILITIES = [0.0, 1.0, 0.5, 1e-30, 1e-7, 1 - 1e-7]
LABELS = [0.0, 1.0, 0.25]
LOGITS = [1e4, -1e4, 1e38, -1e38, 0.0, 30.0, -30.0, 1e-3]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_bce_at_probability_zero_and_one(dtype, reduction):
    pairs = list(itertools.product(PROBABILITIES, LABELS))
    p = np.array([a for a, _ in pairs])
    y = np.array([b for _, b in pairs])
    compare(_loss("binary_cross_entropy", reduction=reduction), [p, y], dtype,
            f"binary_cross_entropy {reduction} {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_bce_with_logits_at_huge_logits(dtype, reduction):
    pairs = list(itertools.product(LOGITS, LABELS))
    x = np.array([a for a, _ in pairs])
    y = np.array([b for _, b in pairs])
    compare(_loss("binary_cross_entropy_with_logits", reduction=reduction), [x, y], dtype,
            f"binary_cross_entropy_with_logits {reduction} {dtype}")
    pos_weight = np.full(x.shape, 3.0)
    compare(lambda lib, a, b: lib.nn.functional.binary_cross_entropy_with_logits(
        a, b, reduction=reduction, pos_weight=lib.tensor(pos_weight.astype(dtype))),
        [x, y], dtype, f"binary_cross_entropy_with_logits pos_weight {reduction} {dtype}")


HUGE_LOGITS = np.array([
    [1e4, -1e4, 0.0],
    [-1e4, -1e4, -1e4],
    [1e4, 1e4, -1e4],
    [0.0, 1e4, 1.0],
    [-1e4, 0.0, 1e4],
])
CLASSES = np.array([0, 1, 2, 0, 0])  # right, tied, wrong (loss 2e4) …


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_and_log_softmax_of_huge_logits_are_finite_like_pytorch(dtype):
    for name in ("softmax", "log_softmax"):
        for dim in (0, 1):
            fn = lambda lib, x: getattr(lib.nn.functional, name)(x, dim=dim)  # noqa: E731
            compare(fn, [HUGE_LOGITS], dtype, f"F.{name} dim={dim} {dtype}")
        ours = getattr(tg.nn.functional, name)(tg.tensor(HUGE_LOGITS.astype(dtype)), dim=1)
        assert np.all(np.isfinite(ours.numpy()))  # PyTorch is finite here, so must we be


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_cross_entropy_with_huge_logits(dtype, reduction):
    def class_index_loss(lib, x):
        return lib.nn.functional.cross_entropy(x, lib.tensor(CLASSES), reduction=reduction)

    def nll_after_log_softmax(lib, x):
        return lib.nn.functional.nll_loss(lib.nn.functional.log_softmax(x, dim=1),
                                          lib.tensor(CLASSES), reduction=reduction)

    def probability_targets(lib, x):
        target = lib.tensor(np.eye(3)[CLASSES].astype(dtype) * 0.8 + 0.2 / 3)
        return lib.nn.functional.cross_entropy(x, target, reduction=reduction)

    def smoothed_and_weighted(lib, x):
        weight = lib.tensor(np.array([1.0, 2.0, 0.5], dtype=dtype))
        return lib.nn.functional.cross_entropy(x, lib.tensor(CLASSES), weight=weight,
                                               label_smoothing=0.1, reduction=reduction)

    for fn in (class_index_loss, nll_after_log_softmax, probability_targets,
               smoothed_and_weighted):
        compare(fn, [HUGE_LOGITS], dtype, f"{fn.__name__} {reduction} {dtype}")
        loss = fn(tg, tg.tensor(HUGE_LOGITS.astype(dtype)))
        assert np.all(np.isfinite(loss.numpy())), fn.__name__


@pytest.mark.parametrize("dtype", DTYPES)
def test_regression_losses_overflow_like_pytorch(dtype):
    a = np.array([1e38, -1e38, 1e4, 0.0, INF, NAN, -0.0, -1e38])
    b = np.array([0.0, -1e38, -1e4, 0.0, INF, 1.0, 0.0, 1.0])
    for name in ("mse_loss", "l1_loss"):
        for reduction in ("none", "mean"):
            compare(_loss(name, reduction=reduction), [a, b], dtype, f"{name} {reduction}")


# ----- where a composed form would part from PyTorch's fused one: the engine follows PyTorch -----

@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_at_infinite_logits(dtype):
    """At x = ±inf the gradient is PyTorch's finite (1 − y) − σ(−x) (the chain rule through
    softplus would meet inf − inf); the loss itself is NaN where PyTorch's is."""
    pairs = list(itertools.product([INF, -INF], LABELS))
    x = np.array([a for a, _ in pairs])
    y = np.array([b for _, b in pairs])
    compare(_loss("binary_cross_entropy_with_logits", reduction="none"), [x, y], dtype,
            f"binary_cross_entropy_with_logits at ±inf {dtype}")


def test_mse_gradient_near_float32_overflow():
    """input − target = 2e38 in float32: the mse op's backward forms (2/n)(X − Y) first, as
    PyTorch's fused one does, so the gradient stays finite (2 ⊙ 2e38 would be inf)."""
    compare(_loss("mse_loss", reduction="mean"), [np.array([1e38, 1.0]), np.array([-1e38, 0.0])],
            "float32", "mse_loss mean float32 near overflow")


@pytest.mark.parametrize("side", [10, 100], ids=["small (np.where)", "large (product)"])
def test_relu_gradient_selects_both_ways_like_pytorch(side):
    """relu's backward selects G (exact zeros where out ≤ 0, G passed where out is NaN) on
    either of its two paths: np.where for small arrays, the product for large ones."""
    rng = np.random.default_rng(side)
    x = rng.choice([-1.0, 0.0, -0.0, 2.0, np.nan, np.inf, -np.inf], size=(side, side))
    g = rng.choice([1.0, -3.0, 0.0, np.inf, -np.inf, np.nan], size=(side, side))
    ours = tg.tensor(x, requires_grad=True)
    ours.relu().backward(tg.tensor(g))
    theirs = torch.tensor(x, requires_grad=True)
    theirs.relu().backward(torch.tensor(g))
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert (np.signbit(ours.grad.numpy()) == np.signbit(theirs.grad.numpy())).all()


@pytest.mark.parametrize("side", [10, 100], ids=["small (np.where)", "large (bits)"])
def test_masked_gradients_are_positive_zeros_like_pytorch(side):
    """Where relu, clamp and maximum pass no gradient, PyTorch's is +0.0 even for a negative
    finite G (a product G ⊙ 0 gave −0.0 on large arrays before)."""
    rng = np.random.default_rng(side)
    x = rng.choice([-1.0, 0.0, 2.0], size=(side, side))
    g = -rng.random((side, side)) - 0.5  # finite and negative everywhere
    programs = [lambda lib, t: t.relu(), lambda lib, t: t.clamp(min=0.5, max=1.5),
                lambda lib, t: lib.maximum(t, lib.zeros_like(t))]
    for program in programs:
        grads = []
        for lib in (tg, torch):
            t = lib.tensor(x, requires_grad=True)
            program(lib, t).backward(lib.tensor(g))
            grads.append(t.grad.numpy())
        ours, theirs = grads
        assert (ours == 0).any()
        assert np.array_equal(ours.view(np.uint64), theirs.view(np.uint64))
    assert len(programs) == 3


def test_zero_times_nan_weight_in_a_one_entry_product_is_nan_like_pytorch():
    """Found by the fuzzer: a batch of one row into one output makes G 1×1, and ndarray.dot
    then skipped the zero factor, giving ∂L/∂X = 0 · NaN = 0 where PyTorch has NaN."""
    def fn(lib, x, w, scale):
        return (lib.nn.functional.linear(x, w) * scale).sum()
    compare(fn, [np.zeros((1, 2)), np.array([[NAN, NAN]]), np.zeros((1, 1))], "float64",
            "linear(0, NaN) · 0")


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("exponent", [9.188358626991247e-237, 0.0])
def test_a_float64_exponent_that_is_zero_only_in_float32_is_not_zero_for_the_gradient(
        exponent, create_graph):
    """float32 zeros ** a 0-d float64 9e-237: computed in float32 (a 0-d tensor does not
    promote one with dims), where the exponent is 0, so the value is 1; but PyTorch's ∂/∂A
    tests "exponent = 0" on the exponent as given (float64, not 0), so ∂/∂A = 9e-237 · 0⁻¹ · G
    is NaN even for G = 0, not the 0 it is where the exponent is 0 (the second case).  The
    thorough fuzzer found the engine testing the promoted, float32 exponent."""
    def run(lib):
        power = lib.tensor(exponent, dtype=lib.float64, requires_grad=True)
        base = lib.zeros(2, dtype=lib.float32, requires_grad=True)
        out = base ** power
        (d_base, d_power) = lib.autograd.grad((out * lib.zeros(2)).sum(), (base, power),
                                              create_graph=create_graph)
        return [t.detach().numpy() for t in (out, d_base, d_power)]
    ours, theirs = run(tg), run(torch)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert ours[0].dtype == np.float32 and np.isnan(ours[1]).all() == (exponent != 0)
