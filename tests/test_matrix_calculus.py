"""derivations/matrix_calculus.py: gradients derived from the forward expression by differentials
(dL = tr(Gᵀ dV)), with a rule table of general axioms only.

What is checked, and against what:
    * the rule table names no op (tinygrad_edu.primitives, and every derivation's name);
    * each derived gradient of a seed primitive equals the hand-written rule in derivations/
      (NumPy, three shapes whose dimensions are pairwise distinct);
    * both equal the entry-by-entry truth: SymPy differentiating the scalar ⟨G, out⟩ (or the
      loss) built entry by entry by the registry's own forward definition, exactly;
    * the MLP chain: all 30 configurations equal the hand-written chain numerically at three
      shapes with n, d, h, o pairwise distinct; two are proved entry by entry at n, d, h, o =
      5, 2, 4, 3 against a loss built here, entry by entry (all 30 under the thorough profile);
    * a broken axiom is caught (the transposes of the cyclic-trace step, the kink convention);
    * python -m derivations mlp … --derive: the chain step by step, lines of ≤ 100 characters,
      and bad arguments named under mlp's usage with exit 2.
"""

import os
import re
import subprocess
import sys
import pathlib

import numpy as np
import pytest
import sympy as sp

from derivations import matrix_calculus as mc
from derivations import mlp, registry
from derivations.__main__ import main
from derivations.core import random_array, symbolic_array
from derivations.evaluate import Env, evaluate

ROOT = pathlib.Path(__file__).resolve().parents[1]
THOROUGH = os.environ.get("TINYGRAD_EDU_PROFILE") == "thorough"
# the one chain the default profile proves at random points: tanh into softmax cross-entropy
DEFAULT_CHAIN = ("tanh", "softmax", "cross_entropy", "mean")
REGISTRY_NAME = {"sum_rows": "sum", "mean_rows": "mean"}  # the rest share the registry's name
# Three sets of sizes; within each, the dimensions a primitive uses are pairwise distinct.
DIMS = [{"n": 5, "k": 4, "m": 3, "d": 2, "o": 3},
        {"n": 2, "k": 3, "m": 4, "d": 5, "o": 4},
        {"n": 3, "k": 5, "m": 2, "d": 4, "o": 2}]
CHAIN_SIZES = [{"n": 5, "d": 2, "h": 4, "o": 3}, {"n": 2, "d": 5, "h": 3, "o": 4},
               {"n": 4, "d": 3, "h": 2, "o": 5}]


def _op_names():
    from tinygrad_edu.primitives import NON_DIFFERENTIABLE, PRIMITIVES
    names = set(PRIMITIVES) | set(NON_DIFFERENTIABLE)
    names |= {d.name for d in registry.all_derivations(
        [t for t in registry.TOPICS if t != "mlp"])}
    return names


