"""grad_fn names as PyTorch 2.13 prints them (display names), case by case against PyTorch
itself; the op names that tie ops to specs and derivations do not change with them."""

import warnings

import numpy as np
import pytest
import torch as pytorch

import tinygrad_edu as tg
from tinygrad_edu.primitives import PRIMITIVES

# Where the engine records another computation than PyTorch, its own name stays (the reason):
KNOWN_DIFFERENCES = {
    # PyTorch computes 2 / a as a.reciprocal() * 2, two nodes; the engine records one division
    "number / tensor": "DivBackward0",
    # PyTorch has no einsum node: its name is the last op of its own contraction path
    "einsum ij,jk->ik": "PermuteBackward0",
}


def _item_assigned(torch, base, key, value):
    h = base * 3
    h[key] = value
    return h


def _in_place(base, method, *args):
    h = base * 1
    return getattr(h, method)(*args)


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
        # compositions (issue 15): PyTorch names each after its own kernel
        "amax": lambda: torch.amax(a, 1), "amin": lambda: a.amin(),
        "logsumexp": lambda: torch.logsumexp(a, 1), "prod()": lambda: a.prod(),
        "prod(dim)": lambda: torch.prod(a, 1), "prod(dim) of one entry, kept":
            lambda: a[:, :1].prod(1, keepdim=True),
        "cumsum": lambda: torch.cumsum(a, 1), "var": lambda: torch.var(a, 1),
        "std": lambda: a.std(), "norm": lambda: a.norm(), "norm(p=1, dim)": lambda: a.norm(1, 0),
        "bmm": lambda: torch.bmm(A, B), "addmm": lambda: torch.addmm(bias, a, b),
        "square": lambda: torch.square(a), "lerp(number)": lambda: torch.lerp(a, a * 2, 0.3),
        "lerp(tensor)": lambda: torch.lerp(a, a * 2, ones * 0.7),
        "flip": lambda: torch.flip(a, [0]), "tril": lambda: torch.tril(a), "triu": lambda: a.triu(1),
        "gather": lambda: torch.gather(a, 1, torch.tensor([[0], [1], [2]])),
        "masked_fill(number)": lambda: a.masked_fill(a > 0, 0.0),
        "masked_fill(tensor)": lambda: a.masked_fill(a > 0, torch.tensor(1.0)),
        "max() of 0-d along dim": lambda: a[0, 0].max(0)[0],
        "div(rounding_mode='floor')": lambda: torch.div(a, 2, rounding_mode="floor"),
        "split(int)": lambda: a.split(2, dim=1)[1], "split(sizes)": lambda: torch.split(a, [1, 3], 1)[0],
        "chunk": lambda: a.chunk(2)[0], "iteration": lambda: list(a)[1],
        "leaky_relu": lambda: F.leaky_relu(a), "hardtanh": lambda: torch.nn.Hardtanh()(a),
        "relu6": lambda: F.relu6(a), "elu": lambda: F.elu(a), "selu": lambda: torch.nn.SELU()(a),
        "celu": lambda: F.celu(a), "silu": lambda: F.silu(a), "softplus": lambda: F.softplus(a),
        "mish": lambda: torch.nn.Mish()(a), "hardsigmoid": lambda: F.hardsigmoid(a),
        "hardswish": lambda: F.hardswish(a), "logsigmoid": lambda: F.logsigmoid(a),
        "threshold": lambda: F.threshold(a, 0.1, 20.0), "prelu": lambda: torch.nn.PReLU()(a),
        "softmin": lambda: F.softmin(a, 1), "F.softmax of 0-d": lambda: F.softmax(a[0, 0], 0),
        "leaky_relu in place": lambda: F.leaky_relu(a * 1, inplace=True),
        "elu in place": lambda: F.elu(a * 1, inplace=True),
        "threshold in place": lambda: F.threshold(a * 1, 0.1, 2.0, inplace=True),
        "hardtanh in place": lambda: F.hardtanh(a * 1, inplace=True),
        "layer_norm": lambda: torch.nn.LayerNorm(4)(a),
        "batch_norm, training": lambda: torch.nn.BatchNorm1d(4)(a),
        "batch_norm, eval": lambda: torch.nn.BatchNorm1d(4).eval()(a),
        "embedding": lambda: torch.nn.Embedding(5, 3)(labels),
        "embedding with padding_idx": lambda: F.embedding(labels, t(5, 3), padding_idx=0),
        "smooth_l1_loss": lambda: F.smooth_l1_loss(a, ones),
        "smooth_l1_loss, none": lambda: F.smooth_l1_loss(a, ones, reduction="none"),
        "smooth_l1_loss, beta 0": lambda: F.smooth_l1_loss(a, ones, beta=0.0),
        "huber_loss": lambda: F.huber_loss(a, ones, reduction="sum"),
        "kl_div": lambda: F.kl_div(F.log_softmax(a, 1), F.softmax(ones, 1), reduction="none"),
        "cross_entropy of probabilities": lambda: F.cross_entropy(a, F.softmax(ones, 1)),
        "cross_entropy of probabilities, sum": lambda: F.cross_entropy(
            a, F.softmax(ones, 1), reduction="sum"),
        "nll_loss of (N, C, d)": lambda: F.nll_loss(A.transpose(1, 2), torch.zeros(5, 3, dtype=
                                                    torch.int64)),
        "nll_loss of (N, C, d), none": lambda: F.nll_loss(
            A.transpose(1, 2), torch.zeros(5, 3, dtype=torch.int64), reduction="none"),
        "torch.sum(x, dim=None)": lambda: torch.sum(a, dim=None),
        "torch.mean(x, 0)": lambda: torch.mean(a, 0),
        "sum(dim=None)": lambda: a.sum(dim=None), "softmax of 0-d": lambda: a[0, 0].softmax(0),
        "einsum ij,jk->ik": lambda: torch.einsum("ij,jk->ik", a, b),
        # item assignment recorded: a view changed in place, a fill, a copy, an index_put
        "h[0] = 0": lambda: _item_assigned(torch, a, 0, 0.0),
        "h[:, 1:] = 0": lambda: _item_assigned(torch, a, (slice(None), slice(1, None)), 0.0),
        "h[...] = 0": lambda: _item_assigned(torch, a, Ellipsis, 0.0),
        "h[:] = row": lambda: _item_assigned(torch, a, slice(None), v),
        "h[h < 0] = 0": lambda: _item_assigned(torch, a, a < 0, 0.0),
        "h[[0, 2]] = 0": lambda: _item_assigned(torch, a, torch.tensor([0, 2]), 0.0),
        "h[0, [1]] = 0": lambda: _item_assigned(torch, a, (0, torch.tensor([1])), 0.0),
        "h[...] = 0 of a 0-d h": lambda: _item_assigned(torch, a[0, 0], Ellipsis, 0.0),
        "h += 1": lambda: _in_place(a, "__iadd__", 1), "h.mul_(2)": lambda: _in_place(a, "mul_", 2),
    }


