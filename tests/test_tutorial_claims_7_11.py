"""The central claim of lessons 07–11, each checked against an independent computation.

The lessons' transcripts pin what the engine prints; here every claim is recomputed another
way: PyTorch on the same weights and data, NumPy by hand, or the formula `derivations` proved.

07  the classifier the lesson trains learns the two clouds, exactly as PyTorch trains it from
    the same start; BCELoss is −mean[y log p + (1 − y) log(1 − p)].
08  layer1.weight.grad is PyTorch's gradient on the same batch; the full-batch gradient shrinks
    with training (judged by PyTorch); the dead-ReLU network has loss log 2 and zero gradient;
    a forward hook on the ReLU sees H₁ as NumPy computes it, and no unit on in the dead one.
09  ∂L/∂W₂ = (∂L/∂Z₂)ᵀ H₁ (derived), its column form Σᵢ δ₂⁽ⁱ⁾ h₁⁽ⁱ⁾ᵀ, and the engine's
    backward() all equal PyTorch's autograd.
10  gradcheck separates a wrong backward from a right one (by NumPy central differences), and
    the lesson's property is falsifiable: Hypothesis finds a counterexample for a broken mul.
11  weights carried through NumPy give the same function in both libraries (checked against a
    NumPy forward pass), training follows the same path, and save/load returns equal arrays.
"""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import derivations
import tinygrad_edu as tg
from tinygrad_edu import testing

from seed_network import copy_to_torch


# --------------------------------------------------------------------------------------------
# Shared helpers: the lessons' data and networks, built in both libraries from the same seed
# --------------------------------------------------------------------------------------------

def clouds(seed):
    """Lesson 07's data: 50 points around (1.5, 1.5) labelled 1, 50 around (−1.5, −1.5) 0."""
    rng = np.random.default_rng(seed)
    points = np.vstack([rng.normal(size=(50, 2)) + 1.5, rng.normal(size=(50, 2)) - 1.5])
    labels = np.concatenate([np.ones(50), np.zeros(50)]).reshape(-1, 1)
    return points.astype(np.float32), labels.astype(np.float32)


def regression_data(seed, n=200):
    """The seed's Example 1 data (lessons 09 and 11)."""
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(n, 2)) * 2
    targets = 0.5 * points[:, 0] ** 2 + 1.5 * points[:, 1] + 2.0 + rng.normal(size=n) * 0.5
    return points.astype(np.float32), targets.astype(np.float32).reshape(-1, 1)


def mlp(lib, sizes, sigmoid_output):
    """Sequential Linear → ReLU → Linear (→ Sigmoid) in either library."""
    layers = [lib.nn.Linear(sizes[0], sizes[1]), lib.nn.ReLU(), lib.nn.Linear(sizes[1], sizes[2])]
    if sigmoid_output:
        layers.append(lib.nn.Sigmoid())
    return lib.nn.Sequential(*layers)


def numpy_state(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def torch_twin(engine_model, sizes, sigmoid_output):
    """A PyTorch model holding exactly the engine model's current weights."""
    return copy_to_torch(engine_model, mlp(torch, sizes, sigmoid_output))


def numpy_forward(state, X, sigmoid_output):
    """The network computed by hand in float64: Z₁ = X W₁ᵀ + b₁, H₁ = relu(Z₁), Z₂ = H₁ W₂ᵀ + b₂."""
    W1, b1 = state["0.weight"].astype(np.float64), state["0.bias"].astype(np.float64)
    W2, b2 = state["2.weight"].astype(np.float64), state["2.bias"].astype(np.float64)
    Z2 = np.maximum(X @ W1.T + b1, 0.0) @ W2.T + b2
    return 1 / (1 + np.exp(-Z2)) if sigmoid_output else Z2


def train_full_batch(lib, model, X, y, loss_fn, lr, epochs):
    optimizer = lib.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses


# --------------------------------------------------------------------------------------------
# 07 classification
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_07_classifier_trains_as_pytorch_does_and_learns_the_clouds(seed):
    tg.manual_seed(seed)
    points, labels = clouds(seed)
    ours = mlp(tg, (2, 5, 1), sigmoid_output=True)
    theirs = torch_twin(ours, (2, 5, 1), sigmoid_output=True)
    our_losses = train_full_batch(tg, ours, tg.from_numpy(points), tg.from_numpy(labels),
                                  tg.nn.BCELoss(), 0.5, 200)
    their_losses = train_full_batch(torch, theirs, torch.from_numpy(points),
                                    torch.from_numpy(labels), torch.nn.BCELoss(), 0.5, 200)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-3, atol=1e-5)
    # The lesson's claims, judged on PyTorch's run: the loss fell to under a fifth, ≥ 95 % right,
    # confident far from the boundary.
    assert their_losses[-1] < their_losses[0] / 5
    with torch.no_grad():
        accuracy = ((theirs(torch.from_numpy(points)) > 0.5).float().numpy() == labels).mean()
        far = theirs(torch.tensor([[4.0, 4.0], [-4.0, -4.0]])).numpy()
    assert accuracy >= 0.95
    assert far[0, 0] > 0.9 and far[1, 0] < 0.1
    # The decision boundary the lesson draws: the engine's probabilities on a grid equal σ(Z₂)
    # computed by hand from its weights.
    grid = np.random.default_rng(seed).uniform(-5, 5, size=(500, 2)).astype(np.float32)
    with tg.no_grad():
        p = ours(tg.from_numpy(grid)).numpy()
    np.testing.assert_allclose(p, numpy_forward(numpy_state(ours), grid, True),
                               rtol=1e-5, atol=1e-6)


