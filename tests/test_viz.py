"""tinygrad_edu.viz: DOT text, matplotlib drawings, the traced backward pass, loss plots."""

import copy
import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

import tinygrad_edu as te
import tinygrad_edu.nn as te_nn
import tinygrad_edu.viz as viz
from tinygrad_edu import primitives, rule_texts
from tinygrad_edu.__main__ import SimpleNN  # the seed's Example 1 model: 2 → 10 → 1 with a ReLU
from tinygrad_edu.autograd import _topological_order

from seed_network import torch_twin


def seed_problem():
    """The seed's data (200 samples, 2 features) and a fresh model."""
    te.manual_seed(42)
    rng = np.random.default_rng(42)
    features = rng.standard_normal((200, 2)) * 2
    targets = (0.5 * features[:, 0] ** 2 + 1.5 * features[:, 1] + 2.0
               + rng.standard_normal(200) * 0.5)
    X = te.FloatTensor(features)
    y = te.FloatTensor(targets).reshape(-1, 1)
    return SimpleNN(), X, y


def seed_loss(model, X, y):
    return te_nn.MSELoss()(model(X), y)


# --------------------------------------------------------------------------------------------
# to_dot
# --------------------------------------------------------------------------------------------

def test_to_dot_of_a_small_graph_is_exact():
    a = te.tensor([1.0, 2.0], requires_grad=True)
    b = te.tensor(3.0, requires_grad=True)
    c = (a * b).sum()
    expected = (
        'digraph {\n'
        '  rankdir=BT;\n'
        '  node [fontname="Helvetica"];\n'
        '  n0 [label="sum\\n(scalar)", shape=box];\n'
        '  n1 [label="mul\\n(2)", shape=box];\n'
        '  n2 [label="leaf\\n(2)", shape=ellipse];\n'
        '  n3 [label="leaf\\n(scalar)", shape=ellipse];\n'
        '  n1 -> n0;\n'
        '  n2 -> n1;\n'
        '  n3 -> n1;\n'
        '}\n')
    assert viz.to_dot(c) == expected
    assert viz.to_dot(c) == viz.to_dot(c)  # ids by walk order: the same text every time
    c.backward()
    after = viz.to_dot(c)
    assert '  n2 [label="leaf\\n(2)\\ngrad (2)", shape=ellipse];\n' in after
    assert '  n3 [label="leaf\\n(scalar)\\ngrad (scalar)", shape=ellipse];\n' in after


def test_to_dot_names_parameters_of_a_model_and_leaves_out_inputs_without_grad():
    layer = te_nn.Linear(2, 1)
    z = layer(te.ones(4, 2))
    expected = (
        'digraph {\n'
        '  rankdir=BT;\n'
        '  node [fontname="Helvetica"];\n'
        '  n0 [label="linear\\n(4×1)", shape=box];\n'
        '  n1 [label="weight\\n(1×2)", shape=ellipse];\n'
        '  n2 [label="bias\\n(1)", shape=ellipse];\n'
        '  n1 -> n0;\n'
        '  n2 -> n0;\n'
        '}\n')
    assert viz.to_dot(z, model=layer) == expected


def test_to_dot_of_a_linear_layer_written_out_by_hand():
    w = te.ones(1, 2, requires_grad=True)
    b = te.zeros(1, requires_grad=True)
    labels = re.findall(r'\[label="([^"\\]*)', viz.to_dot(te.ones(4, 2) @ w.T + b))
    assert labels == ["add", "matmul", "leaf", "permute", "leaf"]


def test_seed_loss_graph_has_the_expected_nodes_and_edges():
    model, X, y = seed_problem()
    dot = viz.to_dot(seed_loss(model, X, y), model=model)
    labels = re.findall(r'\[label="([^"]*)"', dot)
    edges = re.findall(r"n\d+ -> n\d+;", dot)
    # By hand: mse(Z2, y); Z2 = linear(H1, W2, b2); H1 = relu(Z1); Z1 = linear(X, W1, b1):
    # 4 ops and 4 parameters (X and y need no grad).
    ops_seen = sorted(label.split("\\n")[0] for label in labels
                      if label.split("\\n")[0] not in dict(model.named_parameters()))
    assert ops_seen == sorted(["mse", "linear", "relu", "linear"])
    assert len(labels) == 8
    assert len(edges) == 7  # a tree here: every node but the output feeds exactly one op
    for name, p in model.named_parameters():
        shape = "×".join(str(s) for s in p.shape)
        assert f'label="{name}\\n({shape})"' in dot


