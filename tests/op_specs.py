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
  with the size of what is summed, e.g. k·max|A|·max|B| for a matmul);
* ``smooth(arrays, args)`` (optional): False where a gradcheck point would sit on a kink that
  the value domains alone cannot keep away (smooth_l1's |x − y| = β, var's N ≤ correction).

``COMPOSITION_SPECS`` holds the same kind of spec for each name in
``tinygrad_edu.primitives.COMPOSITIONS``: operations built from primitives (amax, var, einsum,
the activations, layer_norm, the losses, …), called the PyTorch way with the keyword arguments
PyTorch users pass; integer inputs (gather's index, embedding's indices, nll_loss's targets)
are drawn as arguments, never differentiated.

A program generator applies a spec to an existing value ``x`` of shape s by drawing
``shapes = draw(spec.shapes_from(s))`` (skipping the op when that is None), then
``args = spec.args_for(draw, shapes)`` and new inputs for the other shapes.
"""

import dataclasses
import math
import warnings
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
    smooth: Callable | None = None

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


# ============================================================================================
# Compositions: operations built from the primitives (tinygrad_edu.primitives.COMPOSITIONS)
# ============================================================================================

# ----- shapes --------------------------------------------------------------------------------

VECTOR = testing.shapes(min_dims=1, max_dims=1, max_side=4)
MATRIX = testing.shapes(min_dims=2, max_dims=2, max_side=4)
BATCH_OF_MATRICES = testing.shapes(min_dims=3, max_dims=3, max_side=4)
AT_LEAST_MATRIX = testing.shapes(min_dims=2, max_dims=4, max_side=4)


def _same_shape(shape):
    """(input, target) of one shape: PyTorch's losses warn when the shapes differ."""
    return st.just((tuple(shape), tuple(shape)))


def _maybe_weighted_pair(shape):
    """(input, target) or (input, target, weight), all of one shape."""
    return st.integers(2, 3).map(lambda n: (tuple(shape),) * n)


def _reduced_count(shape, dim):
    """How many entries each output entry of a reduction over dim (None: all) gathers."""
    if dim is None or not shape:
        return math.prod(shape)
    return math.prod(shape[d] for d in (dim if isinstance(dim, tuple) else (dim,)))


def _dims_tuple(dim, rank):
    """dim (None, an int or a tuple, negatives allowed) as a tuple of axes for NumPy."""
    if dim is None or rank == 0:
        return None
    return tuple(d % rank for d in (dim if isinstance(dim, tuple) else (dim,)))


# ----- arguments -----------------------------------------------------------------------------

def _extreme_args(draw, shapes):
    """amax / amin: every dim (None or ()), one dim, or a tuple of distinct dims."""
    args = _reduce_args(True)(draw, shapes)
    if args["dim"] is None and draw(st.booleans()):
        args["dim"] = ()
    return args


def _logsumexp_args(draw, shapes):
    """logsumexp: dim is required, one dim or a tuple of distinct dims."""
    dim = _dim_or_none(draw, shapes[0], allow_tuple=True)
    if dim is None:
        dim = _one_dim(draw, len(shapes[0]))
    return {"dim": dim, "keepdim": draw(st.booleans())}


def _var_args(draw, shapes):
    """dim (None, one, a tuple), keepdim, and the divisor N − correction said as PyTorch users
    say it: nothing (unbiased), unbiased=True/False, or correction (0, 1, 2 or 0.5) below N.
    N ≤ correction is not drawn (test_var_and_std_with_n_equal_to_correction_as_pytorch and
    tests/test_pytorch_differences.py compare values and gradients there): PyTorch's forward
    divides by max(0, N − correction), its backward by N − correction itself, ±inf or a
    gradient of no function, which the engine copies by a rule of its own."""
    args = _reduce_args(True)(draw, shapes)
    kind = draw(st.sampled_from(["default", "unbiased", "correction"]))
    if kind == "unbiased":
        args["unbiased"] = draw(st.booleans())
    elif kind == "correction":
        n = _reduced_count(shapes[0], args["dim"])
        args["correction"] = draw(st.sampled_from([c for c in (0, 1, 2, 0.5) if c < n]))
    return args


def _correction(args):
    if args.get("unbiased") is not None:
        return 1 if args["unbiased"] else 0
    return args.get("correction", 1)


def _var_smooth(arrays, args):
    """var and std are smooth where the divisor N − correction is positive (and, for std,
    where the variance is: spaced values are distinct, so N ≥ 2 is enough)."""
    n = _reduced_count(arrays[0].shape, args["dim"])
    return n - _correction(args) > 0 and n >= 2


_NORM_ORDERS = ["fro", 2, 1, math.inf, 3, 1.5, 0.5]


def _norm_args(draw, shapes):
    """p ('fro', 2, 1, inf, 3, 1.5, 0.5), dim (None, one, a tuple), keepdim; PyTorch's 'fro'
    takes at most two dims."""
    args = _reduce_args(True)(draw, shapes)
    p = draw(st.sampled_from(_NORM_ORDERS))
    if p == "fro" and isinstance(args["dim"], tuple):
        args["dim"] = args["dim"][:2]
    return {"p": p, **args}


def _scale_args(draw, shapes):
    """addmm's beta and alpha (beta = 0: the input is ignored, NaN included, as PyTorch)."""
    return {"beta": draw(st.sampled_from([1, 0, 0.5, -2])),
            "alpha": draw(st.sampled_from([1, 0.5, -2, 0]))}


def _flip_args(draw, shapes):
    rank = len(shapes[0])
    if rank == 0:
        return {"dims": draw(st.sampled_from([(), (0,), (-1,)]))}
    picked = draw(st.lists(st.integers(0, rank - 1), max_size=rank, unique=True))
    return {"dims": _some_negative(draw, picked, rank)}


def _diagonal_args(draw, shapes):
    return {"diagonal": draw(st.integers(-4, 4))}


def _gather_args(draw, shapes):
    """dim, and an int64 index of the input's number of dims (a 0-d index also for a 0-d or
    1-D input, as PyTorch), any size along dim and no larger than the input elsewhere; picks
    repeat, so the gradient adds up."""
    (shape,) = shapes
    rank = len(shape)
    dim = _one_dim(draw, rank)
    sides = shape if rank else (1,)
    d = dim % len(sides)
    if rank <= 1 and draw(st.booleans()):
        index_shape = ()
    else:
        index_shape = tuple(draw(st.integers(1, 4)) if k == d else draw(st.integers(1, n))
                            for k, n in enumerate(sides))
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, sides[d] - 1)))
    return {"dim": dim, "index": index}


