"""The same character model written from raw tensors, as in a from-scratch lecture: a lookup
table C indexed by integer tensors (C[X]), weights made with requires_grad, F.cross_entropy on
the whole text, p.grad = None before backward and p.data += -lr * p.grad after, the learning
rate decayed by hand.  A loss every step."""

import numpy as np

from tests.programs.common import TEXT, as_tensor, character_windows

EPOCHS = 400


def main(torch, epochs=EPOCHS):
    F = torch.nn.functional
    contexts, targets, vocabulary = character_windows(TEXT, 3)
    X, Y = as_tensor(torch, contexts), as_tensor(torch, targets)
    rng = np.random.default_rng(310)
    C = as_tensor(torch, rng.normal(size=(vocabulary, 4)))
    W1 = as_tensor(torch, rng.normal(size=(12, 48)) / np.sqrt(12))
    b1 = as_tensor(torch, np.zeros(48))
    W2 = as_tensor(torch, rng.normal(size=(48, vocabulary)) * 0.1)
    b2 = as_tensor(torch, np.zeros(vocabulary))
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    losses = []
    for step in range(epochs):
        emb = C[X]
        h = torch.tanh(emb.view(-1, 12) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Y)
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.5 if step < epochs * 3 // 4 else 0.05
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())
    return losses
