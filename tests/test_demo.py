"""The main job: `python -m tinygrad_edu demo` prints what the seed's Example 1 prints and
writes the loss curve."""

import re
import subprocess
import sys

import numpy as np

from tinygrad_edu.__main__ import make_data, train

SEED_LINES = [  # the seed's printout, with our library's name where PyTorch prints its own
    "Data shape: tinygrad_edu.Size([200, 2]) tinygrad_edu.Size([200, 1])",
    "Model architecture:",
    "SimpleNN(",
    "  (layer1): Linear(in_features=2, out_features=10, bias=True)",
    "  (relu): ReLU()",
    "  (layer2): Linear(in_features=10, out_features=1, bias=True)",
    ")",
    "",
    "Parameter shapes:",
    "layer1.weight: tinygrad_edu.Size([10, 2])",
    "layer1.bias: tinygrad_edu.Size([10])",
    "layer2.weight: tinygrad_edu.Size([1, 10])",
    "layer2.bias: tinygrad_edu.Size([1])",
    "",
]
EPOCH_LINE = re.compile(r"^Epoch \[(\d+)/200\], Loss: (\d+\.\d{4})$")


def run_demo(*args, cwd):
    return subprocess.run([sys.executable, "-m", "tinygrad_edu", "demo", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def test_demo_prints_the_seeds_lines_and_writes_the_plot(tmp_path):
    out = tmp_path / "plots" / "curve.png"
    result = run_demo("--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:len(SEED_LINES)] == SEED_LINES
    epochs = [EPOCH_LINE.match(line) for line in lines[len(SEED_LINES):len(SEED_LINES) + 4]]
    assert all(epochs), lines
    assert [int(m.group(1)) for m in epochs] == [50, 100, 150, 200]
    losses = [float(m.group(2)) for m in epochs]
    assert losses == sorted(losses, reverse=True) and losses[-1] < 1.5  # it learned
    assert lines[-1] == f"Loss curve saved to {out}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    assert "epoch" not in result.stderr  # the progress line is for terminals only


def test_demo_options_change_the_run(tmp_path):
    result = run_demo("--epochs", "50", "--hidden", "4", "--lr", "0.05", "--seed", "7",
                      "--out", "c.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "  (layer1): Linear(in_features=2, out_features=4, bias=True)" in result.stdout
    assert "layer2.weight: tinygrad_edu.Size([1, 4])" in result.stdout
    assert re.search(r"^Epoch \[50/50\], Loss: \d+\.\d{4}$", result.stdout, re.M)
    assert (tmp_path / "c.png").exists()


def test_demo_refuses_bad_options(tmp_path):
    result = run_demo("--epochs", "0", cwd=tmp_path)
    assert result.returncode != 0 and "--epochs" in result.stderr


def test_demo_data_follows_the_seeds_recipe():
    """y = 0.5 x₀² + 1.5 x₁ + 2 + noise, X drawn as randn(200, 2) · 2 from NumPy's seed."""
    X, y = make_data(42)
    state = np.random.RandomState(42)
    features = state.randn(200, 2) * 2
    noise = state.randn(200) * 0.5
    np.testing.assert_allclose(X.numpy(), features.astype(np.float32))
    expected = 0.5 * features[:, 0] ** 2 + 1.5 * features[:, 1] + 2.0 + noise
    np.testing.assert_allclose(y.numpy()[:, 0], expected.astype(np.float32), rtol=1e-6)


def test_demo_training_matches_pytorch_from_the_same_start(capsys):
    """The demo's loop, replayed in PyTorch from the demo's initial weights, gives its losses."""
    import torch

    import tinygrad_edu

    losses = train(epochs=30, lr=0.01, hidden=10, seed=3)
    capsys.readouterr()
    tinygrad_edu.manual_seed(3)  # the same draws as train() made for the model
    from tinygrad_edu.__main__ import SimpleNN
    ours = SimpleNN()
    X, y = make_data(3)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 10), torch.nn.ReLU(), torch.nn.Linear(10, 1))
    with torch.no_grad():
        for (_, p), q in zip(ours.named_parameters(), theirs.parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))
    optimizer = torch.optim.SGD(theirs.parameters(), lr=0.01)
    Xt, yt = torch.from_numpy(X.numpy()), torch.from_numpy(y.numpy())
    expected = []
    for _ in range(30):
        loss = torch.nn.functional.mse_loss(theirs(Xt), yt)
        expected.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    np.testing.assert_allclose(losses, expected, rtol=1e-4)
