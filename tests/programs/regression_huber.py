"""Regression with HuberLoss(delta=1.0) on heavy-tailed noise (Student t): y = x³/4 − x, a GELU
network trained by Adam with weight decay.  The loss summed per epoch over minibatches taken
in order by slicing.  A loss every epoch."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 150


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(130)
    x = rng.uniform(-3, 3, (240, 1))
    y = x ** 3 / 4 - x + rng.standard_t(2, (240, 1)) * 0.3
    X, Y = as_tensor(torch, x), as_tensor(torch, y)
    model = torch.nn.Sequential(
        torch.nn.Linear(1, 32), torch.nn.GELU(), torch.nn.Linear(32, 1))
    init_from_numpy(torch, model, seed=131)
    criterion = torch.nn.HuberLoss(delta=1.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=1e-4)
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for start in range(0, len(X), 60):
            xb, yb = X[start:start + 60], Y[start:start + 60]
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total / 4)
    return losses
