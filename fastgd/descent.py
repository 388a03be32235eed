"""Gradient descent, compiled: :func:`minimize` and :func:`approx_fprime`.

Same signatures and results as :mod:`fastgd.reference.descent`. The loops are the kernels of
:mod:`fastgd.kernels.descent`, compiled once for every objective (and kept in the disk
cache); the objective is compiled once per process (or found in the disk cache too) and
called by address (:mod:`fastgd._objectives`).

The steady path -- the same objective and settings again -- skips everything that cannot have
changed: a call is a dictionary lookup, a check of ``x0``, the kernel and the result.

A long descent runs in *segments* (a few thousand evaluations at first, then about
:data:`SEGMENT_SECONDS` each): the kernel's state carries over exactly, so the numbers are
those of one uninterrupted call, Ctrl-C is noticed between segments, and the path and the
momentum window grow with the run instead of being allocated for ``max_iter`` up front.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, NamedTuple

import numpy as np
from numba.core.errors import NumbaError

from fastgd import _objectives
from fastgd import status as st
from fastgd._descent_setup import (
    FPRIME_EPSILON,
    Options,
    Problem,
    check_jac_at_x0,
    check_objective_at_x0,
    kernel_arrays,
    make_problem,
)
from fastgd.kernels import descent as kernels
from fastgd.reference import descent as reference
from fastgd.results import DescentResult
from fastgd.schedules import StepDecay

#: Evaluations of ``fun`` in a descent's first segment (~0.1 ms for a cheap objective).
FIRST_SEGMENT_EVALS = 4096
#: The wall time aimed for by each later segment: Ctrl-C is noticed within about this.
SEGMENT_SECONDS = 0.1
#: Plans (checked settings + compiled objective) remembered for the steady path.
_PLAN_MEMORY = 256
_EMPTY = np.empty((0, 0))


class ObjectiveCompileWarning(UserWarning):
    """Numba could not compile the objective: fastgd runs the (slower) Python loop instead."""


class _Plan(NamedTuple):
    """What a call with the same arguments (but ``x0``) needs: checked and compiled once."""

    problem: Problem
    native: Any  # _objectives.NativeObjective, or None to run the reference loop
    frozen: Any  # _objectives.FrozenGlobals of the objective, None if it froze no values
    ints: np.ndarray  # the kernel's int64 slots before the first update
    reals: np.ndarray  # and its float64 slots
    n: int
    first_stop: int  # updates in the first segment
    path_shape: tuple | None  # the first segment's path buffer, None without a path
    ring_shape: tuple | None  # the first segment's momentum window, None without one


_PLANS: dict = {}


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
    (``status`` 1), when the point, the gradient or the function value stops being finite or
    the iterates run away (``status`` 2), or when a finite-difference step is lost to
    rounding (``status`` 3). Ctrl-C stops a long run within about a tenth of a second.

    Parameters
    ----------
    fun : callable, str or sympy expression
        ``fun(x, *args) -> float`` with ``x`` a 1-D float array: a plain Python function
        (compiled with Numba; if Numba cannot compile it, the reference loop runs it with an
        :class:`ObjectiveCompileWarning`), or an ``@njit`` function; or an expression in
        variables taken in name order (x, y, ...), as text such as ``"sin(x**2 + y**2)"``
        (parsed safely, see :mod:`fastgd.expressions`) or a sympy expression, whose exact
        gradient is derived with ``sympy.diff`` unless ``jac`` says otherwise. The objective
        is called on a copy of the point: writing into its argument changes nothing.
    x0 : float or array_like, shape (n,)
        Starting point; a scalar is a 1-D problem.
    jac : callable, "forward", "central", "sympy" or None
        ``jac(x, *args) -> ndarray (n,)`` an analytic gradient; "forward" the article's
        perturbation ``(f(x + epsilon e_i) - f(x)) / epsilon``; "central"
        ``(f(x + epsilon e_i) - f(x - epsilon e_i)) / (2 epsilon)``; None: "sympy" (the derived
        gradient) for an expression, "forward" otherwise.
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
        Keep every iterate in ``result.path`` (it grows with the run: ``(nit + 1) * n`` floats).

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
    last = _LAST[0]
    if (  # the same argument objects as the last call: nothing to check again but x0
        fun is last[0]
        and jac is last[1]
        and lr is last[2]
        and momentum is last[3]
        and nesterov is last[4]
        and window is last[5]
        and tol is last[6]
        and max_iter is last[7]
        and epsilon is last[8]
        and args is last[9]
        and record_path is last[10]
    ):
        plan = last[11]
        key = None
    else:
        key = (fun, jac, lr, momentum, nesterov, window, tol, max_iter, epsilon, args)
        # Types too: 1 == 1.0 == True, but the checks accept them differently.
        key += (record_path, type(lr), type(momentum), type(nesterov), type(window))
        key += (type(tol), type(max_iter), type(epsilon), type(record_path))
        try:
            plan = _PLANS.get(key)
        except TypeError:  # something unhashable (an array in args): no steady path
            key = plan = None
    if plan is not None and (plan.frozen is None or plan.frozen.unchanged()):
        x = _steady_x0(x0, plan.n)
        if x is not None:
            _LAST[0] = (fun, jac, lr, momentum, nesterov, window, tol, max_iter)
            _LAST[0] += (epsilon, args, record_path, plan)
            if plan.native is None:
                return reference.descend(plan.problem._replace(x0=np.array(x, dtype=float)))
            return _descend(plan, x)
    problem = make_problem(fun, x0, Options.of(locals()), check_objective=False)
    plan = _make_plan(problem)
    if key is not None:
        _remember(_PLANS, key, plan, _PLAN_MEMORY)
    # Every argument passed its checks: the same objects next time take the steady path.
    _LAST[0] = (fun, jac, lr, momentum, nesterov, window, tol, max_iter)
    _LAST[0] += (epsilon, args, record_path, plan)
    if plan.native is None:
        return reference.descend(problem)
    return _descend(plan, problem.x0)


#: The last steady call's argument objects and plan (identity is cheaper than a hash).
_LAST = [(_NOTHING := object(),) * 11 + (None,)]


def _steady_x0(x0: Any, n: int):
    """``x0`` itself when it is a plain, finite vector of length ``n``, else None.

    A list or tuple of numbers, a float array or (for n == 1) a number; anything else returns
    None, and the full check (with its error messages) runs instead. The sum is finite only
    when every element is.
    """
    kind = type(x0)
    try:
        if kind is list or kind is tuple:
            return x0 if len(x0) == n and math.isfinite(sum(x0)) else None
        if kind is np.ndarray:
            ok = x0.shape == (n,) and x0.dtype.kind == "f" and math.isfinite(x0.sum())
            return x0 if ok else None
        if (kind is float or kind is int) and n == 1 and math.isfinite(x0):
            return (x0,)
    except (TypeError, ValueError, OverflowError):
        pass
    return None


def _make_plan(problem: Problem) -> _Plan:
    """Compile the objective (or find it compiled) for a checked problem."""
    if problem.expression is None:
        native, frozen = _native(problem.fun, problem.jac, problem.x0, problem.args, "fun")
    else:  # generated code: compiles, returns float64, and reads no global values
        native, frozen = _objectives.compile_objective(problem.fun, problem.jac, (), ())
    n = problem.x0.size
    evals = {"analytic": 1, "forward": n + 1, "central": 2 * n}[problem.jac_mode]
    first_stop = min(problem.max_iter, max(1, FIRST_SEGMENT_EVALS // evals))
    ints, reals = kernel_arrays(problem, native.fun if native else 0, native.jac if native else 0)
    ints[kernels.STOP] = first_stop
    windowed = problem.momentum != 0.0 and problem.window != 0
    return _Plan(
        problem,
        native,
        frozen if frozen is not None and frozen.entries else None,
        ints,
        reals,
        n,
        first_stop,
        (first_stop + 1, n) if problem.record_path else None,
        (min(problem.window, first_stop), n) if windowed else None,
    )


_UNCOMPILABLE: dict = {}


def _native(fun, jac, x0, args, name):
    """(NativeObjective or None, FrozenGlobals) for a Python or Numba objective.

    Before an objective is compiled (the first time it is seen with arguments of a given
    type, or when the global values it froze have changed), it is called once in Python at
    ``x0``, so a non-scalar result is a clear error here rather than a kernel's. None (and an
    :class:`ObjectiveCompileWarning`, once) if Numba cannot compile it.
    """
    args_key = _objectives.args_key(args)
    found = _objectives.lookup(fun, jac, args_key)
    if found is not None:
        return found
    key = (fun, jac, args_key)
    if key in _UNCOMPILABLE:
        return None, None
    check_objective_at_x0(fun, x0, args, name)
    if jac is not None:
        check_jac_at_x0(jac, x0, args)
    try:
        return _objectives.compile_objective(fun, jac, args, args_key)
    except (NumbaError, ValueError) as exc:
        _warn_compile(exc, name)
        _remember(_UNCOMPILABLE, key, True, _PLAN_MEMORY)
        return None, None


def _warn_compile(exc: Exception, name: str) -> None:
    text = str(exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    warnings.warn(
        f"Numba could not compile {name} ({type(exc).__name__}: {reason}); running the "
        "pure-Python reference loop instead, which gives the same result more slowly.",
        ObjectiveCompileWarning,
        stacklevel=4,
    )


def _remember(memory: dict, key, value, size: int) -> None:
    """Keep ``value``; past ``size`` entries, forget the oldest."""
    if len(memory) >= size:
        del memory[next(iter(memory))]
    memory[key] = value


def _descend(plan: _Plan, x0) -> DescentResult:
    """Run the descent from ``x0`` (checked, length n) in segments; package the result."""
    problem = plan.problem
    ints, reals = plan.ints.copy(), plan.reals.copy()
    vectors = np.empty((kernels.N_VECTORS, plan.n))
    vectors[kernels.X] = x0
    path = _EMPTY if plan.path_shape is None else np.empty(plan.path_shape)
    ring = _EMPTY if plan.ring_shape is None else np.empty(plan.ring_shape)
    try:
        status = kernels.descend(ints, reals, vectors, ring, path, problem.args)
    except NumbaError as exc:  # the kernel cannot take these args (compiled on first use)
        _warn_compile(exc, "the descent for these args")
        return reference.descend(problem._replace(x0=vectors[kernels.X].copy()))
    if status == kernels.RUNNING:  # a long descent: more segments, sized by the time they take
        path = _more_segments(plan, ints, reals, vectors, ring, path)
    counts = ints.tolist()
    nit, status = counts[kernels.NIT], counts[kernels.STATUS]
    # make_result's fields, built here without its conversions (these are Python numbers
    # already): 0.3 us of the 6.8 us steady call.
    result = DescentResult(
        x=vectors[kernels.X],
        fun=reals.item(kernels.VALUE),
        jac=vectors[kernels.GRADIENT],
        nit=nit,
        nfev=counts[kernels.NFEV],
        njev=counts[kernels.NJEV],
        success=status == st.CONVERGED,
        status=status,
        message=st.DESCENT_MESSAGES[status],
    )
    if path is not _EMPTY:
        result["path"] = path[: nit + 1]
    return result


def _ring(problem: Problem, stop: int, ring: np.ndarray, kept: int) -> np.ndarray:
    """The momentum window's ring buffer, big enough for updates up to ``stop``."""
    if problem.momentum == 0.0 or problem.window == 0:
        return _EMPTY
    capacity = min(problem.window, stop)
    if capacity <= ring.shape[0]:
        return ring
    grown = np.empty((capacity, problem.x0.size))
    grown[:kept] = ring[:kept]  # while the window is not full, the ring starts at row 0
    return grown


