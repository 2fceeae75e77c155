"""One spec per primitive op: everything a test or a program generator needs to use it.

Each ``OpSpec`` says, for one name in ``tinygrad_edu.primitives.PRIMITIVES``:

* ``fn(lib, *tensors, **args)``: the op written once against PyTorch's API, so
  ``spec.engine(...)`` runs it with ``lib = tinygrad_edu`` and ``spec.torch(...)`` with
  ``lib = torch`` — the same line of code on both sides;
* ``arity`` (number of tensor inputs; ``variadic`` ops such as cat take 1 to 3);
* shapes: ``first_shapes`` (input 0), ``shapes_from(shape)`` (the shapes of all inputs given
  input 0's, or None when the op cannot take that shape) and ``shapes`` (both combined, or
  a dedicated strategy such as ``testing.matmul_shapes()``);
* ``args_for(draw, shapes)``: the extra arguments (dim, keepdim, exponent, index key, target
  shape, permutation, clamp bounds, …) as a dict, valid for those shapes;
* value domains: ``domains`` (compared against PyTorch: exact zeros, ties and large values
  included wherever PyTorch defines the result) and ``gradcheck_domains`` (smooth points;
  ``spaced`` ops draw inputs with no ties and nothing on a kink or a bound);
* tolerances per dtype, and the error ``scales`` they are multiplied by (rounding error grows
  with the size of what is summed, e.g. k·max|A|·max|B| for a matmul).

A program generator applies a spec to an existing value ``x`` of shape s by drawing
``shapes = draw(spec.shapes_from(s))`` (skipping the op when that is None), then
``args = spec.args_for(draw, shapes)`` and new inputs for the other shapes.
"""

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import testing
from tinygrad_edu.primitives import PRIMITIVES
from tinygrad_edu.testing import domain

# Upstream gradients G are drawn from this domain (exact zeros included on purpose).
GRAD_DOMAIN = "moderate"

DEFAULT_TOLERANCES = {"float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12)}  # (rtol, atol)


def _max_abs(*arrays):
    """The largest finite |entry| over arrays, at least 1 (a scale for absolute tolerances)."""
    best = 1.0
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        finite = a[np.isfinite(a)]
        if finite.size:
            best = max(best, float(np.max(np.abs(finite))))
    return best


def _default_forward_scale(spec, inputs, args, outputs):
    return 1.0


def _default_grad_scales(spec, inputs, args, grads_out):
    """Elementwise and exact ops: an absolute error of atol·max|G| (e.g. G ⊙ (1 − out²))."""
    return [_max_abs(*grads_out)] * len(inputs)


def assert_close(ours, expected, allowed, what):
    """How a result is held against PyTorch's, by the property tests and the fuzzer alike.

    Same shape; NaN, +inf, −inf at the same places; |ours − expected| ≤ allowed (an array
    or number) at the finite entries; integer arrays exactly equal."""
    ours, expected = np.asarray(ours), np.asarray(expected)
    assert ours.shape == expected.shape, \
        f"{what}: shape {ours.shape}, PyTorch gives {expected.shape}"
    if expected.dtype.kind != "f":
        assert np.array_equal(ours, expected), f"{what}: ours {ours}, PyTorch {expected}"
        return
    for name, test in (("NaN", np.isnan), ("+inf", np.isposinf), ("-inf", np.isneginf)):
        mismatch = test(ours) != test(expected)
        if mismatch.any():
            at = tuple(int(k) for k in np.argwhere(mismatch)[0])
            raise AssertionError(f"{what}: {name} at different places, first at {at}: ours "
                                 f"{float(ours[at])!r}, PyTorch {float(expected[at])!r}")
    allowed = np.broadcast_to(np.asarray(allowed, dtype=np.float64), expected.shape)
    finite = np.isfinite(expected)
    diff = np.abs(ours[finite].astype(np.float64) - expected[finite].astype(np.float64))
    bad = diff > allowed[finite]
    if bad.any():
        worst = int(np.argmax(diff - allowed[finite]))
        at = tuple(int(k) for k in np.argwhere(finite)[worst])
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {expected.size} entries differ; worst at {at}: ours "
            f"{float(ours[at])!r}, PyTorch {float(expected[at])!r} (difference "
            f"{diff[worst]:.3g} > allowed {allowed[finite][worst]:.3g})")


