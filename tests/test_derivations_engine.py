"""derivations/ against the engine, by op name.

(ii)  for every derivation, the engine builds the same composition from tinygrad_edu Tensors,
      runs .backward() on random float64 data, and its gradients equal the derivation's
      NumPy-callable form to 1e-10 (relative to the gradient's size);
(iii) every primitive in tinygrad_edu.primitives.PRIMITIVES has a derivation of the same name or is
      exempt (a new op without one fails the test that carries its name);
      the NumPy form computes the closed form that prove() checks (its exact branch, run on
      numbers, agrees with its float branch);
      at kinks and ties (relu′(0), |x|′(0), clamp at its bounds, max/min/maximum/minimum ties)
      the derivation's NumPy form and the engine both give PyTorch's values.
"""

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import assume, event, given
from hypothesis import strategies as st

import derivations
import tinygrad_edu as tg
from derivations import engine_bridge
from derivations.evaluate import evaluate
from tinygrad_edu.primitives import NON_DIFFERENTIABLE, PRIMITIVES

DERIVATIONS = {d.name: d for d in derivations.all_derivations()}
NAMES = sorted(DERIVATIONS)


# --------------------------------------------------------------------------------------------
# The engine's composition for each derivation, by name: the bridge's (one table for the tests
# and python -m derivations check-engine)
# --------------------------------------------------------------------------------------------

ENGINE = engine_bridge.compositions()


def engine_gradients(d, arrays, params):
    """Run the engine's composition (float64) and return its gradient for every quantity."""
    return engine_bridge.engine_gradients(d, arrays, params, "float64", ENGINE[d.name])


def assert_close(engine, formula, what):
    formula = np.asarray(formula, dtype=float)
    engine = np.asarray(engine, dtype=float)
    assert engine.shape == formula.shape, f"{what}: shapes {engine.shape} vs {formula.shape}"
    # a gradient that is 0 in exact arithmetic (softmax over one class) is rounding noise in
    # the formula: such entries compare absolutely
    scale = max(np.max(np.abs(formula), initial=0.0), engine_bridge.SCALE_FLOOR)
    np.testing.assert_allclose(engine, formula, rtol=1e-10, atol=1e-10 * scale, err_msg=what)


# --------------------------------------------------------------------------------------------
# (ii) the engine equals every derived rule
# --------------------------------------------------------------------------------------------

SIZES = st.fixed_dictionaries({name: st.integers(1, 4) for name in "nmkdho"})


def test_every_derivation_has_an_engine_composition():
    missing = [name for name in NAMES if name not in ENGINE]
    assert not missing, f"derivations with no engine composition in this test: {missing}"


@pytest.mark.parametrize("name", NAMES)
@given(seed=st.integers(0, 2 ** 32 - 1), sizes=SIZES)
def test_engine_gradient_equals_the_derived_rule(name, seed, sizes):
    d = DERIVATIONS[name]
    rng = np.random.default_rng(seed)
    ran = compared = 0
    for case in d.numeric_cases():
        ran += 1
        arrays, params = d.sample(rng, case, dims=sizes)
        if getattr(d, "loss_name", None) == "bce" and _beyond_bce_floor(d, arrays):
            event("a sample beyond BCE's floor p(1 − p) ≥ 1e-12: not compared")
            continue
        compared += 1
        if name == "cast":  # out is float32, so its gradient G arrives as float32 numbers
            arrays["G"] = arrays["G"].astype(np.float32).astype(np.float64)
        formula = d.numpy(**arrays, **params)
        engine = engine_gradients(d, arrays, params)
        for g in d.grads:
            assert_close(engine[g.wrt], formula[g.wrt],
                         f"{name} [{case.label}]: {g.quantity}")
    assert ran > 0, f"{name}: no numeric case ran (a derivation built with cases=[])"
    assume(compared > 0)


