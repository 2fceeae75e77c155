"""Lesson 13's central claims, checked independently of its transcript: each quantity the
lesson gets from the engine is computed here another way (NumPy's linear algebra, plain NumPy
gradient descent, PyTorch's own autograd.functional) and compared."""

import numpy as np
import torch as pytorch

import tinygrad_edu as torch
from tinygrad_edu.autograd.functional import hessian, hvp


def seed_data():
    rs = np.random.RandomState(42)
    X = rs.randn(200, 2) * 2
    y = 0.5 * X[:, 0] ** 2 + 1.5 * X[:, 1] + 2 + rs.randn(200) * 0.5
    return X, y.reshape(-1, 1)


X_NP, Y_NP = seed_data()
RNG = np.random.default_rng(13)
W1, B1 = RNG.standard_normal((10, 2)), RNG.standard_normal(10)
W2, B2 = RNG.standard_normal((1, 10)), RNG.standard_normal(1)
H1_NP = np.maximum(X_NP @ W1.T + B1, 0)  # n × h hidden activations, n = 200, h = 10


def loss_in_w2(lib):
    h1, b2, y = lib.tensor(H1_NP), lib.tensor(B2), lib.tensor(Y_NP)
    return lambda w2: ((h1 @ w2.T + b2 - y) ** 2).mean()


def test_hessian_in_w2_is_two_over_n_h1t_h1_and_pytorchs():
    ours = hessian(loss_in_w2(torch), torch.tensor(W2)).numpy().reshape(10, 10)
    theirs = pytorch.autograd.functional.hessian(loss_in_w2(pytorch), pytorch.tensor(W2))
    np.testing.assert_allclose(ours, 2 / 200 * H1_NP.T @ H1_NP, rtol=1e-12)
    np.testing.assert_allclose(ours, theirs.numpy().reshape(10, 10), rtol=1e-12)


def test_power_iteration_with_hvp_finds_the_largest_eigenvalue():
    f = loss_in_w2(torch)
    v = torch.ones(1, 10, dtype=torch.float64)
    for _ in range(200):
        _, hv = hvp(f, torch.tensor(W2), v)
        v = hv / (hv ** 2).sum().sqrt()
    _, hv = hvp(f, torch.tensor(W2), v)
    largest = np.linalg.eigvalsh(2 / 200 * H1_NP.T @ H1_NP).max()
    assert abs((hv * v).sum().item() / largest - 1) < 1e-9


def numpy_descent(features, y, lr, steps):
    """Full-batch gradient descent on (1/n)‖Xθ − y‖² by hand: ∇ = (2/n) Xᵀ(Xθ − y)."""
    theta = np.zeros((features.shape[1], 1))
    losses = []
    for _ in range(steps):
        residual = features @ theta - y
        losses.append(float(np.mean(residual ** 2)))
        theta -= lr * 2 / len(y) * features.T @ residual
    return losses


def engine_descent(features, y, lr, steps):
    """The lesson's loop, on the engine."""
    x, target = torch.tensor(features), torch.tensor(y)
    theta = torch.zeros(features.shape[1], 1, dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((x @ theta - target) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            theta -= lr * theta.grad
        theta.grad = None
    return losses


def test_gradient_descent_converges_below_two_over_lambda_max_and_diverges_above():
    features = np.hstack([X_NP, np.ones((200, 1))])
    hessian_by_hand = 2 / 200 * features.T @ features
    engine_hessian = hessian(lambda t: ((torch.tensor(features) @ t - torch.tensor(Y_NP)) ** 2)
                             .mean(), torch.zeros(3, 1, dtype=torch.float64))
    np.testing.assert_allclose(engine_hessian.numpy().reshape(3, 3), hessian_by_hand,
                               rtol=1e-12)
    limit = 2 / np.linalg.eigvalsh(hessian_by_hand).max()
    for factor, converges in ((0.95, True), (1.05, False)):
        by_hand = numpy_descent(features, Y_NP, factor * limit, 150)
        ours = engine_descent(features, Y_NP, factor * limit, 150)
        np.testing.assert_allclose(ours, by_hand, rtol=1e-9)
        if converges:
            best = np.mean((features @ np.linalg.lstsq(features, Y_NP, rcond=None)[0]
                            - Y_NP) ** 2)
            assert by_hand[-1] < 1.01 * best
        else:
            assert by_hand[-1] > 1e3 * by_hand[0]


def test_one_newton_step_is_the_least_squares_solution():
    features = np.hstack([X_NP, np.ones((200, 1))])
    theta = torch.zeros(3, 1, dtype=torch.float64, requires_grad=True)
    loss = ((torch.tensor(features) @ theta - torch.tensor(Y_NP)) ** 2).mean()
    loss.backward()
    hess = 2 / 200 * features.T @ features
    newton = -np.linalg.solve(hess, theta.grad.numpy())
    best = np.linalg.lstsq(features, Y_NP, rcond=None)[0]
    np.testing.assert_allclose(newton, best, rtol=1e-10)