@dataclasses.dataclass(frozen=True)
class OpSpec:
    """How to draw inputs and arguments for one primitive, run it on both libraries, and how
    close the two results must be (see the module docstring for each field)."""

    name: str
    fn: Callable
    arity: int
    first_shapes: st.SearchStrategy
    shapes_from: Callable
    args_for: Callable
    domains: tuple
    gradcheck_domains: tuple
    spaced: bool = False
    variadic: bool = False
    case_shapes: st.SearchStrategy | None = None
    tolerances: dict = dataclasses.field(default_factory=lambda: dict(DEFAULT_TOLERANCES))
    forward_scale: Callable = _default_forward_scale
    grad_scales: Callable = _default_grad_scales
    gradcheck_options: dict = dataclasses.field(default_factory=dict)

    def engine(self, *tensors, **args):
        """Run the op on tinygrad_edu Tensors."""
        return self.fn(tg, *tensors, **args)

    def torch(self, *tensors, **args):
        """Run the op on torch tensors."""
        return self.fn(torch, *tensors, **args)

    @property
    def shapes(self):
        """Strategy: a tuple with the shape of every input."""
        if self.case_shapes is not None:
            return self.case_shapes
        return self.first_shapes.flatmap(self._shapes_or_nothing)

    def _shapes_or_nothing(self, shape):
        strategy = self.shapes_from(shape)
        return st.nothing() if strategy is None else strategy

    def domain_of(self, i, gradcheck=False):
        ds = self.gradcheck_domains if gradcheck else self.domains
        return ds[min(i, len(ds) - 1)]

    def example(self, dtype, gradcheck=False):
        """Strategy: (list of input arrays of `dtype`, args dict), drawn consistently."""
        return _example(self, np.dtype(dtype), gradcheck)


@st.composite
def _example(draw, spec, dtype, gradcheck):
    shapes = draw(spec.shapes, label="shapes")
    args = spec.args_for(draw, shapes)
    if gradcheck and spec.spaced:
        arrays = list(draw(testing.spaced_arrays(shapes, spec.domain_of(0, True),
                                                 dtype=dtype), label="inputs"))
    else:
        arrays = [draw(testing.arrays(s, dtype, domain=spec.domain_of(i, gradcheck)),
                       label=f"input {i}") for i, s in enumerate(shapes)]
    return arrays, args


# --------------------------------------------------------------------------------------------
# Shapes and argument helpers
# --------------------------------------------------------------------------------------------

ANY_SHAPE = testing.shapes(min_dims=0, max_dims=3, max_side=4)
NONEMPTY_RANK = testing.shapes(min_dims=1, max_dims=3, max_side=4)


def _alone(shape):
    return st.just((tuple(shape),))


def _broadcast_partner(shape):
    return testing.broadcastable_with(shape).map(lambda other: (tuple(shape), other))


def _no_args(draw, shapes):
    return {}


def _some_negative(draw, dims, rank):
    """Write some dims as negative indices (dim − rank), as users do (dim=-1)."""
    return tuple(d - rank if rank and draw(st.booleans()) else d for d in dims)


def _dim_or_none(draw, shape, allow_tuple):
    """None, one dim, or (if allowed) a tuple of distinct dims; valid for `shape`."""
    rank = len(shape)
    choices = ["none", "one"] + (["tuple"] if allow_tuple and rank >= 1 else [])
    kind = draw(st.sampled_from(choices))
    if kind == "none":
        return None
    if kind == "one":
        return _one_dim(draw, rank)
    picked = draw(st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank, unique=True))
    return _some_negative(draw, picked, rank)


def _one_dim(draw, rank):
    """A valid dim for a tensor of this rank (a 0-d tensor accepts 0 and -1)."""
    size = max(rank, 1)
    return draw(st.integers(-size, size - 1))


def _reduce_args(allow_tuple):
    def args_for(draw, shapes):
        dim = _dim_or_none(draw, shapes[0], allow_tuple)
        return {"dim": dim, "keepdim": draw(st.booleans())}
    return args_for


def _softmax_args(draw, shapes):
    return {"dim": _one_dim(draw, len(shapes[0]))}


def _prime_factors(n):
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


