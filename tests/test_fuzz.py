"""Differential fuzzer: random programs run on tinygrad_edu and checked against PyTorch.

Programs (tests/fuzz_programs.py).  Hypothesis draws 1 to 3 float64 leaf inputs
(``requires_grad=True``, values from the op domains of testing.DOMAINS: exact zeros, ±1 and
|x| up to 1e3 included), then 1 to 30 ops from op_specs.SPECS, each applied to any earlier
value (so values are reused and diamonds form), with the spec's own shapes and arguments:
broadcasting partners (an existing value that broadcasts, or a constant from the op's domain),
reductions with dim/keepdim, indexing with ints, slices, None, Ellipsis, integer arrays and
boolean masks, index_put, cat/stack, reshape/permute/expand, matmul, casts; empty tensors
arise from slices and masks and flow on.  A step PyTorch refuses (e.g. max over an empty dim,
or float32 @ float64, which PyTorch lets through unchecked only when an operand is empty) or
whose result would exceed 512 entries is not taken.  The program ends in one scalar: every
float value nothing consumed, times a fixed random weight of its shape, summed, and added up.
``loss.backward()`` then runs on both sides.

Comparison policy (written before the test; never loosened to make a program pass):

1. float64 throughout, as drawn; a ``cast`` op may bring float32 into a program (dtype
   promotion is then part of what is checked), and any step with a float32 input or output
   is held to op_specs' float32 tolerances, every other step to its float64 ones.
2. Structure, end to end: the engine and an independent PyTorch run of the same program
   (``fuzz_programs.run(lib, program)``) agree on every value's shape, dtype and
   requires_grad, and on which values get a gradient.
3. Every value, stepwise: each step's outputs from the engine equal PyTorch's op applied to
   bit-identical inputs (the engine's own input values, copied), within that op's op_specs
   tolerance: |ours − PyTorch| ≤ atol·scale + rtol·|PyTorch| with (rtol, atol) and the
   ``forward_scale`` of the spec; integer outputs (max/min indices) exactly; NaN, +inf and
   −inf compared by pattern (the same positions).
4. Every gradient, stepwise: every value's gradient (``retain_grad()`` on every intermediate,
   ``.grad`` on the leaves) equals the sum, over the steps that consume the value, of PyTorch's
   vector-Jacobian product of that step on bit-identical inputs and the engine's gradient of the
   step's output (the loss's gradient is 1).  Each term is allowed its op's op_specs error
   atol·grad_scale + rtol·|term|; how the tolerances compose along the program: a step is
   checked on the values it actually received, so nothing accumulates along a path, and at a
   value with several consumers the allowed errors of the terms add up (which also covers the
   rounding of the sum).  NaN and ±inf by pattern.
5. Nothing changes behind the graph's back: after backward, every value (leaves and constants
   included) still holds exactly the bits it had when it was made.

Kinks and ties.  Because each step is compared on bit-identical inputs, both sides are on the
same side of every kink, tie and pole (relu and abs at 0, clamp at a bound, maximum/max ties,
log/div at 0, overflow of exp), so no program is rejected and no value needs to be kept away
from them: kinks, ties, exact zeros, NaN and inf inside programs are fuzzed, not avoided, and
PyTorch's choice there (relu'(0) = 0, ties split or routed to the returned index) must be ours.
An end-to-end comparison of values computed separately would instead need every intermediate
to stay away from kinks by more than its accumulated rounding error; the stepwise checks 3–5
imply the end-to-end agreement wherever the program is well-conditioned.

Profiles.  The quick profile of tests/suite_settings.py (25 programs) runs in CI.  The thorough one
runs 5,000 programs: ``TINYGRAD_EDU_FUZZ=thorough python -m pytest tests/test_fuzz.py`` (this
variable sets max_examples for this test only).  ``--hypothesis-show-statistics`` shows the
ops-per-program distribution.

A failing program is printed (Hypothesis ``note``) as a short script that rebuilds the inputs
with their exact values and replays the ops with ``import tinygrad_edu as torch``; swap that
line for ``import torch`` to see PyTorch's answer.
"""

