"""The library's own random stream: manual_seed, Generator, and what draws from them.

NumPy's global generator is never touched: ``manual_seed(0)`` makes this library's draws
repeatable without changing what ``np.random`` gives the learner's own code.
"""

import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator"]


class Generator:
    """A seeded source of random numbers, as ``torch.Generator`` (``generator=`` keywords)."""

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise RuntimeError(f"Generator: only device 'cpu' is available, got {device!r}")
        self.device = device
        self._seed = 67280421310721  # PyTorch's default seed value, for show
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        """Restart the stream from `seed`; returns the generator (as PyTorch)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expected an int seed, got {type(seed).__name__}")
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed & 0xFFFF_FFFF_FFFF_FFFF)
        return self

    def seed(self):
        """Reseed from the operating system's entropy; returns the new seed."""
        new = int(np.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(new)
        return new

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state
        return self

    @property
    def numpy(self):
        """The NumPy Generator underneath (the engine draws from it)."""
        return self._rng

    def __repr__(self):
        return f"<tinygrad_edu.Generator object at {id(self):#x}>"


default_generator = Generator()


def manual_seed(seed):
    """Seed the library's default generator (NumPy's global one is left alone)."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def rng(generator=None):
    """The NumPy Generator to draw from: the given Generator's, or the default one's."""
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TypeError(
            f"generator must be a tinygrad_edu.Generator, got {type(generator).__name__}")
    return generator._rng
