"""Gradient descent, compiled: :func:`minimize` and :func:`approx_fprime`.

Same signatures and results as :mod:`fastgd.reference.descent`; the loops run in kernels built
around the objective by :mod:`fastgd.kernels.descent`.
"""

from __future__ import annotations

import warnings

import numba
import numpy as np
from numba.core.errors import NumbaError

from fastgd._descent_setup import (
    FPRIME_EPSILON,
    DescentResult,
    Problem,
    array_function,
    array_gradient,
    check_jac_at_x0,
    check_objective_at_x0,
    make_problem,
    make_result,
)
from fastgd.kernels import descent as kernels
from fastgd.reference import descent as reference
from fastgd.schedules import StepDecay

_MODES = {
    "analytic": kernels.MODE_ANALYTIC,
    "forward": kernels.MODE_FORWARD,
    "central": kernels.MODE_CENTRAL,
}
#: Compiled kernels of recently compiled objectives (a compile costs ~1 s).
_KERNEL_CACHE: dict = {}
_KERNEL_CACHE_SIZE = 64


class ObjectiveCompileWarning(UserWarning):
    """Numba could not compile the objective: fastgd runs the (slower) Python loop instead."""


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
    """Minimise ``fun`` by gradient descent, as the article does, compiled with Numba.

    Each update is ``x <- x + s + beta * v`` with the plain step ``s = -lr_k * gradient(x)``
    and, with momentum, the velocity ``v`` (see Notes). The run stops after an update in which
    every coordinate moved less than ``tol`` (``status`` 0), after ``max_iter`` updates
    (``status`` 1), when the point, the gradient or the function value stops being finite
    (``status`` 2), or when a finite-difference step is lost to rounding (``status`` 3).

    Parameters
    ----------
    fun : callable or sympy expression
        ``fun(x, *args) -> float`` with ``x`` a 1-D float array: a plain Python function
        (compiled with Numba; if Numba cannot compile it, the reference loop runs it with an
        :class:`ObjectiveCompileWarning`), an ``@njit`` function, or a sympy expression in
        symbols taken in name order (x, y, ...), whose exact gradient is derived with
        ``sympy.diff`` unless ``jac`` says otherwise.
    x0 : float or array_like, shape (n,)
        Starting point; a scalar is a 1-D problem.
    jac : callable, "forward", "central", "sympy" or None
        ``jac(x, *args) -> ndarray (n,)`` an analytic gradient; "forward" the article's
        perturbation ``(f(x + epsilon e_i) - f(x)) / epsilon``; "central"
        ``(f(x + epsilon e_i) - f(x - epsilon e_i)) / (2 epsilon)``; None: "sympy" (the derived
        gradient) for a sympy expression, "forward" otherwise.
    lr : float or StepDecay, default 0.1
        Learning rate, or a schedule such as ``StepDecay(0.1, 0.7, 20)`` (the article's).
    momentum : float in [0, 1), default 0
        Momentum factor beta.
    nesterov : bool, default False
        Nesterov momentum instead of heavy-ball.
    window : int, optional
        Steps remembered by the velocity; None for all (the classic recursion).
    tol : float, default 1e-5
        Stop after an update that moved every coordinate by less than ``tol``.
    max_iter : int, default 1000
        Maximum number of updates. (The article's ``cur_iter > max_iter`` test with its
        ``max_iter = 300`` makes 302 updates: ``max_iter=302`` here.)
    epsilon : float, default 0.01
        Finite-difference step (the article's ``dw``).
    args : tuple
        Extra arguments for ``fun`` and ``jac``.
    record_path : bool, default True
        Keep every iterate in ``result.path`` (memory: ``(max_iter + 1) * n`` floats).

    Returns
    -------
    DescentResult
        ``x``, ``fun``, ``jac``, ``nit``, ``nfev``, ``njev``, ``success``, ``status``,
        ``message`` and ``path``, as ``scipy.optimize.OptimizeResult``.

    Notes
    -----
    With ``s_k = -lr_k g_k`` and the velocity ``v_t = sum_{j<W} beta^j s_{t-j}`` (the last W
    plain steps, ``W = window``; unlimited gives ``v_t = beta v_{t-1} + s_t``), heavy-ball
    momentum updates ``x_{t+1} = x_t + s_t + beta v_{t-1}`` and Nesterov momentum
    ``x_{t+1} = x_t + s_t + beta v_t``. PyTorch's SGD keeps ``b_t = mu b_{t-1} + g_t`` and
    updates ``x -= lr_t b_t``: at a constant rate this is the same heavy-ball iteration, but
    when the rate decays PyTorch rescales all remembered gradients by the *current* rate while
    here each step keeps the rate it was taken with.

    Examples
    --------
    >>> import numpy as np, fastgd
    >>> res = fastgd.minimize(lambda p: np.sin(p[0]**2 + p[1]**2), [0.0, -1.0],
    ...                       lr=fastgd.StepDecay(0.1, 0.7, 20), max_iter=302)
    >>> res.status, res.nit
    (0, 101)
    """
    problem = make_problem(
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
        check_objective=False,
    )
    descend = _kernel_for(problem)
    if descend is None:
        return reference.descend(problem)
    x = problem.x0  # a fresh copy already: the kernel moves it in place
    n = x.size
    path = np.empty((problem.max_iter + 1 if problem.record_path else 1, n))
    jac_value = np.empty(n)
    s = problem.schedule
    status, nit, nfev, njev, fun_value = descend(
        x,
        path,
        jac_value,
        s.lr,
        s.gamma,
        s.every,
        s.decay_offset,
        problem.momentum,
        problem.nesterov,
        problem.window,
        problem.tol,
        problem.max_iter,
        problem.epsilon,
        problem.args,
    )
    return make_result(problem, x, fun_value, jac_value, nit, nfev, njev, status, path[: nit + 1])


