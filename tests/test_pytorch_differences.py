"""Differences from PyTorch that issue 15 listed as left, each now measured against PyTorch
itself and matched: the value, the error type and the message a learner reads.

Each test runs the same call on both libraries.  PyTorch is the oracle: if it is missing, the
import below fails the module loudly (never a skip).  Where a test loops over cases it asserts
how many it ran, so a shortened list cannot pass by testing less.
"""

import re
import warnings

import numpy as np
import pytest
import torch  # the oracle: if it is missing, fail loudly (never skip)

import tinygrad_edu as tg


def outcome(call, lib):
    """What call(lib) gives: ('value', result) or ('error', exception type, message)."""
    try:
        return ("value", call(lib))
    except Exception as e:  # noqa: BLE001 — the error is what is compared
        return ("error", type(e), str(e))


def assert_same_error(call, *, exact=True, contains=None):
    """call raises in both libraries, the same type; the same message (exact), or ours holds
    PyTorch's message as its start (the engine may add a hint after it), or `contains`."""
    theirs, ours = outcome(call, torch), outcome(call, tg)
    assert theirs[0] == "error", f"PyTorch does not raise: {theirs}"
    assert ours[0] == "error", f"PyTorch raises {theirs[1].__name__}: {theirs[2]}; ours gives " \
                               f"{ours[1]!r}"
    assert ours[1] is theirs[1], f"PyTorch raises {theirs[1].__name__}, ours {ours[1].__name__}"
    if contains is not None:
        assert contains in ours[2] and contains in theirs[2], (contains, ours[2], theirs[2])
    elif exact:
        assert ours[2] == theirs[2], f"\nours:    {ours[2]}\nPyTorch: {theirs[2]}"
    else:
        assert ours[2].startswith(theirs[2]), f"\nours:    {ours[2]}\nPyTorch: {theirs[2]}"
    return ours[2]


# ----------------------------------------------------------------------------------------
# F.layer_norm's normalized_shape: a tuple of ints (nn.LayerNorm also takes one int)
# ----------------------------------------------------------------------------------------

LAYER_NORM_REFUSED = [  # (normalized_shape, message exactly PyTorch's, or with a hint after)
    (4, False), (4.0, True), (None, True), ("ab", True), (np.array([4]), True),
    ((4.0,), True), ((True,), True), ((), True),
]


@pytest.mark.parametrize("shape,exact", LAYER_NORM_REFUSED,
                         ids=[repr(s) for s, _ in LAYER_NORM_REFUSED])
def test_layer_norm_refuses_what_pytorch_refuses(shape, exact):
    message = assert_same_error(
        lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 4), shape), exact=exact)
    assert "normalized_shape" in message


def test_layer_norm_refused_cases_counted_and_the_int_hint():
    assert len(LAYER_NORM_REFUSED) == 8
    with pytest.raises(TypeError, match=r"not int \(one dim: write \(4,\)\)"):
        tg.nn.functional.layer_norm(tg.ones(2, 4), 4)
    with pytest.raises(TypeError, match=r"not Tensor$"):
        tg.nn.functional.layer_norm(tg.ones(2, 4), tg.tensor([4]))


@pytest.mark.parametrize("shape", [(4,), [4], (2, 4), (np.int64(4),)],
                         ids=["(4,)", "[4]", "(2, 4)", "(int64(4),)"])
