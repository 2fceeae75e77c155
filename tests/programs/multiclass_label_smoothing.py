"""Four Gaussian blobs classified with CrossEntropyLoss(label_smoothing=0.1) by SGD; the
per-epoch loss, and the mean top probability at the end (label smoothing keeps it below 1)."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 300


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(170)
    centres = np.array([[-2, -2], [2, -2], [-2, 2], [2, 2]], dtype=float)
    labels = rng.integers(0, 4, 240)
    x = centres[labels] + rng.normal(0, 0.9, (240, 2))
    X, y = as_tensor(torch, x), as_tensor(torch, labels)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 20), torch.nn.ELU(), torch.nn.Linear(20, 4))
    init_from_numpy(torch, model, seed=171)
    criterion = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        confidence = torch.softmax(model(X), dim=1).max(dim=1).values.mean().item()
    return losses + [confidence]
