"""W3: a BLAS-bound MLP.  X 4096×784 float32, 784 → 1024 → 1024 → 10 with ReLU, softmax
cross-entropy, SGD (lr 0.01), 20 full-batch steps.

Here the three implementations should all spend their time in the same matrix products, so the
engine's overhead shows as the ratio's distance from 1.  Peak memory is measured with each
implementation alone in its own process:

    python -m benchmarks.workloads_large --memory engine|torch|numpy [--steps N]

prints one JSON line: the raw peak RSS (VmHWM; getrusage's ru_maxrss is recorded too, but on
Linux it carries over the parent's size across fork and exec), the RSS right after imports and
data creation (the baseline), their difference, and the time of the run.
"""

import argparse
import json
import sys
import time

import numpy as np

from .common import (Case, current_rss_bytes, load_library, load_linear_weights, mlp_init,
                     peak_rss_bytes, ru_maxrss_bytes)

SAMPLES = 4096
SIZES = [784, 1024, 1024, 10]
CLASSES = SIZES[-1]
LEARNING_RATE = 0.01
DATA_SEED = 3
WEIGHT_SEED = 4


def make_data():
    """X (4096×784 float32, standard normal) and integer class labels (4096,) in 0…9."""
    rng = np.random.default_rng(DATA_SEED)
    X = rng.standard_normal((SAMPLES, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, CLASSES, size=SAMPLES)
    return X, labels


# ----- the engine and PyTorch: one source --------------------------------------------------------

def prepare_library(library, X, labels, init, steps):
    """W3 for a PyTorch-shaped library: returns run() → {"loss": the last step's loss}."""
    library.require("nn", "optim")
    torch, nn = library.torch, library.nn
    X_t, labels_t = torch.from_numpy(X), torch.from_numpy(labels)
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(),
                          nn.Linear(SIZES[1], SIZES[2]), nn.ReLU(),
                          nn.Linear(SIZES[2], SIZES[3]))
    load_linear_weights(library, [model[0], model[2], model[4]], init)
    criterion = nn.CrossEntropyLoss()
    optimizer = library.optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def run():
        loss = None
        for step in range(steps):
            loss = criterion(model(X_t), labels_t)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return {"loss": loss.item()}

    return run


# ----- hand-written NumPy ------------------------------------------------------------------------

def numpy_step(X, labels, params, lr):
    """One SGD step of Z₃ = relu(relu(X W₁ᵀ + b₁) W₂ᵀ + b₂) W₃ᵀ + b₃,
    L = meanᵢ(−log softmax(Z₃)ᵢ,yᵢ).

    Backward by hand (n samples, P = softmax(Z₃), Y one-hot, Hₖ = relu(Zₖ), H₀ = X):
        ∂L/∂Z₃ (n×10) = (P − Y) / n
        ∂L/∂Wₖ = (∂L/∂Zₖ)ᵀ Hₖ₋₁,   ∂L/∂bₖ = Σ_rows ∂L/∂Zₖ
        ∂L/∂Zₖ₋₁ = (∂L/∂Zₖ Wₖ) ⊙ [Hₖ₋₁ > 0]   (Hₖ₋₁ > 0 exactly where Zₖ₋₁ > 0)
    Only the activations H are kept for backward; the pre-activations Z are temporaries.
    Updates params in place; returns the loss (a Python float).
    """
    W1, b1, W2, b2, W3, b3 = params
    n = len(X)
    rows = np.arange(n)
    H1 = np.maximum(X @ W1.T + b1, 0)
    H2 = np.maximum(H1 @ W2.T + b2, 0)
    Z3 = H2 @ W3.T + b3
    shifted = Z3 - Z3.max(axis=1, keepdims=True)      # log-sum-exp, stable
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, labels]))

    G3 = exp / total
    G3[rows, labels] -= 1
    G3 /= n
    dW3 = G3.T @ H2
    db3 = G3.sum(axis=0)
    G2 = G3 @ W3
    G2 *= H2 > 0
    dW2 = G2.T @ H1
    db2 = G2.sum(axis=0)
    G1 = G2 @ W2
    G1 *= H1 > 0
    dW1 = G1.T @ X
    db1 = G1.sum(axis=0)
    for p, g in zip(params, (dW1, db1, dW2, db2, dW3, db3)):
        p -= lr * g
    return loss


def prepare_numpy(X, labels, init, steps):
    params = [a.copy() for layer in init for a in layer]

    def run():
        loss = None
        for step in range(steps):
            loss = numpy_step(X, labels, params, LEARNING_RATE)
        return {"loss": loss}

    return run


def prepare(impl, X, labels, init, steps):
    if impl == "numpy":
        return prepare_numpy(X, labels, init, steps)
    return prepare_library(load_library(impl), X, labels, init, steps)


# ----- the case, and peak memory in a process of its own -----------------------------------------

def cases(quick):
    X, labels = make_data()
    init = mlp_init(SIZES, WEIGHT_SEED)
    steps = 2 if quick else 20
    torch_style = "nn.Sequential(Linear, ReLU, …) + nn.CrossEntropyLoss + optim.SGD"
    return [Case(
        key="W3", group="W3",
        title=f"784→1024→1024→10 MLP, softmax CE, SGD, {steps} steps on X 4096×784 float32",
        params=dict(samples=SAMPLES, sizes=SIZES, lr=LEARNING_RATE, steps=steps),
        prepare={impl: (lambda impl=impl: prepare(impl, X, labels, init, steps))
                 for impl in ("engine", "torch", "numpy")},
        code_path={"engine": torch_style, "torch": torch_style,
                   "numpy": "explicit matmuls, log-sum-exp, ReLU masks, backward by hand"},
        repeats=3 if quick else 5,
        note="BLAS summation order may differ between libraries; agreement reported as seen")]


def measure_memory(impl, steps):
    """Run W3 once in this (fresh) process; peak RSS and the baseline after imports and data."""
    if impl != "numpy":
        load_library(impl)  # the import belongs to the baseline
    X, labels = make_data()
    init = mlp_init(SIZES, WEIGHT_SEED)
    baseline = current_rss_bytes()
    run = prepare(impl, X, labels, init, steps)
    start = time.perf_counter()
    outcome = run()
    seconds = time.perf_counter() - start
    peak = peak_rss_bytes()
    return dict(impl=impl, steps=steps, peak_rss_bytes=peak, baseline_rss_bytes=baseline,
                delta_rss_bytes=peak - baseline, ru_maxrss_bytes=ru_maxrss_bytes(),
                seconds=seconds, loss=outcome["loss"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memory", choices=["engine", "torch", "numpy"], required=True)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    print(json.dumps(measure_memory(args.memory, args.steps)))


if __name__ == "__main__":
    sys.exit(main())
