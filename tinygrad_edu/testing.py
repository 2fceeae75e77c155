"""Tools to test a gradient: ``gradcheck`` and Hypothesis strategies for shapes and values.

Import it explicitly (``from tinygrad_edu import testing``); ``import tinygrad_edu`` does not,
because this module needs Hypothesis.  A learner who writes a new op checks it the way the
engine's own ops are checked::

    from hypothesis import given
    from tinygrad_edu import testing
    import tinygrad_edu as torch

    @given(testing.safe_values("positive", shape=(3, 2)))
    def test_my_log_backward(x):
        t = torch.tensor(x, requires_grad=True)
        assert testing.gradcheck(my_log, (t,))

What is here:

* ``gradcheck(fn, inputs)``: the engine's analytic gradient against central differences.
* ``shapes``, ``broadcastable_with``, ``broadcastable_shapes``, ``matmul_shapes``: shapes.
* ``domain_floats``, ``arrays``, ``safe_values``, ``spaced_arrays``: values from named domains
  (``DOMAINS``), e.g. "positive" for log and sqrt, "away_from_kinks" for relu and abs.
"""

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from . import autograd
from .autograd import enable_grad, no_grad
from .tensor import Tensor

__all__ = [
    "gradcheck", "gradgradcheck", "GradcheckError", "Domain", "DOMAINS", "domain", "domain_floats",
    "safe_values", "arrays", "spaced_arrays", "shapes", "broadcastable_with",
    "broadcastable_shapes", "matmul_shapes",
]


# --------------------------------------------------------------------------------------------
# gradcheck
# --------------------------------------------------------------------------------------------

