"""The main job: `python -m tinygrad_edu demo` prints what the seed's Example 1 prints and
writes the loss curve."""

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu.__main__ import (DEFAULT_OUT, SimpleNN, TrainingDiverged, main, make_data,
                                    train)

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
ROOT = Path(__file__).resolve().parent.parent


def run_demo(*args, cwd):
    return subprocess.run([sys.executable, "-m", "tinygrad_edu", "demo", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def test_demo_prints_the_seeds_lines_and_writes_the_plot(tmp_path):
    out = tmp_path / "plots" / "curve.png"
    result = run_demo("--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:len(SEED_LINES)] == SEED_LINES
    epochs = [EPOCH_LINE.match(line) for line in lines[len(SEED_LINES):len(SEED_LINES) + 5]]
    assert all(epochs), lines
    assert [int(m.group(1)) for m in epochs] == [1, 50, 100, 150, 200]
    losses = [float(m.group(2)) for m in epochs]
    assert losses == sorted(losses, reverse=True) and losses[-1] < 1.5  # it learned
    assert lines[-1] == f"Loss curve saved to {out}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    assert "epoch" not in result.stderr  # the progress line is for terminals only


def test_demo_saves_into_a_folder_git_ignores_by_default(tmp_path):
    """With no --out the curve lands in out/, which .gitignore lists: the checkout stays clean."""
    result = run_demo("--epochs", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"Loss curve saved to {DEFAULT_OUT}"
    assert (tmp_path / DEFAULT_OUT).read_bytes()[:4] == b"\x89PNG"
    ignored = subprocess.run(["git", "check-ignore", "--no-index", DEFAULT_OUT],
                             cwd=ROOT, capture_output=True, text=True)
    assert ignored.returncode == 0, f"{DEFAULT_OUT} is not ignored by .gitignore"


def test_demo_options_change_the_run(tmp_path):
    result = run_demo("--epochs", "50", "--hidden", "4", "--lr", "0.05", "--seed", "7",
                      "--out", "c.svg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "  (layer1): Linear(in_features=2, out_features=4, bias=True)" in result.stdout
    assert "layer2.weight: tinygrad_edu.Size([1, 4])" in result.stdout
    assert re.search(r"^Epoch \[50/50\], Loss: \d+\.\d{4}$", result.stdout, re.M)
    assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")


def test_a_short_run_prints_its_first_and_last_epoch(capsys):
    losses = train(epochs=3, lr=0.01, hidden=10, seed=42)
    printed = re.findall(r"^Epoch \[(\d+)/3\], Loss: (\d+\.\d{4})$", capsys.readouterr().out,
                         re.M)
    assert [int(epoch) for epoch, _ in printed] == [1, 3]
    assert [float(loss) for _, loss in printed] == [round(losses[0], 4), round(losses[2], 4)]


def test_a_diverging_run_stops_at_the_epoch_and_suggests_a_smaller_rate(tmp_path, capsys):
    """lr = 1e6 overflows the loss within a few epochs: training stops there, exit code 1."""
    with pytest.raises(TrainingDiverged) as diverged:
        train(epochs=200, lr=1e6, hidden=10, seed=42)
    printed = re.findall(r"^Epoch \[(\d+)/200\]", capsys.readouterr().out, re.M)
    assert 1 < diverged.value.epoch < 50 and not math.isfinite(diverged.value.loss)
    assert printed == ["1"]  # no loss line after the one that diverged
    assert main(["demo", "--lr", "1e6", "--out", str(tmp_path / "c.png")]) == 1
    error = capsys.readouterr().err
    assert f"at epoch {diverged.value.epoch} of 200" in error
    assert "smaller learning rate" in error and "--lr 100000" in error
    assert not (tmp_path / "c.png").exists()


# Each bad argument: (arguments, what the message must name).  Refused before training starts.
BAD_ARGUMENTS = [
    (["--epochs", "0"], "argument --epochs: must be between 1 and"),
    (["--epochs", "-5"], "argument --epochs: must be between 1 and"),
    (["--epochs", "2.5"], "argument --epochs: expected a whole number, got '2.5'"),
    (["--epochs", "many"], "argument --epochs: expected a whole number, got 'many'"),
    (["--hidden", "0"], "argument --hidden: must be between 1 and"),
    (["--hidden", "10000000"], "argument --hidden: must be between 1 and 100,000"),
    (["--lr", "-1"], "argument --lr: must be a finite number greater than 0, got -1"),
    (["--lr", "0"], "argument --lr: must be a finite number greater than 0, got 0"),
    (["--lr", "nan"], "argument --lr: must be a finite number greater than 0, got nan"),
    (["--lr", "inf"], "argument --lr: must be a finite number greater than 0, got inf"),
    (["--lr", "fast"], "argument --lr: expected a number such as 0.01, got 'fast'"),
    (["--seed", "-1"], "argument --seed: must be between 0 and 4,294,967,295, got -1"),
    (["--seed", "2**40"], "argument --seed: expected a whole number, got '2**40'"),
    (["--out", "x.txt"], "argument --out: cannot save the picture as a .txt file ('x.txt')"),
    (["--out", "curve"], "argument --out: cannot save the picture as a file without an "
                         "extension"),
    (["--out", "."], "argument --out: '.' is a folder; give a file name such as"),
    (["--out", "/proc/no/such/x.png"], "argument --out: cannot make the folder"),
    (["--epochs"], "argument --epochs: expected one argument"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["3"], "unrecognized arguments: 3"),
]


def test_every_bad_demo_argument_is_named_under_the_demos_usage(capsys, tmp_path,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    checked = 0
    for arguments, message in BAD_ARGUMENTS:
        with pytest.raises(SystemExit) as exit_:
            main(["demo", *arguments])
        error = capsys.readouterr().err
        assert exit_.value.code == 2, arguments
        assert error.startswith("usage: python -m tinygrad_edu demo "), (arguments, error)
        assert f"python -m tinygrad_edu demo: error: {message}" in error, (arguments, error)
        checked += 1
    assert checked == len(BAD_ARGUMENTS) == 20
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_the_command_line_names_a_missing_or_unknown_command(capsys):
    for arguments, message in [([], "the following arguments are required: command"),
                               (["dmeo"], "argument command: invalid choice: 'dmeo'")]:
        with pytest.raises(SystemExit) as exit_:
            main(arguments)
        error = capsys.readouterr().err
        assert exit_.value.code == 2 and f"python -m tinygrad_edu: error: {message}" in error


def test_bad_arguments_at_a_real_prompt_give_no_traceback(tmp_path):
    """The same refusals from a real process: exit 2, usage, the option named, no traceback."""
    for arguments, option in [(["--out", "x.txt"], "--out"), (["--lr", "nan"], "--lr"),
                              (["--hidden", "0"], "--hidden")]:
        result = run_demo(*arguments, cwd=tmp_path)
        assert result.returncode == 2 and result.stdout == ""
        assert "Traceback" not in result.stderr
        assert f"error: argument {option}:" in result.stderr


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
    from seed_network import torch_twin

    import tinygrad_edu

    losses = train(epochs=30, lr=0.01, hidden=10, seed=3)
    capsys.readouterr()
    tinygrad_edu.manual_seed(3)  # the same draws as train() made for the model
    theirs = torch_twin(SimpleNN())
    X, y = make_data(3)
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
