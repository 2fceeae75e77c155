"""Every loss × reduction against PyTorch: value, input gradient (and target gradient where
PyTorch has one), float32 and float64, on random data from Hypothesis — plus the extremes
(logits of ±1e4, probabilities of exactly 0 and 1) and each bad input of issue 3 item 7.

Each case is written once as a function of the library (tinygrad_edu or torch) and its
nn.functional, so the same call runs on both.
"""

import warnings

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, given

import tinygrad_edu
import tinygrad_edu.nn as nn
from tinygrad_edu import testing
from tinygrad_edu.nn import functional as F

LIBS = ((tinygrad_edu, F, nn), (torch, TF, torch.nn))
REDUCTIONS = ("mean", "sum", "none")
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def run_both(call, arrays, grad_of, dtype, upstream_seed=0, value_scale=1.0):
    """call(lib, F, *tensors) on both libraries; compare outputs and the gradients of the
    arrays whose index is in grad_of.  'none' outputs get a random upstream gradient.
    value_scale multiplies the value's absolute tolerance: the size of terms that cancel in
    computing it (its rounding error is relative to them, not to the result)."""
    results = []
    for lib, lib_F, _ in LIBS:
        tensors = []
        for i, a in enumerate(arrays):
            if a is None:
                tensors.append(None)
            elif a.dtype.kind == "f":
                tensors.append(lib.tensor(a.astype(dtype), requires_grad=i in grad_of))
            else:
                tensors.append(lib.tensor(a))
        out = call(lib, lib_F, *tensors)
        upstream = np.random.default_rng(upstream_seed).uniform(0.5, 1.5, tuple(out.shape))
        (out * lib.tensor(upstream.astype(dtype))).sum().backward()
        grads = [tensors[i].grad.numpy().copy() for i in grad_of]
        results.append((out.detach().numpy().copy(), grads, out.dtype))
    (ours, ours_grads, ours_dtype), (theirs, theirs_grads, theirs_dtype) = results
    assert str(ours_dtype).split(".")[-1] == str(theirs_dtype).split(".")[-1]
    assert ours.shape == theirs.shape
    allowed = TOL[dtype]["atol"] * np.asarray(value_scale) + TOL[dtype]["rtol"] * np.abs(theirs)
    worst = np.max(np.abs(ours.astype(np.float64) - theirs) - allowed, initial=-1.0)
    assert worst <= 0 and np.array_equal(np.isnan(ours), np.isnan(theirs)), \
        f"loss value: ours {ours}, PyTorch {theirs}, allowed {allowed}"
    for i, a, b in zip(grad_of, ours_grads, theirs_grads):
        np.testing.assert_allclose(a, b, err_msg=f"gradient of argument {i}", **TOL[dtype])
    return ours


DTYPES = st.sampled_from(["float32", "float64"])
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)


def floats(lo, hi):
    """Drawn as float64, then cast to the test's dtype for both libraries alike."""
    return st.floats(lo, hi, allow_nan=False)


# --------------------------------------------------------------------------------------------
# MSE and L1
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data(), dtype=DTYPES, shape=SHAPES, weighted=st.booleans())
def test_regression_losses_match_pytorch(name, reduction, data, dtype, shape, weighted):
    x = data.draw(hnp.arrays(np.float64, shape, elements=floats(-100, 100)))
    y = data.draw(hnp.arrays(np.float64, shape, elements=floats(-100, 100)))
    w = data.draw(hnp.arrays(np.float64, shape, elements=floats(0.1, 3))) if weighted else None

    def call(lib, lib_F, x, y, w):
        return getattr(lib_F, name)(x, y, reduction=reduction, weight=w)

    run_both(call, [x, y, w], grad_of=(0, 1), dtype=dtype)