class GradcheckError(AssertionError, RuntimeError):
    """Raised by gradcheck when an analytic gradient disagrees with the numeric one.

    An AssertionError (so it reads as a failed check in pytest) and a RuntimeError (what
    PyTorch's own GradcheckError is).
    """


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check the engine's gradients of ``fn`` against central differences, in float64.

    fn takes Tensors (and whatever else is in ``inputs``) and returns a Tensor, or a tuple of
    Tensors (integer outputs, such as the indices of ``max(dim)``, are ignored).  inputs is one
    Tensor or a tuple; every floating Tensor with ``requires_grad=True`` is checked.

    float64: a float32 input is replaced by a float64 copy (with the same requires_grad)
    before anything runs, because float32 rounding (~1e-7) divided by eps would swamp the
    numeric derivative.  fn receives the copies; your tensors are never changed.

    What is compared.  With a fixed random cotangent W (one per output, of its shape, drawn
    from ``seed``), the scalar s(x) = Σ out ⊙ W has, for every entry x_j of a checked input,

        analytic ∂s/∂x_j = (Jᵀ W)_j       one backward pass of the engine (vector-Jacobian)
        numeric  ∂s/∂x_j ≈ Σ W ⊙ (out(x + eps e_j) − out(x − eps e_j)) / (2 eps)

    The difference of the outputs is taken entry by entry *before* weighting, so output
    entries that do not depend on x_j cancel exactly and add no rounding error.  A wrong
    Jacobian entry shows up unless its error happens to be orthogonal to the random W, which
    has probability zero.  An entry passes when |analytic − numeric| ≤ atol + rtol·|numeric|
    (NaN never passes).

    Returns True.  On the first failing entry raises ``GradcheckError`` naming the input index,
    the entry index, both values and how many entries of that input failed (or returns False
    when ``raise_exception=False``).

    Example::

        x = tinygrad_edu.tensor([[0.5, 2.0]], dtype=tinygrad_edu.float64, requires_grad=True)
        gradcheck(lambda t: (t * t).sum(dim=1), (x,))      # True
    """
    inputs, checked, outputs = _float64_run(fn, inputs, "gradcheck")
    rng = np.random.default_rng(seed)
    cotangents = [rng.standard_normal(out.shape).astype(out._data.dtype) for out in outputs]

    analytic = _analytic_gradients(outputs, cotangents, [inputs[i] for i in checked])
    for position, i in enumerate(checked):
        numeric = _numeric_gradient(fn, inputs, i, cotangents, eps)
        got = analytic[position]
        bad = ~(np.abs(got - numeric) <= atol + rtol * np.abs(numeric))  # NaN counts as bad
        if bad.any():
            if not raise_exception:
                return False
            index = tuple(int(k) for k in np.argwhere(bad)[0])
            raise GradcheckError(
                f"gradcheck failed for input {i} (shape {tuple(inputs[i].shape)}) at index "
                f"{index}: analytic gradient {float(got[index])!r} but numeric gradient "
                f"{float(numeric[index])!r} (|difference| {abs(got[index] - numeric[index]):.3g} > "
                f"atol {atol} + rtol {rtol} × |numeric|); {int(bad.sum())} of {bad.size} "
                f"entries of input {i} disagree. Both are derivatives of sum(output ⊙ W) for "
                f"a fixed random W (seed {seed}); the numeric one by central differences with "
                f"eps={eps}. Look at the backward rule of the op that input {i} flows into.")
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0):
    """Check second derivatives: gradcheck of the first derivative, recorded (create_graph).

    With a cotangent V per output (``grad_outputs``, or random from ``seed``), the function

        (inputs, V) ↦ Vᵀ J(inputs)        autograd.grad(fn(inputs), inputs, V, create_graph=True)

    is itself checked by ``gradcheck``: its engine derivative (the backward of the recorded
    backward pass, with respect to the inputs and to V) against central differences of it.
    Returns True, or raises GradcheckError (False with raise_exception=False), as gradcheck.

    Example::

        x = tinygrad_edu.tensor([0.5, 2.0], dtype=tinygrad_edu.float64, requires_grad=True)
        gradgradcheck(lambda t: t.tanh(), (x,))      # True
    """
    inputs, checked, outputs = _float64_run(fn, inputs, "gradgradcheck")
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [Tensor._wrap(rng.standard_normal(out.shape)) for out in outputs]
    else:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
        if len(grad_outputs) != len(outputs):
            raise ValueError(f"gradgradcheck: {len(grad_outputs)} grad_outputs for "
                             f"{len(outputs)} floating outputs")
    grad_outputs = tuple(_float64_copy(v.detach()).requires_grad_(True) for v in grad_outputs)
    n = len(inputs)

    def first_derivative(*args):
        # gradcheck's central differences call this with plain Tensors under no_grad: the
        # first derivative needs grad mode and inputs that require grad all the same.
        xs = tuple(x.detach().requires_grad_(True) if i in checked and not x.requires_grad
                   else x for i, x in enumerate(args[:n]))
        vs = args[n:]
        with enable_grad():
            return _first_derivative(xs, vs)

    def _first_derivative(xs, vs):
        outs = _float_outputs(fn(*xs), "gradgradcheck")
        pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        wrt = [xs[i] for i in checked]
        grads = autograd.grad([o for o, _ in pairs], wrt, [v for _, v in pairs],
                              create_graph=True, allow_unused=True)
        found = tuple(g for g in grads if g is not None)
        if not found:
            raise ValueError("gradgradcheck: fn's outputs do not depend on any checked input")
        return found

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, seed=seed)


def _float64_run(fn, inputs, what):
    """(float64 copies of the inputs, the indices of those to check, fn's floating outputs)."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    inputs = tuple(_float64_copy(x) for x in inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError(f"{what}: no input is a floating Tensor with requires_grad=True, so "
                         f"there is no gradient to check")
    return inputs, checked, _float_outputs(fn(*inputs), what)


def _float64_copy(x):
    """A float64 copy of a floating Tensor (same requires_grad); anything else unchanged."""
    if not isinstance(x, Tensor) or x._data.dtype.kind != "f":
        return x
    copy = Tensor._wrap(np.array(x._data, dtype=np.float64, copy=True))
    if x.requires_grad:
        copy.requires_grad_(True)
    return copy


def _float_outputs(result, what):
    """The floating Tensors among fn's outputs (a Tensor or a tuple/list of them)."""
    items = list(result) if isinstance(result, (tuple, list)) else [result]
    for item in items:
        if not isinstance(item, Tensor):
            raise TypeError(f"{what}: fn must return a Tensor or a tuple of Tensors, got "
                            f"{type(item).__name__}")
    outputs = [t for t in items if t._data.dtype.kind == "f"]
    if not outputs:
        raise TypeError(f"{what}: fn returned no floating-point Tensor to differentiate")
    return outputs


def _analytic_gradients(outputs, cotangents, wrt):
    """(Jᵀ W) for every tensor in wrt, by one engine backward pass; zeros where unused."""
    roots = [(out, w) for out, w in zip(outputs, cotangents) if out.requires_grad]
    if not roots:
        return [np.zeros(x.shape) for x in wrt]
    grads = autograd.grad([out for out, _ in roots], wrt,
                          grad_outputs=[Tensor._wrap(w) for _, w in roots],
                          retain_graph=False, allow_unused=True)
    return [np.zeros(x.shape) if g is None else np.asarray(g._data, dtype=np.float64)
            for x, g in zip(wrt, grads)]