def _more_segments(plan, ints, reals, vectors, ring, path):
    """Segments after the first until the descent ends (Ctrl-C is noticed between them).

    Returns the whole path (or the empty array when it is not recorded).
    """
    problem = plan.problem
    record = problem.record_path
    pieces = [path[: ints[kernels.NIT] + 1]] if record else None
    budget = plan.first_stop
    while ints[kernels.STATUS] == kernels.RUNNING:
        nit = int(ints[kernels.NIT])
        stop = min(problem.max_iter, nit + budget)
        ints[kernels.STOP] = stop
        ring = _ring(problem, stop, ring, int(ints[kernels.KEPT]))
        path = np.empty((stop - nit + 1, plan.n)) if record else _EMPTY
        started = time.perf_counter()
        kernels.descend(ints, reals, vectors, ring, path, problem.args)
        elapsed = time.perf_counter() - started
        done = int(ints[kernels.NIT]) - nit
        if record:
            pieces.append(path[1 : done + 1])
        per_second = done / elapsed if elapsed > 0 else math.inf
        budget = int(min(8 * budget, max(1, per_second * SEGMENT_SECONDS)))
    return np.concatenate(pieces) if record else _EMPTY


# --- approx_fprime --------------------------------------------------------------------------
_NO_STEPS = np.empty(0)


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
        ``f`` is called on a copy of the point.
    epsilon : float or array_like, default sqrt(machine epsilon)
        Finite (a negative step differences backwards, as in scipy).
    *args
        Extra arguments for ``f``.
    method : {"forward", "central"}

    Returns
    -------
    ndarray, shape (n,)
    """
    last = _LAST_FPRIME[0]
    if (  # the steady path: the same f (no args) as the last call, a plain float vector
        f is last[0]
        and not args
        and type(xk) is np.ndarray
        and type(epsilon) is float
        and (last[2] is None or last[2].unchanged())
        and xk.dtype == np.float64
        and xk.ndim == 1
        and xk.flags.c_contiguous
        and -math.inf < epsilon < math.inf
        and (method == "forward" or method == "central")
    ):
        return kernels.approx_fprime(last[1], xk, epsilon, _NO_STEPS, method == "central", ())
    if method != "forward" and method != "central":
        raise ValueError(f"method must be 'forward' or 'central', got {method!r}")
    xk = reference.check_xk(xk)
    eps, steps = _fprime_steps(epsilon, xk)
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    native, frozen = _native(f, None, xk, args, "f")
    if native is None:
        return reference.approx_fprime(xk, f, epsilon, *args, method=method)
    if not args:
        _LAST_FPRIME[0] = (f, native.fun, frozen if frozen is not None and frozen.entries else None)
    return kernels.approx_fprime(native.fun, xk, eps, steps, method == "central", args)


#: The last call's f (without args), its address and frozen values: the steady path.
_LAST_FPRIME = [(_NOTHING, 0, None)]


def _fprime_steps(epsilon, xk: np.ndarray) -> tuple[float, np.ndarray]:
    """(scalar step, per-coordinate steps or an empty array), checked finite."""
    if type(epsilon) is float:
        if not math.isfinite(epsilon):
            raise ValueError(f"epsilon must be finite, got {epsilon}")
        return epsilon, _NO_STEPS
    steps = reference.fprime_epsilons(epsilon, xk)
    return 0.0, steps