@pytest.mark.parametrize("loss", ["MSELoss", "L1Loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_loss_modules_match_functional_and_pytorch(loss, reduction):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    out = run_both(lambda lib, lib_F, x, y: getattr(lib.nn, loss)(reduction=reduction)(x, y),
                   [x, y], grad_of=(0, 1), dtype="float64")
    functional = {"MSELoss": F.mse_loss, "L1Loss": F.l1_loss}[loss]
    np.testing.assert_array_equal(
        out, functional(tinygrad_edu.tensor(x), tinygrad_edu.tensor(y), reduction=reduction))


@pytest.mark.parametrize("loss", ["MSELoss", "L1Loss"])
def test_regression_shape_mismatch_warns_naming_both_sizes_then_broadcasts(loss):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((4, 1)), rng.standard_normal(4)  # the classic (n, 1) vs (n,)
    messages = []
    for lib, _, lib_nn in LIBS:
        with pytest.warns(UserWarning) as record:
            out = getattr(lib_nn, loss)()(lib.tensor(x), lib.tensor(y))
        messages.append(str(record[0].message))
        np.testing.assert_allclose(out.item(), {"MSELoss": np.mean((x - y) ** 2),
                                                "L1Loss": np.mean(np.abs(x - y))}[loss])
    ours, theirs = messages
    assert loss in ours
    assert theirs.replace("torch.Size", "tinygrad_edu.Size") in ours
    assert "tinygrad_edu.Size([4])" in ours and "tinygrad_edu.Size([4, 1])" in ours


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data(), dtype=DTYPES, shape=SHAPES, target_first=st.booleans())
def test_regression_losses_of_shapes_that_broadcast_match_pytorch(name, reduction, data, dtype,
                                                                  shape, target_first):
    """Input and target of different shapes broadcast together, as in PyTorch (which warns):
    'mean' divides by the broadcast count, and each gradient is summed back to its own shape.
    (MSE's backward once divided by the input's count: for a (4, 1) input against a (4,)
    target its gradient was 4 times PyTorch's.)"""
    other = data.draw(testing.broadcastable_with(shape, min_dims=1))
    assume(other != shape)
    x_shape, y_shape = (other, shape) if target_first else (shape, other)
    x = data.draw(hnp.arrays(np.float64, x_shape, elements=floats(-100, 100)))
    y = data.draw(hnp.arrays(np.float64, y_shape, elements=floats(-100, 100)))

    def call(lib, lib_F, x, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # both libraries warn that the sizes differ
            return getattr(lib_F, name)(x, y, reduction=reduction)

    run_both(call, [x, y], grad_of=(0, 1), dtype=dtype)


def test_mse_of_a_column_against_a_row_of_targets_has_pytorchs_gradient():
    """The learner's slip (ŷ of shape (n, 1), y of shape (n,)) written out: ℓ has n·n entries,
    so ∂L/∂ŷᵢ = (2/n²) Σⱼ (ŷᵢ − yⱼ), computed here by hand."""
    yhat, y = np.array([[1.0], [2.0], [3.0], [4.0]]), np.arange(4.0)
    expected = 2 / 16 * (yhat - y).sum(axis=1, keepdims=True)  # [[-0.25], [0.25], [0.75], [1.25]]
    for lib, lib_F, _ in LIBS:
        p = lib.tensor(yhat, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib_F.mse_loss(p, lib.tensor(y)).backward()
        np.testing.assert_allclose(p.grad.numpy(), expected, rtol=1e-15)


@pytest.mark.parametrize("loss", ["MSELoss", "L1Loss"])
def test_regression_shapes_that_cannot_broadcast_are_an_error(loss):
    for lib, _, lib_nn in LIBS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError) as info:
                getattr(lib_nn, loss)()(lib.ones(4, 2), lib.ones(3))
        if lib is tinygrad_edu:
            assert loss in str(info.value) and "(4, 2)" in str(info.value)


# --------------------------------------------------------------------------------------------
# BCELoss (probabilities)
# --------------------------------------------------------------------------------------------

PROBABILITIES = st.one_of(floats(0, 1), st.sampled_from([0.0, 1.0, 1e-30, 1 - 2 ** -24]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data(), dtype=DTYPES, shape=SHAPES, weighted=st.booleans())
def test_bce_matches_pytorch(reduction, data, dtype, shape, weighted):
    p = data.draw(hnp.arrays(np.float64, shape, elements=PROBABILITIES))
    y = data.draw(hnp.arrays(np.float64, shape, elements=PROBABILITIES))
    w = data.draw(hnp.arrays(np.float64, shape[-1:], elements=floats(0.1, 3))) \
        if weighted else None

    def call(lib, lib_F, p, y, w):
        return lib_F.binary_cross_entropy(p, y, weight=w, reduction=reduction)

    run_both(call, [p, y, w], grad_of=(0, 1), dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_at_probabilities_zero_and_one(dtype, reduction):
    # every pairing of p ∈ {0, 1} with y ∈ {0, ½, 1}: logs clamped at -100, gradients as PyTorch
    p = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.25])
    y = np.array([0.0, 0.5, 1.0, 0.0, 0.5, 1.0, 1.0])
    out = run_both(lambda lib, lib_F, p, y: lib.nn.BCELoss(reduction=reduction)(p, y),
                   [p, y], grad_of=(0,), dtype=dtype)
    assert np.all(np.isfinite(out))
    if reduction == "none":
        np.testing.assert_allclose(out[[0, 2, 3, 5]], [0.0, 100.0, 100.0, 0.0])
    # the target gradient is PyTorch's too (±inf where p is 0 or 1)
    run_both(lambda lib, lib_F, p, y: lib_F.binary_cross_entropy(p, y, reduction=reduction),
             [p, y], grad_of=(0, 1), dtype=dtype)


@pytest.mark.parametrize("bad", [1.5, -0.1, float("nan")], ids=["above", "below", "nan"])
def test_bce_input_outside_unit_interval_is_an_error(bad):
    p = [0.2, bad, 0.7]
    for lib, _, lib_nn in LIBS:
        with pytest.raises(RuntimeError, match="between 0 and 1") as info:
            lib_nn.BCELoss()(lib.tensor(p), lib.tensor([0.0, 1.0, 1.0]))
        if lib is tinygrad_edu:
            assert "BCELoss" in str(info.value) and "input" in str(info.value)
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(tinygrad_edu.tensor([0.5]), tinygrad_edu.tensor([2.0]))


@pytest.mark.parametrize("loss", ["BCELoss", "BCEWithLogitsLoss"])
def test_bce_shape_mismatch_is_a_value_error_naming_both_sizes(loss):
    for lib, _, lib_nn in LIBS:
        with pytest.raises(ValueError) as info:
            getattr(lib_nn, loss)()(lib.full((4, 1), 0.5), lib.full((4,), 0.5))
        text = str(info.value)
        size = "tinygrad_edu.Size" if lib is tinygrad_edu else "torch.Size"
        assert f"{size}([4])" in text and f"{size}([4, 1])" in text
        if lib is tinygrad_edu:
            assert loss in text


def test_bce_dtype_errors():
    p = tinygrad_edu.full((3,), 0.5)
    for target in (tinygrad_edu.full((3,), 0.5, dtype=tinygrad_edu.float64),
                   tinygrad_edu.ones(3, dtype=tinygrad_edu.int64)):
        with pytest.raises(RuntimeError, match="BCELoss.*float32"):
            nn.BCELoss()(p, target)
        with pytest.raises(RuntimeError):
            torch.nn.BCELoss()(torch.full((3,), 0.5),
                               torch.tensor(target.numpy()))  # PyTorch refuses both too
    with pytest.raises(RuntimeError, match="BCEWithLogitsLoss.*floating"):
        nn.BCEWithLogitsLoss()(p, tinygrad_edu.ones(3, dtype=tinygrad_edu.int64))
    with pytest.raises(TypeError, match="BCELoss.*floating point input"):
        nn.BCELoss()(tinygrad_edu.ones(3, dtype=tinygrad_edu.int64), p)


# --------------------------------------------------------------------------------------------
# BCEWithLogitsLoss
# --------------------------------------------------------------------------------------------

LOGITS = st.one_of(floats(-30, 30), st.sampled_from([-1e4, 1e4, 0.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data(), dtype=DTYPES, shape=SHAPES, weighted=st.booleans(),
       positive_weighted=st.booleans())
def test_bce_with_logits_matches_pytorch(reduction, data, dtype, shape, weighted,
                                         positive_weighted):
    x = data.draw(hnp.arrays(np.float64, shape, elements=LOGITS))
    y = data.draw(hnp.arrays(np.float64, shape, elements=PROBABILITIES))
    classes = shape[-1:]
    w = data.draw(hnp.arrays(np.float64, classes, elements=floats(0.1, 3))) \
        if weighted else None
    pw = data.draw(hnp.arrays(np.float64, classes, elements=floats(0.1, 5))) \
        if positive_weighted else None

    def call(lib, lib_F, x, y, w, pw):
        return lib_F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw,
                                                      reduction=reduction)

    # ℓᵢ = wᵢ[(1 − yᵢ)xᵢ + λᵢ softplus(−xᵢ)]: for y = 0 and x ≪ 0 the two terms, each of size
    # |x|, cancel to eˣ; both libraries round them first (12.6 in float32 to 1e-6), so each
    # ℓᵢ is certain to wᵢλᵢ|xᵢ| units of the last place; a sum or mean carries theirs.
    cancelled = np.maximum(1.0, np.abs(x)) * (1.0 if w is None else w) * \
        (1.0 if pw is None else np.maximum(1.0, pw))
    combined = {"none": cancelled, "sum": np.sum(cancelled), "mean": np.mean(cancelled)}
    out = run_both(call, [x, y, w, pw], grad_of=(0, 1), dtype=dtype,
                   value_scale=combined[reduction])
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bce_with_logits_extreme_logits_are_finite(dtype):
    x = np.array([1e4, -1e4, 1e4, -1e4, 88.0, -88.0, 0.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.5])
    out = run_both(lambda lib, lib_F, x, y: lib.nn.BCEWithLogitsLoss(reduction="none")(x, y),
                   [x, y], grad_of=(0, 1), dtype=dtype)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[:4], [0.0, 0.0, 1e4, 1e4], atol=1e-6)


# --------------------------------------------------------------------------------------------
# CrossEntropyLoss and NLLLoss
# --------------------------------------------------------------------------------------------

@st.composite
def class_problems(draw):
    """(logits of shape (C,), (N, C) or (N, C, d), int64 targets with some ignore_index)."""
    n_classes = draw(st.integers(1, 5))
    layout = draw(st.sampled_from(["1d", "2d", "3d"]))
    if layout == "1d":
        batch = ()
    elif layout == "2d":
        batch = (draw(st.integers(1, 6)),)
    else:
        batch = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    shape = batch[:1] + (n_classes,) + batch[1:]
    logits = draw(hnp.arrays(np.float64, shape, elements=LOGITS))
    targets = draw(hnp.arrays(np.int64, batch, elements=st.integers(0, n_classes - 1)))
    if targets.size > 1 and draw(st.booleans()):  # ignore one entry (never all: 0/0)
        targets.flat[0] = -100
    return logits, targets, n_classes


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(problem=class_problems(), dtype=DTYPES, weighted=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.1, 0.5]), data=st.data())
def test_cross_entropy_with_class_indices_matches_pytorch(reduction, problem, dtype, weighted,
                                                          smoothing, data):
    logits, targets, n_classes = problem
    w = data.draw(hnp.arrays(np.float64, (n_classes,), elements=floats(0.1, 3))) \
        if weighted else None

    def call(lib, lib_F, x, t, w):
        return lib_F.cross_entropy(x, t, weight=w, reduction=reduction,
                                   label_smoothing=smoothing)

    out = run_both(call, [logits, targets, w], grad_of=(0,), dtype=dtype)
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(problem=class_problems(), dtype=DTYPES, weighted=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.2]), data=st.data())
def test_cross_entropy_with_class_probabilities_matches_pytorch(reduction, problem, dtype,
                                                                weighted, smoothing, data):
    logits, _, n_classes = problem
    raw = data.draw(hnp.arrays(np.float64, logits.shape, elements=floats(0, 1)))
    q = raw / np.maximum(raw.sum(axis=0 if logits.ndim == 1 else 1, keepdims=True), 1e-3)
    w = data.draw(hnp.arrays(np.float64, (n_classes,), elements=floats(0.1, 3))) \
        if weighted else None

    def call(lib, lib_F, x, q, w):
        return lib_F.cross_entropy(x, q, weight=w, reduction=reduction,
                                   label_smoothing=smoothing)

    out = run_both(call, [logits, q, w], grad_of=(0, 1), dtype=dtype)
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(problem=class_problems(), dtype=DTYPES, weighted=st.booleans(), data=st.data())
def test_nll_loss_matches_pytorch(reduction, problem, dtype, weighted, data):
    logits, targets, n_classes = problem
    class_axis = 0 if logits.ndim == 1 else 1
    shifted = logits - logits.max(axis=class_axis, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=class_axis, keepdims=True))
    w = data.draw(hnp.arrays(np.float64, (n_classes,), elements=floats(0.1, 3))) \
        if weighted else None

    def call(lib, lib_F, lp, t, w):
        return lib.nn.NLLLoss(weight=w, reduction=reduction)(lp, t)

    run_both(call, [log_probs, targets, w], grad_of=(0,), dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_extreme_logits_are_finite(dtype, reduction):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4], [1e4, 1e4, -1e4], [0.0, 0.0, 1e4]])
    targets = np.array([1, 1, 2, 0])  # confidently wrong, right, tied and wrong again
    out = run_both(lambda lib, lib_F, x, t: lib.nn.CrossEntropyLoss(reduction=reduction)(x, t),
                   [logits, targets], grad_of=(0,), dtype=dtype)
    assert np.all(np.isfinite(out))
    if reduction == "none":
        np.testing.assert_allclose(out, [2e4, 0.0, 2e4 + np.log(2), 1e4], rtol=1e-6)


