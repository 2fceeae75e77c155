"""Utilities beside the engine, as in PyTorch: ``tinygrad_edu.utils.data`` (datasets, loaders)."""

from . import data

__all__ = ["data"]
