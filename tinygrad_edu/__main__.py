"""``python -m tinygrad_edu demo``: the seed's Example 1 trained on this engine.

A 2 → hidden → 1 network with ReLU learns y = 0.5·x₀² + 1.5·x₁ + 2 + noise from 200 samples,
with mean squared error and plain SGD on the full batch.  It prints what the lesson prints —
data shapes, the architecture, the parameter shapes, the loss every 50 epochs — and saves the
loss curve as a PNG.
"""

import argparse
import os
import sys

import numpy as np

import tinygrad_edu as torch
import tinygrad_edu.nn as nn


class SimpleNN(nn.Module):
    """Z₁ = X W₁ᵀ + b₁,  H₁ = relu(Z₁),  Ŷ = H₁ W₂ᵀ + b₂."""

    def __init__(self, input_size=2, hidden_size=10, output_size=1):
        super().__init__()
        self.layer1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.layer2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.layer2(self.relu(self.layer1(x)))


def make_data(seed, n_samples=200):
    """The lesson's regression data, drawn from NumPy's legacy stream seeded with `seed`."""
    state = np.random.RandomState(seed)
    X = state.randn(n_samples, 2) * 2
    y = 0.5 * X[:, 0] ** 2 + 1.5 * X[:, 1] + 2.0 + state.randn(n_samples) * 0.5
    return torch.FloatTensor(X), torch.FloatTensor(y).reshape(-1, 1)


def train(epochs, lr, hidden, seed, progress=None):
    torch.manual_seed(seed)
    X, y = make_data(seed)
    print("Data shape:", X.shape, y.shape)

    model = SimpleNN(hidden_size=hidden)
    print("Model architecture:")
    print(model)
    print("\nParameter shapes:")
    for name, param in model.named_parameters():
        print(f"{name}: {param.shape}")
    print()

    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        loss = criterion(model(X), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if progress is not None:
            progress.update(epoch + 1, epochs, losses[-1])
        if (epoch + 1) % 50 == 0:
            if progress is not None:
                progress.clear()
            print(f"Epoch [{epoch + 1}/{epochs}], Loss: {loss.item():.4f}", flush=True)
    return losses


def plot_losses(losses, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 6))
    ax.plot(range(len(losses)), losses, label="Training Loss (MSE)")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Loss")
    ax.set_title("Training Loss Over Epochs (Simple Neural Network)")
    ax.legend()
    ax.grid(True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


class ProgressLine:
    """One status line on a terminal, rewritten in place each epoch (silent when piped)."""

    def __init__(self, stream):
        self.stream = stream
        self.active = stream.isatty()

    def update(self, epoch, total, loss):
        if self.active:
            self.stream.write(f"\r  epoch {epoch:4d}/{total}  loss {loss:.4f} ")
            self.stream.flush()

    def clear(self):
        if self.active:
            self.stream.write("\r" + " " * 40 + "\r")
            self.stream.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tinygrad_edu",
        description="tinygrad_edu: an educational autograd engine with PyTorch's API.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="train the lesson's 2 → 10 → 1 regression network and plot its loss")
    demo.add_argument("--epochs", type=int, default=200, help="full-batch epochs (200)")
    demo.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (0.01)")
    demo.add_argument("--hidden", type=int, default=10, help="hidden units (10)")
    demo.add_argument("--seed", type=int, default=42, help="random seed (42)")
    demo.add_argument("--out", default="loss_curve.png",
                      help="where to write the loss-curve PNG (loss_curve.png)")
    args = parser.parse_args(argv)

    if args.epochs < 1 or args.hidden < 1 or args.lr <= 0:
        parser.error("--epochs and --hidden must be positive and --lr greater than 0")
    progress = ProgressLine(sys.stderr)
    losses = train(args.epochs, args.lr, args.hidden, args.seed, progress)
    progress.clear()
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    plot_losses(losses, args.out)
    print(f"\nLoss curve saved to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
