"""Factories, devices, generators, dtypes and dtype promotion, checked against PyTorch.

PyTorch is the oracle: the same call is made in both libraries and values (numpy.testing),
dtypes (by name), shapes (as tuples) and exception types are compared.  Where we choose our own
rule (FloatTensor of a Tensor, unsupported NumPy dtypes, devices other than 'cpu') the test
asserts the rule of PYTORCH-SEMANTICS.md / issue 2 instead.
"""

import itertools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg


# ----------------------------------------------------------------------------- helpers

def dtype_name(d):
    """'float32' for torch.float32 and tinygrad_edu.float32 alike."""
    return str(d).rsplit(".", 1)[-1]


def assert_same(ours, theirs, rtol=0, atol=0):
    """Same shape, dtype name, requires_grad and values (exactly unless a tolerance is given)."""
    assert isinstance(ours, tg.Tensor)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype)
    assert ours.requires_grad == theirs.requires_grad
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol)


def both(fn_name, *args, **kwargs):
    """Call fn_name in both libraries with the same arguments (dtype keywords translated)."""
    results = []
    for lib in (tg, torch):
        kw = {k: (getattr(lib, dtype_name(v)) if k == "dtype" else v) for k, v in kwargs.items()}
        results.append(getattr(lib, fn_name)(*args, **kw))
    return results


def raised_by(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - we compare the type
        return type(e)
    return None


# ----------------------------------------------------------------------------- tensor()

@pytest.mark.parametrize("data", [
    [1.0, 2.0], [1, 2], [True, False], [[1.5, 2.0], [3.0, 4.25]], 3.5, 7, True, [], [[1, 2]],
    np.array([1.0, 2.0]), np.array([1, 2], dtype=np.int32), np.array([[1.0]], dtype=np.float32),
    np.array(2.5), np.array([True]), np.array([1, 2], dtype=np.int64),
])
def test_tensor_infers_dtype_and_values_like_pytorch(data):
    ours, theirs = tg.tensor(data), torch.tensor(data)
    assert_same(ours, theirs)


# Lists that hold NumPy scalars, arrays or tensors: each counts with its own dtype, each Python
# number with its default one, and all promote together (the list of NumPy float64 values, as
# from df.values or a loop over an array, was float32 here).
MIXED_LISTS = {
    "float64 scalars": lambda lib: [np.float64(1.5), np.float64(2)],
    "a float64 scalar and a float": lambda lib: [np.float64(1), 2.5],
    "a float and a float64 scalar": lambda lib: [2.5, np.float64(1)],
    "a float32 scalar and a float": lambda lib: [np.float32(1), 2.5],
    "an int32 scalar and an int": lambda lib: [np.int32(1), 2],
    "int32 scalars": lambda lib: [np.int32(1), np.int32(2)],
    "an int32 scalar and a float": lambda lib: [np.int32(1), 2.5],
    "an int64 scalar and a float32 scalar": lambda lib: [np.int64(1), np.float32(2)],
    "a NumPy bool and a bool": lambda lib: [np.bool_(True), False],
    "float64 rows": lambda lib: [np.array([1.0, 2.0]), np.array([3.0, 4.0])],
    "a float32 row and a list": lambda lib: [np.array([1, 2], dtype=np.float32), [3.5, 4.0]],
    "an int32 row and a list": lambda lib: [np.array([1, 2], dtype=np.int32), [3, 4]],
    "float64 0-d tensors": lambda lib: [lib.tensor(1.5, dtype=lib.float64),
                                        lib.tensor(2.0, dtype=lib.float64)],
    "a 0-d tensor and a float": lambda lib: [lib.tensor(1.5), 2.5],
    "an int32 0-d tensor and a bool": lambda lib: [lib.tensor(3, dtype=lib.int32), True],
    "nested float64 scalars": lambda lib: [[np.float64(1)], [np.float64(2)]],
    "a large int beside a float": lambda lib: [2**70, 1.5],
}


def test_tensor_of_a_list_holding_numpy_values_takes_pytorchs_dtype():
    for label, make in MIXED_LISTS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch: a list of arrays is slow
            theirs = torch.tensor(make(torch))
        ours = tg.tensor(make(tg))
        assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), label
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=label)
    assert len(MIXED_LISTS) == 17