def _mentions(text, name):
    """name as a word of text (letters and digits around it do not count as the word; _ does
    not join words, so chain_entrywise does not hide 'chain')."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", text,
                     re.IGNORECASE) is not None


def _op_names_in_rules(rules):
    names = _op_names()
    return sorted({(rule.key, name) for rule in rules.values() for name in names
                   for text in (rule.key, rule.name, rule.statement) if _mentions(text, name)})


# --------------------------------------------------------------------------------------------
# The rule table: axioms, no op's backward rule
# --------------------------------------------------------------------------------------------

def test_the_rule_table_names_no_op():
    names = _op_names()
    assert len(names) >= 50 and {"matmul", "linear", "mse", "relu", "sum", "mean"} <= names
    assert len(mc.RULES) == 18
    assert _op_names_in_rules(mc.RULES) == []


def test_the_op_name_check_would_see_an_op_rule():
    bad = dict(mc.RULES)
    bad["x"] = mc.Rule("x", "backward of matmul", "∂L/∂A = G Bᵀ")
    bad["y"] = mc.Rule("y", "the Linear layer", "Z = X Wᵀ + 𝟏 bᵀ")
    bad["z"] = mc.Rule("mse_grad", "loss", "(2/(n·o)) (Ŷ − Y)")
    assert _op_names_in_rules(bad) == [("mse_grad", "mse"), ("x", "matmul"), ("y", "linear")]


def test_the_tree_has_no_node_named_after_an_op():
    nodes = [mc.Leaf, mc.Ones, mc.Named, mc.Transpose, mc.Product, mc.Plus, mc.Scaled,
             mc.Hadamard, mc.Elementwise, mc.Total, mc.D, mc.Adjoint]
    names = _op_names()
    assert [n.__name__ for n in nodes if any(_mentions(n.__name__, o) for o in names)] == []


def test_every_rule_in_the_table_is_used_by_some_derivation():
    """The table is the axioms the derivations use: none is dead weight."""
    used = set()
    derivations = [mc.primitive(name).derived() for name in mc.PRIMITIVES]
    derivations += [mc.mlp_derived(h, o, loss) for h in mlp.HIDDEN
                    for o, loss in mlp.COMBINATIONS]
    for derived in derivations:
        for step in derived.steps:
            used |= step.note.rules
            used |= {r for c in step.contributions for s in c.stages for r in s.rules}
    assert len(derivations) == 29 + 15
    assert used | {"scalar_trace", "identification"} == set(mc.RULES)


# --------------------------------------------------------------------------------------------
# Seed primitives: derived = hand-written (NumPy), and both = the truth (exact)
# --------------------------------------------------------------------------------------------

def _shapes(d, name, dims):
    out = {}
    for op in d.operands:
        if op.shape is not None:
            out[op.name] = tuple(dims[s] for s in op.shape)
        elif op.name == "A":
            out[op.name] = (dims["n"], dims["m"])
        else:  # G of a reduction: a scalar (all entries) or one per row
            out[op.name] = (dims["n"],) if name.endswith("_rows") else ()
    return out


def test_each_primitive_derived_equals_its_hand_written_rule_at_three_shapes():
    rng = np.random.default_rng(13)
    checked = 0
    for name in mc.PRIMITIVES:
        form = mc.primitive(name)
        derived = form.derived()
        d = registry.get(REGISTRY_NAME.get(name, name))
        for dims in DIMS:
            shapes = _shapes(d, name, dims)
            arrays = {op.name: random_array(op, shapes[op.name], rng) for op in d.operands}
            expected = d.numpy(**arrays, **form.params)
            got = derived.evaluate(arrays)
            assert set(got) == set(expected), (name, set(got), set(expected))
            for wrt, value in expected.items():
                assert got[wrt].shape == value.shape, (name, wrt, dims)
                np.testing.assert_allclose(got[wrt], value, rtol=1e-10, atol=1e-12,
                                           err_msg=f"{name} ∂L/∂{wrt} at {dims}")
                checked += 1
    assert checked == 3 * 42


def _handwritten_exact(d, values, params):
    """The hand-written closed forms on arrays of symbols (as Derivation.prove evaluates them)."""
    env = Env(exact=True, params={**d.params, **params})
    for op in d.operands:
        env.bind(op.symbol, values[op.name])
    for symbol, expr, _ in d.aux:
        env.bind(symbol, evaluate(expr, env))
    return {g.wrt: np.asarray(evaluate(g.closed_form, env), dtype=object) for g in d.grads}


def test_each_primitive_derived_and_hand_written_equal_the_entry_by_entry_truth():
    """Truth: SymPy's derivative of Σ G ⊙ forward(A, …) (the registry's own forward, written
    entry by entry), at n, m, k = 3, 2, 4 (n, d, o = 3, 2, 4), kinks as 0/1 mask symbols."""
    dims = {"n": 3, "m": 2, "k": 4, "d": 2, "o": 4}
    entries = 0
    for name in mc.PRIMITIVES:
        form = mc.primitive(name)
        d = registry.get(REGISTRY_NAME.get(name, name))
        shapes = _shapes(d, name, dims)
        values = {op.name: symbolic_array(op, shapes[op.name]) for op in d.operands}
        out = d.forward(values, form.params)
        loss = sp.sympify(out if d.method == "loss"
                          else np.sum(values["G"] * np.asarray(out, dtype=object)))
        derived = form.derived().evaluate(values, exact=True)
        handwritten = _handwritten_exact(d, values, form.params)
        masks = {}
        for g in d.grads:
            variables = values[g.wrt]
            sides = {"derived": np.asarray(derived[g.wrt]).reshape(variables.shape),
                     "hand-written": np.asarray(handwritten[g.wrt]).reshape(variables.shape)}
            for index in np.ndindex(variables.shape):
                truth = mc.on_every_piece(sp.diff(loss, variables[index]), masks)
                for side, value in sides.items():
                    residual = mc.on_every_piece(value[index], masks) - truth
                    assert mc.is_exact_zero(residual), (name, side, g.wrt, index, residual)
                    entries += 1
    assert entries == 2 * 352


def _finite_differences(loss, values, wrt, eps=1e-6):
    """Central differences of L, evaluated in NumPy from the forward expression (no SymPy)."""
    out = np.zeros(np.shape(values[wrt]))
    for index in np.ndindex(out.shape):
        plus, minus = dict(values), dict(values)
        plus[wrt] = np.array(values[wrt], dtype=float)
        minus[wrt] = np.array(values[wrt], dtype=float)
        plus[wrt][index] += eps
        minus[wrt][index] -= eps
        up = mc.Environment(plus).evaluate(loss).item()
        down = mc.Environment(minus).evaluate(loss).item()
        out[index] = (up - down) / (2 * eps)
    return out


def test_each_primitive_and_chain_derived_agrees_with_finite_differences():
    """Independent of SymPy altogether: the forward expression evaluated in NumPy, perturbed."""
    rng = np.random.default_rng(21)
    checked = 0
    for name in mc.PRIMITIVES:
        form = mc.primitive(name)
        d = registry.get(REGISTRY_NAME.get(name, name))
        shapes = _shapes(d, name, DIMS[0])
        values = {op.name: random_array(op, shapes[op.name], rng) for op in d.operands}
        for wrt, value in form.derived().evaluate(values).items():
            np.testing.assert_allclose(value, _finite_differences(form.loss, values, wrt)
                                       .reshape(value.shape), rtol=1e-5, atol=1e-7,
                                       err_msg=f"{name} ∂L/∂{wrt}")
            checked += 1
    for hidden in mlp.HIDDEN:
        for output, loss in mlp.COMBINATIONS:
            loss_tree = mc.mlp(hidden, output, loss)
            values = mc.mlp_sample(loss, CHAIN_SIZES[0], rng)
            derived = mc.derive(loss_tree).evaluate(values)
            for wrt in ("W1", "b1", "W2", "b2"):
                np.testing.assert_allclose(derived[wrt], _finite_differences(
                    loss_tree, values, wrt), rtol=1e-5, atol=1e-7, err_msg=f"{hidden} {output} "
                    f"{loss} ∂L/∂{wrt}")
                checked += 1
    assert checked == 42 + 15 * 4


def test_scale_factors_keep_their_dimensions():
    """MSE's 2/(n·o), cross-entropy's 1/n: symbolic in the derived text, numbers at n ≠ o."""
    texts = {name: mc.render(mc.primitive(name).derived().gradients["Yhat"])
             for name in ("mse", "mse_sum", "cross_entropy", "cross_entropy_sum")}
    assert texts == {"mse": "(2/(n·o)) (Ŷ − Y)", "mse_sum": "2 (Ŷ − Y)",
                     "cross_entropy": "(−1/n) (Y ⊘ Ŷ)", "cross_entropy_sum": "−(Y ⊘ Ŷ)"}


def test_shapes_are_checked_as_the_tree_is_built():
    A, B = mc.Leaf("A", "n", "k"), mc.Leaf("B", "m", "k")
    with pytest.raises(mc.MatrixCalculusError, match="inner dimensions k and m differ"):
        A @ B
    with pytest.raises(mc.MatrixCalculusError, match="n×k but B is m×k"):
        A + B
    derived = mc.primitive("linear").derived()
    assert {k: v.shape for k, v in derived.gradients.items()} == {
        "X": ("n", "d"), "W": ("o", "d"), "b": ("o", 1)}


def test_relu_passes_no_gradient_at_its_kink_as_pytorch():
    """relu′(0) = 0 (Heaviside(x, 0)): SymPy's own Heaviside(0) = ½ would give G/2 there."""
    derived = mc.primitive("relu").derived()
    a = np.array([[0.0, 1.5, -2.0], [0.0, -0.0, 3.0]])
    g = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(derived.evaluate({"A": a, "G": g})["A"],
                                  [[0.0, 2.0, 0.0], [0.0, 0.0, 6.0]])
    np.testing.assert_array_equal(registry.get("relu").numpy(A=a, G=g)["A"],
                                  [[0.0, 2.0, 0.0], [0.0, 0.0, 6.0]])


