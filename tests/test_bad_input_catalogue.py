"""A catalogue of bad input across the public API: each gets a clear error naming what was wrong.

One row per case: (description, program, expected exception type, regex the message must match,
whether PyTorch refuses it too).  A program is written once against PyTorch's API and run with
``lib = tinygrad_edu`` (and, where PyTorch refuses the same input, with ``lib = torch``, which
only checks that the input is really bad, not the exception type).  Every case must:

* raise exactly the expected exception type (never an AttributeError, never a silent result),
* match the regex, which names what was wrong (the op, the shapes, the dtype, the argument),
* be raised by the engine's own check: the traceback's last frame is not inside NumPy.

The count of cases is reported and may not shrink below 80 (test_catalogue_size).
"""

import io
import os
import pickle
import warnings
import zipfile

import numpy as np
import pytest
import torch

import tinygrad_edu

NUMPY_DIR = os.path.dirname(np.__file__)
MINIMUM_CASES = 80


# ----- helpers the programs share ------------------------------------------------------------

def _saved_bytes(lib, obj):
    buffer = io.BytesIO()
    lib.save(obj, buffer)
    return buffer.getvalue()


def _load_bytes(lib, data):
    return lib.load(io.BytesIO(data))


def _corrupt_npz_header(lib):
    """A tinygrad_edu.save file whose structure entry is replaced by bytes that are not JSON."""
    good = _saved_bytes(lib, {"w": lib.ones(2)})
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if "structure" in name or "header" in name or name == source.namelist()[0]:
                buf = io.BytesIO()
                np.save(buf, np.frombuffer(b"\xff\xfe not json", dtype=np.uint8))
                data = buf.getvalue()
            target.writestr(name, data)
    return _load_bytes(lib, out.getvalue())


def _plain_npz(lib):
    buffer = io.BytesIO()
    np.savez(buffer, a=np.ones(3))
    return _load_bytes(lib, buffer.getvalue())


def _sgd(lib, **options):
    return lib.optim.SGD([lib.ones(2, requires_grad=True)], **options)


def _adam(lib, **options):
    return lib.optim.Adam([lib.ones(2, requires_grad=True)], **options)


def _optimizer_state_from_other_model(lib):
    a = lib.nn.Linear(2, 3)
    b = lib.nn.Linear(2, 3)
    opt_a = lib.optim.SGD(a.parameters(), lr=0.1)
    opt_b = lib.optim.SGD(list(b.parameters()) + [lib.ones(1, requires_grad=True)], lr=0.1)
    opt_a.load_state_dict(opt_b.state_dict())


def _same_parameter_in_two_groups(lib):
    w = lib.ones(2, requires_grad=True)
    lib.optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)


def _non_leaf_parameter(lib):
    w = lib.ones(2, requires_grad=True)
    lib.optim.SGD([w * 2], lr=0.1)


def _linear_state_dict_wrong_shape(lib):
    model = lib.nn.Linear(2, 3)
    state = {"weight": lib.ones(4, 2), "bias": lib.ones(3)}
    model.load_state_dict(state)


def _linear_state_dict_missing_key(lib):
    lib.nn.Linear(2, 3).load_state_dict({"weight": lib.ones(3, 2)})


