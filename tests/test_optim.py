"""tinygrad_edu.optim against torch.optim: same weights, same data, same losses step by step.

The model is the seed's: 2 inputs → 10 hidden units (ReLU) → 1 output, MSE loss, on the seed's
data recipe (y = 0.5·x₀² + 1.5·x₁ + 2 + noise). It is written with plain tensors, so the same
function trains a tinygrad_edu model and a PyTorch model; only the library differs.
"""

import math

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.__main__ import SimpleNN

from seed_network import torch_twin



# ----- the seed's model and data, for either library -------------------------------------------

def seed_data(n=200, seed=42):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2)) * 2
    y = 0.5 * X[:, 0] ** 2 + 1.5 * X[:, 1] + 2.0 + rng.standard_normal(n) * 0.5
    return X.astype(np.float32), y.reshape(-1, 1).astype(np.float32)


def initial_weights(hidden=10, seed=0):
    """PyTorch's default Linear initialisation U(-1/√in, 1/√in), drawn once with NumPy."""
    rng = np.random.default_rng(seed)

    def uniform(shape, fan_in):
        bound = 1 / math.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    return {"layer1.weight": uniform((hidden, 2), 2), "layer1.bias": uniform((hidden,), 2),
            "layer2.weight": uniform((1, hidden), hidden), "layer2.bias": uniform((1,), hidden)}


def make_params(lib, weights, dtype=np.float32):
    return {k: lib.tensor(v.astype(dtype), requires_grad=True) for k, v in weights.items()}


def forward(p, X):
    hidden = (X @ p["layer1.weight"].T + p["layer1.bias"]).relu()
    return hidden @ p["layer2.weight"].T + p["layer2.bias"]


def mse(pred, y):
    return ((pred - y) ** 2).mean()