def test_07_bce_by_hand():
    p, y = np.array([0.9, 0.4]), np.array([1.0, 0.0])
    by_hand = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    ours = tg.nn.BCELoss()(tg.tensor(p), tg.tensor(y)).item()
    theirs = torch.nn.BCELoss()(torch.tensor(p), torch.tensor(y)).item()
    assert ours == pytest.approx(by_hand, rel=1e-12) and ours == pytest.approx(theirs, rel=1e-12)
    assert round(float(by_hand), 4) == 0.3081  # the value lesson 07 prints


# --------------------------------------------------------------------------------------------
# 08 gradient inspection
# --------------------------------------------------------------------------------------------

def torch_full_batch_grads(state, points, labels):
    model = mlp(torch, (2, 5, 1), sigmoid_output=True)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    torch.nn.BCELoss()(model(torch.from_numpy(points)), torch.from_numpy(labels)).backward()
    return {name: p.grad.numpy() for name, p in model.named_parameters()}


@pytest.mark.parametrize("seed", [0, 3])
def test_08_last_batch_grad_is_pytorchs_and_full_gradient_shrinks(seed):
    tg.manual_seed(seed)
    points, labels = clouds(seed)
    model = mlp(tg, (2, 5, 1), sigmoid_output=True)
    start = numpy_state(model)
    loader = tg.utils.data.DataLoader(
        tg.utils.data.TensorDataset(tg.from_numpy(points), tg.from_numpy(labels)),
        batch_size=20, shuffle=True)
    optimizer = tg.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(200):
        for X_batch, y_batch in loader:
            before_step = numpy_state(model)
            loss = tg.nn.BCELoss()(model(X_batch), y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    # layer1.weight.grad is the gradient of the last batch at the weights before the last step.
    twin = mlp(torch, (2, 5, 1), sigmoid_output=True)
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in before_step.items()})
    torch.nn.BCELoss()(twin(torch.from_numpy(X_batch.numpy())),
                       torch.from_numpy(y_batch.numpy())).backward()
    np.testing.assert_allclose(model[0].weight.grad.numpy(), twin[0].weight.grad.numpy(),
                               rtol=1e-4, atol=1e-7)
    # "small compared with the weights" (lesson: max |grad| < 0.1 · max |W₁|), judged by PyTorch.
    assert np.abs(twin[0].weight.grad.numpy()).max() < 0.1 * np.abs(before_step["0.weight"]).max()
    # The full-batch gradient, by PyTorch, fell to under a tenth of its start (total norm).
    total = {}
    for when, state in (("start", start), ("end", numpy_state(model))):
        grads = torch_full_batch_grads(state, points, labels)
        total[when] = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values()))
    assert total["end"] < total["start"] / 10


def test_08_dead_relu_network_has_zero_gradient_at_coin_toss_loss():
    points, labels = clouds(0)
    for lib in (tg, torch):
        model = mlp(lib, (2, 5, 1), sigmoid_output=True)
        with lib.no_grad():
            model[0].bias.fill_(-100.0)
            model[2].bias.fill_(0.0)
        loss = lib.nn.BCELoss()(model(lib.from_numpy(points)), lib.from_numpy(labels))
        loss.backward()
        assert loss.item() == pytest.approx(np.log(2), rel=1e-6)
        for name, p in model.named_parameters():
            assert not np.any(p.grad.numpy()), f"{lib.__name__}: {name}.grad is not all zero"
        with lib.no_grad():
            accuracy = ((model(lib.from_numpy(points)) > 0.5).float().numpy() == labels).mean()
        assert accuracy == 0.5