import os

import numpy as np
import torch
from hypothesis import event, given, note, settings
from hypothesis.control import current_build_context

import tinygrad_edu as tg

import fuzz_programs as fp
from op_specs import SPECS, assert_close

FUZZ_PROFILE = os.environ.get("TINYGRAD_EDU_FUZZ", "quick")
if FUZZ_PROFILE not in ("quick", "thorough"):
    raise RuntimeError(f"TINYGRAD_EDU_FUZZ={FUZZ_PROFILE!r}: expected 'quick' (default: the "
                       f"conftest profile) or 'thorough' (5,000 programs)")
THOROUGH_PROGRAMS = 5000


def _fuzz_settings(test):
    """The conftest profile, or 5,000 examples for this test when TINYGRAD_EDU_FUZZ=thorough."""
    return settings(max_examples=THOROUGH_PROGRAMS)(test) if FUZZ_PROFILE == "thorough" \
        else test


# --------------------------------------------------------------------------------------------
# Dtype names (arrays are compared by op_specs.assert_close)
# --------------------------------------------------------------------------------------------

def _dtype_name(t):
    return str(t.dtype).replace("torch.", "").replace("tinygrad_edu.", "")


def _tolerances(spec, dtypes):
    """(rtol, atol) of the spec: float32's if any input or output of the step is float32."""
    return spec.tolerances["float32" if "float32" in dtypes else "float64"]