def train(lib, make_optimizer, steps, weights=None, dtype=np.float32, sign=1.0, params=None,
          optimizer=None):
    """Full-batch training; returns (losses, params, optimizer). sign=-1 maximizes −loss."""
    X, y = seed_data()
    X, y = lib.tensor(X.astype(dtype)), lib.tensor(y.astype(dtype))
    if params is None:
        params = make_params(lib, weights if weights is not None else initial_weights(), dtype)
    if optimizer is None:
        optimizer = make_optimizer(lib, params)
    losses = []
    for _ in range(steps):
        loss = mse(forward(params, X), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        (sign * loss).backward()
        optimizer.step()
    return losses, params, optimizer


def assert_losses_match(ours, theirs, rel=1e-4):
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert abs(a - b) <= rel * abs(b), f"step {step}: ours {a!r}, PyTorch {b!r}"


def as_numpy(params):
    return {k: v.detach().numpy().copy() for k, v in params.items()}


def plist(params):
    return list(params.values())


CONFIGS = {
    "sgd": (200, lambda lib, p: lib.optim.SGD(plist(p), lr=0.01)),
    "adam": (100, lambda lib, p: lib.optim.Adam(plist(p), lr=0.01)),
    "sgd-momentum": (100, lambda lib, p: lib.optim.SGD(plist(p), lr=0.01, momentum=0.9)),
    "sgd-nesterov": (50, lambda lib, p: lib.optim.SGD(plist(p), lr=0.005, momentum=0.9,
                                                      nesterov=True)),
    "sgd-weight-decay": (50, lambda lib, p: lib.optim.SGD(plist(p), lr=0.01, momentum=0.5,
                                                          weight_decay=0.05)),
    "sgd-dampening": (50, lambda lib, p: lib.optim.SGD(plist(p), lr=0.01, momentum=0.9,
                                                       dampening=0.3)),
    "adam-weight-decay": (50, lambda lib, p: lib.optim.Adam(plist(p), lr=0.01,
                                                            weight_decay=0.1)),
    "adam-decoupled-weight-decay": (50, lambda lib, p: lib.optim.Adam(
        plist(p), lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),  # AdamW's rule
    "adam-amsgrad-betas": (50, lambda lib, p: lib.optim.Adam(plist(p), lr=0.02,
                                                             betas=(0.8, 0.99), eps=1e-6,
                                                             amsgrad=True)),
    "rmsprop": (100, lambda lib, p: lib.optim.RMSprop(plist(p), lr=0.001)),
    "rmsprop-momentum-centered": (50, lambda lib, p: lib.optim.RMSprop(
        plist(p), lr=0.001, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_losses_match_pytorch_every_step(name):
    steps, make = CONFIGS[name]
    ours, our_params, _ = train(tg, make, steps)
    theirs, their_params, _ = train(torch, make, steps)
    assert_losses_match(ours, theirs)
    assert ours[-1] < ours[0]  # it trained
    for k in our_params:
        np.testing.assert_allclose(as_numpy(our_params)[k], as_numpy(their_params)[k],
                                   rtol=1e-3, atol=1e-5, err_msg=k)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_update_equations_match_pytorch_in_float64(name):
    """In float64 the only differences left are rounding: the equations are the same."""
    _, make = CONFIGS[name]
    ours, our_params, _ = train(tg, make, 15, dtype=np.float64)
    theirs, their_params, _ = train(torch, make, 15, dtype=np.float64)
    assert_losses_match(ours, theirs, rel=1e-11)
    for k in our_params:
        assert our_params[k].dtype == tg.float64
        np.testing.assert_allclose(as_numpy(our_params)[k], as_numpy(their_params)[k],
                                   rtol=1e-10, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("make", [
    lambda lib, p: lib.optim.SGD(plist(p), lr=0.01, momentum=0.9, maximize=True),
    lambda lib, p: lib.optim.Adam(plist(p), lr=0.01, maximize=True),
])
def test_maximize_climbs_the_negated_loss_as_pytorch(make):
    ours, _, _ = train(tg, make, 30, sign=-1.0)
    theirs, _, _ = train(torch, make, 30, sign=-1.0)
    assert_losses_match(ours, theirs)
    assert ours[-1] < ours[0]


def test_param_groups_with_their_own_hyperparameters_match_pytorch():
    def make(lib, p):
        return lib.optim.SGD([
            {"params": [p["layer1.weight"], p["layer1.bias"]], "lr": 0.02, "momentum": 0.9},
            {"params": [p["layer2.weight"], p["layer2.bias"]]},
        ], lr=0.01)

    ours, _, opt = train(tg, make, 60)
    theirs, _, _ = train(torch, make, 60)
    assert_losses_match(ours, theirs)
    assert opt.param_groups[0]["lr"] == 0.02 and opt.param_groups[0]["momentum"] == 0.9
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0


def _losses_with_a_new_rate(lib, make_optimizer, steps, new_rate):
    """The seed's losses for `steps` steps, group['lr'] set to new_rate(lib) halfway."""
    X, y = (lib.tensor(a) for a in seed_data())
    params = make_params(lib, initial_weights())
    opt = make_optimizer(lib, plist(params))
    losses = []
    for step in range(steps):
        if step == steps // 2:
            for group in opt.param_groups:
                group["lr"] = new_rate(lib)
        loss = mse(forward(params, X), y)
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return losses


def test_changing_lr_in_a_group_takes_effect_as_in_pytorch():
    results = [_losses_with_a_new_rate(lib, lambda lib, p: lib.optim.Adam(p, lr=0.02), 40,
                                       lambda lib: 0.002) for lib in (tg, torch)]
    assert_losses_match(*results)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
@pytest.mark.parametrize("form", ["a 0-d tensor", "a NumPy float"])
def test_a_learning_rate_given_as_a_tensor_or_numpy_number_works_as_in_pytorch(name, form):
    """lr=torch.tensor(0.02) at construction, and group['lr'] = torch.tensor(0.002) between
    steps (NumPy's ufunc refused the tensor inside step, naming neither)."""
    def rate(lib, value):
        return lib.tensor(value, dtype=lib.float64) if form == "a 0-d tensor" else np.float64(value)
    results = [_losses_with_a_new_rate(
        lib, lambda lib, p: getattr(lib.optim, name)(p, lr=rate(lib, 0.02)), 30,
        lambda lib: rate(lib, 0.002)) for lib in (tg, torch)]
    assert_losses_match(*results)
    assert results[0][29] != results[0][15]  # it trained on


@pytest.mark.parametrize("bad", ["0.01", None, [0.01]])
def test_a_learning_rate_set_between_steps_to_a_non_number_is_named(bad):
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.param_groups[0]["lr"] = bad
    with pytest.raises(TypeError, match=r"SGD: learning rate \(lr\) must be a number, got"):
        opt.step()


# ----- in place, same objects, dtype ----------------------------------------------------------

@pytest.mark.parametrize("make", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                                  lambda p: optim.Adam(p, lr=0.1)])
@pytest.mark.parametrize("dtype", [tg.float32, tg.float64])
def test_step_updates_in_place_keeping_objects_and_dtype(make, dtype):
    w = tg.randn(3, 4, dtype=dtype, requires_grad=True)
    storage = w.detach().numpy()
    before = storage.copy()
    opt = make([w])
    (w * w).sum().backward()
    opt.step()
    assert opt.param_groups[0]["params"][0] is w
    assert w.detach().numpy() is storage  # the same array, changed in place
    assert not np.array_equal(storage, before)
    assert w.dtype == dtype and w.requires_grad and w.is_leaf and w.grad_fn is None
    for value in opt.state[w].values():
        if value.ndim:
            assert value.dtype == dtype and value.shape == w.shape


def test_parameters_without_gradient_are_left_alone():
    a = tg.randn(3, requires_grad=True)
    b = tg.randn(3, requires_grad=True)
    b_before = b.detach().numpy().copy()
    opt = optim.Adam([a, b], lr=0.1)
    (a * 2).sum().backward()
    opt.step()
    np.testing.assert_array_equal(b.detach().numpy(), b_before)
    assert b not in opt.state or not opt.state[b]
    assert set(opt.state_dict()["state"]) == {0}


def test_step_counts_as_an_in_place_change_for_saved_tensors():
    """As PyTorch: a graph that saved w before the step refuses to backward after it."""
    w = tg.randn(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    first = (w * w).sum()
    (w * 3).sum().backward()
    opt.step()
    with pytest.raises(RuntimeError):
        first.backward()


def test_step_with_closure_returns_its_loss():
    w = tg.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with tg.no_grad():
        loss = opt.step(closure)  # the closure records even when called inside no_grad
    assert loss.item() == pytest.approx(5.0)
    np.testing.assert_allclose(w.detach().numpy(), [1.0 - 0.1 * 2.0, -2.0 + 0.1 * 4.0],
                               rtol=1e-6)


def test_zero_grad_sets_to_none_by_default_or_zeros():
    w = tg.randn(2, 2, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((2, 2), np.float32))
    opt.zero_grad()
    assert w.grad is None


# ----- param groups -------------------------------------------------------------------------

def test_param_groups_are_dicts_with_defaults_filled_in():
    a, b = tg.randn(2, requires_grad=True), tg.randn(2, requires_grad=True)
    opt = optim.Adam([a], lr=0.01, betas=(0.8, 0.9))
    opt.add_param_group({"params": b, "lr": 0.5})
    assert len(opt.param_groups) == 2
    g0, g1 = opt.param_groups
    assert g0["params"] == [a] and g1["params"][0] is b
    assert g1["lr"] == 0.5 and g1["betas"] == (0.8, 0.9) and g1["eps"] == 1e-8
    assert g0["amsgrad"] is False and g0["maximize"] is False
    torch_opt = torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=0.01,
                                 betas=(0.8, 0.9))
    torch_group = torch_opt.param_groups[0]
    assert list(torch_group) == list(g0)  # every key PyTorch keeps, in its order
    for key, value in g0.items():
        if key != "params":
            assert torch_group[key] == value, key


@pytest.mark.parametrize("make", [
    lambda lib, p: lib.optim.SGD(p, lr=0.01, momentum=0.9, foreach=False),
    lambda lib, p: lib.optim.Adam(p, amsgrad=True, fused=False, capturable=True),
    lambda lib, p: lib.optim.RMSprop(p, 0.01, 0.9, 1e-6, 0, 0.5, True, False, None, True),
    lambda lib, p: lib.optim.Adam([{"params": p[:1]}, {"params": p[1:], "lr": 0.5}])])
def test_repr_shows_each_group_as_pytorch(make):
    """print(optimizer): every key of every group, PyTorch's implementation choices (foreach,
    fused, capturable) included, as PyTorch prints them."""
    ours = repr(make(tg, [tg.zeros(1, requires_grad=True), tg.zeros(2, requires_grad=True)]))
    theirs = repr(make(torch, [torch.zeros(1, requires_grad=True),
                               torch.zeros(2, requires_grad=True)]))
    assert ours == theirs


@pytest.mark.parametrize("cls", ["SGD", "Adam", "RMSprop"])
def test_differentiable_steps_are_refused_clearly(cls):
    with pytest.raises(NotImplementedError, match="differentiable=True.*not in the engine"):
        getattr(optim, cls)([tg.zeros(1, requires_grad=True)], differentiable=True)


def test_named_parameters_are_taken_as_pytorch_takes_them():
    """optim.SGD(model.named_parameters(), …): the names kept as each group's param_names,
    the training the same; names in some groups and not in others refused, as in PyTorch."""
    runs = []
    for lib in (tg, torch):
        lib.manual_seed(0)
        model = lib.nn.Linear(2, 1)
        with lib.no_grad():
            model.weight.copy_(lib.tensor([[0.5, -1.0]]))
            model.bias.fill_(0.25)
        opt = lib.optim.SGD(model.named_parameters(), lr=0.1, momentum=0.9)
        X, y = lib.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]), lib.tensor([[1.0], [0.0], [2.0]])
        losses = []
        for _ in range(5):
            loss = ((model(X) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        errors = []
        for bad in (lambda: lib.optim.SGD([("w", model.weight), model.bias], lr=0.1),
                    lambda: opt.add_param_group({"params": [lib.zeros(1, requires_grad=True)]}),
                    lambda: lib.optim.Adam(model.parameters()).add_param_group(
                        {"params": [("x", lib.zeros(1, requires_grad=True))]})):
            with pytest.raises(ValueError) as error:
                bad()
            errors.append(str(error.value).split(": ", 1)[-1])
        runs.append([losses, opt.param_groups[0]["param_names"], repr(opt),
                     opt.state_dict()["param_groups"], errors])
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-6)
    assert runs[0][1:] == runs[1][1:]
    assert runs[0][1] == ["weight", "bias"]


# ----- state_dict -----------------------------------------------------------------------------

STATEFUL = {
    "adam": lambda lib, p: lib.optim.Adam(plist(p), lr=0.01),
    "adam-amsgrad": lambda lib, p: lib.optim.Adam(plist(p), lr=0.01, amsgrad=True),
    "sgd-momentum": lambda lib, p: lib.optim.SGD(plist(p), lr=0.01, momentum=0.9),
}


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_state_dict_round_trip_mid_training_continues_identically(name):
    make = STATEFUL[name]
    _, params, opt = train(tg, make, 20)
    saved_state = opt.state_dict()
    saved_weights = as_numpy(params)
    kept = {i: {k: v.numpy().copy() for k, v in s.items()}
            for i, s in saved_state["state"].items()}
    go_on, _, _ = train(tg, make, 20, params=params, optimizer=opt)

    # A snapshot: training on did not change what state_dict() returned.
    for i, entries in saved_state["state"].items():
        for k, v in entries.items():
            np.testing.assert_array_equal(v.numpy(), kept[i][k])

    fresh_params = make_params(tg, saved_weights)
    fresh = make(tg, fresh_params)
    fresh.load_state_dict(saved_state)
    resumed, _, _ = train(tg, make, 20, params=fresh_params, optimizer=fresh)
    assert resumed == go_on  # identical, not merely close


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_state_dict_has_pytorchs_layout(name):
    make = STATEFUL[name]
    _, _, ours = train(tg, make, 5)
    _, _, theirs = train(torch, make, 5)
    a, b = ours.state_dict(), theirs.state_dict()
    assert set(a) == {"state", "param_groups"}
    assert set(a["state"]) == set(b["state"]) == {0, 1, 2, 3}
    for i in a["state"]:
        assert set(a["state"][i]) == set(b["state"][i])
        for key, value in a["state"][i].items():
            assert isinstance(value, tg.Tensor)
            assert value.dtype.name == str(b["state"][i][key].dtype).replace("torch.", "")
            np.testing.assert_allclose(value.numpy(), b["state"][i][key].numpy(), rtol=1e-3,
                                       atol=1e-6)
    for our_group, their_group in zip(a["param_groups"], b["param_groups"], strict=True):
        assert our_group["params"] == their_group["params"] == [0, 1, 2, 3]
        for key, value in our_group.items():
            assert their_group[key] == value and type(their_group[key]) is type(value), key


def _to_torch(state_dict):
    return {"state": {i: {k: torch.from_numpy(v.numpy().copy()) for k, v in s.items()}
                      for i, s in state_dict["state"].items()},
            "param_groups": state_dict["param_groups"]}


def _from_torch(state_dict):
    return {"state": {i: {k: tg.from_numpy(v.numpy().copy()) for k, v in s.items()}
                      for i, s in state_dict["state"].items()},
            "param_groups": state_dict["param_groups"]}


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_state_dict_moves_to_pytorch_and_back_mid_training(name):
    make = STATEFUL[name]
    _, params, ours = train(tg, make, 20)
    weights = as_numpy(params)
    saved = ours.state_dict()
    our_next, _, _ = train(tg, make, 20, params=params, optimizer=ours)

    torch_params = make_params(torch, weights)
    theirs = make(torch, torch_params)
    theirs.load_state_dict(_to_torch(saved))
    their_next, torch_params, theirs = train(torch, make, 20, params=torch_params,
                                             optimizer=theirs)
    assert_losses_match(our_next, their_next)

    # ... and PyTorch's state back into ours continues as PyTorch does.
    back_params = make_params(tg, as_numpy(torch_params))
    back = make(tg, back_params)
    back.load_state_dict(_from_torch(theirs.state_dict()))
    ours_after, _, _ = train(tg, make, 10, params=back_params, optimizer=back)
    theirs_after, _, _ = train(torch, make, 10, params=torch_params, optimizer=theirs)
    assert_losses_match(ours_after, theirs_after)


def test_load_state_dict_casts_buffers_to_the_parameters_dtype():
    w64 = tg.randn(3, dtype=tg.float64, requires_grad=True)
    opt = optim.SGD([w64], lr=0.1, momentum=0.9)
    buffer = tg.tensor([1.0, 2.0, 3.0])  # float32
    opt.load_state_dict({"state": {0: {"momentum_buffer": buffer}},
                         "param_groups": [dict(opt.state_dict()["param_groups"][0])]})
    loaded = opt.state[w64]["momentum_buffer"]
    assert loaded.dtype == tg.float64 and loaded is not buffer
    buffer.numpy()[0] = 99.0  # the optimizer owns a copy
    assert loaded.numpy()[0] == 1.0


def test_load_state_dict_refuses_a_mismatched_layout():
    a, b = tg.randn(2, requires_grad=True), tg.randn(3, requires_grad=True)
    two = optim.SGD([a, b], lr=0.1, momentum=0.9)
    (a.sum() + b.sum()).backward()
    two.step()
    saved = two.state_dict()
    one = optim.SGD([tg.randn(2, requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="group 0 .* 2 parameters.* has 1"):
        one.load_state_dict(saved)
    swapped = optim.SGD([tg.randn(3, requires_grad=True), tg.randn(2, requires_grad=True)],
                        lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"momentum_buffer.*shape \[2\].*shape \[3\]"):
        swapped.load_state_dict(saved)
    assert not swapped.state  # nothing changed
    with pytest.raises(ValueError, match="parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        two.load_state_dict({"state": {}})


# ----- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.RMSprop])
def test_no_parameters_is_a_clear_error(cls):
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        cls(iter([]), lr=0.1)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam])
def test_a_non_tensor_parameter_is_named(cls):
    w = tg.randn(2, requires_grad=True)
    with pytest.raises(TypeError, match=r"params\[1\] is a float"):
        cls([w, 0.5], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[0\] is a ndarray"):
        cls([np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        cls(w, lr=0.1)


def test_a_parameter_given_twice_is_refused():
    w, v = tg.randn(2, requires_grad=True), tg.randn(2, requires_grad=True)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([w, v, w], lr=0.1)
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [v, w]})
    assert len(opt.param_groups) == 1


def test_a_non_leaf_parameter_is_refused():
    w = tg.randn(2, requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.RMSprop])
def test_a_negative_learning_rate_is_refused(cls):
    w = tg.randn(2, requires_grad=True)
    with pytest.raises(ValueError, match="learning rate.*-0.1"):
        cls([w], lr=-0.1)
    with pytest.raises(ValueError, match="learning rate.*-1"):
        cls([{"params": [w], "lr": -1}], lr=0.1)
    with pytest.raises(TypeError, match="must be a number"):
        cls([w], lr="0.1")


@pytest.mark.parametrize("kwargs, match", [
    (dict(momentum=-0.5), "momentum"),
    (dict(weight_decay=-1e-3), "weight_decay"),
    (dict(nesterov=True), "Nesterov momentum requires a momentum"),
    (dict(nesterov=True, momentum=0.9, dampening=0.1), "zero dampening"),
])
def test_sgd_refuses_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optim.SGD([tg.randn(2, requires_grad=True)], lr=0.1, **kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(betas=(1.0, 0.999)), r"betas\[0\]"),
    (dict(betas=(0.9, -0.1)), r"betas\[1\]"),
    (dict(betas=(0.9,)), "pair"),
    (dict(eps=-1e-8), "eps"),
    (dict(eps=float("nan")), "eps"),
    (dict(weight_decay=-0.1), "weight_decay"),
])
def test_adam_refuses_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optim.Adam([tg.randn(2, requires_grad=True)], lr=0.1, **kwargs)


# ----- the seed's Example 1 written with nn, in both libraries ---------------------------------

NN_CONFIGS = {
    "sgd": (200, lambda lib, m: lib.optim.SGD(m.parameters(), lr=0.01)),
    "adam": (100, lambda lib, m: lib.optim.Adam(m.parameters(), lr=0.01)),
    "sgd-momentum": (100, lambda lib, m: lib.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)),
}


@pytest.mark.parametrize("name", sorted(NN_CONFIGS))
def test_seed_example_with_nn_matches_pytorch_epoch_by_epoch(name):
    epochs, make = NN_CONFIGS[name]
    tg.manual_seed(42)
    our_model = SimpleNN()
    their_model = torch_twin(our_model)
    X, y = seed_data()
    runs = []
    for lib, model in ((tg, our_model), (torch, their_model)):
        Xt, yt = lib.tensor(X), lib.tensor(y)
        criterion = lib.nn.MSELoss()
        optimizer = make(lib, model)
        losses = []
        for _ in range(epochs):
            loss = criterion(model(Xt), yt)
            losses.append(loss.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        runs.append(losses)
    assert_losses_match(*runs)
    assert runs[0][-1] < 0.5 * runs[0][0]
    for key, value in our_model.state_dict().items():
        np.testing.assert_allclose(value.numpy(), their_model.state_dict()[key].numpy(),
                                   rtol=1e-3, atol=1e-5, err_msg=key)
