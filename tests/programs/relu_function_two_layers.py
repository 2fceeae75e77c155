"""A two-layer network without biases, y = relu(x W₁) W₂, whose ReLU is an autograd Function
of our own: the gradient is the incoming one with the entries of negative inputs set to zero.

The API of the two-layer custom-Function tutorial: torch.randn(..., device=, dtype=,
requires_grad=True), x.mm(w), clamp(min=0), grad_output.clone(), boolean-mask assignment,
w.grad.zero_(), a hand-written update under torch.no_grad().  The weights are created with
randn, then overwritten from NumPy so that both libraries start equal.  A loss every step.
"""

import numpy as np

from tests.programs.common import as_tensor

EPOCHS = 300


def main(torch, epochs=EPOCHS):
    class ClampAtZero(torch.autograd.Function):
        @staticmethod
        def forward(ctx, inputs):
            ctx.save_for_backward(inputs)
            return inputs.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            inputs, = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[inputs < 0] = 0
            return grad_input

    rng = np.random.default_rng(11)
    dtype = torch.float
    device = torch.device("cpu")
    batch, d_in, hidden, d_out = 64, 30, 20, 5
    x = as_tensor(torch, rng.normal(size=(batch, d_in))).to(device)
    y = as_tensor(torch, rng.normal(size=(batch, d_out))).to(device)
    w1 = torch.randn(d_in, hidden, device=device, dtype=dtype, requires_grad=True)
    w2 = torch.randn(hidden, d_out, device=device, dtype=dtype, requires_grad=True)
    with torch.no_grad():
        w1.copy_(as_tensor(torch, rng.normal(0.0, 0.2, (d_in, hidden))))
        w2.copy_(as_tensor(torch, rng.normal(0.0, 0.2, (hidden, d_out))))
    learning_rate = 1e-3
    losses = []
    for step in range(epochs):
        relu = ClampAtZero.apply
        y_pred = relu(x.mm(w1)).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    return losses
