"""Every composition (tinygrad_edu.primitives.COMPOSITIONS) checked as a primitive is, driven by
op_specs.COMPOSITION_SPECS as test_op_properties.py is driven by op_specs.SPECS.

A composition (amax, var, einsum, the activations, layer_norm, the losses, …) has no backward
rule of its own: its gradient is the chain of its primitives' rules.  That chain can still be
wrong (a missed branch, a constant that should have been a tensor, PyTorch's convention at a
kink not kept), so each composition, with Hypothesis drawing shapes, values and the keyword
arguments PyTorch users pass, is held to

(a) forward values equal to PyTorch's in float32 and float64 (NaN and ±inf in the same places,
    dtype and shape equal), kinks and ties included where the spec's domain has them;
(b) every float input's gradient equal to PyTorch's for a random upstream gradient G, in
    float32 and float64;
(c) ``testing.gradcheck`` (float64, at smooth points: the spec's gradcheck domains and its
    ``smooth`` predicate keep them off kinks);
(d) ``testing.gradgradcheck`` (the recorded first derivative against central differences);
(e) second derivatives (create_graph=True, differentiated again with respect to the inputs
    and the upstream V) equal to PyTorch's, float64, at the same smooth points.

Every property asserts that it ran at least one case.  The hand-written tests at the end pin
PyTorch's conventions at kinks and ties, and the regressions of the engine fixes these tests
found.  Example counts: QUICK_EXAMPLES by default (the module in about half a minute),
THOROUGH_EXAMPLES under TINYGRAD_EDU_PROFILE=thorough (a few minutes).
"""

import math
import warnings

import numpy as np
import pytest
import torch  # the oracle: if it is missing, fail loudly (never skip)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import testing
from tinygrad_edu.primitives import COMPOSITIONS

from op_specs import COMPOSITION_SPECS
from test_second_order import check_second_derivatives
from test_op_properties import (DTYPES, apply_to_an_existing_value, assert_same, both_gradients,
                                check_forward, check_gradients)
from tests.suite_settings import PROFILE

SPEC_LIST = [COMPOSITION_SPECS[name] for name in sorted(COMPOSITION_SPECS)]

QUICK_EXAMPLES = {"forward": 20, "gradients": 20, "gradcheck": 10, "gradgradcheck": 6,
                  "second derivatives": 6}
THOROUGH_EXAMPLES = {"forward": 150, "gradients": 150, "gradcheck": 60, "gradgradcheck": 30,
                     "second derivatives": 30}