def test_layer_norm_takes_what_pytorch_takes(shape):
    x = np.random.default_rng(5).standard_normal((2, 4)).astype(np.float32)
    ours = tg.nn.functional.layer_norm(tg.tensor(x), shape)
    theirs = torch.nn.functional.layer_norm(torch.tensor(x), shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    if shape == (4,):  # as the module takes it too: nn.LayerNorm(4) is nn.LayerNorm((4,))
        assert tg.nn.LayerNorm(4).normalized_shape == torch.nn.LayerNorm(4).normalized_shape \
            == (4,)
        np.testing.assert_allclose(tg.nn.LayerNorm(4)(tg.tensor(x)).detach().numpy(),
                                   theirs.numpy(), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------
# F.kl_div where the target is 0 (or negative): PyTorch's xlogy(y, y) − y x
# ----------------------------------------------------------------------------------------

def _kl_div_run(lib, x, y, **kwargs):
    """(loss, ∂/∂input, ∂/∂target, grad_fn name) of kl_div in float64."""
    x = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    y = lib.tensor(y, dtype=lib.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reduction='mean': PyTorch's warning, ours too
        out = lib.nn.functional.kl_div(x, y, **kwargs)
        out.sum().backward()
    return (out.detach().numpy(), x.grad.numpy(), y.grad.numpy(),
            None if out.grad_fn is None else out.grad_fn.name())


def test_kl_div_at_target_zero_and_below_is_pytorchs():
    """Forward values, both gradients and the grad_fn name equal PyTorch's for targets 0, > 0
    and < 0, with and without log_target, for every reduction: at y = 0 (log_target False) the
    loss is 0 and ∂/∂x = 0 but ∂/∂y is NaN; a negative y is NaN; log_target is smooth."""
    x = [[-0.7, -1.2, -np.inf], [0.4, -2.0, -0.1]]
    ran = 0
    for log_target in (False, True):
        for fill in (0.0, 0.5, -0.3):
            y = [[fill, fill, 0.25], [fill, 0.0, 0.6]]
            for reduction in ("none", "sum", "mean", "batchmean"):
                ours = _kl_div_run(tg, x, y, reduction=reduction, log_target=log_target)
                theirs = _kl_div_run(torch, x, y, reduction=reduction, log_target=log_target)
                for what, a, b in zip(("loss", "∂/∂input", "∂/∂target"), ours, theirs):
                    np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=f"{what} at "
                                               f"y={fill}, {reduction}, log_target={log_target}")
                assert ours[3] == theirs[3], (fill, reduction, log_target)
                ran += 1
    assert ran == 24
    zero = _kl_div_run(tg, [-0.7], [0.0], reduction="none")
    assert zero[0][0] == 0.0 and zero[1][0] == 0.0 and np.isnan(zero[2][0])


def test_kl_div_batchmean_of_a_0d_input_is_the_sum_as_pytorchs():
    ours = _kl_div_run(tg, -0.5, 0.3, reduction="batchmean")
    theirs = _kl_div_run(torch, -0.5, 0.3, reduction="batchmean")
    assert ours[3] == theirs[3] == "SumBackward0"
    np.testing.assert_allclose(ours[:3], theirs[:3], rtol=1e-12)


# ----------------------------------------------------------------------------------------
# var and std where N ≤ correction: PyTorch's +inf or NaN, and its gradient rule
# ----------------------------------------------------------------------------------------

VAR_CASES = [  # (data, correction, dim): N − correction = 0 (x/0 and 0/0) and < 0
    ([1.5], 1, None), ([1.0, 3.0], 2, None), ([2.0, 2.0], 2, None), ([1.0, 2.0], 3, None),
    ([1.0, 2.0, 4.0], 3, None), ([[1.0, 2.0], [3.0, 2.0]], 2, 0), ([[1.0, 2.0], [3.0, 2.0]], 3, 0),
    ([[1.0, 2.0], [3.0, 2.0]], 2, 1), ([[1.0, 3.0]], 2, (0, 1)), ([[1.0, 2.0]], 1, 0),
    (5.0, 1, None), (5.0, 1, 0), ([], 1, None), ([1.0, 3.0], 2, 0),
]


def _variance_run(lib, method, data, correction, dim, upstream, dtype):
    x = lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = getattr(x, method)(dim=dim, correction=correction)
    out.backward(lib.full_like(out, upstream))
    said = [str(w.message) for w in caught]
    return out.detach().numpy(), x.grad.numpy(), out.grad_fn.name(), said


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_var_and_std_where_n_is_at_most_correction_are_pytorchs(dtype):
    """Value, gradient (for upstream 1, −2 and 0), grad_fn name and warning equal PyTorch's:
    +inf (x/0) or NaN (0/0); over all entries the gradient is G · (NaN where x = mean, else
    +inf), along dims 2/(N − c) · G · (x − mean) (±inf at N = c, finite at N < c); std's
    passes through √ (G / 2∞ = 0 into var's rule)."""
    ran = 0
    for data, correction, dim in VAR_CASES:
        for method in ("var", "std"):
            for upstream in (1.0, -2.0, 0.0):
                ours = _variance_run(tg, method, data, correction, dim, upstream, dtype)
                theirs = _variance_run(torch, method, data, correction, dim, upstream, dtype)
                where = f"{method}({data}, correction={correction}, dim={dim}), G={upstream}"
                np.testing.assert_array_equal(ours[0], theirs[0], err_msg=where)
                np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6, err_msg=where)
                assert ours[2] == theirs[2] == f"{method.capitalize()}Backward0", where
                warning = f"{method}(): degrees of freedom is <= 0. Correction should be " \
                          f"strictly less than the reduction factor (input numel divided by " \
                          f"output numel)."
                assert ours[3] == [warning] and theirs[3][0].startswith(warning), where
                ran += 1
    assert ran == len(VAR_CASES) * 6 == 84


def test_var_where_n_equals_correction_has_no_nan_from_the_mean():
    """The reported case: one entry, correction=1 is NaN (0/0) both ways; two entries with
    correction=2 are +inf with gradient [-inf, inf] along dim 0, [inf, inf] over all entries
    (the engine gave NaN gradients: the mean's path added ∞ − ∞)."""
    x = tg.tensor([1.0, 3.0], requires_grad=True)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        x.var(dim=0, correction=2).backward()
    assert x.grad.tolist() == [-np.inf, np.inf]
    x.grad = None
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        x.var(correction=2).backward()
    assert x.grad.tolist() == [np.inf, np.inf]
    one = tg.tensor([1.5], requires_grad=True)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        v = one.var()
    v.backward()
    assert np.isnan(v.item()) and np.isnan(one.grad.item())


def test_var_and_std_show_pytorchs_grad_fn_where_n_exceeds_correction():
    x = tg.tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    assert x.var().grad_fn.name() == "VarBackward0"
    assert x.std(dim=1).grad_fn.name() == "StdBackward0"


# ----------------------------------------------------------------------------------------
# keepdim without dim, and dim=None where PyTorch's dim is one int
# ----------------------------------------------------------------------------------------

def _x(lib):
    return lib.arange(6.0).reshape(2, 3)


KEEPDIM_REFUSED = {  # PyTorch 2.13 raises TypeError for each; its message starts ours
    "torch.sum(x, keepdim=True)": lambda lib: lib.sum(_x(lib), keepdim=True),
    "torch.sum(x, keepdim=False)": lambda lib: lib.sum(_x(lib), keepdim=False),
    "torch.sum(x, dtype=float64, keepdim=True)":
        lambda lib: lib.sum(_x(lib), dtype=lib.float64, keepdim=True),
    "torch.mean(x, keepdim=True)": lambda lib: lib.mean(_x(lib), keepdim=True),
    "torch.prod(x, keepdim=True)": lambda lib: lib.prod(_x(lib), keepdim=True),
    "torch.prod(x, dim=None)": lambda lib: lib.prod(_x(lib), dim=None),
    "torch.prod(x, dim=None, keepdim=True)": lambda lib: lib.prod(_x(lib), dim=None,
                                                                 keepdim=True),
    "torch.max(x, keepdim=True)": lambda lib: lib.max(_x(lib), keepdim=True),
    "torch.min(x, dim=None)": lambda lib: lib.min(_x(lib), dim=None),
    "torch.logsumexp(x, dim=None)": lambda lib: lib.logsumexp(_x(lib), dim=None),
    "x.prod(keepdim=True)": lambda lib: _x(lib).prod(keepdim=True),
    "x.prod(dim=None)": lambda lib: _x(lib).prod(dim=None),
    "x.prod(dim=None, keepdim=True)": lambda lib: _x(lib).prod(dim=None, keepdim=True),
    "x.prod(dtype=float64, keepdim=True)": lambda lib: _x(lib).prod(dtype=lib.float64,
                                                                    keepdim=True),
    "x.max(keepdim=True)": lambda lib: _x(lib).max(keepdim=True),
    "x.min(keepdim=False)": lambda lib: _x(lib).min(keepdim=False),
    "x.max(dim=None)": lambda lib: _x(lib).max(dim=None),
    "x.min(dim=None, keepdim=True)": lambda lib: _x(lib).min(dim=None, keepdim=True),
    "x.logsumexp(dim=None, keepdim=True)": lambda lib: _x(lib).logsumexp(dim=None,
                                                                         keepdim=True),
}


@pytest.mark.parametrize("label", sorted(KEEPDIM_REFUSED))
def test_keepdim_without_dim_is_refused_as_pytorch_refuses_it(label):
    message = assert_same_error(KEEPDIM_REFUSED[label], exact=False)
    assert message.startswith(label.split("(")[0].split(".")[-1] + "()"), message


def test_keepdim_refusals_counted_and_each_says_what_to_write():
    assert len(KEEPDIM_REFUSED) == 19
    with pytest.raises(TypeError, match=r"keepdim goes with dim: sum\(dim=None, keepdim=True\)"):
        tg.sum(tg.ones(2, 3), keepdim=True)
    with pytest.raises(TypeError, match=r"prod reduces over one int dim"):
        tg.ones(2, 3).prod(keepdim=True)


KEEPDIM_TAKEN = {  # PyTorch 2.13 takes these: the same shape and values here
    "x.sum(dim=None, keepdim=True)": lambda lib: _x(lib).sum(dim=None, keepdim=True),
    "torch.sum(x, None, True)": lambda lib: lib.sum(_x(lib), None, True),
    "torch.mean(x, dim=None, keepdim=True)": lambda lib: lib.mean(_x(lib), dim=None,
                                                                 keepdim=True),
    "x.prod()": lambda lib: _x(lib).prod(), "torch.prod(x, 1, True)": lambda lib: lib.prod(
        _x(lib), 1, True),
    "x.prod(dtype=float64)": lambda lib: _x(lib).prod(dtype=lib.float64),
    "torch.max(x)": lambda lib: lib.max(_x(lib)), "x.min(0, keepdim=True)": lambda lib:
        _x(lib).min(0, keepdim=True)[0],
    "torch.max(x, other)": lambda lib: lib.max(_x(lib), _x(lib).flip([1])),
    "x.amax(keepdim=True)": lambda lib: _x(lib).amax(keepdim=True),
    "torch.amin(x, keepdim=True)": lambda lib: lib.amin(_x(lib), keepdim=True),
    "x.argmax(keepdim=True)": lambda lib: _x(lib).argmax(keepdim=True),
    "x.var(keepdim=True)": lambda lib: _x(lib).var(keepdim=True),
    "x.std(keepdim=True)": lambda lib: _x(lib).std(keepdim=True),
    "x.norm(keepdim=True)": lambda lib: _x(lib).norm(keepdim=True),
    "x.all(keepdim=True)": lambda lib: _x(lib).all(keepdim=True),
    "x.any(keepdim=True)": lambda lib: _x(lib).any(keepdim=True),
}


def test_keepdim_where_pytorch_takes_it():
    ran = 0
    for label, call in KEEPDIM_TAKEN.items():
        ours, theirs = call(tg), call(torch)
        assert tuple(ours.shape) == tuple(theirs.shape), label
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=label)
        ran += 1
    assert ran == 17