def test_to_dot_rejects_a_non_tensor():
    with pytest.raises(TypeError, match="to_dot: expected a Tensor, got ndarray"):
        viz.to_dot(np.ones(3))


# --------------------------------------------------------------------------------------------
# draw_graph and plot_losses
# --------------------------------------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_draw_graph_writes_a_png_and_returns_a_figure(tmp_path):
    from matplotlib.figure import Figure

    model, X, y = seed_problem()
    loss = seed_loss(model, X, y)
    path = tmp_path / "graph.png"
    figure = viz.draw_graph(loss, path=path, model=model)
    assert isinstance(figure, Figure)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000
    axes = figure.axes[0]
    assert len(axes.patches) == 8  # one box per node
    texts = [t.get_text() for t in axes.texts]
    assert "layer2.weight\n(1×10)" in texts and "mse\n(scalar)" in texts
    # longest-path layers: the output on top, every arrow points up to its consumer
    arrows = [child for child in axes.get_children()
              if type(child).__name__ == "Annotation"]
    assert len(arrows) == 7
    for arrow in arrows:
        assert arrow.xy[1] > arrow.xyann[1]
    top = max(axes.texts, key=lambda t: t.get_position()[1])
    assert top.get_text() == "mse\n(scalar)"


def test_draw_graph_without_path_writes_nothing(tmp_path):
    a = te.tensor([1.0, 2.0], requires_grad=True)
    figure = viz.draw_graph((a * a).sum())
    assert len(figure.axes[0].patches) == 3
    assert list(tmp_path.iterdir()) == []


def test_plot_losses_one_and_several_curves(tmp_path):
    one = viz.plot_losses([3.0, 2.0, 1.5], tmp_path / "one.png")
    assert one == tmp_path / "one.png"
    assert one.read_bytes().startswith(PNG_MAGIC)
    several = str(tmp_path / "two.png")
    assert viz.plot_losses([[3.0, 2.0, 1.0], [3.0, 2.5]], several, title="full vs mini",
                           labels=["full batch", "mini-batch"]) == several
    with open(several, "rb") as f:
        assert f.read().startswith(PNG_MAGIC)
    as_dict = tmp_path / "dict.png"
    viz.plot_losses({"a": [1.0, 0.5]}, as_dict)
    assert as_dict.stat().st_size > 1000
    from_array = tmp_path / "array.png"
    viz.plot_losses(np.array([[3.0, 2.0], [2.5, 1.0]]), from_array, labels=["a", "b"])
    viz.plot_losses(te.tensor([3.0, 2.0, 1.0]), tmp_path / "tensor.png")
    assert from_array.read_bytes().startswith(PNG_MAGIC)
    assert (tmp_path / "tensor.png").read_bytes().startswith(PNG_MAGIC)
    with pytest.raises(ValueError, match="1 labels for 2 curves"):
        viz.plot_losses([[1.0], [2.0]], tmp_path / "bad.png", labels=["only one"])


# --------------------------------------------------------------------------------------------
# trace_backward
# --------------------------------------------------------------------------------------------

LHS = re.compile(r"∂L/∂(\S+) \(([^)]*)\) = ")


def _shape_text(shape):
    return "×".join(str(s) for s in shape) if len(shape) else "scalar"