def _beyond_bce_floor(d, arrays):
    """Whether some Ŷ = σ(Z₂) of the seed network has Ŷ(1 − Ŷ) below 1e-12 (|Z₂| ≳ 27.6).
    There the engine divides by 1e-12, as PyTorch does (nn.functional's _BCE_EPSILON, compared
    with PyTorch in tests/test_extreme_values.py), and the derived rule, without that floor, by
    Ŷ(1 − Ŷ) itself."""
    yhat = d._env(False, {k: np.asarray(v, dtype=float) for k, v in arrays.items()}, {}) \
        .values["Yhat"]  # the derivation's own forward (its aux definitions)
    return bool(np.any(yhat * (1 - yhat) < 1e-12))


def test_a_learners_function_matches_the_engine():
    """derive() on a new formula: the engine computes it from the same SymPy expression."""
    d = derivations.elementwise.derive("softsign_like", "x / (1 + x**2) + exp(-x) * sin(x)")
    rng = np.random.default_rng(7)
    arrays, _ = d.sample(rng)
    a = tg.tensor(arrays["A"], requires_grad=True)
    as_engine = sp.lambdify(d.variable, d.expression, modules=[{
        "exp": lambda t: t.exp(), "sin": lambda t: t.sin()}])
    (as_engine(a) * tg.tensor(arrays["G"])).sum().backward()
    assert_close(a.grad.numpy(), d.numpy(**arrays)["A"], "softsign_like")
    assert d.prove().ok


# --------------------------------------------------------------------------------------------
# (iii) every primitive op has a derivation of the same name
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("op_name", sorted(PRIMITIVES))
def test_primitive_has_a_derivation(op_name):
    assert op_name in DERIVATIONS or op_name in derivations.EXEMPT, (
        f"the primitive op {op_name!r} (tinygrad_edu/ops.py) has no derivation in "
        f"derivations/ and is not exempt: add one under the same name")
    if op_name in DERIVATIONS:
        assert DERIVATIONS[op_name].kind == "op"


def test_the_exempt_list_is_the_engines():
    assert set(derivations.EXEMPT) == set(NON_DIFFERENTIABLE), (
        "derivations.EXEMPT must list exactly tinygrad_edu.primitives.NON_DIFFERENTIABLE")
    assert all(reason for reason in derivations.EXEMPT.values())


def test_every_op_derivation_names_a_primitive():
    stale = [d.name for d in DERIVATIONS.values() if d.kind == "op" and d.name not in PRIMITIVES]
    assert not stale, f"op derivations whose op is not in PRIMITIVES: {stale}"


# --------------------------------------------------------------------------------------------
# The NumPy form computes the proved closed form
# --------------------------------------------------------------------------------------------

def _as_sympy_numbers(array):
    if array.dtype == np.bool_:
        return np.vectorize(lambda v: sp.Integer(int(v)), otypes=[object])(array)
    return np.vectorize(lambda v: sp.Float(float(v), 30), otypes=[object])(array)


@pytest.mark.parametrize("name", NAMES)
def test_numpy_form_is_the_proved_closed_form(name):
    """The exact branch of the evaluator (what prove() checks), run on SymPy numbers, gives the
    float branch's numbers (what numpy() and the tests above use)."""
    d = DERIVATIONS[name]
    rng = np.random.default_rng(2024)
    ran = 0
    for case in d.numeric_cases():
        ran += 1
        arrays, params = d.sample(rng, case)
        floats = d.numpy(**arrays, **params)
        exact_env = d._env(True, {k: _as_sympy_numbers(v) for k, v in arrays.items()}, params)
        for g in d.grads:
            exact = np.asarray(evaluate(g.closed_form, exact_env), dtype=object)
            exact = np.array([complex(sp.N(v, 20)).real for v in exact.flat]).reshape(exact.shape)
            assert_close(floats[g.wrt].reshape(-1), exact.reshape(-1),
                         f"{name} [{case.label}] {g.quantity}: float vs exact branch")
    assert ran > 0, f"{name}: no numeric case ran"


