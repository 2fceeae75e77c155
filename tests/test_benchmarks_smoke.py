"""The benchmark harness runs end to end, and its hand-written NumPy baselines are right.

No timings are asserted here (timings live in benchmarks/, never in tests): the smoke test runs
`python -m benchmarks.run --quick` on one small workload in a subprocess and checks the shape
of what it writes and that the three implementations' final losses agree.  The other tests
check each hand-written NumPy backward against PyTorch's autograd, since a wrong baseline
would make every ratio meaningless.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from benchmarks import workloads_large, workloads_micro, workloads_mlp

REPO_ROOT = Path(__file__).resolve().parent.parent
IMPLS = {"engine", "torch", "numpy"}


def test_quick_run_writes_results_and_losses_agree(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--only", "W2,W5,imports",
         "--out-dir", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "| workload |" in completed.stdout                 # the table is printed
    assert "W2]" in completed.stderr and "[imports]" in completed.stderr  # progress lines

    document = json.loads((tmp_path / "results.json").read_text())
    assert {"command", "quick", "date", "environment", "results", "floors"} <= document.keys()
    assert document["quick"] is True
    threads = document["environment"]["threads"]
    assert threads["torch"] >= 1 and "threads" in threads["numpy_blas"]
    assert set(document["results"]) == {"W2", "W5", "imports"}

    w2 = document["results"]["W2"]
    assert w2["unavailable"] == {}, w2["unavailable"]
    assert set(w2["median_seconds"]) == IMPLS
    assert all(seconds > 0 for seconds in w2["median_seconds"].values())
    assert {"engine/numpy", "engine/torch", "torch/numpy"} == set(w2["ratios"])
    assert len(w2["seconds_per_unit"]["engine"]) == w2["repeats"]
    losses = w2["final_loss"]
    assert set(losses) == IMPLS
    assert all(np.isfinite(loss) and loss > 0 for loss in losses.values())
    # the agreement, recomputed here from the three losses rather than trusted
    spread = max(losses.values()) - min(losses.values())
    assert spread <= 1e-4 * max(abs(loss) for loss in losses.values()), losses
    assert w2["agreement"]["agree"] is True

    imports = document["results"]["imports"]
    assert set(imports["best_seconds"]) == IMPLS
    assert all(len(tries) == 3 for tries in imports["seconds"].values())
    # the engine's import was timed reading bytecode, as NumPy's and PyTorch's are: the harness
    # wrote it for each module the import loads (the reading path's tensor.py among them)
    compiling = imports["engine_compile_from_source"]
    assert compiling["modules"] >= 10 and compiling["lines"] >= 1000 and compiling["seconds"] > 0
    tensor_source = REPO_ROOT / "tinygrad_edu" / "tensor.py"
    assert Path(importlib.util.cache_from_source(str(tensor_source))).is_file()
    floors = {(row["entry"], row["metric"]) for row in document["floors"]}
    assert {("W2", "engine/numpy"), ("imports", "engine_seconds"),
            ("W2", "loss agreement")} <= floors
    assert all({"measured", "floor", "pass"} <= row.keys() for row in document["floors"])

    w5 = document["results"]["W5"]  # the second-order overhead, reported beside PyTorch's
    assert set(w5["hvp_over_gradient"]) == {"engine", "torch"}
    assert all(ratio > 0 for ratio in w5["hvp_over_gradient"].values())
    assert w5["agreement"]["max"] <= 1e-9 and w5["agreement"]["agree"] is True

    table = (tmp_path / "results.md").read_text()
    assert "W2" in table and ("PASS" in table or "FAIL" in table)
    assert "HVP ÷ gradient" in table
    assert (tmp_path / "ratios.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ----- the hand-written NumPy baselines against PyTorch's autograd -------------------------------

def _torch_mlp_grads(X, params, loss_fn):
    """Gradients of loss_fn(relu-MLP(X)) w.r.t. params [W₁, b₁, …], by PyTorch autograd."""
    leaves = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    h = torch.tensor(X, dtype=torch.float64)
    for i in range(0, len(leaves), 2):
        h = h @ leaves[i].T + leaves[i + 1]
        if i + 2 < len(leaves):
            h = torch.relu(h)
    loss_fn(h).backward()
    return [leaf.grad.numpy() for leaf in leaves]


def _grads_from_one_step(step, params, lr):
    """Run one in-place SGD step on copies; the gradient is (before − after) / lr."""
    after = [p.copy() for p in params]
    step(after, lr)
    return [(before.astype(np.float64) - a) / lr for before, a in zip(params, after)]


def test_numpy_w1_backward_matches_torch():
    X, y = workloads_mlp.seed_regression_data()
    params = [a for layer in workloads_mlp.mlp_init(workloads_mlp.SIZES, 7) for a in layer]
    ours = _grads_from_one_step(lambda p, lr: workloads_mlp.numpy_sgd_step(X, y, p, lr),
                                params, lr=1.0)
    target = torch.tensor(y, dtype=torch.float64)
    theirs = _torch_mlp_grads(X, params, lambda out: ((out - target) ** 2).mean())
    for g_ours, g_theirs in zip(ours, theirs):
        np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-3, atol=1e-5)


def test_numpy_w3_backward_matches_torch():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((16, 5), dtype=np.float32)
    labels = rng.integers(0, 4, size=16)
    params = [a for layer in workloads_mlp.mlp_init([5, 7, 6, 4], 8) for a in layer]
    ours = _grads_from_one_step(lambda p, lr: workloads_large.numpy_step(X, labels, p, lr),
                                params, lr=1.0)
    theirs = _torch_mlp_grads(
        X, params,
        lambda out: torch.nn.functional.cross_entropy(out, torch.from_numpy(labels)))
    for g_ours, g_theirs in zip(ours, theirs):
        np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-3, atol=1e-6)


def test_numpy_w4_chain_backward_matches_torch():
    a, b = workloads_micro.make_inputs()
    out, grad_a, grad_b = workloads_micro.numpy_chain(a, b)
    a_t = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    x = a_t
    for _ in range(workloads_micro.CHAIN_CYCLES):
        x = torch.relu(x * b_t + b_t) * 0.9
    total = x.sum()
    total.backward()
    np.testing.assert_allclose(out, total.item(), rtol=1e-5)
    np.testing.assert_allclose(grad_a, a_t.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(grad_b, b_t.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_w2_permutations_are_shared_and_replayed_per_epoch():
    permutations = [np.array([2, 0, 1]), np.array([1, 2, 0])]
    sampler = workloads_mlp.EpochPermutations(permutations)
    assert len(sampler) == 3
    assert list(sampler) == [2, 0, 1]
    assert list(sampler) == [1, 2, 0]


def test_bad_benchmark_options_are_named_under_the_usage(capsys):
    from benchmarks.run import main

    catalogue = [(["--only", "W9"], "argument --only: unknown W9; choose from"),
                 (["--only", ","], "argument --only: no group named; choose from"),
                 (["--repeats", "0"], "argument --repeats: must be at least 1, got 0"),
                 (["--repeats", "x"], "argument --repeats: expected a number, got 'x'"),
                 (["--wait-idle", "nan"], "argument --wait-idle: must be at least 0, got nan")]
    for arguments, message in catalogue:
        try:
            main(arguments)
        except SystemExit as exit_:
            assert exit_.code == 2, arguments
        else:
            raise AssertionError(f"{arguments} was accepted")
        error = capsys.readouterr().err
        assert error.startswith("usage: python -m benchmarks.run")
        assert f"python -m benchmarks.run: error: {message}" in error, error
    assert len(catalogue) == 5
