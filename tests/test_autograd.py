"""Hand-written tests of the graph and the backward pass, each checked against PyTorch.

Most tests are written once as a function of the library (`lib` is tinygrad_edu or torch), so
the same lines of PyTorch-style code run on both and the results are compared. Where PyTorch
has no answer (a 10,000-op chain's value), the expected value is computed by hand.
"""

import gc
import threading
import warnings
import weakref

import numpy as np
import pytest
import torch

import tinygrad_edu
from tinygrad_edu import autograd

LIBS = (tinygrad_edu, torch)


def as_numpy(t):
    """A Tensor of either library (or None) as a float64 ndarray for comparison."""
    if t is None:
        return None
    return np.asarray(t.detach().numpy(), dtype=np.float64)


def on_both(fn, *arrays, dtype="float64", **kwargs):
    """Run fn(lib, *tensors) on tinygrad_edu and on torch with the same inputs.

    Every array in `arrays` becomes a leaf requiring grad in each library; fn returns a tuple
    of Tensors (or None). Gives (ours, theirs) as tuples of ndarrays.
    """
    results = []
    for lib in LIBS:
        leaves = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]
        out = fn(lib, *leaves, **kwargs)
        results.append(tuple(as_numpy(t) for t in out))
    return results


def assert_same(ours, theirs, rtol=1e-6, atol=1e-9):
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if b is None:
            assert a is None, f"result {i}: PyTorch gives None, we give {a}"
            continue
        assert a is not None, f"result {i}: we give None, PyTorch gives {b}"
        assert a.shape == b.shape, f"result {i}: shape {a.shape} vs PyTorch's {b.shape}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"result {i}")


RNG = np.random.default_rng(20240601)


def rand(*shape):
    return RNG.standard_normal(shape)


# --------------------------------------------------------------------------------------------
# Graph shapes: diamonds, reuse, long chains
# --------------------------------------------------------------------------------------------

def test_diamond_two_branches_joined_again():
    def fn(lib, x):
        a = x * 2.0          # branch one
        b = x.exp()          # branch two
        out = (a * b).sum()  # joined again
        out.backward()
        return out, x.grad
    assert_same(*on_both(fn, rand(3, 4)))


def test_nested_diamonds_with_broadcasting():
    def fn(lib, x, w):
        h = x @ w                       # (5, 3)
        left = h.tanh()
        right = h.sigmoid() * h         # h used twice more
        joined = left + right
        top = joined * joined.sum(dim=0, keepdim=True)  # joined reused through a reduction
        out = top.mean()
        out.backward()
        return out, x.grad, w.grad
    assert_same(*on_both(fn, rand(5, 4), rand(4, 3)))


def test_reuse_of_one_tensor_several_times_in_one_expression():
    def fn(lib, x):
        out = (x * x * x + x - x / (x * x + 1.0)).sum()
        out.backward()
        return out, x.grad
    assert_same(*on_both(fn, rand(6)))


def test_reuse_of_an_intermediate_as_both_operands():
    def fn(lib, x):
        h = x.sin()
        out = (h * h + h @ h).sum()  # h @ h: a 1-D dot product, h on both sides
        out.backward()
        return out, x.grad
    assert_same(*on_both(fn, rand(5)))


