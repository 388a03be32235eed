"""Gradient descent as the article writes it, in plain numpy: the reference for the kernels.

The loop is the article's (``X1 = X0 - lr * gradient``, stop when every coordinate moved less
than ``tol`` or after ``max_iter`` updates, the rate decayed by a running multiplication),
generalised to n dimensions, momentum and central differences, with the same signature and
result as :func:`fastgd.minimize`. Every arithmetic operation is written in the order the
compiled kernel performs it, so the two agree to the last bit on the article's runs.
"""

from __future__ import annotations

import math

import numpy as np

from fastgd._descent_setup import (
    CONVERGED,
    DIVERGED,
    FPRIME_EPSILON,
    MAX_ITER,
    STEP_LOST,
    DescentResult,
    Problem,
    make_problem,
    make_result,
    scalar_value,
)
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
    problem = make_problem(
        fun, x0, jac, lr, momentum, nesterov, window, tol, max_iter, epsilon, args, record_path
    )
    return descend(problem)


def _value(problem: Problem, x: np.ndarray) -> float:
    return scalar_value(problem.fun(x, *problem.args))


def _gradient(problem: Problem, x: np.ndarray, g: np.ndarray) -> tuple[int, int, bool]:
    """Fill ``g`` with the gradient at ``x``; returns (nfev, njev, all values finite)."""
    eps = problem.epsilon
    if problem.jac_mode == "analytic":
        g[:] = problem.jac(x, *problem.args)
        return 0, 1, True
    if problem.jac_mode == "forward":
        f0 = _value(problem, x)
        for i in range(x.size):
            xi = x[i]
            x[i] = xi + eps
            g[i] = (_value(problem, x) - f0) / eps
            x[i] = xi
        return x.size + 1, 0, math.isfinite(f0)
    for i in range(x.size):  # central
        xi = x[i]
        x[i] = xi + eps
        f_plus = _value(problem, x)
        x[i] = xi - eps
        f_minus = _value(problem, x)
        x[i] = xi
        g[i] = (f_plus - f_minus) / (2.0 * eps)
    return 2 * x.size, 0, True


def _step_lost(problem: Problem, x: np.ndarray) -> bool:
    """x + epsilon == x in some coordinate: the difference quotient would be exactly 0."""
    if problem.jac_mode == "analytic":
        return False
    return bool(np.any(x + problem.epsilon == x) or np.any(x - problem.epsilon == x))


def descend(problem: Problem) -> DescentResult:
    """The descent loop; :func:`minimize` after its checks."""
    n = problem.x0.size
    x = problem.x0.copy()
    g = np.empty(n)
    beta, window = problem.momentum, problem.window
    velocity = np.zeros(n)
    recent = np.zeros((max(window, 1), n))  # the last `window` plain steps, oldest first
    rate = problem.schedule.lr
    path = [x.copy()]
    nfev = njev = nit = 0
    status = MAX_ITER
    for k in range(problem.max_iter):
        if _step_lost(problem, x):
            status = STEP_LOST
            break
        fe, je, finite_value = _gradient(problem, x, g)
        nfev, njev = nfev + fe, njev + je
        if not (finite_value and np.all(np.isfinite(g))):
            status = DIVERGED
            break
        step = -rate * g
        if beta != 0.0:
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
            step = step + beta * (velocity if problem.nesterov else previous)
        x_new = x + step
        if not np.all(np.isfinite(x_new)):
            status = DIVERGED
            break
        small = bool(np.all(np.abs(x_new - x) < problem.tol))
        x = x_new
        nit = k + 1
        path.append(x.copy())
        if small:
            status = CONVERGED
            break
        if problem.schedule.decays_after(k):
            rate = rate * problem.schedule.gamma
    jac_value = np.empty(n)
    fe, je, _ = _gradient(problem, x, jac_value)
    fun_value = _value(problem, x)
    if status <= MAX_ITER and not (math.isfinite(fun_value) and np.all(np.isfinite(jac_value))):
        status = DIVERGED
    return make_result(
        problem, x, fun_value, jac_value, nit, nfev + fe + 1, njev + je, status, np.array(path)
    )


def approx_fprime(xk, f, epsilon=FPRIME_EPSILON, *args, method: str = "forward"):
    """Finite-difference gradient of a scalar function, as ``scipy.optimize.approx_fprime``.

    ``method="forward"`` is scipy's formula: ``(f(x + h e_i) - f(x)) / ((x_i + h_i) - x_i)``,
    with ``h = epsilon`` (scalar or per coordinate), and scipy's fallback to
    ``sqrt(eps) * sign(x_i) * max(1, |x_i|)`` where ``x_i + h_i == x_i``.
    ``method="central"``: ``(f(x + h e_i) - f(x - h e_i)) / ((x_i + h_i) - (x_i - h_i))``.
    """
    xk = np.asarray(xk, dtype=np.float64)
    h = fprime_steps(xk, epsilon, method)
    grad = np.empty(xk.size)
    x = xk.copy()
    f0 = scalar_value(f(x, *args), "f") if method == "forward" else 0.0
    for i in range(xk.size):
        xi = xk[i]
        x[i] = xi + h[i]
        f_plus = scalar_value(f(x, *args), "f")
        if method == "forward":
            grad[i] = (f_plus - f0) / ((xi + h[i]) - xi)
        else:
            x[i] = xi - h[i]
            grad[i] = (f_plus - scalar_value(f(x, *args), "f")) / ((xi + h[i]) - (xi - h[i]))
        x[i] = xi
    return grad


def fprime_steps(xk: np.ndarray, epsilon, method: str) -> np.ndarray:
    """The step per coordinate, with scipy's fallback where ``x + h`` rounds back to ``x``."""
    if method not in ("forward", "central"):
        raise ValueError(f"method must be 'forward' or 'central', got {method!r}")
    if xk.ndim != 1:
        raise ValueError(f"xk must be 1-D, got shape {xk.shape}")
    h = np.broadcast_to(np.asarray(epsilon, dtype=np.float64), xk.shape).copy()
    rstep = np.finfo(np.float64).eps ** (0.5 if method == "forward" else 1 / 3)
    sign = (xk >= 0).astype(np.float64) * 2 - 1
    return np.where((xk + h) - xk == 0, rstep * sign * np.maximum(1.0, np.abs(xk)), h)
