"""Activation functions for the training kernels, chosen by a compile-time code.

``code`` is the activation's index in :data:`fastgd.network.ACTIVATIONS`. In a kernel it is
the length of a tuple in the kernel's specialisation (a compile-time constant), so LLVM keeps
only the branch that applies and the code costs nothing at run time.

Derivatives are written in terms of the activation's *output*, as the notebook's
``sigmoid_derivative(sigmoid_output)`` is: the backward pass only keeps the outputs.
"""

from __future__ import annotations

from fastgd._jit import jit
from fastgd.kernels.fastexp import sigmoid, tanh
from fastgd.network import ACTIVATION_NAMES

SIGMOID = ACTIVATION_NAMES.index("sigmoid")
TANH = ACTIVATION_NAMES.index("tanh")
LINEAR = ACTIVATION_NAMES.index("linear")


@jit(inline=True)
def activate(code: int, z: float) -> float:
    """The activation ``code`` at pre-activation ``z``."""
    if code == SIGMOID:
        return sigmoid(z)
    if code == TANH:
        return tanh(z)
    return z  # LINEAR


@jit(inline=True)
def slope(code: int, out: float) -> float:
    """The derivative of activation ``code`` where its output is ``out``."""
    if code == SIGMOID:
        return out * (1.0 - out)
    if code == TANH:
        return 1.0 - out * out
    return 1.0  # LINEAR
