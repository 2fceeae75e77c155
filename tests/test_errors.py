"""Bad input gets a clear error: the right exception type, a message naming what was wrong
(op, shapes, dtype), raised from the engine's own checks — never a bare NumPy traceback.

Each case lists the exception type PyTorch raises too, where PyTorch has the same error; the
test asks PyTorch, so a type that drifts from PyTorch's is caught.
"""

import os
import re

import numpy as np
import pytest
import torch

import tinygrad_edu

NUMPY_DIR = os.path.dirname(np.__file__)


# ----- the failing programs, each written once for either library ---------------------------

def matmul_shape_mismatch(lib):
    return lib.ones(2, 3) @ lib.ones(4, 5)


def batched_matmul_shape_mismatch(lib):
    return lib.matmul(lib.ones(7, 2, 3), lib.ones(7, 4, 5))


def operands_do_not_broadcast(lib):
    return lib.ones(2, 3) + lib.ones(4, 5)


def operands_do_not_broadcast_mul(lib):
    return lib.ones(2, 3) * lib.ones(2, 4)


def mixed_float_dtypes_in_matmul(lib):
    return lib.ones(2, 3) @ lib.ones(3, 2, dtype=lib.float64)


def backward_on_non_scalar(lib):
    x = lib.ones(3, requires_grad=True)
    (x * 2).backward()


def backward_without_requires_grad(lib):
    lib.ones(3).sum().backward()