# PyTorch's own warnings on inputs the specs draw on purpose (the engine gives the same ones)
pytestmark = [pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning"),
              pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0:UserWarning")]
EXAMPLES = THOROUGH_EXAMPLES if PROFILE == "thorough" else QUICK_EXAMPLES


def run_cases(kind, spec, check, dtype=""):
    """Run check(data) as a Hypothesis property (EXAMPLES[kind] cases) and assert that at
    least one case ran to the end (not every draw rejected by assume)."""
    ran = []

    def case(data):
        check(data)
        ran.append(True)
    case.__name__ = f"{kind}_{spec.name}_{dtype}".replace(" ", "_")  # its own database entry
    settings(max_examples=EXAMPLES[kind])(given(data=st.data())(case))()
    assert ran, f"{spec.name} {dtype}: no {kind} case ran (every drawn case was rejected)"


def test_every_composition_has_exactly_one_spec():
    assert len(set(COMPOSITIONS)) == len(COMPOSITIONS), "a name repeats in COMPOSITIONS"
    missing = sorted(set(COMPOSITIONS) - set(COMPOSITION_SPECS))
    unknown = sorted(set(COMPOSITION_SPECS) - set(COMPOSITIONS))
    assert not missing, f"compositions without a spec in tests/op_specs.py COMPOSITION_SPECS: " \
                        f"{missing}"
    assert not unknown, f"specs in COMPOSITION_SPECS naming no composition in " \
                        f"tinygrad_edu.primitives.COMPOSITIONS: {unknown}"


@pytest.mark.parametrize("spec", SPEC_LIST, ids=lambda s: s.name)
@given(data=st.data())
def test_a_spec_applies_to_an_existing_value(spec, data):
    """shapes_from, args_for and the op agree on an existing value of any shape (see
    test_op_properties); the products, tril, triu, embedding, layer_norm, batch_norm and
    nll_loss refuse some ranks."""
    apply_to_an_existing_value(spec, data)


# --------------------------------------------------------------------------------------------
# (a) forward, (b) gradients, (c) gradcheck, (d) gradgradcheck
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", SPEC_LIST, ids=lambda s: s.name)
def test_forward_matches_pytorch(spec, dtype):
    run_cases("forward", spec, lambda data: check_forward(
        spec, dtype, *data.draw(spec.example(dtype), label="case")), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", SPEC_LIST, ids=lambda s: s.name)
def test_gradients_match_pytorch(spec, dtype):
    run_cases("gradients", spec, lambda data: check_gradients(
        spec, dtype, *data.draw(spec.example(dtype), label="case"), data), dtype)


def _smooth_case(spec, data):
    """A float64 gradcheck point off every kink: (input tensors, args)."""
    arrays, args = data.draw(spec.example(np.float64, gradcheck=True), label="case")
    if spec.smooth is not None:
        assume(spec.smooth(arrays, args))
    return tuple(tg.tensor(a, requires_grad=True) for a in arrays), args


@pytest.mark.parametrize("kind", ["gradcheck", "gradgradcheck"])
@pytest.mark.parametrize("spec", SPEC_LIST, ids=lambda s: s.name)
def test_gradcheck_and_gradgradcheck_float64(spec, kind):
    def check(data):
        inputs, args = _smooth_case(spec, data)
        assert getattr(testing, kind)(lambda *ts: spec.engine(*ts, **args), inputs,
                                      **spec.gradcheck_options)
    run_cases(kind, spec, check)


# Where PyTorch cannot differentiate its own backward pass (the oracle is missing): name ->
# (when, the error PyTorch raises).  Ours is checked by gradgradcheck above there, and the test
# below fails once PyTorch answers.
TORCH_HAS_NO_SECOND_DERIVATIVE = {
    "hardsigmoid": (lambda args: True, "derivative for aten::hardsigmoid_backward is not "
                                      "implemented"),
    "batch_norm": (lambda args: args["roles"] == ("bias",),  # a bias without a weight
                   "Expected a proper Tensor but got None"),
    "layer_norm": (lambda args: args["roles"] == ("bias",),
                   "Expected a proper Tensor but got None"),
}


@pytest.mark.parametrize("spec", SPEC_LIST, ids=lambda s: s.name)
def test_second_derivatives_equal_pytorchs(spec):
    def check(data):
        inputs, args = _smooth_case(spec, data)
        arrays = [x.detach().numpy() for x in inputs]
        when, error = TORCH_HAS_NO_SECOND_DERIVATIVE.get(spec.name, (lambda a: False, ""))
        if when(args):
            with pytest.raises(RuntimeError, match=error):
                check_second_derivatives(spec, arrays, args, data)
        else:
            check_second_derivatives(spec, arrays, args, data)
    run_cases("second derivatives", spec, check)


# --------------------------------------------------------------------------------------------
# PyTorch's conventions at kinks and ties, pinned: each case puts entries exactly on a kink,
# compares values and every input's gradient (upstream G = 1) with PyTorch, and states the
# convention independently (convention(out, grads) must hold).
# --------------------------------------------------------------------------------------------

ROUNDING = {"float32": 1e-6, "float64": 1e-13}  # relative: the two libraries round apart


def matches_pytorch(fn, arrays, dtype, with_gradients=True):
    """fn(lib, *tensors) on both libraries: (our values, our input gradients for G = 1),
    after checking both equal PyTorch's up to rounding (NaN and ±inf at the same places)."""
    shape = tuple(fn(torch, *[torch.tensor(np.asarray(a, dtype=dtype)) for a in arrays]).shape)
    (out, grads), (t_out, t_grads) = both_gradients(fn, arrays, dtype, np.ones(shape))
    assert_same(out, t_out, ROUNDING[dtype], 0, 1, "forward")
    for i, (g, t_g) in enumerate(zip(grads, t_grads)):
        if with_gradients:
            assert_same(g, t_g, ROUNDING[dtype], ROUNDING[dtype], 1, f"gradient of input {i}")
    return out, grads

def _F(lib):
    return lib.nn.functional


KINKS = {
    "leaky_relu at 0: the slope": (
        lambda lib, x: _F(lib).leaky_relu(x, negative_slope=0.2), [[-1.0, 0.0, 2.0]],
        lambda out, g: np.isclose(g[0][1], 0.2)),
    "hardtanh at both ends: 0": (
        lambda lib, x: _F(lib).hardtanh(x), [[-1.0, 0.0, 1.0]],
        lambda out, g: list(g[0]) == [0.0, 1.0, 0.0]),
    "hardtanh(-0.5, 2) at both ends: 0": (
        lambda lib, x: _F(lib).hardtanh(x, min_val=-0.5, max_val=2.0), [[-0.5, 1.0, 2.0]],
        lambda out, g: list(g[0]) == [0.0, 1.0, 0.0]),
    "relu6 at 0 and 6: 0": (
        lambda lib, x: _F(lib).relu6(x), [[0.0, 3.0, 6.0]],
        lambda out, g: list(g[0]) == [0.0, 1.0, 0.0]),
    "threshold at the threshold: the value, gradient 0": (
        lambda lib, x: _F(lib).threshold(x, 1.0, -3.0), [[1.0, 1.5, 0.5]],
        lambda out, g: list(out) == [-3.0, 1.5, -3.0] and list(g[0]) == [0.0, 1.0, 0.0]),
    "l1_loss where input = target: 0": (
        lambda lib, x, y: _F(lib).l1_loss(x, y, reduction="sum"),
        [[1.0, 2.0, -3.0], [1.0, 0.0, -3.0]],
        lambda out, g: g[0][0] == g[0][2] == g[1][0] == 0.0 and g[0][1] == 1.0),
    "smooth_l1_loss at |d| = beta and at d = 0 with beta = 0": (
        lambda lib, x, y: _F(lib).smooth_l1_loss(x, y, reduction="none", beta=0.5) +
        _F(lib).smooth_l1_loss(x, y, reduction="none", beta=0.0),
        [[1.5, -0.5, 2.0], [1.0, 0.0, 2.0]], lambda out, g: g[0][2] == 0.0),
    "huber_loss at |d| = delta": (
        lambda lib, x, y: _F(lib).huber_loss(x, y, reduction="sum", delta=2.0),
        [[3.0, -2.0, 0.0], [1.0, 0.0, 0.0]], lambda out, g: g[0][2] == 0.0),
    "amax over all with ties: split evenly": (
        lambda lib, x: lib.amax(x), [[[3.0, -1.0, 3.0], [3.0, 1.0, 0.0]]],
        lambda out, g: np.allclose(g[0][g[0] != 0], 1 / 3) and np.count_nonzero(g[0]) == 3),
    "amin along dim 1 with ties: split evenly": (
        lambda lib, x: lib.amin(x, dim=1), [[[-3.0, 1.0, -3.0], [2.0, 2.0, 2.0]]],
        lambda out, g: g[0][0, 0] == g[0][0, 2] == 0.5 and np.allclose(g[0][1], 1 / 3)),
    "hardsigmoid at ±3: 0": (
        lambda lib, x: _F(lib).hardsigmoid(x), [[-3.0, -4.0, 3.0]],  # (inside, PyTorch's
        lambda out, g: g[0][0] == g[0][2] == 0.0),  # float64 slope is float32's 1/6)
    "hardswish at ±3": (
        lambda lib, x: _F(lib).hardswish(x), [[-3.0, 0.0, 3.0]],
        lambda out, g: out[0] == 0.0 and out[2] == 3.0),
    "elu, celu and selu at 0: the negative branch's slope": (
        lambda lib, x: _F(lib).elu(x, alpha=0.5) + _F(lib).celu(x, alpha=2.0) + _F(lib).selu(x),
        [[0.0, -1.0, 1.0]], lambda out, g: out[0] == 0.0 and g[0][0] > 2.0),
    "prelu at 0: the slope, and no gradient to it": (
        lambda lib, x, w: _F(lib).prelu(x, w), [[[0.0, -2.0], [0.0, 1.0]], [0.25, -0.5]],
        lambda out, g: list(g[0][:, 0]) == [0.25, 0.25] and list(g[1]) == [0.0, -2.0]),
    "softplus where beta · x = threshold: the soft side": (
        lambda lib, x: _F(lib).softplus(x, beta=2.0, threshold=1.0), [[0.5, 0.75, 0.0]],
        lambda out, g: out[0] > 0.5 and g[0][1] == 1.0),
    "norm of a zero vector, every p: gradient 0": (
        lambda lib, x: sum(x.norm(p=p) for p in ("fro", 1, 3, 1.5, 0.5, math.inf)),
        [[0.0, 0.0, 0.0]], lambda out, g: not np.any(g[0])),
    "norm with zero entries, p < 1 and inf ties": (
        lambda lib, x: x.norm(p=0.5) + x.norm(p=math.inf), [[0.0, -2.0, 2.0, 0.0]],
        lambda out, g: g[0][0] == g[0][3] == 0.0 and np.all(np.isfinite(g[0]))),
    "std of equal entries: gradient 0": (
        lambda lib, x: x.std(dim=1), [[[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]]],
        lambda out, g: not np.any(g[0][0])),
    "nll_loss with every target ignored, 'mean': 0/0": (
        lambda lib, x: _F(lib).nll_loss(x, lib.tensor([-100, -100])), [[[0.5, -1.0], [2.0, 1.0]]],
        lambda out, g: np.isnan(out) and np.all(np.isnan(g[0]) | (g[0] == 0))),
    "addmm with beta = 0: the input (NaN included) ignored, gradient 0": (
        lambda lib, c, a, b: lib.addmm(c, a, b, beta=0), [[math.nan, 1.0], [[1.0, 2.0]],
                                                          [[3.0, 4.0], [5.0, 6.0]]],
        lambda out, g: np.all(np.isfinite(out)) and not np.any(g[0])),
    "masked_fill with -inf, then softmax": (
        lambda lib, x: x.masked_fill(lib.tensor([False, True, False]), -math.inf).softmax(0),
        [[1.0, 2.0, 3.0]], lambda out, g: out[1] == 0.0 and g[0][1] == 0.0),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", sorted(KINKS))
def test_at_a_kink_as_pytorch(case, dtype):
    fn, arrays, convention = KINKS[case]
    out, grads = matches_pytorch(fn, arrays, dtype)
    assert convention(out, grads), f"{case}: values {out}, gradients {grads}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_var_and_std_with_n_equal_to_correction_as_pytorch(dtype):
    """N − correction = 0: PyTorch warns and divides by 0 (inf, or NaN where Σ(x − x̄)² = 0),
    as here, and its gradient 2/(N − c) · G · (x − x̄) is ±inf (NaN where x = x̄), as here
    (var's rule written out there; tests/test_pytorch_differences.py has N < correction and
    the reduction over all entries).  The specs do not draw N ≤ correction."""
    for method in ("var", "std"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # degrees of freedom ≤ 0
            out, grads = matches_pytorch(
                lambda lib, x, m=method: getattr(x, m)(dim=0, correction=2),
                [[[1.0, 2.0], [3.0, 2.0]]], dtype)
        assert np.isposinf(out[0]) and np.isnan(out[1])
        assert np.isnan(grads[0][:, 1]).all()  # the constant column: 0 · ∞


def test_kl_div_at_target_zero_gradient_is_nan_as_pytorchs():
    """At y = 0 the loss term is 0 and ∂ℓ/∂x = 0, but ∂ℓ/∂y is NaN, as PyTorch's xlogy(y, y)
    − y x gives (log 0 in its slope); a negative y is NaN throughout, as there."""
    x, y = [-1.0, -2.0, 0.5, -0.3], [0.0, 0.5, 0.5, -0.2]
    (out, (gx, gy)), (t_out, (t_gx, t_gy)) = both_gradients(
        lambda lib, a, b: _F(lib).kl_div(a, b, reduction="none"), [x, y], np.float64)
    np.testing.assert_array_equal(out, t_out)
    np.testing.assert_array_equal(gx, t_gx)
    assert out[0] == 0.0 and np.isnan(out[3]) and np.isnan(gy[0]) and np.isnan(t_gy[0])
    np.testing.assert_allclose(gy, t_gy, rtol=1e-12)  # NaN where PyTorch's is NaN


# --------------------------------------------------------------------------------------------
# Regressions: the engine differences these tests found, fixed
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_lerp_at_weight_one_is_end_exactly(dtype):
    """PyTorch computes end − (end − start)(1 − w) where |w| ≥ ½, so w = 1 gives end itself
    (start + w (end − start) was 0.0009765625 for start 1000, end 0.001 in float32)."""
    start, end = [1000.0, -3.1, 0.1], [1e-3, 7.7, 0.3]
    for weight in (1.0, 0.75, -0.6, 0.25):
        out, _ = matches_pytorch(lambda lib, a, b, w=weight: lib.lerp(a, b, w),
                                 [start, end], dtype)
        if weight == 1.0:
            np.testing.assert_array_equal(out, np.asarray(end, dtype=dtype))
    out, _ = matches_pytorch(lambda lib, a, b, w: lib.lerp(a, b, w),
                             [start, end, [1.0, 0.3, -2.0]], dtype)
    assert out[0] == np.asarray(end, dtype=dtype)[0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_gather_takes_0d_index_and_0d_input_as_pytorch(dtype):
    """0-d counts as 1-D for gather: a 0-d index into a vector, a vector index into a 0-d
    input (out has the index's shape; the engine returned the 0-d input or refused)."""
    cases = [(2.0, [0, 0]), (2.0, 0), ([1.0, 2.0, 3.0], 1), ([1.0, 2.0, 3.0], [2, 2, 0])]
    for values, index in cases:
        out, _ = matches_pytorch(
            lambda lib, a, i=index: lib.gather(a, 0, lib.tensor(i)), [values], dtype)
        assert out.shape == np.shape(index)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        tg.gather(tg.zeros(2, 3), 0, tg.tensor(1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_prelu_keeps_a_0d_input_0d_and_gives_vectors_one_channel(dtype):
    out, _ = matches_pytorch(lambda lib, x, w: _F(lib).prelu(x, w), [-2.0, [0.25]], dtype)
    assert out.shape == ()
    for lib in (tg, torch):  # a vector has one channel in PyTorch, so two slopes are refused
        with pytest.raises(RuntimeError, match="channel size = 1"):
            _F(lib).prelu(lib.tensor([1.0, -1.0]), lib.tensor([0.25, 0.5]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_norm_below_p_1_at_zero_entries_has_gradient_zero(dtype):
    """p|x|ᵖ⁻¹ is ∞ at 0 for p < 1: PyTorch's gradient there is 0 (it was NaN here)."""
    for p in (0.5, 0.25, 1.5):
        _, (grad,) = matches_pytorch(lambda lib, x, q=p: x.norm(p=q), [[0.0, -1.0, 2.0, 0.0]],
                                     dtype)
        assert grad[0] == grad[3] == 0.0
        _, (grad,) = matches_pytorch(lambda lib, x, q=p: x.norm(p=q), [0.0], dtype)
        assert grad == 0.0
