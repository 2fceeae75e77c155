"""tinygrad_edu.printing against PyTorch's own repr (torch is the oracle here, and required)."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import printing

tensor_repr = printing.tensor_repr

DTYPES = [np.float32, np.float64, np.int64, np.int32, np.bool_]
FLOATS = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def _default_printoptions():
    """Every test starts and ends with both libraries at their default options."""
    torch.set_printoptions(profile="default")
    printing.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    printing.set_printoptions(profile="default")


def torch_repr(t):
    return repr(t).replace("torch.", "tinygrad_edu.")


def ours(t):
    """tensor_repr of a torch tensor's values and autograd state."""
    grad_fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    return tensor_repr(t.detach().numpy(), requires_grad=t.requires_grad, grad_fn_name=grad_fn)


# ----------------------------------------------------------------------------- strategies

SPECIALS = [np.inf, -np.inf, np.nan, -0.0, 0.0]


def _float_values(rng, kind, n):
    """n float64 values of one 'kind' of distribution, the formatter's interesting cases."""
    if kind == "integral":
        v = rng.integers(-1000, 1000, n).astype(np.float64)
    elif kind == "integral_big":
        v = rng.integers(-10**12, 10**12, n).astype(np.float64)
    elif kind == "normal":
        v = rng.standard_normal(n) * 10.0 ** rng.integers(-2, 4)
    elif kind == "mixed":  # magnitudes spread over many decades
        v = rng.choice([-1, 1], n) * 10 ** rng.uniform(-12, 12, n)
    elif kind == "tiny":
        v = rng.standard_normal(n) * 1e-6
    elif kind == "huge":
        v = rng.standard_normal(n) * 1e12
    else:  # "narrow": just around the fixed/scientific boundaries
        v = rng.choice([1e-4, 9.9e-5, 1e8, 1.0001e8, 1.0, 999.9, 1000.1, 0.5, 0.00015], n)
    # sprinkle specials (inf, nan, signed zeros) in some arrays
    if rng.random() < 0.4 and n:
        k = rng.integers(1, max(2, n // 4) + 1)
        v[rng.integers(0, n, k)] = rng.choice(SPECIALS, k)
    return v


@st.composite
def shapes(draw):
    """0-d to 3-d; small dims mostly, empty dims, and now and then sizes that wrap lines
    (long rows) or pass the 1000-element threshold (summarised with '...')."""
    ndim = draw(st.integers(0, 3))
    size = draw(st.sampled_from(["small", "small", "wide", "big"]))
    if size == "small":
        dim = st.integers(0, 5)
    elif size == "wide":
        dim = st.integers(1, 40)
    else:
        dim = st.sampled_from([1, 2, 7, 12, 40, 1100] if ndim == 1 else [1, 2, 7, 12, 40])
    return tuple(draw(dim) for _ in range(ndim))


@st.composite
def arrays(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(shapes())
    n = int(np.prod(shape))
    if n <= 12 and draw(st.booleans()):
        # small arrays straight from Hypothesis, so failures shrink to readable values
        if dtype in FLOATS:
            width = 32 if dtype == np.float32 else 64
            elements = st.one_of(
                st.integers(-10**9, 10**9).map(float),
                st.floats(width=width, allow_nan=True, allow_infinity=True),
                st.sampled_from(SPECIALS + [1e-5, 1e-4, 1e8, 0.1, 0.5, 1.5, 2.0]),
            )
        elif dtype == np.bool_:
            elements = st.booleans()
        else:
            info = np.iinfo(dtype)
            elements = st.one_of(st.integers(-100, 100), st.integers(int(info.min), int(info.max)))
        return draw(hnp.arrays(dtype, shape, elements=elements))

    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype in FLOATS:
        kind = draw(st.sampled_from(
            ["integral", "integral_big", "normal", "mixed", "tiny", "huge", "narrow"]))
        with np.errstate(over="ignore"):  # float32 overflow to inf is fine
            return _float_values(rng, kind, n).astype(dtype).reshape(shape)
    if dtype == np.bool_:
        return (rng.random(n) < 0.5).reshape(shape)
    bound = draw(st.sampled_from([10, 10**6, int(np.iinfo(dtype).max)]))
    return rng.integers(-bound, bound, n, dtype=dtype, endpoint=True).reshape(shape)


# ----------------------------------------------------------------------------- properties

@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(arrays())
def test_repr_matches_torch(arr):
    assert tensor_repr(arr) == torch_repr(torch.from_numpy(arr))


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(arrays(), st.sampled_from(["requires_grad", "grad_fn"]))
def test_suffixes_match_torch_on_random_arrays(arr, kind):
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float32)  # only floating tensors can require grad
    leaf = torch.from_numpy(arr).requires_grad_()
    t = leaf if kind == "requires_grad" else leaf.clone()  # clone: same values, CloneBackward0
    assert ours(t) == torch_repr(t)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(arrays(),
       st.one_of(st.none(), st.integers(0, 8)),
       st.one_of(st.none(), st.sampled_from([5, 20, 100, 1000])),
       st.one_of(st.none(), st.integers(0, 4)),
       st.one_of(st.none(), st.integers(10, 120)),
       st.one_of(st.none(), st.booleans()))
def test_printoptions_match_torch(arr, precision, threshold, edgeitems, linewidth, sci_mode):
    options = dict(precision=precision, threshold=threshold, edgeitems=edgeitems,
                   linewidth=linewidth, sci_mode=sci_mode)
    torch.set_printoptions(**options)
    printing.set_printoptions(**options)
    try:
        assert tensor_repr(arr) == torch_repr(torch.from_numpy(arr))
    finally:
        torch.set_printoptions(profile="default")
        printing.set_printoptions(profile="default")


# ----------------------------------------------------------------------------- examples

@pytest.mark.parametrize("arr, kwargs, expected", [
    (np.array([2., 4.], np.float32), {"grad_fn_name": "MulBackward0"},
     "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    (np.array(3., np.float32), {}, "tensor(3.)"),
    (np.array(3.5, np.float32), {"requires_grad": True}, "tensor(3.5000, requires_grad=True)"),
    (np.array([1.23456789, 2.0], np.float32), {}, "tensor([1.2346, 2.0000])"),
    (np.array([1e-8, 1e5], np.float32), {}, "tensor([1.0000e-08, 1.0000e+05])"),
    (np.array([1., 2.]), {}, "tensor([1., 2.], dtype=tinygrad_edu.float64)"),
    (np.array([1, 2], np.int64), {}, "tensor([1, 2])"),
    (np.array([1, 2], np.int32), {}, "tensor([1, 2], dtype=tinygrad_edu.int32)"),
    (np.array([True, False]), {}, "tensor([ True, False])"),
    (np.array([], np.float32), {}, "tensor([])"),
    (np.zeros((0, 3), np.float32), {}, "tensor([], size=(0, 3))"),
    (np.array([], np.int64), {}, "tensor([], dtype=tinygrad_edu.int64)"),
    (np.array([np.inf, -0.0, np.nan, 1.], np.float32), {}, "tensor([inf, -0., nan, 1.])"),
    (np.array([[1., 2.]], np.float64), {"requires_grad": True, "grad_fn_name": "AddBackward0"},
     "tensor([[1., 2.]], dtype=tinygrad_edu.float64, grad_fn=<AddBackward0>)"),
])
def test_known_strings(arr, kwargs, expected):
    assert tensor_repr(arr, **kwargs) == expected


def _autograd_cases():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = torch.tensor([[1.23456789, 2.0]], requires_grad=True)
    d = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    w = torch.linspace(-3, 3, 30, requires_grad=True)  # long rows: the suffix wraps
    big = torch.arange(2000.0, requires_grad=True)     # summarised
    return [
        x, x * 2, (x * 2).sum(), x.exp(), y, y * 1e-9, d, d + 1, d.mean(),
        w, w.tanh(), w.reshape(5, 6) @ w.reshape(6, 5), big, big * 3,
        torch.zeros(0, 3, requires_grad=True), torch.zeros(0, requires_grad=True) * 2,
        torch.tensor(3.5, requires_grad=True), torch.tensor(3.0, dtype=torch.float64) * x[0],
    ]


@pytest.mark.parametrize("t", _autograd_cases(), ids=lambda t: torch_repr(t)[:40])
def test_autograd_suffixes_match_torch(t):
    assert ours(t) == torch_repr(t)


def test_set_printoptions_round_trip():
    defaults = printing.get_printoptions()
    assert defaults == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)
    arr = (np.arange(20, dtype=np.float32) / 3).reshape(4, 5)
    before = tensor_repr(arr)

    for options in [dict(precision=2), dict(threshold=5, edgeitems=1), dict(linewidth=30),
                    dict(sci_mode=True), dict(profile="short"), dict(profile="full"),
                    dict(profile="short", precision=6, sci_mode=False)]:
        torch.set_printoptions(**options)
        printing.set_printoptions(**options)
        assert tensor_repr(arr) == torch_repr(torch.from_numpy(arr)), options
        assert tensor_repr(arr.ravel()) == torch_repr(torch.from_numpy(arr.ravel())), options
        torch.set_printoptions(profile="default")
        printing.set_printoptions(profile="default")
        assert printing.get_printoptions() == defaults
        assert tensor_repr(arr) == before

    # the context manager restores what was set before it
    printing.set_printoptions(precision=2)
    with printing.printoptions(precision=6, linewidth=40):
        assert printing.get_printoptions()["precision"] == 6
    assert printing.get_printoptions() == dict(defaults, precision=2)


def test_format_scalar():
    assert printing.format_scalar(3.5, np.float32) == "3.5000"
    assert printing.format_scalar(3.0, np.float64) == "3."
    assert printing.format_scalar(7, np.int32) == "7"
    assert printing.format_scalar(True, np.bool_) == "True"
    assert printing.format_scalar(1e-9, np.float32) == "1.0000e-09"
