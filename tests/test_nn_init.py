"""nn.init against PyTorch's formulas: gains, fans, the bounds and spreads of the draws,
in-place filling of Parameters outside no_grad, and repeatability under a seed or a Generator.

Our random stream is not PyTorch's, so draws are compared by their distribution: the bound
(computed here by hand from the formula, and checked against PyTorch's own draws) is never
exceeded, and a large sample fills it with the right mean and variance.
"""

import math
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu
import tinygrad_edu.nn as nn
from tinygrad_edu.nn import init

NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu",
                  "leaky_relu", "selu"]


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_matches_pytorch(nonlinearity):
    assert init.calculate_gain(nonlinearity) == torch.nn.init.calculate_gain(nonlinearity)


@pytest.mark.parametrize("slope", [0, 0.2, 1, math.sqrt(5)])
def test_leaky_relu_gain_matches_pytorch(slope):
    assert init.calculate_gain("leaky_relu", slope) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", slope), rel=1e-15)


def test_calculate_gain_errors_match_pytorch():
    for module in (init, torch.nn.init):
        with pytest.raises(ValueError, match="Unsupported nonlinearity"):
            module.calculate_gain("swish")
        with pytest.raises(ValueError, match="not a valid number"):
            module.calculate_gain("leaky_relu", "steep")


@pytest.mark.parametrize("shape", [(3, 5), (7, 1), (4, 3, 2), (6, 2, 3, 3)])
def test_fan_in_and_fan_out_match_pytorch(shape):
    ours = init._calculate_fan_in_and_fan_out(tinygrad_edu.zeros(shape))
    theirs = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    assert ours == theirs


def test_fan_needs_two_dimensions():
    for lib, module in ((tinygrad_edu, init), (torch, torch.nn.init)):
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            module._calculate_fan_in_and_fan_out(lib.zeros(5))
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            module.xavier_uniform_(lib.zeros(5))


def big_weight(shape=(300, 400)):
    return nn.Parameter(tinygrad_edu.empty(shape))


def check_uniform(values, bound):
    """values fill U(−bound, bound): inside it, reaching both ends, mean 0, variance b²/3.

    The bound is compared in the values' own dtype: a float32 weight holds the bound rounded
    to float32, and a draw just under the exact bound may round to it.
    """
    assert np.all(np.abs(values) <= values.dtype.type(bound))
    values = values.ravel().astype(np.float64)
    assert values.min() < -0.99 * bound and values.max() > 0.99 * bound
    assert abs(values.mean()) < 5 * bound / math.sqrt(3 * values.size)
    assert abs(values.var() / (bound ** 2 / 3) - 1) < 0.02


def check_normal(values, mean, std):
    values = values.ravel().astype(np.float64)
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(values.size)
    assert abs(values.std() / std - 1) < 0.02
    # about 68% within one standard deviation, as a normal distribution has
    assert abs(np.mean(np.abs(values - mean) < std) - 0.6827) < 0.01


@pytest.mark.parametrize("a,mode,nonlinearity", [
    (0, "fan_in", "leaky_relu"), (math.sqrt(5), "fan_in", "leaky_relu"),
    (0, "fan_out", "relu"), (0.1, "fan_in", "tanh"), (0, "FAN_OUT", "linear"),
])
def test_kaiming_uniform_bound(a, mode, nonlinearity):
    weight = big_weight()
    fan = 400 if mode.lower() == "fan_in" else 300
    bound = init.calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    result = init.kaiming_uniform_(weight, a=a, mode=mode, nonlinearity=nonlinearity)
    assert result is weight
    check_uniform(weight.detach().numpy(), bound)
    # PyTorch's own draws stay inside the same hand-computed bound
    theirs = torch.nn.init.kaiming_uniform_(torch.empty(300, 400), a=a, mode=mode,
                                            nonlinearity=nonlinearity)
    assert theirs.abs().max().item() <= np.float32(bound)
    assert theirs.abs().max().item() > 0.99 * bound


def test_kaiming_uniform_defaults_are_pytorchs():
    tinygrad_edu.manual_seed(5)
    default = init.kaiming_uniform_(big_weight()).detach().numpy().copy()
    tinygrad_edu.manual_seed(5)
    explicit = init.kaiming_uniform_(big_weight(), a=0, mode="fan_in",
                                     nonlinearity="leaky_relu").detach().numpy()
    np.testing.assert_array_equal(default, explicit)
    # a = 0 is the leaky_relu slope: gain √2, bound √(6 / fan_in) (He et al.)
    check_uniform(default, math.sqrt(6.0 / 400))
    theirs = torch.nn.init.kaiming_uniform_(torch.empty(300, 400))
    assert math.sqrt(6.0 / 400) * 0.99 < theirs.abs().max().item() <= np.float32(
        math.sqrt(6.0 / 400))


