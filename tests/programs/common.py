"""What every program shares: data and initial weights drawn from NumPy, for either library."""

import numpy as np


def as_tensor(torch, array, dtype=None):
    """A NumPy array as a tensor of `torch`: float32 for floating arrays, int64 for integers."""
    array = np.asarray(array)
    if dtype is None:
        dtype = torch.float32 if array.dtype.kind == "f" else torch.int64
    return torch.tensor(array, dtype=dtype)


def init_from_numpy(torch, model, seed):
    """Set every Linear and Embedding of `model` from a NumPy generator, as PyTorch would draw.

    Linear: weight and bias uniform in ±1/√in_features (PyTorch's default bounds).  Embedding:
    standard normal.  Norm layers keep their deterministic ones and zeros.  Parameters of other
    modules are left to the program.
    """
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Linear):
                bound = 1.0 / np.sqrt(module.in_features)
                module.weight.copy_(as_tensor(
                    torch, rng.uniform(-bound, bound, tuple(module.weight.shape))))
                if module.bias is not None:
                    module.bias.copy_(as_tensor(
                        torch, rng.uniform(-bound, bound, tuple(module.bias.shape))))
            elif isinstance(module, torch.nn.Embedding):
                module.weight.copy_(as_tensor(
                    torch, rng.normal(0.0, 1.0, tuple(module.weight.shape))))
    return model


def two_moons(rng, n, noise=0.15):
    """Two interleaved half circles: points (n, 2) float32 and labels (n,) in {0, 1}."""
    labels = rng.integers(0, 2, n)
    angle = rng.uniform(0.0, np.pi, n)
    x = np.where(labels == 0, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(labels == 0, np.sin(angle), 0.5 - np.sin(angle))
    points = np.stack([x, y], axis=1) + rng.normal(0.0, noise, (n, 2))
    return points.astype(np.float32), labels


def spirals(rng, n_per_class, classes=3, noise=0.2):
    """`classes` interleaved spiral arms: points (n, 2) float32 and labels (n,)."""
    points, labels = [], []
    for c in range(classes):
        radius = np.linspace(0.05, 1.0, n_per_class)
        angle = (np.linspace(c * 4.0, (c + 1) * 4.0, n_per_class)
                 + rng.normal(0.0, noise, n_per_class))
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(n_per_class, c))
    return np.concatenate(points).astype(np.float32), np.concatenate(labels)


# A tiny built-in text for the character-level programs (our own verse).
TEXT = (
    "the small engine learns to add and carry,\n"
    "it walks the graph in reverse and does not tarry.\n"
    "each node keeps the numbers that made it,\n"
    "and hands back a gradient when asked to trade it.\n"
    "a learner reads the chain rule line by line,\n"
    "and sees the loss fall slowly, step by step, in time.\n"
)


def character_windows(text, block_size):
    """Contexts of `block_size` character indices (0 pads the start) and the next character.

    Gives (contexts (n, block_size) int64, targets (n,) int64, vocabulary size); index 0 is the
    padding, the characters of `text` in sorted order follow.
    """
    alphabet = sorted(set(text))
    index = {ch: i + 1 for i, ch in enumerate(alphabet)}
    contexts, targets = [], []
    window = [0] * block_size
    for ch in text:
        contexts.append(list(window))
        targets.append(index[ch])
        window = window[1:] + [index[ch]]
    return np.array(contexts), np.array(targets), len(alphabet) + 1
