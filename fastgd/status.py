"""Status codes and their messages: one table, read by the kernels and by Python alike.

The kernels see these names as compile-time integer constants (Numba freezes module globals),
the Python API turns a code into a ``message`` with the tables below, and the reference
implementations use the same names, so a code never means two things. A new status is one line
here and one entry in its table.

Gradient descent (:func:`fastgd.minimize`, :func:`fastgd.minimize_many`)
    0 converged, 1 max_iter reached, 2 diverged, 3 finite-difference step lost.
Network training (:func:`fastgd.train_xor`, :func:`fastgd.sweep_xor`, trainability maps)
    0 finished, 2 diverged.
"""

from __future__ import annotations

#: Descent: every coordinate moved less than ``tol`` in the last update.
CONVERGED = 0
#: Descent: ``max_iter`` updates made without meeting ``tol``.
MAX_ITER = 1
#: Descent or training: something became NaN or infinite (or, for a descent, ran away).
DIVERGED = 2
#: Descent: the finite-difference step could not change ``x`` or ``f``.
STEP_LOST = 3
#: Training: all steps done, everything finite.
FINISHED = 0

DESCENT_MESSAGES = {
    CONVERGED: "Local min reached: every coordinate moved less than tol in the last update.",
    MAX_ITER: "Max iter reached: max_iter updates made without meeting tol.",
    DIVERGED: "Diverged: the point, the gradient or the function value became NaN or "
    "infinite, or the point ran away uphill until the finite-difference step was lost.",
    STEP_LOST: "Finite-difference step lost to rounding: x + epsilon == x in some coordinate, "
    "or f did not change at all within epsilon of x, so the estimated gradient would be "
    "exactly 0; increase epsilon.",
}

TRAINING_MESSAGES = {
    FINISHED: "Training finished: all errors and weights are finite.",
    DIVERGED: "Training diverged: a weight or an error became NaN or infinite.",
}