def second_backward_through_freed_graph(lib):
    x = lib.ones(3, requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    loss.backward()


def requires_grad_in_integer_factory(lib):
    return lib.tensor([1, 2], requires_grad=True)


def requires_grad_in_integer_zeros(lib):
    return lib.zeros(3, dtype=lib.int64, requires_grad=True)


def requires_grad_underscore_on_integer(lib):
    return lib.tensor([1, 2]).requires_grad_()


def add_a_string(lib):
    return lib.ones(3) + "a"


def string_plus_tensor(lib):
    return "a" + lib.ones(3)


def multiply_by_a_list_of_objects(lib):
    return lib.ones(3) * [object()]


def make_function_returning_too_few_gradients(lib):
    class TwoInputsOneGradient(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad  # should be two gradients

    return TwoInputsOneGradient


def function_wrong_number_of_gradients(lib):
    fn = make_function_returning_too_few_gradients(lib)
    a = lib.ones(3, requires_grad=True)
    fn.apply(a, a * 2).sum().backward()


def make_function_returning_a_wrong_shape(lib):
    class WrongShapeGradient(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return lib.ones(5)  # the input has shape (3,)

    return WrongShapeGradient


def function_wrong_gradient_shape(lib):
    fn = make_function_returning_a_wrong_shape(lib)
    fn.apply(lib.ones(3, requires_grad=True)).sum().backward()


def in_place_on_leaf_requiring_grad(lib):
    w = lib.ones(3, requires_grad=True)
    w += 1


def item_assignment_on_leaf_requiring_grad(lib):
    w = lib.ones(3, requires_grad=True)
    w[0] = 5.0


def in_place_on_tensor_saved_for_backward(lib):
    x = lib.ones(3, requires_grad=True)
    y = x.exp()  # exp saves its output
    y += 1
    y.sum().backward()


def device_cuda_in_zeros(lib):
    return lib.zeros(3, device="cuda")


def device_cuda_in_randn(lib):
    return lib.randn(2, 2, device="cuda")


def device_cuda_in_tensor(lib):
    return lib.tensor([1.0], device="cuda")


def index_out_of_range(lib):
    return lib.ones(2, 3)[5]


def index_out_of_range_second_dim(lib):
    return lib.ones(2, 3)[0, 7]


def reshape_to_incompatible_shape(lib):
    return lib.ones(2, 3).reshape(4, 2)


def view_to_incompatible_shape(lib):
    return lib.ones(2, 3).view(-1, 4)


def mean_of_int_tensor(lib):
    return lib.tensor([1, 2, 3]).mean()


def item_of_multi_element_tensor(lib):
    return lib.ones(3).item()


def max_of_empty_tensor(lib):
    return lib.zeros(0).max()


# ----- what each must raise ----------------------------------------------------------------
# (program, exception type, regex the message must match, PyTorch raises the same type?)

SHAPES_2x3_4x5 = r"(?s)(\(2, 3\)|\[2, 3\]).*(\(4, 5\)|\[4, 5\])"

CASES = [
    (matmul_shape_mismatch, RuntimeError,
     SHAPES_2x3_4x5 + r".*\b3\b.*\b4\b", True),
    (batched_matmul_shape_mismatch, RuntimeError,
     r"(?s)\(7, 2, 3\).*\(7, 4, 5\).*\b3\b.*\b4\b", True),
    (operands_do_not_broadcast, RuntimeError, SHAPES_2x3_4x5 + r".*broadcast", True),
    (operands_do_not_broadcast_mul, RuntimeError, r"(?s)\(2, 3\).*\(2, 4\).*broadcast", True),
    (mixed_float_dtypes_in_matmul, RuntimeError, r"(?s)same dtype.*float32.*float64", True),
    (backward_on_non_scalar, RuntimeError, r"(?s)only for scalar outputs.*\(3,\).*gradient",
     True),
    (backward_without_requires_grad, RuntimeError, r"does not require grad", True),
    (second_backward_through_freed_graph, RuntimeError,
     r"(?s)Trying to backward through the graph a second time.*retain_graph=True", True),
    (requires_grad_in_integer_factory, RuntimeError, r"(?s)floating point.*int64", True),
    (requires_grad_in_integer_zeros, RuntimeError, r"(?s)floating point.*int64", True),
    (requires_grad_underscore_on_integer, RuntimeError, r"(?s)floating point.*int64", True),
    (add_a_string, TypeError, r"unsupported operand type.*\+.*str", True),
    (string_plus_tensor, TypeError, r"unsupported operand type.*\+.*str", True),
    (multiply_by_a_list_of_objects, TypeError, r"unsupported operand type.*\*.*list", True),
    (function_wrong_number_of_gradients, RuntimeError,
     r"(?s)TwoInputsOneGradient.*incorrect number of gradients.*expected 2, got 1", True),
    (function_wrong_gradient_shape, RuntimeError,
     r"(?s)WrongShapeGradient.*\(5,\).*\(3,\)", True),
    (in_place_on_leaf_requiring_grad, RuntimeError,
     r"(?s)leaf Variable that requires grad.*in-place.*no_grad", True),
    (item_assignment_on_leaf_requiring_grad, RuntimeError,
     r"(?s)leaf Variable that requires grad.*in-place.*no_grad", True),
    (in_place_on_tensor_saved_for_backward, RuntimeError,
     r"(?s)modified by an inplace operation.*ExpBackward0", True),
    (device_cuda_in_zeros, RuntimeError, r"(?s)'cuda'.*cpu", False),
    (device_cuda_in_randn, RuntimeError, r"(?s)'cuda'.*cpu", False),
    (device_cuda_in_tensor, RuntimeError, r"(?s)'cuda'.*cpu", False),
    (index_out_of_range, IndexError, r"(?s)\b5\b.*out of range.*\(2, 3\)", True),
    (index_out_of_range_second_dim, IndexError, r"(?s)\b7\b.*out of range.*\(2, 3\)", True),
    (reshape_to_incompatible_shape, RuntimeError, r"(?s)\[4, 2\].*invalid.*size 6", True),
    (view_to_incompatible_shape, RuntimeError, r"(?s)\[-1, 4\].*invalid.*size 6", True),
    (mean_of_int_tensor, RuntimeError, r"(?s)mean.*floating point.*int64", True),
    (item_of_multi_element_tensor, RuntimeError, r"(?s)3 elements.*\(3,\)", True),
    (max_of_empty_tensor, RuntimeError, r"(?s)max\(\).*numel\(\) == 0.*dim", True),
]

IDS = [case[0].__name__ for case in CASES]


@pytest.mark.parametrize("program, error, message, torch_raises_same", CASES, ids=IDS)
def test_error_type_and_message(program, error, message, torch_raises_same):
    with pytest.raises(error, match=message):
        program(tinygrad_edu)
    if torch_raises_same:
        with pytest.raises(error):
            program(torch)


@pytest.mark.parametrize("program, error, message, torch_raises_same", CASES, ids=IDS)
def test_error_is_raised_by_the_engine_not_inside_numpy(program, error, message,
                                                        torch_raises_same):
    with pytest.raises(error) as excinfo:
        program(tinygrad_edu)
    last_frame = str(excinfo.traceback[-1].path)
    assert not last_frame.startswith(NUMPY_DIR), (
        f"{program.__name__} raised from inside NumPy ({last_frame}): {excinfo.value}")
    package_dir = os.path.dirname(tinygrad_edu.__file__)
    assert last_frame.startswith(package_dir), (
        f"{program.__name__} raised outside the engine ({last_frame})")
    # the message is the engine's own, not NumPy's wording passed through bare
    assert not re.fullmatch(r"operands could not be broadcast together.*",
                            str(excinfo.value), flags=re.S)


def test_cuda_device_object_is_refused_too():
    with pytest.raises(RuntimeError, match=r"(?s)'cuda.*cpu"):
        tinygrad_edu.device("cuda:0")
    assert not tinygrad_edu.cuda.is_available()


def test_no_error_leaves_grad_mode_or_grads_changed():
    """A failing op must not leave a half-done change behind (grad mode, .grad, values)."""
    w = tinygrad_edu.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        w += 1
    assert w.tolist() == [1.0, 1.0, 1.0] and w.is_leaf and w.grad is None
    with pytest.raises(RuntimeError):
        with tinygrad_edu.no_grad():
            tinygrad_edu.ones(2, 3) @ tinygrad_edu.ones(4, 5)
    assert tinygrad_edu.is_grad_enabled()
