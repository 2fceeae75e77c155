"""``torch.backends.mps``: Apple's GPU backend, never available here."""

__all__ = ["is_available", "is_built"]


def is_available():
    """False: tinygrad_edu runs on NumPy on the CPU."""
    return False


def is_built():
    """False: there is no MPS build of this engine."""
    return False
