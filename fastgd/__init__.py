"""fastgd: gradient-descent experiments, fast.

The public functions here are compiled with Numba; :mod:`fastgd.reference` holds pure-numpy
twins with the same signatures and results, so either module can be imported as ``gd``.
"""

from fastgd.xor import sweep_xor, train_xor

__version__ = "0.1.0"

__all__ = ["sweep_xor", "train_xor", "__version__"]