def test_f_prime_in_terms_of_the_output_matches_finite_differences():
    """σ′ = q(σ) and tanh′ = q(tanh), with q found by SymPy: checked numerically, not by SymPy."""
    checked = 0
    for f, expected in ((1 / (1 + sp.exp(-mc.x)), "y·(1 − y)"), (sp.tanh(mc.x), "1 − y^2")):
        function = mc.ScalarFunction(f)
        q = function.derivative().in_terms_of_output(function)
        assert mc._sstr(q) == expected
        points = np.linspace(-3, 3, 13)
        value = sp.lambdify(mc.x, f)
        slope = (value(points + 1e-6) - value(points - 1e-6)) / 2e-6
        np.testing.assert_allclose(sp.lambdify(mc.y, q)(value(points)), slope, rtol=1e-7)
        checked += len(points)
    assert checked == 26


# --------------------------------------------------------------------------------------------
# The MLP chain
# --------------------------------------------------------------------------------------------

def test_every_chain_derived_equals_the_hand_written_chain_at_three_shapes():
    rng = np.random.default_rng(5)
    checked = 0
    for hidden in mlp.HIDDEN:
        for output, loss in mlp.COMBINATIONS:
            for reduction in mlp.REDUCTIONS:
                derived = mc.mlp_derived(hidden, output, loss, reduction)
                chain = mlp.chain(hidden, output, loss, reduction)
                for sizes in CHAIN_SIZES:
                    assert len(set(sizes.values())) == 4
                    values = mc.mlp_sample(loss, sizes, rng)
                    differences = mc.compare_with_chain(derived, chain, values)
                    assert set(differences) == {"W1", "b1", "W2", "b2", "Yhat", "Z2", "H1",
                                                "Z1"}
                    worst = max(differences, key=differences.get)
                    assert differences[worst] < 1e-10, (chain.name, sizes, worst)
                    checked += 1
    assert checked == 30 * 3


