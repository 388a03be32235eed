"""Gradient descent as the article writes it, in plain numpy: the reference for the kernels.

The loop is the article's (``X1 = X0 - lr * gradient``, stop when every coordinate moved less
than ``tol`` or after ``max_iter`` updates, the rate decayed by a running multiplication),
generalised to n dimensions, momentum and central differences, with the same signature and
result as :func:`fastgd.minimize`. Every arithmetic operation is written in the order the
compiled kernel performs it, so the two agree to the last bit on the article's runs, and the
statuses are decided by the same rules (see :mod:`fastgd.kernels.descent`).

The objective always gets a copy of the point, as scipy gives it.
"""

from __future__ import annotations

import math

import numpy as np

from fastgd import status as st
from fastgd._descent_setup import (
    FPRIME_EPSILON,
    DescentResult,
    Options,
    Problem,
    make_problem,
    make_result,
    make_sweep_problem,
    make_sweep_result,
    scalar_value,
    store_run,
    sweep_outputs,
)
from fastgd.results import DescentSweepResult
from fastgd.schedules import StepDecay


def minimize(
    fun,
    x0,
    *,
    jac=None,
    lr: float | StepDecay = 0.1,
    momentum: float = 0.0,
    nesterov: bool = False,
    window: int | None = None,
    tol: float = 1e-5,
    max_iter: int = 1000,
    epsilon: float = 0.01,
    args: tuple = (),
    record_path: bool = True,
) -> DescentResult:
    """Minimise ``fun`` by gradient descent (numpy reference). See :func:`fastgd.minimize`."""
    problem = make_problem(fun, x0, Options.of(locals()))
    return descend(problem)


class _Counts:
    """Evaluations of the objective and of its gradient."""

    __slots__ = ("nfev", "njev")

    def __init__(self) -> None:
        self.nfev = self.njev = 0


def _python(function):
    """A generated expression's Python function (its compiled twin is the kernel's)."""
    return getattr(function, "py_func", function)


def _value(problem: Problem, x: np.ndarray) -> float:
    return scalar_value(_python(problem.fun)(x.copy(), *problem.args))


def _at(x: np.ndarray, i: int, value: float) -> np.ndarray:
    point = x.copy()
    point[i] = value
    return point


def _gradient(problem: Problem, x: np.ndarray, g: np.ndarray, counts: _Counts):
    """Fill ``g`` with the gradient at ``x``; returns (finite, f(x) or NaN, unchanged).

    ``unchanged``: no finite difference changed f at all (see the kernel's ``gradient``).
    """
    eps, n = problem.epsilon, x.size
    f_x, unchanged = math.nan, False
    if problem.jac_mode == "analytic":
        g[:] = _python(problem.jac)(x.copy(), *problem.args)
        counts.njev += 1
        return bool(np.all(np.isfinite(g))), f_x, unchanged
    if problem.jac_mode == "forward":
        f_x = _value(problem, x)
        unchanged = True
        for i in range(n):
            f_plus = _value(problem, _at(x, i, x[i] + eps))
            g[i] = (f_plus - f_x) / eps
            unchanged = unchanged and f_plus == f_x
        counts.nfev += n + 1
        return math.isfinite(f_x) and bool(np.all(np.isfinite(g))), f_x, unchanged
    f_plus_values = np.empty(n)
    symmetric = True
    for i in range(n):
        f_plus = _value(problem, _at(x, i, x[i] + eps))
        f_minus = _value(problem, _at(x, i, x[i] - eps))
        g[i] = (f_plus - f_minus) / (2.0 * eps)
        f_plus_values[i] = f_plus
        symmetric = symmetric and f_plus == f_minus
    counts.nfev += 2 * n
    finite = bool(np.all(np.isfinite(g)))
    if finite and symmetric:  # compare with f(x) itself before calling the step lost
        f_x = _value(problem, x)
        counts.nfev += 1
        unchanged = bool(np.all(f_plus_values == f_x))
    return finite, f_x, unchanged


def _step_lost(x: np.ndarray, eps: float) -> bool:
    """x + epsilon == x in some coordinate: the difference quotient would be exactly 0."""
    return bool(np.any(x + eps == x) or np.any(x - eps == x))


def _lost_step_status(problem, x, x0, f_x, f_start, nit, counts) -> int:
    """STEP_LOST, or DIVERGED when the descent climbed above f(x0) before losing its step."""
    if nit == 0:
        return st.STEP_LOST
    if math.isnan(f_x):
        f_x = _value(problem, x)
        counts.nfev += 1
    if math.isnan(f_start):
        f_start = _value(problem, x0)
        counts.nfev += 1
    return st.DIVERGED if f_x > f_start else st.STEP_LOST


def _momentum_step(problem: Problem, rate, g, velocity, recent, k):
    """The plain step ``-rate g`` plus ``beta`` times the velocity; returns (step, velocity)."""
    step = -rate * g
    beta, window = problem.momentum, problem.window
    if beta == 0.0:
        return step, velocity
    previous = velocity
    if window == 0:
        velocity = beta * velocity + step  # v_t = beta v_{t-1} + s_t
    else:  # v_t = sum_{j<W} beta^j s_{t-j}, by Horner from the oldest kept step
        recent[:-1] = recent[1:]
        recent[-1] = step
        kept = min(k + 1, window)
        velocity = recent[window - kept].copy()
        for j in range(window - kept + 1, window):
            velocity = beta * velocity + recent[j]
    return step + beta * (velocity if problem.nesterov else previous), velocity


