"""What the compiled XOR path and the reference share: data, initial weights, checks, results.

Only the training loop differs between the two paths; everything that decides *what* is
trained (data, seeded initial weights, checkpoints) and how the answer is packaged lives here,
so both start from bit-identical weights and return results of the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fastgd import status as st
from fastgd._validation import (
    finite_float_matrix,
    positive_float,
    positive_float_array,
    positive_int,
)
from fastgd.problems import NOTEBOOK_ALPHAS, XOR_X, XOR_Y  # noqa: F401 (re-exported)
from fastgd.results import SweepResult, XorResult


def xor_data(X: object = None, y: object = None) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)`` as float64 arrays, defaulting to the notebook's XOR data.

    ``y`` may be 1-D (one output per sample); it is then taken as a column.
    """
    X = XOR_X if X is None else finite_float_matrix(X, "X")
    if y is None:
        y = XOR_Y
    else:
        if np.ndim(y) == 1:
            y = np.reshape(y, (-1, 1))
        y = finite_float_matrix(y, "y")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of samples (rows), got X {X.shape} and y {y.shape}"
        )
    return X, y


def initial_weights(seed: int, n_in: int, hidden: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """The notebook's initial weights: uniform on [-1, 1) from numpy's seeded global generator.

    The notebook calls ``np.random.seed(seed)`` and draws ``synapse_0`` then ``synapse_1``;
    this does the same with a private ``RandomState`` so the caller's global state is untouched.
    """
    rng = np.random.RandomState(seed)
    synapse_0 = 2 * rng.random_sample((n_in, hidden)) - 1
    synapse_1 = 2 * rng.random_sample((hidden, n_out)) - 1
    return synapse_0, synapse_1


def checkpoint_steps(steps: int, log_every: int) -> np.ndarray:
    """The steps at which the error is recorded: 0, log_every, 2*log_every, ... < steps."""
    return np.arange(0, steps, log_every, dtype=np.int64)


def seed_value(seed: object, name: str = "seed") -> int:
    """Return ``seed`` as a non-negative ``int`` accepted by ``np.random.seed``."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"{name} must be in [0, 2**32), got {seed}")
    return int(seed)


def check_run_args(steps: object, log_every: object, hidden: object) -> tuple[int, int, int]:
    return (
        positive_int(steps, "steps"),
        positive_int(log_every, "log_every"),
        positive_int(hidden, "hidden"),
    )


def check_alphas(alphas: object) -> np.ndarray:
    return positive_float_array(alphas, "alphas")


def check_alpha(alpha: object) -> float:
    if np.ndim(alpha) != 0:
        raise TypeError(f"alpha must be a single real number, got shape {np.shape(alpha)}")
    return positive_float(alpha, "alpha")


def run_status(errors: np.ndarray, synapse_0: np.ndarray, synapse_1: np.ndarray) -> np.ndarray:
    """Status per configuration: diverged if anything recorded or final is not finite.

    The leading axes of the three arrays are the configurations; the rest are reduced.
    """
    lead = errors.ndim - 1

    def finite(a: np.ndarray) -> np.ndarray:
        return np.isfinite(a).reshape(a.shape[:lead] + (-1,)).all(axis=-1)

    ok = finite(errors) & finite(synapse_0) & finite(synapse_1)
    return np.where(ok, st.FINISHED, st.DIVERGED).astype(np.int64)


def make_train_result(alpha, checkpoints, errors, synapse_0, synapse_1) -> XorResult:
    status = int(run_status(errors[None], synapse_0[None], synapse_1[None])[0])
    return XorResult(
        alpha=float(alpha),
        checkpoints=checkpoints,
        errors=errors,
        synapse_0=synapse_0,
        synapse_1=synapse_1,
        success=status == st.FINISHED,
        status=status,
        message=st.TRAINING_MESSAGES[status],
    )


def make_sweep_result(
    alphas, seeds: Sequence[int] | None, checkpoints, errors, synapse_0, synapse_1
) -> SweepResult:
    status = run_status(errors, synapse_0, synapse_1)
    n_bad = int(np.count_nonzero(status))
    message = (
        st.TRAINING_MESSAGES[st.FINISHED]
        if n_bad == 0
        else (
            f"{n_bad} of {status.size} runs diverged (a weight or an error became NaN or infinite)."
        )
    )
    result = SweepResult(
        alphas=alphas,
        seeds=None if seeds is None else np.asarray(seeds, dtype=np.int64),
        checkpoints=checkpoints,
        errors=errors,
        synapse_0=synapse_0,
        synapse_1=synapse_1,
        status=status,
        success=n_bad == 0,
        message=message,
    )
    if seeds is not None:
        result.update(seed_summaries(errors))
    return result


def seed_summaries(errors: np.ndarray) -> dict[str, np.ndarray]:
    """Error curves summarised across the seed axis (axis 1): mean, std, min, max, median.

    Each has shape (n_alphas, n_checkpoints). ``std`` is the population standard deviation
    (``ddof=0``), the spread of the seeds actually run.
    """
    return {
        "errors_mean": errors.mean(axis=1),
        "errors_std": errors.std(axis=1),
        "errors_min": errors.min(axis=1),
        "errors_max": errors.max(axis=1),
        "errors_median": np.median(errors, axis=1),
    }


def check_seeds(seeds: object) -> list[int]:
    """Return ``seeds`` as a non-empty list of distinct ints, or raise naming ``seeds``."""
    if isinstance(seeds, str | bytes) or np.ndim(seeds) != 1:
        raise TypeError(f"seeds must be a 1-D sequence of integers, got {seeds!r}")
    values = [seed_value(s, "seeds") for s in seeds]
    if not values:
        raise ValueError("seeds must not be empty")
    if len(set(values)) != len(values):
        raise ValueError(f"seeds must be distinct, got duplicates in {values}")
    return values