def _chain_truth(hidden, output, loss, reduction, values):
    """The loss built here entry by entry from the definitions, independent of both sides."""
    f = {"relu": lambda z: sp.Max(0, z), "tanh": sp.tanh,
         "sigmoid": lambda z: 1 / (1 + sp.exp(-z))}
    entrywise = {k: np.vectorize(v, otypes=[object]) for k, v in f.items()}
    log = np.vectorize(sp.log, otypes=[object])
    Z1 = values["X"].dot(values["W1"].T) + values["b1"]
    Z2 = entrywise[hidden](Z1).dot(values["W2"].T) + values["b2"]
    if output == "identity":
        Yhat = Z2
    elif output == "sigmoid":
        Yhat = entrywise["sigmoid"](Z2)
    else:
        E = np.vectorize(sp.exp, otypes=[object])(Z2)
        Yhat = E / E.sum(axis=1, keepdims=True)
    Y = values["Y"]
    n, o = Y.shape
    terms = {"mse": (Yhat - Y) ** 2, "bce": -(Y * log(Yhat) + (1 - Y) * log(1 - Yhat)),
             "cross_entropy": -(Y * log(Yhat))}[loss]
    scale = 1 if reduction == "sum" else sp.Rational(1, n if loss == "cross_entropy" else n * o)
    return scale * np.sum(terms)


def _symbols(name, shape, distribution=False):
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        out[index] = sp.Symbol(f"{name}_{''.join(map(str, index))}", real=True)
    if distribution:  # rows of Y sum to 1, which the hand-written softmax-CE rule needs
        out[:, -1] = 1 - np.sum(out[:, :-1], axis=1)
    return out


