"""Logistic regression written out by hand, the first lesson of many courses: weights and bias
as tensors with requires_grad=True, the sigmoid and the binary cross-entropy written as
formulas (no nn), the update w -= lr * w.grad under torch.no_grad() and w.grad.zero_().  A loss
every epoch, then the learned weights."""

import numpy as np

from tests.programs.common import as_tensor

EPOCHS = 500


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(1100)
    x = rng.normal(size=(300, 4))
    true_w = np.array([1.5, -2.0, 0.0, 0.7])
    p = 1 / (1 + np.exp(-(x @ true_w + 0.4)))
    labels = (rng.uniform(size=300) < p).astype(np.float32)
    X, y = as_tensor(torch, x), as_tensor(torch, labels)
    w = torch.zeros(4, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    learning_rate = 0.5
    losses = []
    for epoch in range(epochs):
        z = X @ w + b
        prob = 1 / (1 + torch.exp(-z))
        loss = -(y * torch.log(prob) + (1 - y) * torch.log(1 - prob)).mean()
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
            w.grad.zero_()
            b.grad.zero_()
        losses.append(loss.item())
    return losses + w.detach().tolist() + b.detach().tolist()