def test_cross_entropy_is_log_softmax_then_nll_and_ignores_ignore_index():
    rng = np.random.default_rng(5)
    x = tinygrad_edu.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    t = tinygrad_edu.tensor([0, 2, -100, 1])
    ce = F.cross_entropy(x, t)
    nll = F.nll_loss(F.log_softmax(x, dim=1), t)
    np.testing.assert_allclose(ce.item(), nll.item(), rtol=1e-12)
    ce.backward()
    assert np.all(x.grad.numpy()[2] == 0)  # the ignored sample gets no gradient
    # a custom ignore_index that is a valid class number is skipped, not counted
    alt = F.cross_entropy(x, tinygrad_edu.tensor([0, 2, 2, 1]), ignore_index=2)
    expected = torch.nn.functional.cross_entropy(torch.tensor(x.detach().numpy()),
                                                 torch.tensor([0, 2, 2, 1]), ignore_index=2)
    np.testing.assert_allclose(alt.item(), expected.item(), rtol=1e-12)


def test_cross_entropy_all_targets_ignored_is_nan_as_pytorch():
    for lib, lib_F, _ in LIBS:
        out = lib_F.cross_entropy(lib.zeros(2, 3), lib.tensor([-100, -100]))
        assert np.isnan(out.item())


def test_losses_train_the_seeds_classifier_shape():
    """A Sigmoid output and BCELoss, as the seed's exercise 5: gradients reach every weight."""
    tinygrad_edu.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 5), nn.Sigmoid(), nn.Linear(5, 1), nn.Sigmoid())
    x = tinygrad_edu.randn(8, 2)
    y = (x[:, 0:1] > 0).float()
    loss = nn.BCELoss()(model(x), y)
    loss.backward()
    assert loss.grad_fn is not None
    assert all(p.grad is not None and np.all(np.isfinite(p.grad.numpy()))
               for p in model.parameters())