@pytest.mark.parametrize("data", [[2**63], 2**63, [-2**63 - 1], [[1], [2**70]]])
def test_an_integer_beyond_int64_is_refused_as_in_pytorch(data):
    """NumPy would wrap 2⁶³ to −2⁶³ (uint64, then int64): PyTorch refuses it, and so do we;
    as a float it is fine in both."""
    assert raised_by(lambda: torch.tensor(data)) is ValueError
    with pytest.raises(ValueError, match="does not fit in int64"):
        tg.tensor(data)
    with pytest.raises(ValueError, match="does not fit in int64"):
        tg.tensor(data, dtype=tg.int64)
    assert_same(tg.tensor(data, dtype=tg.float64), torch.tensor(data, dtype=torch.float64))
    assert tg.tensor([2**63 - 1, -2**63]).tolist() == [2**63 - 1, -2**63]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_tensor_dtype_keyword(dtype):
    ours, theirs = both("tensor", [0.0, 1.0, 2.5], dtype=dtype)
    assert_same(ours, theirs)


def test_tensor_copies_its_data():
    arr = np.array([1.0, 2.0])
    t = tg.tensor(arr)
    arr[0] = 99.0
    assert t[0].item() == 1.0
    src = tg.tensor([1.0, 2.0])
    copy = tg.tensor(src.numpy())
    src[0] = 5.0
    assert copy[0].item() == 1.0


def test_tensor_requires_grad_and_device_keywords():
    t = tg.tensor([1.0, 2.0], requires_grad=True, device="cpu")
    assert t.requires_grad and t.is_leaf and t.grad is None
    assert tg.tensor([1.0], device=tg.device("cpu")).device == tg.device("cpu")
    ours = raised_by(lambda: tg.tensor([1, 2], requires_grad=True))
    theirs = raised_by(lambda: torch.tensor([1, 2], requires_grad=True))
    assert ours is theirs is RuntimeError


def test_tensor_bad_data_is_a_clear_error():
    with pytest.raises(TypeError, match="str"):
        tg.tensor("abc")
    with pytest.raises(ValueError, match="rectangular"):
        tg.tensor([[1, 2], [3]])
    assert raised_by(lambda: torch.tensor([[1, 2], [3]])) is ValueError


# ----------------------------------------------------------------------------- typed tensors

@pytest.mark.parametrize("data", [[1, 2], [1.5, -2.25], np.array([1.0, 2.0]),
                                  np.array([3, 4], dtype=np.int32), [[1.0], [2.0]]])
def test_float_tensor_of_data_is_float32(data):
    ours, theirs = tg.FloatTensor(data), torch.FloatTensor(data)
    assert_same(ours, theirs)


@pytest.mark.parametrize("sizes", [(3,), (2, 3), (0,)])
def test_float_tensor_of_sizes(sizes):
    """FloatTensor(3) is PyTorch's uninitialised length-3 tensor: ours is zeros(3)."""
    ours, theirs = tg.FloatTensor(*sizes), torch.FloatTensor(*sizes)
    assert tuple(ours.shape) == tuple(theirs.shape) == sizes
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype) == "float32"
    np.testing.assert_array_equal(ours.numpy(), np.zeros(sizes, dtype=np.float32))


def test_float_tensor_of_a_tensor_raises():
    """Our rule (PYTORCH-SEMANTICS.md): FloatTensor(t) raises and points to t.float().
    PyTorch raises TypeError too, except for a tensor that already is float32."""
    for source in (tg.tensor([1, 2]), tg.tensor([1.0, 2.0]), tg.tensor([1.0], dtype=tg.double)):
        with pytest.raises(TypeError, match=r"float\(\)"):
            tg.FloatTensor(source)
    assert raised_by(lambda: torch.FloatTensor(torch.tensor([1, 2]))) is TypeError


@pytest.mark.parametrize("data", [[1, 2], [1.7, -2.2], np.array([3.9, 4.1]), [[0], [5]]])
def test_long_tensor_like_pytorch(data):
    ours, theirs = tg.LongTensor(data), torch.LongTensor(data)
    assert_same(ours, theirs)
    assert tuple(tg.LongTensor(4).shape) == tuple(torch.LongTensor(4).shape) == (4,)
    assert dtype_name(tg.LongTensor(4).dtype) == "int64"


def test_typed_tensor_device_keyword():
    assert tg.FloatTensor([1.0], device="cpu").dtype == tg.float32
    with pytest.raises(RuntimeError, match="cpu"):
        tg.FloatTensor([1.0], device="cuda")


# ----------------------------------------------------------------------------- from_numpy

@pytest.mark.parametrize("np_dtype", [np.float64, np.float32, np.int32, np.int64, np.bool_])
def test_from_numpy_keeps_dtype_and_shares_memory(np_dtype):
    arr = np.array([[1, 0], [3, 4]], dtype=np_dtype)
    ours, theirs = tg.from_numpy(arr), torch.from_numpy(arr.copy())
    assert_same(ours, theirs)
    arr[0, 0] = 0  # a change to the array shows in the tensor ...
    assert ours[0, 0].item() == 0
    ours[1, 1] = 1  # ... and a change to the tensor shows in the array
    assert arr[1, 1] == 1
    assert ours.numpy() is arr or np.shares_memory(ours.numpy(), arr)


def test_from_numpy_errors():
    assert raised_by(lambda: tg.from_numpy([1, 2])) is raised_by(
        lambda: torch.from_numpy([1, 2])) is TypeError
    with pytest.raises(TypeError, match="float16"):  # our five dtypes only, named clearly
        tg.from_numpy(np.ones(2, dtype=np.float16))


# ----------------------------------------------------------------------------- filled

SHAPE_FORMS = [(2, 3), ((2, 3),), ([2, 3],), (4,), ((),), (0, 2)]


@pytest.mark.parametrize("name", ["zeros", "ones"])
@pytest.mark.parametrize("args", SHAPE_FORMS)
def test_zeros_ones_shapes(name, args):
    ours, theirs = both(name, *args)
    assert_same(ours, theirs)


def test_shapes_accept_a_size():
    assert tg.zeros(tg.Size([2, 3])).shape == (2, 3)
    assert tg.ones(tg.zeros(4, 1).shape).shape == (4, 1)


@pytest.mark.parametrize("name", ["zeros", "ones"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_zeros_ones_dtype(name, dtype):
    ours, theirs = both(name, 2, 2, dtype=dtype)
    assert_same(ours, theirs)


@pytest.mark.parametrize("name", ["zeros", "ones", "rand", "randn"])
def test_filled_requires_grad(name):
    ours, theirs = both(name, 3, requires_grad=True)
    assert ours.requires_grad and theirs.requires_grad and ours.is_leaf
    (ours * 2).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), np.full(3, 2.0, dtype=np.float32))


@pytest.mark.parametrize("fill", [3, 2.5, True, -1])
def test_full_infers_dtype_from_fill_value(fill):
    ours, theirs = both("full", (2, 3), fill)
    assert_same(ours, theirs)
    ours, theirs = both("full", [4], fill, dtype="float64")
    assert_same(ours, theirs)


def test_full_requires_grad():
    ours, theirs = both("full", (2,), 1.5, requires_grad=True)
    assert_same(ours, theirs)


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (1, 1)])
def test_eye(args):
    assert_same(*both("eye", *args))
    assert_same(*both("eye", *args, dtype="int64"))
    assert_same(*both("eye", *args, dtype="float64", requires_grad=True))


# ----------------------------------------------------------------------------- ranges

@pytest.mark.parametrize("args", [(5,), (2, 7), (0, 10, 3), (10, 0, -2), (-3, 3), (0,),
                                  (0.0, 1.0, 0.25), (1, 2.5, 0.5), (5.0,), (0, 1, 0.1),
                                  (-1.5, 1.5, 0.5)])
