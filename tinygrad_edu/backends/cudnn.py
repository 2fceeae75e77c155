"""``torch.backends.cudnn``: NVIDIA's cuDNN, never available here; its flags can be set.

Programs set ``deterministic = True`` and ``benchmark = False`` for reproducibility; they are
kept as plain module attributes with PyTorch's defaults, and change nothing (every operation
here is deterministic NumPy on the CPU).  ``flags(...)`` sets them for a with-block.
"""

import contextlib

__all__ = ["is_available", "version", "flags", "enabled", "benchmark", "deterministic",
           "allow_tf32"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """False: there is no GPU here."""
    return False


def version():
    """None, as PyTorch returns without cuDNN."""
    return None


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, deterministic=False, allow_tf32=True):
    """Set the four flags inside a with-block, restoring them after (PyTorch's defaults for
    the arguments)."""
    names = ("enabled", "benchmark", "deterministic", "allow_tf32")
    module = globals()
    before = {n: module[n] for n in names}
    module.update(zip(names, (enabled, benchmark, deterministic, allow_tf32)))
    try:
        yield
    finally:
        module.update(before)
