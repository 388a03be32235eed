"""Compiled XOR training (placeholder: re-exports the reference until the kernels land)."""

from fastgd.reference.xor import sweep_xor, train_xor

__all__ = ["sweep_xor", "train_xor"]