@pytest.mark.parametrize("seed", [0, 2])
def test_08_a_forward_hook_sees_h1_and_counts_the_units_on_as_numpy_and_pytorch(seed):
    """The lesson's hook on the ReLU records (H₁ > 0).mean(): H₁ = relu(X W₁ᵀ + b₁) by NumPy,
    the same fraction from PyTorch's hook on the same weights, and 0 for the dead network."""
    points, _ = clouds(seed)
    tg.manual_seed(seed)
    ours = mlp(tg, (2, 5, 1), sigmoid_output=True)
    twin = mlp(torch, (2, 5, 1), sigmoid_output=True)
    state = numpy_state(ours)
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    by_hand = np.maximum(points @ state["0.weight"].T + state["0.bias"], 0)
    fractions = []
    for lib, model in ((tg, ours), (torch, twin)):
        seen = []
        watch = model[1].register_forward_hook(
            lambda module, inputs, h1: seen.append(h1.detach().numpy().copy()))
        model(lib.from_numpy(points))
        watch.remove()
        model(lib.from_numpy(points))  # removed: nothing more is recorded
        assert len(seen) == 1
        np.testing.assert_allclose(seen[0], by_hand, rtol=1e-5, atol=1e-6)
        fractions.append((seen[0] > 0).mean())
        with lib.no_grad():
            model[0].bias.fill_(-100.0)
        seen.clear()
        model[1].register_forward_hook(
            lambda module, inputs, h1: seen.append(h1.detach().numpy()))
        model(lib.from_numpy(points))
        assert not np.any(seen[0])  # the dead network: no unit on for any point
    assert fractions[0] == fractions[1] == (by_hand > 0).mean()
    assert 0 < fractions[0] < 1


# --------------------------------------------------------------------------------------------
# 09 backpropagation by hand
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_09_dW2_derived_by_hand_and_by_backward_equal_pytorch(seed):
    tg.manual_seed(seed)
    points, targets = regression_data(seed)
    model = mlp(tg, (2, 10, 1), sigmoid_output=False)
    tg.nn.MSELoss()(model(tg.from_numpy(points)), tg.from_numpy(targets)).backward()
    state = numpy_state(model)
    twin = torch_twin(model, (2, 10, 1), sigmoid_output=False)
    torch.nn.MSELoss()(twin(torch.from_numpy(points)), torch.from_numpy(targets)).backward()
    oracle = {name: p.grad.numpy().astype(np.float64) for name, p in twin.named_parameters()}

    # the engine's backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), oracle[name], rtol=1e-4, atol=1e-6,
                                   err_msg=name)
    # the derived closed forms, evaluated by the derivations package in float64
    chain = derivations.mlp.chain("relu", "identity", "mse")
    derived = chain.numpy(X=points, W1=state["0.weight"], b1=state["0.bias"],
                          W2=state["2.weight"], b2=state["2.bias"], Y=targets)
    for key, name in (("W1", "0.weight"), ("b1", "0.bias"), ("W2", "2.weight"),
                      ("b2", "2.bias")):
        np.testing.assert_allclose(derived[key], oracle[name], rtol=1e-4, atol=1e-6,
                                   err_msg=key)
    # by hand in NumPy: batch form (∂L/∂Z₂)ᵀ H₁ and the column form Σᵢ δ₂⁽ⁱ⁾ h₁⁽ⁱ⁾ᵀ
    X = points.astype(np.float64)
    H1 = np.maximum(X @ state["0.weight"].T.astype(np.float64) + state["0.bias"], 0.0)
    Y_hat = H1 @ state["2.weight"].T.astype(np.float64) + state["2.bias"]
    n, o = targets.shape
    dZ2 = 2.0 / (n * o) * (Y_hat - targets)
    np.testing.assert_allclose(dZ2.T @ H1, oracle["2.weight"], rtol=1e-4, atol=1e-6)
    column = sum(np.outer(dZ2[i], H1[i]) for i in range(n))
    np.testing.assert_allclose(column, oracle["2.weight"], rtol=1e-4, atol=1e-6)


def test_09_chain_text_and_proof():
    chain = derivations.mlp.chain("relu", "identity", "mse")
    w2 = chain.grad("W2")
    assert w2.unicode == "∂L/∂W₂ = (∂L/∂Z₂)ᵀ H₁" and w2.shape == "o×h"
    assert bool(chain.prove())


# --------------------------------------------------------------------------------------------
# 10 property-based testing
# --------------------------------------------------------------------------------------------

