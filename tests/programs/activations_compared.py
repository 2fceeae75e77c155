"""The same small regression trained once per activation (ReLU, LeakyReLU, ELU, GELU with
the tanh approximation, SiLU, Softsign, Hardswish, PReLU), the activations kept in an
nn.ModuleDict and looked up by name; SGD with momentum.  Every epoch gives one loss per
activation, in the dictionary's order."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 150


def main(torch, epochs=EPOCHS):
    nn = torch.nn
    rng = np.random.default_rng(1400)
    x = rng.uniform(-2, 2, (128, 1))
    y = np.abs(x) - 0.5 * np.sin(3 * x)
    X, Y = as_tensor(torch, x), as_tensor(torch, y)
    activations = nn.ModuleDict({
        "relu": nn.ReLU(), "leaky": nn.LeakyReLU(0.05), "elu": nn.ELU(),
        "gelu": nn.GELU(approximate="tanh"), "silu": nn.SiLU(), "softsign": nn.Softsign(),
        "hardswish": nn.Hardswish(), "prelu": nn.PReLU()})
    models, optimizers = {}, {}
    for name in activations:
        models[name] = nn.Sequential(nn.Linear(1, 16), activations[name], nn.Linear(16, 1))
        init_from_numpy(torch, models[name], seed=1401)
        optimizers[name] = torch.optim.SGD(models[name].parameters(), lr=0.05, momentum=0.8)
    loss_fn = nn.MSELoss()
    losses = []
    for epoch in range(epochs):
        for name, model in models.items():
            optimizers[name].zero_grad()
            loss = loss_fn(model(X), Y)
            loss.backward()
            optimizers[name].step()
            losses.append(loss.item())
    return losses
