"""Every primitive op against PyTorch and against finite differences, driven by op_specs.

For each spec in op_specs.SPECS, with Hypothesis drawing shapes (broadcasting pairs, size-1
sides, 0-d, 1-D matmul operands, batches), values (exact zeros, ties, large magnitudes where
the op's domain allows) and the op's extra arguments:

(a) the forward value equals PyTorch's, in float32 and float64 (NaN and ±inf in the same
    places, dtype and shape equal);
(b) every input gradient equals PyTorch's for a random upstream gradient G, i.e. after
    ``(out * G).sum().backward()`` on both sides, in float32 and float64;
(c) ``tinygrad_edu.testing.gradcheck`` passes in float64 (at smooth points).

The hand-written tests at the end pin the gradients at kinks and ties against PyTorch.
"""

import re
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import autograd, testing
from tinygrad_edu.primitives import PRIMITIVES

from op_specs import GRAD_DOMAIN, SPECS, assert_close

SPEC_LIST = [SPECS[name] for name in sorted(SPECS)]
DTYPES = ["float32", "float64"]


def test_every_primitive_has_exactly_one_spec():
    missing = sorted(set(PRIMITIVES) - set(SPECS))
    unknown = sorted(set(SPECS) - set(PRIMITIVES))
    assert not missing, f"ops without a spec in tests/op_specs.py: {missing}"
    assert not unknown, f"specs naming no primitive in tinygrad_edu.primitives.PRIMITIVES: {unknown}"


@pytest.mark.parametrize("spec", SPEC_LIST, ids=lambda s: s.name)
@given(data=st.data())
def test_a_spec_applies_to_an_existing_value(spec, data):
    refused = apply_to_an_existing_value(spec, data)
    assert refused is None or (spec.name in ("matmul", "linear", "cat") and refused == ())


