"""Activation functions for the training kernels, chosen by a compile-time code.

The activation is given as a *token*: a tuple whose length is the activation's index in
:data:`fastgd.network.ACTIVATIONS` (a field of the kernel's specialisation). The length of a
tuple is part of its type, so each activation is its own small compiled function with only its
own branch left, which LLVM inlines into the kernel's loops.

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


@jit
def activate(token: tuple, z: float) -> float:
    """The activation ``len(token)`` at pre-activation ``z``."""
    code = len(token)
    if code == SIGMOID:
        return sigmoid(z)
    if code == TANH:
        return tanh(z)
    return z  # LINEAR


@jit
def slope(token: tuple, out: float) -> float:
    """The derivative of activation ``len(token)`` where its output is ``out``."""
    code = len(token)
    if code == SIGMOID:
        return out * (1.0 - out)
    if code == TANH:
        return 1.0 - out * out
    return 1.0  # LINEAR