def _reshape_args(draw, shapes):
    """A target shape with the same number of entries, sometimes with one -1 in it."""
    (shape,) = shapes
    n = math.prod(shape)
    rank = draw(st.integers(0 if n == 1 else 1, 4))
    target = [1] * rank
    for p in _prime_factors(n):
        target[draw(st.integers(0, rank - 1))] *= p
    if rank and draw(st.booleans()):
        target[draw(st.integers(0, rank - 1))] = -1
    return {"shape": tuple(target)}


def _permute_args(draw, shapes):
    rank = len(shapes[0])
    dims = draw(st.permutations(range(rank)))
    return {"dims": _some_negative(draw, dims, rank)}


def _expand_args(draw, shapes):
    """A target each side of which is the old side, -1 (keep it), or any size where it was 1;
    sometimes with new leading dims."""
    (shape,) = shapes
    target = [draw(st.sampled_from([1, 2, 3, -1])) if s == 1 else draw(st.sampled_from([s, -1]))
              for s in shape]
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    return {"shape": tuple(lead) + tuple(target)}


def _clamp_args(draw, shapes):
    """Bounds on a grid of quarters (so gradcheck's spaced values never sit on one); min
    alone, max alone, or both (sometimes min > max, where PyTorch gives max everywhere)."""
    grid = st.integers(-40, 40).map(lambda k: k / 4)
    kind = draw(st.sampled_from(["min", "max", "both", "both"]))
    lo = draw(grid) if kind in ("min", "both") else None
    hi = draw(grid) if kind in ("max", "both") else None
    return {"min": lo, "max": hi}


_EXPONENTS = [0, 1, 2, 3, -1, -2, 0.5, -0.5, 1.5, 2.5, 3.0, 0.0, -1.5]


def _pow_args(draw, shapes):
    """Integer and fractional exponents on a grid of 1/256 in [-3, 3], where p and p − 1 are
    exact in float32.  (PyTorch keeps a Python exponent in double precision, NumPy rounds it to
    the tensor's dtype; the two part only where that rounding changes the answer, e.g.
    (−1) ** (2 + 1e-8) is NaN in PyTorch and 1 here.)"""
    grid = st.integers(-3 * 256, 3 * 256).map(lambda k: k / 256)
    return {"exponent": draw(st.one_of(st.sampled_from(_EXPONENTS), grid))}


def _cast_args(draw, shapes):
    return {"dtype": draw(st.sampled_from(["float32", "float64"]))}


def _where_args(draw, shapes):
    """A boolean condition whose shape broadcasts with both operands."""
    out = np.broadcast_shapes(*shapes)
    cond_shape = draw(testing.broadcastable_with(out, max_dims=max(len(out), 1)))
    return {"condition": draw(hnp.arrays(np.bool_, cond_shape))}


# ----- indexing keys (NumPy arrays inside; `_key` turns them into lib tensors) --------------

def _key(lib, key):
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(lib.from_numpy(np.array(p)) if isinstance(p, np.ndarray) else p
                 for p in parts)


def _slice(draw, n):
    """A slice of a side of size n with a positive step (PyTorch has no negative steps)."""
    bound = st.one_of(st.none(), st.integers(-n - 1, n + 1))
    return slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3])))


def _int_index(draw, n):
    return draw(st.integers(-n, n - 1))


def _positions(draw, n, size, unique):
    """Index values into a side of size n; negative forms mixed in; repeats unless unique."""
    if unique:
        pos = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    else:
        pos = draw(st.lists(st.integers(0, n - 1), min_size=size, max_size=size))
    return np.array([p - n if draw(st.booleans()) else p for p in pos], dtype=np.int64)