def _masked_fill_shapes(shape):
    """The input, and (sometimes) the value as a 0-d tensor, which then gets a gradient."""
    return st.sampled_from([(tuple(shape),), (tuple(shape), ())])


def _masked_fill_args(draw, shapes):
    """A bool mask broadcastable with the input (the result takes the broadcast shape, as
    PyTorch's out-of-place masked_fill); a number to fill when the value is no tensor (−inf,
    as attention masks use, among them)."""
    mask_shape = draw(testing.broadcastable_with(shapes[0]))
    args = {"mask": draw(hnp.arrays(np.bool_, mask_shape))}
    if len(shapes) == 1:
        args["value"] = draw(st.sampled_from([0.0, 1.5, -1e9, -math.inf, math.inf]))
    return args


def _finite_fill(arrays, args):
    """masked_fill with ±inf: the output's inf − inf in central differences is NaN."""
    return math.isfinite(args.get("value", 0.0))


def _embedding_args(draw, shapes):
    """int64 indices of any shape (0-d to 2-D) into the weight's rows; padding_idx None or a
    row (negative allowed); no max_norm (it rescales the weight in place)."""
    rows = shapes[0][0]
    index_shape = draw(testing.shapes(min_dims=0, max_dims=2))
    indices = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, rows - 1)))
    return {"indices": indices,
            "padding_idx": draw(st.one_of(st.none(), st.integers(-rows, rows - 1)))}


# Bounds and thresholds: values the "real" domain draws often (so values sit on them), or
# any quarter in [-10, 10] (never a spaced value, so gradcheck stays off them).
_ON_THE_GRID = st.one_of(st.sampled_from([0.0, 1.0, -1.0, 0.5, -2.0, 2.0]),
                         st.integers(-40, 40).map(lambda k: k / 4))


def _hardtanh_args(draw, shapes):
    lo, hi = sorted((draw(_ON_THE_GRID), draw(_ON_THE_GRID)))
    return {"min_val": lo, "max_val": hi}


def _threshold_args(draw, shapes):
    return {"threshold": draw(_ON_THE_GRID), "value": draw(_ON_THE_GRID)}


def _choice_args(**choices):
    """Arguments each drawn from a list of values, e.g. alpha=[1.0, 0.5, 2.0]."""
    def args_for(draw, shapes):
        return {name: draw(st.sampled_from(values)) for name, values in choices.items()}
    return args_for


def _prelu_shapes(shape):
    """The input, and one slope (shape (1,) or ()) or one per channel (dim 1; 1 channel for an
    input of fewer than 2 dims, as PyTorch)."""
    channels = shape[1] if len(shape) >= 2 else 1
    return st.sampled_from([(tuple(shape), (1,)), (tuple(shape), ()),
                            (tuple(shape), (channels,))])


def _affine_roles(draw, shapes):
    """Which of weight and bias the tensors after the input are."""
    extra = len(shapes) - 1
    if extra == 1:
        return (draw(st.sampled_from(["weight", "bias"])),)
    return ("weight", "bias")[:extra]


def _layer_norm_shapes(shape):
    """The input (rank ≥ 1) and 0 to 2 tensors of its trailing k sides (weight, bias)."""
    if len(shape) == 0:
        return None

    @st.composite
    def group(draw):
        k = draw(st.integers(1, len(shape)))
        return (tuple(shape),) + (tuple(shape[len(shape) - k:]),) * draw(st.integers(0, 2))
    return group()


def _layer_norm_args(draw, shapes):
    x = shapes[0]
    normalized = shapes[1] if len(shapes) > 1 else \
        x[len(x) - draw(st.integers(1, len(x))):]
    return {"normalized_shape": list(normalized) if draw(st.booleans()) else normalized,
            "roles": _affine_roles(draw, shapes),
            "eps": draw(st.sampled_from([1e-5, 1e-3, 0.1]))}


def _layer_norm(lib, x, *affine, normalized_shape, roles, eps):
    return lib.nn.functional.layer_norm(x, normalized_shape, eps=eps,
                                        **dict(zip(roles, affine)))


def _batch_norm_shapes(shape):
    """An (N, C) or (N, C, L) input and 0 to 2 tensors of C entries (weight, bias)."""
    if len(shape) not in (2, 3):
        return None
    return st.integers(0, 2).map(lambda k: (tuple(shape),) + ((shape[1],),) * k)


