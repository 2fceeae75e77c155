"""Checkpointing: train for half the epochs, torch.save the model's and the optimizer's
state_dicts to a file, build a fresh model and optimizer, torch.load the file and
load_state_dict both, and continue training.  The losses of the first half, then of the
second half as the reloaded model trains on; then the reloaded model's loss before any step
must equal the saved one's (checked inside).  Adam, whose moment estimates travel in the
optimizer's state."""

import os
import tempfile

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 200


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(900)
    x = rng.uniform(-2, 2, (160, 3))
    y = (np.sin(x).sum(axis=1) > 0).astype(np.float32)[:, None]
    X, Y = as_tensor(torch, x), as_tensor(torch, y)

    def new_model():
        return torch.nn.Sequential(
            torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))

    def train(model, optimizer, steps, losses):
        loss_fn = torch.nn.BCEWithLogitsLoss()
        for step in range(steps):
            optimizer.zero_grad()
            loss = loss_fn(model(X), Y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

    model = init_from_numpy(torch, new_model(), seed=901)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    train(model, optimizer, epochs // 2, losses)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "checkpoint.pt")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "epoch": epochs // 2}, path)
        checkpoint = torch.load(path)
    fresh = new_model()
    fresh.load_state_dict(checkpoint["model"])
    fresh_optimizer = torch.optim.Adam(fresh.parameters(), lr=0.01)
    fresh_optimizer.load_state_dict(checkpoint["optimizer"])
    with torch.no_grad():
        assert torch.equal(fresh(X), model(X)), "the reloaded model computes otherwise"
    assert checkpoint["epoch"] == epochs // 2
    train(fresh, fresh_optimizer, epochs - epochs // 2, losses)
    return losses
