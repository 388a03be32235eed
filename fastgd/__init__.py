"""fastgd: gradient-descent experiments, fast.

The public functions here are compiled with Numba; :mod:`fastgd.reference` holds pure-numpy
twins with the same signatures and results, so either module can be imported as ``gd``.
"""

from fastgd.descent import ObjectiveCompileWarning, approx_fprime, minimize
from fastgd.maps import trainability_map, zoom, zoom_sequence
from fastgd.results import DescentResult, MapResult, SweepResult, XorResult
from fastgd.schedules import StepDecay
from fastgd.xor import sweep_xor, train_xor

__version__ = "0.1.0"

__all__ = [
    "DescentResult",
    "MapResult",
    "ObjectiveCompileWarning",
    "StepDecay",
    "SweepResult",
    "XorResult",
    "approx_fprime",
    "minimize",
    "sweep_xor",
    "train_xor",
    "trainability_map",
    "zoom",
    "zoom_sequence",
    "__version__",
]