def test_sum_and_mean_methods_refuse_keepdim_without_dim_as_pytorch():
    """x.sum(keepdim=True) and x.mean(keepdim=True) are PyTorch's TypeError; with dim=None,
    with a dim, or with neither they are taken, keeping PyTorch's shapes."""
    checked = 0
    for name in ("sum", "mean"):
        for lib in (torch, tg):
            with pytest.raises(TypeError, match="keepdim"):
                getattr(lib.ones(2, 3), name)(keepdim=True)
        for kwargs in ({}, {"dim": None, "keepdim": True}, {"dim": 1}, {"dim": 0, "keepdim": True}):
            ours = getattr(tg.ones(2, 3), name)(**kwargs)
            theirs = getattr(torch.ones(2, 3), name)(**kwargs)
            assert tuple(ours.shape) == tuple(theirs.shape), (name, kwargs)
            checked += 1
    assert checked == 8


# ----------------------------------------------------------------------------------------
# inference_mode: inference tensors, and what PyTorch refuses them outside the mode
# ----------------------------------------------------------------------------------------

def _made_in_inference_mode(lib):
    """(a, b, w, normal): a and b made inside inference_mode (b from an op on w), w a leaf
    that requires grad, normal a tensor made outside."""
    w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    normal = lib.ones(3)
    with lib.inference_mode():
        a = lib.ones(3)
        b = w * 2
    return a, b, w, normal


