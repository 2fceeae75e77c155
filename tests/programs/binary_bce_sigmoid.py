"""Binary classification of the two-moons data: the network ends in nn.Sigmoid and is trained
with BCELoss by SGD with momentum.  Returns per epoch the loss, then the final accuracy."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy, two_moons

EPOCHS = 300


def main(torch, epochs=EPOCHS):
    points, labels = two_moons(np.random.default_rng(140), 200)
    X = as_tensor(torch, points)
    y = as_tensor(torch, labels[:, None].astype(np.float32))
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(),
        torch.nn.Linear(16, 16), torch.nn.ReLU(),
        torch.nn.Linear(16, 1), torch.nn.Sigmoid())
    init_from_numpy(torch, model, seed=141)
    loss_fn = torch.nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        probabilities = model(X)
        loss = loss_fn(probabilities, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        accuracy = ((model(X) > 0.5).float() == y).float().mean().item()
    return losses + [accuracy]