def test_arange_int_vs_float(args):
    ours, theirs = both("arange", *args)
    assert_same(ours, theirs, rtol=1e-6, atol=1e-6)


@given(st.integers(-20, 20), st.integers(-20, 20), st.integers(-5, 5).filter(bool),
       st.booleans())
def test_arange_property(start, end, step, as_float):
    if as_float:
        start, end, step = start / 4, end / 2, step / 3
    theirs = raised_by(lambda: torch.arange(start, end, step))
    if theirs is not None:  # bounds inconsistent with the step's sign
        with pytest.raises(theirs, match="inconsistent"):
            tg.arange(start, end, step)
        return
    assert_same(tg.arange(start, end, step), torch.arange(start, end, step), rtol=1e-6,
                atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_arange_dtype(dtype):
    assert_same(*both("arange", 0, 6, 2, dtype=dtype))
    assert_same(*both("arange", 6, dtype=dtype))


def test_arange_keywords_and_errors():
    assert_same(*both("arange", 4.0, requires_grad=True))
    ours = raised_by(lambda: tg.arange(4, requires_grad=True))
    theirs = raised_by(lambda: torch.arange(4, requires_grad=True))
    assert ours is theirs is RuntimeError
    with pytest.raises(RuntimeError, match="step"):
        tg.arange(0, 5, 0)


@pytest.mark.parametrize("args", [(0, 1, 5), (-2, 3, 11), (1, 1, 3), (5, -5, 4), (0, 1, 1),
                                  (0, 1, 0), (0.5, 2.25, 8)])
def test_linspace(args):
    ours, theirs = both("linspace", *args)
    assert_same(ours, theirs, rtol=1e-6, atol=1e-6)
    ours, theirs = both("linspace", *args, dtype="float64")
    assert_same(ours, theirs, rtol=1e-12, atol=1e-12)


def test_linspace_requires_grad():
    assert_same(*both("linspace", 0, 1, 3, requires_grad=True), rtol=1e-6)


# ----------------------------------------------------------------------------- random

def test_rand_randn_shapes_dtypes_and_ranges():
    tg.manual_seed(0)
    for args in [(3,), (2, 5), ((2, 5),), ([4],), ((),)]:
        for name in ("rand", "randn"):
            ours, theirs = both(name, *args)
            assert tuple(ours.shape) == tuple(theirs.shape)
            assert dtype_name(ours.dtype) == dtype_name(theirs.dtype) == "float32"
            ours64 = getattr(tg, name)(*args, dtype=tg.float64)
            assert dtype_name(ours64.dtype) == "float64"
    u = tg.rand(10_000).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.02
    z = tg.randn(10_000, dtype=tg.float64).numpy()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1.0) < 0.05


def test_rand_of_an_integer_dtype_is_refused_like_pytorch():
    for name in ("rand", "randn"):
        ours = raised_by(lambda: getattr(tg, name)(2, dtype=tg.int64))
        theirs = raised_by(lambda: getattr(torch, name)(2, dtype=torch.int64))
        assert ours is not None and theirs is not None
        assert issubclass(theirs, RuntimeError) and issubclass(ours, RuntimeError)


@pytest.mark.parametrize("args,kwargs", [((0, 5, (3,)), {}), ((5, (2, 2)), {}),
                                         ((-3, 3), {"size": (100,)}), ((2, 3, (4,)), {}),
                                         ((0, 10, (3,)), {"dtype": "int32"}),
                                         ((0, 10, (3,)), {"dtype": "float64"})])
def test_randint(args, kwargs):
    ours, theirs = both("randint", *args, **kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype)
    low, high = (0, args[0]) if len(args) == 2 and "size" not in kwargs else args[:2]
    values = ours.numpy()
    assert values.min() >= low and values.max() < high
    assert np.all(values == np.round(values))


def test_randint_covers_its_range():
    tg.manual_seed(3)
    assert set(tg.randint(0, 4, (400,)).tolist()) == {0, 1, 2, 3}


