"""W4: per-op overhead on 2×2 tensors, where the arithmetic costs nothing and the bookkeeping
around it is everything.

W4-matmul: `a @ b` on 2×2 float32 tensors that require grad (so the op is recorded), no
backward; timed per call against a bare NumPy `a @ b`.
W4-chain: 100 ops cycling x·b, x + b, relu(x), 0.9·x starting from x = a, then
`x.sum().backward()` to a and b; timed per chain (forward + backward) against a hand-written
NumPy version that stores what its backward needs and runs the backward by hand.
"""

import numpy as np

from .common import Case, load_library

CHAIN_CYCLES = 25  # 25 cycles of 4 ops = 100 ops
INPUT_SEED = 5


def make_inputs():
    """a ∈ U(−1, 1) and b ∈ U(0.5, 1), 2×2 float32: x ↦ 0.9·relu(x·b + b) stays bounded."""
    rng = np.random.default_rng(INPUT_SEED)
    a = rng.uniform(-1.0, 1.0, size=(2, 2)).astype(np.float32)
    b = rng.uniform(0.5, 1.0, size=(2, 2)).astype(np.float32)
    return a, b


def leaf_tensors(library, a, b):
    torch = library.torch
    return (torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True))


# ----- W4-matmul ---------------------------------------------------------------------------------

def prepare_matmul_library(library, a, b, calls):
    a_t, b_t = leaf_tensors(library, a, b)

    def run():
        for _ in range(calls):
            c = a_t @ b_t
        return {"product": c}

    return run


def prepare_matmul_numpy(a, b, calls):
    def run():
        for _ in range(calls):
            c = a @ b
        return {"product": c}

    return run


# ----- W4-chain ----------------------------------------------------------------------------------

def prepare_chain_library(library, a, b, chains):
    """The chain in PyTorch's API: the same source runs on the engine and on PyTorch."""
    torch = library.torch
    a_t, b_t = leaf_tensors(library, a, b)

    def run():
        for _ in range(chains):
            a_t.grad = None
            b_t.grad = None
            x = a_t
            for cycle in range(CHAIN_CYCLES):
                x = x * b_t
                x = x + b_t
                x = torch.relu(x)
                x = x * 0.9
            out = x.sum()
            out.backward()
        return {"out": out.item(), "a.grad": a_t.grad, "b.grad": b_t.grad}

    return run


def numpy_chain(a, b):
    """Forward keeping what backward needs, then the backward by hand.

    Per cycle: x₁ = x·b (∂/∂x = b, ∂/∂b = x), x₂ = x₁ + b (∂/∂b = 1), x₃ = relu(x₂)
    (∂/∂x₂ = [x₂ > 0]), x₄ = 0.9·x₃.  Starting from G = ∂(Σx)/∂x = 𝟏 and walking the cycles
    backwards, b's gradient collects G·x (from the product) and G (from the sum).
    Returns (Σx, ∂/∂a, ∂/∂b).
    """
    saved = []
    x = a
    for cycle in range(CHAIN_CYCLES):
        x_in = x
        x = x * b + b
        mask = x > 0
        x = np.maximum(x, 0) * np.float32(0.9)
        saved.append((x_in, mask))
    out = x.sum()
    grad = np.ones_like(x)
    grad_b = np.zeros_like(b)
    for x_in, mask in reversed(saved):
        grad = grad * np.float32(0.9) * mask
        grad_b += grad
        grad_b += grad * x_in
        grad = grad * b
    return out, grad, grad_b


def prepare_chain_numpy(a, b, chains):
    def run():
        for _ in range(chains):
            out, grad_a, grad_b = numpy_chain(a, b)
        return {"out": out, "a.grad": grad_a, "b.grad": grad_b}

    return run


# ----- the cases ---------------------------------------------------------------------------------

def cases(quick):
    a, b = make_inputs()
    calls = 2000 if quick else 20000
    chains = 20 if quick else 200
    repeats = 3 if quick else 21  # a run takes well under a second: more rounds, a steadier median
    matmul = Case(
        key="W4-matmul", group="W4",
        title="2×2 a @ b with grad recording (no backward), per call",
        params=dict(shape=[2, 2], calls_per_run=calls),
        prepare={
            "engine": lambda: prepare_matmul_library(load_library("engine"), a, b, calls),
            "torch": lambda: prepare_matmul_library(load_library("torch"), a, b, calls),
            "numpy": lambda: prepare_matmul_numpy(a, b, calls),
        },
        code_path={"engine": "a @ b, a and b require grad", "torch": "a @ b, a and b require grad",
                   "numpy": "bare a @ b on ndarrays"},
        repeats=repeats, calls_per_run=calls, unit="call")
    chain = Case(
        key="W4-chain", group="W4",
        title="100-op chain on 2×2 (x·b, x+b, relu, 0.9·x) + sum().backward(), per chain",
        params=dict(shape=[2, 2], ops=4 * CHAIN_CYCLES, chains_per_run=chains),
        prepare={
            "engine": lambda: prepare_chain_library(load_library("engine"), a, b, chains),
            "torch": lambda: prepare_chain_library(load_library("torch"), a, b, chains),
            "numpy": lambda: prepare_chain_numpy(a, b, chains),
        },
        code_path={"engine": "tensor ops + backward()", "torch": "tensor ops + backward()",
                   "numpy": "forward saving inputs and masks, backward by hand"},
        repeats=repeats, calls_per_run=chains, unit="call")
    return [matmul, chain]
