"""The central claim of each of lessons 01–06, checked independently of the lesson's transcript.

The lessons (tutorials/*.md) pin what the engine prints.  Here each lesson's claim is checked
against something computed another way: PyTorch on the same weights, NumPy by hand, or the
formula SymPy derives, on data the lesson did not use.
"""

from pathlib import Path

import numpy as np
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
from derivations import elementwise
from tinygrad_edu import testing
from tinygrad_edu.__main__ import SimpleNN
from tinygrad_edu.utils.data import DataLoader, TensorDataset

from seed_network import copy_to_torch, torch_twin


def example1_data(seed=7, n=200):
    """Example 1's data (lessons 03, 05, 06), from a different seed than the lessons use."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 2)) * 2
    targets = 0.5 * features[:, 0] ** 2 + 1.5 * features[:, 1] + 2.0 + rng.normal(size=n) * 0.5
    return features.astype(np.float32), targets.astype(np.float32).reshape(-1, 1)


# ---- 01: the bias gradient is the column sum of the upstream gradient -----------------------

@given(st.data())
def test_01_bias_and_weight_gradients_are_sums_over_the_batch(data):
    n, d, h = (data.draw(st.integers(1, 5)) for _ in range(3))
    X = data.draw(testing.safe_values("moderate", (n, d)))
    W = data.draw(testing.safe_values("moderate", (h, d)))
    b = data.draw(testing.safe_values("moderate", (h,)))
    G = data.draw(testing.safe_values("moderate", (n, h)))

    W_ours = tg.tensor(W, requires_grad=True)
    b_ours = tg.tensor(b, requires_grad=True)
    (tg.tensor(X) @ W_ours.T + b_ours).backward(tg.tensor(G))

    # by hand: b was copied into every row, so each row's upstream gradient reaches it
    bias_by_hand = np.zeros(h)
    for row in G:
        bias_by_hand += row
    weight_by_hand = sum(np.outer(G[i], X[i]) for i in range(n))
    np.testing.assert_allclose(b_ours.grad.numpy(), bias_by_hand, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(W_ours.grad.numpy(), weight_by_hand, rtol=1e-10, atol=1e-9)


# ---- 02: Z = X Wᵀ + 𝟏bᵀ by hand equals nn.Linear; column and row forms agree ------------------

def test_02_hand_forward_equals_layers_and_pytorch():
    tg.manual_seed(3)
    X = np.random.default_rng(1).normal(size=(10, 2)).astype(np.float32)
    layer1, layer2 = tnn.Linear(2, 4), tnn.Linear(4, 1)
    ours = layer2(tg.relu(layer1(tg.tensor(X)))).detach().numpy()

    W1, b1 = layer1.weight.detach().numpy(), layer1.bias.detach().numpy()
    W2, b2 = layer2.weight.detach().numpy(), layer2.bias.detach().numpy()
    # NumPy, one sample at a time in the column form z = W x + b
    by_columns = np.array([W2 @ np.maximum(W1 @ x + b1, 0) + b2 for x in X])
    # PyTorch's own layers with the same weights, in the rows form
    theirs = torch.nn.functional.linear(
        torch.relu(torch.nn.functional.linear(torch.tensor(X), torch.tensor(W1), torch.tensor(b1))),
        torch.tensor(W2), torch.tensor(b2)).numpy()
    np.testing.assert_allclose(ours, by_columns, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_02_last_weight_gradient_is_G_transpose_H():
    tg.manual_seed(4)
    X = np.random.default_rng(2).normal(size=(10, 2)).astype(np.float32)
    layer1, layer2 = tnn.Linear(2, 4), tnn.Linear(4, 1)
    (layer2(tg.relu(layer1(tg.tensor(X)))) ** 2).sum().backward()

    H = np.maximum(X @ layer1.weight.detach().numpy().T + layer1.bias.detach().numpy(), 0)
    Z2 = H @ layer2.weight.detach().numpy().T + layer2.bias.detach().numpy()
    G = 2 * Z2  # ∂(Σ Z²)/∂Z
    np.testing.assert_allclose(layer2.weight.grad.numpy(), G.T @ H, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer2.bias.grad.numpy(), G.sum(axis=0), rtol=1e-5, atol=1e-5)


# ---- 03: Example 1 trains as it does in PyTorch, far below a constant guess -----------------

def train_full_batch(model, X, y, library, epochs, lr=0.01):
    optimizer = library.optim.SGD(model.parameters(), lr=lr)
    criterion = library.nn.MSELoss()
    losses = []
    for _ in range(epochs):
        loss = criterion(model(X), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses


def test_03_example1_training_matches_pytorch_on_the_same_weights():
    features, targets = example1_data()
    tg.manual_seed(11)
    ours = SimpleNN()
    theirs = torch_twin(ours)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    assert str(ours).partition("(")[2] == str(theirs).partition("(")[2]  # after the class name

    our_losses = train_full_batch(ours, tg.tensor(features), tg.tensor(targets), tg, 200)
    their_losses = train_full_batch(theirs, torch.tensor(features), torch.tensor(targets),
                                    torch, 200)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-3)
    constant_guess = float(np.mean((targets - targets.mean()) ** 2))  # MSE of predicting the mean
    assert our_losses[-1] < constant_guess / 5
    assert our_losses[-1] < our_losses[0] / 10


# ---- 04: parameter shapes of 3 → 8 → 4 → 2 --------------------------------------------------

def test_04_parameter_shapes_and_count_match_pytorch():
    sizes = (3, 8, 4, 2)

    def stack(nn):
        return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU(),
                             nn.Linear(4, 2))

    tg.manual_seed(5)
    ours = stack(tnn)
    theirs = copy_to_torch(ours, stack(torch.nn))
    our_shapes = [(k, tuple(p.shape)) for k, p in ours.named_parameters()]
    assert our_shapes == [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    expected = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        expected += [(f"{2 * i}.weight", (n_out, n_in)), (f"{2 * i}.bias", (n_out,))]
    assert our_shapes == expected
    assert sum(p.numel() for p in ours.parameters()) == \
        sum(p.numel() for p in theirs.parameters()) == 78

    X = np.random.default_rng(3).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(tg.tensor(X)).detach().numpy(),
                               theirs(torch.tensor(X)).detach().numpy(), rtol=1e-5, atol=1e-6)


# ---- 05: 2·tanh as a Function: its backward is the derived f′, and PyTorch's ----------------

class ScaledTanhFunction(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = 2 * tg.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * (2 - out * out / 2)


class ForgotTheFactor(ScaledTanhFunction):
    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx.saved_tensors
        return grad_output * (1 - out * out / 4)


def test_05_derived_derivative_is_sympys_derivative_of_2_tanh():
    x = sp.Symbol("x")
    d = elementwise.derive("scaled_tanh", "2*tanh(x)")
    assert sp.simplify(d.derivative - sp.diff(2 * sp.tanh(x), x)) == 0
    assert sp.simplify(d.derivative - 2 / sp.cosh(x) ** 2) == 0  # the textbook form, 2 sech²x
    assert d.prove().ok


@given(st.data())
def test_05_function_backward_matches_pytorch_and_the_derivation(data):
    shape = data.draw(testing.shapes(min_dims=1))
    values = data.draw(testing.safe_values("moderate", shape))
    upstream = data.draw(testing.safe_values("moderate", shape))

    ours = tg.tensor(values, requires_grad=True)
    ScaledTanhFunction.apply(ours).backward(tg.tensor(upstream))
    theirs = torch.tensor(values, requires_grad=True)
    (2 * torch.tanh(theirs)).backward(torch.tensor(upstream))
    derived = elementwise.derive("scaled_tanh", "2*tanh(x)").numpy(
        A=values.reshape(1, -1), G=upstream.reshape(1, -1))["A"].reshape(shape)

    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), derived, rtol=1e-10, atol=1e-12)


def test_05_gradcheck_passes_the_right_rule_and_catches_the_wrong_one():
    x = tg.tensor(np.linspace(-3, 3, 12).reshape(4, 3), requires_grad=True)
    assert testing.gradcheck(ScaledTanhFunction.apply, (x,))
    assert not testing.gradcheck(ForgotTheFactor.apply, (x,), raise_exception=False)


# ---- 06: mini-batches: their weighted gradients make the full one; training matches PyTorch --

def test_06_size_weighted_minibatch_gradients_sum_to_the_full_gradient():
    features, targets = example1_data(seed=8)
    tg.manual_seed(6)
    ours = tnn.Sequential(tnn.Linear(2, 10), tnn.ReLU(), tnn.Linear(10, 1))
    theirs = copy_to_torch(ours, torch.nn.Sequential(
        torch.nn.Linear(2, 10), torch.nn.ReLU(), torch.nn.Linear(10, 1)))
    torch.nn.MSELoss()(theirs(torch.tensor(features)), torch.tensor(targets)).backward()

    loader = DataLoader(TensorDataset(tg.tensor(features), tg.tensor(targets)), batch_size=32,
                        shuffle=True)
    weighted = np.zeros((10, 2))
    for xb, yb in loader:
        ours.zero_grad()
        tnn.MSELoss()(ours(xb), yb).backward()
        weighted += len(xb) / len(features) * ours[0].weight.grad.numpy()
    np.testing.assert_allclose(weighted, theirs[0].weight.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_06_minibatch_training_matches_pytorch_replaying_the_same_batches():
    features, targets = example1_data(seed=9)
    indices = np.arange(len(features), dtype=np.float32).reshape(-1, 1)
    loader = DataLoader(TensorDataset(tg.tensor(features), tg.tensor(targets),
                                      tg.tensor(indices)), batch_size=32, shuffle=True)
    assert len(loader) == len(torch.utils.data.DataLoader(range(200), batch_size=32)) == 7

    tg.manual_seed(12)
    ours = tnn.Sequential(tnn.Linear(2, 10), tnn.ReLU(), tnn.Linear(10, 1))
    theirs = copy_to_torch(ours, torch.nn.Sequential(
        torch.nn.Linear(2, 10), torch.nn.ReLU(), torch.nn.Linear(10, 1)))
    opt_ours = tg.optim.SGD(ours.parameters(), lr=0.01)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.01)
    X_t, y_t = torch.tensor(features), torch.tensor(targets)
    for _ in range(20):
        seen = []
        for xb, yb, ib in loader:
            rows = ib.numpy().astype(int).ravel()
            seen.extend(rows)
            loss = tnn.MSELoss()(ours(xb), yb)
            opt_ours.zero_grad()
            loss.backward()
            opt_ours.step()
            loss_t = torch.nn.MSELoss()(theirs(X_t[rows]), y_t[rows])
            opt_theirs.zero_grad()
            loss_t.backward()
            opt_theirs.step()
        assert sorted(seen) == list(range(200))  # every sample once per epoch
    for (name, p_ours), (_, p_theirs) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p_ours.detach().numpy(), p_theirs.detach().numpy(),
                                   rtol=1e-3, atol=1e-4, err_msg=name)


def test_every_lesson_is_listed_in_order_in_both_readmes():
    root = Path(__file__).resolve().parent.parent
    lessons = sorted(p.name for p in (root / "tutorials").glob("[0-9][0-9]_*.md"))
    assert lessons[:6] == [f"{name}.md" for name in (
        "01_tour", "02_matrix_functions", "03_example1_regression", "04_parameter_shapes",
        "05_custom_activation", "06_minibatches")]
    for readme in (root / "tutorials" / "README.md", root / "README.md"):
        text = readme.read_text(encoding="utf-8")
        positions = [text.find(f"{name})") for name in lessons]  # as a Markdown link target
        assert -1 not in positions, f"{readme} does not list {lessons[positions.index(-1)]}"
        assert positions == sorted(positions), f"{readme} lists the lessons out of order"
