"""A cubic as a Module of our own: four scalar nn.Parameters and a method printing the fit,
trained on sin(2x)/2 over [-1.5, 1.5] by plain SGD.

The API of the custom-Module tutorial: nn.Module subclass, nn.Parameter(torch.randn(())),
forward, a custom method reading .item(), MSELoss(reduction='sum'), optim.SGD.  The scalars are
drawn by randn, then set from NumPy so that both libraries start equal.  A loss every step.
"""

import numpy as np

EPOCHS = 2000


def main(torch, epochs=EPOCHS):
    class Cubic(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

        def formula(self):
            return (f"y = {self.a.item():.4f} + {self.b.item():.4f} x"
                    f" + {self.c.item():.4f} x^2 + {self.d.item():.4f} x^3")

    x = torch.linspace(-1.5, 1.5, 800)
    y = torch.sin(2 * x) / 2
    model = Cubic()
    start = np.random.default_rng(5).normal(0.0, 1.0, 4)
    with torch.no_grad():
        for param, value in zip(model.parameters(), start):
            param.fill_(float(value))
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    losses = []
    for step in range(epochs):
        loss = criterion(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert model.formula().startswith("y = ")
    return losses
