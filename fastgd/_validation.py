"""Argument checks shared by the compiled path and the reference.

Every check raises ``ValueError`` or ``TypeError`` with the argument's name in the message, so
that bad input never reaches a kernel (where it could crash or silently produce NaN).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

_INF = float("inf")


#: The largest integer the kernels can count to (int64).
MAX_INT = 2**63 - 1


def positive_int(value: object, name: str, maximum: int = MAX_INT) -> int:
    """Return ``value`` as an ``int`` in [1, maximum], or raise naming ``name``."""
    if type(value) is int and 1 <= value <= maximum:  # the common case, fast
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    if value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return int(value)


def positive_float(value: object, name: str) -> float:
    """Return ``value`` as a finite ``float`` > 0, or raise naming ``name``."""
    if type(value) is float and 0.0 < value < _INF:  # the common case, fast (NaN fails)
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond float64, such as 10**400
        raise ValueError(
            f"{name} must be finite and > 0, got a number too large for float64"
        ) from None
    if not np.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be finite and > 0, got {value}")
    return value


def boolean(value: object, name: str) -> bool:
    """Return ``value`` as a ``bool`` if it is one (numpy's too), else raise naming ``name``.

    Strings such as ``"False"`` are refused rather than taken as true.
    """
    if value is True or value is False:
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def positive_float_array(values: object, name: str) -> np.ndarray:
    """Return ``values`` as a non-empty 1-D float64 array of finite values > 0."""
    if isinstance(values, str | bytes) or (
        not isinstance(values, Iterable | np.ndarray | numbers.Real)
    ):
        raise TypeError(f"{name} must be a sequence of real numbers, got {type(values).__name__}")
    try:
        array = np.atleast_1d(np.asarray(values))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of real numbers: {exc}") from None
    if array.dtype.kind not in "biuf":  # no strings, objects or complex numbers
        raise TypeError(f"{name} must be a sequence of real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {array[~np.isfinite(array)][:3].tolist()}")
    if np.any(array <= 0.0):
        raise ValueError(f"{name} must be > 0, got {array[array <= 0.0][:3].tolist()}")
    return array


def finite_float_matrix(values: object, name: str) -> np.ndarray:
    """Return ``values`` as a non-empty 2-D C-contiguous float64 array of finite values."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 2-D array of real numbers: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    array = np.ascontiguousarray(array, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D (samples x features), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite values")
    return array