def test_ten_thousand_op_chain_backward_is_iterative():
    # y = c·(…(c·(c·x + 1) + 1)…) + 1 with 5,000 multiplies and 5,000 adds: dy/dx = c^5000.
    c = 1.0001
    x = tinygrad_edu.tensor(0.5, dtype=tinygrad_edu.float64, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * c
        y = y + 1.0
    y.backward()
    assert x.grad.item() == pytest.approx(c ** 5000, rel=1e-9)
    # The value too, by the closed form of the geometric series.
    expected_value = 0.5 * c ** 5000 + (c ** 5000 - 1) / (c - 1)
    assert y.item() == pytest.approx(expected_value, rel=1e-9)


def test_ten_thousand_op_chain_of_nonlinear_ops_matches_torch():
    def fn(lib, x):
        y = x
        for _ in range(10000):
            y = y.sin()
        y.sum().backward()
        return y, x.grad
    assert_same(*on_both(fn, rand(2)), rtol=1e-9)


# --------------------------------------------------------------------------------------------
# Accumulation and retain_graph
# --------------------------------------------------------------------------------------------

def test_accumulation_over_two_backward_calls():
    def fn(lib, x, w):
        (x * w).sum().backward()
        first = x.grad.clone()
        (x * x).sum().backward()
        return first, x.grad, w.grad
    ours, theirs = on_both(fn, rand(4), rand(4))
    assert_same(ours, theirs)
    # and the second call really added: x.grad = w + 2x
    assert not np.allclose(ours[0], ours[1])


def test_retain_graph_allows_a_second_backward():
    def fn(lib, x):
        h = x.exp() * x
        loss = h.sum()
        loss.backward(retain_graph=True)
        once = x.grad.clone()
        loss.backward()
        return once, x.grad
    ours, theirs = on_both(fn, rand(3))
    assert_same(ours, theirs)
    np.testing.assert_allclose(ours[1], 2 * ours[0])


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_second_backward_without_retain_graph_raises(lib):
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        loss.backward()


def test_saved_values_freed_after_backward_while_grad_fn_stays():
    x = tinygrad_edu.tensor([0.5, 1.5], requires_grad=True)
    w = tinygrad_edu.tensor([2.0, 3.0], requires_grad=True)
    h = x.exp()
    saved_only_by_the_graph = weakref.ref(h._data)  # exp and mul both save h's array
    loss = (h * w).sum()
    del h
    gc.collect()
    assert saved_only_by_the_graph() is not None, "the graph must keep what backward needs"
    loss.backward()
    gc.collect()
    assert saved_only_by_the_graph() is None, "backward must release the saved arrays"
    # grad_fn stays, and the graph can still be walked down to the leaves
    node = loss.grad_fn
    assert node is not None and node.name() == "SumBackward0"
    seen_names, leaves = [], []
    stack = [node]
    while stack:
        n = stack.pop()
        seen_names.append(n.name())
        for child, _ in n.next_functions:
            if child is None:
                continue
            if child.name() == "AccumulateGrad":
                leaves.append(child.variable)
            else:
                stack.append(child)
    assert seen_names == ["SumBackward0", "MulBackward0", "ExpBackward0"]
    assert any(leaf is x for leaf in leaves) and any(leaf is w for leaf in leaves)


def test_next_functions_names_match_torch():
    def names(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([3.0, 4.0])
        loss = (x * c).sum()
        loss.backward()  # walking must still work after the graph was released
        mul = loss.grad_fn.next_functions[0][0]
        return [loss.grad_fn.name(), mul.name()] + [
            None if f is None else f.name().replace("torch::autograd::", "")
            for f, _ in mul.next_functions]
    assert names(tinygrad_edu) == names(torch)


# --------------------------------------------------------------------------------------------
# Grad mode: no_grad, enable_grad, set_grad_enabled, threads
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_no_grad_context_manager(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        y = x * 2
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    z = x * 2
    assert z.requires_grad and z.grad_fn is not None


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_no_grad_decorator(lib):
    @lib.no_grad()
    def double(t):
        """Doubles."""
        return t * 2

    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = double(x)
    assert not y.requires_grad and y.grad_fn is None
    assert lib.is_grad_enabled()
    assert double.__name__ == "double" and double.__doc__ == "Doubles."
    assert (x * 2).requires_grad


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_no_grad_restored_after_an_exception(lib):
    with pytest.raises(ValueError):
        with lib.no_grad():
            raise ValueError("boom")
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_enable_grad_inside_no_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        with lib.enable_grad():
            y = x * 3
        z = x * 3
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_set_grad_enabled_as_call_context_and_decorator(lib):
    x = lib.tensor([1.0], requires_grad=True)
    try:
        lib.set_grad_enabled(False)  # as a plain call: switches until switched back
        assert not lib.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        lib.set_grad_enabled(True)
    assert lib.is_grad_enabled()
    with lib.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @lib.set_grad_enabled(False)
    def f(t):
        return t * 2
    assert lib.is_grad_enabled(), "building the decorator must not switch grad mode"
    assert not f(x).requires_grad
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_no_grad_is_thread_local(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    other_entered_no_grad = threading.Event()
    main_checked = threading.Event()
    seen = {}

    def other():
        with lib.no_grad():
            other_entered_no_grad.set()
            main_checked.wait(timeout=10)
            # main recorded meanwhile; this thread must still be in no_grad
            seen["other_records"] = (x * 2).requires_grad
            seen["other_enabled"] = lib.is_grad_enabled()

    thread = threading.Thread(target=other)
    thread.start()
    assert other_entered_no_grad.wait(timeout=10)
    seen["main_enabled"] = lib.is_grad_enabled()
    y = x * 2
    seen["main_records"] = y.requires_grad and y.grad_fn is not None
    main_checked.set()
    thread.join(timeout=10)
    assert seen == {"main_enabled": True, "main_records": True, "other_records": False,
                    "other_enabled": False}


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_no_grad_in_main_does_not_switch_off_a_thread(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    barrier = threading.Barrier(2, timeout=10)
    seen = {}

    def other():
        barrier.wait()  # main is inside no_grad now
        y = x * 2
        seen["other_records"] = y.requires_grad and y.grad_fn is not None
        barrier.wait()

    thread = threading.Thread(target=other)
    thread.start()
    with lib.no_grad():
        barrier.wait()
        barrier.wait()  # the other thread has recorded
        seen["main_records"] = (x * 2).requires_grad
    thread.join(timeout=10)
    assert seen == {"other_records": True, "main_records": False}


# --------------------------------------------------------------------------------------------
# Non-leaf gradients, autograd.grad, explicit gradients
# --------------------------------------------------------------------------------------------

def test_retain_grad_on_non_leaves():
    def fn(lib, x):
        h = x * x
        h.retain_grad()
        z = h.exp()
        z.retain_grad()
        z.sum().backward()
        assert h.retains_grad and not h.is_leaf
        return h.grad, z.grad, x.grad
    assert_same(*on_both(fn, rand(3)))


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_grad_of_a_non_leaf_warns_and_is_none(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert h.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a leaf's .grad must not warn
        assert x.grad is not None


def test_autograd_grad_returns_gradients_and_touches_no_grad_attribute():
    def fn(lib, x, w):
        out = ((x @ w).tanh() * x.sum()).sum()
        gx, gw = lib.autograd.grad(out, (x, w))
        assert x.grad is None and w.grad is None
        return gx, gw
    assert_same(*on_both(fn, rand(2, 3), rand(3, 4)))


def test_autograd_grad_with_respect_to_a_non_leaf():
    def fn(lib, x):
        h = x.sin()
        out = (h * h).sum()
        (gh,) = lib.autograd.grad(out, [h])
        assert x.grad is None
        return (gh,)
    assert_same(*on_both(fn, rand(4)))


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_autograd_grad_allow_unused(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    unused = lib.tensor([3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        lib.autograd.grad((x * x).sum(), [x, unused])
    gx, gu = lib.autograd.grad((x * x).sum(), [x, unused], allow_unused=True)
    assert gu is None
    assert gx.tolist() == [2.0, 4.0]


def test_autograd_grad_with_grad_outputs_and_retain_graph():
    def fn(lib, x):
        y = x.exp() * 2
        v = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64)
        (g1,) = lib.autograd.grad(y, x, grad_outputs=v, retain_graph=True)
        (g2,) = lib.autograd.grad(y, x, grad_outputs=v)
        return g1, g2
    assert_same(*on_both(fn, rand(3)))


def test_backward_with_gradient_for_a_non_scalar_output():
    def fn(lib, x):
        y = x * x.exp()
        y.backward(gradient=lib.tensor([[1.0, 0.5], [-1.0, 2.0]], dtype=lib.float64))
        return (x.grad,)
    assert_same(*on_both(fn, rand(2, 2)))


# --------------------------------------------------------------------------------------------
# .grad as an attribute
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_grad_is_settable(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    x.grad = None
    assert x.grad is None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0], "after grad = None, backward starts afresh"
    x.grad = lib.tensor([10.0, 20.0])
    (x * 3).sum().backward()
    assert x.grad.tolist() == [13.0, 23.0], "a set .grad is accumulated into"
    with pytest.raises(RuntimeError):
        x.grad = lib.zeros(3)
    with pytest.raises(TypeError):
        x.grad = 5


def test_grad_setter_shape_mismatch_names_both_shapes():
    x = tinygrad_edu.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"(?s)(\(4,\)|\[4\]).*(\(2, 3\)|\[2, 3\])"):
        x.grad = tinygrad_edu.zeros(4)


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_first_accumulation_stores_a_copy(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    source = lib.tensor([5.0, 7.0])
    (x + 0).backward(source)  # add passes the incoming gradient through unchanged
    source.add_(100)
    assert x.grad.tolist() == [5.0, 7.0]
    x.backward(source)  # a leaf as the root: the gradient itself would be the first value
    assert x.grad.tolist() == [110.0, 114.0]


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_two_leaves_fed_the_same_gradient_do_not_share_storage(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # add hands the same incoming gradient to both
    (a * 2).sum().backward()  # accumulates into a.grad only
    assert a.grad.tolist() == [3.0, 3.0]
    assert b.grad.tolist() == [1.0, 1.0]


# --------------------------------------------------------------------------------------------
# In-place changes
# --------------------------------------------------------------------------------------------

def test_sgd_step_in_place_under_no_grad_trains_and_keeps_the_object():
    def fn(lib, w):
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], dtype=lib.float64)
        y = lib.tensor([1.0, -1.0, 0.0], dtype=lib.float64)
        obj, storage = id(w), w.detach().numpy().__array_interface__["data"][0]
        losses = []
        for _ in range(20):
            loss = ((x @ w - y) ** 2).mean()
            losses.append(loss.item())
            loss.backward()
            with lib.no_grad():
                w -= 0.1 * w.grad
            w.grad = None
        assert id(w) == obj and w.is_leaf and w.requires_grad
        assert w.detach().numpy().__array_interface__["data"][0] == storage
        assert losses[-1] < 0.5 * losses[0]
        return w, lib.tensor(losses, dtype=lib.float64)
    assert_same(*on_both(fn, rand(2)))


def test_masked_assignment_on_a_non_leaf_gives_torchs_gradient():
    def fn(lib, x):
        h = x * 3
        h[h < 0] = 0
        (h * h).sum().backward()
        return h, x.grad
    assert_same(*on_both(fn, np.array([-1.0, 0.5, -0.25, 2.0])))


def test_item_assignment_into_a_plain_tensor_records_the_value():
    def fn(lib, w):
        x = lib.zeros(3, dtype=lib.float64)
        x[0] = w[0]
        x[2] = w[1] * 2
        assert x.requires_grad and x.grad_fn is not None
        (x * lib.tensor([1.0, 10.0, 100.0], dtype=lib.float64)).sum().backward()
        return x, w.grad
    assert_same(*on_both(fn, np.array([0.5, -1.5])))


def test_in_place_add_on_a_non_leaf_records():
    def fn(lib, x, y):
        h = x * 2
        h += y
        h *= x
        h -= 1.0
        h /= y
        h.sum().backward()
        return h, x.grad, y.grad
    assert_same(*on_both(fn, rand(3), np.array([1.5, -2.0, 0.75])))


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_tensor_saved_for_backward_then_changed_in_place_makes_backward_raise(lib):
    x = lib.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()   # exp saves its result for backward
    y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_in_place_change_of_an_unsaved_tensor_is_fine(lib):
    x = lib.tensor([0.5, 1.0], requires_grad=True)
    y = x + 1     # add saves nothing
    y *= 2        # mul by a constant needs nothing of y
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


# --------------------------------------------------------------------------------------------
# Dtype promotion: every row of PYTORCH-SEMANTICS.md, asked of PyTorch
# --------------------------------------------------------------------------------------------

def _zero_d_f64(lib):
    return lib.tensor(2.5, dtype=lib.float64)


PROMOTION_ROWS = {
    "tensor of floats": lambda lib: lib.tensor([1.0, 2.0]),
    "randn": lambda lib: lib.randn(2, 3),
    "zeros": lambda lib: lib.zeros(2),
    "tensor of ints": lambda lib: lib.tensor([1, 2]),
    "tensor of a float64 ndarray": lambda lib: lib.tensor(np.array([1.0, 2.0])),
    "from_numpy float64": lambda lib: lib.from_numpy(np.array([1.0, 2.0])),
    "FloatTensor of a list": lambda lib: lib.FloatTensor([1, 2]),
    "FloatTensor of an ndarray": lambda lib: lib.FloatTensor(np.array([1.0, 2.0])),
    "FloatTensor(3)": lambda lib: lib.FloatTensor(3),
    "from_numpy int32": lambda lib: lib.from_numpy(np.array([1, 2], dtype=np.int32)),
    "int / int": lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 4]),
    "int * 2.5": lambda lib: lib.tensor([1, 2]) * 2.5,
    "float32 + 0-d float64": lambda lib: lib.tensor([1.0, 2.0]) + _zero_d_f64(lib),
    "float32 + Python float": lambda lib: lib.tensor([1.0, 2.0]) + 2.5,
    "int64 + 0-d float64": lambda lib: lib.tensor([1, 2]) + _zero_d_f64(lib),
    "0-d float32 + 0-d float64": lambda lib: lib.tensor(1.0) + _zero_d_f64(lib),
    "float32 + 1-d float64": lambda lib: lib.tensor([1.0, 2.0]) + lib.tensor(
        [2.5], dtype=lib.float64),
    "sum of int": lambda lib: lib.tensor([1, 2]).sum(),
    "int64 + 1.5": lambda lib: lib.tensor([1, 2]) + 1.5,
    "int32 + 5": lambda lib: lib.tensor([1, 2], dtype=lib.int32) + 5,
    "int32 + 0-d int64": lambda lib: lib.tensor([1, 2], dtype=lib.int32) + lib.tensor(5),
    "bool + True": lambda lib: lib.tensor([True, False]) + True,
    "bool + int": lambda lib: lib.tensor([True, False]) + 3,
    "float64 * float32 0-d": lambda lib: lib.tensor([1.0], dtype=lib.float64) * lib.tensor(2.0),
}

PROMOTION_ERRORS = {
    "float32 @ float64": lambda lib: lib.ones(2, 2) @ lib.ones(2, 2, dtype=lib.float64),
    "mean of int": lambda lib: lib.tensor([1, 2]).mean(),
    "requires_grad on int": lambda lib: lib.tensor([1, 2], requires_grad=True),
    "FloatTensor of an int64 tensor": lambda lib: lib.FloatTensor(lib.tensor([1, 2])),
}


@pytest.mark.parametrize("row", sorted(PROMOTION_ROWS))
def test_dtype_promotion_row_matches_torch(row):
    make = PROMOTION_ROWS[row]
    ours, theirs = make(tinygrad_edu), make(torch)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", ""), row
    assert tuple(ours.shape) == tuple(theirs.shape)
    if row not in ("FloatTensor(3)", "randn"):  # uninitialised in PyTorch / random
        np.testing.assert_allclose(ours.numpy().astype(np.float64),
                                   theirs.numpy().astype(np.float64))


@pytest.mark.parametrize("row", sorted(PROMOTION_ERRORS))
def test_dtype_promotion_error_row_matches_torch(row):
    make = PROMOTION_ERRORS[row]
    with pytest.raises(Exception) as theirs:
        make(torch)
    with pytest.raises(Exception) as ours:
        make(tinygrad_edu)
    assert ours.type is theirs.type, f"{row}: we raise {ours.type}, PyTorch {theirs.type}"


def test_dtype_of_gradient_follows_the_leaf():
    x = tinygrad_edu.tensor([1.0, 2.0], requires_grad=True)      # float32
    y = x * tinygrad_edu.tensor([3.0, 4.0], dtype=tinygrad_edu.float64)  # float64 result
    assert y.dtype == tinygrad_edu.float64
    y.sum().backward()
    assert x.grad.dtype == tinygrad_edu.float32
    assert x.grad.tolist() == [3.0, 4.0]


# --------------------------------------------------------------------------------------------
# .data, .detach(), .numpy()
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_data_shares_storage_outside_the_graph(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = x.data
    assert isinstance(d, lib.Tensor)
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d[0] = 10.0          # allowed: .data is outside the graph
    d.mul_(2)
    assert x.tolist() == [20.0, 4.0, 6.0]
    y = (x * x).sum()    # x saved by mul; a later .data change is not tracked
    x.data.add_(1)
    y.backward()
    assert x.grad.tolist() == [42.0, 10.0, 14.0]


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_detach_shares_storage_and_version(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    assert y.requires_grad and y.grad_fn is not None
    d.zero_()
    assert y.tolist() == [0.0, 0.0], "detach shares the storage"
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()  # exp's saved output was changed through the detached alias


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_numpy_shares_memory_and_refuses_requires_grad(lib):
    x = lib.zeros(3)
    arr = x.numpy()
    arr[1] = 7.0
    assert x.tolist() == [0.0, 7.0, 0.0]
    x.add_(1)
    assert arr.tolist() == [1.0, 8.0, 1.0]
    w = lib.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        w.numpy()
    assert w.detach().numpy().tolist() == [1.0, 1.0]


# --------------------------------------------------------------------------------------------
# Custom Functions
# --------------------------------------------------------------------------------------------

def make_scaled_product(lib, log):
    """out = x ⊙ y · factor, with a non-tensor argument and an optional tensor."""

    class ScaledProduct(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, factor, note):
            ctx.save_for_backward(x, y)
            ctx.factor = factor
            log.append(("forward grad mode", lib.is_grad_enabled()))
            return x * y * factor

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            log.append(("needs_input_grad", tuple(ctx.needs_input_grad)))
            log.append(("backward grad mode", lib.is_grad_enabled()))
            gx = grad * y * ctx.factor if ctx.needs_input_grad[0] else None
            gy = grad * x * ctx.factor if ctx.needs_input_grad[1] else None
            return gx, gy, None, None

    return ScaledProduct


@pytest.mark.parametrize("y_requires_grad", [True, False])
def test_custom_function_save_for_backward_needs_input_grad_non_tensor_args(y_requires_grad):
    results, logs = [], []
    for lib in LIBS:
        log = []
        fn = make_scaled_product(lib, log)
        x = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = lib.tensor([0.5, 4.0, -1.0], dtype=lib.float64, requires_grad=y_requires_grad)
        out = fn.apply(x, y, 2.5, "a note")
        assert out.requires_grad and out.grad_fn is not None
        (out * out).sum().backward()
        results.append((as_numpy(out), as_numpy(x.grad), as_numpy(y.grad)))
        logs.append(log)
    assert_same(*results)
    assert logs[0] == logs[1]
    assert ("needs_input_grad", (True, y_requires_grad, False, False)) in logs[0]


def make_passthrough(lib):
    class PassThrough(lib.autograd.Function):
        """Forward returns its input unchanged; backward doubles the gradient."""

        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    return PassThrough


@pytest.mark.parametrize("lib", LIBS, ids=["ours", "torch"])
def test_function_whose_forward_returns_its_input_unchanged(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = make_passthrough(lib).apply(x)
    assert y is not x
    assert x.is_leaf and x.grad_fn is None, "the input must stay a leaf"
    assert y.grad_fn is not None and not y.is_leaf
    (y * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_function_returning_its_input_on_a_non_leaf_matches_torch():
    def fn(lib, x):
        h = x.sin()
        y = make_passthrough(lib).apply(h)
        (y * h).sum().backward()
        return y, x.grad
    assert_same(*on_both(fn, rand(3)))


def test_custom_function_in_no_grad_is_not_recorded():
    fn = make_passthrough(tinygrad_edu)
    x = tinygrad_edu.tensor([1.0], requires_grad=True)
    with tinygrad_edu.no_grad():
        y = fn.apply(x * 1)
    assert not y.requires_grad and y.grad_fn is None


def test_custom_function_and_builtin_ops_share_one_backward_pass():
    log = []
    fn = make_scaled_product(tinygrad_edu, log)
    x = tinygrad_edu.tensor([1.0, 2.0], requires_grad=True)
    out = fn.apply(x.exp(), x, 1.0, None).sum()
    node = out.grad_fn.next_functions[0][0]
    assert node.name() == "ScaledProductBackward"
    assert isinstance(node, autograd.Node)
    # the tensor arguments lead to exp's node and to x's accumulator (PyTorch lists only the
    # tensor arguments; ours also lists the two non-tensor ones, as None)
    tensor_entries = [f.name() for f, _ in node.next_functions if f is not None]
    assert tensor_entries == ["ExpBackward0", "AccumulateGrad"]


# --------------------------------------------------------------------------------------------
# In-place changes through views: PyTorch's answer, or a clear error — never a wrong gradient
# --------------------------------------------------------------------------------------------

def _view_then_change_view(lib, x, y):
    h = x * 1
    v = h[0:2]
    v += y
    (h * h).sum().backward()
    return h, x.grad, y.grad


def _change_through_reshape_view(lib, x, y):
    h = x * 1
    h.view(3).mul_(2)
    (h * h * y.sum()).sum().backward()
    return h, x.grad, y.grad


def _chained_item_assignment(lib, x, y):
    h = (x * y.sum()).reshape(1, 3)
    h[0][1] = 5.0
    (h * h).sum().backward()
    return h, x.grad, y.grad


def _augmented_indexed_assignment(lib, x, y):
    h = x * 2
    h[0:2] += y
    (h * h).sum().backward()
    return h, x.grad, y.grad


def _base_changed_after_the_view(lib, x, y):
    h = x * 1
    v = h[0:2]
    h *= 2
    (v * y).sum().backward()
    return v, x.grad, y.grad


def _plain_base_gains_a_graph_after_the_view(lib, x, y):
    base = lib.zeros(3, dtype=lib.float64)
    v = base[0:2]
    base[0] = x[2]
    (v * y).sum().backward()
    return v, x.grad, y.grad


def _rows_changed_while_iterating(lib, x, y):
    h = lib.stack([x, x * 2])
    for row in h:
        row *= 3
    (h * h).sum().backward()
    return h, x.grad, y.grad


def _transposed_view_changed(lib, x, y):
    h = lib.stack([x, y.sum() * x])
    h.T.mul_(3)
    (h * h).sum().backward()
    return h, x.grad, y.grad


VIEW_SCENARIOS = [_view_then_change_view, _change_through_reshape_view, _chained_item_assignment,
                  _augmented_indexed_assignment, _base_changed_after_the_view,
                  _plain_base_gains_a_graph_after_the_view, _rows_changed_while_iterating,
                  _transposed_view_changed]


@pytest.mark.parametrize("scenario", VIEW_SCENARIOS, ids=lambda f: f.__name__.strip("_"))
def test_in_place_through_views_matches_torch_or_raises_clearly(scenario):
    x_values, y_values = np.array([1.0, -2.0, 3.0]), np.array([0.5, 1.5])
    outcomes = []
    for lib in LIBS:
        x = lib.tensor(x_values, requires_grad=True)
        y = lib.tensor(y_values, requires_grad=True)
        try:
            outcomes.append(tuple(as_numpy(t) for t in scenario(lib, x, y)))
        except RuntimeError as e:
            outcomes.append(e)
    ours, theirs = outcomes
    if isinstance(ours, RuntimeError):
        # refusing is allowed, if the message says what went wrong and what to do instead
        assert "view" in str(ours) and ("clone()" in str(ours) or "again" in str(ours)), ours
    else:
        assert not isinstance(theirs, RuntimeError), f"PyTorch refuses ({theirs}), we do not"
        assert_same(ours, theirs)


def test_variable_of_old_tutorials_runs_as_in_pytorch():
    """from torch.autograd import Variable, as tutorials before 2018 wrote it: Variable(t,
    requires_grad=…) is a new leaf over t's storage, every tensor is a Variable, and their
    training loop (w.data -= lr * w.grad.data; w.grad.data.zero_()) runs as in PyTorch."""
    runs = []
    for lib in (tinygrad_edu, torch):
        Variable = lib.autograd.Variable
        data = lib.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]])
        x = Variable(data)
        w = Variable(lib.tensor([[0.5], [-0.25]]), requires_grad=True)
        target = Variable(lib.tensor([[1.0], [0.0], [2.0]]), requires_grad=False)
        losses = []
        for _ in range(3):
            loss = ((x.mm(w) - target) ** 2).sum()
            loss.backward()
            w.data -= 0.05 * w.grad.data
            w.grad.data.zero_()
            losses.append(loss.item())
        shared = Variable(data, requires_grad=True)
        data[0, 0] = 10.0  # the same storage
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            Variable(data, volatile=True)
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            Variable([1.0, 2.0])
        runs.append([losses, w.detach().numpy().tolist(), x.requires_grad, w.is_leaf,
                     shared.is_leaf, shared.requires_grad, shared[0, 0].item(),
                     isinstance(data, Variable), isinstance(3.0, Variable),
                     Variable(loss).grad_fn is None, [str(c.message) for c in caught]])
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-6)
    np.testing.assert_allclose(runs[0][1], runs[1][1], rtol=1e-6)
    assert runs[0][2:] == runs[1][2:]
    assert runs[0][0][-1] < runs[0][0][0] and runs[0][6] == 10.0