def _as_list(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------

def check_program(program):
    """Policy points 2–5 of the module docstring for one program; raises AssertionError."""
    snapshots = {}

    def keep(i, t):
        snapshots[i] = np.array(t.detach().numpy(), copy=True)

    ours = fp.run(tg, program, on_value=keep)
    theirs = fp.run(torch, program)
    for t in ours:
        if t.grad_fn is not None:
            t.retain_grad()
    for t in theirs:
        if t.grad_fn is not None:
            t.retain_grad()

    # 2. Structure, end to end.
    for i, (o, t) in enumerate(zip(ours, theirs)):
        what = f"v{i}"
        assert tuple(o.shape) == tuple(t.shape), f"{what}: shape {tuple(o.shape)}, " \
            f"PyTorch gives {tuple(t.shape)}"
        assert _dtype_name(o) == _dtype_name(t), f"{what}: dtype {o.dtype}, PyTorch {t.dtype}"
        assert o.requires_grad == t.requires_grad, \
            f"{what}: requires_grad {o.requires_grad}, PyTorch {t.requires_grad}"
    # An op may hand back its input itself (x.to(x.dtype) is x in PyTorch): the output is then
    # the same tensor under a second id, and its gradient is the input's.
    root = list(range(len(ours)))
    for step in program.steps:
        for o in step.outputs:
            for i in step.inputs:
                assert (ours[o] is ours[i]) == (theirs[o] is theirs[i]), \
                    f"v{o}: {'is' if ours[o] is ours[i] else 'is not'} its input v{i} itself; " \
                    f"in PyTorch it {'is' if theirs[o] is theirs[i] else 'is not'}"
                if ours[o] is ours[i]:
                    root[o] = root[i]
    loss_ours, loss_theirs = ours[-1], theirs[-1]
    assert loss_ours.shape == () and loss_ours.requires_grad
    loss_ours.backward()
    loss_theirs.backward()
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if o.requires_grad:
            assert (o.grad is None) == (t.grad is None), \
                f"v{i}: gradient {'missing' if o.grad is None else 'present'}, PyTorch's not"

    # 3. Every value, stepwise; and the terms of every gradient (point 4).
    expected_grad = {len(ours) - 1: np.ones(())}
    allowed_grad = {len(ours) - 1: np.zeros(())}
    for k, step in enumerate(program.steps):
        spec = SPECS[step.op]
        arrays = [snapshots[i] for i in step.inputs]
        inputs = [torch.from_numpy(a.copy()) for a in arrays]
        for t, i in zip(inputs, step.inputs):
            t.requires_grad_(ours[i].requires_grad)
        outputs = _as_list(spec.torch(*inputs, **step.args))
        dtypes = {_dtype_name(t) for t in inputs + outputs}
        rtol, atol = _tolerances(spec, dtypes)
        expected = [t.detach().numpy() for t in outputs]
        scale = spec.forward_scale(spec, arrays, step.args, expected)
        where = f"step {k} ({fp._step_source(step).splitlines()[-1]})"
        for o, e in zip(step.outputs, expected):
            assert _dtype_name(ours[o]) == str(e.dtype), \
                f"{where}: v{o} has dtype {ours[o].dtype}, PyTorch gives {e.dtype}"
            assert_close(snapshots[o], e, atol * scale + rtol * np.abs(e), f"{where}: value v{o}")

        if any(root[o] != o for o in step.outputs):
            continue  # the output is an input itself: its gradient is checked as the input's
        differentiable = [(o, t) for o, t in zip(step.outputs, outputs) if t.requires_grad]
        wrt = [(i, t) for i, t in zip(step.inputs, inputs) if t.requires_grad]
        if not differentiable or not wrt:
            continue
        upstream = [ours[o].grad for o, _ in differentiable]
        for (o, _), g in zip(differentiable, upstream):
            assert g is not None, f"{where}: v{o} requires grad but got no gradient"
        upstream = [np.array(g.numpy(), copy=True) for g in upstream]
        terms = torch.autograd.grad([t for _, t in differentiable], [t for _, t in wrt],
                                    grad_outputs=[torch.from_numpy(g) for g in upstream],
                                    allow_unused=True)
        if any(a.size == 0 for a in arrays):
            # op_specs' scales divide by input sizes; with an empty input every gradient term
            # is a sum of nothing, exactly 0, so any scale will do.
            scales = [1.0] * len(arrays)
        else:
            scales = spec.grad_scales(spec, arrays, step.args, upstream)
        for (i, t), term, position in zip(wrt, terms, [step.inputs.index(i) for i, _ in wrt]):
            term = np.zeros(t.shape) if term is None else term.numpy().astype(np.float64)
            allowed = atol * scales[position] + rtol * np.abs(term)
            with np.errstate(invalid="ignore"):  # inf + (−inf) is NaN, as in the engine
                expected_grad[root[i]] = expected_grad.get(root[i], 0.0) + term
                allowed_grad[root[i]] = allowed_grad.get(root[i], 0.0) + allowed

    # 4. Every gradient: the engine's against the sum of PyTorch's terms.
    for i, t in enumerate(ours):
        if not t.requires_grad or root[i] != i:
            continue
        what = f"gradient of v{i}"
        assert i in expected_grad, f"{what}: v{i} reaches no step and is not the loss"
        assert t.grad is not None, f"{what}: missing"
        assert _dtype_name(t.grad) == _dtype_name(t), \
            f"{what}: dtype {t.grad.dtype}, the value is {t.dtype}"
        assert_close(t.grad.numpy(), expected_grad[i], allowed_grad[i], what)

    # 5. Nothing changed behind the graph's back.
    for i, t in enumerate(ours):
        now = t.detach().numpy()
        assert now.dtype == snapshots[i].dtype and np.array_equal(
            now, snapshots[i], equal_nan=True), f"v{i} was changed in place after it was made"


def _ops_bucket(n):
    low = (n - 1) // 5 * 5 + 1
    return f"{low}-{low + 4}"


@_fuzz_settings
@given(program=fp.programs())
def test_random_programs_match_pytorch(program):
    event(f"ops per program: {_ops_bucket(max(program.n_ops, 1))}")
    try:
        check_program(program)
    except Exception as failure:
        if current_build_context().is_final:  # the example Hypothesis reports: shrink it more
            smallest = fp.minimize(program, lambda p, seen=failure: _fails_like(p, seen))
            note(f"Reproducer (fails: {_error_of(smallest)}):\n{fp.reproducer(smallest)}")
        raise


def _error_of(program):
    try:
        check_program(program)
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    return "passes"


def _fails_like(program, failure):
    """Does the program fail with the same kind of error, at the same kind of check?"""
    try:
        check_program(program)
    except Exception as e:
        return type(e) is type(failure) and _kind(e) == _kind(failure)
    return False


def _kind(error):
    """The words of an error message before the first number or value (e.g. 'gradient of')."""
    return " ".join(w for w in str(error).split(":")[0].split() if not any(c.isdigit() for c in w))


# --------------------------------------------------------------------------------------------
# The tools the fuzzer relies on
# --------------------------------------------------------------------------------------------

@given(program=fp.programs(max_ops=8))
def test_reproducer_replays_the_program(program):
    """The printed script, run with either library, gives the values run() gives, bit for bit
    (so a printed failure is the program that failed)."""
    source = fp.reproducer(program).replace("print(", "(lambda *a: None)(")
    for lib in (tg, torch):
        namespace = {}
        exec(compile(source.replace("import tinygrad_edu as torch", ""), "<reproducer>",
                     "exec"), {"torch": lib}, namespace)
        values = fp.run(lib, program)
        for i, t in enumerate(values):
            replayed = namespace[f"v{i}"]
            a, b = np.asarray(t.detach().numpy()), np.asarray(replayed.detach().numpy())
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), \
                f"{lib.__name__}: v{i} differs between run() and the reproducer"


