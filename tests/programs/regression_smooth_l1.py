"""Regression with SmoothL1Loss(beta=0.5): two outputs (a point's polar radius and a sine of
its angle) from Cartesian coordinates, LeakyReLU hidden layers, SGD with momentum.  A loss
every epoch."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 300


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(120)
    x = rng.uniform(-1, 1, (256, 2))
    radius = np.hypot(x[:, 0], x[:, 1])
    y = np.stack([radius, np.sin(np.arctan2(x[:, 1], x[:, 0]))], axis=1)
    X, Y = as_tensor(torch, x), as_tensor(torch, y)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 24), torch.nn.LeakyReLU(0.1),
        torch.nn.Linear(24, 24), torch.nn.LeakyReLU(0.1),
        torch.nn.Linear(24, 2))
    init_from_numpy(torch, model, seed=121)
    criterion = torch.nn.SmoothL1Loss(beta=0.5)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), Y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
