"""fastgd: gradient-descent experiments, fast.

The public functions here are compiled with Numba; :mod:`fastgd.reference` holds pure-numpy
twins with the same signatures and results, so either module can be imported as ``gd``.
"""

from fastgd.descent import ObjectiveCompileWarning, approx_fprime, minimize
from fastgd.descent_sweep import grid, minimize_many
from fastgd.maps import trainability_map, zoom, zoom_sequence
from fastgd.results import DescentResult, DescentSweepResult, MapResult, SweepResult, XorResult
from fastgd.schedules import StepDecay
from fastgd.xor import sweep_xor, train_xor

__version__ = "0.1.0"


def __getattr__(name: str):
    """``fastgd.plot`` and ``fastgd.report`` load on first use: ``import fastgd`` stays light."""
    if name in ("plot", "report"):
        import importlib

        return importlib.import_module(f"fastgd.{name}")
    raise AttributeError(f"module 'fastgd' has no attribute {name!r}")


__all__ = [
    "DescentResult",
    "DescentSweepResult",
    "MapResult",
    "ObjectiveCompileWarning",
    "StepDecay",
    "SweepResult",
    "XorResult",
    "approx_fprime",
    "grid",
    "minimize",
    "minimize_many",
    "sweep_xor",
    "train_xor",
    "trainability_map",
    "zoom",
    "zoom_sequence",
    "__version__",
]
