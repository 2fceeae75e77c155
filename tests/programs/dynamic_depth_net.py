"""Control flow and weight sharing: a polynomial whose degree is drawn anew (3, 4 or 5) at every
forward pass, the terms above x³ all sharing one coefficient e.

The API of the dynamic-net tutorial: nn.Module with five scalar nn.Parameters, a Python loop in
forward that reuses one Parameter, MSELoss(reduction='sum'), optim.SGD with momentum.  The
degree comes from Python's random.Random seeded the same for both libraries, so both draw the
same degrees.  A loss every step.
"""

import math
import random

import numpy as np

EPOCHS = 4000


def main(torch, epochs=EPOCHS):
    degrees = random.Random(6)

    class SharedTail(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))
            self.e = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            for power in range(4, degrees.randint(4, 6)):
                y = y + self.e * x ** power
            return y

    x = torch.linspace(-math.pi, math.pi, 1000)
    y = torch.sin(x)
    model = SharedTail()
    start = np.random.default_rng(7).normal(0.0, 0.3, 5)
    with torch.no_grad():
        for param, value in zip(model.parameters(), start):
            param.copy_(torch.tensor(float(value)))
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    losses = []
    for step in range(epochs):
        loss = criterion(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses
