"""Imbalanced binary classification (one positive in six): raw logits and
BCEWithLogitsLoss(pos_weight=...) set to the negatives-to-positives ratio, Adam.  A loss every
epoch, then the recall on the positives."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 200


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(150)
    negatives = rng.normal([0.0, 0.0, 0.0], 1.0, (250, 3))
    positives = rng.normal([1.2, -1.0, 0.8], 0.8, (50, 3))
    x = np.concatenate([negatives, positives])
    labels = np.concatenate([np.zeros(250), np.ones(50)])[:, None]
    X, y = as_tensor(torch, x), as_tensor(torch, labels.astype(np.float32))
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 12), torch.nn.SiLU(), torch.nn.Linear(12, 1))
    init_from_numpy(torch, model, seed=151)
    pos_weight = torch.tensor([250 / 50])
    criterion = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        predicted = torch.sigmoid(model(X)) > 0.5
        recall = predicted[y == 1].float().mean().item()
    return losses + [recall]