@pytest.mark.parametrize("n", [0, 1, 7, 50])
def test_randperm(n):
    ours, theirs = both("randperm", n)
    assert tuple(ours.shape) == tuple(theirs.shape) == (n,)
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype) == "int64"
    assert sorted(ours.tolist()) == list(range(n))
    assert dtype_name(tg.randperm(n, dtype=tg.int32).dtype) == "int32"


def test_random_integer_factories_refuse_requires_grad_like_pytorch():
    cases = [("randint", (0, 5, (2,))), ("randperm", (3,))]
    for name, args in cases:
        ours = raised_by(lambda: getattr(tg, name)(*args, requires_grad=True))
        theirs = raised_by(lambda: getattr(torch, name)(*args, requires_grad=True))
        assert ours is theirs is RuntimeError


# ----------------------------------------------------------------------------- *_like

@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "randn_like"])
@pytest.mark.parametrize("source", [[[1.0, 2.0, 3.0]], [1.0], 2.5, [[1.0], [2.0]]])
def test_like_factories_copy_shape_and_dtype(name, source):
    ours, theirs = getattr(tg, name)(tg.tensor(source)), getattr(torch, name)(torch.tensor(source))
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype)
    assert not ours.requires_grad
    if name != "randn_like":
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    src64 = tg.tensor(source, dtype=tg.float64, requires_grad=True)
    out = getattr(tg, name)(src64)
    assert out.dtype == tg.float64 and not out.requires_grad  # never joins the graph


@pytest.mark.parametrize("name", ["zeros_like", "ones_like"])
def test_like_factories_of_int_tensors(name):
    ours = getattr(tg, name)(tg.tensor([[1, 2]]))
    theirs = getattr(torch, name)(torch.tensor([[1, 2]]))
    assert_same(ours, theirs)


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "randn_like"])
def test_like_factories_keywords(name):
    for kwargs in [dict(dtype="float64"), dict(requires_grad=True), dict(device="cpu")]:
        ours = getattr(tg, name)(tg.zeros(2, 3), **{k: (getattr(tg, v) if k == "dtype" else v)
                                                    for k, v in kwargs.items()})
        theirs = getattr(torch, name)(torch.zeros(2, 3), **{
            k: (getattr(torch, v) if k == "dtype" else v) for k, v in kwargs.items()})
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert dtype_name(ours.dtype) == dtype_name(theirs.dtype)
        assert ours.requires_grad == theirs.requires_grad


def test_randn_like_of_int_tensor_is_refused_like_pytorch():
    ours = raised_by(lambda: tg.randn_like(tg.tensor([1, 2])))
    theirs = raised_by(lambda: torch.randn_like(torch.tensor([1, 2])))
    assert issubclass(ours, RuntimeError) and issubclass(theirs, RuntimeError)


def test_like_factories_need_a_tensor():
    with pytest.raises(TypeError, match="Tensor"):
        tg.zeros_like([1.0, 2.0])


# ----------------------------------------------------------------------------- devices

FACTORY_CALLS = [
    ("tensor", ([1.0],)), ("zeros", (2,)), ("ones", (2,)), ("full", ((2,), 1.0)), ("eye", (2,)),
    ("arange", (3,)), ("linspace", (0, 1, 3)), ("rand", (2,)), ("randn", (2,)),
    ("randint", (0, 3, (2,))), ("randperm", (3,)),
]


@pytest.mark.parametrize("name,args", FACTORY_CALLS)
def test_factories_accept_cpu_and_refuse_cuda_clearly(name, args):
    for dev in ("cpu", tg.device("cpu")):
        t = getattr(tg, name)(*args, device=dev)
        assert t.device == tg.device("cpu") and str(t.device) == "cpu"
    with pytest.raises(RuntimeError, match="cuda.*cpu"):
        getattr(tg, name)(*args, device="cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        getattr(tg, name)(*args, device="cuda:0")


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "randn_like"])
def test_like_factories_refuse_cuda(name):
    with pytest.raises(RuntimeError, match="cuda"):
        getattr(tg, name)(tg.zeros(2), device="cuda")