# --------------------------------------------------------------------------------------------
# Bad input to CrossEntropyLoss / NLLLoss: same exception type as PyTorch, and a message
# that names the loss and what was wrong
# --------------------------------------------------------------------------------------------

BAD_CLASS_INPUTS = {
    "target too large": (lambda lib: (lib.zeros(3, 4), lib.tensor([0, 1, 4])),
                         IndexError, "Target 4 is out of bounds"),
    "negative target": (lambda lib: (lib.zeros(3, 4), lib.tensor([0, -1, 2])),
                        IndexError, "Target -1 is out of bounds"),
    "1-d input, target too large": (lambda lib: (lib.zeros(4), lib.tensor(7)),
                                    IndexError, "Target 7"),
    "k-dim target too large": (lambda lib: (lib.zeros(2, 3, 5), lib.full((2, 5), 3)),
                               IndexError, "Target 3"),
    "int32 targets": (lambda lib: (lib.zeros(3, 4), lib.tensor([0, 1, 2], dtype=lib.int32)),
                      RuntimeError, "int32"),
    "float targets of index shape": (lambda lib: (lib.zeros(3, 4), lib.tensor([0.0, 1.0, 2.0])),
                                     RuntimeError, "int64"),
    "int targets of the input's shape": (lambda lib: (lib.zeros(3, 4),
                                                      lib.zeros(3, 4, dtype=lib.int64)),
                                         RuntimeError, "floating point"),
    "batch mismatch": (lambda lib: (lib.zeros(3, 4), lib.tensor([0, 1])),
                       ValueError, "batch_size"),
    "k-dim shape mismatch": (lambda lib: (lib.zeros(2, 4, 3), lib.zeros(2, 5, dtype=lib.int64)),
                             RuntimeError, r"\(2, 3\)"),
    "0-d input": (lambda lib: (lib.tensor(1.0), lib.tensor(0)), RuntimeError, "0-d"),
}