INFERENCE_FLAGS = {  # what is_inference() says: each compared with PyTorch
    "made inside": lambda lib: _made_in_inference_mode(lib)[0].is_inference(),
    "an op inside on a leaf outside": lambda lib: _made_in_inference_mode(lib)[1].is_inference(),
    "its requires_grad": lambda lib: _made_in_inference_mode(lib)[1].requires_grad,
    "made outside": lambda lib: _made_in_inference_mode(lib)[3].is_inference(),
    "a leaf made outside, seen inside": lambda lib: _made_in_inference_mode(lib)[2].is_inference(),
    "a view outside of one made inside": lambda lib: _made_in_inference_mode(lib)[0][:2]
        .is_inference(),
    "reshape of one made inside": lambda lib: _made_in_inference_mode(lib)[0].reshape(3, 1)
        .is_inference(),
    "detach() of one made inside": lambda lib: _made_in_inference_mode(lib)[0].detach()
        .is_inference(),
    "clone() of one made inside": lambda lib: _made_in_inference_mode(lib)[0].clone()
        .is_inference(),
    "an op outside on one made inside": lambda lib: _made_in_inference_mode(lib)[0].exp()
        .is_inference(),
    "torch.is_inference": lambda lib: lib.is_inference(_made_in_inference_mode(lib)[0]),
    "a view inside of one made outside": lambda lib: _view_inside(lib),
    "inside inference_mode(False)": lambda lib: _nested_false(lib),
    "returned by an @inference_mode function": lambda lib: lib.inference_mode(
        lambda: lib.ones(2))().is_inference(),
    "nn.Parameter inside": lambda lib: _parameter_inside(lib),
}