def test_device_object():
    d = tg.device("cpu")
    assert d.type == torch.device("cpu").type == "cpu"
    assert str(d) == str(torch.device("cpu"))
    assert repr(d) == repr(torch.device("cpu"))
    assert d == tg.device("cpu") and hash(d) == hash(tg.device("cpu"))
    assert tg.zeros(1).device == d and tg.zeros(1).device.type == "cpu"
    with pytest.raises(RuntimeError, match="cuda"):
        tg.device("cuda")
    assert not tg.zeros(1).is_cuda


def test_tensor_to_device():
    t = tg.tensor([1.0, 2.0])
    assert t.to("cpu") is t and t.cpu() is t and t.to(tg.device("cpu")) is t
    with pytest.raises(RuntimeError, match="cuda"):
        t.to("cuda")
    with pytest.raises(RuntimeError, match="CUDA"):
        t.cuda()


def test_accelerators_are_not_available():
    assert tg.cuda.is_available() is False
    assert tg.accelerator.is_available() is False
    assert tg.cuda.is_available() == torch.cuda.is_available()  # a CPU-only PyTorch here
    device = "cuda" if tg.cuda.is_available() else "cpu"  # the usual script idiom
    assert tg.zeros(2, device=device).device == tg.device("cpu")


def test_set_default_device():
    assert tg.set_default_device("cpu") is None
    assert tg.zeros(2).device == tg.device("cpu")
    with pytest.raises(RuntimeError, match="cuda"):
        tg.set_default_device("cuda")
    assert tg.zeros(2).device == tg.device("cpu")


# ----------------------------------------------------------------------------- generators

