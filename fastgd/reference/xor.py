"""The notebook's XOR training loop in plain numpy: the reference the kernels are checked against.

This is the seed notebook's algorithm line for line (``np.dot`` layers, sigmoid, full-batch
backprop, ``synapse - alpha * gradient``), wrapped in the same signatures and results as
:mod:`fastgd`'s compiled functions.
"""

from __future__ import annotations

import numpy as np

from fastgd._xor_setup import (
    SweepResult,
    XorResult,
    check_alpha,
    check_alphas,
    check_run_args,
    check_seeds,
    checkpoint_steps,
    initial_weights,
    make_sweep_result,
    make_train_result,
    seed_value,
    xor_data,
)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(sigmoid_output: np.ndarray) -> np.ndarray:
    return sigmoid_output * (1 - sigmoid_output)


def _train(X, y, alpha, synapse_0, synapse_1, steps, log_every):
    """The notebook's loop; returns (errors at checkpoints, final synapse_0, final synapse_1)."""
    errors = []
    # exp overflows to inf for large |x| at large alpha; 1/(1+inf) = 0 is the right sigmoid value.
    with np.errstate(over="ignore"):
        for step in range(steps):
            layer_0 = X
            layer_1 = sigmoid(np.dot(layer_0, synapse_0))
            layer_2 = sigmoid(np.dot(layer_1, synapse_1))
            layer_2_error = layer_2 - y
            layer_2_delta = layer_2_error * sigmoid_derivative(layer_2)
            if step % log_every == 0:
                errors.append(np.mean(np.abs(layer_2_error)))
            layer_1_error = layer_2_delta.dot(synapse_1.T)
            layer_1_delta = layer_1_error * sigmoid_derivative(layer_1)
            synapse_1 = synapse_1 - alpha * (layer_1.T.dot(layer_2_delta))
            synapse_0 = synapse_0 - alpha * (layer_0.T.dot(layer_1_delta))
    return np.array(errors, dtype=np.float64), synapse_0, synapse_1


def train_xor(
    alpha: float,
    steps: int = 60_000,
    seed: int = 1,
    log_every: int = 10_000,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    hidden: int = 4,
) -> XorResult:
    """Train the notebook's network with one learning rate (numpy reference).

    See :func:`fastgd.train_xor` for the parameters; this computes the same result slowly.
    """
    alpha = check_alpha(alpha)
    steps, log_every, hidden = check_run_args(steps, log_every, hidden)
    seed = seed_value(seed)
    X, y = xor_data(X, y)
    synapse_0, synapse_1 = initial_weights(seed, X.shape[1], hidden, y.shape[1])
    errors, synapse_0, synapse_1 = _train(X, y, alpha, synapse_0, synapse_1, steps, log_every)
    return make_train_result(
        alpha, checkpoint_steps(steps, log_every), errors, synapse_0, synapse_1
    )


def sweep_xor(
    alphas,
    steps: int = 60_000,
    seed: int = 1,
    log_every: int = 10_000,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    hidden: int = 4,
    seeds=None,
    **ignored,
) -> SweepResult:
    """The notebook's sweep: :func:`train_xor` for every alpha (and seed), one after another.

    Accepts (and ignores) the compiled sweep's execution options (``client``, ``progress``,
    ...) so that the two are drop-in replacements for each other.
    """
    alphas = check_alphas(alphas)
    steps, log_every, hidden = check_run_args(steps, log_every, hidden)
    X, y = xor_data(X, y)
    seed_list = [seed_value(seed)] if seeds is None else check_seeds(seeds)
    runs = [
        [
            _train(
                X, y, alpha, *initial_weights(s, X.shape[1], hidden, y.shape[1]), steps, log_every
            )
            for s in seed_list
        ]
        for alpha in alphas
    ]
    errors, synapse_0, synapse_1 = (
        np.array([[run[i] for run in row] for row in runs]) for i in range(3)
    )
    if seeds is None:  # a single seed: no seed axis
        errors, synapse_0, synapse_1 = errors[:, 0], synapse_0[:, 0], synapse_1[:, 0]
    return make_sweep_result(
        alphas,
        None if seeds is None else seed_list,
        checkpoint_steps(steps, log_every),
        errors,
        synapse_0,
        synapse_1,
    )