# --------------------------------------------------------------------------------------------
# Kinks and ties: PyTorch's choice, for both the derivation's NumPy form and the engine
# --------------------------------------------------------------------------------------------

def _torch_grad(fn, *arrays, upstream):
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    (fn(*tensors) * torch.tensor(upstream, dtype=torch.float64)).sum().backward()
    return [t.grad.numpy() for t in tensors]


KINKS = [
    # (name, arrays, params, torch function of the tensors, upstream shape from out)
    ("relu", {"A": np.array([[-1.0, 0.0, 2.0]])}, {}, lambda a: torch.relu(a)),
    ("abs", {"A": np.array([[-1.5, 0.0, 2.0]])}, {}, lambda a: torch.abs(a)),
    ("clamp", {"A": np.array([[-0.5, 0.7, 0.1, -2.0, 3.0]])}, {"lo": -0.5, "hi": 0.7},
     lambda a: torch.clamp(a, -0.5, 0.7)),
    ("clamp", {"A": np.array([[0.3, 0.0, 1.0]])}, {"lo": None, "hi": 0.3},
     lambda a: torch.clamp(a, max=0.3)),
    ("maximum", {"A": np.array([[1.0, 2.0, -3.0]]), "B": np.array([[1.0, 0.0, -3.0]])}, {},
     lambda a, b: torch.maximum(a, b)),
    ("minimum", {"A": np.array([[1.0, 2.0, -3.0]]), "B": np.array([[1.0, 0.0, -3.0]])}, {},
     lambda a, b: torch.minimum(a, b)),
    ("max", {"A": np.array([[1.0, 3.0, 3.0], [0.0, 3.0, 2.0]])}, {"dim": None, "kind": "max"},
     lambda a: a.max()),
    ("min", {"A": np.array([[1.0, -3.0, 3.0], [-3.0, 3.0, 2.0]])}, {"dim": None, "kind": "min"},
     lambda a: a.min()),
    ("max", {"A": np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])}, {"dim": 1, "kind": "max"},
     lambda a: a.max(dim=1).values),
    ("min", {"A": np.array([[1.0, 1.0, 3.0], [5.0, 2.0, 2.0]])},
     {"dim": 1, "keepdim": True, "kind": "min"}, lambda a: a.min(dim=1, keepdim=True).values),
]


@pytest.mark.parametrize("name, arrays, params, torch_fn", KINKS,
                         ids=[f"{k[0]}-{i}" for i, k in enumerate(KINKS)])
def test_kinks_and_ties_follow_pytorch(name, arrays, params, torch_fn):
    d = DERIVATIONS[name]
    inputs = [op.name for op in d.operands if op.role == "input"]
    with torch.no_grad():
        out = torch_fn(*[torch.tensor(arrays[k], dtype=torch.float64) for k in inputs])
    upstream = np.arange(1.0, out.numel() + 1.0).reshape(tuple(out.shape))
    expected = _torch_grad(torch_fn, *[arrays[k] for k in inputs], upstream=upstream)
    formula = d.numpy(**arrays, G=upstream, **params)
    engine = engine_gradients(d, {**arrays, "G": upstream}, params)
    for k, want in zip(inputs, expected):
        np.testing.assert_array_equal(formula[k], want, err_msg=f"{name}: derivation vs torch")
        np.testing.assert_array_equal(engine[k], want, err_msg=f"{name}: engine vs torch")


def test_sqrt_at_zero_is_infinite_like_pytorch():
    d = DERIVATIONS["sqrt"]
    a, g = np.array([[0.0, 4.0]]), np.array([[1.0, 1.0]])
    with np.errstate(divide="ignore"):
        formula = d.numpy(A=a, G=g)["A"]
    (want,) = _torch_grad(torch.sqrt, a, upstream=g)
    np.testing.assert_array_equal(formula, want)
