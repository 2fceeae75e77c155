"""A deeper MLP with LayerNorm before each activation (pre-activation normalisation), regressing
a smooth function of eight inputs, Adam.  A loss every epoch, then the LayerNorm's learned
scale and shift of the first block."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 200


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(600)
    x = rng.normal(size=(256, 8))
    y = np.cos(x[:, :4]).sum(axis=1, keepdims=True) - x[:, 4:6].prod(axis=1, keepdims=True)
    X, Y = as_tensor(torch, x), as_tensor(torch, y)

    def block(n_in, n_out):
        return [torch.nn.Linear(n_in, n_out), torch.nn.LayerNorm(n_out), torch.nn.Mish()]

    model = torch.nn.Sequential(*block(8, 32), *block(32, 32), torch.nn.Linear(32, 1))
    init_from_numpy(torch, model, seed=601)
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), Y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses + model[1].weight.tolist() + model[1].bias.tolist()
