"""Fit exp(x/2) on [-2, 2] by a cubic: the powers x, x², x³ as features of one nn.Linear(3, 1),
flattened to a vector by nn.Flatten(0, 1), trained by hand.

The API of the nn-package tutorial: x.unsqueeze(-1).pow(torch.tensor([1, 2, 3])),
nn.Sequential, nn.Linear, nn.Flatten(0, 1), nn.MSELoss(reduction='sum'), model.zero_grad(), an
update of model.parameters() under torch.no_grad(), model[0], weight[:, 0].item() and
bias.item().  A loss every step; the fitted coefficients are returned after the losses.
"""

from tests.programs.common import init_from_numpy

EPOCHS = 2000


def main(torch, epochs=EPOCHS):
    x = torch.linspace(-2, 2, 500)
    y = torch.exp(x / 2)
    powers = torch.tensor([1, 2, 3])
    features = x.unsqueeze(-1).pow(powers)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    init_from_numpy(torch, model, seed=3)
    loss_fn = torch.nn.MSELoss(reduction='sum')
    learning_rate = 1e-4
    losses = []
    for step in range(epochs):
        y_pred = model(features)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear = model[0]
    coefficients = [linear.bias.item()] + [linear.weight[:, i].item() for i in range(3)]
    return losses + coefficients