def _prove_chain(hidden, output, loss, reduction, sizes, vanishes=mc.is_exact_zero):
    n, d, h, o = (sizes[k] for k in "ndho")
    values = {"X": _symbols("x", (n, d)), "W1": _symbols("w", (h, d)),
              "b1": _symbols("b", (h,)), "W2": _symbols("v", (o, h)),
              "b2": _symbols("c", (o,)), "Y": _symbols("y", (n, o), loss == "cross_entropy")}
    loss_value = _chain_truth(hidden, output, loss, reduction, values)
    derived = mc.mlp_derived(hidden, output, loss, reduction).evaluate(values, exact=True)
    chain = mlp.chain(hidden, output, loss, reduction)
    handwritten = _handwritten_exact(chain, values, {})
    masks, entries = {}, 0
    for name in ("W2", "b2", "W1", "b1"):
        variables = values[name]
        for index in np.ndindex(variables.shape):
            truth = mc.on_every_piece(sp.diff(loss_value, variables[index]), masks)
            for side in (derived[name], handwritten[name]):
                value = np.asarray(side).reshape(variables.shape)[index]
                residual = mc.on_every_piece(value, masks) - truth
                assert vanishes(residual), (chain.name, name, index)
                entries += 1
    return entries


def test_the_done_means_chain_derived_and_hand_written_equal_the_truth_at_5_2_4_3():
    """n, d, h, o = 5, 2, 4, 3: ∂L/∂W₂, ∂L/∂b₂, ∂L/∂W₁, ∂L/∂b₁ entry by entry, both sides."""
    assert _prove_chain("relu", "identity", "mse", "mean", {"n": 5, "d": 2, "h": 4, "o": 3}) \
        == 2 * (3 * 4 + 3 + 4 * 2 + 4)


def test_a_tanh_chain_with_a_sum_derived_and_hand_written_equal_the_truth():
    """n, d, h, o = 4, 1, 3, 2 (pairwise distinct, small: tanh entries are slower)."""
    assert _prove_chain("tanh", "identity", "mse", "sum", {"n": 4, "d": 1, "h": 3, "o": 2}) \
        == 2 * (2 * 3 + 2 + 3 * 1 + 3)


def test_every_chain_derived_and_hand_written_equal_the_truth():
    """At n, d, h, o = 5, 2, 4, 3: all 30 chains under TINYGRAD_EDU_PROFILE=thorough (about 5
    minutes), one (tanh, softmax cross-entropy, mean) by default.  Expanding the sigmoid and
    softmax chains takes minutes each, so the residuals are evaluated in exact rationals at
    random points instead (mc.vanishes_at_random_points: the Schwartz–Zippel bound makes a pass
    by a wrong formula less likely than 1e-20)."""
    rng = np.random.default_rng(2026)
    chains = [(hidden, output, loss, reduction) for hidden in mlp.HIDDEN
              for output, loss in mlp.COMBINATIONS for reduction in mlp.REDUCTIONS]
    if not THOROUGH:
        chains = [c for c in chains if c == DEFAULT_CHAIN]
    for hidden, output, loss, reduction in chains:
        entries = _prove_chain(hidden, output, loss, reduction,
                               {"n": 5, "d": 2, "h": 4, "o": 3},
                               lambda r: mc.vanishes_at_random_points(r, rng))
        assert entries == 2 * 27
    assert len(chains) == (30 if THOROUGH else 1)


def test_the_random_point_check_sees_a_wrong_scale_and_passes_identities():
    """1/o for 1/n in a chain's ∂L/∂W₂ is caught; e^z e^(−z) = 1 and σ′ = σ(1 − σ) pass."""
    rng = np.random.default_rng(1)
    z = sp.Symbol("z", real=True)
    s = 1 / (1 + sp.exp(-z))
    assert mc.vanishes_at_random_points(sp.exp(z) * sp.exp(-z) - 1, rng)
    assert mc.vanishes_at_random_points(sp.diff(s, z) - s * (1 - s), rng)
    assert not mc.vanishes_at_random_points(sp.diff(s, z) - s * (1 + s), rng)
    sizes = {"n": 4, "d": 1, "h": 3, "o": 2}
    n, o = sizes["n"], sizes["o"]

    values = {"X": _symbols("x", (n, 1)), "W1": _symbols("w", (3, 1)), "b1": _symbols("b", (3,)),
              "W2": _symbols("v", (o, 3)), "b2": _symbols("c", (o,)),
              "Y": _symbols("y", (n, o), True)}
    loss = _chain_truth("relu", "softmax", "cross_entropy", "mean", values)
    derived = mc.mlp_derived("relu", "softmax", "cross_entropy", "mean").evaluate(values, True)
    masks = {}
    truth = mc.on_every_piece(sp.diff(loss, values["W2"][0, 0]), masks)
    right = mc.on_every_piece(derived["W2"][0, 0], masks)
    assert mc.vanishes_at_random_points(right - truth, rng)
    # 1/o in place of 1/n leaves (n/o − 1)·gradient
    assert not mc.vanishes_at_random_points(right * sp.Rational(n, o) - truth, rng)


