"""W5: what gradients of gradients cost, on the seed's network (issue 16).

The seed's 2 → 10 (ReLU) → 1 MLP with MSE on its 200 samples (Example 1's data and initial
weights, as W1), in float64.  Timed per call, in the engine and in PyTorch from the same source:

- gradient: ∂L/∂θ for all four parameters θ = (W₁, b₁, W₂, b₂), one backward pass
  (``autograd.grad``);
- HVP: the Hessian-vector product H v for a fixed random v of θ's shapes, by
  ``autograd.functional.hvp`` (the gradient recorded with create_graph=True, then the
  double-vjp trick).

Reported: HVP time ÷ gradient time for each library, side by side: what the recorded backward
pass costs over a plain one.  No NumPy column (there is no hand-written HVP to set beside it)
and no floor: issue 16 asks for the ratio to be reported.  The two libraries' HVPs are compared
for agreement.
"""

import gc
import statistics
import time

import numpy as np

from .common import load_library, mlp_init, relative_difference, seed_regression_data, to_numpy

SIZES = [2, 10, 1]
WEIGHT_SEED = 0
DIRECTION_SEED = 3
IMPLS = ("engine", "torch")


def prepare(library_name, calls):
    """(gradient_run, hvp_run) for one library: each returns its last result as arrays."""
    library = load_library(library_name)
    torch = library.torch
    X, y = seed_regression_data()
    x_t = torch.from_numpy(X.astype(np.float64))
    y_t = torch.from_numpy(y.astype(np.float64))
    params = []
    for W, b in mlp_init(SIZES, WEIGHT_SEED):
        params += [torch.from_numpy(W.astype(np.float64)), torch.from_numpy(b.astype(np.float64))]
    rng = np.random.default_rng(DIRECTION_SEED)
    direction = tuple(torch.from_numpy(rng.standard_normal(tuple(p.shape))) for p in params)

    def loss(w1, b1, w2, b2):
        hidden = torch.relu(x_t @ w1.T + b1)
        return ((hidden @ w2.T + b2 - y_t) ** 2).mean()

    leaves = tuple(p.clone().requires_grad_(True) for p in params)

    def gradient_run():
        for _ in range(calls):
            grads = torch.autograd.grad(loss(*leaves), leaves)
        return [to_numpy(g) for g in grads]

    def hvp_run():
        for _ in range(calls):
            _, products = torch.autograd.functional.hvp(loss, tuple(params), direction)
        return [to_numpy(p) for p in products]

    return gradient_run, hvp_run


def measure(repeats, calls):
    """Interleaved rounds (engine gradient, engine HVP, PyTorch gradient, PyTorch HVP) after a
    warm-up; medians per call and the HVP ÷ gradient ratios."""
    runs = {impl: dict(zip(("gradient", "hvp"), prepare(impl, calls))) for impl in IMPLS}
    outcomes = {impl: {kind: run() for kind, run in kinds.items()}  # warm-up
                for impl, kinds in runs.items()}
    seconds = {impl: {"gradient": [], "hvp": []} for impl in IMPLS}
    for _ in range(repeats):
        for impl in IMPLS:
            for kind, run in runs[impl].items():
                gc.collect()
                start = time.perf_counter()
                run()
                seconds[impl][kind].append((time.perf_counter() - start) / calls)
    median = {impl: {kind: statistics.median(values) for kind, values in kinds.items()}
              for impl, kinds in seconds.items()}
    agreement = max(relative_difference(a, b) for kind in ("gradient", "hvp")
                    for a, b in zip(outcomes["engine"][kind], outcomes["torch"][kind]))
    ratio = {impl: median[impl]["hvp"] / median[impl]["gradient"] for impl in IMPLS}
    return {
        "title": "seed network (2 → 10 → 1, 200 samples, float64): Hessian-vector product "
                 "÷ gradient, per call",
        "repeats": repeats, "calls_per_run": calls,
        "seconds_per_call": seconds, "median_seconds": median,
        "hvp_over_gradient": ratio,
        "engine_ratio_over_torch_ratio": ratio["engine"] / ratio["torch"],
        "agreement": {"max": agreement, "tolerance": 1e-9, "agree": agreement <= 1e-9},
    }