@pytest.mark.parametrize("case", list(BAD_CLASS_INPUTS))
def test_cross_entropy_bad_targets_raise_as_pytorch(case):
    make, error, pattern = BAD_CLASS_INPUTS[case]
    with pytest.raises(error):
        torch.nn.CrossEntropyLoss()(*make(torch))
    with pytest.raises(error, match=pattern) as info:
        nn.CrossEntropyLoss()(*make(tinygrad_edu))
    assert "CrossEntropyLoss" in str(info.value)
    with pytest.raises(error, match="cross_entropy"):
        F.cross_entropy(*make(tinygrad_edu))


@pytest.mark.parametrize("case", ["target too large", "negative target", "int32 targets",
                                  "batch mismatch", "k-dim target too large"])
def test_nll_loss_bad_targets_raise_as_pytorch(case):
    make, error, pattern = BAD_CLASS_INPUTS[case]
    with pytest.raises(error):
        torch.nn.NLLLoss()(*make(torch))
    with pytest.raises(error, match=pattern) as info:
        nn.NLLLoss()(*make(tinygrad_edu))
    assert "NLLLoss" in str(info.value)


def test_nll_loss_refuses_probability_targets():
    for lib, _, lib_nn in LIBS:
        with pytest.raises(RuntimeError):
            lib_nn.NLLLoss()(lib.zeros(3, 4), lib.zeros(3, 4))


