"""A custom autograd.Function inside a custom Module: a "soft clip" activation
s(x) = x / (1 + |x|) whose backward, 1 / (1 + |x|)², is written by hand from the saved output
(ctx.save_for_backward of the result, ctx.needs_input_grad checked), plus a learnable
per-unit slope as a Parameter of the Module, trained on a classification task with Adam.
Returns the losses, then the largest difference between the hand-written derivative and a
central difference of the forward at 13 points (float64)."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy, spirals

EPOCHS = 200


def main(torch, epochs=EPOCHS):
    class SoftClip(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x / (1 + x.abs())
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            y, = ctx.saved_tensors
            if not ctx.needs_input_grad[0]:
                return None
            return grad_output * (1 - y.abs()) ** 2   # 1/(1+|x|) = 1 − |y|

    class SoftClipLayer(torch.nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.linear = torch.nn.Linear(n_in, n_out)
            self.slope = torch.nn.Parameter(torch.ones(n_out))

        def forward(self, x):
            return SoftClip.apply(self.slope * self.linear(x))

    probe = torch.tensor(np.linspace(-3, 3, 13), dtype=torch.float64, requires_grad=True)
    SoftClip.apply(probe).sum().backward()
    with torch.no_grad():
        h = 1e-6
        central = (SoftClip.apply(probe + h) - SoftClip.apply(probe - h)) / (2 * h)
        derivative_error = (probe.grad - central).abs().max().item()
    points, labels = spirals(np.random.default_rng(800), 50)
    X, y = as_tensor(torch, points), as_tensor(torch, labels)
    model = torch.nn.Sequential(
        SoftClipLayer(2, 32), SoftClipLayer(32, 32), torch.nn.Linear(32, 3))
    init_from_numpy(torch, model, seed=801)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses + [derivative_error]