OURS, THEIRS = cases(tg), cases(pytorch)


def test_the_catalogue_is_whole():
    assert OURS.keys() == THEIRS.keys() and len(OURS) == 158
    assert set(KNOWN_DIFFERENCES) <= set(OURS)


def printed(node):
    """The name a printout shows: name() without a C++ namespace (PyTorch's
    'torch::autograd::CopySlices' prints as grad_fn=<CopySlices>)."""
    return node.name().rsplit("::", 1)[-1]


@pytest.mark.parametrize("case", sorted(OURS))
def test_grad_fn_name_is_pytorchs(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = printed(OURS[case]().grad_fn), printed(THEIRS[case]().grad_fn)
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


# ---------------------------------------------------------------------------------------------
# Every op of tests/op_specs.py, drawn as the property tests draw it (tests/grad_fn_names.py)
# ---------------------------------------------------------------------------------------------

from grad_fn_names import EXAMPLES, KNOWN, compare  # noqa: E402
from op_specs import COMPOSITION_SPECS, SPECS  # noqa: E402

ALL_SPECS = {**SPECS, **COMPOSITION_SPECS}


@pytest.mark.parametrize("name", sorted(ALL_SPECS))
def test_every_spec_shows_pytorchs_grad_fn_name(name):
    """Each draw's name is PyTorch's, but where grad_fn_names.KNOWN says why not."""
    counts, unexplained = compare(ALL_SPECS[name])
    assert sum(counts.values()) == EXAMPLES, counts
    assert not unexplained, f"{name}: engine vs PyTorch {unexplained[:3]}"


def test_every_spec_is_compared_and_each_known_difference_is_a_spec():
    assert len(ALL_SPECS) == len(SPECS) + len(COMPOSITION_SPECS) == 88
    assert set(KNOWN) <= set(ALL_SPECS) and len(KNOWN) == 1