def _view_inside(lib):
    normal = lib.ones(3)
    with lib.inference_mode():
        return normal[:2].is_inference()


def _nested_false(lib):
    with lib.inference_mode(), lib.inference_mode(False):
        return lib.ones(2).is_inference()


def _parameter_inside(lib):
    with lib.inference_mode():
        p = lib.nn.Parameter(lib.ones(2))
    return p.is_inference(), p.requires_grad


def test_is_inference_is_pytorchs():
    ran = 0
    for label, call in INFERENCE_FLAGS.items():
        assert call(tg) == call(torch), label
        ran += 1
    assert ran == 15


def _refused(call):
    """call(lib, a, b, w) on tensors made as _made_in_inference_mode makes them."""
    def run(lib):
        a, b, w, _ = _made_in_inference_mode(lib)
        return call(lib, a, b, w)
    return run


def _step(lib, a, b, w):
    with lib.inference_mode():
        layer = lib.nn.Linear(3, 2)
    layer.weight.grad = lib.ones(2, 3)
    lib.optim.SGD(layer.parameters(), lr=0.1).step()


def _batch_norm_trained(lib, a, b, w):
    with lib.inference_mode():
        norm = lib.nn.BatchNorm1d(3)
    norm(lib.ones(4, 3))


INFERENCE_REFUSED = {  # (call, the start of PyTorch's message, which ours starts with too)
    "a.requires_grad_()": (lambda lib, a, b, w: a.requires_grad_(), "Setting requires_grad"),
    "a.requires_grad = True": (lambda lib, a, b, w: setattr(a, "requires_grad", True),
                               "Setting requires_grad"),
    "nn.Parameter(a)": (lambda lib, a, b, w: lib.nn.Parameter(a), "Setting requires_grad"),
    "w * a": (lambda lib, a, b, w: w * a, "Inference tensors cannot be saved"),
    "a * w": (lambda lib, a, b, w: a * w, "Inference tensors cannot be saved"),
    "b * w": (lambda lib, a, b, w: b * w, "Inference tensors cannot be saved"),
    "w @ a": (lambda lib, a, b, w: w @ a, "Inference tensors cannot be saved"),
    "F.linear(a, W)": (lambda lib, a, b, w: lib.nn.functional.linear(a.reshape(1, 3),
                                                                    w.reshape(1, 3)),
                       "Inference tensors cannot be saved"),
    "a.add_(1)": (lambda lib, a, b, w: a.add_(1), "Inplace update to inference tensor"),
    "a += 1": (lambda lib, a, b, w: a.__iadd__(1), "Inplace update to inference tensor"),
    "a[0] = 5": (lambda lib, a, b, w: a.__setitem__(0, 5.0), "Inplace update to inference"),
    "a[0] = w[0]": (lambda lib, a, b, w: a.__setitem__(0, w[0]), "Inplace update to inference"),
    "a.zero_()": (lambda lib, a, b, w: a.zero_(), "Inplace update to inference tensor"),
    "a.copy_(w)": (lambda lib, a, b, w: a.copy_(w.detach()), "Inplace update to inference"),
    "a[:2].mul_(2) under no_grad": (lambda lib, a, b, w: _under_no_grad(lib, a[:2].mul_, 2),
                                    "Inplace update to inference tensor"),
    "torch.exp(w, out=a)": (lambda lib, a, b, w: lib.exp(w.detach(), out=a),
                            "Inplace update to inference tensor"),
    "optimizer.step()": (_step, "Inplace update to inference tensor"),
    "BatchNorm1d's running statistics": (_batch_norm_trained, "Inplace update to inference"),
}


