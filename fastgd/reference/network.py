"""The notebook's training loop in plain numpy, with the network options: the reference.

With the default options this is the seed notebook's algorithm line for line (``np.dot``
layers, sigmoid, full-batch backprop, ``synapse - alpha * gradient``); each option changes only
the lines it is about. The compiled kernels (:mod:`fastgd.kernels.network`) are checked
against this.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from fastgd.kernels.network import MEASURE_CLIP, MEASURE_TAIL
from fastgd.network import NOTEBOOK, NetworkOptions, layer_scales, loss_scale


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(sigmoid_output: np.ndarray) -> np.ndarray:
    return sigmoid_output * (1 - sigmoid_output)


#: Each activation and its derivative in terms of its output, by name (see fastgd.network).
ACTIVATION_FUNCTIONS = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (np.tanh, lambda output: 1 - output * output),
    "linear": (lambda x: x, lambda output: 1.0),
}


class Trained(NamedTuple):
    """One run's records: errors at checkpoints, the fine curve, final weights, divergence."""

    errors: np.ndarray
    curve: np.ndarray
    synapse_0: np.ndarray
    synapse_1: np.ndarray
    diverged_at: int
    losses: np.ndarray  # summed squared error of steps 0 .. measure_steps - 1 (NaN after)


#: Steps between two checks for divergence. The notebook's loop runs unchecked in between (a
#: finiteness check every step would slow the reference, the benchmarks' baseline, by ~20 %);
#: when a check fails, the steps since the last one are run again with a check after each.
CHECK_EVERY = 1000


def train(
    X: np.ndarray,
    y: np.ndarray,
    alpha: float,
    alpha_output: float,
    synapse_0: np.ndarray,
    synapse_1: np.ndarray,
    steps: int,
    log_every: int,
    options: NetworkOptions = NOTEBOOK,
    curve_every: int = 0,
    measure_steps: int = 0,
) -> Trained:
    """The notebook's loop, for one run; stops at the first non-finite error or weight."""
    f, f_slope = ACTIVATION_FUNCTIONS[options.hidden_activation]
    g, g_slope = ACTIVATION_FUNCTIONS[options.output_activation]
    mean_field = options.parameterization == "mean-field"
    scale_hidden, scale_output = layer_scales(options, X.shape[1], synapse_0.shape[1])
    mse = options.loss == "mse"
    scale_loss = loss_scale(options, *y.shape)
    errors = np.full(-(-steps // log_every), np.nan)
    curve = np.full(-(-steps // curve_every) if curve_every else 0, np.nan)
    losses = np.full(measure_steps, np.nan)

    def run(first, stop, synapse_0, synapse_1, checked):
        """Steps first:stop; with ``checked``, stop at the first non-finite step (returned)."""
        for step in range(first, stop):
            layer_0 = X
            hidden_input = np.dot(layer_0, synapse_0)
            if mean_field:
                hidden_input = scale_hidden * hidden_input
            layer_1 = f(hidden_input)
            output_input = np.dot(layer_1, synapse_1)
            if mean_field:
                output_input = scale_output * output_input
            layer_2 = g(output_input)
            layer_2_error = layer_2 - y
            layer_2_delta = layer_2_error * g_slope(layer_2)
            if mse:
                layer_2_delta = scale_loss * layer_2_delta
            if mean_field:
                layer_2_delta = scale_output * layer_2_delta
            if step % log_every == 0:
                errors[step // log_every] = np.mean(np.abs(layer_2_error))
            if curve_every and step % curve_every == 0:
                curve[step // curve_every] = np.mean(np.abs(layer_2_error))
            if step < measure_steps:
                losses[step] = np.sum(layer_2_error**2)
            layer_1_error = layer_2_delta.dot(synapse_1.T)
            layer_1_delta = layer_1_error * f_slope(layer_1)
            if mean_field:
                layer_1_delta = scale_hidden * layer_1_delta
            synapse_1 = synapse_1 - alpha_output * (layer_1.T.dot(layer_2_delta))
            synapse_0 = synapse_0 - alpha * (layer_0.T.dot(layer_1_delta))
            if checked and not _all_finite(layer_2_error, synapse_0, synapse_1):
                return step, synapse_0, synapse_1
        return -1, synapse_0, synapse_1

    diverged_at = -1
    # exp overflows to inf for large |x| at large alpha; 1/(1+inf) = 0 is the right sigmoid
    # value. Diverging runs make inf and NaN on purpose: they are detected here.
    with np.errstate(over="ignore", invalid="ignore"):
        for first in range(0, steps, CHECK_EVERY):
            stop = min(first + CHECK_EVERY, steps)
            # Once a weight is inf or NaN it stays so, and a non-finite error makes the weights
            # non-finite: the weights at the end tell whether any step in between diverged.
            _, new_0, new_1 = run(first, stop, synapse_0, synapse_1, checked=False)
            if _all_finite(new_0, new_1):
                synapse_0, synapse_1 = new_0, new_1
                continue
            diverged_at, synapse_0, synapse_1 = run(first, stop, synapse_0, synapse_1, True)
            errors[diverged_at // log_every + 1 :] = np.nan  # never reached
            if curve_every:
                curve[diverged_at // curve_every + 1 :] = np.nan
            losses[diverged_at + 1 :] = np.nan
            break
    return Trained(errors, curve, synapse_0, synapse_1, diverged_at, losses)


def _all_finite(*arrays: np.ndarray) -> bool:
    return all(np.isfinite(array).all() for array in arrays)


def convergence_measure(losses: np.ndarray, diverged: bool) -> float:
    """Sohl-Dickstein's measure of a run from its losses (NaN where it did not get to).

    Each loss divided by the first, non-finite or above MEASURE_CLIP counted as MEASURE_CLIP;
    converged (not diverged, mean of the last MEASURE_TAIL ratios below 1): ``-sum(ratios)``,
    else ``sum(1 / ratios)``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = losses / losses[0]
    ratios = np.where(ratios < MEASURE_CLIP, ratios, MEASURE_CLIP)  # NaN fails the test too
    converged = not diverged and np.mean(ratios[-MEASURE_TAIL:]) < 1
    return float(-np.sum(ratios) if converged else np.sum(1 / ratios))