def _numeric_gradient(fn, inputs, i, cotangents, eps):
    """Σ W ⊙ (out(x + eps e_j) − out(x − eps e_j)) / (2 eps) for every entry j of input i."""
    base = np.array(inputs[i]._data, dtype=np.float64)
    numeric = np.zeros(base.shape)
    weights = [np.asarray(w, dtype=np.float64) for w in cotangents]

    def outputs_at(values):
        args = list(inputs)
        args[i] = Tensor._wrap(values)
        with no_grad():
            return [np.asarray(out._data, dtype=np.float64)
                    for out in _float_outputs(fn(*args), "gradcheck")]

    for j in np.ndindex(base.shape):
        plus, minus = base.copy(), base.copy()
        plus[j] += eps
        minus[j] -= eps
        total = 0.0
        for w, up, down in zip(weights, outputs_at(plus), outputs_at(minus)):
            total += float(np.sum(w * (up - down)))
        numeric[j] = total / (2 * eps)
    return numeric


# --------------------------------------------------------------------------------------------
# Value domains
# --------------------------------------------------------------------------------------------

class Domain:
    """A named set of floats: closed intervals plus special values drawn often.

    intervals: ((low, high), ...) closed; specials: values Hypothesis should try on purpose
    (exact zeros, ±1, the largest magnitudes).  ``limited(m)`` gives the same domain cut to
    |x| ≤ m, e.g. an exponent range; ``without_negative_zero()`` the same domain with −0.0
    turned into 0.0 (for an op whose result at −0.0 is an implementation detail).
    """

    def __init__(self, name, intervals, specials, doc, negative_zero=True):
        self.name = name
        self.intervals = tuple(intervals)
        self.specials = tuple(specials)
        self.doc = doc
        self.negative_zero = negative_zero

    def without_negative_zero(self):
        """This domain with −0.0 drawn as +0.0."""
        return Domain(self.name + "(no -0.0)", self.intervals, self.specials, self.doc,
                      negative_zero=False)

    def limited(self, max_magnitude):
        """This domain with every value cut to |x| ≤ max_magnitude."""
        m = float(max_magnitude)
        intervals = [(max(lo, -m), min(hi, m)) for lo, hi in self.intervals
                     if max(lo, -m) <= min(hi, m)]
        if not intervals:
            raise ValueError(f"domain {self.name!r} has no values with |x| <= {m}")
        specials = [v for v in self.specials if abs(v) <= m]
        specials += [v for lo, hi in intervals for v in (lo, hi) if abs(v) == m]
        return Domain(f"{self.name}(|x|<={m:g})", intervals, sorted(set(specials)), self.doc,
                      self.negative_zero)

    def contains(self, x):
        return any(lo <= x <= hi for lo, hi in self.intervals)

    def __repr__(self):
        return f"Domain({self.name!r}, {list(self.intervals)})"


_BIG = 1e3      # the largest magnitude drawn by default: e^1000 overflows even float64
_GAP = 1e-3     # how far "away from 0" means

DOMAINS = {
    "real": Domain(
        "real", [(-_BIG, _BIG)], [0.0, 1.0, -1.0, 0.5, -2.0, _BIG, -_BIG],
        "any float with |x| <= 1000, exact zeros included"),
    "moderate": Domain(
        "moderate", [(-10.0, 10.0)], [0.0, 1.0, -1.0, 0.5, 10.0, -10.0],
        "|x| <= 10: exp, upstream gradients, values whose size must stay tame"),
    "positive": Domain(
        "positive", [(_GAP, _BIG)], [_GAP, 1.0, 0.5, 2.0, _BIG],
        "x >= 1e-3: log, sqrt, a power's base (away from the pole or kink at 0)"),
    "nonnegative": Domain(
        "nonnegative", [(0.0, 0.0), (_GAP, _BIG)], [0.0, 1.0, 0.5, _BIG],
        "0 or x >= 1e-3: log and sqrt including their edge at exactly 0"),
    "nonzero": Domain(
        "nonzero", [(-_BIG, -_GAP), (_GAP, _BIG)], [1.0, -1.0, _GAP, -_GAP, 0.5, _BIG, -_BIG],
        "|x| >= 1e-3: divisors"),
    "away_from_kinks": Domain(
        "away_from_kinks", [(-_BIG, -_GAP), (_GAP, _BIG)], [1.0, -1.0, _GAP, -_GAP, _BIG, -_BIG],
        "|x| >= 1e-3: relu, abs (kink at 0) where a derivative must exist"),
    "unit_interval": Domain(
        "unit_interval", [(0.0, 1.0)], [0.0, 1.0, 0.5],
        "0 <= x <= 1: probabilities, both ends included"),
    "open_unit_interval": Domain(
        "open_unit_interval", [(_GAP, 1.0 - _GAP)], [0.5, _GAP, 1.0 - _GAP],
        "1e-3 <= x <= 1 - 1e-3: probabilities whose log and log(1 - x) are finite"),
}