def _under_no_grad(lib, fn, *args):
    with lib.no_grad():
        return fn(*args)


@pytest.mark.parametrize("label", sorted(INFERENCE_REFUSED))
def test_inference_tensors_are_refused_outside_the_mode_as_pytorch_refuses_them(label):
    call, start = INFERENCE_REFUSED[label]
    message = assert_same_error(_refused(call), exact=False)
    assert message.startswith(start), message


def test_inference_refusals_counted_and_the_tensor_left_unchanged():
    """18 refusals.  A refused in-place change leaves the values as they were here (PyTorch
    2.13 has written some of them before it raises: a.zero_() zeroes a, then raises)."""
    assert len(INFERENCE_REFUSED) == 18
    a, _, _, _ = _made_in_inference_mode(tg)
    for change in (lambda: a.zero_(), lambda: a.__setitem__(0, 5.0), lambda: a.add_(1)):
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor"):
            change()
    assert a.tolist() == [1.0, 1.0, 1.0]


INFERENCE_ALLOWED = {  # PyTorch takes these; the same values here
    "w + a (add saves nothing)": lambda lib, a, b, w: (w + a).sum(),
    "a.sum() outside": lambda lib, a, b, w: a.sum(),
    "a.exp() * w": lambda lib, a, b, w: (a.exp() * w).sum(),
    "a.clone().requires_grad_()": lambda lib, a, b, w: (a.clone().requires_grad_() * w).sum(),
    "a.requires_grad_(False)": lambda lib, a, b, w: a.requires_grad_(False).sum(),
    "a.clone().add_(1)": lambda lib, a, b, w: a.clone().add_(1).sum(),
    "inside: a.add_(1), a.requires_grad_()": lambda lib, a, b, w: _changed_inside(lib, a),
    "w * a under no_grad": lambda lib, a, b, w: _under_no_grad(lib, lambda: (w * a).sum()),
}


def _changed_inside(lib, a):
    with lib.inference_mode():
        a.add_(1)
        a.requires_grad_()
        return a.sum()


def test_what_pytorch_allows_inference_tensors_is_allowed():
    ran = 0
    for label, call in INFERENCE_ALLOWED.items():
        ours, theirs = _refused(call)(tg), _refused(call)(torch)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6,
                                   err_msg=label)
        ran += 1
    assert ran == 8
    a, _, w, _ = _made_in_inference_mode(tg)
    (w + a).sum().backward()
    assert w.grad.tolist() == [1.0, 1.0, 1.0]


