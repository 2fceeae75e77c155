"""``python -m tinygrad_edu demo``: the seed's Example 1 trained on this engine.

A 2 → hidden → 1 network with ReLU learns y = 0.5·x₀² + 1.5·x₁ + 2 + noise from 200 samples,
with mean squared error and plain SGD on the full batch.  It prints what the lesson prints:
data shapes, the architecture, the parameter shapes, the loss at the first epoch, every 50th
and the last; and it saves the loss curve as a picture (out/loss_curve.png by default: out/ is
in .gitignore, so a run inside the checkout leaves `git status` clean).

Every bad option is refused before training starts, by name, under the demo's usage (exit 2);
a loss that stops being a finite number ends training with the epoch and a hint (exit 1).
"""

import argparse
import math
import os
import sys

import numpy as np

import tinygrad_edu as torch
import tinygrad_edu.nn as nn

DEFAULT_OUT = os.path.join("out", "loss_curve.png")
MAX_HIDDEN = 100_000  # 200 × 100,000 float32 activations is 80 MB; far more only exhausts memory


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


class TrainingDiverged(ArithmeticError):
    """The loss stopped being a finite number: the step size is too large for this problem."""

    def __init__(self, epoch, epochs, loss, lr):
        super().__init__(
            f"the loss became {loss} at epoch {epoch} of {epochs}: training diverged with "
            f"--lr {lr}. Try a smaller learning rate, e.g. --lr {lr / 10:g} (the default, "
            f"0.01, trains this network)")
        self.epoch, self.loss = epoch, loss


def train(epochs, lr, hidden, seed, progress=None):
    """Train the seed's network; returns the loss of every epoch.

    Prints the loss at epoch 1, every 50th epoch and the last one (so a short run shows its
    progress too); raises TrainingDiverged as soon as the loss is inf or NaN.
    """
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
    for epoch in range(1, epochs + 1):
        loss = criterion(model(X), y)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            raise TrainingDiverged(epoch, epochs, losses[-1], lr)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if progress is not None:
            progress.update(epoch, epochs, losses[-1])
        if epoch == 1 or epoch % 50 == 0 or epoch == epochs:
            if progress is not None:
                progress.clear()
            print(f"Epoch [{epoch}/{epochs}], Loss: {losses[-1]:.4f}", flush=True)
    return losses


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


# Each option's type names what it wants; argparse puts "argument --epochs:" in front.

def _whole_number(text, low, high):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be between {low:,} and {high:,}, got {value:,}")
    return value


def _epochs(text):
    return _whole_number(text, 1, 10**9)


def _hidden(text):
    return _whole_number(text, 1, MAX_HIDDEN)


def _seed(text):
    return _whole_number(text, 0, 2**32 - 1)  # the range NumPy's RandomState accepts


def _learning_rate(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.01, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number greater than 0, got {text}")
    return value


def _check_out(parser, path):
    """Refuse an --out the plot could not be written to, before any training."""
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    extension = os.path.splitext(path)[1].lstrip(".").lower()
    if os.path.isdir(path):
        parser.error(f"argument --out: {path!r} is a folder; give a file name such as "
                     f"{os.path.join(path, 'loss_curve.png')!r}")
    if extension not in formats:
        kind = f"a .{extension} file" if extension else "a file without an extension"
        parser.error(f"argument --out: cannot save the picture as {kind} ({path!r}); "
                     f"end the name with one of: .{', .'.join(sorted(formats))}")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        parser.error(f"argument --out: cannot make the folder {folder!r}: {error.strerror}")
    if not os.access(folder, os.W_OK):
        parser.error(f"argument --out: the folder {folder!r} is not writable")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m tinygrad_edu",
        description="tinygrad_edu: an educational autograd engine with PyTorch's API.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    demo = commands.add_parser(
        "demo", help="train the lesson's 2 → 10 → 1 regression network and plot its loss",
        description="Train the seed's 2 → hidden → 1 network with MSE and full-batch SGD, "
                    "print its shapes and losses, and save the loss curve.")
    demo.add_argument("--epochs", type=_epochs, default=200, help="full-batch epochs (200)")
    demo.add_argument("--lr", type=_learning_rate, default=0.01,
                      help="SGD learning rate (0.01)")
    demo.add_argument("--hidden", type=_hidden, default=10,
                      help=f"hidden units, 1 to {MAX_HIDDEN:,} (10)")
    demo.add_argument("--seed", type=_seed, default=42, help="random seed, 0 to 2**32 - 1 (42)")
    demo.add_argument("--out", default=DEFAULT_OUT,
                      help=f"where to save the loss curve: .png, .pdf, .svg, … ({DEFAULT_OUT})")
    return parser, demo


def main(argv=None):
    parser, demo = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # named under the demo's usage, where plain parse_args would show the top one
        demo.error(f"unrecognized arguments: {' '.join(unknown)}")
    _check_out(demo, args.out)
    progress = ProgressLine(sys.stderr)
    try:
        losses = train(args.epochs, args.lr, args.hidden, args.seed, progress)
    except TrainingDiverged as error:
        progress.clear()
        print(f"python -m tinygrad_edu demo: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        progress.clear()
        print("python -m tinygrad_edu demo: interrupted", file=sys.stderr)
        return 130
    progress.clear()
    from . import viz

    try:
        viz.plot_losses(losses, args.out, title="Training loss (MSE) of the 2 → "
                        f"{args.hidden} → 1 network", ylabel="MSE loss")
    except OSError as error:
        print(f"python -m tinygrad_edu demo: error: cannot write {args.out!r}: {error}",
              file=sys.stderr)
        return 1
    print(f"\nLoss curve saved to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
