"""grad_fn names as PyTorch 2.13 prints them (display names), case by case against PyTorch
itself; the op names that tie ops to specs and derivations do not change with them."""

import numpy as np
import pytest
import torch as pytorch

import tinygrad_edu as tg
from tinygrad_edu.primitives import PRIMITIVES

# Where the engine records another computation than PyTorch, its own name stays (the reason):
KNOWN_DIFFERENCES = {
    # PyTorch computes 2 / a as a.reciprocal() * 2, two nodes; the engine records one division
    "number / tensor": "DivBackward0",
}


def cases(torch):
    """Each case: a function making one tensor whose grad_fn name is compared."""
    F = torch.nn.functional
    rng = np.random.default_rng(0)

    def t(*shape):
        return torch.tensor(rng.standard_normal(shape), dtype=torch.float32, requires_grad=True)

    a, b, v, A, B, W, bias = t(3, 4), t(4, 2), t(4), t(5, 3, 4), t(5, 4, 2), t(2, 4), t(2)
    ones, labels = torch.ones(3, 4), torch.tensor([0, 1, 2])
    return {
        "2-D @ 2-D": lambda: a @ b, "1-D @ 1-D": lambda: v @ v, "2-D @ 1-D": lambda: a @ v,
        "1-D @ 2-D": lambda: v @ b, "3-D @ 3-D": lambda: A @ B, "3-D @ 2-D": lambda: A @ b,
        "linear 2-D": lambda: F.linear(a, W, bias), "linear 2-D, no bias": lambda: F.linear(a, W),
        "linear 1-D": lambda: F.linear(v, W, bias), "linear 1-D, no bias": lambda: F.linear(v, W),
        "linear 3-D": lambda: F.linear(A, W, bias),
        "linear 3-D, no bias": lambda: F.linear(A, W),
        "nn.Linear": lambda: torch.nn.Linear(4, 2)(a),
        "reshape": lambda: a.reshape(12), "view": lambda: a.view(12),
        "flatten": lambda: a.flatten(), ".T": lambda: a.T, "t()": lambda: a.t(),
        "transpose": lambda: a.transpose(0, 1), "permute": lambda: a.permute(1, 0),
        "squeeze()": lambda: a[None].squeeze(), "squeeze(dim)": lambda: a[None].squeeze(0),
        "unsqueeze": lambda: a.unsqueeze(0),
        "a[:1]": lambda: a[:1], "a[0]": lambda: a[0], "a[..., 0]": lambda: a[..., 0],
        "a[None]": lambda: a[None], "a[0, 1:]": lambda: a[0, 1:], "a[1:, 0]": lambda: a[1:, 0],
        "a[[0, 1]]": lambda: a[[0, 1]], "a[a > 0]": lambda: a[a > 0],
        "number - tensor": lambda: 4.2 - a, "tensor - tensor": lambda: ones - a,
        "tensor - number": lambda: a - 4.2, "number / tensor": lambda: 2 / a,
        "cross_entropy": lambda: F.cross_entropy(a, labels),
        "cross_entropy, none": lambda: F.cross_entropy(a, labels, reduction="none"),
        "nll_loss": lambda: F.nll_loss(F.log_softmax(a, 1), labels),
        "mse_loss": lambda: F.mse_loss(a, ones),
        "bce with logits": lambda: F.binary_cross_entropy_with_logits(a, ones),
        "bce": lambda: F.binary_cross_entropy(torch.sigmoid(a), ones),
        "relu": lambda: torch.relu(a), "sigmoid": lambda: torch.sigmoid(a),
        "tanh": lambda: torch.tanh(a), "softmax": lambda: F.softmax(a, 1),
        "log_softmax": lambda: F.log_softmax(a, 1), "sum()": lambda: a.sum(),
        "sum(dim)": lambda: a.sum(1), "mean()": lambda: a.mean(), "mean(dim)": lambda: a.mean(0),
        "+ number": lambda: a + 1, "+ tensor": lambda: a + a, "* number": lambda: a * 2,
        "/ number": lambda: a / 2, "neg": lambda: -a, "** number": lambda: a ** 2,
        "** tensor": lambda: a ** a, "exp": lambda: a.exp(), "log": lambda: a.log(),
        "sqrt": lambda: a.sqrt(), "abs": lambda: a.abs(), "clamp": lambda: a.clamp(0, 1),
        "max()": lambda: a.max(), "max(dim)": lambda: a.max(1)[0], "min()": lambda: a.min(),
        "maximum": lambda: torch.maximum(a, a), "where": lambda: torch.where(a > 0, a, a),
        "cat": lambda: torch.cat([a, a]), "stack": lambda: torch.stack([a, a]),
        "expand": lambda: a[:1].expand(3, 4), "clone": lambda: a.clone(),
        "double()": lambda: a.double(),
        "sign": lambda: a.sign(), "floor": lambda: a.floor(), "ceil": lambda: a.ceil(),
        "round": lambda: a.round(), "sin": lambda: a.sin(), "cos": lambda: a.cos(),
        "log1p": lambda: a.log1p(), "expm1": lambda: a.expm1(), "erf": lambda: a.erf(),
    }


OURS, THEIRS = cases(tg), cases(pytorch)


def test_the_catalogue_is_whole():
    assert OURS.keys() == THEIRS.keys() and len(OURS) >= 70
    assert set(KNOWN_DIFFERENCES) <= set(OURS)


@pytest.mark.parametrize("case", sorted(OURS))
def test_grad_fn_name_is_pytorchs(case):
    ours, theirs = OURS[case]().grad_fn.name(), THEIRS[case]().grad_fn.name()
    if case in KNOWN_DIFFERENCES:
        assert ours == KNOWN_DIFFERENCES[case] and ours != theirs
    else:
        assert ours == theirs


def test_repr_shows_the_display_name():
    a = tg.ones(2, 3, requires_grad=True)
    assert "grad_fn=<MmBackward0>" in repr(a @ tg.ones(3, 2))
    assert "grad_fn=<AddmmBackward0>" in repr(tg.nn.Linear(3, 2)(a))


def test_op_names_stay_the_ones_specs_and_derivations_use():
    x = tg.ones(2, 3, requires_grad=True)
    node = (x @ tg.ones(3, 2)).grad_fn
    assert node.op.name == "matmul" and node.name() == "MmBackward0"
    assert {"matmul", "linear", "index", "reshape", "permute", "sub"} <= set(PRIMITIVES)
