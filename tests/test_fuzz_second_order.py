"""Differential fuzzer, second order: gradients of gradients of random programs, against PyTorch.

Programs.  The first-order fuzzer's (tests/fuzz_programs.py, tests/test_fuzz.py): 1 to 3
float64 leaves, 1 to 30 ops of op_specs.SPECS on any earlier values, ending in the scalar
loss L = Σ_v sum(v ⊙ W_v).  Here Hypothesis also draws a fixed random weight U_x for every leaf
x (op_specs.GRAD_DOMAIN: exact zeros included), and the engine computes

* G_v = ∂L/∂v for every value v (leaves and intermediates) in one
  ``autograd.grad(L, values, grad_outputs=one, create_graph=True)``, ``one`` = ∂L/∂L a leaf
  that requires grad, so that every G is in the graph;
* s = Σ_x sum(G_x ⊙ U_x), and X̄_v = ∂s/∂v for every value by ``autograd.grad(s, values)``:
  at the leaves X̄ is the Hessian-vector product H·U (the "grad of (grad · v)" form);
* the tangents Ġ_v = (∂v/∂leaves)·U of every value by ``autograd.functional.jvp`` (the
  double-vjp trick, itself a gradient of a gradient), with Ġ_x = U_x at the leaves.

The second backward pass is, step by step: for a step y = f(x₁, …) with upstream G_y,
X̄_xᵢ receives  J_iᵀ X̄_y  (first order)  +  Σⱼ ∂/∂xᵢ ⟨VJPⱼ(x, G_y), Ġ_xⱼ⟩  (second order), and the
tangents obey Ġ_y = Σⱼ J_j Ġ_xⱼ.  That is what is compared.

Comparison policy (written before the test was run; never loosened to make a program pass):

1. Structure, end to end: the engine and a PyTorch run of the same program
   (``fuzz_programs.run``) agree on every value's shape, dtype and requires_grad, and on which
   step outputs are their input itself (x.to(x.dtype) is x).  Every value that requires grad
   gets a first derivative G_v (not None) of its own dtype and shape; the second derivatives
   X̄_v and tangents Ġ_v have their value's dtype and shape.  Which second-order paths exist
   is the engine's choice (a backward rule that multiplies by a constant records no path to
   it): an X̄_v the engine reports as None is zeros, and a value s does not reach sends no
   first-order term to its inputs (PyTorch would send 0 ⊙ J, NaN wherever J is, though
   neither library has that path); likewise, a second-order term of PyTorch's with no finite
   nonzero entry (zeros, or NaN and inf from 0 ⊙ inf along a path that is structurally zero,
   e.g. through x ** 0) is left out where the engine's graph has no such path: the step's
   VJPⱼ, run alone by the engine, does not depend on xᵢ (or on G), or s does not depend on
   G of xⱼ.  A tangent's piece J_j Ġ_xⱼ is left out likewise where jvp carries no tangent
   of xⱼ (it is exactly 0 there by structure: no step on the way has a VJP that uses its G).
   A term with a finite nonzero entry is never left out.  The numbers below decide.
2. Stepwise, on bit-identical inputs: each step is re-run in PyTorch on copies of the engine's
   own arrays: its input values, the engine's G of its outputs, the engine's tangents Ġ of its
   inputs, the engine's X̄ of its outputs.  PyTorch's local terms (its first derivative recorded
   with create_graph=True and differentiated again) are summed over the steps that consume a
   value and held against the engine's
   (a) G_v (the first derivatives, now on the recorded path): Σ J_iᵀ G_y, each term allowed
       atol·grad_scale + rtol·|term| as in the first-order fuzzer;
   (b) Ġ_y: Σⱼ J_j Ġ_xⱼ, each piece j allowed atol·N·max(max|piece|, max|Ġ_xⱼ|·gⱼ) + rtol·|piece|,
       gⱼ the op's first-order grad_scale for unit upstream (a bound on |J_j| with its sums);
   (c) X̄_v: the first-order term allowed as in (a) with upstream X̄_y, and every second-order
       piece (i, j) allowed atol·N·max(max|G_y|·max|Ġ_xⱼ|, max|piece|) + rtol·|piece|.
   N is the size of the step's largest array (at least 1): a bound on how many products are
   summed into one entry.  For the broadcasting binary ops, the max|piece| of (b) and (c) are
   taken on the inputs expanded to the output's shape (before the sum over broadcast axes).
   (rtol, atol) are the op's op_specs tolerances, float32's when the step touches float32.
   A value consumed by several steps is allowed the sum of its terms' errors.  NaN, +inf and
   −inf are compared by pattern (op_specs.assert_close), as in the first-order fuzzer, except
   where overflow leaves the sum undetermined (below).
   Own uses.  A rule recorded in terms of its op's output (exp's G ⊙ out) makes the engine's
   X̄_y include that use of y, while PyTorch's local piece, which recomputes y from x, counts
   it in the piece.  So the engine's own-use part, ∂/∂y ⟨VJP(x, G, y), Ġ⟩ of the step run
   alone on the same bits (``_engine_self_use``), is taken out of the upstream X̄_y of the
   step's first-order term and added to y's expected sum (allowed atol·max|u| + rtol·|u|).
   A wrong own use cannot hide: the engine's full local second derivative (own use pushed
   through J plus its direct uses) is what is held against PyTorch's piece.
   Overflow.  The local terms are not the engine's order of summation, and inf − inf depends
   on the grouping; so (i) an expected entry that is NaN while one of its terms is ±inf, and
   (ii) the entries of an input reached (NaN-propagation through the step's Jᵀ) from an output
   entry where both X̄_y and its own-use part are non-finite, are only required to be
   non-finite in the engine.
3. The same derivatives by other roads, engine against engine, at the same point (so no kink
   can separate them): ``L.backward(create_graph=True)`` then ``s.backward()`` on the leaves'
   ``.grad`` (reset to None in between), and ``autograd.functional.vhp(program, leaves, U)``,
   equal the X̄ and G of the leaves within the error allowed them in 2.  The forward values
   of each rerun equal the first run's bit for bit.
4. Nothing changes behind the graph's back: after both passes every value still holds exactly
   the bits it had when it was made.

Kinks and ties.  As in the first-order fuzzer, every local term is computed by PyTorch on the
engine's own bits, so both sides are on the same side of every kink, tie and pole (relu, abs,
clamp, max ties, pow at 0, overflow), and PyTorch's convention there (including its second
derivative: 0 for relu, abs, clamp, max) must be the engine's.  Nothing is assumed away.  An
end-to-end comparison of PyTorch's Hessian-vector product with ours would need every
intermediate to stay away from kinks by more than its accumulated rounding; 2 implies it
wherever the program is well conditioned.  (``autograd.functional.hvp``, which transposes each
step's second derivative, is compared on the seed network below, where the Hessian is
symmetric; on programs PyTorch's own conventions, e.g. ∂(a**b)/∂a := 0 where b = 0, make the
recorded second derivative asymmetric, so hvp and vhp may rightly differ there.)

History of this policy.  Written before the first run; the first runs showed three
places where the bookkeeping of 2, not the tolerances, was wrong: own uses (counted twice),
values s does not reach (0 ⊙ NaN), and inf − inf of the regrouped terms.  The points above
were corrected for those (no tolerance was changed), each after reading the program that
failed and PyTorch's own answer on it (a fourth, NaN-only terms along paths that are
structurally zero in both libraries, e.g. through ``x ** 0``, came the same way).  A fifth:
the tangents had been held to the same "does s reach it" test as X̄, so a NaN tangent
(|x| ** |x| at 0, then max) that jvp carries on, as PyTorch's own double-vjp jvp does, was
expected to be 0; a tangent's term now depends only on whether the engine's VJP uses that G.
A sixth: a NaN piece J·Ġ with Ġ = 0 by structure (``v0 ** 0``, then 0-d ``log_softmax`` = 0,
then ``log``: 1/0 · 0) was expected where jvp gives 0.  jvp is the double-vjp, and PyTorch's
``torch.autograd.functional.jvp`` gives 0 there too (``torch.func.jvp``, forward mode, gives
NaN); so a piece now also needs a tangent that jvp carries, found step by step (``carried``;
test_a_tangent_that_no_path_carries_is_zero).

The seed's network.  tinygrad_edu.__main__.SimpleNN (2 → 10 → 1, ReLU) in float64 with
MSE, weights, data (1 to 16 samples) and a direction V for every parameter drawn by Hypothesis;
its PyTorch twin gets the same weights (tests/seed_network.py).  Hessian-vector products with
respect to all four parameters, by ``autograd.functional.hvp``, by ``functional.vhp`` and by
double backward (``autograd.grad`` twice), each against ``torch.autograd.functional.hvp`` on
the twin.  Policy: end to end, only on draws where the engine's and PyTorch's pre-activations
have the same ReLU pattern (z > 0 or not, entry by entry; other draws are rejected, counted by
a Hypothesis event): within one pattern the loss is a polynomial in the parameters, so the
two HVPs differ by rounding only, bounded by |ours − PyTorch| ≤ 1e-10 · HVP⁺, where HVP⁺ is
PyTorch's HVP of the same polynomial with every input, weight and V replaced by its absolute
value and the residual's subtraction by an addition (the sum of the magnitudes of every
product the HVP adds up; float64 rounding is ≤ k·2⁻⁵³ of it for k terms in a path).

Profiles.  The quick profile of tests/suite_settings.py (25 examples per test) runs by
default; ``TINYGRAD_EDU_FUZZ=thorough python -m pytest tests/test_fuzz_second_order.py`` runs
1,000 programs and 1,000 seed-network draws.  A failing program is printed (Hypothesis
``note``) as a script with ``import tinygrad_edu as torch`` (swap for ``import torch``) that
rebuilds the exact inputs, replays the ops and takes both derivatives.
"""

