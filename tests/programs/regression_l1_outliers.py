"""Robust regression with L1Loss: a line through data of which one point in ten is a gross
outlier; a one-hidden-layer net with ReLU, trained by Adam.  A loss every epoch."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 300


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(110)
    x = rng.uniform(-3, 3, (150, 1))
    y = 1.5 * x - 0.5 + rng.normal(0, 0.1, (150, 1))
    y[::10] += rng.choice([-8.0, 8.0], (15, 1))
    X, Y = as_tensor(torch, x), as_tensor(torch, y)
    model = torch.nn.Sequential(
        torch.nn.Linear(1, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    init_from_numpy(torch, model, seed=111)
    criterion = torch.nn.L1Loss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), Y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
