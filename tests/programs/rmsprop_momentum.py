"""RMSprop with its options alpha=0.9, momentum=0.5 and weight_decay, on a multi-output
regression with a Softplus network; the learning rate lowered by hand at two-thirds through
(optimizer.param_groups[0]['lr']).  A loss every epoch."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 300


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(1500)
    x = rng.normal(size=(200, 3))
    y = np.stack([x[:, 0] * x[:, 1], np.exp(-x[:, 2] ** 2), x.sum(axis=1)], axis=1)
    X, Y = as_tensor(torch, x), as_tensor(torch, y)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 32), torch.nn.Softplus(), torch.nn.Linear(32, 3))
    init_from_numpy(torch, model, seed=1501)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=3e-4, alpha=0.9, momentum=0.5,
                                    weight_decay=1e-4)
    loss_fn = torch.nn.MSELoss()
    losses = []
    for epoch in range(epochs):
        if epoch == 2 * epochs // 3:
            optimizer.param_groups[0]["lr"] = 1e-4
        optimizer.zero_grad()
        loss = loss_fn(model(X), Y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
