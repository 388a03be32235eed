"""The network fastgd trains, and its options: activations, loss, parameterisation.

One hidden layer, no biases (the notebook's bias is a constant input column), full-batch
gradient descent with a learning rate per layer::

    hidden = f(a_h * X @ W0)          output = g(a_o * hidden @ W1)

Each choice is one table below; the kernels see a choice as its index in its table (a
compile-time constant of their specialisation), the numpy reference by its name. The notebook's
choice is first in every table and is the default.

Adding an activation (say ``relu``) is one entry in :data:`ACTIVATIONS` here, one branch in
each of :func:`fastgd.kernels.activations.activate` and ``slope``, and one line in the
reference's table (:data:`fastgd.reference.network.ACTIVATION_FUNCTIONS`); the tests run every
activation in the table against the reference.
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Activation(NamedTuple):
    """An activation function, by name.

    ``mean_field_gain`` multiplies the hidden pre-activation under the mean-field
    parameterisation, as in Sohl-Dickstein (2024): ``sqrt(2)`` for tanh, 1 otherwise.
    """

    name: str
    mean_field_gain: float = 1.0


#: The activations, in kernel-code order (the code of an activation is its index).
ACTIVATIONS = (
    Activation("sigmoid"),
    Activation("tanh", math.sqrt(2.0)),
    Activation("linear"),
)
#: ``notebook``: the notebook's update, error x derivative (the gradient of half the summed
#: squared error). ``mse``: the exact gradient of the mean squared error over samples and
#: outputs (2/(n_samples n_out) times the notebook's).
LOSSES = ("notebook", "mse")
#: ``standard``: ``f(X @ W0)``, ``g(hidden @ W1)``. ``mean-field``: the pre-activations are
#: scaled by ``gain/sqrt(n_in)`` and ``1/sqrt(hidden)`` (see :func:`layer_scales`).
PARAMETERIZATIONS = ("standard", "mean-field")

ACTIVATION_NAMES = tuple(activation.name for activation in ACTIVATIONS)


class NetworkOptions(NamedTuple):
    """The network's compile-time choices (see the module docstring). Defaults: the notebook's."""

    hidden_activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    loss: str = "notebook"
    parameterization: str = "standard"

    def codes(self) -> tuple[int, int, int, int]:
        """Each choice as its index in its table: what the kernels are specialised on."""
        return (
            ACTIVATION_NAMES.index(self.hidden_activation),
            ACTIVATION_NAMES.index(self.output_activation),
            LOSSES.index(self.loss),
            PARAMETERIZATIONS.index(self.parameterization),
        )


#: The seed notebook's network: sigmoid layers, the notebook's update, standard weights.
NOTEBOOK = NetworkOptions()
#: The network of Sohl-Dickstein, "The boundary of neural network trainability is fractal"
#: (2024): tanh hidden layer, linear output, mean squared error, mean-field parameterisation.
PAPER = NetworkOptions("tanh", "linear", "mse", "mean-field")


def _choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def network_options(
    hidden_activation: object = "sigmoid",
    output_activation: object = "sigmoid",
    loss: object = "notebook",
    parameterization: object = "standard",
) -> NetworkOptions:
    """Check the network options (a ``ValueError``/``TypeError`` naming the argument)."""
    return NetworkOptions(
        _choice(hidden_activation, "hidden_activation", ACTIVATION_NAMES),
        _choice(output_activation, "output_activation", ACTIVATION_NAMES),
        _choice(loss, "loss", LOSSES),
        _choice(parameterization, "parameterization", PARAMETERIZATIONS),
    )


def layer_scales(options: NetworkOptions, n_in: int, hidden: int) -> tuple[float, float]:
    """The factors on the hidden and output pre-activations: ``(1, 1)`` unless mean-field.

    Mean-field, as in the paper's code: hidden ``gain * X @ W0 / sqrt(n_in)`` (gain ``sqrt(2)``
    for tanh), output ``hidden @ W1 / sqrt(hidden)``.
    """
    if options.parameterization != "mean-field":
        return 1.0, 1.0
    gain = ACTIVATIONS[ACTIVATION_NAMES.index(options.hidden_activation)].mean_field_gain
    return gain / math.sqrt(n_in), 1.0 / math.sqrt(hidden)


def loss_scale(options: NetworkOptions, n_samples: int, n_out: int) -> float:
    """The factor from the notebook's update to the loss's gradient: 1, or 2/(n_samples n_out)."""
    return 1.0 if options.loss == "notebook" else 2.0 / (n_samples * n_out)
