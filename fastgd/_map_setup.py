"""What the compiled trainability map and the reference share: axes, the grid's runs, results.

A map of ``n_h x n_o`` learning-rate pairs is a sweep of that many runs (row-major: run
``h * n_o + o`` pairs ``alpha_hidden[h]`` with ``alpha_output[o]``), all from the same initial
weights, trained for ``steps + 1`` steps with a checkpoint every ``steps`` steps: the second
checkpoint is the error after ``steps`` updates. The extra step's update is never used.
"""

from __future__ import annotations

import numbers

import numpy as np

from fastgd import status as st
from fastgd._memory import check_fits
from fastgd._training_setup import RunPlan, check_alphas, finish_measure, plan_runs
from fastgd._validation import positive_float, positive_int
from fastgd.kernels.network import MEASURE_FIELDS
from fastgd.results import MapResult

#: Bytes a map holds per cell while it is computed and in its result (learning rates, two
#: checkpoints, measure sums, divergence step; final error, measure, status, diverged_at).
BYTES_PER_CELL = 8 * (2 + 2 + MEASURE_FIELDS + 1 + 4)


def log_axis(spec: object, name: str) -> np.ndarray:
    """A map axis: ``(low, high, n)`` for ``n`` log-spaced rates, or an explicit 1-D array.

    Only a *tuple* of three whose third entry is an integer is read as a range; any other
    sequence or array lists the rates themselves.
    """
    if (
        isinstance(spec, tuple)
        and len(spec) == 3
        and isinstance(spec[2], numbers.Integral)
        and not isinstance(spec[2], bool)
    ):
        low = positive_float(spec[0], f"{name} low")
        high = positive_float(spec[1], f"{name} high")
        n = positive_int(spec[2], f"{name} resolution")
        if not low < high and n > 1:
            raise ValueError(f"{name} must have low < high, got ({low}, {high}, {n})")
        if n == 1:
            return np.array([low])
        return np.geomspace(low, high, n)
    return check_alphas(spec, name)


def plan_map(
    alpha_hidden: object,
    alpha_output: object,
    steps: object,
    X: object,
    y: object,
    hidden: object,
    seed: object,
    options: dict,
) -> tuple[np.ndarray, np.ndarray, RunPlan]:
    """Check a map's arguments: its two axes and the plan of its runs (steps + 1 each).

    ``options``: the network options (:func:`fastgd._training_setup.network_arguments`).
    """
    axis_hidden = log_axis(alpha_hidden, "alpha_hidden")
    axis_output = log_axis(alpha_output, "alpha_output")
    steps = positive_int(steps, "steps")
    n_cells = axis_hidden.size * axis_output.size
    check_fits(
        BYTES_PER_CELL * n_cells,
        f"a map of {axis_hidden.size} x {axis_output.size} learning rates",
    )
    plan = plan_runs(
        axis_hidden[:1],
        None,
        steps + 1,
        seed,
        steps,
        X,
        y,
        hidden,
        per_run_initial_weights=False,
        **options,
    )
    run_hidden = np.repeat(axis_hidden, axis_output.size)
    run_output = np.tile(axis_output, axis_hidden.size)
    plan = plan._replace(
        alphas=run_hidden,
        alphas_output=run_output,
        init_index=np.zeros(n_cells, dtype=np.int64),
        curve_every=0,
    )
    return axis_hidden, axis_output, plan


def make_map_result(
    axis_hidden: np.ndarray,
    axis_output: np.ndarray,
    plan: RunPlan,
    errors: np.ndarray,
    diverged_at: np.ndarray,
    measure_sums: np.ndarray,
) -> MapResult:
    """The map from its runs' records (``errors``: the two checkpoints of each run)."""
    steps = plan.steps - 1
    shape = (axis_hidden.size, axis_output.size)
    final_error = np.asarray(errors)[:, 1]
    diverged_at = np.asarray(diverged_at).copy()
    # The extra step only evaluates the error after `steps` updates: its own update does not
    # count, so a run whose error there is finite has not diverged within the map's steps.
    only_extra_update = (diverged_at == steps) & np.isfinite(final_error)
    diverged_at[only_extra_update] = -1
    status = np.where(diverged_at >= 0, st.DIVERGED, st.FINISHED).astype(np.int64)
    measure = finish_measure(measure_sums, diverged_at, steps)
    return MapResult(
        alpha_hidden=axis_hidden,
        alpha_output=axis_output,
        final_error=final_error.reshape(shape),
        status=status.reshape(shape),
        diverged_at=diverged_at.reshape(shape),
        measure=measure.reshape(shape),
        steps=steps,
        network=plan.options._asdict(),
    )
