"""nn.Module, Parameter, the layers and the containers, checked against PyTorch.

Models are built by one function of the `nn` package (ours or torch.nn), so the same lines
describe both (the seed's network: the demo's SimpleNN, or its twin in tests/seed_network.py);
weights are copied from ours into PyTorch's through NumPy, and outputs, gradients, printed text,
names and state-dict keys are compared.
"""

import copy
import pickle
import math
import warnings
from collections import OrderedDict

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given

import tinygrad_edu
import tinygrad_edu.nn as nn
from tinygrad_edu.__main__ import SimpleNN
from tinygrad_edu.nn import functional as F
from tinygrad_edu.scope import NotInEngine

import seed_network

TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def assert_close(actual, desired, dtype, err_msg=""):
    """Entrywise agreement, with the absolute tolerance scaled to the array's magnitude.

    A gradient entry is a sum of products; in float32 its rounding error grows with the size of
    the terms, so an entry that cancels to near zero is compared against the array's scale.
    """
    desired = np.asarray(desired)
    scale = max(1.0, float(np.max(np.abs(desired)))) if desired.size else 1.0
    tol = TOL[dtype]
    np.testing.assert_allclose(actual, desired, rtol=tol["rtol"], atol=tol["atol"] * scale,
                               err_msg=err_msg)


def build_simple(lib_nn):
    """The seed's model in either library: the demo's SimpleNN, or its PyTorch twin."""
    return seed_network.SimpleNN() if lib_nn is torch.nn else SimpleNN()


def build_sequential(lib_nn):
    return lib_nn.Sequential(lib_nn.Linear(3, 8), lib_nn.Tanh(), lib_nn.Linear(8, 4, bias=False),
                             lib_nn.Sigmoid(), lib_nn.Linear(4, 2), lib_nn.LogSoftmax(dim=1))


def build_nested(lib_nn):
    """Nested containers, a shared module, an OrderedDict Sequential and a ModuleList."""
    class Block(lib_nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = lib_nn.Sequential(OrderedDict(
                [("flat", lib_nn.Flatten()), ("proj", lib_nn.Linear(6, 5))]))
            self.heads = lib_nn.ModuleList([lib_nn.Linear(5, 5), lib_nn.Linear(5, 5),
                                            lib_nn.ReLU(), lib_nn.Linear(5, 3)])
            self.shared = self.heads[2]
            self.out = lib_nn.Softmax(dim=-1)
            self.skip = lib_nn.Identity()

        def forward(self, x):
            h = self.stem(x)
            for layer in self.heads:
                h = layer(h)
            return self.out(self.skip(h))

    return Block()


def both(builder, dtype="float32"):
    tinygrad_edu.manual_seed(0)
    ours = builder(nn)
    theirs = builder(torch.nn)
    seed_network.copy_to_torch(ours, theirs)
    if dtype == "float64":
        ours.double()
        theirs.double()
    return ours, theirs


def grads_of(model):
    return {name: p.grad.numpy() for name, p in model.named_parameters() if p.grad is not None}


def check_forward_backward(ours, theirs, x, dtype, reduce_out=lambda y: (y * y).sum()):
    """Forward and backward on both; outputs, input gradients and parameter gradients agree."""
    xo = tinygrad_edu.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    assert_close(yo.detach().numpy(), yt.detach().numpy(), dtype)
    reduce_out(yo).backward()
    reduce_out(yt).backward()
    assert_close(xo.grad.numpy(), xt.grad.numpy(), dtype)
    go = grads_of(ours)
    gt = {name: p.grad.numpy() for name, p in theirs.named_parameters()}
    assert go.keys() == gt.keys()
    for name in go:
        assert_close(go[name], gt[name], dtype, err_msg=name)


# --------------------------------------------------------------------------------------------
# print(model), names, state dicts
# --------------------------------------------------------------------------------------------

SEED_ARCHITECTURE = """SimpleNN(
  (layer1): Linear(in_features=2, out_features=10, bias=True)
  (relu): ReLU()
  (layer2): Linear(in_features=10, out_features=1, bias=True)
)"""


def test_print_simple_nn_is_the_seeds_block_and_pytorchs_text():
    ours, theirs = both(build_simple)
    assert str(ours) == str(theirs)
    assert str(ours) == SEED_ARCHITECTURE  # the block the seed prints


@pytest.mark.parametrize("builder", [build_sequential, build_nested], ids=["seq", "nested"])
def test_print_containers_match_pytorch(builder):
    ours, theirs = both(builder)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("make", [
    lambda n: n.ReLU(), lambda n: n.ReLU(inplace=True), lambda n: n.Tanh(),
    lambda n: n.Sigmoid(), lambda n: n.Softmax(dim=1), lambda n: n.Softmax(),
    lambda n: n.LogSoftmax(0), lambda n: n.Identity(54, unused="x"), lambda n: n.Flatten(),
    lambda n: n.Flatten(0, 2), lambda n: n.Linear(3, 4, bias=False), lambda n: n.Sequential(),
    lambda n: n.ModuleList(), lambda n: n.Sequential(n.ReLU(), n.ModuleList([n.Tanh()] * 3)),
    lambda n: n.MSELoss(), lambda n: n.L1Loss(reduction="sum"), lambda n: n.BCELoss(),
    lambda n: n.BCEWithLogitsLoss(), lambda n: n.CrossEntropyLoss(label_smoothing=0.1),
    lambda n: n.NLLLoss(),
])
def test_print_each_layer_matches_pytorch(make):
    assert repr(make(nn)) == repr(make(torch.nn))


def test_named_parameters_as_the_seed_prints_them():
    ours, theirs = both(build_simple)
    ours_lines = [f"{name}: {param.shape}" for name, param in ours.named_parameters()]
    theirs_lines = [f"{name}: {param.shape}" for name, param in theirs.named_parameters()]
    assert ours_lines == [s.replace("torch.", "tinygrad_edu.") for s in theirs_lines]
    assert ours_lines == ["layer1.weight: tinygrad_edu.Size([10, 2])",
                          "layer1.bias: tinygrad_edu.Size([10])",
                          "layer2.weight: tinygrad_edu.Size([1, 10])",
                          "layer2.bias: tinygrad_edu.Size([1])"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours.parameters())


@pytest.mark.parametrize("builder", [build_simple, build_sequential, build_nested],
                         ids=["simple", "seq", "nested"])
def test_tree_walks_match_pytorch(builder):
    ours, theirs = both(builder)

    def shapes(pairs):
        return [(name, tuple(t.shape)) for name, t in pairs]

    assert shapes(ours.named_parameters()) == shapes(theirs.named_parameters())
    assert shapes(ours.state_dict().items()) == shapes(theirs.state_dict().items())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.modules()] == \
        [type(m).__name__ for m in theirs.modules()]
    assert [type(m).__name__ for m in ours.children()] == \
        [type(m).__name__ for m in theirs.children()]
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert [n for n, _ in ours.named_parameters(prefix="model", recurse=True)] == \
        [n for n, _ in theirs.named_parameters(prefix="model", recurse=True)]
    assert [n for n, _ in ours.named_parameters(recurse=False)] == \
        [n for n, _ in theirs.named_parameters(recurse=False)]


