"""XOR, the problem a single layer cannot solve: 2-4-1 with Tanh and a Sigmoid output, MSELoss,
plain SGD on the four points.  A loss every epoch, then the four predictions."""

import numpy as np

from tests.programs.common import init_from_numpy

EPOCHS = 1000


def main(torch, epochs=EPOCHS):
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1), torch.nn.Sigmoid())
    init_from_numpy(torch, model, seed=1200)
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        predictions = model(X).flatten().tolist()
    assert np.all(np.isfinite(predictions))
    return losses + predictions
