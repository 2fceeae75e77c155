"""Regression with a small MLP and MSELoss: learn y = sin(x₁) + x₂²/2 from noisy samples, plain
SGD on the whole batch.  A loss every epoch."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 400


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(100)
    x = rng.uniform(-2, 2, (200, 2))
    y = np.sin(x[:, :1]) + 0.5 * x[:, 1:] ** 2 + rng.normal(0, 0.05, (200, 1))
    X, Y = as_tensor(torch, x), as_tensor(torch, y)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    init_from_numpy(torch, model, seed=101)
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), Y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
