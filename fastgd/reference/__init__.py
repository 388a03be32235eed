"""Pure-numpy reference implementations: the seed documents' algorithms, slow and obvious.

Every public function here has the same signature and returns the same result fields as its
compiled twin in :mod:`fastgd`, so ``import fastgd.reference as gd`` and ``import fastgd as gd``
are interchangeable: the tests hold the two to round-off, and the benchmarks time one against
the other.
"""

from fastgd.reference.descent import approx_fprime, minimize, minimize_many
from fastgd.reference.maps import trainability_map
from fastgd.reference.xor import sweep_xor, train_xor
from fastgd.results import DescentResult
from fastgd.schedules import StepDecay

__all__ = [
    "DescentResult",
    "StepDecay",
    "approx_fprime",
    "minimize",
    "minimize_many",
    "sweep_xor",
    "train_xor",
    "trainability_map",
]
