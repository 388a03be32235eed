"""What the compiled descent and the reference share: checks, the problem, settings, results.

Only the loop differs between :mod:`fastgd.descent` and :mod:`fastgd.reference.descent`;
everything that decides *what* is minimised and how the answer is packaged lives here.
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any, NamedTuple

import numpy as np

from fastgd import expressions
from fastgd import status as st
from fastgd._validation import boolean, positive_float, positive_int
from fastgd.kernels import descent as kernels
from fastgd.results import DescentResult
from fastgd.schedules import StepDecay, as_schedule

#: Finite-difference gradients.
JAC_MODES = ("forward", "central")
#: How each way of getting the gradient is known to the kernels.
GRADIENT_CODES = {
    "analytic": kernels.GRADIENT_ANALYTIC,
    "forward": kernels.GRADIENT_FORWARD,
    "central": kernels.GRADIENT_CENTRAL,
}
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
    expression: Any = None  # the generated module of a text or sympy objective, else None


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
    try:
        array = array.astype(np.float64).reshape(-1)  # always a copy: the caller's x0 is left alone
    except OverflowError:
        raise ValueError("x0 must be finite, got a number too large for float64") from None
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


def check_args(args: object) -> tuple:
    """``args`` as a tuple (a single value is taken as a 1-tuple, as scipy does)."""
    return args if type(args) is tuple else (args,)


def scalar_value(value: object, name: str = "fun") -> float:
    """``value`` as a float if it is a real scalar (a 0-d or size-1 array counts), else raise."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool | np.bool_):
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
        raise TypeError(f"fun must be callable or an expression, got {type(fun).__name__}")
    with np.errstate(all="ignore"):
        scalar_value(fun(x0.copy(), *args), "fun")


def check_jac_at_x0(jac, x0: np.ndarray, args: tuple) -> None:
    with np.errstate(all="ignore"):
        value = np.asarray(jac(x0.copy(), *args))
    if value.shape != x0.shape:
        raise ValueError(f"jac must return an array of shape {x0.shape}, got {value.shape}")


def is_expression(obj: object) -> bool:
    """Text, or a sympy expression (sympy is never imported just to ask)."""
    if isinstance(obj, str):
        return True
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(obj, sympy.Basic)


def expression_objective(fun, jac, n: int, args: tuple):
    """(module, fun, jac, jac_mode) for an objective given as text or a sympy expression."""
    if args:
        raise ValueError("args cannot be used with an expression objective")
    module = expressions.load(fun)
    variables = module.VARIABLES
    if len(variables) != n:
        raise ValueError(
            f"fun has {len(variables)} variables [{', '.join(variables)}] but x0 has {n} values"
        )
    if jac in (None, "sympy"):
        if module.jac is None:
            raise ValueError(f"{module.GRADIENT_PROBLEM}; use jac='forward' or jac='central'")
        return module, module.fun, module.jac, "analytic"
    if type(jac) is str and jac in JAC_MODES:
        return module, module.fun, None, jac
    raise ValueError(
        f"jac must be None, 'sympy', 'forward' or 'central' for an expression, got {jac!r}"
    )


def callable_objective(fun, jac) -> tuple[Any, str]:
    """(jac, jac_mode) for a Python (or Numba) objective."""
    if not callable(fun):
        raise TypeError(
            f"fun must be callable, a string or a sympy expression, got {type(fun).__name__}"
        )
    if jac is None or (type(jac) is str and jac in JAC_MODES):
        return None, jac or "forward"
    if callable(jac):
        return jac, "analytic"
    raise ValueError(f"jac must be a callable, 'forward' or 'central', got {jac!r}")


def make_problem(
    fun,
    x0,
    *,
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

    ``check_objective=False`` skips calling ``fun`` (and ``jac``) once at ``x0``.
    """
    x0 = check_x0(x0)
    schedule = as_schedule(lr)
    momentum = check_momentum(momentum)
    nesterov = boolean(nesterov, "nesterov")
    window = check_window(window)
    tol = positive_float(tol, "tol")
    max_iter = positive_int(max_iter, "max_iter")
    epsilon = positive_float(epsilon, "epsilon")
    args = check_args(args)
    record_path = boolean(record_path, "record_path")
    expression = None
    if is_expression(fun):
        expression, fun, jac, jac_mode = expression_objective(fun, jac, x0.size, args)
    else:
        jac, jac_mode = callable_objective(fun, jac)
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
        nesterov,
        window,
        tol,
        max_iter,
        epsilon,
        args,
        record_path,
        expression,
    )


def kernel_arrays(problem: Problem, fun_address: int, jac_address: int):
    """The kernels' ``(ints, reals)`` for the problem, before its first update.

    See :mod:`fastgd.kernels.descent` for the slots; the state slots are set by the kernel.
    """
    k = kernels
    s = problem.schedule
    ints = np.zeros(k.N_INTS, dtype=np.int64)
    ints[[k.FUN_ADDRESS, k.JAC_ADDRESS]] = fun_address, jac_address
    ints[[k.EVERY, k.OFFSET, k.WINDOW, k.MAX_ITER]] = (
        s.every,
        s.decay_offset,
        problem.window,
        problem.max_iter,
    )
    ints[[k.GRADIENT_MODE, k.RULE, k.NESTEROV]] = (
        GRADIENT_CODES[problem.jac_mode],
        k.RULE_MOMENTUM,
        problem.nesterov,
    )
    ints[k.STATUS] = k.NEW
    reals = np.zeros(k.N_REALS)
    reals[[k.LR, k.GAMMA, k.MOMENTUM, k.TOL, k.EPSILON]] = (
        s.lr,
        s.gamma,
        problem.momentum,
        problem.tol,
        problem.epsilon,
    )
    return ints, reals


def make_result(
    problem: Problem, x, fun_value, jac_value, nit, nfev, njev, status, path
) -> DescentResult:
    result = DescentResult(
        x=x,
        fun=float(fun_value),
        jac=jac_value,
        nit=int(nit),
        nfev=int(nfev),
        njev=int(njev),
        success=status == st.CONVERGED,
        status=int(status),
        message=st.DESCENT_MESSAGES[status],
    )
    if problem.record_path:
        result["path"] = path
    return result
