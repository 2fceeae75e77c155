"""var, std and norm (composites of primitives) against PyTorch: values and gradients."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import testing

REDUCTIONS = [
    ("var", {}), ("var", {"dim": 0}), ("var", {"dim": -1, "keepdim": True}),
    ("var", {"dim": 0, "correction": 0}), ("std", {}), ("std", {"dim": 1}),
    ("norm", {}), ("norm", {"dim": 0}), ("norm", {"p": 1, "dim": 1, "keepdim": True}),
    ("norm", {"p": 3}),
]


@pytest.mark.parametrize("method,kwargs", REDUCTIONS, ids=lambda v: str(v))
@given(data=st.data(), shape=st.tuples(st.integers(2, 4), st.integers(2, 4)))
def test_matches_pytorch(method, kwargs, data, shape):
    values = data.draw(testing.arrays(shape, np.float64, domain="away_from_kinks"))
    if method == "std":  # std's kink is zero spread: there the result hangs on rounding
        assume(np.all(np.var(values, axis=kwargs.get("dim")) > 1e-6))
    ours = tg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    out_ours = getattr(ours, method)(**kwargs)
    out_theirs = getattr(theirs, method)(**kwargs)
    np.testing.assert_allclose(out_ours.detach().numpy(), out_theirs.detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    out_ours.sum().backward()
    out_theirs.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_norm_refuses_a_nonpositive_p():
    with pytest.raises(ValueError, match="norm: p must be a positive number"):
        tg.ones(3).norm(p=0)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_std_of_constant_entries_has_zero_gradient_as_pytorch(dim):
    values = np.full((2, 3), 2.0)  # the mean is exact, so the spread is exactly zero
    ours = tg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    ours.std(dim).sum().backward()
    theirs.std(dim).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert not np.isnan(ours.grad.numpy()).any()