import os

import numpy as np
import torch
import torch.autograd.functional as torch_functional
from hypothesis import assume, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context

import tinygrad_edu as tg
import tinygrad_edu.autograd.functional as functional
from tinygrad_edu import testing
from tinygrad_edu.__main__ import SimpleNN

import fuzz_programs as fp
from op_specs import GRAD_DOMAIN, SPECS, assert_close
import seed_network

FUZZ_PROFILE = os.environ.get("TINYGRAD_EDU_FUZZ", "quick")
if FUZZ_PROFILE not in ("quick", "thorough"):
    raise RuntimeError(f"TINYGRAD_EDU_FUZZ={FUZZ_PROFILE!r}: expected 'quick' (default: the "
                       f"conftest profile) or 'thorough' (1,000 examples)")
THOROUGH_EXAMPLES = 1000


def _fuzz_settings(test):
    """The conftest profile, or 1,000 examples for this test when TINYGRAD_EDU_FUZZ=thorough."""
    return settings(max_examples=THOROUGH_EXAMPLES)(test) if FUZZ_PROFILE == "thorough" \
        else test


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

def _dtype_name(t):
    return str(t.dtype).replace("torch.", "").replace("tinygrad_edu.", "")


def _as_list(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _np(t):
    """A float array copy of a tensor of either library (PyTorch may give a ZeroTensor)."""
    if isinstance(t, torch.Tensor):
        return np.array(t.detach().numpy(force=True), copy=True)
    return np.array(t.detach().numpy(), copy=True)


def _max_abs(*arrays):
    """The largest finite |entry| (0 for none): a magnitude, not floored at 1."""
    best = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        finite = a[np.isfinite(a)]
        if finite.size:
            best = max(best, float(np.max(np.abs(finite))))
    return best


def _zeros_like_value(t):
    return np.zeros(tuple(t.shape), dtype=np.dtype(_dtype_name(t)))


def _roots(ours, theirs, program):
    """root[i]: the id of the value v_i is (an op may hand back its input itself)."""
    root = list(range(len(ours)))
    for step in program.steps:
        for o in step.outputs:
            for i in step.inputs:
                assert (ours[o] is ours[i]) == (theirs[o] is theirs[i]), \
                    f"v{o}: {'is' if ours[o] is ours[i] else 'is not'} its input v{i} itself;" \
                    f" in PyTorch it {'is' if theirs[o] is theirs[i] else 'is not'}"
                if ours[o] is ours[i]:
                    root[o] = root[i]
    return root


# --------------------------------------------------------------------------------------------
# The engine's side: G, X̄ and the tangents of every value
# --------------------------------------------------------------------------------------------

class EngineRun:
    """One program on the engine: snapshots of every value, G (first derivatives, recorded),
    xbar (∂s/∂value), tangent (J·U) for every differentiable root value, as arrays."""

    def __init__(self, program, weights):
        self.snapshots = {}
        self.values = fp.run(tg, program, on_value=self._keep)
        self.program = program
        self.weights = weights  # one per leaf, in leaf order

    def _keep(self, i, t):
        self.snapshots[i] = np.array(t.detach().numpy(), copy=True)

    def differentiate(self, root):
        values, n_leaves = self.values, len(self.program.leaves)
        self.ids = [i for i, t in enumerate(values) if t.requires_grad and root[i] == i]
        loss = values[-1]
        assert loss.shape == () and loss.requires_grad
        # ∂L/∂L = 1 as a leaf that requires grad: every G is then in the graph (linear in it),
        # so that whether s depends on a G in the engine's graph can be asked (policy 1)
        one = tg.from_numpy(np.ones((), dtype=np.dtype(_dtype_name(loss)))).requires_grad_(True)
        firsts = tg.autograd.grad(loss, [values[i] for i in self.ids], grad_outputs=one,
                                  create_graph=True, allow_unused=True)
        self.G_tensors = dict(zip(self.ids, firsts))
        for i, g in self.G_tensors.items():
            assert g is not None, f"G of v{i}: missing (v{i} requires grad)"
            assert _dtype_name(g) == _dtype_name(values[i]) and g.shape == values[i].shape, \
                f"G of v{i}: {g.dtype} {tuple(g.shape)}, the value is {values[i].dtype} " \
                f"{tuple(values[i].shape)}"
        self.G = {i: _np(g) for i, g in self.G_tensors.items()}
        s = None
        for k in range(n_leaves):
            term = (self.G_tensors[k] * tg.tensor(self.weights[k])).sum()
            s = term if s is None else s + term
        self.xbar = {i: _zeros_like_value(values[i]) for i in self.ids}
        self.no_path = set(self.ids)  # values s does not depend on in the engine's graph
        self.reaches = set()  # values whose G (a Tensor in the graph) s depends on
        if s.requires_grad:
            in_graph = [i for i in self.ids if self.G_tensors[i].requires_grad]
            seconds = tg.autograd.grad(s, [values[i] for i in self.ids] + [
                self.G_tensors[i] for i in in_graph], allow_unused=True)
            self.reaches = {i for i, h in zip(in_graph, seconds[len(self.ids):])
                            if h is not None}
            for i, h in zip(self.ids, seconds):
                if h is not None:
                    assert _dtype_name(h) == _dtype_name(values[i]), \
                        f"∂s/∂v{i}: dtype {h.dtype}, the value is {values[i].dtype}"
                    self.xbar[i] = _np(h)
                    self.no_path.discard(i)
        self.tangent = {k: self.weights[k] for k in range(n_leaves)}
        inner = [i for i in self.ids if i >= n_leaves]
        if inner:
            program = self.program

            def f(*leaves):
                out = fp.run(tg, program, leaves=leaves)
                return tuple(out[i] for i in inner)
            outs, tangents = functional.jvp(f, tuple(values[k] for k in range(n_leaves)),
                                            tuple(tg.tensor(w) for w in self.weights))
            for i, o, t in zip(inner, outs, tangents):
                assert np.array_equal(_np(o), self.snapshots[i], equal_nan=True), \
                    f"v{i} differs between the run and jvp's rerun"
                assert _dtype_name(t) == _dtype_name(values[i]) and t.shape == values[i].shape
                self.tangent[i] = _np(t)
        return s


# --------------------------------------------------------------------------------------------
# PyTorch's side: one step's local terms on the engine's bits
# --------------------------------------------------------------------------------------------

def _torch_grad(outputs, inputs, grads, **kw):
    """torch.autograd.grad over the outputs that require grad; None for each input if none."""
    pairs = [(o, g) for o, g in zip(outputs, grads)
             if o is not None and o.requires_grad and g is not None]
    if not pairs or not inputs:
        return [None] * len(inputs)
    return list(torch.autograd.grad([o for o, _ in pairs], inputs, [g for _, g in pairs],
                                    allow_unused=True, **kw))


def _local_terms(spec, arrays, needs, args, upstream, tangents, xbars, expand_to=None):
    """PyTorch on bit-identical inputs.  Returns (first, jvp, back, pieces):
    first[i] = J_iᵀ G (upstream), jvp[j][o] = J_j Ġ_j for output o, back[i] = J_iᵀ X̄,
    pieces[i][j] = ∂/∂xᵢ ⟨VJPⱼ(x, G), Ġⱼ⟩ — all over the inputs that need a gradient (arrays
    or None).  expand_to: a shape every input (and tangent) is broadcast to first."""
    if expand_to is not None:
        arrays = [np.broadcast_to(a, expand_to).copy() for a in arrays]
        tangents = [np.broadcast_to(t, expand_to).copy() for t in tangents]
    xs = [torch.from_numpy(np.array(a)).requires_grad_(bool(n)) for a, n in zip(arrays, needs)]
    outs = [o for o in _as_list(spec.torch(*xs, **args)) if o.requires_grad]
    wrt = [x for x in xs if x.requires_grad]
    gs = [torch.from_numpy(np.array(g)).requires_grad_(True) for g in upstream]
    firsts = _torch_grad(outs, wrt, gs, create_graph=True)
    back = _torch_grad(outs, wrt, [None if x is None else torch.from_numpy(np.array(x))
                                   for x in xbars], retain_graph=True)
    jvp, pieces = [], [[None] * len(wrt) for _ in wrt]
    for j, (first, t) in enumerate(zip(firsts, tangents)):
        if first is None or not first.requires_grad:
            jvp.append([None] * len(gs))
            continue
        found = _torch_grad([first], wrt + gs, [torch.from_numpy(np.array(t))], retain_graph=True)
        for i in range(len(wrt)):
            pieces[i][j] = found[i]
        jvp.append(found[len(wrt):])
    as_np = lambda t: None if t is None else _np(t).astype(np.float64)  # noqa: E731
    return ([as_np(t) for t in firsts], [[as_np(t) for t in row] for row in jvp],
            [as_np(t) for t in back], [[as_np(t) for t in row] for row in pieces])


def _engine_local(spec, arrays, needs, args, upstream, tangents, reach):
    """The step run alone by the engine on the same bits, G a leaf that requires grad.
    Returns (own, on_x, on_g):
    own[o] = the part of ∂s/∂y that the engine's own backward contributes when it is recorded
    in terms of the step's output y (exp's G ⊙ out): ∂/∂y ⟨VJP(x, G, y), Ġ⟩ over the inputs j
    with reach[j] (zeros where the rule does not use its output);
    on_x[j][i], on_g[j][o]: whether the engine's VJPⱼ depends on xᵢ (directly or through y) and
    on G_o in its graph."""
    xs = [tg.from_numpy(np.array(a)).requires_grad_(bool(n)) for a, n in zip(arrays, needs)]
    outs = [o for o in _as_list(spec.engine(*xs, **args)) if o.requires_grad]
    wrt = [x for x in xs if x.requires_grad]
    gs = [tg.from_numpy(np.array(g)).requires_grad_(True) for g in upstream]
    firsts = tg.autograd.grad(outs, wrt, gs, create_graph=True, allow_unused=True)
    on_x, on_g = [], []
    for first in firsts:
        if first is None or not first.requires_grad:
            on_x.append([False] * len(wrt))
            on_g.append([False] * len(gs))
            continue
        found = tg.autograd.grad(first.sum(), wrt + gs, retain_graph=True, allow_unused=True)
        on_x.append([f is not None for f in found[:len(wrt)]])
        on_g.append([f is not None for f in found[len(wrt):]])
    s = None
    for first, t, r in zip(firsts, tangents, reach):
        if r and first is not None and first.requires_grad:
            term = (first * tg.from_numpy(np.array(t))).sum()
            s = term if s is None else s + term
    found = [None] * len(outs)
    if s is not None and s.requires_grad:
        found = tg.autograd.grad(s, outs, allow_unused=True)
    own = [_zeros_like_value(o) if f is None else _np(f) for o, f in zip(outs, found)]
    return own, on_x, on_g


def _finite_nonzero(a):
    return bool(np.any(np.isfinite(a) & (a != 0)))


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------

class Expected:
    """Sums of PyTorch's terms per value and the errors they are allowed (policy point 2), and
    where the sum is not determined by the terms (policy, "Overflow")."""

    def __init__(self):
        self.value, self.allowed, self.infinite, self.reached = {}, {}, {}, {}

    def add(self, i, term, allowed, reached=None):
        with np.errstate(invalid="ignore", over="ignore"):  # inf + (−inf) is NaN, as ours
            self.value[i] = self.value.get(i, 0.0) + term
            self.allowed[i] = self.allowed.get(i, 0.0) + allowed
            self.infinite[i] = self.infinite.get(i, False) | np.isinf(term)
            if reached is not None:
                self.reached[i] = self.reached.get(i, False) | reached

    def check(self, i, ours, what):
        """ours against the sum of the terms: only non-finite where the sum is undetermined."""
        expected = np.asarray(self.value.get(i, np.zeros(np.shape(ours))), dtype=np.float64)
        expected = np.broadcast_to(expected, np.shape(ours)).copy()
        allowed = self.allowed.get(i, 0.0)
        loose = (np.isnan(expected) & self.infinite.get(i, False)) | self.reached.get(i, False)
        loose = np.broadcast_to(loose, np.shape(ours))
        ours = np.array(ours, dtype=np.float64)
        if loose.any():
            finite = loose & np.isfinite(ours)
            if finite.any():
                at = tuple(int(k) for k in np.argwhere(finite)[0])
                raise AssertionError(
                    f"{what}: finite ({ours[at]!r}) at {at}, where the terms overflow "
                    f"(PyTorch's sum of them there: {expected[at]!r})")
            ours[loose], expected[loose] = 0.0, 0.0
        assert_close(ours, expected, allowed, what)


def check_program(program, weights):
    """Policy points 1–4 of the module docstring for one program; raises AssertionError."""
    run = EngineRun(program, weights)
    ours = run.values
    theirs = fp.run(torch, program)

    # 1. Structure, end to end.
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert tuple(o.shape) == tuple(t.shape), \
            f"v{i}: shape {tuple(o.shape)}, PyTorch gives {tuple(t.shape)}"
        assert _dtype_name(o) == _dtype_name(t), f"v{i}: dtype {o.dtype}, PyTorch {t.dtype}"
        assert o.requires_grad == t.requires_grad, \
            f"v{i}: requires_grad {o.requires_grad}, PyTorch {t.requires_grad}"
    root = _roots(ours, theirs, program)
    run.differentiate(root)
    n_leaves = len(program.leaves)

    # 2. Stepwise, on the engine's bits.
    first, second, tangent = Expected(), Expected(), Expected()
    loss_id = len(ours) - 1
    first.add(loss_id, np.ones(()), np.zeros(()))
    # Whether jvp's tangent of a value is carried by a path at all (policy 1): a leaf's is U
    # itself; a step's output's, where a VJP uses its G and that input's tangent has a path.
    carried = {k: True for k in range(n_leaves)}
    checked_steps = 0
    for k, step in enumerate(program.steps):
        if any(root[o] != o for o in step.outputs):
            continue  # the output is an input itself: its derivatives are the input's
        spec = SPECS[step.op]
        arrays = [run.snapshots[i] for i in step.inputs]
        needs = [ours[i].requires_grad for i in step.inputs]
        outs = [o for o in step.outputs if ours[o].requires_grad]
        if not outs or not any(needs):
            continue
        wrt = [i for i, n in zip(step.inputs, needs) if n]
        positions = [p for p, n in enumerate(needs) if n]
        upstream = [run.G[o] for o in outs]
        tangents = [run.tangent[root[i]] for i in wrt]
        dtypes = {str(a.dtype) for a in arrays} | {str(run.snapshots[o].dtype) for o in outs}
        rtol, atol = spec.tolerances["float32" if "float32" in dtypes else "float64"]
        # ∂s/∂y of the engine counts the uses of y in its own step's backward (exp's G ⊙ out);
        # PyTorch's local second-order pieces count them too (y is recomputed from x there):
        # take them out of the upstream, and put them back into y's own expected sum.
        # Which terms the engine's graph has: a PyTorch term with no finite nonzero entry
        # (zeros, NaN, inf: 0 ⊙ inf along a path that is structurally zero) is dropped where
        # the engine records no such path (policy 1); a finite nonzero one never is.
        reach = [root[i] in run.reaches for i in wrt]
        own, on_x, on_g = _engine_local(spec, arrays, needs, step.args, upstream, tangents,
                                        reach)
        for o, u in zip(outs, own):
            second.add(o, u, atol * _max_abs(u) + rtol * np.abs(u))
        # Where both are infinite (overflow) the split is not determined (inf − inf): those
        # entries are left out of the upstream, and the inputs' entries they reach are only
        # required to be non-finite.
        split = [~np.isfinite(run.xbar[o]) & ~np.isfinite(u) for o, u in zip(outs, own)]
        with np.errstate(invalid="ignore"):  # (no term at all from a y s does not reach)
            xbars = [None if o in run.no_path else
                     np.where(sp, 0.0, run.xbar[o] - u).astype(run.xbar[o].dtype)
                     for o, u, sp in zip(outs, own, split)]
        reached = [False] * len(arrays)
        if any(sp.any() for sp in split):
            marks = [None if o in run.no_path else
                     np.where(sp, np.nan, 0.0).astype(run.xbar[o].dtype)
                     for o, sp in zip(outs, split)]
            found = _local_terms(spec, arrays, needs, step.args, upstream, tangents, marks)[2]
            reached = [False if f is None else ~np.isfinite(f) for f in found]
        xbar_sizes = [np.abs(run.xbar[o]) + np.abs(u) for o, u in zip(outs, own)]
        terms = _local_terms(spec, arrays, needs, step.args, upstream, tangents, xbars)
        out_shape = np.broadcast_shapes(*[np.shape(a) for a in arrays]) \
            if step.op in fp.BROADCASTING else None
        scaled = terms if out_shape is None else _local_terms(
            spec, arrays, needs, step.args, upstream, tangents, xbars, expand_to=out_shape)
        first_t, jvp_t, back_t, pieces_t = terms
        empty = any(np.size(a) == 0 for a in arrays)
        n = max([1] + [np.size(a) for a in arrays] + [np.size(run.snapshots[o]) for o in outs])

        def scales(grads):
            if empty:
                return [1.0] * len(arrays)
            return spec.grad_scales(spec, arrays, step.args, grads)

        # (a) first derivatives and the first-order part of X̄
        g_scales, x_scales = scales(upstream), scales(xbar_sizes)
        unit_scales = scales([np.ones(np.shape(g)) for g in upstream])
        for w, (i, p) in enumerate(zip(wrt, positions)):
            shape = np.shape(arrays[p])
            t = np.zeros(shape) if first_t[w] is None else first_t[w]
            first.add(root[i], t, atol * g_scales[p] + rtol * np.abs(t))
            t = np.zeros(shape) if back_t[w] is None else back_t[w]
            second.add(root[i], t, atol * x_scales[p] + rtol * np.abs(t), reached[w])
            # (c) the second-order pieces
            for j in range(len(wrt)):
                piece = pieces_t[w][j]
                if piece is None or not (reach[j] and on_x[j][w] or _finite_nonzero(piece)):
                    continue
                unit = _max_abs(*upstream) * _max_abs(tangents[j])
                big = max(unit, _max_abs(scaled[3][w][j]) if scaled[3][w][j] is not None else 0)
                second.add(root[i], piece, atol * n * big + rtol * np.abs(piece))
        # (b) tangents of the outputs
        for q, o in enumerate(outs):
            tangent.add(o, np.zeros(np.shape(run.snapshots[o])), np.zeros(()))
            for j, p in enumerate(positions):
                piece = jvp_t[j][q]
                # (a tangent is jvp's own run of the value, not a path of s: reach is not asked)
                if piece is None or not (on_g[j][q] and carried[root[wrt[j]]]
                                         or _finite_nonzero(piece)):
                    continue
                wide = scaled[1][j][q]
                big = max(_max_abs(wide) if wide is not None else 0.0,
                          _max_abs(tangents[j]) * unit_scales[p])
                tangent.add(o, piece, atol * n * big + rtol * np.abs(piece))
            carried[o] = any(on_g[j][q] and carried[root[i]] for j, i in enumerate(wrt))
        checked_steps += 1
    assert checked_steps >= 1, "no step of the program was checked"

    for i in run.ids:
        assert i in first.value, f"G of v{i}: v{i} reaches no step and is not the loss"
        assert_close(run.G[i], first.value[i], first.allowed[i], f"G (∂L/∂v{i})")
        # (the loss has no terms: s does not depend on its value)
        second.check(i, run.xbar[i], f"∂s/∂v{i} (the second derivative)")
        if i >= n_leaves:
            tangent.check(i, run.tangent[i], f"tangent of v{i} (jvp)")

    # 3. Other roads, engine against engine.
    _check_other_roads(program, weights, run, first, second)

    # 4. Nothing changed behind the graph's back.
    for i, t in enumerate(ours):
        now = t.detach().numpy()
        assert now.dtype == run.snapshots[i].dtype and np.array_equal(
            now, run.snapshots[i], equal_nan=True), f"v{i} was changed in place after it was made"
    return checked_steps


def _check_other_roads(program, weights, run, first, second):
    leaves_n = len(program.leaves)
    again = fp.run(tg, program)
    loss = again[-1]
    assert np.array_equal(_np(loss), run.snapshots[len(again) - 1], equal_nan=True)
    loss.backward(create_graph=True)
    gs = [again[k].grad for k in range(leaves_n)]
    s = None
    for k in range(leaves_n):
        assert gs[k] is not None, f"v{k}.grad: missing after backward(create_graph=True)"
        assert_close(_np(gs[k]), run.G[k], first.allowed[k], f"v{k}.grad by backward()")
        term = (gs[k] * tg.tensor(weights[k])).sum()
        s = term if s is None else s + term
        again[k].grad = None
    if s.requires_grad:
        s.backward()
    for k in range(leaves_n):
        h = again[k].grad
        h = _zeros_like_value(again[k]) if h is None else _np(h)
        assert_close(h, run.xbar[k], second.allowed[k], f"v{k}.grad by s.backward()")

    def f(*leaves):
        return fp.run(tg, program, leaves=leaves)[-1]
    out, vhp = functional.vhp(f, tuple(run.values[k] for k in range(leaves_n)),
                              tuple(tg.tensor(w) for w in weights))
    assert np.array_equal(_np(out), run.snapshots[len(again) - 1], equal_nan=True)
    for k in range(leaves_n):
        assert_close(_np(vhp[k]), run.xbar[k], second.allowed[k], f"vhp for v{k}")


# --------------------------------------------------------------------------------------------
# The reproducer
# --------------------------------------------------------------------------------------------

def reproducer(program, weights):
    """fuzz_programs' script up to the loss, then both derivatives with the exact weights."""
    lines = []
    for line in fp.reproducer(program).splitlines():
        if line.startswith("for v in [") or line.endswith(".backward()"):
            break
        lines.append(line)
    loss = f"v{program.steps[-1].outputs[-1]}"
    leaves = ", ".join(f"v{k}" for k in range(len(program.leaves)))
    for k, w in enumerate(weights):
        lines.append(f"U{k} = {fp._tensor_source(w)}")
    lines += [f"G = torch.autograd.grad({loss}, [{leaves}], create_graph=True)",
              "s = " + " + ".join(f"(G[{k}] * U{k}).sum()" for k in range(len(weights))),
              f"H_U = torch.autograd.grad(s, [{leaves}], allow_unused=True)",
              "print('loss', " + loss + ")", "print('G', G)", "print('H·U', H_U)"]
    return "\n".join(lines)


@st.composite
def programs_with_weights(draw, max_ops=fp.MAX_OPS):
    program = draw(fp.programs(max_ops=max_ops))
    weights = [draw(testing.arrays(np.shape(a), np.float64, domain=GRAD_DOMAIN),
                    label="leaf weight U") for a in program.leaves]
    return program, weights


def _ops_bucket(n):
    low = (n - 1) // 5 * 5 + 1
    return f"{low}-{low + 4}"


@_fuzz_settings
@given(case=programs_with_weights())
def test_second_derivatives_of_random_programs_match_pytorch(case):
    program, weights = case
    event(f"ops per program: {_ops_bucket(max(program.n_ops, 1))}")
    try:
        checked = check_program(program, weights)
    except Exception as failure:
        if current_build_context().is_final:  # the example Hypothesis reports: shrink it more
            by_leaf = {id(a): w for a, w in zip(program.leaves, weights)}
            smallest = fp.minimize(program, lambda p, seen=failure: _fails_like(p, by_leaf, seen))
            w = [by_leaf[id(a)] for a in smallest.leaves]
            note(f"Reproducer (fails: {_error_of(smallest, w)}):\n{reproducer(smallest, w)}")
        raise
    assert checked <= len(program.steps)


def _error_of(program, weights):
    try:
        check_program(program, weights)
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    return "passes"


def _fails_like(program, by_leaf, failure):
    try:
        check_program(program, [by_leaf[id(a)] for a in program.leaves])
    except Exception as e:
        return type(e) is type(failure) and _kind(e) == _kind(failure)
    return False


def _kind(error):
    return " ".join(w for w in str(error).split(":")[0].split() if not any(c.isdigit() for c in w))


# --------------------------------------------------------------------------------------------
# The seed's network: Hessian-vector products in all parameters
# --------------------------------------------------------------------------------------------

PARAMETERS = ("layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias")


def _seed_loss(lib, x, y):
    """The seed's loss as a function of the four parameters (for autograd.functional)."""
    functional_ = lib.nn.functional

    def loss(w1, b1, w2, b2):
        hidden = functional_.relu(functional_.linear(x, w1, b1))
        return functional_.mse_loss(functional_.linear(hidden, w2, b2), y)
    return loss


def _abs_hvp(x, y, mask, params, v):
    """HVP⁺: PyTorch's HVP of the same polynomial (ReLU pattern `mask` fixed) with every input,
    weight and direction replaced by its absolute value and the residual's subtraction by an
    addition: the sum of the magnitudes of the products the HVP adds up."""
    x, y, mask = torch.from_numpy(np.abs(x)), torch.from_numpy(np.abs(y)), torch.from_numpy(mask)

    def loss(w1, b1, w2, b2):
        hidden = mask * (x @ w1.T + b1)
        return ((hidden @ w2.T + b2 + y) ** 2).mean()
    return torch_functional.hvp(loss, tuple(torch.from_numpy(np.abs(p)) for p in params),
                                tuple(torch.from_numpy(np.abs(d)) for d in v))[1]


@st.composite
def seed_cases(draw):
    n = draw(st.integers(1, 16), label="samples")
    x = draw(testing.arrays((n, 2), np.float64, domain="moderate"), label="X")
    y = draw(testing.arrays((n, 1), np.float64, domain="moderate"), label="y")
    shapes = [(10, 2), (10,), (1, 10), (1,)]
    params = [draw(testing.arrays(s, np.float64, domain="moderate"), label=name)
              for s, name in zip(shapes, PARAMETERS)]
    v = [draw(testing.arrays(s, np.float64, domain="moderate"), label=f"V for {name}")
         for s, name in zip(shapes, PARAMETERS)]
    return x, y, params, v


@_fuzz_settings
@given(case=seed_cases())
def test_seed_network_hessian_vector_products_match_pytorch(case):
    x, y, params, v = case
    model = SimpleNN().double()
    model.load_state_dict({name: tg.from_numpy(p.copy()) for name, p in zip(PARAMETERS, params)})
    twin = seed_network.copy_to_torch(model, seed_network.SimpleNN().double())
    ours_params = [dict(model.named_parameters())[name] for name in PARAMETERS]
    their_params = [dict(twin.named_parameters())[name] for name in PARAMETERS]
    tx, ty = tg.from_numpy(x.copy()), tg.from_numpy(y.copy())
    px, py = torch.from_numpy(x.copy()), torch.from_numpy(y.copy())

    # The same ReLU pattern on both sides, or the draw is not compared (policy).
    z_ours, z_theirs = _np(model.layer1(tx)), _np(twin.layer1(px))
    same = np.array_equal(z_ours > 0, z_theirs > 0)
    event("ReLU pattern: " + ("the same" if same else "differs, not compared"))
    assume(same)

    # PyTorch: its functional.hvp on the twin's parameters.
    loss_theirs = torch.nn.MSELoss()(twin(px), py)
    f_theirs = _seed_loss(torch, px, py)
    assert f_theirs(*their_params).item() == loss_theirs.item()
    expected = [_np(h) for h in torch_functional.hvp(
        f_theirs, tuple(p.detach() for p in their_params),
        tuple(torch.from_numpy(d.copy()) for d in v))[1]]
    allowed = [1e-10 * _np(h) for h in _abs_hvp(x, y, (z_theirs > 0).astype(np.float64),
                                                  params, v)]

    # The engine, three roads: functional.hvp, functional.vhp, double backward on the module.
    loss_ours = tg.nn.MSELoss()(model(tx), ty)
    f_ours = _seed_loss(tg, tx, ty)
    assert np.array_equal(_np(f_ours(*ours_params)), _np(loss_ours))
    directions = tuple(tg.from_numpy(d.copy()) for d in v)
    roads = {"functional.hvp": functional.hvp(f_ours, tuple(ours_params), directions)[1],
             "functional.vhp": functional.vhp(f_ours, tuple(ours_params), directions)[1]}
    grads = tg.autograd.grad(loss_ours, ours_params, create_graph=True)
    dot = sum((g * d).sum() for g, d in zip(grads, directions))
    roads["double backward"] = tg.autograd.grad(dot, ours_params, allow_unused=True)
    compared = 0
    for road, found in roads.items():
        assert len(found) == len(PARAMETERS)
        for name, h, e, a in zip(PARAMETERS, found, expected, allowed):
            h = np.zeros(e.shape) if h is None else _np(h)
            assert_close(h, e, a, f"H·V in {name} by {road}")
            compared += 1
    assert compared == 3 * len(PARAMETERS)


# --------------------------------------------------------------------------------------------
# The checks catch what they are for
# --------------------------------------------------------------------------------------------

EXP_PROGRAM = fp.Program(
    leaves=[np.array([0.5, -1.25])], constants=[np.array([2.0, 3.0])],
    steps=[fp.Step("exp", (0,), {}, (2,)), fp.Step("mul", (2, 1), {}, (3,)),
           fp.Step("sum", (3,), {"dim": None, "keepdim": False}, (4,))], n_ops=1)
EXP_WEIGHTS = [np.array([1.5, -0.75])]


def test_the_check_catches_a_second_derivative_left_out(monkeypatch):
    """Record exp's backward with its saved output as a constant (first derivatives stay right,
    the second loses G ⊙ out ⊙ U): the program check must fail, at the second derivative."""
    check_program(EXP_PROGRAM, EXP_WEIGHTS)  # the real engine passes
    from tinygrad_edu import autograd

    def constant_output(node, grad):
        saved = node._saved
        node._saved = tuple(value if source is None or source[0] is not autograd.OUTPUT
                            else autograd.Tensor._wrap(value)
                            for value, source in zip(saved, node._saved_sources))
        try:
            return node.op.backward(node, grad)
        finally:
            node._saved = saved
    monkeypatch.setattr(autograd.Node, "_backward_recorded",
                        lambda node, grad: constant_output(node, grad)
                        if node._saved_sources else node.op.backward(node, grad))
    try:
        check_program(EXP_PROGRAM, EXP_WEIGHTS)
    except AssertionError as e:
        assert "second derivative" in str(e) or "tangent" in str(e), str(e)
        return
    raise AssertionError("a second derivative left out was not caught")


# v0 ** 0 (its rule records no path), 0-d log_softmax (= 0), log (1/0): the tangent of the log
# is 0 by structure in the double-vjp, NaN only in forward mode (policy, history: a sixth).
UNCARRIED_PROGRAM = fp.Program(
    leaves=[np.array(1.5)], constants=[np.array(0.0)],
    steps=[fp.Step("pow", (0,), {"exponent": 0}, (2,)),
           fp.Step("log_softmax", (2,), {"dim": 0}, (3,)), fp.Step("log", (3,), {}, (4,)),
           fp.Step("mul", (4, 1), {}, (5,)),
           fp.Step("sum", (5,), {"dim": None, "keepdim": False}, (6,))], n_ops=3)


def test_a_tangent_that_no_path_carries_is_zero(monkeypatch):
    """PyTorch's own double-vjp jvp gives the log's tangent 0 (its forward mode gives NaN); the
    engine's jvp gives 0; the check passes that, and still fails a tangent changed there."""
    def values(lib):
        def f(v0):
            v2 = v0 ** 0
            v3 = v2.log_softmax(0)
            return v2, v3, v3.log()
        return f
    for u in (0.0, 1.0):
        theirs = torch_functional.jvp(values(torch), torch.tensor(1.5, dtype=torch.float64),
                                      torch.tensor(u, dtype=torch.float64))[1]
        forward_mode = torch.func.jvp(values(torch), (torch.tensor(1.5, dtype=torch.float64),),
                                      (torch.tensor(u, dtype=torch.float64),))[1]
        ours = functional.jvp(values(tg), tg.tensor(1.5, dtype=tg.float64),
                              tg.tensor(u, dtype=tg.float64))[1]
        assert [t.item() for t in theirs] == [t.item() for t in ours] == [0.0, 0.0, 0.0]
        assert np.isnan(forward_mode[2].item())  # what the stepwise J·Ġ alone would expect
        assert check_program(UNCARRIED_PROGRAM, [np.array(u)]) == 5
    real_jvp = functional.jvp

    def jvp_with_the_log_changed(f, inputs, v):
        outs, tangents = real_jvp(f, inputs, v)  # (of v2, …, v6: the log's is the third)
        return outs, tangents[:2] + (tangents[2] + 1.0,) + tangents[3:]
    monkeypatch.setattr(functional, "jvp", jvp_with_the_log_changed)
    try:
        check_program(UNCARRIED_PROGRAM, [np.array(1.0)])
    except AssertionError as e:
        assert "tangent of v4" in str(e), str(e)
        return
    raise AssertionError("a wrong tangent of the log was not caught")


def test_the_reproducer_gives_the_engines_derivatives():
    """The printed script, run on the engine, gives the G and H·U the check saw, bit for bit."""
    run = EngineRun(EXP_PROGRAM, EXP_WEIGHTS)
    theirs = fp.run(torch, EXP_PROGRAM)
    run.differentiate(_roots(run.values, theirs, EXP_PROGRAM))
    namespace = {}
    source = reproducer(EXP_PROGRAM, EXP_WEIGHTS).replace("print(", "(lambda *a: None)(")
    exec(compile(source.replace("import tinygrad_edu as torch", ""), "<reproducer>", "exec"),
         {"torch": tg}, namespace)
    assert len(namespace["G"]) == len(namespace["H_U"]) == len(EXP_PROGRAM.leaves) == 1
    assert np.array_equal(_np(namespace["G"][0]), run.G[0])
    assert np.array_equal(_np(namespace["H_U"][0]), run.xbar[0])
    # and the second derivative is the closed form: U ⊙ W ⊙ exp(x)
    expected = EXP_WEIGHTS[0] * np.array([2.0, 3.0]) * np.exp(np.array([0.5, -1.25]))
    assert np.allclose(run.xbar[0], expected, rtol=1e-15, atol=0)