def numpy_central_difference(f, x, eps=1e-6):
    """d(Σ f(x))/dx entry by entry, by central differences in float64."""
    grad = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[j] += eps
        down[j] -= eps
        grad[j] = (f(up).sum() - f(down).sum()) / (2 * eps)
    return grad


def _square_function(factor):
    class Square(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * factor * x
    return Square


def test_10_gradcheck_separates_wrong_from_right_backward():
    values = np.array([[0.5, -1.5, 2.0]])
    numeric = numpy_central_difference(lambda v: v * v, values)
    for factor, right in ((1, False), (2, True)):
        square = _square_function(factor)
        x = tg.tensor(values, requires_grad=True)
        square.apply(x).sum().backward()
        assert np.allclose(x.grad.numpy(), numeric, atol=1e-6) == right
        x = tg.tensor(values, requires_grad=True)
        assert testing.gradcheck(square.apply, (x,), raise_exception=False) == right


def _mul_property(multiply):
    """The lesson's property, with the engine's multiplication replaceable."""
    @given(testing.broadcastable_shapes(num_shapes=2), st.data())
    def prop(shapes, data):
        a = data.draw(testing.arrays(shapes[0], np.float64, domain="moderate"))
        b = data.draw(testing.arrays(shapes[1], np.float64, domain="moderate"))
        ta, tb = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
        multiply(ta, tb).sum().backward()
        pa, pb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        (pa * pb).sum().backward()
        np.testing.assert_allclose(ta.grad.numpy(), pa.grad.numpy())
        np.testing.assert_allclose(tb.grad.numpy(), pb.grad.numpy())
    return prop


class _MulWrongGradient(tg.autograd.Function):
    """a·b with ∂/∂a written as G ⊙ a (it should be G ⊙ b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * a, grad * a


def test_10_the_lessons_property_passes_for_mul_and_catches_a_broken_one():
    _mul_property(lambda a, b: a * b)()
    with pytest.raises(AssertionError):
        _mul_property(_MulWrongGradient.apply)()


def test_10_scaled_tanh_spec_gradient_is_the_closed_form():
    values = np.linspace(-3, 3, 13)
    x = tg.tensor(values, requires_grad=True)
    (2 * x.tanh()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (1 - np.tanh(values) ** 2), rtol=1e-12)


# --------------------------------------------------------------------------------------------
# 11 to PyTorch
# --------------------------------------------------------------------------------------------

def test_11_state_dict_through_numpy_both_ways_and_same_training_path(tmp_path):
    tg.manual_seed(0)
    torch.manual_seed(0)
    points, targets = regression_data(0)
    ours = mlp(tg, (2, 10, 1), sigmoid_output=False)
    theirs = mlp(torch, (2, 10, 1), sigmoid_output=False)
    # engine → PyTorch: PyTorch now computes the function a NumPy forward pass computes
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in numpy_state(ours).items()})
    by_hand = numpy_forward(numpy_state(ours), points.astype(np.float64), False)
    with torch.no_grad():
        np.testing.assert_allclose(theirs(torch.from_numpy(points)).numpy(), by_hand,
                                   rtol=1e-5, atol=1e-5)
    # the same training path for 50 full-batch SGD steps
    our_losses = train_full_batch(tg, ours, tg.from_numpy(points), tg.from_numpy(targets),
                                  tg.nn.MSELoss(), 0.01, 50)
    their_losses = train_full_batch(torch, theirs, torch.from_numpy(points),
                                    torch.from_numpy(targets), torch.nn.MSELoss(), 0.01, 50)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-4)
    assert their_losses[-1] < their_losses[0]
    # PyTorch → engine, after PyTorch trained alone for a while
    train_full_batch(torch, theirs, torch.from_numpy(points), torch.from_numpy(targets),
                     torch.nn.MSELoss(), 0.01, 20)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    by_hand = numpy_forward(numpy_state(theirs), points.astype(np.float64), False)
    with tg.no_grad():
        np.testing.assert_allclose(ours(tg.from_numpy(points)).numpy(), by_hand,
                                   rtol=1e-5, atol=1e-5)
    # save / load returns the same arrays, bit for bit, in the same dtype
    path = tmp_path / "model.pt"
    tg.save(ours.state_dict(), path)
    loaded = tg.load(path)
    assert list(loaded) == list(ours.state_dict())
    for name, array in numpy_state(ours).items():
        assert loaded[name].numpy().dtype == array.dtype
        np.testing.assert_array_equal(loaded[name].numpy(), array)
    with np.load(path) as archive:
        stored = sorted(np.asarray(archive[f]).tobytes() for f in archive.files
                        if f != "__structure__")
    assert stored == sorted(a.tobytes() for a in numpy_state(ours).values())
