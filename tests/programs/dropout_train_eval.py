"""Dropout in train and eval mode.  nn.Dropout draws its masks from the library's own random
stream, which differs between libraries, so the training steps here drop units with masks drawn
from NumPy instead, applied as nn.Dropout does (zero with probability p, scale the kept by
1/(1−p)); the nn.Dropout layer itself runs in eval mode (the identity) for the test loss of
every epoch.  Each epoch gives the training loss (our masks) and the test loss (eval mode).
dropout_itself() looks at nn.Dropout in train mode: random, so compared with p, not between
libraries."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy, two_moons

EPOCHS = 150
P = 0.3


def main(torch, epochs=EPOCHS):
    points, labels = two_moons(np.random.default_rng(500), 300, noise=0.25)
    X, y = as_tensor(torch, points[:200]), as_tensor(torch, labels[:200])
    X_test, y_test = as_tensor(torch, points[200:]), as_tensor(torch, labels[200:])

    class DropoutNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = torch.nn.Linear(2, 64)
            self.drop = torch.nn.Dropout(p=P)
            self.out = torch.nn.Linear(64, 2)

        def forward(self, x, mask=None):
            h = torch.relu(self.hidden(x))
            if self.training and mask is not None:
                h = h * mask / (1 - P)   # dropout with a mask we drew ourselves
            else:
                h = self.drop(h)
            return self.out(h)

    model = DropoutNet()
    init_from_numpy(torch, model, seed=501)
    masks = np.random.default_rng(502)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(epochs):
        model.train()
        mask = as_tensor(torch, (masks.uniform(size=(200, 64)) >= P).astype(np.float32))
        optimizer.zero_grad()
        loss = criterion(model(X, mask), y)
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            test_loss = criterion(model(X_test), y_test).item()
        losses += [loss.item(), test_loss]
    return losses


def dropout_itself(torch):
    """What nn.Dropout(p=P) does to ones: (fraction zeroed in train mode over 20 passes,
    the kept entries all equal 1/(1−p), eval mode is the identity)."""
    drop, ones = torch.nn.Dropout(p=P), torch.ones(20, 1000)
    drop.train()
    outputs = [drop(ones) for _ in range(20)]
    zeroed = sum((out == 0).float().mean().item() for out in outputs) / 20
    kept = torch.cat([out[out != 0] for out in outputs])
    kept_scaled = bool(torch.allclose(kept, torch.full_like(kept, 1 / (1 - P))))
    drop.eval()
    return zeroed, kept_scaled, bool(torch.equal(drop(ones), ones))