def test_cross_entropy_bad_options_raise_as_pytorch():
    for lib, lib_F, _ in LIBS:
        x, t = lib.zeros(3, 4), lib.tensor([0, 1, 2])
        with pytest.raises(RuntimeError, match="weight tensor should be defined"):
            lib_F.cross_entropy(x, t, weight=lib.ones(3))
        with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):
            lib_F.cross_entropy(x, t, label_smoothing=1.5)
        with pytest.raises(ValueError, match="not a valid value for reduction"):
            lib_F.cross_entropy(x, t, reduction="avg")
    with pytest.raises(RuntimeError, match="float64"):
        F.cross_entropy(tinygrad_edu.zeros(3, 4), tinygrad_edu.tensor([0, 1, 2]),
                        weight=tinygrad_edu.ones(4, dtype=tinygrad_edu.float64))


# --------------------------------------------------------------------------------------------
# Options shared by every loss
# --------------------------------------------------------------------------------------------

ALL_LOSSES = ["MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
              "NLLLoss"]


@pytest.mark.parametrize("loss", ALL_LOSSES)
def test_bad_reduction_is_a_value_error(loss):
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        getattr(nn, loss)(reduction="avg")
    module = getattr(nn, loss)()
    module.reduction = "avg"  # changed after construction: caught at call time
    with pytest.raises(ValueError, match=f"{loss}.*not a valid value"):
        module(tinygrad_edu.full((2, 3), 0.5), tinygrad_edu.full((2, 3), 0.5)
               if loss not in ("CrossEntropyLoss", "NLLLoss") else tinygrad_edu.tensor([0, 1]))


@pytest.mark.parametrize("loss", ALL_LOSSES)
@pytest.mark.parametrize("size_average,reduce", [(False, None), (None, False), (True, True)])
def test_legacy_size_average_and_reduce_as_pytorch(loss, size_average, reduce):
    reductions = []
    for _, _, lib_nn in LIBS:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            module = getattr(lib_nn, loss)(size_average=size_average, reduce=reduce)
        assert any("deprecated" in str(w.message) for w in record)
        reductions.append(module.reduction)
    assert reductions[0] == reductions[1]


@pytest.mark.parametrize("loss", ALL_LOSSES)
def test_losses_refuse_non_tensors_clearly(loss):
    with pytest.raises(TypeError, match=f"{loss}: the input must be a Tensor"):
        getattr(nn, loss)()([0.5], tinygrad_edu.tensor([0.5]))


def test_loss_results_are_scalars_with_a_graph():
    x = tinygrad_edu.randn(4, 3, requires_grad=True)
    for loss, target in [(nn.MSELoss(), tinygrad_edu.randn(4, 3)),
                         (nn.CrossEntropyLoss(), tinygrad_edu.tensor([0, 1, 2, 0]))]:
        out = loss(x, target)
        assert out.shape == () and out.requires_grad and out.dtype == tinygrad_edu.float32
