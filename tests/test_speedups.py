"""Every speed-up in tinygrad_edu/speedups.py gives exactly the bits of the plain NumPy form
written beside it, on ordinary values and on the awkward ones (±0, ±inf, NaN, subnormals,
transposed views), so the reading path may call either and mean the same thing."""

import itertools
import threading
import warnings

import numpy as np
import pytest

from tinygrad_edu import speedups

INF, NAN = float("inf"), float("nan")
AWKWARD = np.array([0.0, -0.0, 1.0, -2.5, 1e4, 3e38, -3e38, INF, -INF, NAN, 1e-40])


def same_bits(ours, expected):
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    bits = f"u{expected.itemsize}"
    return np.array_equal(np.asarray(ours).view(bits), np.asarray(expected).view(bits))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_matmul_gives_numpys_matmul_bits(dtype):
    """matmul multiplies two matrices with ndarray.dot, a faster way into the same BLAS
    product, except when a factor has one entry (dot would skip a zero factor: 0 · NaN = 0)."""
    rng = np.random.default_rng(7)
    shapes = [(2, 2, 2), (1, 5, 1), (200, 2, 10), (200, 10, 1), (3, 7, 5), (0, 3, 2),
              (3, 0, 2), (65, 129, 33), (0, 1, 2), (1, 0, 2)]
    shapes += list(itertools.product([1, 2, 3], repeat=3))  # every small case, 1×1 included
    compared = 0
    for m, k, n in shapes:
        for draw in [lambda size: rng.standard_normal(size)] + \
                [lambda size: rng.choice(AWKWARD, size=size)] * 20:
            with np.errstate(all="ignore"):  # 3e38 is inf in float16
                a, b, w = (draw(size).astype(dtype) for size in ((m, k), (k, n), (n, k)))
            for left, right in ((a, b), (a, w.T), (b.T, a.T)):
                with np.errstate(all="ignore"):
                    expected = speedups.plain_matmul(left, right)
                    ours = speedups.matmul(left, right)
                assert same_bits(ours, expected), (m, k, n)
                compared += 1
    assert compared == len(shapes) * 21 * 3


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_sum_rows_gives_the_plain_products_bits(dtype):
    """sum_rows is 𝟏ᵀ G through ndarray.dot with a kept vector of ones: the bits of
    np.ones(n) @ G, one row or one column, empty, wider than long, NaN and ±inf included;
    and, as a sum, within rounding of NumPy's own column sums."""
    rng = np.random.default_rng(11)
    shapes = [(1, 1), (1, 5), (5, 1), (0, 3), (3, 0), (2, 2), (32, 10), (200, 10), (200, 1),
              (3, 4097), (5000, 7)]
    compared = 0
    for rows, columns in shapes:
        for draw in (rng.standard_normal, lambda size: rng.choice(AWKWARD, size=size)):
            with np.errstate(all="ignore"):  # 3e38 is inf in float16
                g = draw((rows, columns)).astype(dtype)
                expected = speedups.plain_sum_rows(g)
                ours = speedups.sum_rows(g)
            assert same_bits(ours, expected), (rows, columns)
            compared += 1
        g = rng.standard_normal((rows, columns))
        np.testing.assert_allclose(speedups.sum_rows(g), g.sum(axis=0), rtol=1e-12, atol=1e-12)
    assert compared == 2 * len(shapes)
    for rows in range(1, 70):  # more lengths than it keeps: it forgets them, still right
        assert same_bits(speedups.sum_rows(np.ones((rows, 2), dtype)),
                         np.full(2, rows, dtype))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("size", [7, 4096, 4097, 50_000], ids=lambda n: f"{n} entries")