def test_reproducer_writes_every_form_of_slice_as_python_reads_it():
    """slice(0, None) was written "0", an int index that drops the axis: the thorough profile's
    replay found it (v0[0] of shape () where run() gave shape (1,))."""
    x = np.arange(5.0)
    bounds = (None, -6, -1, 0, 2, 6)
    forms = [slice(start, stop, step) for start in bounds for stop in bounds
             for step in (None, 1, 2)]
    for form in forms:
        source = fp._key_source((form,))
        assert np.array_equal(eval(f"x[{source}]"), x[form]), (form, source)  # noqa: S307
    assert len(forms) == 108


def test_assert_close_catches_a_wrong_value_and_a_moved_nan():
    assert_close(np.array([1.0, np.nan]), np.array([1.0 + 1e-13, np.nan]), 1e-12, "ok")
    for ours in (np.array([1.1, np.nan]), np.array([np.nan, 1.0]), np.array([1.0, np.inf])):
        try:
            assert_close(ours, np.array([1.0, np.nan]), 1e-12, "bad")
        except AssertionError:
            continue
        raise AssertionError(f"assert_close accepted {ours}")


def test_the_stepwise_check_catches_a_wrong_gradient(monkeypatch):
    """Break one backward rule (sin's) and the check must fail on a program that uses it."""
    program = fp.Program(leaves=[np.array([0.5, -1.25])], constants=[np.array([2.0, 3.0])],
                         steps=[fp.Step("sin", (0,), {}, (2,)),
                                fp.Step("mul", (2, 1), {}, (3,)),
                                fp.Step("sum", (3,), {"dim": None, "keepdim": False}, (4,))],
                         n_ops=1)
    check_program(program)  # the real rule passes
    from tinygrad_edu import more_ops
    original = more_ops.Sin.backward
    monkeypatch.setattr(more_ops.Sin, "backward",
                        staticmethod(lambda ctx, grad: 1.01 * original(ctx, grad)))
    try:
        check_program(program)
    except AssertionError as e:
        assert "gradient of v0" in str(e)
        return
    raise AssertionError("a backward rule off by 1% was not caught")