def test_the_derived_chain_reads_as_the_textbook_rules():
    derived = mc.mlp_derived("relu", "identity", "mse", "mean")
    text = {name: mc.render(derived.gradient(name)) for name in ("W2", "b2", "W1", "b1")}
    assert text == {"W2": "(∂L/∂Z₂)ᵀ H₁", "b2": "(∂L/∂Z₂)ᵀ 𝟏", "W1": "(∂L/∂Z₁)ᵀ X",
                    "b1": "(∂L/∂Z₁)ᵀ 𝟏"}
    named = {s.node.text: mc.render(s.gradient) for s in derived.steps[1:]}
    assert named == {"Ŷ": "(2/(n·o)) (Ŷ − Y)", "Z₂": "∂L/∂Ŷ", "H₁": "(∂L/∂Z₂) W₂",
                     "Z₁": "∂L/∂H₁ ⊙ [Z₁ > 0]"}
    assert mc.render(derived.expanded("W1")) == "(2/(n·o)) (((Ŷ − Y) W₂) ⊙ [Z₁ > 0])ᵀ X"
    assert mc.render(derived.expanded("W2")) == "(2/(n·o)) (Ŷ − Y)ᵀ H₁"


# --------------------------------------------------------------------------------------------
# A broken axiom is caught
# --------------------------------------------------------------------------------------------

def _no_transposes(M, before, after):
    """The cyclic-trace step with its transposes dropped: P₁ M P₂ instead of P₁ᵀ M P₂ᵀ."""
    return mc.Product(*before, M, *after) if before or after else M


def test_dropping_the_transposes_of_the_trace_step_is_caught(monkeypatch):
    monkeypatch.setattr(mc, "_pull_product", _no_transposes)
    caught = 0
    for name in ("matmul", "linear", "add", "mse", "softmax"):
        with pytest.raises(mc.MatrixCalculusError, match="inner dimensions"):
            mc.primitive(name).derived()
        caught += 1
    with pytest.raises(mc.MatrixCalculusError, match="inner dimensions"):
        mc.mlp_derived()
    assert caught == 5


def test_dropping_the_transpose_of_tr_of_a_transpose_is_caught(monkeypatch):
    """tr(Mᵀ dWᵀ) = tr(M dW) read as tr(Mᵀ dW): a shape error where d ≠ o, and where the
    shapes fit (a square W, d = o) wrong numbers against the hand-written Linear rule."""
    monkeypatch.setattr(mc, "_pull_transpose", lambda M: M)
    with pytest.raises(mc.MatrixCalculusError, match="identification: ∂L/∂W"):
        mc.primitive("linear").derived()
    X, W = mc.Leaf("X", "n", "d"), mc.Leaf("W", "d", "d")
    b = mc.Leaf("b", "d", 1, const=True, vector=True)
    G = mc.Leaf("G", "n", "d", const=True)
    derived = mc.derive(mc.Total(mc.Hadamard(G, X @ W.T + mc.Ones("n", 1) @ b.T)))
    rng = np.random.default_rng(0)
    values = {"X": rng.normal(size=(5, 3)), "W": rng.normal(size=(3, 3)),
              "b": rng.normal(size=3), "G": rng.normal(size=(5, 3))}
    expected = registry.get("linear").numpy(**values)
    got = derived.evaluate(values)
    np.testing.assert_allclose(got["X"], expected["X"])  # no transpose step on this path
    assert not np.allclose(got["W"], expected["W"])