def _index_args(draw, shapes):
    """A key for t[key]: basic (ints, slices, None, ...), an integer array (repeats included,
    1-D or 2-D) or a boolean mask over leading dims."""
    (shape,) = shapes
    rank = len(shape)
    if rank == 0:
        return {"key": draw(st.sampled_from([(), (None,), (Ellipsis,), (None, Ellipsis)]))}
    kind = draw(st.sampled_from(["basic", "array", "mask"]))
    if kind == "basic":
        parts = [_int_index(draw, n) if draw(st.booleans()) else _slice(draw, n)
                 for n in shape[:draw(st.integers(1, rank))]]
        if draw(st.booleans()):
            parts.insert(draw(st.integers(0, len(parts))), None)
        if draw(st.booleans()):
            parts.append(Ellipsis)
        return {"key": tuple(parts)}
    if kind == "array":
        d = draw(st.integers(0, rank - 1))
        index_shape = draw(st.sampled_from([(1,), (2,), (3,), (2, 2)]))
        index = _positions(draw, shape[d], math.prod(index_shape), unique=False)
        return {"key": (slice(None),) * d + (index.reshape(index_shape),)}
    p = draw(st.integers(1, rank))
    return {"key": (draw(hnp.arrays(np.bool_, shape[:p])),)}


def _index_put_shapes(shape):
    """(shape of A, shape of V): V's shape is a trailing part of A's, some sides set to 1."""
    rank = len(shape)

    @st.composite
    def pair(draw):
        q = draw(st.integers(0, rank))
        v = tuple(1 if draw(st.booleans()) else s for s in shape[rank - q:])
        return tuple(shape), v
    return pair()