def domain(name, max_magnitude=None):
    """The Domain called name (see DOMAINS), optionally cut to |x| <= max_magnitude.

    Example: ``domain("real", 4)`` is a range for exponents.
    """
    if isinstance(name, Domain):
        d = name
    elif name in DOMAINS:
        d = DOMAINS[name]
    else:
        raise ValueError(f"unknown domain {name!r}; the domains are {sorted(DOMAINS)}")
    return d if max_magnitude is None else d.limited(max_magnitude)


def _width_of(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"value domains hold floats; got dtype {dtype}")
    return dtype.itemsize * 8


def _inside(x, lo, hi, width):
    """x rounded to the float type of `width`, nudged back inside [lo, hi] if rounding left."""
    ftype = np.float32 if width == 32 else np.float64
    r = ftype(x)
    if float(r) < lo:  # compared as Python floats: NumPy would round lo to float32 first
        r = np.nextafter(r, ftype(np.inf))
    if float(r) > hi:
        r = np.nextafter(r, ftype(-np.inf))
    return float(r)


def domain_floats(name="real", width=64, max_magnitude=None):
    """Strategy: single floats from a named domain (exactly representable at `width` bits).

    The domain's special values (exact zeros, ±1, its largest magnitudes) are drawn often on
    purpose; NaN and inf never.  Example::

        @given(domain_floats("positive"))
        def test_log_is_finite(x): assert math.isfinite(math.log(x))
    """
    d = domain(name, max_magnitude)
    parts = []
    for lo, hi in d.intervals:
        lo_w, hi_w = _inside(lo, lo, hi, width), _inside(hi, lo, hi, width)
        if lo_w == hi_w:
            parts.append(st.just(lo_w))
        else:
            parts.append(st.floats(lo_w, hi_w, width=width, allow_nan=False,
                                   allow_infinity=False, allow_subnormal=False))
    specials = sorted({_inside(v, lo, hi, width) for v in d.specials
                       for lo, hi in d.intervals if lo <= v <= hi}, key=lambda v: (abs(v), v))
    if specials:
        parts.insert(0, st.sampled_from(specials))
    floats = st.one_of(parts)
    return floats if d.negative_zero else floats.map(lambda x: x + 0.0)  # −0.0 + 0.0 = +0.0


def arrays(shape, dtype=np.float64, elements=None, domain="real"):
    """Strategy: ndarrays of a fixed shape and float dtype, entries from a named domain.

    ``elements`` (a Hypothesis strategy of floats) overrides the domain.  Example::

        @given(arrays((2, 3), np.float32, domain="positive"))
        def test(x): assert x.shape == (2, 3) and (x > 0).all()
    """
    dtype = np.dtype(dtype)
    if elements is None:
        elements = domain_floats(domain, _width_of(dtype))
    else:
        elements = elements.map(lambda v: float(dtype.type(v)))  # exact in the target dtype
    return hnp.arrays(dtype, tuple(shape), elements=elements)


def safe_values(name, shape=(), dtype=np.float64, max_magnitude=None):
    """Strategy: arrays of `shape` whose entries lie in an op's safe domain `name`.

    Example: ``safe_values("positive", (3,))`` for log; ``safe_values("away_from_kinks",
    (2, 2))`` for relu's gradcheck (nothing within 1e-3 of the kink at 0).
    """
    d = domain(name, max_magnitude)
    return hnp.arrays(np.dtype(dtype), tuple(shape),
                      elements=domain_floats(d, _width_of(dtype)))


