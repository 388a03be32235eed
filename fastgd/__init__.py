"""fastgd: gradient-descent experiments, fast.

The public functions here are compiled with Numba; :mod:`fastgd.reference` holds pure-numpy
twins with the same signatures and results, so either module can be imported as ``gd``.
"""

from fastgd.descent import ObjectiveCompileWarning, approx_fprime, minimize
from fastgd.descent_sweep import grid, minimize_many
from fastgd.results import DescentResult, DescentSweepResult
from fastgd.schedules import StepDecay
from fastgd.xor import sweep_xor, train_xor

__version__ = "0.1.0"

__all__ = [
    "DescentResult",
    "DescentSweepResult",
    "ObjectiveCompileWarning",
    "StepDecay",
    "approx_fprime",
    "grid",
    "minimize",
    "minimize_many",
    "sweep_xor",
    "train_xor",
    "__version__",
]
