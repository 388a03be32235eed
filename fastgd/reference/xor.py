"""The notebook's XOR training in plain numpy: the reference the kernels are checked against.

:func:`train_xor` and :func:`sweep_xor` have the compiled functions' signatures and results;
every run goes through :func:`fastgd.reference.network.train`, the notebook's loop.
"""

from __future__ import annotations

import numpy as np

from fastgd._training_setup import (
    SweepResult,
    XorResult,
    check_alphas,
    make_sweep_result,
    make_train_result,
    network_arguments,
    plan_runs,
    plan_train,
)
from fastgd.reference.network import train


def _train_plan(plan):
    """Every run of ``plan``, one after another; per-run arrays as the compiled runner gives."""
    alpha_hidden, alpha_output = plan.run_alphas
    runs = [
        train(
            plan.X,
            plan.y,
            alpha_hidden[r],
            alpha_output[r],
            plan.w0_inits[plan.init_index[r]],
            plan.w1_inits[plan.init_index[r]],
            plan.steps,
            plan.log_every,
            plan.options,
            plan.curve_every,
        )
        for r in range(plan.init_index.size)
    ]
    return (np.array([getattr(run, field) for run in runs]) for field in _FIELDS)


_FIELDS = ("errors", "curve", "synapse_0", "synapse_1", "diverged_at")


def train_xor(
    alpha: float,
    steps: int = 60_000,
    seed: int = 1,
    log_every: int = 10_000,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    hidden: int = 4,
    *,
    alpha_output: float | None = None,
    hidden_activation: str = "sigmoid",
    output_activation: str = "sigmoid",
    loss: str = "notebook",
    parameterization: str = "standard",
    initial_weights=None,
) -> XorResult:
    """Train the notebook's network with one learning rate (numpy reference).

    See :func:`fastgd.train_xor` for the parameters; this computes the same result slowly.
    """
    plan = plan_train(
        alpha,
        alpha_output,
        steps,
        seed,
        log_every,
        X,
        y,
        hidden,
        **network_arguments(locals()),
    )
    errors, curve, synapse_0, synapse_1, diverged_at = _train_plan(plan)
    return make_train_result(plan, errors[0], curve[0], synapse_0[0], synapse_1[0], diverged_at[0])


def sweep_xor(
    alphas,
    steps: int = 60_000,
    seed: int = 1,
    log_every: int = 10_000,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    hidden: int = 4,
    *,
    alphas_output=None,
    seeds=None,
    hidden_activation: str = "sigmoid",
    output_activation: str = "sigmoid",
    loss: str = "notebook",
    parameterization: str = "standard",
    initial_weights=None,
    workers=None,
    client=None,
    progress=False,
    device: str = "cpu",
) -> SweepResult:
    """The notebook's sweep: every alpha (and seed), one after another, in numpy.

    Takes the compiled sweep's execution options (``workers``, ``client``, ``progress``,
    ``device``) so that the two are drop-in replacements for each other, and ignores them:
    the reference always runs here, in this thread. Any other keyword is an error.
    """
    del workers, client, progress, device  # accepted for drop-in compatibility, unused
    alphas = check_alphas(alphas)
    plan = plan_runs(
        alphas,
        alphas_output,
        steps,
        seed,
        log_every,
        X,
        y,
        hidden,
        seeds=seeds,
        **network_arguments(locals()),
    )
    return make_sweep_result(plan, *_train_plan(plan))
