"""Classification the older way: the network ends in nn.LogSoftmax(dim=1) and is trained with
NLLLoss, by RMSprop.  Five classes of points on concentric rings.  A loss every epoch."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 200


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(190)
    labels = rng.integers(0, 5, 300)
    angle = rng.uniform(0, 2 * np.pi, 300)
    radius = 0.5 + labels + rng.normal(0, 0.15, 300)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1) / 3
    X, y = as_tensor(torch, x), as_tensor(torch, labels)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 32), torch.nn.Softplus(),
        torch.nn.Linear(32, 5), torch.nn.LogSoftmax(dim=1))
    init_from_numpy(torch, model, seed=191)
    loss_fn = torch.nn.NLLLoss()
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.002)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
