"""W1 and W2: the seed's Example 1, a 2 → 10 (ReLU) → 1 regression MLP trained with MSE and SGD.

W1: 200 full-batch epochs.  W2: mini-batches of 32, shuffled, 100 epochs; every implementation
sees the same shuffle order (one permutation per epoch, drawn beforehand from a seeded NumPy
generator and handed to each: to the engine and PyTorch as a DataLoader sampler, to NumPy as
index arrays).

The engine and PyTorch run the same source (`train_seed_model` below, the seed's training
loop), so what is timed is the learner's code path: nn.Linear, nn.ReLU, nn.MSELoss, optim.SGD
and, for W2, DataLoader over a TensorDataset.
"""

import numpy as np

from .common import Case, load_library, load_linear_weights, mlp_init, seed_regression_data

SIZES = [2, 10, 1]
LEARNING_RATE = 0.01
BATCH_SIZE = 32
WEIGHT_SEED = 0
SHUFFLE_SEED = 1


class EpochPermutations:
    """A DataLoader sampler replaying precomputed permutations, one per pass (epoch).

    Plain Python (no base class), so the engine's and PyTorch's DataLoader both accept it.
    """

    def __init__(self, permutations):
        self.permutations = [p.tolist() for p in permutations]
        self.epoch = 0

    def __iter__(self):
        order = self.permutations[self.epoch]
        self.epoch += 1
        return iter(order)

    def __len__(self):
        return len(self.permutations[0])


# ----- the engine and PyTorch: one source, the seed's loop ---------------------------------------

def build_seed_model(library, init):
    """The seed's SimpleNN (layer1 → relu → layer2) in a library, loaded with the shared weights."""
    nn = library.nn

    class SimpleNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Linear(SIZES[0], SIZES[1])
            self.relu = nn.ReLU()
            self.layer2 = nn.Linear(SIZES[1], SIZES[2])

        def forward(self, x):
            return self.layer2(self.relu(self.layer1(x)))

    model = SimpleNN()
    load_linear_weights(library, [model.layer1, model.layer2], init)
    return model


