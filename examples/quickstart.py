"""Fit y = 3x - 1 with a single weight and bias: the smallest complete training loop."""

import tinygrad_edu as torch

torch.manual_seed(0)
x = torch.linspace(-1, 1, 50).reshape(-1, 1)
y = 3 * x - 1 + 0.1 * torch.randn(50, 1)

w = torch.zeros(1, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for step in range(200):
    loss = ((x @ w + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
    w.grad = None
    b.grad = None
    if (step + 1) % 50 == 0:
        print(f"step {step + 1:3d}  loss {loss.item():.4f}")
print(f"w = {w.item():.3f} (true 3), b = {b.item():.3f} (true -1)")
