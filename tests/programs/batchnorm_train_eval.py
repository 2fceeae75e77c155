"""BatchNorm1d between Linear and ReLU, trained in train mode (batch statistics, running
averages updated with momentum 0.1) on minibatches in order, then measured in eval mode (the
running statistics).  Every epoch gives two numbers: the mean training loss (train mode) and
the loss on held-out data (eval mode).  SGD with momentum."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 60


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(400)
    x = rng.normal(3.0, 4.0, (320, 5))
    y = (np.tanh(x[:, :2].sum(axis=1, keepdims=True) / 4)
         - 0.1 * x[:, 2:3] + rng.normal(0, 0.05, (320, 1)))
    X, Y = as_tensor(torch, x[:256]), as_tensor(torch, y[:256])
    X_test, Y_test = as_tensor(torch, x[256:]), as_tensor(torch, y[256:])
    model = torch.nn.Sequential(
        torch.nn.Linear(5, 32), torch.nn.BatchNorm1d(32), torch.nn.ReLU(),
        torch.nn.Linear(32, 1))
    init_from_numpy(torch, model, seed=401)
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for start in range(0, 256, 32):
            optimizer.zero_grad()
            loss = loss_fn(model(X[start:start + 32]), Y[start:start + 32])
            loss.backward()
            optimizer.step()
            total += loss.item()
        model.eval()
        with torch.no_grad():
            test_loss = loss_fn(model(X_test), Y_test).item()
        losses += [total / 8, test_loss]
    norm = model[1]
    return losses + norm.running_mean.tolist() + norm.running_var.tolist()
