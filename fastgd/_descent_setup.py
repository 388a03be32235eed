"""What the compiled descent and the reference share: checks, objectives, statuses, results.

Only the loop differs between :mod:`fastgd.descent` and :mod:`fastgd.reference.descent`;
everything that decides *what* is minimised and how the answer is packaged lives here.
"""

from __future__ import annotations

import math
import numbers
import sys
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from fastgd import status as st
from fastgd._validation import positive_float, positive_int
from fastgd.results import DescentResult
from fastgd.schedules import StepDecay, as_schedule

CONVERGED, MAX_ITER, DIVERGED, STEP_LOST = st.CONVERGED, st.MAX_ITER, st.DIVERGED, st.STEP_LOST
MESSAGES = st.DESCENT_MESSAGES

JAC_MODES = ("forward", "central")
#: scipy.optimize.approx_fprime's default step: the square root of machine epsilon.
FPRIME_EPSILON = float(np.sqrt(np.finfo(np.float64).eps))


class Problem(NamedTuple):
    """A checked minimisation problem, ready for either loop."""

    fun: Any  # callable(x: ndarray, *args) -> float
    jac: Any  # callable(x, *args) -> ndarray, or None for finite differences
    jac_mode: str  # "analytic", "forward" or "central"
    x0: np.ndarray
    schedule: StepDecay
    momentum: float
    nesterov: bool
    window: int  # 0 = unlimited
    tol: float
    max_iter: int
    epsilon: float
    args: tuple
    record_path: bool
    symbolic: Any = None  # (value, partials) lambdified from a sympy expression, else None


def check_x0(x0: object) -> np.ndarray:
    """``x0`` as a new 1-D float64 array of finite values (a scalar is a 1-D problem)."""
    try:
        array = np.asarray(x0)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"x0 must be a real number or a 1-D array of them: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"x0 must be real numbers, got dtype {array.dtype}")
    if array.ndim > 1:
        raise ValueError(f"x0 must be a scalar or 1-D, got shape {array.shape}")
    array = array.astype(np.float64).reshape(-1)  # always a copy: the caller's x0 is left alone
    if array.size == 0:
        raise ValueError("x0 must not be empty")
    if not (
        all(map(math.isfinite, array.tolist())) if array.size <= 32 else np.isfinite(array).all()
    ):
        raise ValueError(f"x0 must be finite, got {array.tolist()}")
    return array


def check_momentum(momentum: object) -> float:
    if type(momentum) is float and 0.0 <= momentum < 1.0:  # the common case, fast
        return momentum
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real):
        raise TypeError(f"momentum must be a real number, got {type(momentum).__name__}")
    momentum = float(momentum)
    if not 0.0 <= momentum < 1.0:  # also rejects NaN
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    return momentum


def check_window(window: object) -> int:
    return 0 if window is None else positive_int(window, "window")


def scalar_value(value: object, name: str = "fun") -> float:
    """``value`` as a float if it is a real scalar (a 0-d or size-1 array counts), else raise."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must return a real scalar, got {type(value).__name__}")
    if array.size != 1:
        raise ValueError(f"{name} must return a scalar, got an array of shape {array.shape}")
    return float(array.reshape(()))


def check_objective_at_x0(fun, x0: np.ndarray, args: tuple) -> None:
    """Call ``fun`` once at ``x0`` (in Python) so a non-scalar result is caught here."""
    if not callable(fun):
        raise TypeError(f"fun must be callable or a sympy expression, got {type(fun).__name__}")
    scalar_value(fun(x0.copy(), *args), "fun")


def check_jac_at_x0(jac, x0: np.ndarray, args: tuple) -> None:
    value = np.asarray(jac(x0.copy(), *args))
    if value.shape != x0.shape:
        raise ValueError(f"jac must return an array of shape {x0.shape}, got {value.shape}")


def is_sympy_expr(obj: object) -> bool:
    sympy = sys.modules.get("sympy")  # an expression means sympy was imported already
    return sympy is not None and isinstance(obj, sympy.Basic)


@lru_cache(maxsize=64)
def sympy_functions(expr, n: int):
    """``(fun, jac, symbols)`` from a sympy expression: the function and its exact gradient.

    The variables are the expression's free symbols sorted by name (x, y, z, ...). ``fun`` and
    ``jac`` take a 1-D array of length ``n``. Built with ``sympy.diff`` and ``lambdify`` as
    the article does; the compiled path compiles them with Numba.
    """
    import sympy

    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if len(symbols) > n:
        raise ValueError(f"fun has {len(symbols)} variables {symbols} but x0 has {n} values")
    if len(symbols) < n:  # e.g. a constant expression, or x0 longer than the variables
        raise ValueError(f"x0 has {n} values but fun has {len(symbols)} variables {symbols}")
    value = sympy.lambdify(symbols, expr, modules="math")
    partials = tuple(sympy.lambdify(symbols, sympy.diff(expr, s), modules="math") for s in symbols)
    return value, partials, array_function(value, n), array_gradient(partials, n)


def make_problem(
    fun,
    x0,
    jac,
    lr,
    momentum,
    nesterov,
    window,
    tol,
    max_iter,
    epsilon,
    args,
    record_path,
    check_objective: bool = True,
) -> Problem:
    """Check every argument (each error names it) and return the :class:`Problem`.

    ``check_objective=False`` skips calling ``fun`` (and ``jac``) once at ``x0``, for an
    objective already checked with an ``x0`` of the same size.
    """
    x0 = check_x0(x0)
    schedule = as_schedule(lr)
    momentum = check_momentum(momentum)
    window = check_window(window)
    tol = positive_float(tol, "tol")
    max_iter = positive_int(max_iter, "max_iter")
    epsilon = positive_float(epsilon, "epsilon")
    if type(args) is not tuple:
        args = (args,)
    symbolic = None
    if is_sympy_expr(fun):
        if args:
            raise ValueError("args cannot be used with a sympy expression")
        value, partials, fun, gradient = sympy_functions(fun, x0.size)
        symbolic = (value, partials)
        if jac in (None, "sympy"):
            jac, jac_mode = gradient, "analytic"
        elif jac in JAC_MODES:
            jac, jac_mode = None, jac
        else:
            raise ValueError(
                f"jac must be None, 'sympy', 'forward' or 'central' for a sympy "
                f"expression, got {jac!r}"
            )
    else:
        if jac is None or (type(jac) is str and jac in JAC_MODES):
            jac_mode, jac = jac or "forward", None
        elif callable(jac):
            jac_mode = "analytic"
        else:
            raise ValueError(f"jac must be a callable, 'forward' or 'central', got {jac!r}")
        if not callable(fun):
            raise TypeError(f"fun must be callable or a sympy expression, got {type(fun).__name__}")
        if check_objective:
            check_objective_at_x0(fun, x0, args)
            if jac is not None:
                check_jac_at_x0(jac, x0, args)
    return Problem(
        fun,
        jac,
        jac_mode,
        x0,
        schedule,
        momentum,
        bool(nesterov),
        window,
        tol,
        max_iter,
        epsilon,
        args,
        bool(record_path),
        symbolic,
    )


def array_function(scalar_fn, n: int):
    """Wrap ``f(x0, x1, ...)`` as ``f(x)`` taking a 1-D array (generated, so Numba can compile)."""
    source = f"def fun(x):\n    return scalar_fn({', '.join(f'x[{i}]' for i in range(n))})\n"
    namespace = {"scalar_fn": scalar_fn}
    exec(source, namespace)
    return namespace["fun"]


def array_gradient(partials, n: int):
    """Wrap the partial derivatives as ``jac(x) -> ndarray`` (generated, so Numba can compile)."""
    arguments = ", ".join(f"x[{i}]" for i in range(n))
    lines = ["def jac(x):", f"    out = np.empty({n})"]
    lines += [f"    out[{i}] = d{i}({arguments})" for i in range(n)]
    lines.append("    return out")
    namespace = {"np": np, **{f"d{i}": d for i, d in enumerate(partials)}}
    exec("\n".join(lines) + "\n", namespace)
    return namespace["jac"]


def make_result(
    problem: Problem, x, fun_value, jac_value, nit, nfev, njev, status, path
) -> DescentResult:
    result = DescentResult(
        x=x,
        fun=fun_value,
        jac=jac_value,
        nit=nit,
        nfev=nfev,
        njev=njev,
        success=status == CONVERGED,
        status=status,
        message=MESSAGES[status],
    )
    if problem.record_path:
        result["path"] = path
    return result