def test_kaiming_normal_spread():
    weight = big_weight()
    init.kaiming_normal_(weight, mode="fan_out", nonlinearity="relu")
    check_normal(weight.detach().numpy(), 0.0, math.sqrt(2.0) / math.sqrt(300))


@pytest.mark.parametrize("gain", [1.0, 5.0 / 3])
def test_xavier_uniform_bound(gain):
    weight = big_weight()
    init.xavier_uniform_(weight, gain=gain)
    bound = gain * math.sqrt(6.0 / (300 + 400))
    check_uniform(weight.detach().numpy(), bound)
    theirs = torch.nn.init.xavier_uniform_(torch.empty(300, 400), gain=gain)
    assert theirs.abs().max().item() <= np.float32(bound)


def test_xavier_normal_spread():
    weight = big_weight()
    init.xavier_normal_(weight, gain=2.0)
    check_normal(weight.detach().numpy(), 0.0, 2.0 * math.sqrt(2.0 / 700))


def test_uniform_and_normal_fill_with_the_asked_distribution():
    weight = big_weight()
    init.uniform_(weight, -0.3, 0.3)
    check_uniform(weight.detach().numpy(), 0.3)
    init.uniform_(weight)  # default U(0, 1)
    values = weight.detach().numpy()
    assert values.min() >= 0 and values.max() <= 1 and abs(values.mean() - 0.5) < 0.01
    init.normal_(weight, mean=2.0, std=0.5)
    check_normal(weight.detach().numpy(), 2.0, 0.5)


def test_constant_zeros_ones():
    weight = nn.Parameter(tinygrad_edu.empty(3, 4))
    assert init.constant_(weight, 0.25) is weight
    assert np.all(weight.detach().numpy() == 0.25)
    init.zeros_(weight)
    assert np.all(weight.detach().numpy() == 0)
    init.ones_(weight)
    assert np.all(weight.detach().numpy() == 1)


@pytest.mark.parametrize("fill", [
    lambda w: init.uniform_(w), lambda w: init.normal_(w), lambda w: init.zeros_(w),
    lambda w: init.ones_(w), lambda w: init.constant_(w, 3.0), lambda w: init.kaiming_uniform_(w),
    lambda w: init.kaiming_normal_(w), lambda w: init.xavier_uniform_(w),
    lambda w: init.xavier_normal_(w),
])
def test_init_fills_a_parameter_in_place_without_recording(fill):
    layer = nn.Linear(4, 3)
    weight = layer.weight
    assert tinygrad_edu.is_grad_enabled()
    result = fill(weight)  # outside no_grad, as a learner calls it
    assert result is weight and layer.weight is weight
    assert weight.requires_grad and weight.is_leaf and weight.grad_fn is None
    assert tinygrad_edu.is_grad_enabled()
    layer(tinygrad_edu.ones(2, 4)).sum().backward()  # still trains
    assert weight.grad is not None and weight.grad.shape == (3, 4)


def test_generator_keyword_gives_repeatable_draws_and_leaves_the_default_stream():
    tinygrad_edu.manual_seed(0)
    expected_next = tinygrad_edu.rand(3).tolist()
    tinygrad_edu.manual_seed(0)
    draws = []
    for _ in range(2):
        g = tinygrad_edu.Generator().manual_seed(123)
        w = big_weight((20, 30))
        init.kaiming_uniform_(w, generator=g)
        init.xavier_uniform_(w, generator=g)
        init.uniform_(w, -1, 1, generator=g)
        init.normal_(w, generator=g)
        draws.append(w.detach().numpy().copy())
    np.testing.assert_array_equal(draws[0], draws[1])
    assert tinygrad_edu.rand(3).tolist() == expected_next  # the default stream was not used


def test_manual_seed_makes_init_repeatable():
    def draw():
        w = big_weight((10, 10))
        init.kaiming_uniform_(w)
        return w.detach().numpy().copy()

    tinygrad_edu.manual_seed(7)
    first = draw()
    tinygrad_edu.manual_seed(7)
    np.testing.assert_array_equal(first, draw())
    assert not np.array_equal(first, draw())  # the stream moves on


def test_zero_element_tensor_is_a_no_op_with_a_warning():
    for lib, module in ((tinygrad_edu, init), (torch, torch.nn.init)):
        with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
            module.kaiming_uniform_(lib.empty(0, 3))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="Mode fan_sideways not supported"):
        init.kaiming_uniform_(big_weight((3, 3)), mode="fan_sideways")
    with pytest.raises(ValueError, match="Mode fan_sideways not supported"):
        torch.nn.init.kaiming_uniform_(torch.empty(3, 3), mode="fan_sideways")
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.uniform_(np.zeros(3))
    with pytest.raises(TypeError, match="floating point"):
        init.normal_(tinygrad_edu.zeros(3, dtype=tinygrad_edu.int64))
    with pytest.raises(TypeError, match="Generator"):
        init.uniform_(big_weight((2, 2)), generator=np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no stray warnings from a normal call
        init.xavier_uniform_(big_weight((2, 2)))