def test_trace_backward_on_the_seed_model_prints_each_step_with_names_and_shapes():
    model, X, y = seed_problem()
    twin = copy.deepcopy(model)
    out = io.StringIO()
    lines = viz.trace_backward(seed_loss(model, X, y), model=model, file=out)
    assert out.getvalue() == "\n".join(lines) + "\n"

    # the lines the notation promises (docs/gradients.md), for each kind of input
    assert "  ∂L/∂layer2.weight (1×10) = Gᵀ (1×200) · H1 (200×10)" in lines
    assert "  ∂L/∂H1 (200×10) = G (200×1) · layer2.weight (1×10)" in lines
    assert "  ∂L/∂layer1.weight (10×2) = Gᵀ (10×200) · X (200×2)" in lines
    assert "  ∂L/∂Z1 (200×10) = G ⊙ [Z1 > 0]" in lines
    assert "  ∂L/∂Z2 (200×1) = 2(1/(n·o)) (Z2 − Y)   [n·o = 200]" in lines
    assert "  ∂L/∂layer2.bias (1) = Gᵀ 𝟏, the column sums of G (200×1)" in lines
    assert "  ∂L/∂layer1.bias (10) = Gᵀ 𝟏, the column sums of G (200×10)" in lines

    # every parameter gets a line, with its own shape
    shapes = {name: shape for name, shape in LHS.findall("\n".join(lines))}
    for name, p in model.named_parameters():
        assert shapes[name] == _shape_text(p.shape), name

    # one numbered header per node, in an order where each G was computed by an earlier step
    headers = [line for line in lines if not line.startswith("  ")]
    assert [int(h[1:h.index("]")]) for h in headers] == list(range(1, 5))
    computed = {"L"}
    for line in lines:
        if not line.startswith("  "):
            g_name = re.search(r"G = ∂L/∂(\S+) ", line).group(1)
            if "PermuteBackward0" in line:  # Wᵀ: the matmul step wrote its line in W's layout
                g_name = g_name.removesuffix("ᵀ")
            assert g_name in computed, f"step {line!r} uses a G no earlier step computed"
        else:
            computed.update(name for name, _ in LHS.findall(line))

    # the traced pass is the engine's one backward pass: same .grad as a plain backward
    seed_loss(twin, X, y).backward()
    for (name, p), (_, q) in zip(model.named_parameters(), twin.named_parameters()):
        assert p.grad is not None
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy(), err_msg=name)


class ByHand(te_nn.Module):
    """The seed's model with Z = X Wᵀ + b written out (matmul, transpose, add)."""

    def __init__(self):
        super().__init__()
        self.W1 = te_nn.Parameter(te.randn(3, 2))
        self.b1 = te_nn.Parameter(te.zeros(3))
        self.W2 = te_nn.Parameter(te.randn(1, 3))
        self.b2 = te_nn.Parameter(te.zeros(1))

    def forward(self, x):
        return (x @ self.W1.T + self.b1).relu() @ self.W2.T + self.b2


def test_trace_backward_names_a_layer_written_out_by_hand():
    model = ByHand()
    X, y = te.randn(4, 2), te.randn(4, 1)
    lines = viz.trace_backward(((model(X) - y) ** 2).mean(), model=model, file=io.StringIO())
    assert "  ∂L/∂W2 (1×3) = Gᵀ (1×4) · H1 (4×3)" in lines
    assert "  ∂L/∂H1 (4×3) = G (4×1) · W2 (1×3)" in lines
    assert "  ∂L/∂W1 (3×2) = Gᵀ (3×4) · X (4×2)" in lines
    assert ("  ∂L/∂b1 (3) = G summed to b1's shape, summed over the broadcast axes (4×3) → (3)"
            in lines)
    assert ("  (transposes ∂L/∂W2ᵀ back to W2's layout: shown in the matmul step above)"
            in lines)


def test_trace_backward_gradients_match_pytorch():
    model, X, y = seed_problem()
    viz.trace_backward(seed_loss(model, X, y), model=model, file=io.StringIO())
    ref = torch_twin(model)
    torch.nn.MSELoss()(ref(torch.from_numpy(X.numpy().copy())),
                       torch.from_numpy(y.numpy().copy())).backward()
    for (name, p), q in zip(model.named_parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)


def test_trace_backward_without_a_model_numbers_the_leaves():
    a = te.tensor([1.0, 2.0], requires_grad=True)
    b = te.tensor(3.0, requires_grad=True)
    lines = viz.trace_backward((a * b).exp().sum(), file=io.StringIO())
    assert lines == [
        "[1] SumBackward0: G = ∂L/∂L (scalar)",
        "  ∂L/∂exp1 (2) = G put back along dim and broadcast: g 𝟏𝟏ᵀ (all), G 𝟏ᵀ (dim=1), "
        "𝟏 Gᵀ (dim=0)",
        "[2] ExpBackward0: G = ∂L/∂exp1 (2)",
        "  ∂L/∂mul1 (2) = G ⊙ exp(mul1) = G ⊙ exp1",
        "[3] MulBackward0: G = ∂L/∂mul1 (2)",
        "  ∂L/∂leaf1 (2) = G ⊙ leaf2",
        "  ∂L/∂leaf2 (scalar) = G ⊙ leaf1, summed over the broadcast axes (2) → (scalar)",
    ]
    # by hand: L = Σ e^(a·b), ∂L/∂a = b e^(ab), ∂L/∂b = Σ a e^(ab)
    av, bv = np.array([1.0, 2.0]), 3.0
    np.testing.assert_allclose(a.grad.numpy(), bv * np.exp(av * bv), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), np.sum(av * np.exp(av * bv)), rtol=1e-6)