@st.composite
def spaced_arrays(draw, shape_list, name="real", gap=1 / 64, dtype=np.float64,
                  max_magnitude=None):
    """Strategy: a tuple of arrays (one per shape) whose entries, all together, are at least
    `gap` apart, at least gap/2 away from every multiple of `gap` (so from 0), and inside the
    domain.

    For gradcheck of ops with ties or kinks (max, maximum, clamp, relu): no two entries tie and
    none sits on a kink or on a bound drawn as a multiple of `gap`.  Values are (k + ½)·gap,
    exact in float32 and float64 for the default gap.  Example::

        @given(spaced_arrays([(3,), (3,)]))
        def test(ab): a, b = ab; assert (a != b).all()
    """
    d = domain(name, max_magnitude)
    shape_list = [tuple(s) for s in shape_list]
    sizes = [math.prod(s) for s in shape_list]
    slots = []  # ranges of k such that (k + 1/2)·gap lies inside an interval of the domain
    for lo, hi in d.intervals:
        k_lo, k_hi = math.ceil(lo / gap - 0.5), math.floor(hi / gap - 0.5)
        if k_lo <= k_hi:
            slots.append((k_lo, k_hi))
    capacity = sum(hi - lo + 1 for lo, hi in slots)
    if capacity < sum(sizes):
        raise ValueError(f"spaced_arrays: domain {d.name} holds only {capacity} values "
                         f"{gap} apart, {sum(sizes)} needed")
    ks = draw(st.lists(st.one_of([st.integers(lo, hi) for lo, hi in slots]),
                       min_size=sum(sizes), max_size=sum(sizes), unique=True))
    values = (np.array(ks, dtype=np.float64) + 0.5) * gap
    out, start = [], 0
    for s, n in zip(shape_list, sizes):
        out.append(values[start:start + n].reshape(s).astype(dtype))
        start += n
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------

def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Strategy: shape tuples, e.g. (), (4,), (1, 3), (2, 1, 4); size-1 sides come often.

    Example: ``@given(shapes(min_dims=1))`` never gives a 0-d shape.
    """
    side = st.one_of(st.just(1), st.integers(min_side, max_side)) if min_side <= 1 else \
        st.integers(min_side, max_side)
    return st.lists(side, min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def broadcastable_with(draw, shape, min_dims=0, max_dims=3, max_side=4):
    """Strategy: a shape that broadcasts with `shape` (np.broadcast_shapes accepts both).

    Aligned from the right, each side equals shape's, or is 1, or (where shape has 1 or no
    dimension) any size; the rank may be smaller or larger than shape's.  Example::

        broadcastable_with((3, 1)) → (), (1,), (5,), (3, 4), (2, 3, 1), …
    """
    shape = tuple(shape)
    rank = draw(st.integers(min_dims, max(max_dims, min_dims)))
    out = []
    for i in range(rank):  # i counts from the right
        k = len(shape) - 1 - i
        if k >= 0 and shape[k] != 1:
            out.append(draw(st.sampled_from([shape[k], 1])))
        else:
            out.append(draw(st.one_of(st.just(1), st.integers(1, max_side))))
    return tuple(reversed(out))


@st.composite
def broadcastable_shapes(draw, num_shapes=2, min_dims=0, max_dims=3, max_side=4):
    """Strategy: a tuple of `num_shapes` mutually broadcastable shapes.

    Ranks differ, 0-d shapes and size-1 sides appear, so every broadcasting rule is exercised.
    Example: ((2, 1, 3), (4, 3)), ((), (2,)), ((1,), (3, 1)).
    """
    first = draw(shapes(min_dims, max_dims, 1, max_side))
    result, common = [first], first
    for _ in range(num_shapes - 1):
        nxt = draw(broadcastable_with(common, min_dims, max_dims, max_side))
        result.append(nxt)
        common = np.broadcast_shapes(common, nxt)
    return tuple(result)


@st.composite
def matmul_shapes(draw, max_batch_dims=2, max_side=4):
    """Strategy: a pair of shapes (A, B) valid for ``A @ B`` as torch.matmul takes them.

    Covers vector·vector, matrix·vector, vector·matrix, matrix·matrix, batched, and batches of
    different ranks that broadcast (e.g. (2, 1, 3, 4) @ (5, 4, 2)).  Example: ((3,), (3,)),
    ((2, 3), (3,)), ((4,), (2, 4, 5)), ((1, 2, 3), (4, 3, 2)).
    """
    n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
    a_vector, b_vector = draw(st.booleans()), draw(st.booleans())
    batch_a, batch_b = draw(broadcastable_shapes(2, 0, max_batch_dims, max_side))
    a = (k,) if a_vector else batch_a + (n, k)
    b = (k,) if b_vector else batch_b + (k, m)
    return a, b
