"""tinygrad_edu.testing itself: the strategies give what they promise, gradcheck is sound."""

import subprocess
import sys

import numpy as np
import pytest
import torch  # noqa: F401  (the oracle must be installed for the suite; never skipped)
from hypothesis import find, given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import testing

# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------


@given(testing.shapes(min_dims=1, max_dims=3, min_side=2, max_side=5))
def test_shapes_respect_their_bounds(shape):
    assert 1 <= len(shape) <= 3 and all(2 <= s <= 5 for s in shape)


@given(testing.broadcastable_shapes(num_shapes=3))
def test_broadcastable_shapes_really_broadcast(shapes):
    result = np.broadcast_shapes(*shapes)
    # NumPy's broadcasting of actual arrays agrees (not only the shape rule).
    total = sum(np.zeros(s) for s in shapes)
    assert np.shape(total) == result


def test_broadcastable_shapes_cover_every_rule():
    pairs = testing.broadcastable_shapes()
    find(pairs, lambda p: len(p[0]) != len(p[1]))                      # different ranks
    find(pairs, lambda p: () in p)                                     # a 0-d operand
    find(pairs, lambda p: any(a == 1 != b for a, b in zip(p[0][::-1], p[1][::-1])))  # 1 stretched
    find(pairs, lambda p: any(b == 1 != a for a, b in zip(p[0][::-1], p[1][::-1])))


@given(st.data())
def test_broadcastable_with_a_given_shape(data):
    shape = data.draw(testing.shapes())
    other = data.draw(testing.broadcastable_with(shape))
    np.broadcast_shapes(shape, other)  # raises if they do not broadcast


@given(testing.matmul_shapes())
def test_matmul_shapes_are_valid_for_numpy_and_the_engine(shapes):
    a, b = shapes
    expected = np.matmul(np.ones(a), np.ones(b)).shape
    assert tg.ones(a) @ tg.ones(b) is not None
    assert tuple((tg.ones(a) @ tg.ones(b)).shape) == expected


def test_matmul_shapes_cover_vectors_and_broadcast_batches():
    strategy = testing.matmul_shapes()
    find(strategy, lambda p: len(p[0]) == 1 and len(p[1]) == 1)
    find(strategy, lambda p: len(p[0]) == 1 and len(p[1]) >= 3)
    find(strategy, lambda p: len(p[0]) >= 3 and len(p[1]) == 1)
    find(strategy, lambda p: len(p[0]) >= 3 and len(p[1]) >= 3 and p[0][:-2] != p[1][:-2])


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(testing.DOMAINS))
@pytest.mark.parametrize("width", [32, 64])
@given(data=st.data())
def test_domain_floats_stay_in_their_domain(name, width, data):
    x = data.draw(testing.domain_floats(name, width=width))
    assert np.isfinite(x)
    assert testing.DOMAINS[name].contains(x), f"{x!r} is outside {name}"
    if width == 32:
        assert float(np.float32(x)) == x  # exactly representable


def test_domains_keep_away_from_kinks_and_poles():
    assert find(testing.domain_floats("real"), lambda x: x == 0) == 0  # exact zeros drawn
    for name in ("positive", "nonzero", "away_from_kinks"):
        closest = find(testing.domain_floats(name), lambda x: abs(x) < 2e-3)
        assert abs(closest) >= 1e-3
    assert abs(find(testing.domain_floats("real"), lambda x: abs(x) >= 1e3)) == 1e3  # large
    assert testing.domain("real", 4).intervals == ((-4.0, 4.0),)
    with pytest.raises(ValueError, match="unknown domain 'reals'"):
        testing.domain("reals")


def test_negative_zero_is_drawn_unless_excluded():
    real = testing.DOMAINS["real"]
    find(testing.domain_floats(real), lambda x: x == 0 and np.signbit(x))


@given(testing.domain_floats(testing.DOMAINS["real"].without_negative_zero()))
def test_without_negative_zero(x):
    assert not (x == 0 and np.signbit(x))


@given(testing.arrays((2, 3), np.float32, domain="positive"))
def test_arrays_have_the_shape_dtype_and_domain(x):
    assert x.shape == (2, 3) and x.dtype == np.float32 and (x >= 1e-3).all()


@given(testing.arrays((4,), np.float32, elements=st.floats(-1, 1)))
def test_arrays_round_custom_elements_to_the_dtype(x):
    assert x.dtype == np.float32 and (np.abs(x) <= 1).all()


@given(testing.safe_values("away_from_kinks", (3, 2), np.float64))
def test_safe_values(x):
    assert x.shape == (3, 2) and (np.abs(x) >= 1e-3).all()


@given(testing.spaced_arrays([(3, 2), (4,), ()], "moderate"))
def test_spaced_arrays_never_tie_and_never_touch_the_grid(arrays):
    assert [a.shape for a in arrays] == [(3, 2), (4,), ()]
    values = np.sort(np.concatenate([a.ravel() for a in arrays]))
    assert (np.diff(values) >= 1 / 64).all()
    distance_to_grid = np.abs(values * 64 - np.round(values * 64)) / 64
    assert (distance_to_grid >= 1 / 128 - 1e-12).all() and (np.abs(values) <= 10).all()


# --------------------------------------------------------------------------------------------
# gradcheck
# --------------------------------------------------------------------------------------------

@given(testing.safe_values("positive", (2, 3), max_magnitude=10),
       testing.arrays((3,), domain="moderate"))
def test_gradcheck_passes_on_correct_ops(x, y):
    a = tg.tensor(x, requires_grad=True)
    b = tg.tensor(y, requires_grad=True)
    assert testing.gradcheck(lambda s, t: s.log() * t + (s @ t)[:, None], (a, b))


def test_gradcheck_converts_float32_inputs_to_float64_copies():
    x = tg.tensor([[0.5, -1.25], [2.0, 3.0]], requires_grad=True)  # float32
    seen = []

    def fn(t):
        seen.append(t.dtype)
        return t.tanh() * t

    assert testing.gradcheck(fn, x)
    assert set(seen) == {tg.float64}
    assert x.dtype == tg.float32 and x.grad is None  # the caller's tensor is untouched


def test_gradcheck_handles_several_outputs_and_ignores_integer_ones():
    x = tg.tensor(np.array([[1.0, 3.0, 2.0], [0.5, -1.0, 4.0]]), requires_grad=True)
    assert testing.gradcheck(lambda t: t.max(dim=1), x)  # (values, int64 indices)
    assert testing.gradcheck(lambda t: (t.exp(), t.sum()), x)


def test_gradcheck_detects_a_wrong_builtin_rule_through_a_custom_function():
    class SinWithCosineSignFlipped(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return -grad * x.cos()

    x = tg.tensor([0.3, 1.1], dtype=tg.float64, requires_grad=True)
    with pytest.raises(AssertionError, match=r"input 0 .* index \(0,\).*analytic.*numeric"):
        testing.gradcheck(SinWithCosineSignFlipped.apply, (x,))


def test_gradcheck_refuses_inputs_without_grad_and_bad_outputs():
    with pytest.raises(ValueError, match="no input .* requires_grad"):
        testing.gradcheck(lambda t: t * 2, tg.tensor([1.0]))
    x = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="must return a Tensor"):
        testing.gradcheck(lambda t: 3.0, x)


def test_importing_the_engine_does_not_import_testing_or_hypothesis():
    code = ("import sys, tinygrad_edu; "
            "print('tinygrad_edu.testing' in sys.modules, 'hypothesis' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
