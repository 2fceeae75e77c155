"""``torch.backends`` as a program on the CPU sees it: no MPS, no cuDNN, and the cuDNN flags
a program sets for reproducibility kept (nothing here reads them).

    torch.backends.mps.is_available()          # False: the device line takes 'cpu'
    torch.backends.cudnn.deterministic = True  # accepted, as on a machine without a GPU
"""

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