def _batch_norm_args(draw, shapes):
    """training (with more than one value per channel) or not; running statistics (required
    when not training, optional when training), drawn as arrays and made into new tensors at
    each call (batch_norm moves them in place); momentum and eps."""
    x = shapes[0]
    channels = x[1]
    training = math.prod(x) // channels > 1 and draw(st.booleans())
    stats = None
    if not training or draw(st.booleans()):
        stats = (draw(testing.arrays((channels,), np.float64, domain=domain("real", 10))),
                 draw(testing.arrays((channels,), np.float64, domain=domain("positive", 10))))
    return {"training": training, "stats": stats, "roles": _affine_roles(draw, shapes),
            "momentum": draw(st.sampled_from([0.1, 0.5, 1.0])),
            "eps": draw(st.sampled_from([1e-5, 1e-3, 0.1]))}


def _batch_norm(lib, x, *affine, training, stats, roles, momentum, eps):
    running = (None, None) if stats is None else [lib.tensor(s, dtype=x.dtype) for s in stats]
    return lib.nn.functional.batch_norm(x, *running, training=training, momentum=momentum,
                                        eps=eps, **dict(zip(roles, affine)))


def _loss_args(**choices):
    """reduction ('mean', 'sum', 'none') and the loss's own options, each from a list."""
    return _choice_args(reduction=["mean", "sum", "none"], **choices)


def _smooth_l1_smooth(arrays, args):
    """Off the seam |x − y| = β, where the second derivative jumps (spaced x and y differ by
    multiples of 1/64, so β on the quarter grid could be hit exactly)."""
    width = args.get("beta", args.get("delta"))
    return width == 0 or bool(np.all(np.abs(np.abs(arrays[0] - arrays[1]) - width) > 1 / 256))


def _weight_or_none(weights):
    return weights[0] if weights else None


def _kl_div_args(draw, shapes):
    return {"reduction": draw(st.sampled_from(["mean", "sum", "none", "batchmean"])),
            "log_target": draw(st.booleans())}


def _nll_loss_args(draw, shapes):
    """int64 class targets (the input's shape without the class dim 1; 0-d for a (C,) input),
    some equal to ignore_index; an optional class weight (C,); reduction."""
    (x,) = shapes
    classes = x[1] if len(x) >= 2 else x[0]
    target_shape = x[:1] + x[2:] if len(x) >= 2 else ()
    ignore_index = draw(st.sampled_from([-100, -1, 0, classes - 1]))
    target = draw(hnp.arrays(np.int64, target_shape, elements=st.one_of(
        st.integers(0, classes - 1), st.just(ignore_index))))
    weight = draw(st.one_of(st.none(), testing.arrays((classes,), np.float64,
                                                      domain=domain("positive", 10))))
    return {"target": target, "weight": weight, "ignore_index": ignore_index,
            "reduction": draw(st.sampled_from(["mean", "sum", "none"]))}


def _some_target_counted(arrays, args):
    """nll_loss: 'mean' of no counted target is 0/0 (NaN, as PyTorch), no point to check."""
    return args["reduction"] != "mean" or bool(np.any(args["target"] != args["ignore_index"]))


def _nll_loss(lib, x, target, weight, ignore_index, reduction):
    weight = None if weight is None else lib.tensor(weight, dtype=x.dtype)
    return lib.nn.functional.nll_loss(x, lib.from_numpy(target), weight=weight,
                                      ignore_index=ignore_index, reduction=reduction)


# ----- einsum: an equation made up for the drawn shapes -------------------------------------

def _einsum_shapes(shape):
    """One operand, or two whose sides often repeat the first's (so they can share letters)."""
    shape = tuple(shape)
    sides = st.one_of(st.sampled_from(shape), st.integers(1, 4)) if shape else \
        st.integers(1, 4)

    @st.composite
    def group(draw):
        if draw(st.booleans()):
            return (shape,)
        return shape, tuple(draw(st.lists(sides, max_size=3)))
    return group()


def _ellipsis_cover(draw, shapes):
    """How many leading sides of each operand '...' stands for (they must broadcast), or None
    for an equation without '...'."""
    if draw(st.booleans()):
        return None
    for _ in range(4):
        lead = [draw(st.integers(0, len(s))) for s in shapes]
        try:
            np.broadcast_shapes(*[s[:k] for s, k in zip(shapes, lead)])
        except ValueError:
            continue
        return lead
    return [0] * len(shapes)


def _einsum_args(draw, shapes):
    """An equation for these shapes: a letter per side, repeated within an operand where two
    sides agree (a diagonal, 'ii'), shared between operands where the sides agree or one is 1
    (broadcast); sometimes '...' for leading sides; the output explicit (any of the letters,
    in any order, '...' kept or summed away) or implicit (no '->')."""
    lead = _ellipsis_cover(draw, shapes)
    fresh = iter("abcdefghij")
    seen = {}  # letter -> its size in the operands before this one
    terms = []
    for i, shape in enumerate(shapes):
        mine, term = {}, []
        for n in shape[lead[i] if lead else 0:]:
            choices = [c for c, m in mine.items() if m == n]
            choices += [c for c, m in seen.items() if c not in mine and (m == n or 1 in (m, n))]
            c = draw(st.sampled_from(choices)) if choices and draw(st.booleans()) else next(fresh)
            mine[c] = n
            term.append(c)
        for c, n in mine.items():
            seen[c] = max(seen.get(c, 1), n)
        terms.append(("..." if lead else "") + "".join(term))
    equation = ",".join(terms)
    if draw(st.booleans()):
        return {"equation": equation}
    out = list(draw(st.permutations(sorted(seen))))[:draw(st.integers(0, len(seen)))]
    if lead and draw(st.booleans()):
        out.insert(draw(st.integers(0, len(out))), "...")
    return {"equation": equation + "->" + "".join(out)}


# ----- lerp: weight a number, or a third broadcasting tensor ---------------------------------