def descend(problem: Problem) -> DescentResult:
    """The descent loop; :func:`minimize` after its checks."""
    n = problem.x0.size
    x0 = problem.x0.copy()
    x = x0.copy()
    g = np.empty(n)
    velocity = np.zeros(n)
    window = min(problem.window, problem.max_iter) if problem.momentum else 0
    recent = np.zeros((max(window, 1), n))  # the last `window` plain steps, oldest first
    problem = problem._replace(window=window)
    rate = problem.schedule.lr
    path = [x.copy()]
    counts = _Counts()
    nit, f_start = 0, math.nan
    finite_differences = problem.jac_mode != "analytic"
    status = st.MAX_ITER
    for k in range(problem.max_iter):
        finite, f_x, unchanged = _gradient(problem, x, g, counts)
        if k == 0 and problem.jac_mode == "forward":
            f_start = f_x
        if not finite:
            status = st.DIVERGED
            break
        if finite_differences and (unchanged or _step_lost(x, problem.epsilon)):
            status = _lost_step_status(problem, x, x0, f_x, f_start, nit, counts)
            break
        step, velocity = _momentum_step(problem, rate, g, velocity, recent, k)
        x_new = x + step
        if not np.all(np.isfinite(x_new)):
            status = st.DIVERGED
            break
        small = bool(np.all(np.abs(x_new - x) < problem.tol))
        x = x_new
        nit = k + 1
        if problem.record_path:
            path.append(x.copy())
        if small:
            status = st.CONVERGED
            break
        if problem.schedule.decays_after(k):
            rate = rate * problem.schedule.gamma
    jac_value = np.empty(n)
    _gradient(problem, x, jac_value, counts)
    fun_value = _value(problem, x)
    counts.nfev += 1
    if status <= st.MAX_ITER and not (math.isfinite(fun_value) and np.all(np.isfinite(jac_value))):
        status = st.DIVERGED
    return make_result(
        problem, x, fun_value, jac_value, nit, counts.nfev, counts.njev, status, np.array(path)
    )


def check_xk(xk) -> np.ndarray:
    """``xk`` as a C-contiguous float64 vector, or raise naming it."""
    try:
        xk = np.ascontiguousarray(xk, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"xk must be a 1-D array of real numbers: {exc}") from None
    if xk.ndim != 1:
        raise ValueError(f"xk must be 1-D, got shape {xk.shape}")
    return xk


def fprime_epsilons(epsilon, xk: np.ndarray) -> np.ndarray:
    """``epsilon`` (a scalar or one per coordinate) as a vector of finite steps."""
    try:
        steps = np.broadcast_to(np.asarray(epsilon, dtype=np.float64), xk.shape)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"epsilon must be a number or one per coordinate of xk {xk.shape}: {exc}"
        ) from None
    if not np.all(np.isfinite(steps)):
        raise ValueError(f"epsilon must be finite, got {epsilon!r}")
    return np.ascontiguousarray(steps)


def approx_fprime(xk, f, epsilon=FPRIME_EPSILON, *args, method: str = "forward"):
    """Finite-difference gradient of a scalar function, as ``scipy.optimize.approx_fprime``.

    ``method="forward"`` is scipy's formula: ``(f(x + h e_i) - f(x)) / ((x_i + h_i) - x_i)``,
    with ``h = epsilon`` (scalar or per coordinate), and scipy's fallback to
    ``sqrt(eps) * sign(x_i) * max(1, |x_i|)`` where ``x_i + h_i == x_i``.
    ``method="central"``: ``(f(x + h e_i) - f(x - h e_i)) / ((x_i + h_i) - (x_i - h_i))``.
    """
    if method not in ("forward", "central"):
        raise ValueError(f"method must be 'forward' or 'central', got {method!r}")
    xk = check_xk(xk)
    h = fprime_steps(xk, epsilon, method)
    grad = np.empty(xk.size)

    def value(point):
        return scalar_value(f(point, *args), "f")

    f0 = value(xk.copy()) if method == "forward" else 0.0
    for i in range(xk.size):
        xi = xk[i]
        f_plus = value(_at(xk, i, xi + h[i]))
        if method == "forward":
            grad[i] = (f_plus - f0) / ((xi + h[i]) - xi)
        else:
            f_minus = value(_at(xk, i, xi - h[i]))
            grad[i] = (f_plus - f_minus) / ((xi + h[i]) - (xi - h[i]))
    return grad


def fprime_steps(xk: np.ndarray, epsilon, method: str) -> np.ndarray:
    """The step per coordinate, with scipy's fallback where ``x + h`` rounds back to ``x``."""
    h = fprime_epsilons(epsilon, xk).copy()
    rstep = np.finfo(np.float64).eps ** (0.5 if method == "forward" else 1 / 3)
    sign = (xk >= 0).astype(np.float64) * 2 - 1
    return np.where((xk + h) - xk == 0, rstep * sign * np.maximum(1.0, np.abs(xk)), h)


def minimize_many(
    fun,
    x0,
    *,
    jac=None,
    lr=0.1,
    momentum=0.0,
    nesterov: bool = False,
    window: int | None = None,
    tol: float = 1e-5,
    max_iter: int = 1000,
    epsilon: float = 0.01,
    args: tuple = (),
    record_path: bool = False,
    **execution,
) -> DescentSweepResult:
    """Every run of the grid, one :func:`descend` after another (numpy reference).

    See :func:`fastgd.minimize_many`. Takes (and ignores) its execution options ``workers``,
    ``client`` and ``progress``; any other keyword is an error.
    """
    unknown = set(execution) - {"workers", "client", "progress"}
    if unknown:
        raise TypeError(f"minimize_many() got unexpected keyword arguments {sorted(unknown)}")
    sweep = make_sweep_problem(fun, x0, Options.of(locals()))
    outputs = sweep_outputs(sweep)
    for r in range(sweep.n_runs):
        store_run(outputs, r, descend(sweep.run(r)))
    return make_sweep_result(sweep, outputs)