DRAWS = {
    "rand": lambda lib, g: lib.rand(5, generator=g),
    "randn": lambda lib, g: lib.randn(2, 3, generator=g),
    "randint": lambda lib, g: lib.randint(0, 100, (6,), generator=g),
    "randperm": lambda lib, g: lib.randperm(10, generator=g),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_two_generators_with_one_seed_give_one_stream(name):
    draw = DRAWS[name]
    g1, g2 = tg.Generator().manual_seed(1234), tg.Generator().manual_seed(1234)
    first = [draw(tg, g1).numpy().copy() for _ in range(3)]
    second = [draw(tg, g2).numpy().copy() for _ in range(3)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(first[0], f) for f in first[1:])  # the stream moves on
    other = draw(tg, tg.Generator().manual_seed(4321)).numpy()
    assert not np.array_equal(first[0], other)


def test_generator_object():
    g = tg.Generator()
    assert g.manual_seed(7) is g  # returns itself, as torch.Generator
    assert g.initial_seed() == torch.Generator().manual_seed(7).initial_seed() == 7
    assert tg.Generator(device="cpu").device in ("cpu", tg.device("cpu"))
    with pytest.raises(RuntimeError, match="cpu"):
        tg.Generator(device="cuda")
    with pytest.raises(TypeError):
        g.manual_seed("seven")
    state = g.get_state()
    a = tg.rand(4, generator=g).numpy().copy()
    g.set_state(state)
    np.testing.assert_array_equal(tg.rand(4, generator=g).numpy(), a)


def test_manual_seed_makes_the_default_stream_repeatable():
    def draws():
        return [tg.rand(3).numpy().copy(), tg.randn(2, 2).numpy().copy(),
                tg.randint(0, 50, (4,)).numpy().copy(), tg.randperm(6).numpy().copy(),
                tg.randn_like(tg.zeros(3)).numpy().copy()]

    returned = tg.manual_seed(42)
    first = draws()
    tg.manual_seed(42)
    second = draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    tg.manual_seed(43)
    assert not np.array_equal(tg.rand(3).numpy(), first[0])
    assert isinstance(returned, tg.Generator) and tg.initial_seed() == 43


def test_a_generator_keyword_leaves_the_default_stream_alone():
    tg.manual_seed(5)
    expected = tg.randn(4).numpy().copy()
    tg.manual_seed(5)
    g = tg.Generator().manual_seed(99)
    tg.randn(10, generator=g)
    tg.rand(3, generator=g)
    tg.randint(0, 9, (3,), generator=g)
    tg.randperm(5, generator=g)
    tg.randn_like(tg.zeros(2), generator=g)
    np.testing.assert_array_equal(tg.randn(4).numpy(), expected)


def test_like_factories_take_a_generator_as_pytorch():
    torch.randn_like(torch.zeros(2), generator=torch.Generator())  # PyTorch accepts it
    a = tg.randn_like(tg.zeros(3), generator=tg.Generator().manual_seed(8))
    b = tg.randn_like(tg.zeros(3), generator=tg.Generator().manual_seed(8))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_manual_seed_does_not_touch_numpys_global_generator():
    np.random.seed(2024)
    state_before = np.random.get_state()
    tg.manual_seed(0)
    tg.rand(100)
    tg.randn(10, 10)
    tg.randint(0, 5, (20,))
    tg.randperm(30)
    tg.Generator().manual_seed(3)
    tg.seed()
    state_after = np.random.get_state()
    assert state_before[0] == state_after[0]
    np.testing.assert_array_equal(state_before[1], state_after[1])
    assert state_before[2:] == state_after[2:]
    np.random.seed(2024)
    expected = np.random.rand(5)
    np.random.seed(2024)
    tg.manual_seed(1)
    tg.randn(50)
    np.testing.assert_array_equal(np.random.rand(5), expected)


def test_a_generator_of_the_wrong_type_is_a_clear_error():
    with pytest.raises(TypeError, match="Generator"):
        tg.randn(2, generator=np.random.default_rng(0))


# ----------------------------------------------------------------------------- dtypes

def test_dtype_names_and_aliases():
    assert tg.float is tg.float32 and tg.double is tg.float64 and tg.long is tg.int64
    for ours, theirs in [(tg.float32, torch.float32), (tg.float64, torch.float64),
                         (tg.int64, torch.int64), (tg.int32, torch.int32),
                         (tg.bool, torch.bool), (tg.float, torch.float),
                         (tg.double, torch.double), (tg.long, torch.long)]:
        assert dtype_name(ours) == dtype_name(theirs)
        assert repr(ours) == repr(theirs).replace("torch.", "tinygrad_edu.")
        assert ours.is_floating_point == theirs.is_floating_point
        assert ours.itemsize == theirs.itemsize
        assert isinstance(ours, tg.dtype)


@pytest.mark.parametrize("alias,name", [("float", "float32"), ("double", "float64"),
                                        ("long", "int64"), ("int32", "int32"),
                                        ("bool", "bool")])
def test_dtype_keyword_accepts_aliases(alias, name):
    t = tg.tensor([1, 0], dtype=getattr(tg, alias))
    assert dtype_name(t.dtype) == name == dtype_name(torch.tensor([1, 0],
                                                                  dtype=getattr(torch,
                                                                                alias)).dtype)


def test_tensor_conversions_between_dtypes():
    data = [-1.5, 0.0, 2.7]
    ours, theirs = tg.tensor(data), torch.tensor(data)
    for method in ("float", "double", "long", "int", "bool"):
        assert_same(getattr(ours, method)(), getattr(theirs, method)())
    for d in ("float32", "float64", "int64", "int32", "bool"):
        assert_same(ours.to(getattr(tg, d)), theirs.to(getattr(torch, d)))
        assert_same(ours.to("cpu", getattr(tg, d)), theirs.to("cpu", getattr(torch, d)))
        assert_same(ours.to(dtype=getattr(tg, d)), theirs.to(dtype=getattr(torch, d)))


# ----------------------------------------------------------------------------- promotion

def test_promotion_table_rows():
    """Every row of the table in PYTORCH-SEMANTICS.md, each computed in both libraries."""
    def pair(expr):
        results = []
        for lib in (tg, torch):
            try:
                results.append(dtype_name(eval(expr, {"L": lib, "np": np}).dtype))
            except Exception as e:  # noqa: BLE001
                results.append(type(e))
        return results

    rows = {
        "L.tensor([1.0, 2.0])": "float32",
        "L.randn(3)": "float32",
        "L.zeros(2)": "float32",
        "L.tensor([1, 2])": "int64",
        "L.tensor(np.array([1.0, 2.0]))": "float64",
        "L.from_numpy(np.array([1.0, 2.0]))": "float64",
        "L.FloatTensor([1, 2])": "float32",
        "L.FloatTensor(np.array([1.0, 2.0]))": "float32",
        "L.from_numpy(np.array([1, 2], dtype=np.int32))": "int32",
        "L.tensor([1, 2]) / L.tensor([2, 4])": "float32",
        "L.tensor([1, 2]) * 2.5": "float32",
        "L.tensor([1.0, 2.0]) + L.tensor(1.0, dtype=L.float64)": "float32",
        "L.tensor([1.0, 2.0]) + 1.5": "float32",
        "L.tensor([1, 2]) + L.tensor(1.5, dtype=L.float64)": "float64",
        "L.tensor(1.0) + L.tensor(1.0, dtype=L.float64)": "float64",
        "L.tensor([1.0, 2.0]) + L.tensor([1.0], dtype=L.float64)": "float64",
        "L.tensor([1, 2]).sum()": "int64",
        "L.tensor([1, 2], dtype=L.int32).sum()": "int64",
        "L.tensor([True, False]).sum()": "int64",
        "L.tensor([1, 2]) + 1.5": "float32",
        "L.tensor([1, 2], dtype=L.int32) + 5": "int32",
    }
    for expr, expected in rows.items():
        ours, theirs = pair(expr)
        assert ours == theirs == expected, expr
    errors = {
        "L.tensor([1.0, 2.0]) @ L.tensor([1.0, 2.0], dtype=L.float64)": "same dtype",
        "L.ones(2, 2) @ L.ones(2, 2, dtype=L.float64)": "same dtype",
        "L.tensor([1, 2]).mean()": "floating point",
        "L.tensor([1, 2], requires_grad=True)": "floating point",
    }
    for expr, message in errors.items():
        ours, theirs = pair(expr)
        assert ours is theirs is RuntimeError, expr
        with pytest.raises(RuntimeError, match=message):
            eval(expr, {"L": tg, "np": np})


def _operands(lib):
    """One operand of each tier (dims, 0-d, Python scalar) and kind, built in `lib`."""
    out = []
    for d in ("float32", "float64", "int64", "int32", "bool"):
        values = [True, False] if d == "bool" else [1, 2]
        out.append((f"dims {d}", lib.tensor(values, dtype=getattr(lib, d))))
        out.append((f"0-d {d}", lib.tensor(values[0], dtype=getattr(lib, d))))
    out += [("py int", 3), ("py float", 2.5), ("py bool", True)]
    return out


PAIRS = [(i, j) for i, j in itertools.product(range(13), repeat=2) if not (i >= 10 and j >= 10)]


@pytest.mark.parametrize("op", ["+", "*", "/", "<", "=="])
def test_promotion_of_every_operand_pair_matches_pytorch(op):
    ours_ops, theirs_ops = _operands(tg), _operands(torch)
    fn = eval(f"lambda a, b: a {op} b")
    for i, j in PAIRS:
        (label_a, a), (label_b, b) = ours_ops[i], ours_ops[j]
        ta, tb = theirs_ops[i][1], theirs_ops[j][1]
        ours, theirs = fn(a, b), fn(ta, tb)
        where = f"{label_a} {op} {label_b}"
        assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), where
        assert tuple(ours.shape) == tuple(theirs.shape), where
        np.testing.assert_allclose(ours.numpy().astype(np.float64),
                                   theirs.numpy().astype(np.float64), rtol=1e-6, err_msg=where)


def test_promotion_keeps_the_graph_across_dtypes():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.tensor([3.0], dtype=tg.float64, requires_grad=True)
    out = x * y
    assert out.dtype == tg.float64
    out.sum().backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)
    (tx * ty).sum().backward()
    assert_same(x.grad, tx.grad)
    assert_same(y.grad, ty.grad)