def test_state_dict_shares_storage_and_is_detached():
    model = SimpleNN()
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert not state["layer1.weight"].requires_grad
    state["layer1.bias"][0] = 123.0  # as in PyTorch, the values are views of the model's
    assert model.layer1.bias[0].item() == 123.0
    kept = model.state_dict(keep_vars=True)
    assert kept["layer1.weight"] is model.layer1.weight


def test_state_dict_moves_into_pytorch_and_back():
    tinygrad_edu.manual_seed(3)
    ours, theirs = SimpleNN(), seed_network.SimpleNN()
    theirs_state = {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    assert theirs.load_state_dict(theirs_state).missing_keys == []
    x = np.random.default_rng(0).standard_normal((7, 2)).astype(np.float32)
    np.testing.assert_allclose(ours(tinygrad_edu.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-7)
    # and back: a fresh model of ours takes PyTorch's trained-elsewhere values
    with torch.no_grad():
        for p in theirs.parameters():
            p.mul_(-2.0)
    fresh = SimpleNN()
    result = fresh.load_state_dict(
        {k: tinygrad_edu.from_numpy(v.numpy().copy()) for k, v in theirs.state_dict().items()})
    assert repr(result) == "<All keys matched successfully>"
    np.testing.assert_allclose(fresh(tinygrad_edu.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-7)


def test_load_state_dict_accepts_numpy_arrays_and_converts_dtype():
    model = SimpleNN()
    state = {k: v.numpy().astype(np.float64) * 0 + 1 for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    assert model.layer1.weight.dtype == tinygrad_edu.float32
    assert np.all(model.layer2.weight.detach().numpy() == 1)


def _messages_for_both(make_state, strict=True):
    """load_state_dict's error text from both libraries for the same bad state dict."""
    texts = []
    for lib, lib_nn in ((tinygrad_edu, nn), (torch, torch.nn)):
        model = build_simple(lib_nn)
        with pytest.raises(RuntimeError) as info:
            model.load_state_dict(make_state(lib, model), strict=strict)
        texts.append(str(info.value))
    return texts


@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_errors_read_as_pytorch(strict):
    def missing_unexpected_and_wrong_shape(lib, model):
        state = dict(model.state_dict())
        del state["layer2.bias"]
        state["layer3.weight"] = lib.zeros(2, 2)
        state["layer1.weight"] = lib.zeros(10, 3)
        return state

    ours, theirs = _messages_for_both(missing_unexpected_and_wrong_shape, strict)
    assert ours == theirs.replace("torch.Size", "tinygrad_edu.Size")
    assert "size mismatch for layer1.weight" in ours
    assert ('Missing key(s) in state_dict: "layer2.bias"' in ours) == strict
    assert ('Unexpected key(s) in state_dict: "layer3.weight"' in ours) == strict


def test_load_state_dict_non_strict_reports_keys_as_pytorch():
    results = []
    for lib, lib_nn in ((tinygrad_edu, nn), (torch, torch.nn)):
        model = build_simple(lib_nn)
        state = dict(model.state_dict())
        del state["layer1.bias"]
        state["extra.thing"] = lib.zeros(1)
        results.append(model.load_state_dict(state, strict=False))
    assert results[0].missing_keys == results[1].missing_keys == ["layer1.bias"]
    assert results[0].unexpected_keys == results[1].unexpected_keys == ["extra.thing"]
    assert repr(results[0]) == repr(results[1])


def test_failed_load_leaves_the_model_unchanged():
    model = SimpleNN()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    state = {k: tinygrad_edu.zeros(v.shape) for k, v in model.state_dict().items()}
    state["layer2.weight"] = tinygrad_edu.zeros(10, 1)  # transposed: wrong shape
    with pytest.raises(RuntimeError, match=r"size mismatch for layer2\.weight"):
        model.load_state_dict(state)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_load_state_dict_bad_arguments():
    model = SimpleNN()
    with pytest.raises(TypeError, match="dict-like"):
        model.load_state_dict([("layer1.weight", tinygrad_edu.zeros(10, 2))])
    state = dict(model.state_dict())
    state["layer1.bias"] = [0.0] * 10
    with pytest.raises(RuntimeError, match='"layer1.bias".*list'):
        model.load_state_dict(state)


def test_load_state_dict_assign_takes_the_given_tensors():
    model = SimpleNN()
    new = {k: tinygrad_edu.ones(v.shape, dtype=tinygrad_edu.float64)
           for k, v in model.state_dict().items()}
    model.load_state_dict(new, assign=True)
    assert isinstance(model.layer1.weight, nn.Parameter)
    assert model.layer1.weight.requires_grad
    assert model.layer1.weight.dtype == tinygrad_edu.float64


def test_buffers_are_saved_and_loaded():
    for lib, lib_nn in ((tinygrad_edu, nn), (torch, torch.nn)):
        loss = lib_nn.CrossEntropyLoss(weight=lib.tensor([1.0, 2.0, 3.0]))
        assert list(loss.state_dict()) == ["weight"]
        assert list(lib_nn.BCEWithLogitsLoss(pos_weight=lib.ones(2)).state_dict()) == \
            ["pos_weight"]
    model = nn.Module()
    model.register_buffer("running", tinygrad_edu.zeros(3))
    model.register_buffer("scratch", tinygrad_edu.zeros(2), persistent=False)
    assert list(model.state_dict()) == ["running"]
    assert [n for n, _ in model.named_buffers()] == ["running", "scratch"]
    model.load_state_dict({"running": tinygrad_edu.ones(3)})
    assert model.running.tolist() == [1.0, 1.0, 1.0]


# --------------------------------------------------------------------------------------------
# Module behaviour
# --------------------------------------------------------------------------------------------

def test_registration_on_assignment():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(tinygrad_edu.ones(2))
            self.sub = nn.Linear(2, 2)
            self.plain = tinygrad_edu.ones(2)  # a plain tensor is not a parameter
            self.number = 3

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    assert list(net._modules) == ["sub"]
    net.sub = None
    assert [n for n, _ in net.named_parameters()] == ["w"]
    net.sub = nn.Tanh()
    assert list(net.named_children()) == [("sub", net.sub)]
    del net.w
    assert list(net.parameters()) == []
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'w'"):
        net.w
    assert "sub" in dir(net)


def test_reassigning_a_parameter_or_a_child_keeps_its_place_as_in_pytorch():
    """lin.weight = Parameter(…) and model.fc1 = Linear(…) replace an entry in place: the
    order of parameters(), state_dict(), children and a Sequential's forward stays."""
    results = []
    for lib, lib_nn in ((tinygrad_edu, nn), (torch, torch.nn)):
        lin = lib_nn.Linear(2, 3)
        lin.weight = lib_nn.Parameter(lib.ones(3, 2))
        model = lib_nn.Sequential(OrderedDict([("fc1", lib_nn.Linear(2, 3)), ("act", lib_nn.ReLU()),
                                               ("fc2", lib_nn.Linear(3, 1))]))
        model.fc1 = lib_nn.Linear(2, 3)
        model.act = lib_nn.Tanh()
        model.register_buffer("steps", lib.zeros(1))
        model.steps = lib.ones(1)
        results.append([[tuple(p.shape) for p in lin.parameters()], list(lin.state_dict()),
                        [n for n, _ in model.named_children()], list(model.state_dict()),
                        tuple(model(lib.ones(4, 2)).shape), repr(model)])
    assert results[0] == results[1]
    assert results[0][0] == [(3, 2), (3,)] and results[0][2] == ["fc1", "act", "fc2"]


def _hooked_run(lib, lib_nn):
    """Forward hooks and pre-hooks in PyTorch's forms, run on a fixed model: what each hook
    saw and returned, in order.  The same source for both libraries."""
    model = lib_nn.Sequential(lib_nn.Linear(2, 3), lib_nn.ReLU(), lib_nn.Linear(3, 1))
    with lib.no_grad():
        for p, values in zip(model.parameters(), ([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.25]],
                                                  [0.1, -0.2, 0.3], [[1.0, -1.0, 2.0]], [0.5])):
            p.copy_(lib.tensor(values))
    x = lib.tensor([[1.0, 2.0], [-3.0, 0.5], [0.25, -1.0], [2.0, 2.0]])
    seen = []
    record = model[1].register_forward_hook(
        lambda m, args, out: seen.append(("relu out", out.detach().numpy().tolist())))
    first = model[1].register_forward_hook(
        lambda m, args, out: seen.append(("first", len(args))), prepend=True)
    scale = model[2].register_forward_hook(lambda m, args, out: out * 10)  # replaces the output
    shift = model[0].register_forward_pre_hook(lambda m, args: args[0] + 1)  # one value: (x+1,)
    keyword = model[2].register_forward_pre_hook(
        lambda m, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True)
    after = model[2].register_forward_hook(
        lambda m, args, kwargs, out: seen.append(("kw", sorted(kwargs))), with_kwargs=True)
    hooked = model(x)
    hooked.sum().backward()  # the gradient flows through what the hooks returned
    seen.append(("grad", model[0].weight.grad.numpy().tolist()))
    for handle in (record, first, scale, shift, keyword, after):
        handle.remove()
    plain = model(x)
    with model[0].register_forward_hook(lambda m, args, out: out * 0):
        zeroed = model(x)
    again = model(x)
    return [seen, hooked.detach().numpy().tolist(), plain.detach().numpy().tolist(),
            zeroed.detach().numpy().tolist(), again.detach().numpy().tolist()]


def test_forward_hooks_and_pre_hooks_run_as_in_pytorch():
    ours, theirs = _hooked_run(tinygrad_edu, nn), _hooked_run(torch, torch.nn)
    assert [entry[0] for entry in ours[0]] == ["first", "relu out", "kw", "grad"]
    assert [entry[0] for entry in ours[0]] == [entry[0] for entry in theirs[0]]
    for (_, a), (_, b) in zip(ours[0], theirs[0]):
        np.testing.assert_allclose(np.array(a, dtype=float), np.array(b, dtype=float), rtol=1e-6)
    for a, b in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    # removed hooks are gone; with layer 0's output zeroed, the model gives its last bias, 0.5
    assert ours[1] != ours[2] and ours[2] == ours[4] and ours[3] == [[0.5]] * 4


def test_a_pre_hook_with_kwargs_must_return_args_and_kwargs():
    for lib, lib_nn in ((tinygrad_edu, nn), (torch, torch.nn)):
        layer = lib_nn.Linear(2, 1)
        layer.register_forward_pre_hook(lambda m, args, kwargs: args, with_kwargs=True)
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple "
                                               r"of \(new_args, new_kwargs\)"):
            layer(lib.ones(1, 2))


def test_get_submodule_parameter_and_buffer_as_in_pytorch():
    def walk(lib_nn):
        model = lib_nn.Sequential(OrderedDict([
            ("body", lib_nn.Sequential(lib_nn.Linear(2, 3), lib_nn.BatchNorm1d(3))),
            ("head", lib_nn.Linear(3, 1))]))
        found = [type(model.get_submodule("body.1")).__name__, model.get_submodule("") is model,
                 tuple(model.get_parameter("body.0.weight").shape),
                 tuple(model.get_buffer("body.1.running_mean").shape)]
        for ask, target in (("get_submodule", "body.7"), ("get_submodule", "head.weight"),
                            ("get_parameter", "head.nothing"), ("get_parameter", "body.1"),
                            ("get_buffer", "head.weight")):
            with pytest.raises(AttributeError) as error:
                getattr(model, ask)(target)
            found.append(str(error.value))
        return found
    ours, theirs = walk(nn), walk(torch.nn)
    assert ours == theirs
    assert ours[:4] == ["BatchNorm1d", True, (3, 2), (3,)]


def test_a_module_method_pytorch_has_and_the_engine_lacks_says_so():
    layer = nn.Linear(2, 1)
    with pytest.raises(NotInEngine, match="register_full_backward_hook.*retain_grad"):
        layer.register_full_backward_hook(lambda *args: None)
    assert not hasattr(layer, "register_full_backward_hook")
    with pytest.raises(AttributeError, match="^'Linear' object has no attribute 'wieght'$"):
        layer.wieght  # the learner's own typo: Python's plain message, as PyTorch's

    class Forgot(nn.Module):
        def __init__(self):
            pass  # no super().__init__()

        def forward(self, x):
            return x

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first in Forgot"):
        Forgot()(tinygrad_edu.ones(1))


def test_registration_errors_match_pytorch():
    for lib, lib_nn in ((tinygrad_edu, nn), (torch, torch.nn)):
        class TooEarly(lib_nn.Module):
            def __init__(self):
                self.w = lib_nn.Parameter(lib.ones(1))

        with pytest.raises(AttributeError, match="before Module.__init__"):
            TooEarly()

        class Net(lib_nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib_nn.Parameter(lib.ones(1))

        net = Net()
        with pytest.raises(TypeError, match="cannot assign .* as parameter 'w'"):
            net.w = lib.ones(1)
        with pytest.raises(NotImplementedError, match=r'\[Net\] is missing the required "forward"'):
            net(lib.ones(1))
        with pytest.raises(AttributeError, match="'Net' object has no attribute 'nothing'"):
            net.nothing
        with pytest.raises(KeyError):
            net.register_parameter("a.b", None)
        with pytest.raises(TypeError):
            net.add_module("child", "not a module")


def test_call_runs_forward_with_all_arguments():
    class Scale(nn.Module):
        def forward(self, x, factor=2.0):
            return x * factor

    assert Scale()(tinygrad_edu.ones(2), factor=3.0).tolist() == [3.0, 3.0]


def test_train_eval_set_every_module():
    ours, theirs = both(build_nested)
    for model in (ours, theirs):
        assert model.training
        assert model.eval() is model
        assert not any(m.training for m in model.modules())
        assert model.train() is model
        assert all(m.training for m in model.modules())
        model.heads.train(False)  # only that subtree
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
    assert not ours.heads[0].training and ours.stem.training
    with pytest.raises(ValueError, match="boolean"):
        ours.train("yes")


def test_zero_grad_sets_none_by_default_or_zeros():
    model = SimpleNN()
    model(tinygrad_edu.ones(3, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_to_cpu_float_double_keep_the_parameter_objects():
    model = SimpleNN()
    weight = model.layer1.weight
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(tinygrad_edu.device("cpu")) is model
    assert model.to(tinygrad_edu.float64) is model
    assert model.layer1.weight is weight and weight.dtype == tinygrad_edu.float64
    assert weight.requires_grad and weight.is_leaf
    out = model(tinygrad_edu.ones(4, 2, dtype=tinygrad_edu.float64))
    assert out.dtype == tinygrad_edu.float64
    out.sum().backward()
    assert weight.grad.dtype == tinygrad_edu.float64
    model.float()
    assert weight.dtype == tinygrad_edu.float32 and weight.grad.dtype == tinygrad_edu.float32
    model.double()
    assert all(p.dtype == tinygrad_edu.float64 for p in model.parameters())
    model.to("cpu", tinygrad_edu.float32)
    assert all(p.dtype == tinygrad_edu.float32 for p in model.parameters())
    model.to(tinygrad_edu.ones(1, dtype=tinygrad_edu.float64))
    assert all(p.dtype == tinygrad_edu.float64 for p in model.parameters())
    with pytest.raises(RuntimeError, match="cuda"):
        model.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        model.to(tinygrad_edu.int64)


def test_deepcopy_gives_independent_parameters():
    model = SimpleNN()
    clone = copy.deepcopy(model)
    assert isinstance(clone.layer1.weight, nn.Parameter)
    assert clone.layer1.weight is not model.layer1.weight
    np.testing.assert_array_equal(clone.layer1.weight.detach().numpy(),
                                  model.layer1.weight.detach().numpy())
    with tinygrad_edu.no_grad():
        clone.layer1.weight.fill_(0.0)
    assert np.any(model.layer1.weight.detach().numpy() != 0)
    assert str(clone) == str(model)


def test_apply_and_requires_grad():
    model = build_sequential(nn)
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == [type(m).__name__ for m in model.children()] + ["Sequential"]
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


# --------------------------------------------------------------------------------------------
# Parameter
# --------------------------------------------------------------------------------------------

def test_parameter_repr_and_basics_match_pytorch():
    for values in ([1.0, 2.0], [[0.5, -1.25, 3.0], [2.0, 0.0, 1.0]]):
        ours = nn.Parameter(tinygrad_edu.tensor(values))
        theirs = torch.nn.Parameter(torch.tensor(values))
        assert repr(ours) == repr(theirs)
        assert str(ours) == str(theirs)
    frozen = nn.Parameter(tinygrad_edu.tensor([1.0]), requires_grad=False)
    assert repr(frozen) == repr(torch.nn.Parameter(torch.tensor([1.0]), requires_grad=False))
    assert repr(nn.Parameter()) == repr(torch.nn.Parameter())
    p = nn.Parameter(tinygrad_edu.ones(3))
    assert isinstance(p, tinygrad_edu.Tensor) and p.requires_grad and p.is_leaf
    result = p * 2
    assert type(result) is tinygrad_edu.Tensor and result.grad_fn is not None


def test_parameter_shares_storage_and_refuses_bad_data():
    data = tinygrad_edu.zeros(3)
    p = nn.Parameter(data)
    data[1] = 5.0
    assert p[1].item() == 5.0
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(tinygrad_edu.tensor([1, 2]))
    with pytest.raises(TypeError, match="must be a Tensor"):
        nn.Parameter([1.0, 2.0])
    computed = tinygrad_edu.ones(2, requires_grad=True) * 3
    assert nn.Parameter(computed).is_leaf


# --------------------------------------------------------------------------------------------
# Layers: forward and backward against PyTorch
# --------------------------------------------------------------------------------------------

DTYPES = st.sampled_from(["float32", "float64"])
SMALL = st.integers(1, 6)


def finite_array(shape, dtype):
    return hnp.arrays(np.dtype(dtype), shape,
                      elements=st.floats(-10, 10, allow_nan=False, width=32))


@given(data=st.data(), dtype=DTYPES, in_features=SMALL, out_features=SMALL,
       batch=st.lists(SMALL, min_size=0, max_size=2), bias=st.booleans())
def test_linear_forward_backward_matches_pytorch(data, dtype, in_features, out_features,
                                                 batch, bias):
    ours, theirs = both(lambda n: n.Linear(in_features, out_features, bias=bias), dtype)
    x = data.draw(finite_array(tuple(batch) + (in_features,), dtype))
    check_forward_backward(ours, theirs, x, dtype)


def test_functional_linear_matches_pytorch():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal(5)
    ours = F.linear(tinygrad_edu.tensor(x), tinygrad_edu.tensor(w), tinygrad_edu.tensor(b))
    theirs = torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    no_bias = F.linear(tinygrad_edu.tensor(x), tinygrad_edu.tensor(w))
    np.testing.assert_allclose(no_bias.numpy(), x @ w.T, rtol=1e-12)


ACTIVATIONS = {
    "ReLU": lambda n: n.ReLU(), "Tanh": lambda n: n.Tanh(), "Sigmoid": lambda n: n.Sigmoid(),
    "Softmax0": lambda n: n.Softmax(dim=0), "Softmax-1": lambda n: n.Softmax(dim=-1),
    "LogSoftmax1": lambda n: n.LogSoftmax(dim=1), "Identity": lambda n: n.Identity(),
    "Flatten": lambda n: n.Flatten(), "Flatten0-1": lambda n: n.Flatten(0, 1),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@given(data=st.data(), dtype=DTYPES, shape=st.lists(SMALL, min_size=2, max_size=4))
def test_activation_layers_match_pytorch(name, data, dtype, shape):
    ours, theirs = both(ACTIVATIONS[name], dtype)
    x = data.draw(finite_array(tuple(shape), dtype))
    weights = np.random.default_rng(0).standard_normal(shape).astype(dtype)

    def weighted_sum(y):  # a non-uniform upstream gradient, so softmax's backward is tested
        lib = tinygrad_edu if isinstance(y, tinygrad_edu.Tensor) else torch
        return (y * lib.tensor(weights).reshape(y.shape)).sum()

    check_forward_backward(ours, theirs, x, dtype, weighted_sum)


def test_relu_gradient_at_zero_and_inplace_match_pytorch():
    x = np.array([-1.0, 0.0, 2.0])
    for inplace in (False, True):
        ours, theirs = nn.ReLU(inplace=inplace), torch.nn.ReLU(inplace=inplace)
        xo = tinygrad_edu.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        (ours(xo * 1.0) * 3).sum().backward()
        (theirs(xt * 1.0) * 3).sum().backward()
        assert xo.grad.tolist() == xt.grad.tolist() == [0.0, 0.0, 3.0]


def test_softmax_without_dim_warns_and_picks_pytorchs_dim():
    x = np.random.default_rng(2).standard_normal((3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        ours = nn.Softmax()(tinygrad_edu.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.Softmax()(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("builder", [build_simple, build_sequential, build_nested],
                         ids=["simple", "seq", "nested"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_models_forward_backward_match_pytorch(builder, dtype):
    ours, theirs = both(builder, dtype)
    in_shape = {"simple": (6, 2), "seq": (6, 3), "nested": (6, 2, 3)}[
        {build_simple: "simple", build_sequential: "seq", build_nested: "nested"}[builder]]
    x = np.random.default_rng(4).standard_normal(in_shape).astype(dtype)
    check_forward_backward(ours, theirs, x, dtype)


# --------------------------------------------------------------------------------------------
# Linear: bad input and initialisation
# --------------------------------------------------------------------------------------------

def test_linear_input_of_wrong_width_names_both_sizes():
    layer = nn.Linear(2, 10)
    with pytest.raises(RuntimeError) as info:
        layer(tinygrad_edu.ones(4, 3))
    message = str(info.value)
    assert "Linear" in message and "3" in message and "in_features is 2" in message
    assert "(4, 3)" in message and "(10, 2)" in message
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        torch.nn.Linear(2, 10)(torch.ones(4, 3))  # PyTorch refuses it too
    with pytest.raises(RuntimeError, match="in_features is 2"):
        F.linear(tinygrad_edu.ones(3), tinygrad_edu.ones(10, 2))


def test_linear_refuses_other_bad_input_clearly():
    layer = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match="float64.*float32|float32.*float64"):
        layer(tinygrad_edu.ones(4, 2, dtype=tinygrad_edu.float64))
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        nn.Linear(1, 3)(tinygrad_edu.tensor(1.0))
    with pytest.raises(TypeError, match="expected a Tensor"):
        layer([[1.0, 2.0]])
    with pytest.raises(TypeError, match="in_features"):
        nn.Linear(2.5, 3)
    with pytest.raises(RuntimeError, match="device"):
        nn.Linear(2, 3, device="cuda")


def test_layer_sizes_may_be_numpy_integers_as_in_pytorch():
    """np.int64(10) comes from shapes computed with NumPy (np.prod, X.shape of an array)."""
    size = np.int64(10)
    for lib in (tinygrad_edu, torch):
        layers = [lib.nn.Linear(2, size), lib.nn.Embedding(np.int64(3), np.int32(2)),
                  lib.nn.LayerNorm(size), lib.nn.BatchNorm1d(size)]
        shapes = [tuple(p.shape) for layer in layers for p in layer.parameters()]
        assert shapes == [(10, 2), (10,), (3, 2), (10,), (10,), (10,), (10,)]
    for bad in (10.0, True, np.float64(10)):
        with pytest.raises(TypeError, match="out_features must be a non-negative int"):
            nn.Linear(2, bad)


def test_linear_shapes_and_bias_false():
    layer = nn.Linear(5, 7, bias=False)
    assert layer.weight.shape == (7, 5) and layer.bias is None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer(tinygrad_edu.ones(2, 3, 5)).shape == (2, 3, 7)
    assert layer(tinygrad_edu.ones(5)).shape == (7,)
    assert nn.Linear(2, 3, dtype=tinygrad_edu.float64).weight.dtype == tinygrad_edu.float64


@pytest.mark.parametrize("in_features,out_features", [(2, 10), (10, 1), (400, 250)])
def test_linear_init_respects_pytorchs_bounds(in_features, out_features):
    tinygrad_edu.manual_seed(11)
    layer = nn.Linear(in_features, out_features)
    bound = 1 / math.sqrt(in_features)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        # compared as float32, the weights' dtype: the bound itself rounds to float32
        assert np.all(np.abs(values) <= np.float32(bound)), (values.min(), values.max(), bound)
    w = layer.weight.detach().numpy().ravel()
    if w.size >= 10_000:  # a big sample: U(-b, b) has mean 0, variance b²/3, fills the range
        assert abs(w.mean()) < 5 * bound / math.sqrt(3 * w.size)
        assert abs(w.var() / (bound ** 2 / 3) - 1) < 0.02
        assert w.min() < -0.99 * bound and w.max() > 0.99 * bound
        # quarters of the range hold a quarter each (a flat density)
        counts, _ = np.histogram(w, bins=4, range=(-bound, bound))
        assert np.all(np.abs(counts / w.size - 0.25) < 0.01)


def test_linear_init_is_repeatable_under_manual_seed():
    def weights():
        model = SimpleNN()
        return [p.detach().numpy().copy() for p in model.parameters()]

    tinygrad_edu.manual_seed(42)
    first = weights()
    tinygrad_edu.manual_seed(42)
    second = weights()
    tinygrad_edu.manual_seed(43)
    third = weights()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, third))
    # weight and bias come from one stream, one after the other: they differ
    assert not np.array_equal(first[1], first[0][:, 0])


def test_linear_reset_parameters_draws_again():
    layer = nn.Linear(3, 3)
    before = layer.weight.detach().numpy().copy()
    weight = layer.weight
    layer.reset_parameters()
    assert layer.weight is weight and not np.array_equal(before, weight.detach().numpy())


# --------------------------------------------------------------------------------------------
# Sequential and ModuleList
# --------------------------------------------------------------------------------------------

def test_sequential_indexing_len_iteration_match_pytorch():
    ours, theirs = both(build_sequential)
    assert len(ours) == len(theirs) == 6
    assert [n for n, _ in ours.named_children()] == ["0", "1", "2", "3", "4", "5"]
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    assert ours[0] is ours._modules["0"] and ours[-1] is ours._modules["5"]
    for index in (slice(1, None), slice(None, 3), slice(None, None, 2), slice(-2, None)):
        assert repr(ours[index]) == repr(theirs[index])
        assert [n for n, _ in ours[index].named_parameters()] == \
            [n for n, _ in theirs[index].named_parameters()]
    assert ours[1:][0] is ours[1]  # a slice holds the same modules
    with pytest.raises(IndexError, match="out of range"):
        ours[6]
    with pytest.raises(TypeError, match="integers or slices"):
        ours["0"]


def test_sequential_slice_runs_part_of_the_model():
    model = build_sequential(nn)
    x = tinygrad_edu.ones(2, 3)
    np.testing.assert_allclose(model[2:](model[:2](x)).detach().numpy(),
                               model(x).detach().numpy(), rtol=1e-6)


def test_sequential_ordered_dict_and_edits_match_pytorch():
    results = []
    for lib_nn in (nn, torch.nn):
        named = lib_nn.Sequential(OrderedDict([("hidden", lib_nn.Linear(2, 3)),
                                               ("act", lib_nn.ReLU())]))
        named.append(lib_nn.Linear(3, 1))  # named by its position: "2"
        seq = lib_nn.Sequential(lib_nn.Linear(2, 3), lib_nn.ReLU(), lib_nn.Linear(3, 1))
        seq.insert(0, lib_nn.Identity())
        seq.insert(-1, lib_nn.Tanh())
        seq[1] = lib_nn.Linear(2, 3, bias=False)
        del seq[2]  # the rest are renumbered
        results.append([repr(named), [n for n, _ in named.named_parameters()],
                        repr(seq), [n for n, _ in seq.named_parameters()]])
    assert results[0] == results[1]
    assert results[0][1] == ["hidden.weight", "hidden.bias", "2.weight", "2.bias"]


def test_module_list_matches_pytorch():
    results = []
    for lib_nn in (nn, torch.nn):
        layers = lib_nn.ModuleList([lib_nn.Linear(2, 2) for _ in range(3)])
        layers.append(lib_nn.ReLU())
        layers.extend([lib_nn.Linear(2, 1)])
        layers.insert(1, lib_nn.Tanh())
        layers += [lib_nn.Sigmoid()]
        text = [repr(layers), repr(layers[1:4]), repr(layers[::2])]
        del layers[0]
        text.append(repr(layers))
        names = [n for n, _ in layers.named_parameters()]
        results.append((text, names, len(layers), [type(m).__name__ for m in layers]))
        with pytest.raises(NotImplementedError):
            layers(None)
        with pytest.raises(TypeError, match="iterable"):
            layers.extend(lib_nn.ReLU())
    assert results[0] == results[1]


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match="is not a Module subclass"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        torch.nn.Sequential(torch.nn.ReLU(), lambda x: x)


# --------------------------------------------------------------------------------------------
# Registered entries are plain attributes too (a lookup without __getattr__), never stale
# --------------------------------------------------------------------------------------------

def _attribute_matches_registries(module):
    for registry in (module._parameters, module._buffers, module._modules):
        for name, value in registry.items():
            assert module.__dict__[name] is value, name


@pytest.mark.parametrize("copy_of", [lambda m: m, copy.deepcopy,
                                     lambda m: pickle.loads(pickle.dumps(m))],
                         ids=["original", "deepcopy", "pickle"])
def test_every_way_of_changing_a_registry_changes_the_attribute(copy_of):
    model = copy_of(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)))
    layer = model[0]
    assert "weight" in layer.__dict__ and layer.weight is layer._parameters["weight"]
    layer.weight = nn.Parameter(tinygrad_edu.zeros(3, 2))                 # __setattr__
    layer._parameters["bias"] = None                            # the registry directly
    layer.register_buffer("scale", tinygrad_edu.ones(1))
    layer._buffers.pop("scale")
    assert not hasattr(layer, "scale")
    del layer.weight                                            # __delattr__
    assert not hasattr(layer, "weight") and "weight" not in layer.__dict__
    layer._parameters.setdefault("weight", nn.Parameter(tinygrad_edu.ones(3, 2)))
    assert layer.weight.sum().item() == 6.0
    del model[1]                                                # Sequential renumbers
    assert list(model._modules) == ["0", "1"] and getattr(model, "1") is model._modules["1"]
    for m in model.modules():
        _attribute_matches_registries(m)
    layer._parameters.clear()
    assert not hasattr(layer, "bias") and list(layer.parameters()) == []