def test_marking_adds_nothing_to_making_a_tensor_outside_the_mode():
    """Outside every inference_mode block Tensor._init is tensor.py's own function (the
    marking wrapper is installed while a block is open, in any thread, and removed after,
    an exception included); another thread's tensors are not marked."""
    import threading
    from tinygrad_edu import environment
    plain = tg.Tensor.__dict__["_init"]
    assert plain is environment._PLAIN_INIT
    with pytest.raises(ValueError):
        with tg.inference_mode():
            assert tg.Tensor.__dict__["_init"] is not plain
            raise ValueError
    assert tg.Tensor.__dict__["_init"] is plain and environment._installed == [0]
    made = {}
    with tg.inference_mode():
        worker = threading.Thread(target=lambda: made.setdefault("other", tg.ones(2)))
        worker.start()
        worker.join()
        mine = tg.ones(2)
    assert mine.is_inference() and not made["other"].is_inference()
    assert tg.Tensor.__dict__["_init"] is plain


# ----------------------------------------------------------------------------------------
# A torch.Tensor method the engine lacks: NotInEngine, with no __getattr__ on Tensor
# ----------------------------------------------------------------------------------------

def _torch_tensor_names():
    return {n for n in dir(torch.Tensor) if not n.startswith("_")}


def test_every_tensor_method_pytorch_has_and_the_engine_lacks_raises_not_in_engine():
    """For each public name of PyTorch's Tensor that the engine does not have: hasattr is
    False, getattr(t, name, default) gives the default, reading it raises NotInEngine (an
    AttributeError) naming it; the names are exactly PyTorch's, read from torch here."""
    from tinygrad_edu.scope import NotInEngine
    t = tg.tensor([1.0, 2.0])
    lacking = sorted(n for n in _torch_tensor_names()
                     if isinstance(vars(tg.Tensor).get(n), type(vars(tg.Tensor)["stft"])))
    real = {n for n in dir(t) if not n.startswith("_")}
    assert set(lacking) == _torch_tensor_names() - real
    for name in lacking:
        assert not hasattr(t, name), name
        assert getattr(t, name, "default") == "default"
        with pytest.raises(NotInEngine, match=rf"Tensor does not have '{name}'"):
            getattr(t, name)
    assert len(lacking) == 464


def test_tensor_placeholders_stay_out_of_dir_and_tensor_has_no_getattr():
    t = tg.ones(2)
    assert "stft" not in dir(t) and "shape" in dir(t) and "sum" in dir(t)
    for cls in type(t).__mro__:
        assert "__getattr__" not in vars(cls), cls  # (it slowed every attribute access)
    assert not hasattr(tg.nn.Parameter(tg.ones(2)), "stft")  # subclasses inherit them
    with pytest.raises(AttributeError) as info:
        t.not_a_pytorch_name  # noqa: B018 — not PyTorch's either: Python's own error
    assert type(info.value) is AttributeError
    with pytest.raises(AttributeError, match=r"Tensor does not have 'sort'.*Nearby here: sqrt"):
        t.sort()


# ---------------------------------------------------------------------------------------------
# t[key] = value drops the value's leading size-1 axes, as PyTorch (found by the thorough fuzzer)
# ---------------------------------------------------------------------------------------------

SETITEM_LEADING_ONES = [  # (target shape, key, value shape)
    ((3,), slice(0, 1), (1, 1)), ((3,), 0, (1,)), ((3,), 0, (1, 1, 1)),
    ((2, 3), (0, slice(None)), (1, 3)), ((2, 3), (slice(None), 1), (1, 1, 2)),
]


@pytest.mark.parametrize("recorded", [False, True])
def test_item_assignment_drops_the_values_leading_ones_as_pytorch(recorded):
    ran = 0
    for shape, key, value_shape in SETITEM_LEADING_ONES:
        results = []
        for lib in (tg, torch):
            value = lib.tensor(np.arange(1.0, 1.0 + np.prod(value_shape)).reshape(value_shape),
                               requires_grad=recorded)
            target = lib.zeros(shape, requires_grad=recorded) * 1 if recorded else lib.zeros(shape)
            target[key] = value * 2
            weights = lib.tensor(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape))
            grad = None
            if recorded:
                (target * weights).sum().backward()
                grad = value.grad.numpy()
            results.append((target.detach().numpy(), grad))
        (ours, our_grad), (theirs, their_grad) = results
        np.testing.assert_array_equal(ours, theirs)
        if recorded:
            assert our_grad.shape == value_shape
            np.testing.assert_array_equal(our_grad, their_grad)
        ran += 1
    assert ran == len(SETITEM_LEADING_ONES) == 5
