"""The cubic of polynomial_sequential, fitted to tanh(x) on [-3, 3] by torch.optim.RMSprop.

The API of the optim tutorial: the same features and nn.Sequential(Linear(3, 1), Flatten(0, 1))
with MSELoss(reduction='sum'), and an optimizer's zero_grad() and step().  A loss every step.
"""

from tests.programs.common import init_from_numpy

EPOCHS = 1500


def main(torch, epochs=EPOCHS):
    x = torch.linspace(-3, 3, 600)
    y = torch.tanh(x)
    features = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    init_from_numpy(torch, model, seed=4)
    loss_fn = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    losses = []
    for step in range(epochs):
        loss = loss_fn(model(features), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses
