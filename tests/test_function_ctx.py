"""What a custom Function's ctx offers besides save_for_backward, held against PyTorch: marking
outputs non-differentiable, marking inputs changed in place, and set_materialize_grads."""

import pytest
import torch

import tinygrad_edu


def make_functions(lib):
    class IndexOfMax(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            index = x.argmax().float()
            ctx.mark_non_differentiable(index)
            return index

        @staticmethod
        def backward(ctx, grad):
            return None

    class AddOneInPlace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            x.detach().numpy()[...] += 1  # behind the engine's back: only mark_dirty tells it
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    return IndexOfMax, AddOneInPlace


@pytest.mark.parametrize("lib", [tinygrad_edu, torch], ids=["engine", "pytorch"])
def test_a_non_differentiable_output_is_outside_the_graph(lib):
    IndexOfMax, _ = make_functions(lib)
    x = lib.tensor([1.0, 3.0, 2.0], requires_grad=True)
    index = IndexOfMax.apply(x * 2)
    assert index.item() == 1.0
    assert not index.requires_grad and index.grad_fn is None


@pytest.mark.parametrize("lib", [tinygrad_edu, torch], ids=["engine", "pytorch"])
def test_an_input_changed_in_place_passes_the_gradient_through(lib):
    _, AddOneInPlace = make_functions(lib)
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    out = AddOneInPlace.apply(y)
    assert out.tolist() == [3.0, 5.0]
    (out * out).sum().backward()
    assert a.grad.tolist() == [12.0, 20.0]  # ∂/∂a (2a + 1)² = 4 (2a + 1)


@pytest.mark.parametrize("lib", [tinygrad_edu, torch], ids=["engine", "pytorch"])
def test_a_value_saved_before_an_in_place_change_is_refused(lib):
    """y · y saved y; the Function then changes y's storage and says so (mark_dirty): the
    backward of y · y would read the new values, so it raises."""
    _, AddOneInPlace = make_functions(lib)
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    square = y * y
    AddOneInPlace.apply(y)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        square.sum().backward()