def _index_put_args(draw, shapes):
    """A key such that V broadcasts to A[key]; picked places never repeat (with repeats the
    stored value would depend on the order of writes)."""
    a, v = shapes
    lead = len(a) - len(v)
    kinds = ["basic"] + (["array"] if lead >= 1 else []) + (
        ["mask"] if len(a) >= 1 and len(v) <= 1 and all(s == 1 for s in v) else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "mask":
        return {"key": (draw(hnp.arrays(np.bool_, a)),)}
    if kind == "array":
        index = _positions(draw, a[0], 0, unique=True)
        rest = tuple(_int_index(draw, n) for n in a[1:lead])
        return {"key": (index,) + rest}
    ints = [_int_index(draw, n) for n in a[:lead]]
    tail = [_slice(draw, n) if vs == 1 and draw(st.booleans()) else slice(None)
            for n, vs in zip(a[lead:], v)]
    if tail and all(t == slice(None) for t in tail) and draw(st.booleans()):
        tail = [Ellipsis]
    return {"key": tuple(ints + tail)}


def _cat_shapes(shape):
    """1 to 3 shapes that agree with `shape` except along one dim (cat needs rank >= 1)."""
    if len(shape) == 0:
        return None

    @st.composite
    def group(draw):
        d = draw(st.integers(0, len(shape) - 1))
        others = []
        for _ in range(draw(st.integers(0, 2))):
            s = list(shape)
            s[d] = draw(st.integers(1, 4))
            others.append(tuple(s))
        return (tuple(shape),) + tuple(others)
    return group()


def _cat_args(draw, shapes):
    rank = len(shapes[0])
    valid = [d for d in range(rank)
             if all(s[:d] + s[d + 1:] == shapes[0][:d] + shapes[0][d + 1:] for s in shapes)]
    d = draw(st.sampled_from(valid))
    return {"dim": d - rank if draw(st.booleans()) else d}


def _stack_shapes(shape):
    return st.integers(1, 3).map(lambda n: (tuple(shape),) * n)


def _stack_args(draw, shapes):
    rank = len(shapes[0]) + 1
    return {"dim": draw(st.integers(-rank, rank - 1))}


def _matmul_shapes_from(shape):
    """Shapes (A, B) for A @ B given A's shape; a 0-d A cannot be multiplied."""
    if len(shape) == 0:
        return None
    k = shape[-1]

    @st.composite
    def partner(draw):
        if draw(st.booleans()):
            return tuple(shape), (k,)
        batch = draw(testing.broadcastable_with(shape[:-2], max_dims=2))
        return tuple(shape), batch + (k, draw(st.integers(1, 4)))
    return partner()


def _linear_shapes_from(shape):
    """Shapes (X, W, b) for linear: X (… × in) of rank 1 to 3, W (out × in), b (out)."""
    if len(shape) == 0:
        return None
    return st.integers(1, 4).map(lambda out: (tuple(shape), (out, shape[-1]), (out,)))


def _mse_args(draw, shapes):
    return {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}


# --------------------------------------------------------------------------------------------
# Error scales (what the absolute tolerance is multiplied by)
# --------------------------------------------------------------------------------------------

def _broadcast_grad_scales(spec, inputs, args, grads_out):
    """A broadcast input's gradient sums count = out.size / in.size terms; rounding error grows
    with count × the largest term.  The terms are PyTorch's float64 gradient with respect to
    the input expanded to the output's shape."""
    (g,) = grads_out
    expanded = [torch.tensor(np.broadcast_to(x, g.shape).astype(np.float64),
                             requires_grad=True) for x in inputs]
    out = spec.torch(*expanded, **args)
    (out * torch.from_numpy(np.asarray(g, dtype=np.float64))).sum().backward()
    scales = []
    for x, e in zip(inputs, expanded):
        count = g.size / max(1, x.size)
        scales.append(max(_max_abs(g), count * _max_abs(e.grad.numpy())))
    return scales


def _sum_forward_scale(spec, inputs, args, outputs):
    (x,) = inputs
    return _max_abs(x) * x.size / max(1, np.size(outputs[0]))


def _mean_forward_scale(spec, inputs, args, outputs):
    return _max_abs(inputs[0])


def _softmax_forward_scale(spec, inputs, args, outputs):
    return _max_abs(inputs[0])  # the exponent x − max x is only as exact as x itself


def _softmax_size(inputs, args):
    x = inputs[0]
    return x.shape[args["dim"]] if x.ndim else 1


def _log_softmax_grad_scales(spec, inputs, args, grads_out):
    return [_max_abs(*grads_out) * _softmax_size(inputs, args)]


def _softmax_grad_scales(spec, inputs, args, grads_out):
    return [_max_abs(*grads_out) * _max_abs(inputs[0]) * _softmax_size(inputs, args)]


def _matmul_forward_scale(spec, inputs, args, outputs):
    a, b = inputs
    return _max_abs(a) * _max_abs(b) * a.shape[-1]


def _matmul_grad_scales(spec, inputs, args, grads_out):
    (g,) = grads_out
    a, b = inputs
    k = a.shape[-1]
    terms = max(1, np.size(g)) * k  # products summed into one entry: out.size · k / in.size
    return [_max_abs(g) * _max_abs(b) * terms / a.size,
            _max_abs(g) * _max_abs(a) * terms / b.size]


def _linear_forward_scale(spec, inputs, args, outputs):
    x, w, b = inputs
    return _max_abs(x) * _max_abs(w) * x.shape[-1] + _max_abs(b)


def _linear_grad_scales(spec, inputs, args, grads_out):
    """∂L/∂X sums `out` products G·W, ∂L/∂W and ∂L/∂b sum one term per row of X."""
    (g,) = grads_out
    x, w, b = inputs
    rows = math.prod(x.shape[:-1])
    return [_max_abs(g) * _max_abs(w) * max(1, w.shape[0]),
            _max_abs(g) * _max_abs(x) * max(1, rows),
            _max_abs(g) * max(1, rows)]


def _mse_forward_scale(spec, inputs, args, outputs):
    """Σ (x − y)² over every entry for 'sum' (the mean of as many for 'mean')."""
    x, y = inputs
    largest = _max_abs(x) + _max_abs(y)
    return largest * largest * (x.size if args["reduction"] == "sum" else 1)


def _mse_grad_scales(spec, inputs, args, grads_out):
    x, y = inputs
    return [_max_abs(*grads_out) * 2 * (_max_abs(x) + _max_abs(y))] * 2


def _gathering_grad_scales(spec, inputs, args, grads_out):
    """expand / index / index_put: a gradient entry may sum up to out.size copies of G."""
    size = max([1] + [np.size(g) for g in grads_out])
    return [_max_abs(*grads_out) * size] * len(inputs)


# --------------------------------------------------------------------------------------------
# The specs
# --------------------------------------------------------------------------------------------

REAL = domain("real")
MODERATE = domain("moderate")
POSITIVE = domain("positive")
NONNEGATIVE = domain("nonnegative")
NONZERO = domain("nonzero")
AWAY_FROM_KINKS = domain("away_from_kinks")
EXPONENT = domain("real", 4)
# log1p: its pole at −1 drawn exactly, and below it (NaN there, as PyTorch); gradcheck keeps
# a distance from the pole (|f‴| = 2/(1 + x)³).
LOG1P = testing.Domain("log1p", [(-1e3, 1e3)],
                       [-1.0, -2.0, -0.5, 0.0, 1.0, 1e3, -1e3],
                       "|x| <= 1000 with -1 (log1p's pole) drawn on purpose")
LOG1P_SMOOTH = testing.Domain("log1p_smooth", [(-0.9, 10.0)], [-0.9, -0.5, 0.0, 1.0, 10.0],
                              "-0.9 <= x <= 10: log1p away from its pole at -1")


def unary(name, fn, domain_=REAL, gradcheck_domain=MODERATE, **extra):
    return OpSpec(name=name, fn=fn, arity=1, first_shapes=ANY_SHAPE, shapes_from=_alone,
                  args_for=extra.pop("args_for", _no_args), domains=(domain_,),
                  gradcheck_domains=(gradcheck_domain,), **extra)


def binary(name, fn, domains=(REAL, REAL), gradcheck_domains=(MODERATE, MODERATE), **extra):
    return OpSpec(name=name, fn=fn, arity=2, first_shapes=ANY_SHAPE,
                  shapes_from=_broadcast_partner, args_for=extra.pop("args_for", _no_args),
                  domains=domains, gradcheck_domains=gradcheck_domains,
                  grad_scales=_broadcast_grad_scales, **extra)


def _max_min(method):
    def fn(lib, a, dim=None, keepdim=False):
        if dim is None:
            return getattr(a, method)()
        return tuple(getattr(a, method)(dim, keepdim))  # (values, indices)
    return fn


def _index_put(lib, a, v, key):
    out = a.clone()
    out[_key(lib, key)] = v
    return out


_SPEC_LIST = [
    # ----- elementwise, two inputs (broadcasting)
    binary("add", lambda lib, a, b: a + b),
    binary("sub", lambda lib, a, b: a - b),
    binary("mul", lambda lib, a, b: a * b),
    binary("div", lambda lib, a, b: a / b, domains=(REAL, NONZERO),
           gradcheck_domains=(MODERATE, domain("nonzero", 10))),
    binary("pow_tensor", lambda lib, a, b: a ** b, domains=(REAL, EXPONENT),
           gradcheck_domains=(domain("positive", 10), domain("real", 3))),
    binary("maximum", lambda lib, a, b: lib.maximum(a, b), spaced=True),
    binary("minimum", lambda lib, a, b: lib.minimum(a, b), spaced=True),
    binary("where", lambda lib, a, b, condition: lib.where(lib.from_numpy(condition), a, b),
           args_for=_where_args),
    # ----- elementwise, one input
    unary("neg", lambda lib, a: -a),
    # No -0.0 base: PyTorch computes x ** -0.5 as rsqrt, giving -inf at -0.0 (and so a -inf
    # gradient for x ** 0.5), where C's pow and NumPy give +inf.
    unary("pow", lambda lib, a, exponent: a ** exponent, REAL.without_negative_zero(),
          domain("positive", 10), args_for=_pow_args),
    unary("exp", lambda lib, a: a.exp(), domain("real", 100), domain("real", 50)),
    unary("log", lambda lib, a: a.log(), NONNEGATIVE, POSITIVE),
    unary("sqrt", lambda lib, a: a.sqrt(), NONNEGATIVE, POSITIVE),
    unary("sin", lambda lib, a: a.sin(), REAL, REAL),
    unary("cos", lambda lib, a: a.cos(), REAL, REAL),
    unary("log1p", lambda lib, a: a.log1p(), LOG1P, LOG1P_SMOOTH),
    unary("expm1", lambda lib, a: a.expm1(), domain("real", 100), domain("real", 50)),
    unary("erf", lambda lib, a: a.erf(), REAL, MODERATE),
    unary("abs", lambda lib, a: a.abs(), REAL, AWAY_FROM_KINKS),
    unary("relu", lambda lib, a: a.relu(), REAL, AWAY_FROM_KINKS),
    unary("tanh", lambda lib, a: a.tanh(), REAL, REAL),
    unary("sigmoid", lambda lib, a: a.sigmoid(), REAL, REAL),
    unary("clamp", lambda lib, a, min, max: a.clamp(min=min, max=max), args_for=_clamp_args,
          gradcheck_domain=domain("real", 20), spaced=True),
    # A cast is linear: a large eps is exact, and needed when the output is float32.
    unary("cast", lambda lib, a, dtype: a.to(getattr(lib, dtype)), args_for=_cast_args,
          gradcheck_options={"eps": 1e-2}),
    unary("clone", lambda lib, a: a.clone()),
    # ----- reductions
    unary("sum", lambda lib, a, dim, keepdim: a.sum(dim=dim, keepdim=keepdim),
          args_for=_reduce_args(True), forward_scale=_sum_forward_scale),
    unary("mean", lambda lib, a, dim, keepdim: a.mean(dim=dim, keepdim=keepdim),
          args_for=_reduce_args(True), forward_scale=_mean_forward_scale),
    unary("max", _max_min("max"), args_for=_reduce_args(False), spaced=True),
    unary("min", _max_min("min"), args_for=_reduce_args(False), spaced=True),
    unary("log_softmax", lambda lib, a, dim: a.log_softmax(dim), args_for=_softmax_args,
          forward_scale=_softmax_forward_scale, grad_scales=_log_softmax_grad_scales),
    unary("softmax", lambda lib, a, dim: a.softmax(dim), args_for=_softmax_args,
          forward_scale=_softmax_forward_scale, grad_scales=_softmax_grad_scales),
    # ----- matrix product
    OpSpec(name="matmul", fn=lambda lib, a, b: a @ b, arity=2, first_shapes=NONEMPTY_RANK,
           shapes_from=_matmul_shapes_from, case_shapes=testing.matmul_shapes(),
           args_for=_no_args, domains=(domain("real", 100),) * 2,
           gradcheck_domains=(MODERATE, MODERATE), forward_scale=_matmul_forward_scale,
           grad_scales=_matmul_grad_scales),
    OpSpec(name="linear", fn=lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), arity=3,
           first_shapes=NONEMPTY_RANK, shapes_from=_linear_shapes_from, args_for=_no_args,
           domains=(domain("real", 100),) * 3, gradcheck_domains=(MODERATE,) * 3,
           forward_scale=_linear_forward_scale, grad_scales=_linear_grad_scales),
    # ----- loss
    OpSpec(name="mse", arity=2, first_shapes=ANY_SHAPE, shapes_from=lambda s: st.just((s, s)),
           fn=lambda lib, a, b, reduction: lib.nn.functional.mse_loss(a, b, reduction=reduction),
           args_for=_mse_args, domains=(domain("real", 1e15),) * 2,
           gradcheck_domains=(MODERATE, MODERATE), forward_scale=_mse_forward_scale,
           grad_scales=_mse_grad_scales),
    # ----- structure
    unary("reshape", lambda lib, a, shape: a.reshape(shape), args_for=_reshape_args),
    unary("permute", lambda lib, a, dims: a.permute(dims), args_for=_permute_args),
    unary("expand", lambda lib, a, shape: a.expand(shape), args_for=_expand_args,
          grad_scales=_gathering_grad_scales),
    unary("index", lambda lib, a, key: a[_key(lib, key)], args_for=_index_args,
          grad_scales=_gathering_grad_scales),
    OpSpec(name="index_put", fn=_index_put, arity=2, first_shapes=ANY_SHAPE,
           shapes_from=_index_put_shapes, args_for=_index_put_args, domains=(REAL, REAL),
           gradcheck_domains=(MODERATE, MODERATE), grad_scales=_gathering_grad_scales),
    OpSpec(name="cat", fn=lambda lib, *ts, dim: lib.cat(list(ts), dim=dim), arity=2,
           variadic=True, first_shapes=NONEMPTY_RANK, shapes_from=_cat_shapes,
           args_for=_cat_args, domains=(REAL,), gradcheck_domains=(MODERATE,)),
    OpSpec(name="stack", fn=lambda lib, *ts, dim: lib.stack(list(ts), dim=dim), arity=2,
           variadic=True, first_shapes=ANY_SHAPE, shapes_from=_stack_shapes,
           args_for=_stack_args, domains=(REAL,), gradcheck_domains=(MODERATE,)),
]

SPECS = {spec.name: spec for spec in _SPEC_LIST}
assert len(SPECS) == len(_SPEC_LIST), "two specs share a name"

__all__ = ["OpSpec", "SPECS", "GRAD_DOMAIN", "PRIMITIVES", "assert_close"]