LERP_WEIGHT = testing.Domain("lerp_weight", [(-2.0, 3.0)], [0.0, 0.5, 1.0, 0.25, -0.5, 2.0],
                             "lerp weights: inside [0, 1] and beyond, 0, ½ and 1 exactly")


def _lerp_shapes(shape):
    @st.composite
    def group(draw):
        end = draw(testing.broadcastable_with(shape))
        if draw(st.booleans()):
            return tuple(shape), end
        return tuple(shape), end, draw(testing.broadcastable_with(
            np.broadcast_shapes(shape, end)))
    return group()


def _lerp_args(draw, shapes):
    return {} if len(shapes) == 3 else {"weight": draw(testing.domain_floats(LERP_WEIGHT, 32))}


# ----- shapes of the products ----------------------------------------------------------------

def _rank_at_least(k):
    """shapes_from for one input that needs k dims or more (tril: 2, nll_loss: 1)."""
    def shapes_from(shape):
        return _alone(shape) if len(shape) >= k else None
    return shapes_from


def _matrix_alone(shape):
    return _alone(shape) if len(shape) == 2 else None


def _vector_pair(shape):
    return st.just((tuple(shape), tuple(shape))) if len(shape) == 1 else None


def _matrix_vector(shape):
    return st.just((tuple(shape), (shape[1],))) if len(shape) == 2 else None


def _batch_pair(shape):
    if len(shape) != 3:
        return None
    return st.integers(1, 4).map(lambda p: (tuple(shape), (shape[0], shape[2], p)))


def _outer_pair(shape):
    if len(shape) != 1:
        return None
    return st.integers(1, 4).map(lambda m: (tuple(shape), (m,)))


def _addmm_shapes(shape):
    """(input, mat1, mat2): the input (0 to 2 dims) broadcasts to the product's n × p."""
    if len(shape) > 2:
        return None
    padded = (1,) * (2 - len(shape)) + tuple(shape)

    @st.composite
    def group(draw):
        n, p = (s if s != 1 else draw(st.integers(1, 4)) for s in padded)
        m = draw(st.integers(1, 4))
        return tuple(shape), (n, m), (m, p)
    return group()


# ----- error scales --------------------------------------------------------------------------

def _input_forward_scale(spec, inputs, args, outputs):
    """Results as exact as the input's largest entry (exp(x − m), max subtracted, …)."""
    return _max_abs(inputs[0])


def _count_forward_scale(spec, inputs, args, outputs):
    """A sum of up to count entries of the input: count = in.size / out.size for a norm, the
    side along dim for cumsum."""
    x = inputs[0]
    along = x.shape[args["dim"]] if spec.name == "cumsum" and x.ndim else 1
    return _max_abs(x) * max(1, along, x.size / max(1, np.size(outputs[0])))


def _count_grad_scales(spec, inputs, args, grads_out):
    """A gradient entry summing up to out.size terms of G (cumsum)."""
    return [_max_abs(*grads_out) * max(1, np.size(grads_out[0]))] * len(inputs)


def _logsumexp_grad_scales(spec, inputs, args, grads_out):
    """G ⊙ exp(x − logsumexp): PyTorch's exponent is only as exact as its rounded result,
    max|x| · u."""
    return [_max_abs(*grads_out) * _max_abs(inputs[0])]


def _square_forward_scale(spec, inputs, args, outputs):
    """var: Σ (x − mean)², each difference as exact as max|x|."""
    return _max_abs(inputs[0]) ** 2


def _spread_grad_scales(spec, inputs, args, grads_out):
    """var, std, norm: G times the entries (or their powers) over the divisor; and for std
    and norms, where the result is tiny, the rounding of x − mean is divided by it."""
    x = inputs[0]
    (g,) = grads_out
    return [_max_abs(g) * _max_abs(x) * max(1, x.size)]


def _std_grad_scales(spec, inputs, args, grads_out):
    """std's gradient G (x − mean) / ((N − correction) std): the rounding of x − mean (max|x|
    · u) is divided by std, so near constant entries (std → 0, ties included: PyTorch's own
    float32 mean of equal entries is not always exact) no digit of it is certain."""
    x = inputs[0].astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spread = np.std(x, axis=_dims_tuple(args["dim"], x.ndim))
    smallest = float(np.min(spread)) if np.size(spread) else 1.0
    return [math.inf if smallest == 0 else
            _spread_grad_scales(spec, inputs, args, grads_out)[0] / min(1.0, smallest)]


def _no_padding_lookup(arrays, args):
    """embedding: the padding row gets no gradient by design, so gradcheck looks up others."""
    rows = arrays[0].shape[0]
    padding = args["padding_idx"]
    return padding is None or not np.any(args["indices"] == padding % rows)


def _product_forward_scale(spec, inputs, args, outputs):
    return math.prod(_max_abs(x) for x in inputs) * max(
        1, math.prod(x.size for x in inputs) / max(1, np.size(outputs[0])))


def _product_grad_scales(spec, inputs, args, grads_out):
    """einsum, outer: a gradient entry sums at most out.size × (the other operand's size)
    products of G and the other operand."""
    (g,) = grads_out
    scales = []
    for i in range(len(inputs)):
        others = [y for j, y in enumerate(inputs) if j != i]
        scales.append(_max_abs(g) * math.prod(_max_abs(y) for y in others)
                      * max(1, g.size) * math.prod(y.size for y in others))
    return scales


def _addmm_forward_scale(spec, inputs, args, outputs):
    c, a, b = inputs
    return (max(1, abs(args["alpha"])) * _matmul_forward_scale(spec, (a, b), args, outputs)
            + max(1, abs(args["beta"])) * _max_abs(c))


