"""Trainability maps in plain numpy: every cell trained by the notebook's loop, one at a time.

Same signature and result as :func:`fastgd.trainability_map`; for tests on small grids and as
the benchmarks' baseline (timed on a few cells).
"""

from __future__ import annotations

import numpy as np

from fastgd._map_setup import make_map_result, plan_map
from fastgd._training_setup import network_arguments
from fastgd.kernels.network import MEASURE_FIELDS
from fastgd.reference.network import convergence_measure, train
from fastgd.results import MapResult


def trainability_map(
    alpha_hidden,
    alpha_output,
    *,
    steps: int,
    X=None,
    y=None,
    hidden: int = 4,
    seed: int = 1,
    hidden_activation: str = "sigmoid",
    output_activation: str = "sigmoid",
    loss: str = "notebook",
    parameterization: str = "standard",
    initial_weights=None,
    workers=None,
    client=None,
    progress=False,
    device: str = "cpu",
) -> MapResult:
    """The map, cell by cell (numpy reference); see :func:`fastgd.trainability_map`.

    The execution options (``workers``, ``client``, ``progress``, ``device``) are accepted
    for drop-in compatibility and ignored.
    """
    del workers, client, progress, device
    axis_hidden, axis_output, plan = plan_map(
        alpha_hidden,
        alpha_output,
        steps,
        X,
        y,
        hidden,
        seed,
        network_arguments(locals()),
    )
    n_cells = plan.alphas.size
    runs = [
        train(
            plan.X,
            plan.y,
            plan.alphas[cell],
            plan.alphas_output[cell],
            plan.w0_inits[0],
            plan.w1_inits[0],
            plan.steps,
            plan.log_every,
            plan.options,
            measure_steps=plan.steps - 1,
        )
        for cell in range(n_cells)
    ]
    errors = np.array([run.errors for run in runs])
    diverged_at = np.array([run.diverged_at for run in runs], dtype=np.int64)
    result = make_map_result(
        axis_hidden, axis_output, plan, errors, diverged_at, np.zeros((n_cells, MEASURE_FIELDS))
    )
    # The measure straight from each run's losses, the paper's way (not from running sums).
    diverged = result.diverged_at.ravel() >= 0
    result.measure = np.array(
        [convergence_measure(run.losses, bad) for run, bad in zip(runs, diverged, strict=True)]
    ).reshape(result.measure.shape)
    return result