def test_zero_where_gives_the_plain_selections_bits(dtype, size):
    """On both sides of the size where the bit-arithmetic path starts; inf and NaN in G are exact
    zeros where masked and kept where not."""
    rng = np.random.default_rng(size)
    with np.errstate(all="ignore"):
        g = rng.choice(AWKWARD, size=size).astype(dtype)
    mask = rng.random(size) < 0.5
    for upstream in (g, np.nan_to_num(g)):  # with and without non-finite entries
        expected = speedups.plain_zero_where(mask, upstream)
        assert same_bits(speedups.zero_where(mask, upstream), expected)
        assert (expected[mask] == 0).all() and not np.signbit(expected[mask]).any()
    rows = g[: size // 7 * 7].reshape(-1, 7)  # a mask broadcast over rows, and one over G
    for small, large in ((mask[:7], rows), (rows > 0, rows[:1, :])):
        assert same_bits(speedups.zero_where(small, large),
                         speedups.plain_zero_where(small, large))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_zero_where_on_0d_and_empty_arrays_gives_the_plain_selections_bits(dtype):
    """A 0-d G with the NumPy bool a 0-d comparison gives (masked and kept, NaN and −0.0), a
    NumPy scalar G (a 0-d op's result), an empty G, and a mask broadcast to a larger shape
    than G's."""
    dt = np.dtype(dtype)
    cases = [(np.asarray(value, dt), np.asarray(value, dt) <= 0) for value in (NAN, -0.0, 2.0)]
    cases += [(np.asarray(NAN, dt), np.bool_(True)), (dt.type(NAN), np.bool_(True)),
              (dt.type(-0.0), np.bool_(False)), (np.zeros((0, 3), dt), np.zeros((0, 3), bool)),
              (np.array([NAN, -0.0], dt), np.array([[True, False], [False, True]]))]
    for g, mask in cases:
        assert same_bits(speedups.zero_where(mask, g), speedups.plain_zero_where(mask, g))
    assert len(cases) == 8


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_a_number_beside_a_tensor_gives_the_plain_numbers_bits(dtype):
    """+, −, ·, / with the number as a 0-d array of the tensor's dtype, or as itself."""
    rng = np.random.default_rng(3)
    with np.errstate(all="ignore"):  # the widest values are inf in float16 and float32
        x = (rng.standard_normal(4000) * 10.0 ** rng.integers(-40, 40, 4000)).astype(dtype)
    x[:6] = [NAN, INF, -INF, -0.0, 0.0, 0.0]
    numbers = [0.9, 0.1, 1 / 3, -2.5, 7, 0, -0.0, 1e-8, 1e-30, 65504.0, 70000, 3.3e38, 1e300,
               2 ** 70, INF, -INF, NAN]
    compared = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # number_beside itself never warns (no overflowing cast)
        constants = [speedups.number_beside(n, np.dtype(dtype)) for n in numbers]
    with np.errstate(all="ignore"):
        for number, constant in zip(numbers, constants):
            plain = speedups.plain_number_beside(number, np.dtype(dtype))
            for op in (np.add, np.subtract, np.multiply, np.divide):
                for expected, ours in ((op(x, plain), op(x, constant)),
                                       (op(plain, x), op(constant, x))):
                    assert expected.dtype == np.dtype(dtype)
                    assert same_bits(ours, expected), (number, op)
                    compared += 1
    assert compared == len(numbers) * 8


def test_quiet_numpy_silences_what_errstate_silences_and_restores_it():
    """The same results as np.errstate(all="ignore") with no warning inside; the error state
    outside is as it was, after an exception too."""
    x = np.array([0.0, -1.0, 1e308, 2.0])
    before = np.geterr()
    results = []
    for quiet in (speedups.quiet_numpy, speedups.plain_quiet_numpy):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with quiet():
                results.append((np.log(x), x * 1e10, x / 0.0))
        assert np.geterr() == before
        with pytest.raises(KeyError):
            with quiet():
                raise KeyError("inside")
        assert np.geterr() == before
    for ours, plain in zip(*results):
        assert same_bits(ours, plain)
    with pytest.warns(RuntimeWarning):  # outside, NumPy warns again
        np.log(np.array([-1.0]))


def test_forward_quietly_runs_the_forward_silently_as_the_plain_form_does():
    """Op.apply's way to run a forward: the same results as inside np.errstate(all="ignore"),
    arguments passed through, no warning inside, the error state restored (after an exception
    too)."""
    def forward(ctx, a, b, scale=1.0):
        ctx.append(scale)
        return np.log(a) * scale, a / b
    x, zero = np.array([0.0, -1.0, 2.0]), np.zeros(3)
    before = np.geterr()
    results = []
    for run in (speedups.forward_quietly, speedups.plain_forward_quietly):
        ctx = []
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            results.append(run(forward, ctx, [x, zero], {"scale": 3.0}))
        assert ctx == [3.0]
        assert np.geterr() == before
        with pytest.raises(ZeroDivisionError):
            run(lambda ctx: 1 / 0, None, [], {})
        assert np.geterr() == before
    for ours, plain in zip(*results):
        assert same_bits(ours, plain)


def test_quiet_numpy_in_one_thread_leaves_another_threads_errors_on():
    inside, seen = threading.Event(), threading.Event()
    states = {}

    def quiet_thread():
        with speedups.quiet_numpy():
            states["quiet"] = np.geterr()["invalid"]
            inside.set()
            seen.wait(10)

    thread = threading.Thread(target=quiet_thread)
    thread.start()
    inside.wait(10)
    states["other"] = np.geterr()["invalid"]
    seen.set()
    thread.join()
    assert states == {"quiet": "ignore", "other": np.geterr()["invalid"]}
    assert states["other"] != "ignore"


def test_zero_is_a_read_only_zero_of_the_dtype_made_once():
    for dtype in (np.float16, np.float32, np.float64, np.int64):
        made = speedups.zero(np.dtype(dtype))
        assert same_bits(made, speedups.plain_zero(np.dtype(dtype)))
        assert made is speedups.zero(np.dtype(dtype)) and not made.flags.writeable