def apply_to_an_existing_value(spec, data):
    """What a program generator does: take a value of any shape, ask the spec for partners and
    arguments, run the op (its output shapes must be PyTorch's), or learn that the op cannot
    take that shape: that shape is returned (None when the op ran)."""
    shape = data.draw(testing.shapes(), label="existing value's shape")
    strategy = spec.shapes_from(shape)
    if strategy is None:
        return shape
    shapes = data.draw(strategy, label="shapes")
    assert shapes[0] == shape and (len(shapes) == spec.arity or spec.variadic)
    args = spec.args_for(data.draw, shapes)
    tensors = [tg.tensor(np.ones(s)) for s in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. var's N ≤ correction, kl_div's 'mean'
        expected = _as_list(spec.torch(*[torch.ones(s, dtype=torch.float64) for s in shapes],
                                       **args))
        got = _as_list(spec.engine(*tensors, **args))
    assert [tuple(o.shape) for o in got] == [tuple(t.shape) for t in expected]
    return None


# --------------------------------------------------------------------------------------------
# Helpers: run both sides, compare
# --------------------------------------------------------------------------------------------

def _as_list(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _torch_dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def assert_same(actual, expected, rtol, atol, scale, what):
    """actual equals expected (both ndarrays) as assert_close judges, allowing
    atol·scale + rtol·|expected| at each finite entry."""
    expected = np.asarray(expected)
    # 0 · inf where expected is ±inf gives NaN quietly: assert_close matches those by pattern
    with np.errstate(invalid="ignore"):
        allowed = atol * scale + rtol * np.abs(expected.astype(np.float64))
    assert_close(actual, expected, allowed, what)


def run_both(spec, arrays, args, requires_grad):
    ours = [tg.tensor(a, requires_grad=requires_grad) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=requires_grad) for a in arrays]
    return ours, _as_list(spec.engine(*ours, **args)), theirs, _as_list(spec.torch(*theirs,
                                                                                   **args))


def describe(spec, dtype, arrays, args):
    return (f"{spec.name} [{dtype}] shapes {[a.shape for a in arrays]} args {args}")


# --------------------------------------------------------------------------------------------
# (a) forward, (b) gradients, (c) gradcheck
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", SPEC_LIST, ids=lambda s: s.name)
@given(data=st.data())
def test_forward_matches_pytorch(spec, dtype, data):
    check_forward(spec, dtype, *data.draw(spec.example(dtype), label="case"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", SPEC_LIST, ids=lambda s: s.name)
@given(data=st.data())
def test_gradients_match_pytorch(spec, dtype, data):
    check_gradients(spec, dtype, *data.draw(spec.example(dtype), label="case"), data)


def check_forward(spec, dtype, arrays, args):
    """(a) for one drawn case (test_composition_properties runs it too)."""
    _, ours, _, theirs = run_both(spec, arrays, args, requires_grad=False)
    rtol, atol = spec.tolerances[dtype]
    expected_arrays = [t.numpy() for t in theirs]
    scale = spec.forward_scale(spec, arrays, args, expected_arrays)
    assert len(ours) == len(theirs)
    for k, (o, t) in enumerate(zip(ours, theirs)):
        what = f"{describe(spec, dtype, arrays, args)} output {k}"
        assert o.dtype.name == _torch_dtype_name(t), \
            f"{what}: dtype {o.dtype.name}, PyTorch gives {t.dtype}"
        assert_same(o.numpy(), t.numpy(), rtol, atol, scale, what)


def check_gradients(spec, dtype, arrays, args, data):
    """(b) for one drawn case, with G drawn from data."""
    ours_in, ours, theirs_in, theirs = run_both(spec, arrays, args, requires_grad=True)
    # Float outputs only (max(dim) also returns integer indices); one G per output.
    pairs = [(o, t) for o, t in zip(ours, theirs) if t.dtype.is_floating_point]
    grads_out = [data.draw(testing.arrays(tuple(t.shape), np.dtype(_torch_dtype_name(t)),
                                          domain=GRAD_DOMAIN), label="G") for _, t in pairs]
    loss_ours = sum((o * tg.tensor(g)).sum() for (o, _), g in zip(pairs, grads_out))
    loss_theirs = sum((t * torch.tensor(g)).sum() for (_, t), g in zip(pairs, grads_out))
    loss_ours.backward()
    loss_theirs.backward()

    rtol, atol = spec.tolerances[dtype]
    scales = spec.grad_scales(spec, arrays, args, grads_out)
    for i, (x, y) in enumerate(zip(ours_in, theirs_in)):
        what = f"{describe(spec, dtype, arrays, args)} gradient of input {i}"
        if y.grad is None:
            assert x.grad is None, f"{what}: PyTorch gives no gradient, we give one"
            continue
        assert x.grad is not None, f"{what}: PyTorch gives a gradient, we give None"
        assert x.grad.dtype.name == dtype, f"{what}: dtype {x.grad.dtype.name}"
        assert_same(x.grad.numpy(), y.grad.numpy(), rtol, atol, scales[i], what)


@pytest.mark.parametrize("spec", SPEC_LIST, ids=lambda s: s.name)
@given(data=st.data())
def test_gradcheck_float64(spec, data):
    arrays, args = data.draw(spec.example(np.float64, gradcheck=True), label="case")
    inputs = tuple(tg.tensor(a, requires_grad=True) for a in arrays)
    assert testing.gradcheck(lambda *ts: spec.engine(*ts, **args), inputs,
                             **spec.gradcheck_options)


# --------------------------------------------------------------------------------------------
# gradcheck must catch a wrong backward
# --------------------------------------------------------------------------------------------

class SquareWithWrongBackward(autograd.Function):
    """x ↦ x², whose backward forgets the factor 2: returns G·x instead of 2·G·x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


class ProductWrongAtOneEntry(autograd.Function):
    """(a, b) ↦ a ⊙ b, whose gradient for b is right except at index (1, 2) where it is 0."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_b = grad * a
        grad_b[1, 2] = 0.0
        return grad * b, grad_b


def _parse_failure(message):
    match = re.search(r"input (\d+) .*at index \(([\d, ]*)\): analytic gradient (\S+) but "
                      r"numeric gradient (\S+?) \(", message)
    assert match, f"gradcheck's message does not name input, index and both values: {message}"
    index = tuple(int(k) for k in match.group(2).split(",") if k.strip())
    return int(match.group(1)), index, float(match.group(3)), float(match.group(4))


def test_gradcheck_catches_a_wrong_custom_function():
    x = tg.tensor([1.5], dtype=tg.float64, requires_grad=True)
    with pytest.raises(testing.GradcheckError) as info:
        testing.gradcheck(SquareWithWrongBackward.apply, (x,))
    assert isinstance(info.value, AssertionError) and isinstance(info.value, RuntimeError)
    i, index, analytic, numeric = _parse_failure(str(info.value))
    assert (i, index) == (0, (0,))
    # The true derivative is twice the one the wrong backward gives (worked out by hand).
    assert numeric == pytest.approx(2 * analytic, rel=1e-6)


def test_gradcheck_names_the_input_and_entry_that_are_wrong():
    rng = np.random.default_rng(1)
    a = tg.tensor(rng.uniform(1, 2, (2, 3)), requires_grad=True)
    b = tg.tensor(rng.uniform(1, 2, (2, 3)), requires_grad=True)
    with pytest.raises(testing.GradcheckError) as info:
        testing.gradcheck(ProductWrongAtOneEntry.apply, (a, b))
    i, index, analytic, numeric = _parse_failure(str(info.value))
    assert (i, index) == (1, (1, 2))
    assert analytic == 0.0 and abs(numeric) > 1e-3
    assert "1 of 6 entries" in str(info.value)
    assert testing.gradcheck(ProductWrongAtOneEntry.apply, (a, b), raise_exception=False) is False
    # With b constant only a is checked, and its gradient is right.
    assert testing.gradcheck(ProductWrongAtOneEntry.apply, (a, b.detach()))


# --------------------------------------------------------------------------------------------
# Kinks and ties, pinned against PyTorch
# --------------------------------------------------------------------------------------------

def both_gradients(fn, arrays, dtype, upstream=None):
    """Forward values and input gradients of fn on both sides for (out * G).sum().backward().

    fn(lib, *tensors) returns a tensor; G is a fixed vector of distinct values (so a gradient
    sent to the wrong entry shows), unless `upstream` is given.
    """
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    results = []
    for lib in (tg, torch):
        tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *tensors)
        g = upstream if upstream is not None else 1.0 + np.arange(out.numel()).reshape(
            tuple(out.shape))
        (out * lib.tensor(np.asarray(g, dtype=dtype))).sum().backward()
        results.append((out.detach().numpy(), [t.grad.numpy() for t in tensors]))
    return results


def assert_matches_pytorch(fn, arrays, dtype, upstream=None):
    (out, grads), (t_out, t_grads) = both_gradients(fn, arrays, dtype, upstream)
    # A few ulps, relative: PyTorch's vectorised pow differs from NumPy's by one on some CPUs
    # (2 ** 0.5 in float64 on an AVX-512 Xeon, measured).  The values at a kink are still held
    # exactly: a 0 allows nothing, ±inf and NaN are matched by pattern.
    assert_same(out, t_out, 4 * np.finfo(dtype).eps, 0, 1, "forward")
    for i, (g, tg_) in enumerate(zip(grads, t_grads)):
        assert_same(g, tg_, 1e-6, 0, 1, f"gradient of input {i}")
    return out, grads


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_and_abs_at_zero(dtype):
    x = [-1.5, 0.0, 2.0]
    for method in ("relu", "abs"):
        _, (grad,) = assert_matches_pytorch(lambda lib, t, m=method: getattr(t, m)(), [x], dtype)
        assert grad[1] == 0.0  # PyTorch's choice at the kink, matched above


@pytest.mark.parametrize("dtype", DTYPES)
def test_sqrt_at_zero(dtype):
    _, (grad,) = assert_matches_pytorch(lambda lib, t: t.sqrt(), [[0.0, 4.0]], dtype)
    assert np.isposinf(grad[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_log1p_at_its_pole(dtype):
    out, (grad,) = assert_matches_pytorch(lambda lib, t: t.log1p(), [[-1.0, -2.0, 0.0]], dtype)
    assert np.isneginf(out[0]) and np.isposinf(grad[0]) and np.isnan(out[1])


@pytest.mark.parametrize("name", ["log1p", "expm1", "erf"])
def test_log1p_expm1_erf_are_as_accurate_as_pytorchs_in_float64(name):
    """Within one rounding (2.3e-16 relative) of PyTorch's float64 values, tiny |x| included,
    where log(1 + x) and exp(x) − 1 would lose every digit: the tolerance of the property
    tests (1e-10) would not see a vectorised approximation of erf that is off by 1e-12."""
    tiny = np.geomspace(1e-300, 1e-1, 400)
    x = np.concatenate([np.linspace(-6, 6, 2001), tiny, -tiny])
    ours = getattr(tg.tensor(x), name)().numpy()
    theirs = getattr(torch.tensor(x), name)().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=2.3e-16, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bounds", [(0.0, 1.0), (0.0, None), (None, 1.0), (0.5, 0.5)])
def test_clamp_at_the_bounds(dtype, bounds):
    lo, hi = bounds
    x = [-1.0, 0.0, 0.5, 1.0, 2.0]
    _, (grad,) = assert_matches_pytorch(lambda lib, t: t.clamp(min=lo, max=hi), [x], dtype)
    for k, v in enumerate(x):
        if v in (lo, hi):
            assert grad[k] != 0  # the gradient passes at a bound


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties(dtype, name):
    a = [1.0, 2.0, 3.0, -0.5]
    b = [1.0, 5.0, 3.0, -0.5]
    _, (ga, gb) = assert_matches_pytorch(lambda lib, x, y: getattr(lib, name)(x, y), [a, b],
                                         dtype)
    assert ga[0] == gb[0] != 0  # a tie splits the gradient evenly
    # Ties under broadcasting: a (2, 1) against b (3,), summed back into both.
    assert_matches_pytorch(lambda lib, x, y: getattr(lib, name)(x, y),
                           [[[1.0], [2.0]], [1.0, 2.0, 0.0]], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["max", "min"])
def test_full_max_min_with_ties_split_evenly(dtype, name):
    x = [[3.0, -1.0, 3.0], [-1.0, 3.0, -1.0]] if name == "max" else \
        [[-3.0, 1.0, -3.0], [1.0, -3.0, 1.0]]
    _, (grad,) = assert_matches_pytorch(lambda lib, t: getattr(t, name)(), [x], dtype,
                                        upstream=np.array(6.0))
    assert np.count_nonzero(grad) == 3 and np.allclose(grad[grad != 0], 2.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_along_dim_with_ties(dtype, name, keepdim):
    x = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0], [1.0, 3.0, 3.0]], dtype=dtype)
    x = x if name == "max" else -x
    for dim in (0, 1, -1):
        (values, grads), (t_values, t_grads) = both_gradients(
            lambda lib, t, d=dim: getattr(t, name)(d, keepdim)[0], [x], dtype)
        assert_same(values, t_values, 0, 0, 1, "values")
        assert_same(grads[0], t_grads[0], 0, 0, 1, "gradient")
        ours = getattr(tg.tensor(x), name)(dim, keepdim)[1].numpy()
        theirs = getattr(torch.tensor(x), name)(dim, keepdim)[1].numpy()
        np.testing.assert_array_equal(ours, theirs)
        # All of a row's gradient goes to the returned index.
        assert np.count_nonzero(grads[0]) == values.size


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_at_zero(dtype):
    x = [0.0, 2.0, -1.0]
    for exponent in (0, 0.0, 1, 2, 0.5, -1):
        out, (grad,) = assert_matches_pytorch(lambda lib, t, p=exponent: t ** p, [x], dtype)
        if exponent == 0:
            assert np.all(out == 1) and np.all(grad == 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_tensor_at_base_zero(dtype):
    base = [0.0, 0.0, 0.0, 0.0, 0.0, 2.0]
    exponent = [0.0, 1.0, 2.0, 0.5, -1.0, 0.0]
    _, (g_base, g_exp) = assert_matches_pytorch(lambda lib, a, b: a ** b, [base, exponent],
                                                dtype)
    assert g_base[0] == 0 and g_exp[0] == 0  # 0 ** 0: no gradient to either, as PyTorch