def _kernel_for(problem: Problem):
    """The compiled kernel for the problem's objective, or None to fall back to Python.

    The first call with an objective (and a size of x0) checks it at ``x0`` and compiles;
    later calls find the kernel here and skip both.
    """
    key = (problem.fun, problem.jac, problem.jac_mode, len(problem.args), problem.x0.size)
    try:
        return _KERNEL_CACHE[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable objective: check and compile every time
        key = None
    if problem.symbolic is None:
        check_objective_at_x0(problem.fun, problem.x0, problem.args)
        if problem.jac is not None:
            check_jac_at_x0(problem.jac, problem.x0, problem.args)
    kernel = _compile(problem)
    if key is not None:
        _remember(key, kernel)
    return kernel


def _remember(key, kernel) -> None:
    """Keep the kernel; past the cache's size, forget the oldest (first compiled) one."""
    if len(_KERNEL_CACHE) >= _KERNEL_CACHE_SIZE:
        del _KERNEL_CACHE[next(iter(_KERNEL_CACHE))]
    _KERNEL_CACHE[key] = kernel


def _jit(function):
    if isinstance(function, numba.core.dispatcher.Dispatcher):
        return function
    return numba.njit(function)


def _compiled_objective(problem: Problem):
    """(fun, jac) as Numba functions; for sympy, the lambdified pieces are compiled too."""
    if problem.symbolic is not None:
        value, partials = problem.symbolic
        n = problem.x0.size
        fun = _jit(array_function(_jit(value), n))
        jac = (
            None
            if problem.jac is None
            else _jit(array_gradient(tuple(_jit(d) for d in partials), n))
        )
        return fun, jac
    return _jit(problem.fun), None if problem.jac is None else _jit(problem.jac)


def _compile(problem: Problem):
    """Compile the objective, its gradient and the kernel; None (and a warning) if Numba can't."""
    try:
        fun, jac = _compiled_objective(problem)
        x = problem.x0.copy()
        fun(x, *problem.args)  # compile now, so that failures surface here
        if jac is not None:
            jac(x, *problem.args)
        descend = kernels.make_descent_kernel(fun, jac, _MODES[problem.jac_mode])
        descend(
            x,
            np.empty((1, x.size)),
            np.empty(x.size),
            0.0,
            1.0,
            1,
            0,
            0.0,
            False,
            0,
            1.0,
            0,
            1.0,
            problem.args,
        )
    except NumbaError as exc:
        text = str(exc).strip()
        reason = text.splitlines()[0] if text else type(exc).__name__
        warnings.warn(
            f"Numba could not compile the objective ({type(exc).__name__}: {reason}); "
            "running the pure-Python reference loop instead, which gives the same result "
            "more slowly.",
            ObjectiveCompileWarning,
            stacklevel=4,
        )
        return None
    return descend


def approx_fprime(xk, f, epsilon=FPRIME_EPSILON, *args, method: str = "forward"):
    """Finite-difference gradient of ``f`` at ``xk``: a compiled ``scipy.optimize.approx_fprime``.

    Same call and same numbers as scipy's (forward differences, ``epsilon`` a scalar or one
    step per coordinate, scipy's fallback step where ``xk + epsilon`` rounds back to ``xk``),
    plus ``method="central"`` for central differences (error O(h^2) instead of O(h)).
    The numbers equal scipy's when the compiled ``f`` performs the same floating-point
    operations as numpy does; a reduction such as ``np.sum`` adds in a different order once
    compiled, and the gradients then differ by ``f``'s rounding divided by the step.

    Parameters
    ----------
    xk : array_like, shape (n,)
    f : callable
        ``f(x, *args) -> float``; compiled with Numba (an ``@njit`` function is used as is).
        If Numba cannot compile it, the numpy loop runs with an :class:`ObjectiveCompileWarning`.
    epsilon : float or array_like, default sqrt(machine epsilon)
    *args
        Extra arguments for ``f``.
    method : {"forward", "central"}

    Returns
    -------
    ndarray, shape (n,)
    """
    xk = np.asarray(xk, dtype=np.float64)
    if method != "forward" and method != "central":
        raise ValueError(f"method must be 'forward' or 'central', got {method!r}")
    if xk.ndim != 1:
        raise ValueError(f"xk must be 1-D, got shape {xk.shape}")
    kernel = _fprime_kernel_for(f, xk, args)
    if kernel is None:
        return reference.approx_fprime(xk, f, epsilon, *args, method=method)
    if type(epsilon) is float:
        steps = _NO_STEPS
    else:
        steps = np.broadcast_to(np.asarray(epsilon, dtype=np.float64), xk.shape)
        epsilon = 0.0
    return kernel(xk, epsilon, np.ascontiguousarray(steps), method == "central", args)


_NO_STEPS = np.empty(0)


def _fprime_kernel_for(f, xk, args):
    key = ("fprime", f, len(args))
    try:
        return _KERNEL_CACHE[key]
    except (KeyError, TypeError):
        pass
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    try:
        kernel = kernels.make_approx_fprime_kernel(_jit(f))
        kernel(xk, 1.0, _NO_STEPS, False, args)
    except NumbaError as exc:
        warnings.warn(
            f"Numba could not compile f ({type(exc).__name__}); running the numpy loop instead.",
            ObjectiveCompileWarning,
            stacklevel=3,
        )
        kernel = None
    _remember(key, kernel)
    return kernel
