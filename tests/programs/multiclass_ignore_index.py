"""Semi-labelled data: a third of the points carry the label -1, meaning "unknown", which
CrossEntropyLoss(ignore_index=-1) leaves out of the loss and of its mean.  An MLP with
Hardtanh, SGD with Nesterov momentum.  A loss every epoch."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy, spirals

EPOCHS = 300


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(180)
    points, labels = spirals(rng, 60, noise=0.1)
    labels = np.where(rng.uniform(size=len(labels)) < 1 / 3, -1, labels)
    X, y = as_tensor(torch, points), as_tensor(torch, labels)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 48), torch.nn.Hardtanh(),
        torch.nn.Linear(48, 48), torch.nn.Hardtanh(),
        torch.nn.Linear(48, 3))
    init_from_numpy(torch, model, seed=181)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