def test_the_kink_convention_is_what_the_kink_test_sees(monkeypatch):
    """Taking SymPy's default Heaviside(0) = ½ (no kink convention) is caught at A = 0."""
    derived = mc.derive(mc.Total(mc.Hadamard(mc.Leaf("G", "n", "m", const=True),
                                             mc.Elementwise(mc.ScalarFunction(
                                                 sp.Max(0, mc.x), "relu", "call"),
                                                 mc.Leaf("A", "n", "m")))))
    value = derived.evaluate({"A": np.zeros((2, 3)), "G": np.ones((2, 3))})["A"]
    assert np.all(value == 0.5)  # what the convention exists to prevent


# --------------------------------------------------------------------------------------------
# python -m derivations mlp … --derive
# --------------------------------------------------------------------------------------------

DONE = ["mlp", "--hidden", "relu", "--output", "identity", "--loss", "mse", "--derive"]


def test_the_done_means_command_prints_the_derived_chain(capsys):
    assert main(DONE) == 0
    out = capsys.readouterr().out
    lines = out.rstrip("\n").split("\n")
    assert max(map(len, lines)) <= 100, max(lines, key=len)
    assert "L = mean((relu(X W₁ᵀ + 𝟏 b₁ᵀ) W₂ᵀ + 𝟏 b₂ᵀ − Y)^∘2)" in out
    steps = [line for line in lines if re.match(r"  \d\. ", line)]
    assert [s.split(" = ")[0].strip() for s in steps] == ["1. L", "2. Ŷ", "3. Z₂", "4. H₁",
                                                          "5. Z₁"]
    for expected in ("⇒ ∂L/∂Ŷ = (2/(n·o)) (Ŷ − Y)   (n×o)   [identification]",
                     "⇒ ∂L/∂W₂ = Gᵀ H₁ = (∂L/∂Z₂)ᵀ H₁   (o×h)   [identification]",
                     "⇒ ∂L/∂b₂ = Gᵀ 𝟏 = (∂L/∂Z₂)ᵀ 𝟏   (o)   [identification]",
                     "⇒ ∂L/∂Z₁ = G ⊙ [Z₁ > 0] = ∂L/∂H₁ ⊙ [Z₁ > 0]   (n×h)",
                     "⇒ ∂L/∂W₁ = Gᵀ X = (∂L/∂Z₁)ᵀ X   (h×d)   [identification]",
                     "dZ₁ = X dW₁ᵀ + 𝟏 db₁ᵀ", "= tr((Gᵀ X)ᵀ dW₁)   [trace of a transpose",
                     "f(x) = Max(0, x), f′(x) = Heaviside(x, 0)",
                     "check: equals the hand-written chain (derivations/mlp.py) at n, d, h, o = "
                     "5, 2, 4, 3"):
        assert expected in out, expected
    rule_lines = [line for line in lines if "[" in line and "]" in line]
    assert len(rule_lines) >= 25


def test_the_done_means_command_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "derivations", *DONE], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "⇒ ∂L/∂W₂ = Gᵀ H₁ = (∂L/∂Z₂)ᵀ H₁" in result.stdout and result.stderr == ""


BAD = [
    (["mlp", "--derive", "--latex"], ["--derive", "--latex"]),
    (["mlp", "--derive=yes"], ["--derive", "ignored explicit argument 'yes'"]),
    (["mlp", "--derive", "--hidden", "gelu"], ["--hidden", "'gelu'", "relu, tanh, sigmoid"]),
    (["mlp", "--derive", "--output", "identity", "--loss", "bce"], ["refused"]),
    (["mlp", "--derive", "extra"], ["unrecognized arguments: extra"]),
]


@pytest.mark.parametrize("argv, named", BAD)
def test_a_bad_argument_with_derive_is_named_under_mlps_usage(capsys, argv, named):
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    assert info.value.code == 2
    assert "usage: python -m derivations mlp " in captured.err
    assert captured.err.count("usage:") == 1 and captured.out == ""
    for text in named:
        assert text in captured.err, (text, captured.err)


def test_the_bad_argument_catalogue_is_not_empty():
    assert len(BAD) == 5
