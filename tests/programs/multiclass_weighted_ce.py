"""Three spiral arms, the third class rarer: CrossEntropyLoss(weight=...) weighting each class
by the inverse of its frequency, Adam.  A loss every epoch, then the accuracy."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy, spirals

EPOCHS = 300


def main(torch, epochs=EPOCHS):
    points, labels = spirals(np.random.default_rng(160), 100)
    keep = (labels != 2) | (np.arange(len(labels)) % 3 == 0)
    points, labels = points[keep], labels[keep]
    counts = np.bincount(labels)
    X, y = as_tensor(torch, points), as_tensor(torch, labels)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 3))
    init_from_numpy(torch, model, seed=161)
    weight = torch.tensor(len(labels) / (3.0 * counts), dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        accuracy = (model(X).argmax(dim=1) == y).float().mean().item()
    return losses + [accuracy]