def prepare_full_batch(library, X, y, init, epochs):
    """W1 for a PyTorch-shaped library: returns run() → {"loss": last epoch's loss}."""
    library.require("nn", "optim")
    torch, nn = library.torch, library.nn
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    model = build_seed_model(library, init)
    criterion = nn.MSELoss()
    optimizer = library.optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def run():
        losses = []
        for epoch in range(epochs):
            y_pred = model(X_t)
            loss = criterion(y_pred, y_t)
            losses.append(loss.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return {"loss": losses[-1]}

    return run


def prepare_mini_batch(library, X, y, init, permutations):
    """W2 for a PyTorch-shaped library: returns run() → {"loss": last epoch's mean batch loss}."""
    library.require("nn", "optim", "data")
    torch, nn, data = library.torch, library.nn, library.data
    dataset = data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    loader = data.DataLoader(dataset, batch_size=BATCH_SIZE,
                             sampler=EpochPermutations(permutations))
    model = build_seed_model(library, init)
    criterion = nn.MSELoss()
    optimizer = library.optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def run():
        epoch_loss = None
        for epoch in range(len(permutations)):
            total = 0.0
            for xb, yb in loader:
                loss = criterion(model(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item()
            epoch_loss = total / len(loader)
        return {"loss": epoch_loss}

    return run


# ----- hand-written NumPy ------------------------------------------------------------------------

def numpy_sgd_step(X, y, params, lr):
    """One forward/backward/SGD step of Ŷ = relu(X W₁ᵀ + b₁) W₂ᵀ + b₂, L = mean((Ŷ − Y)²).

    Backward by hand (n samples, G = ∂L/∂Ŷ):
        G (n×1) = 2 (Ŷ − Y) / n
        ∂L/∂W₂ (1×10) = Gᵀ H₁,   ∂L/∂b₂ = Σ_rows G
        ∂L/∂Z₁ (n×10) = (G W₂) ⊙ [H₁ > 0]   (H₁ = relu(Z₁) > 0 exactly where Z₁ > 0)
        ∂L/∂W₁ (10×2) = (∂L/∂Z₁)ᵀ X,   ∂L/∂b₁ = Σ_rows ∂L/∂Z₁
    Updates params in place; returns the loss (a Python float).
    """
    W1, b1, W2, b2 = params
    H1 = np.maximum(X @ W1.T + b1, 0)
    diff = H1 @ W2.T + b2 - y
    loss = float(np.mean(diff * diff))
    G = diff * np.float32(2.0 / len(X))
    dW2 = G.T @ H1
    db2 = G.sum(axis=0)
    G1 = G @ W2
    G1 *= H1 > 0
    dW1 = G1.T @ X
    db1 = G1.sum(axis=0)
    W1 -= lr * dW1
    b1 -= lr * db1
    W2 -= lr * dW2
    b2 -= lr * db2
    return loss


def prepare_numpy_full_batch(X, y, init, epochs):
    params = [a.copy() for layer in init for a in layer]

    def run():
        losses = []
        for epoch in range(epochs):
            losses.append(numpy_sgd_step(X, y, params, LEARNING_RATE))
        return {"loss": losses[-1]}

    return run


def prepare_numpy_mini_batch(X, y, init, permutations):
    params = [a.copy() for layer in init for a in layer]
    n_batches = -(-len(X) // BATCH_SIZE)

    def run():
        epoch_loss = None
        for order in permutations:
            total = 0.0
            for start in range(0, len(X), BATCH_SIZE):
                idx = order[start:start + BATCH_SIZE]
                total += numpy_sgd_step(X[idx], y[idx], params, LEARNING_RATE)
            epoch_loss = total / n_batches
        return {"loss": epoch_loss}

    return run


# ----- the cases ---------------------------------------------------------------------------------

def cases(quick):
    X, y = seed_regression_data()
    init = mlp_init(SIZES, WEIGHT_SEED)
    w1_epochs = 20 if quick else 200
    w2_epochs = 10 if quick else 100
    shuffle = np.random.default_rng(SHUFFLE_SEED)
    permutations = [shuffle.permutation(len(X)) for _ in range(w2_epochs)]
    repeats = 3 if quick else 11
    torch_style = "nn.Linear + nn.ReLU + nn.MSELoss + optim.SGD"

    w1 = Case(
        key="W1", group="W1",
        title=f"seed Example 1: 2→10→1 MLP, MSE, SGD, {w1_epochs} full-batch epochs (n=200)",
        params=dict(samples=len(X), sizes=SIZES, lr=LEARNING_RATE, epochs=w1_epochs),
        prepare={
            "engine": lambda: prepare_full_batch(load_library("engine"), X, y, init, w1_epochs),
            "torch": lambda: prepare_full_batch(load_library("torch"), X, y, init, w1_epochs),
            "numpy": lambda: prepare_numpy_full_batch(X, y, init, w1_epochs),
        },
        code_path={"engine": torch_style, "torch": torch_style,
                   "numpy": "explicit matmuls, ReLU mask, backward by hand"},
        repeats=repeats)

    w2 = Case(
        key="W2", group="W2",
        title=f"seed Example 1 with mini-batches of {BATCH_SIZE}, shuffled, {w2_epochs} epochs",
        params=dict(samples=len(X), sizes=SIZES, lr=LEARNING_RATE, epochs=w2_epochs,
                    batch_size=BATCH_SIZE, shuffle_seed=SHUFFLE_SEED),
        prepare={
            "engine": lambda: prepare_mini_batch(load_library("engine"), X, y, init,
                                                 permutations),
            "torch": lambda: prepare_mini_batch(load_library("torch"), X, y, init, permutations),
            "numpy": lambda: prepare_numpy_mini_batch(X, y, init, permutations),
        },
        code_path={"engine": torch_style + " + DataLoader(TensorDataset, sampler)",
                   "torch": torch_style + " + DataLoader(TensorDataset, sampler)",
                   "numpy": "index batches X[idx] from the same permutations"},
        repeats=repeats)
    return [w1, w2]