def test_trace_backward_removes_its_hooks_and_keeps_the_users():
    model, X, y = seed_problem()
    loss = seed_loss(model, X, y)
    nodes = _topological_order(loss.grad_fn)
    calls = []
    nodes[0].register_hook(lambda grads, g: calls.append(g.shape))
    viz.trace_backward(loss, model=model, file=io.StringIO())
    assert calls == [()]  # the user's hook ran once, in the same pass
    assert [len(n._hooks) for n in nodes[:1]] == [1]
    assert all(n._hooks is None for n in nodes[1:])


def test_trace_backward_removes_its_hooks_when_backward_fails():
    a = te.tensor([1.0, 2.0], requires_grad=True)
    loss = (a * a).sum()
    nodes = _topological_order(loss.grad_fn)
    loss.backward()  # frees the graph: a second backward must fail
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        viz.trace_backward(loss, file=io.StringIO())
    assert all(n._hooks is None for n in nodes)


def test_trace_backward_explains_a_loss_without_graph():
    with pytest.raises(RuntimeError, match="trace_backward: the loss has no grad_fn"):
        viz.trace_backward(te.tensor(1.0))


def test_every_primitive_has_its_proved_rule_in_the_generated_table():
    # the texts come from tinygrad_edu/rule_texts.py (tests/test_rule_texts.py holds it to
    # derivations/); here: every primitive has one for each input, and viz reads it
    for name in primitives.PRIMITIVES:
        rules = rule_texts.RULES[name]
        assert rules and set(rules) <= set(rule_texts.OPERANDS[name]), name
        for letter, text in rules.items():  # a rule is a formula, not a run-on sentence
            assert "∂L/∂" not in text and not text.endswith((".", ",", ";")), (name, text)
    assert rule_texts.RULES["relu"] == {"A": "G ⊙ [A > 0]"}
    assert rule_texts.RULES["mul"] == {"A": "G ⊙ B", "B": "G ⊙ A"}
    assert not hasattr(viz, "_rules_from_docstring") and not hasattr(viz, "_rule_table")


def test_trace_backward_of_where_and_maximum_uses_each_inputs_own_rule():
    a = te.tensor([1.0, 5.0], requires_grad=True)
    b = te.tensor([3.0, 2.0], requires_grad=True)
    lines = viz.trace_backward(te.where(a > b, a, b).sum() + te.maximum(a, b).sum(),
                               file=io.StringIO())
    assert "  ∂L/∂leaf1 (2) = G ⊙ C" in lines  # where(C, A, B): A is the engine's 2nd input
    assert "  ∂L/∂leaf2 (2) = G ⊙ (𝟏 − C)" in lines
    assert "  ∂L/∂leaf1 (2) = G ⊙ ([leaf1 > leaf2] + ½ [leaf1 = leaf2])" in lines
    assert "  ∂L/∂leaf2 (2) = G ⊙ ([leaf2 > leaf1] + ½ [leaf1 = leaf2])" in lines


# --------------------------------------------------------------------------------------------
# Imports
# --------------------------------------------------------------------------------------------

def test_viz_is_imported_only_explicitly_and_matplotlib_only_when_drawing():
    code = (
        "import json, sys\n"
        "import tinygrad_edu\n"
        "plain = ['tinygrad_edu.viz' in sys.modules, hasattr(tinygrad_edu, 'viz')]\n"
        "import tinygrad_edu.viz\n"
        "print(json.dumps({'plain': plain, 'matplotlib': 'matplotlib' in sys.modules}))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"plain": [False, False], "matplotlib": False}
