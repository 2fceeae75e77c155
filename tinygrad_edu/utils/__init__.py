"""Utilities beside the engine, as in PyTorch: ``tinygrad_edu.utils.data`` (datasets, loaders)."""

from . import data
from ..scope import missing_attribute as _missing_attribute

__all__ = ["data"]


def __getattr__(name):
    """A name torch.utils has and this engine lacks: NotInEngine (an AttributeError)."""
    raise _missing_attribute(__name__, name, globals())