def _backward_twice(lib):
    x = lib.ones(3, requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    y.backward()


def _grad_of_unused_input(lib):
    x = lib.ones(3, requires_grad=True)
    z = lib.ones(3, requires_grad=True)
    return lib.autograd.grad((x * 2).sum(), [x, z])


def _backward_gradient_wrong_shape(lib):
    x = lib.ones(3, requires_grad=True)
    (x * 2).backward(lib.ones(4))


def _inplace_on_leaf(lib):
    x = lib.ones(3, requires_grad=True)
    x.mul_(2)


def _modified_after_save(lib):
    x = lib.ones(3, requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    y.sum().backward()


def _numpy_of_tensor_requiring_grad(lib):
    return lib.ones(2, requires_grad=True).numpy()


def _custom_function_returns_list(lib):
    class ReturnsAList(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return [a * 2]

        @staticmethod
        def backward(ctx, g):
            return g

    return ReturnsAList.apply(lib.ones(2, requires_grad=True))


def _custom_backward_returns_number(lib):
    class BackwardReturnsANumber(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return 2.0

    BackwardReturnsANumber.apply(lib.ones(2, requires_grad=True)).sum().backward()


def _tensor_dataset_sizes_differ(lib):
    return lib.utils.data.TensorDataset(lib.ones(4, 2), lib.ones(3))


def _dataloader_batch_size_zero(lib):
    dataset = lib.utils.data.TensorDataset(lib.ones(4, 2))
    return lib.utils.data.DataLoader(dataset, batch_size=0)


def _random_split_wrong_total(lib):
    dataset = lib.utils.data.TensorDataset(lib.ones(4, 2))
    return lib.utils.data.random_split(dataset, [3, 3])


def _sequential_index_out_of_range(lib):
    return lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU())[5]


def _module_missing_forward(lib):
    class NoForward(lib.nn.Module):
        pass

    return NoForward()(lib.ones(2))


def _assign_non_tensor_grad(lib):
    w = lib.ones(2, requires_grad=True)
    w.grad = [1.0, 2.0]


def _assign_grad_of_wrong_shape(lib):
    w = lib.ones(2, requires_grad=True)
    w.grad = lib.ones(3)


def _set_requires_grad_on_non_leaf(lib):
    x = lib.ones(2, requires_grad=True)
    (x * 2).requires_grad_(False)


def _assign_grad_of_another_dtype(lib):
    """A float64 gradient for a float32 parameter (it would silently change the update)."""
    w = lib.ones(2, requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.1)
    w.grad = lib.ones(2, dtype=lib.float64)
    opt.step()


# ----- the catalogue ---------------------------------------------------------------------------
# (description, program, exception type, regex the message must match, PyTorch refuses too)

CASES = [
    # --- constructing tensors: wrong types and shapes
    ("tensor of a string", lambda lib: lib.tensor("abc"), TypeError, r"tensor\(\).*got str",
     True),
    ("tensor of a ragged list", lambda lib: lib.tensor([[1.0, 2.0], [3.0]]), ValueError,
     r"rectangular nested list.*unequal lengths", True),
    ("tensor of a dict", lambda lib: lib.tensor({"a": 1}), TypeError, r"tensor\(\).*got dict",
     True),
    ("tensor of None", lambda lib: lib.tensor(None), TypeError, r"tensor\(\).*got NoneType",
     True),
    ("tensor with an unknown dtype string", lambda lib: lib.tensor([1.0], dtype="float17"),
     TypeError, r"float17", True),
    ("zeros with a negative size", lambda lib: lib.zeros(2, -3), RuntimeError,
     r"(?i)negative.*-3|-3.*negative", True),
    ("zeros with a float size", lambda lib: lib.zeros(2.5), TypeError,
     r"zeros: sizes must be ints.*2\.5", True),
    ("ones with a string size", lambda lib: lib.ones("3"), TypeError, r"sizes must be ints.*'3'",
     True),
    ("randn with a negative size", lambda lib: lib.randn(-1), RuntimeError,
     r"(?i)negative.*-1|-1.*negative", True),
    ("full with a non-number fill value", lambda lib: lib.full((2,), "x"), TypeError,
     r"fill_value must be a number.*str", True),
    ("arange with step 0", lambda lib: lib.arange(0, 5, 0), RuntimeError, r"(?i)step.*(zero|0)",
     True),
    ("arange with a step of the wrong sign", lambda lib: lib.arange(0, 5, -1), RuntimeError,
     r"(?i)step|bound|sign", True),
    ("eye with a negative size", lambda lib: lib.eye(-2), RuntimeError, r"eye.*n=-2", True),
    ("randint with low >= high", lambda lib: lib.randint(5, 5, (2,)), RuntimeError,
     r"(?i)(from|low).*(to|high)|range", True),
    ("from_numpy of an object array", lambda lib: lib.from_numpy(np.array([object()])),
     TypeError, r"(?i)object", True),
    ("from_numpy of a list", lambda lib: lib.from_numpy([1.0, 2.0]), TypeError,
     r"(?i)ndarray|list", True),
    # PyTorch 2.13 accepts this one; our rule (PYTORCH-SEMANTICS.md) refuses it, pointing to .float()
    ("FloatTensor of a Tensor", lambda lib: lib.FloatTensor(lib.ones(2)), TypeError,
     r"(?s)FloatTensor\(tensor\).*float\(\)", False),
    # --- requires_grad where only floating tensors may have it
    ("requires_grad on an int64 tensor", lambda lib: lib.tensor([1, 2], requires_grad=True),
     RuntimeError, r"(?s)floating point.*int64", True),
    ("requires_grad on an arange of ints", lambda lib: lib.arange(3, requires_grad=True),
     RuntimeError, r"(?s)floating point.*int64", True),
    ("requires_grad_ on a bool tensor", lambda lib: lib.tensor([True]).requires_grad_(),
     RuntimeError, r"(?s)floating point.*bool", True),
    ("requires_grad set on an int32 tensor",
     lambda lib: setattr(lib.zeros(2, dtype=lib.int32), "requires_grad", True), RuntimeError,
     r"(?s)floating point.*int32", True),
    # --- integer tensors where floats are needed
    ("mean of an int tensor", lambda lib: lib.tensor([1, 2]).mean(), RuntimeError,
     r"(?s)mean.*int64", True),
    ("softmax of an int tensor", lambda lib: lib.tensor([1, 2]).softmax(0),
     NotImplementedError, r"(?s)softmax.*(Long|int64)", True),
    ("log_softmax of an int tensor", lambda lib: lib.tensor([1, 2]).log_softmax(0),
     NotImplementedError, r"(?s)log_softmax.*(Long|int64)", True),
    ("Linear on an int64 input", lambda lib: lib.nn.Linear(2, 3)(lib.tensor([[1, 2]])),
     RuntimeError, r"(?s)(float32|Float).*(int64|Long)|(int64|Long).*(float32|Float)", True),
    ("mse_loss of int tensors", lambda lib: lib.nn.functional.mse_loss(
        lib.tensor([1, 2]), lib.tensor([1, 3])), TypeError, r"(?s)mse_loss.*int64", True),
    ("BCE on int64 probabilities", lambda lib: lib.nn.functional.binary_cross_entropy(
        lib.tensor([0, 1]), lib.tensor([0, 1])), TypeError,
     r"(?s)binary_cross_entropy.*int64", True),
    ("BCE with logits with an int target",
     lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
         lib.zeros(2), lib.tensor([0, 1])), RuntimeError, r"(?s)target.*int64", True),
    ("cross_entropy with int32 class targets", lambda lib: lib.nn.functional.cross_entropy(
        lib.zeros(2, 3), lib.tensor([0, 1], dtype=lib.int32)), RuntimeError,
     r"(?s)int32", True),
    ("cross_entropy with float targets of the wrong shape",
     lambda lib: lib.nn.functional.cross_entropy(lib.zeros(2, 3), lib.tensor([0.0, 1.0])),
     RuntimeError, r"(?s)\(2,\)|\[2\]", True),
    ("matmul of two int tensors with a float", lambda lib: lib.ones(2, 2) @ lib.tensor(
        [[1, 2], [3, 4]]), RuntimeError, r"(?s)same dtype.*float32.*int64", True),
    # --- shapes
    ("add: shapes that do not broadcast", lambda lib: lib.ones(2, 3) + lib.ones(3, 2),
     RuntimeError, r"(?s)\(2, 3\).*\(3, 2\)", True),
    ("where: condition shape does not broadcast", lambda lib: lib.where(
        lib.tensor([True, False, True]), lib.ones(2), lib.ones(2)), RuntimeError,
     r"(?s)\(3,\).*\(2,\)|\(2,\).*\(3,\)", True),
    ("maximum: shapes that do not broadcast", lambda lib: lib.maximum(lib.ones(2), lib.ones(3)),
     RuntimeError, r"(?s)maximum.*\(2,\).*\(3,\)", True),
    ("matmul: inner dimensions differ", lambda lib: lib.ones(2, 3) @ lib.ones(2, 3),
     RuntimeError, r"(?s)\(2, 3\).*\(2, 3\).*\b3\b.*\b2\b", True),
    ("matmul with a 0-d operand", lambda lib: lib.tensor(2.0) @ lib.ones(2), RuntimeError,
     r"(?s)0-d|dimension|scalar", True),
    ("mm on 3-d tensors", lambda lib: lib.ones(2, 2, 2).mm(lib.ones(2, 2)), RuntimeError,
     r"(?s)mm.*(2-D|2D|matri)", True),
    ("dot of 2-d tensors", lambda lib: lib.ones(2, 2).dot(lib.ones(2, 2)), RuntimeError,
     r"(?s)dot.*1-?D|1D", True),
    ("dot of vectors of different length", lambda lib: lib.ones(2).dot(lib.ones(3)),
     RuntimeError, r"(?s)\b2\b.*\b3\b", True),
    ("reshape to a wrong size", lambda lib: lib.ones(6).reshape(4, 2), RuntimeError,
     r"(?s)\[4, 2\].*size 6", True),
    ("reshape with two -1", lambda lib: lib.ones(6).reshape(-1, -1), RuntimeError,
     r"(?s)only one.*-1|-1.*only one|one dimension", True),
    ("view as a non-integer shape", lambda lib: lib.ones(6).view(2.5), TypeError,
     r"sizes must be ints.*2\.5", True),
    ("permute with a repeated dim", lambda lib: lib.ones(2, 3).permute(0, 0), RuntimeError,
     r"(?i)repeat|duplicate|each dim|once", True),
    ("permute with too few dims", lambda lib: lib.ones(2, 3, 4).permute(1, 0), RuntimeError,
     r"permute: the number of dims \(2\).*\(3\)", True),
    ("transpose with a dim out of range", lambda lib: lib.ones(2, 3).transpose(0, 2),
     IndexError, r"(?s)out of range.*\b2\b|\b2\b.*out of range", True),
    ("expand to a smaller size", lambda lib: lib.ones(3).expand(2), RuntimeError,
     r"(?s)\b3\b.*\b2\b", True),
    ("expand with fewer dims", lambda lib: lib.ones(2, 3).expand(3), RuntimeError,
     r"(?s)(number of|fewer|dimensions)", True),
    ("cat of tensors whose other dims differ", lambda lib: lib.cat(
        [lib.ones(2, 3), lib.ones(2, 4)], dim=0), RuntimeError, r"(?s)\b3\b.*\b4\b", True),
    ("cat of an empty list", lambda lib: lib.cat([]), ValueError,
     r"(?i)non-empty|empty|at least one", True),
    ("cat of a Tensor instead of a list", lambda lib: lib.cat(lib.ones(2, 2)), TypeError,
     r"(?i)list|sequence|tuple", True),
    ("cat with a dim out of range", lambda lib: lib.cat([lib.ones(2), lib.ones(2)], dim=3),
     IndexError, r"(?s)\b3\b.*range|range.*\b3\b", True),
    ("stack of different shapes", lambda lib: lib.stack([lib.ones(2), lib.ones(3)]),
     RuntimeError, r"(?s)\b2\b.*\b3\b|\[2\].*\[3\]", True),
    ("split with a size of 0", lambda lib: lib.ones(4).split(0), RuntimeError,
     r"(?i)split.*(0|zero|positive)", True),
    ("chunk into 0 chunks", lambda lib: lib.ones(4).chunk(0), RuntimeError,
     r"(?i)chunk.*(0|zero|positive|greater)", True),
    ("squeeze with a dim out of range", lambda lib: lib.ones(1, 2).squeeze(5), IndexError,
     r"squeeze: dimension out of range.*got 5", True),
    ("unsqueeze with a dim out of range", lambda lib: lib.ones(2).unsqueeze(3), IndexError,
     r"unsqueeze: dimension out of range.*got 3", True),
    ("flatten with start_dim after end_dim", lambda lib: lib.ones(2, 3, 4).flatten(2, 1),
     RuntimeError, r"(?i)start_dim|end_dim", True),
    # --- reductions and dims
    ("sum over a dim out of range", lambda lib: lib.ones(2, 3).sum(dim=2), IndexError,
     r"(?s)sum.*\b2\b|\b2\b.*range", True),
    ("sum over a repeated dim", lambda lib: lib.ones(2, 3).sum(dim=(0, 0)), RuntimeError,
     r"(?i)(appears|repeat|twice|multiple|duplicate)", True),
    ("mean with a string dim", lambda lib: lib.ones(2, 3).mean(dim="rows"), TypeError,
     r"mean: dim must be an int, got str", True),
    ("max over a dim out of range", lambda lib: lib.ones(2, 3).max(dim=-3), IndexError,
     r"(?s)-3|range", True),
    ("softmax over a dim out of range", lambda lib: lib.ones(2, 3).softmax(dim=2), IndexError,
     r"(?s)\b2\b.*range|range.*\b2\b", True),
    ("argmax over a dim out of range", lambda lib: lib.ones(3).argmax(dim=1), IndexError,
     r"(?s)\b1\b.*range|range.*\b1\b", True),
    # --- empty tensors where PyTorch refuses them
    ("max of an empty tensor", lambda lib: lib.zeros(0).max(), RuntimeError,
     r"(?s)max.*(empty|numel)", True),
    ("min of an empty tensor", lambda lib: lib.zeros(0).min(), RuntimeError,
     r"(?s)min.*(empty|numel)", True),
    ("max over an empty dim", lambda lib: lib.zeros(2, 0).max(dim=1), IndexError,
     r"(?s)max.*dim 1.*non-zero size.*\(2, 0\)", True),
    ("min over an empty dim", lambda lib: lib.zeros(0, 3).min(dim=0), IndexError,
     r"(?s)min.*dim 0.*non-zero size.*\(0, 3\)", True),
    ("argmax of an empty tensor", lambda lib: lib.zeros(0).argmax(), IndexError,
     r"(?s)argmax.*(empty|numel)", True),
    ("argmax over an empty dim", lambda lib: lib.zeros(3, 0).argmax(dim=1), IndexError,
     r"(?s)argmax.*dim 1.*non-zero size.*\(3, 0\)", True),
    ("argmin over an empty dim", lambda lib: lib.zeros(0, 2).argmin(dim=0), IndexError,
     r"(?s)argmin.*dim 0.*non-zero size.*\(0, 2\)", True),
    ("amax over an empty dim", lambda lib: lib.zeros(2, 0).amax(dim=1), IndexError,
     r"(?s)max.*dim 1.*non-zero size", True),
    ("item of an empty tensor", lambda lib: lib.zeros(0).item(), RuntimeError,
     r"(?s)0 elements|empty|one element", True),
    # --- indexing
    ("index out of range", lambda lib: lib.ones(3)[3], IndexError, r"(?s)\b3\b.*range", True),
    ("too many indices", lambda lib: lib.ones(3)[0, 0], IndexError,
     r"(?i)too many indices", True),
    ("float index", lambda lib: lib.ones(3)[1.5], IndexError, r"integers.*float 1\.5", True),
    ("string index", lambda lib: lib.ones(3)["a"], IndexError, r"\['a'\].*shape \(3,\)", True),
    ("boolean mask of the wrong shape", lambda lib: lib.ones(3)[lib.tensor([True, False])],
     IndexError, r"(?s)\b2\b.*\b3\b|\b3\b.*\b2\b", True),
    ("integer index tensor out of range", lambda lib: lib.ones(3)[lib.tensor([0, 5])],
     IndexError, r"(?s)\b5\b.*range|range.*\b5\b", True),
    ("setitem with a value of the wrong shape",
     lambda lib: lib.zeros(2, 3).__setitem__(0, lib.ones(4)), RuntimeError,
     r"(?s)\(4,\).*\(3,\)|\[4\].*\[3\]|\b4\b.*\b3\b", True),
    # --- operators with wrong types
    ("tensor + string", lambda lib: lib.ones(2) + "a", TypeError, r"str", True),
    ("tensor * None", lambda lib: lib.ones(2) * None, TypeError, r"NoneType", True),
    ("tensor @ a list of lists", lambda lib: lib.ones(2, 2) @ [[object()]], TypeError,
     r"list|object", True),
    ("bool of a multi-element tensor", lambda lib: bool(lib.ones(2)), RuntimeError,
     r"(?i)ambiguous|more than one", True),
    ("float of a multi-element tensor", lambda lib: float(lib.ones(2)), ValueError,
     r"(?s)only one element.*\(2,\)", True),
    ("len of a 0-d tensor", lambda lib: len(lib.tensor(1.0)), TypeError, r"0-d", True),
    ("iterating over a 0-d tensor", lambda lib: list(lib.tensor(1.0)), TypeError, r"0-d",
     True),
    ("clamp with no bounds", lambda lib: lib.ones(2).clamp(), RuntimeError,
     r"(?i)min.*max|at least one", True),
    ("pow with a string exponent", lambda lib: lib.ones(2) ** "2", TypeError, r"str", True),
    ("to() an unknown dtype", lambda lib: lib.ones(2).to("float17"), (TypeError, ValueError,
                                                                       RuntimeError),
     r"float17", True),
    ("to() a cuda device", lambda lib: lib.ones(2).to("cuda"), RuntimeError, r"(?s)cuda", True),
    # --- autograd misuse
    ("backward on a non-scalar", lambda lib: (lib.ones(3, requires_grad=True) * 2).backward(),
     RuntimeError, r"(?s)scalar outputs.*\(3,\)", True),
    ("backward with a gradient of the wrong shape", _backward_gradient_wrong_shape,
     RuntimeError, r"(?s)\(4,\).*\(3,\)", True),
    ("backward through a freed graph", _backward_twice, RuntimeError,
     r"(?s)second time.*retain_graph", True),
    ("backward of a tensor that does not require grad",
     lambda lib: lib.ones(2).sum().backward(), RuntimeError, r"does not require grad", True),
    ("grad of an unused input", _grad_of_unused_input, RuntimeError, r"allow_unused", True),
    ("grad with respect to a tensor not requiring grad",
     lambda lib: lib.autograd.grad((lib.ones(2, requires_grad=True) * 2).sum(), [lib.ones(2)]),
     RuntimeError, r"does not require grad", True),
    ("in-place on a leaf requiring grad", _inplace_on_leaf, RuntimeError,
     r"(?s)leaf Variable.*in-place", True),
    ("in-place change of a tensor saved for backward", _modified_after_save, RuntimeError,
     r"(?s)modified by an inplace operation.*SigmoidBackward0", True),
    ("numpy() of a tensor requiring grad", _numpy_of_tensor_requiring_grad, RuntimeError,
     r"(?s)requires grad.*detach", True),
    # PyTorch passes a list through; ours names the Function (its backward could not run)
    ("Function.forward returning a list", _custom_function_returns_list, TypeError,
     r"(?s)ReturnsAList.*list", False),
    ("Function.backward returning a number", _custom_backward_returns_number, TypeError,
     r"(?s)BackwardReturnsANumber.*float", True),
    ("assigning a list as .grad", _assign_non_tensor_grad, TypeError, r"(?s)grad.*list", True),
    ("assigning a .grad of the wrong shape", _assign_grad_of_wrong_shape, RuntimeError,
     r"(?s)\[3\].*\[2\]|\(3,\).*\(2,\)|\b3\b.*\b2\b", True),
    ("requires_grad_(False) on a non-leaf", _set_requires_grad_on_non_leaf, RuntimeError,
     r"(?i)non-leaf|leaf", True),
    # --- layers and modules
    ("Linear: input features differ", lambda lib: lib.nn.Linear(2, 3)(lib.ones(4, 5)),
     RuntimeError, r"(?s)\(4, 5\).*\(3, 2\)|4x5.*2x3|\b5\b.*\b2\b", True),
    ("Linear with a negative size", lambda lib: lib.nn.Linear(-1, 3), TypeError,
     r"in_features.*non-negative.*-1", True),
    ("Linear with a float size", lambda lib: lib.nn.Linear(2.5, 3), TypeError,
     r"in_features must be a non-negative int, got 2\.5", True),
    ("Linear called on a list", lambda lib: lib.nn.Linear(2, 3)([1.0, 2.0]), TypeError,
     r"(?i)list", True),
    ("Sequential index out of range", _sequential_index_out_of_range, IndexError,
     r"(?s)\b5\b.*range|range.*\b5\b", True),
    ("Module without forward", _module_missing_forward, NotImplementedError,
     r"NoForward.*forward", True),
    ("load_state_dict with a wrong shape", _linear_state_dict_wrong_shape, RuntimeError,
     r"(?s)weight.*\[4, 2\].*\[3, 2\]|weight.*\(4, 2\).*\(3, 2\)", True),
    ("load_state_dict with a missing key", _linear_state_dict_missing_key, RuntimeError,
     r"(?s)Missing key.*bias", True),
    ("Softmax module over a dim out of range",
     lambda lib: lib.nn.Softmax(dim=3)(lib.ones(2, 2)), IndexError,
     r"(?s)\b3\b.*range|range.*\b3\b", True),
    # --- losses: wrong reductions, targets
    ("MSELoss with reduction='avg'", lambda lib: lib.nn.MSELoss(reduction="avg")(
        lib.ones(2), lib.ones(2)), ValueError, r"(?s)avg.*(mean|valid)", True),
    ("l1_loss with reduction=None", lambda lib: lib.nn.functional.l1_loss(
        lib.ones(2), lib.ones(2), reduction=None), ValueError,
     r"l1_loss: None is not a valid value for reduction", True),
    ("cross_entropy with reduction='total'", lambda lib: lib.nn.functional.cross_entropy(
        lib.zeros(2, 3), lib.tensor([0, 1]), reduction="total"), ValueError, r"total", True),
    ("cross_entropy with a class index out of range",
     lambda lib: lib.nn.functional.cross_entropy(lib.zeros(2, 3), lib.tensor([0, 3])),
     IndexError, r"(?s)\b3\b.*(range|classes)|classes.*\b3\b", True),
    ("cross_entropy with a negative class index",
     lambda lib: lib.nn.functional.cross_entropy(lib.zeros(2, 3), lib.tensor([0, -2])),
     IndexError, r"(?s)-2", True),
    ("cross_entropy with a batch-size mismatch",
     lambda lib: lib.nn.functional.cross_entropy(lib.zeros(2, 3), lib.tensor([0, 1, 2])),
     ValueError, r"(?s)\b2\b.*\b3\b|batch", True),
    ("cross_entropy with a class weight of the wrong size",
     lambda lib: lib.nn.functional.cross_entropy(lib.zeros(2, 3), lib.tensor([0, 1]),
                                                 weight=lib.ones(2)), RuntimeError,
     r"(?s)weight.*\b3\b|\b3\b.*weight", True),
    ("cross_entropy of a 0-d input", lambda lib: lib.nn.functional.cross_entropy(
        lib.tensor(1.0), lib.tensor(0)), RuntimeError, r"(?s)0-d|dimension", True),
    ("nll_loss with a float target", lambda lib: lib.nn.functional.nll_loss(
        lib.zeros(2, 3), lib.tensor([0.0, 1.0])), RuntimeError, r"(?s)float32|Float", True),
    ("BCE with a probability above 1", lambda lib: lib.nn.BCELoss()(
        lib.tensor([0.5, 1.5]), lib.tensor([0.0, 1.0])), RuntimeError,
     r"(?s)between 0 and 1", True),
    ("BCE with a NaN probability", lambda lib: lib.nn.BCELoss()(
        lib.tensor([0.5, float("nan")]), lib.tensor([0.0, 1.0])), RuntimeError,
     r"(?s)between 0 and 1", True),
    ("BCE with a target shape that differs", lambda lib: lib.nn.BCELoss()(
        lib.full((4, 1), 0.5), lib.zeros(4)), ValueError, r"(?s)\(4,\)|\[4\]", True),
    ("BCEWithLogits with a target shape that differs", lambda lib: lib.nn.BCEWithLogitsLoss()(
        lib.zeros(4, 1), lib.zeros(4)), ValueError, r"(?s)\(4,\)|\[4\]", True),
    ("loss of shapes that do not broadcast", lambda lib: lib.nn.functional.mse_loss(
        lib.ones(2, 3), lib.ones(4)), RuntimeError, r"(?s)\(2, 3\)|\[2, 3\]", True),
    # --- optimizers
    ("SGD of a single tensor", lambda lib: lib.optim.SGD(lib.ones(2, requires_grad=True),
                                                         lr=0.1), TypeError,
     r"(?i)iterable", True),
    ("SGD of an empty list", lambda lib: lib.optim.SGD([], lr=0.1), ValueError,
     r"(?i)empty parameter list", True),
    ("SGD of a list of numbers", lambda lib: lib.optim.SGD([1.0, 2.0], lr=0.1), TypeError,
     r"(?s)Tensors.*float", True),
    ("SGD with a negative lr", lambda lib: _sgd(lib, lr=-0.1), ValueError,
     r"(?s)(learning rate|lr).*-0\.1", True),
    ("SGD with negative momentum", lambda lib: _sgd(lib, lr=0.1, momentum=-0.5), ValueError,
     r"(?s)momentum.*-0\.5", True),
    ("SGD with nesterov and no momentum", lambda lib: _sgd(lib, lr=0.1, nesterov=True),
     ValueError, r"(?i)nesterov", True),
    ("SGD with negative weight decay", lambda lib: _sgd(lib, lr=0.1, weight_decay=-1.0),
     ValueError, r"(?s)weight_decay.*-1", True),
    ("Adam with a beta of 1", lambda lib: _adam(lib, betas=(0.9, 1.0)), ValueError,
     r"(?s)beta.*1\.0", True),
    ("Adam with a negative eps", lambda lib: _adam(lib, eps=-1e-8), ValueError,
     r"(?s)epsilon|eps", True),
    ("Adam with a string lr", lambda lib: _adam(lib, lr="fast"), TypeError,
     r"learning rate \(lr\) must be a number, got str", True),
    ("the same parameter in two groups", _same_parameter_in_two_groups, ValueError,
     r"(?i)more than once|appear", True),
    ("optimizing a non-leaf tensor", _non_leaf_parameter, ValueError, r"(?i)non-leaf|leaf",
     True),
    ("a parameter set (unordered) in a group", lambda lib: lib.optim.SGD(
        [{"params": {lib.ones(2, requires_grad=True)}}], lr=0.1), TypeError,
     r"(?s)ordered collection.*not a set", True),
    ("load_state_dict from a different model", _optimizer_state_from_other_model, ValueError,
     r"(?s)group 0.*3 parameters.*has 2", True),
    ("assigning a .grad of another dtype before step", _assign_grad_of_another_dtype,
     RuntimeError, r"grad has dtype .*float64, the tensor has .*float32", True),
    # --- save and load
    ("load of random bytes", lambda lib: _load_bytes(lib, b"not a model file at all"),
     ValueError, r"(?s)cannot load.*not a file written by tinygrad_edu.save", False),
    ("load of an empty file", lambda lib: _load_bytes(lib, b""), ValueError,
     r"(?s)cannot load.*empty", False),
    ("load of a truncated save file",
     lambda lib: _load_bytes(lib, _saved_bytes(lib, {"w": lib.ones(3)})[:40]), ValueError,
     r"(?s)cannot load.*(corrupt|truncated)", False),
    ("load of a save file cut in half",
     lambda lib: _load_bytes(lib, (lambda b: b[:len(b) // 2])(
         _saved_bytes(lib, {"w": lib.ones(30)}))), ValueError,
     r"(?s)cannot load.*(corrupt|truncated)", False),
    ("load of a pickle", lambda lib: _load_bytes(lib, pickle.dumps({"w": [1.0]})), ValueError,
     r"(?s)cannot load.*pickle", False),
    ("load of a plain .npz", _plain_npz, ValueError, r"(?s)cannot load.*numpy.load", False),
    ("load of a .npy file", lambda lib: _load_bytes(lib, (lambda buf: (
        np.save(buf, np.ones(2)), buf.getvalue())[1])(io.BytesIO())), ValueError,
     r"(?s)cannot load.*\.npy", False),
    ("load of a save file with a corrupt header", _corrupt_npz_header, ValueError,
     r"(?s)cannot load.*__structure__.*not valid", False),
    ("load of a file object opened in text mode",
     lambda lib: lib.load(io.StringIO("abc")), ValueError, r"(?s)binary mode", False),
    ("load of a number instead of a path", lambda lib: lib.load(42), TypeError,
     r"(?s)path.*int", False),
    ("save of an unsupported object", lambda lib: lib.save(object(), io.BytesIO()), TypeError,
     r"(?i)object", False),
    # --- data
    ("TensorDataset with different lengths", _tensor_dataset_sizes_differ, ValueError,
     r"(?s)\b4\b.*\b3\b|size mismatch", False),
    ("DataLoader with batch_size 0", _dataloader_batch_size_zero, ValueError,
     r"(?s)batch_size.*0", True),
    ("random_split with lengths that do not add up", _random_split_wrong_total, ValueError,
     r"(?s)\b6\b.*\b4\b|sum of input lengths", True),
]

IDS = [case[0] for case in CASES]


def test_catalogue_size():
    """The closing note reports this count; it may grow, never shrink below the floor."""
    print(f"\nbad-input catalogue: {len(CASES)} cases")
    assert len(CASES) >= MINIMUM_CASES, len(CASES)
    assert len(set(IDS)) == len(IDS), "two cases share a description"


@pytest.mark.parametrize("description, program, error, message, torch_refuses", CASES, ids=IDS)
def test_bad_input_gets_a_clear_error(description, program, error, message, torch_refuses):
    with warnings.catch_warnings(), pytest.raises(Exception) as excinfo:
        warnings.simplefilter("ignore", UserWarning)  # e.g. mse_loss's size warning, as PyTorch
        program(tinygrad_edu)
    raised = excinfo.value
    errors = error if isinstance(error, tuple) else (error,)
    assert type(raised) in errors, (
        f"{description}: raised {type(raised).__name__}: {raised}; expected "
        f"{' or '.join(e.__name__ for e in errors)}")
    assert not isinstance(raised, AttributeError), f"{description}: {raised}"
    excinfo.match(message)
    last_frame = str(excinfo.traceback[-1].path)
    assert not last_frame.startswith(NUMPY_DIR), (
        f"{description}: raised from inside NumPy ({last_frame}): {raised}")
    if torch_refuses:
        with warnings.catch_warnings(), pytest.raises(Exception):
            warnings.simplefilter("ignore")  # PyTorch's deprecation notes are not the point
            program(torch)


def test_empty_tensors_pytorch_accepts_are_still_accepted():
    """The refusals above are only where PyTorch refuses: reducing over a non-empty dim of an
    empty tensor, or summing an empty tensor, gives PyTorch's (empty or zero) result."""
    programs = [
        lambda lib: lib.zeros(0, 3).argmax(dim=1),
        lambda lib: lib.zeros(0, 3).max(dim=1)[0],
        lambda lib: lib.zeros(0, 3).min(dim=1)[1],
        lambda lib: lib.zeros(0, 3).sum(dim=0),
        lambda lib: lib.zeros(0).sum(),
        lambda lib: lib.zeros(2, 0).softmax(dim=1),
    ]
    for program in programs:
        ours, theirs = program(tinygrad_edu), program(torch)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert ours.tolist() == theirs.tolist()