def _addmm_grad_scales(spec, inputs, args, grads_out):
    c, a, b = inputs
    (g,) = grads_out
    scale_a, scale_b = _matmul_grad_scales(spec, (a, b), args, grads_out)
    alpha = max(1, abs(args["alpha"]))
    return [_max_abs(g) * g.size / max(1, c.size) * max(1, abs(args["beta"])),
            alpha * scale_a, alpha * scale_b]


def _lerp_forward_scale(spec, inputs, args, outputs):
    weight = inputs[2] if len(inputs) == 3 else args["weight"]
    return (_max_abs(inputs[0]) + _max_abs(inputs[1])) * _max_abs(weight)


def _prelu_grad_scales(spec, inputs, args, grads_out):
    x, w = inputs
    (g,) = grads_out
    return [_max_abs(g) * _max_abs(w), _max_abs(g) * _max_abs(x) * max(1, x.size)]


def _normalized(x, dims, eps):
    """(the smallest √(σ² + ε) over the normalized groups, entries per group)."""
    x = x.astype(np.float64)
    return float(np.sqrt(x.var(axis=dims) + eps).min()), x.size // max(
        1, np.size(x.var(axis=dims)))


def _layer_norm_dims(inputs, args):
    ns = args["normalized_shape"]
    return tuple(range(inputs[0].ndim - len(ns), inputs[0].ndim))


def _batch_norm_dims(inputs, args):
    return (0,) + tuple(range(2, inputs[0].ndim))


def _affine(inputs, args):
    """(max |weight|, max |bias|) of a normalization's extra inputs (1 and 0 when absent)."""
    named = dict(zip(args["roles"], inputs[1:]))
    weight = _max_abs(named["weight"]) if "weight" in named else 1.0
    bias = _max_abs(named["bias"]) if "bias" in named else 0.0
    return weight, bias


