"""Regenerate the two pictures README shows: the seed network's computation graph and its
loss curve.  Run from the repository root:  python docs/make_images.py"""

import io
from contextlib import redirect_stdout
from pathlib import Path

import tinygrad_edu as torch
import tinygrad_edu.nn as nn
from tinygrad_edu import viz
from tinygrad_edu.__main__ import SimpleNN, make_data, train

HERE = Path(__file__).parent / "images"


def main():
    HERE.mkdir(exist_ok=True)
    torch.manual_seed(42)
    X, y = make_data(42)
    model = SimpleNN()
    loss = nn.MSELoss()(model(X), y)
    viz.draw_graph(loss, path=HERE / "graph.png", model=model)
    with redirect_stdout(io.StringIO()):  # the demo's printout is not wanted here
        losses = train(epochs=200, lr=0.01, hidden=10, seed=42)
    viz.plot_losses(losses, HERE / "loss_curve.png",
                    title="The seed's 2 → 10 → 1 network on tinygrad_edu (MSE, SGD)")
    print(f"wrote {HERE / 'graph.png'} and {HERE / 'loss_curve.png'}")


if __name__ == "__main__":
    main()
