"""Fit cos(x) on [-2, 2] by y = a + b·T₃(c + d·x), T₃ the Chebyshev polynomial of degree three,
given to autograd as a Function of our own (forward and backward written by hand).

The API of the autograd-Function tutorial: torch.autograd.Function with ctx.save_for_backward
and ctx.saved_tensors, Function.apply, torch.full((), v, device=, dtype=, requires_grad=True),
torch.linspace(device=, dtype=), torch.device, torch.float, and a hand-written update under
torch.no_grad() that resets each .grad to None.  A loss every step.
"""

EPOCHS = 3000


def main(torch, epochs=EPOCHS):
    class Chebyshev3(torch.autograd.Function):
        """T₃(u) = 4u³ − 3u,  T₃'(u) = 12u² − 3."""

        @staticmethod
        def forward(ctx, u):
            ctx.save_for_backward(u)
            return 4 * u ** 3 - 3 * u

        @staticmethod
        def backward(ctx, grad_output):
            u, = ctx.saved_tensors
            return grad_output * (12 * u ** 2 - 3)

    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-2, 2, 1000, device=device, dtype=dtype)
    y = torch.cos(x)
    a = torch.full((), 0.5, device=device, dtype=dtype, requires_grad=True)
    b = torch.full((), -0.2, device=device, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.1, device=device, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.4, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 2e-5
    losses = []
    for step in range(epochs):
        t3 = Chebyshev3.apply
        y_pred = a + b * t3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    return losses