def _normalization_scales(dims_of):
    """(x − μ)/√(σ² + ε): the rounding of μ (max|x|·u) is divided by √(σ² + ε); in eval mode
    the running statistics take the batch's place."""
    def spread(inputs, args):
        x = inputs[0]
        stats = args.get("stats")
        if stats is not None and not args.get("training", True):
            return (_max_abs(x) + _max_abs(stats[0]),
                    float(np.sqrt(stats[1] + args["eps"]).min()), 1)
        sd, count = _normalized(x, dims_of(inputs, args), args["eps"])
        return _max_abs(x), sd, count

    def forward(spec, inputs, args, outputs):
        size, sd, count = spread(inputs, args)
        weight, bias = _affine(inputs, args)
        return size / sd * weight * count + bias

    def grads(spec, inputs, args, grads_out):
        size, sd, count = spread(inputs, args)
        weight, _ = _affine(inputs, args)
        g = _max_abs(*grads_out)
        groups = max(1, inputs[0].size // max(1, count))
        return [g * weight * size / sd / sd * count] + [
            g * size / sd * groups * inputs[0].size] * (len(inputs) - 1)
    return forward, grads


_LAYER_NORM_FORWARD, _LAYER_NORM_GRADS = _normalization_scales(_layer_norm_dims)
_BATCH_NORM_FORWARD, _BATCH_NORM_GRADS = _normalization_scales(_batch_norm_dims)


def _loss_terms(spec, inputs, args):
    """The per-entry losses in float64 (PyTorch, reduction='none')."""
    tensors = [torch.tensor(np.asarray(a, dtype=np.float64)) for a in inputs]
    return spec.torch(*tensors, **{**args, "reduction": "none"}).numpy()


def _loss_divisor(spec, inputs, args):
    """What 'mean' (or 'batchmean') divides the sum by: the count, Σ weight (l1 with weight,
    nll_loss), the batch size; 1 for 'sum' and 'none'."""
    reduction = args["reduction"]
    if reduction == "batchmean":
        return inputs[0].shape[0] if inputs[0].ndim else 1
    if reduction != "mean":
        return 1
    if spec.name == "l1_loss" and len(inputs) == 3:
        return abs(float(np.sum(inputs[2], dtype=np.float64)))
    if spec.name == "nll_loss":
        target, weight = args["target"], args["weight"]
        counted = target != args["ignore_index"]
        picked = np.where(counted, target, 0)
        classes = inputs[0].shape[1] if inputs[0].ndim >= 2 else inputs[0].shape[0]
        w = np.ones(classes) if weight is None else weight
        return abs(float(np.sum(np.where(counted, w[picked], 0.0))))
    return inputs[0].size


def _loss_forward_scale(spec, inputs, args, outputs):
    """Σ|ℓᵢ| / divisor for the reductions (rounding grows with what is summed), max|ℓᵢ| for
    'none'."""
    terms = np.abs(_loss_terms(spec, inputs, args))
    if args["reduction"] == "none":
        return _max_abs(terms)
    divisor = _loss_divisor(spec, inputs, args)
    return max(1.0, float(np.sum(terms[np.isfinite(terms)])) / divisor) if divisor else 1.0


def _loss_grad_scales(spec, inputs, args, grads_out):
    """G times the largest input, loss or weight, over the divisor where it is below 1."""
    terms = _loss_terms(spec, inputs, args)
    size = max(_max_abs(*inputs), _max_abs(terms))
    divisor = _loss_divisor(spec, inputs, args)
    return [_max_abs(*grads_out) * size / min(1.0, divisor or 1.0)] * len(inputs)


def _gelu_grad_scales(spec, inputs, args, grads_out):
    """gelu's gradient ½(1 + tanh u) + ½x(1 − tanh²u)u′(x), u = √(2/π)(x + 0.044715x³), for
    approximate='tanh': 1 − tanh²u carries an absolute rounding error of u (one unit of the
    last place of 1) whatever its size, and the chain multiplies it by ½|x|u′(x), 9.8 at
    x = −5.25, where float32 tanh u rounds to −1 in PyTorch and one ulp above in NumPy."""
    scale = _max_abs(*grads_out)
    if args.get("approximate") != "tanh":
        return [scale]
    x = np.abs(inputs[0].astype(np.float64))
    magnified = 0.5 * x * 0.7978845608028654 * (1 + 3 * 0.044715 * x * x)
    return [scale * max(1.0, float(np.max(magnified, initial=0.0)))]


# ----- domains -------------------------------------------------------------------------------

RELU6 = testing.Domain("relu6", [(-1e3, 1e3)], [0.0, 6.0, -6.0, 3.0, 1.0, -1.0, 1e3, -1e3],
                       "|x| <= 1000 with relu6's kinks 0 and 6 drawn on purpose")
HARD = testing.Domain("hard", [(-1e3, 1e3)], [0.0, 3.0, -3.0, 1.0, -1.0, 1e3, -1e3],
                      "|x| <= 1000 with hardsigmoid's and hardswish's kinks ±3 on purpose")
WEIGHTS = testing.Domain("weights", [(0.0, 10.0)], [0.0, 1.0, 0.5, 10.0],
                         "0 <= w <= 10: loss weights, 0 included")
PROBABILITY = testing.Domain("probability", [(0.0, 0.0), (1e-6, 1.0)], [0.0, 1.0, 0.5, 1e-6],
                             "p = 0 or 1e-6 <= p <= 1: kl_div targets (at 0 the target's "
                             "gradient is NaN, as PyTorch's)")
# norm: PyTorch's norm of a single entry is |x| even where xᵖ underflows (and its gradient
# then 1, or NaN for p = 3); ours is (xᵖ)^(1/p) = 0 there.  Magnitudes below 1e-3 (but 0) left
# out: no xᵖ under- or overflows.
NORM = testing.Domain("norm", [(-1e3, -1e-3), (0.0, 0.0), (1e-3, 1e3)],
                      [0.0, 1.0, -1.0, 0.5, -2.0, 1e3, -1e3],
                      "x = 0 or 1e-3 <= |x| <= 1000: norms, no power under- or overflowing")
SMALL = domain("real", 3)    # prod: up to 64 factors stay finite in float32
# prod's smooth points: magnitudes from 1e-3 (or 0) — PyTorch's second derivative of a product
# with a factor of 5e-97 underflows to 0 (the exact value is the product of the others)
FACTORS = testing.Domain("factors", [(-2.0, -1e-3), (0.0, 0.0), (1e-3, 2.0)],
                         [0.0, 1.0, -1.0, 0.5, 2.0, -2.0],
                         "x = 0 or 1e-3 <= |x| <= 2: factors whose products stay normal")
SPACED = domain("moderate")  # the domain spaced_arrays draws gradcheck points from


def activation(name, fn, domain_=REAL, gradcheck_domain=AWAY_FROM_KINKS, **extra):
    """An elementwise torch.nn.functional activation of one input."""
    return unary(name, lambda lib, x, **args: fn(lib.nn.functional, x, **args), domain_,
                 gradcheck_domain, **extra)


def loss(name, fn, shapes_from, domains, gradcheck_domains, args_for, **extra):
    """A torch.nn.functional loss of (input, target[, weight])."""
    return OpSpec(name=name, fn=lambda lib, *ts, **args: fn(lib.nn.functional, *ts, **args),
                  arity=2, variadic=shapes_from is _maybe_weighted_pair, first_shapes=ANY_SHAPE,
                  shapes_from=shapes_from, args_for=args_for, domains=domains,
                  gradcheck_domains=gradcheck_domains, forward_scale=_loss_forward_scale,
                  grad_scales=_loss_grad_scales, **extra)


_COMPOSITION_LIST = [
    # ----- reductions
    unary("amax", lambda lib, a, dim, keepdim: lib.amax(a, dim=dim, keepdim=keepdim),
          args_for=_extreme_args, spaced=True),
    unary("amin", lambda lib, a, dim, keepdim: lib.amin(a, dim=dim, keepdim=keepdim),
          args_for=_extreme_args, spaced=True),
    unary("logsumexp", lambda lib, a, dim, keepdim: lib.logsumexp(a, dim=dim, keepdim=keepdim),
          args_for=_logsumexp_args, forward_scale=_input_forward_scale,
          grad_scales=_logsumexp_grad_scales),
    unary("prod", lambda lib, a, dim, keepdim: a.prod() if dim is None else
          a.prod(dim=dim, keepdim=keepdim), SMALL, FACTORS,
          args_for=_reduce_args(False)),
    unary("cumsum", lambda lib, a, dim: lib.cumsum(a, dim=dim), args_for=_softmax_args,
          forward_scale=_count_forward_scale, grad_scales=_count_grad_scales),
    unary("var", lambda lib, a, dim, keepdim, **kw: a.var(dim=dim, keepdim=keepdim, **kw),
          args_for=_var_args, forward_scale=_square_forward_scale,
          grad_scales=_spread_grad_scales, spaced=True, smooth=_var_smooth),
    unary("std", lambda lib, a, dim, keepdim, **kw: a.std(dim=dim, keepdim=keepdim, **kw),
          args_for=_var_args, forward_scale=_input_forward_scale,
          grad_scales=_std_grad_scales, spaced=True, smooth=_var_smooth),
    unary("norm", lambda lib, a, p, dim, keepdim: a.norm(p=p, dim=dim, keepdim=keepdim),
          NORM, args_for=_norm_args, forward_scale=_count_forward_scale,
          grad_scales=_spread_grad_scales, spaced=True),
    # ----- products
    OpSpec(name="dot", fn=lambda lib, a, b: lib.dot(a, b), arity=2, first_shapes=VECTOR,
           shapes_from=_vector_pair, args_for=_no_args, domains=(domain("real", 100),) * 2,
           gradcheck_domains=(MODERATE, MODERATE), forward_scale=_matmul_forward_scale,
           grad_scales=_matmul_grad_scales),
    OpSpec(name="mv", fn=lambda lib, a, b: lib.mv(a, b), arity=2, first_shapes=MATRIX,
           shapes_from=_matrix_vector, args_for=_no_args, domains=(domain("real", 100),) * 2,
           gradcheck_domains=(MODERATE, MODERATE), forward_scale=_matmul_forward_scale,
           grad_scales=_matmul_grad_scales),
    OpSpec(name="bmm", fn=lambda lib, a, b: lib.bmm(a, b), arity=2,
           first_shapes=BATCH_OF_MATRICES, shapes_from=_batch_pair, args_for=_no_args,
           domains=(domain("real", 100),) * 2, gradcheck_domains=(MODERATE, MODERATE),
           forward_scale=_matmul_forward_scale, grad_scales=_matmul_grad_scales),
    OpSpec(name="outer", fn=lambda lib, a, b: lib.outer(a, b), arity=2, first_shapes=VECTOR,
           shapes_from=_outer_pair, args_for=_no_args, domains=(REAL, REAL),
           gradcheck_domains=(MODERATE, MODERATE), forward_scale=_product_forward_scale,
           grad_scales=_product_grad_scales),
    OpSpec(name="addmm", fn=lambda lib, c, a, b, beta, alpha: lib.addmm(c, a, b, beta=beta,
                                                                         alpha=alpha),
           arity=3, first_shapes=testing.shapes(min_dims=0, max_dims=2, max_side=4),
           shapes_from=_addmm_shapes, args_for=_scale_args, domains=(domain("real", 100),) * 3,
           gradcheck_domains=(MODERATE,) * 3, forward_scale=_addmm_forward_scale,
           grad_scales=_addmm_grad_scales),
    OpSpec(name="einsum", fn=lambda lib, *ts, equation: lib.einsum(equation, *ts), arity=2,
           variadic=True, first_shapes=ANY_SHAPE, shapes_from=_einsum_shapes,
           args_for=_einsum_args, domains=(domain("real", 100),),
           gradcheck_domains=(MODERATE,), forward_scale=_product_forward_scale,
           grad_scales=_product_grad_scales),
    # ----- elementwise
    unary("square", lambda lib, a: lib.square(a)),
    OpSpec(name="lerp", fn=lambda lib, a, b, *w, weight=None: lib.lerp(a, b, w[0] if w else
                                                                        weight),
           arity=2, variadic=True, first_shapes=ANY_SHAPE, shapes_from=_lerp_shapes,
           args_for=_lerp_args, domains=(REAL, REAL, LERP_WEIGHT),
           gradcheck_domains=(MODERATE, MODERATE, LERP_WEIGHT),
           forward_scale=_lerp_forward_scale, grad_scales=_broadcast_grad_scales),
    # ----- structure
    unary("flip", lambda lib, a, dims: lib.flip(a, dims=dims), args_for=_flip_args),
    OpSpec(name="tril", fn=lambda lib, a, diagonal: lib.tril(a, diagonal=diagonal), arity=1,
           first_shapes=AT_LEAST_MATRIX, shapes_from=_rank_at_least(2), args_for=_diagonal_args,
           domains=(REAL,), gradcheck_domains=(MODERATE,)),
    OpSpec(name="triu", fn=lambda lib, a, diagonal: a.triu(diagonal=diagonal), arity=1,
           first_shapes=AT_LEAST_MATRIX, shapes_from=_rank_at_least(2), args_for=_diagonal_args,
           domains=(REAL,), gradcheck_domains=(MODERATE,)),
    unary("gather", lambda lib, a, dim, index: lib.gather(a, dim, lib.from_numpy(index)),
          args_for=_gather_args, grad_scales=_gathering_grad_scales),
    OpSpec(name="masked_fill", fn=lambda lib, a, *v, mask, value=None: a.masked_fill(
        lib.from_numpy(mask), v[0] if v else value), arity=1, variadic=True,
        first_shapes=ANY_SHAPE, shapes_from=_masked_fill_shapes, args_for=_masked_fill_args,
        domains=(REAL, REAL), gradcheck_domains=(MODERATE, MODERATE),
        grad_scales=_gathering_grad_scales, smooth=_finite_fill),
    OpSpec(name="embedding", fn=lambda lib, weight, indices, padding_idx:
           lib.nn.functional.embedding(lib.from_numpy(indices), weight,
                                       padding_idx=padding_idx),
           arity=1, first_shapes=MATRIX, shapes_from=_matrix_alone, args_for=_embedding_args,
           domains=(REAL,), gradcheck_domains=(MODERATE,), grad_scales=_gathering_grad_scales,
           smooth=_no_padding_lookup),
    # ----- activations (at their kinks compared with PyTorch; gradcheck keeps away)
    activation("leaky_relu", lambda F, x, **a: F.leaky_relu(x, **a),
               args_for=_choice_args(negative_slope=[0.01, 0.2, 0.0, 1.0, -0.5, 2.5])),
    activation("hardtanh", lambda F, x, **a: F.hardtanh(x, **a), args_for=_hardtanh_args,
               gradcheck_domain=SPACED, spaced=True),
    activation("relu6", lambda F, x: F.relu6(x), RELU6, SPACED, spaced=True),
    activation("elu", lambda F, x, **a: F.elu(x, **a),
               args_for=_choice_args(alpha=[1.0, 0.5, 2.0, 0.0])),
    activation("selu", lambda F, x: F.selu(x)),
    activation("celu", lambda F, x, **a: F.celu(x, **a),
               args_for=_choice_args(alpha=[1.0, 0.5, 2.0])),
    activation("silu", lambda F, x: F.silu(x), gradcheck_domain=MODERATE),
    activation("softplus", lambda F, x, **a: F.softplus(x, **a), gradcheck_domain=SPACED,
               args_for=_choice_args(beta=[1.0, 0.5, 2.0], threshold=[20.0, 5.0, 1.0]),
               spaced=True),
    activation("mish", lambda F, x: F.mish(x), gradcheck_domain=MODERATE),
    activation("gelu", lambda F, x, **a: F.gelu(x, **a), gradcheck_domain=MODERATE,
               args_for=_choice_args(approximate=["none", "tanh"]),
               grad_scales=_gelu_grad_scales),
    activation("softsign", lambda F, x: F.softsign(x)),
    # PyTorch's float64 hardsigmoid gradient multiplies by 1/6 rounded to float32 (1.5e-8 off)
    activation("hardsigmoid", lambda F, x: F.hardsigmoid(x), HARD, SPACED, spaced=True,
               tolerances={"float32": DEFAULT_TOLERANCES["float32"], "float64": (3e-8, 1e-12)}),
    activation("hardswish", lambda F, x: F.hardswish(x), HARD, SPACED, spaced=True),
    activation("logsigmoid", lambda F, x: F.logsigmoid(x), gradcheck_domain=MODERATE),
    activation("tanhshrink", lambda F, x: F.tanhshrink(x), gradcheck_domain=MODERATE),
    activation("threshold", lambda F, x, **a: F.threshold(x, **a), args_for=_threshold_args,
               gradcheck_domain=SPACED, spaced=True),
    activation("softmin", lambda F, x, dim: F.softmin(x, dim=dim), args_for=_softmax_args,
               gradcheck_domain=MODERATE, forward_scale=_softmax_forward_scale,
               grad_scales=_softmax_grad_scales),
    OpSpec(name="prelu", fn=lambda lib, x, w: lib.nn.functional.prelu(x, w), arity=2,
           first_shapes=ANY_SHAPE, shapes_from=_prelu_shapes, args_for=_no_args,
           domains=(REAL, MODERATE), gradcheck_domains=(AWAY_FROM_KINKS, MODERATE),
           grad_scales=_prelu_grad_scales),
    # ----- normalization
    OpSpec(name="layer_norm", fn=_layer_norm, arity=1, variadic=True,
           first_shapes=NONEMPTY_RANK, shapes_from=_layer_norm_shapes,
           args_for=_layer_norm_args, domains=(REAL, MODERATE),
           gradcheck_domains=(MODERATE,), forward_scale=_LAYER_NORM_FORWARD,
           grad_scales=_LAYER_NORM_GRADS),
    OpSpec(name="batch_norm", fn=_batch_norm, arity=1, variadic=True,
           first_shapes=testing.shapes(min_dims=2, max_dims=3, max_side=4),
           shapes_from=_batch_norm_shapes, args_for=_batch_norm_args,
           domains=(REAL, MODERATE), gradcheck_domains=(MODERATE,),
           forward_scale=_BATCH_NORM_FORWARD, grad_scales=_BATCH_NORM_GRADS),
    # ----- losses (input and target of one shape, as PyTorch wants them)
    loss("l1_loss", lambda F, x, y, *w, **a: F.l1_loss(x, y, weight=_weight_or_none(w), **a),
         _maybe_weighted_pair, (REAL, REAL, WEIGHTS), (domain("positive", 10),),
         _loss_args(), spaced=True),
    loss("smooth_l1_loss", lambda F, x, y, **a: F.smooth_l1_loss(x, y, **a), _same_shape,
         (REAL, REAL), (SPACED,), _loss_args(beta=[1.0, 0.5, 2.0, 0.0]), spaced=True,
         smooth=_smooth_l1_smooth),
    loss("huber_loss", lambda F, x, y, *w, **a: F.huber_loss(x, y, weight=_weight_or_none(w),
                                                             **a),
         _maybe_weighted_pair, (REAL, REAL, WEIGHTS), (SPACED,),
         _loss_args(delta=[1.0, 0.5, 2.0]), spaced=True, smooth=_smooth_l1_smooth),
    loss("kl_div", lambda F, x, y, **a: F.kl_div(x, y, **a), _same_shape,
         (MODERATE, PROBABILITY), (MODERATE, domain("open_unit_interval")), _kl_div_args),
    OpSpec(name="nll_loss", fn=_nll_loss, arity=1, first_shapes=NONEMPTY_RANK,
           shapes_from=_rank_at_least(1), args_for=_nll_loss_args, domains=(REAL,),
           gradcheck_domains=(MODERATE,), forward_scale=_loss_forward_scale,
           grad_scales=_loss_grad_scales, smooth=_some_target_counted),
]

COMPOSITION_SPECS = {spec.name: spec for spec in _COMPOSITION_LIST}
assert len(COMPOSITION_SPECS) == len(_COMPOSITION_LIST), "two composition specs share a name"

__all__ = ["OpSpec", "SPECS", "COMPOSITION_SPECS", "GRAD_DOMAIN", "PRIMITIVES", "assert_close"]
