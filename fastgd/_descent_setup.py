"""What the compiled descent and the reference share: options, checks, the problem, results.

Only the loop differs between :mod:`fastgd.descent` and :mod:`fastgd.reference.descent`;
everything that decides *what* is minimised and how the answer is packaged lives here.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
from typing import Any, NamedTuple

import numpy as np

from fastgd import expressions
from fastgd import status as st
from fastgd._validation import boolean, positive_float, positive_int
from fastgd.kernels import descent as kernels
from fastgd.results import DescentResult, DescentSweepResult
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


class Options(NamedTuple):
    """A descent's options as the caller gave them, before any check (see :func:`make_problem`).

    The public functions take them as keyword arguments, with the same names and defaults in
    the compiled and the reference modules; :meth:`of` collects them from a call's locals.
    """

    jac: Any = None
    lr: Any = 0.1
    momentum: Any = 0.0
    nesterov: Any = False
    window: Any = None
    tol: Any = 1e-5
    max_iter: Any = 1000
    epsilon: Any = 0.01
    args: Any = ()
    record_path: Any = True

    @classmethod
    def of(cls, names: dict) -> Options:
        """The options among ``names`` (a function's ``locals()``)."""
        return cls(*(names[field] for field in cls._fields))


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
    if isinstance(value, numbers.Real | np.bool_):  # bools count, as 0.0 and 1.0
        return float(value)
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must return a real scalar, got {type(value).__name__}")
    if array.size != 1:
        raise ValueError(f"{name} must return a scalar, got an array of shape {array.shape}")
    return float(array.reshape(()))


def check_objective_at_x0(fun, x0: np.ndarray, args: tuple, name: str = "fun") -> None:
    """Call ``fun`` once at ``x0`` (in Python) so a non-scalar result is caught here."""
    if not callable(fun):
        raise TypeError(f"{name} must be callable or an expression, got {type(fun).__name__}")
    with np.errstate(all="ignore"):
        scalar_value(fun(x0.copy(), *args), name)


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


def make_problem(fun, x0, options: Options, check_objective: bool = True) -> Problem:
    """Check every argument (each error names it) and return the :class:`Problem`.

    ``check_objective=False`` skips calling ``fun`` (and ``jac``) once at ``x0``.
    """
    x0 = check_x0(x0)
    schedule = as_schedule(options.lr)
    momentum = check_momentum(options.momentum)
    nesterov = boolean(options.nesterov, "nesterov")
    window = check_window(options.window)
    tol = positive_float(options.tol, "tol")
    max_iter = positive_int(options.max_iter, "max_iter")
    epsilon = positive_float(options.epsilon, "epsilon")
    args = check_args(options.args)
    record_path = boolean(options.record_path, "record_path")
    jac = options.jac
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


# --- many descents (minimize_many) ------------------------------------------------------------
#: Refuse a sweep whose outputs would need more than this share of the machine's memory.
MEMORY_SHARE = 0.5


class SweepProblem(NamedTuple):
    """A checked grid of descents: starts x rates x momenta, with the settings they share."""

    problem: Problem  # the first run's problem; the others differ in x0, lr and momentum
    starts: np.ndarray  # (m, n)
    rates: np.ndarray  # (k,) initial rates, each decayed by problem.schedule's gamma/every
    momenta: np.ndarray  # (j,)

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.starts.shape[0], self.rates.size, self.momenta.size)

    @property
    def n_runs(self) -> int:
        m, k, j = self.shape
        return m * k * j

    def run(self, r: int) -> Problem:
        """The problem of run ``r`` (start-major, then rate, then momentum)."""
        _, k, j = self.shape
        a, rest = divmod(r, k * j)
        b, c = divmod(rest, j)
        p = self.problem
        return p._replace(
            x0=self.starts[a].copy(),
            schedule=p.schedule.with_rate(float(self.rates[b])),
            momentum=float(self.momenta[c]),
        )


def check_starts(x0: object) -> np.ndarray:
    """``x0`` as an (m, n) float64 array of finite starts; one start (n,) is m = 1."""
    try:
        array = np.array(x0, dtype=np.float64, order="C", ndmin=1)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"x0 must be a 1-D or 2-D array of real numbers: {exc}") from None
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"x0 must be (n,) or (m, n) starts, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"x0 must not be empty, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("x0 must be finite")
    return np.ascontiguousarray(array)


def check_rates(lr: object) -> tuple[StepDecay, np.ndarray]:
    """(the shared schedule, the initial rates) from a float, an array or a StepDecay."""
    if isinstance(lr, StepDecay):
        rates = np.array(lr.rates, dtype=np.float64)
        return lr.with_rate(float(rates[0])), rates
    from fastgd._validation import positive_float_array

    rates = positive_float_array(lr, "lr")
    return StepDecay(float(rates[0])), rates


def check_momenta(momentum: object) -> np.ndarray:
    """``momentum`` as a non-empty 1-D array of values in [0, 1)."""
    if isinstance(momentum, bool | str | bytes):
        raise TypeError(f"momentum must be a real number or an array of them, got {momentum!r}")
    try:
        momenta = np.array(momentum, dtype=np.float64, ndmin=1)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"momentum must be real numbers: {exc}") from None
    if momenta.ndim != 1 or momenta.size == 0:
        raise ValueError(f"momentum must be a number or a non-empty 1-D array, got {momentum!r}")
    if not np.all((momenta >= 0.0) & (momenta < 1.0)):  # also refuses NaN
        raise ValueError(f"momentum must be in [0, 1), got {momenta[~(momenta >= 0)].tolist()}")
    return momenta


def physical_memory() -> int | None:
    """Bytes of memory in this machine, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_sweep_memory(n_runs: int, n: int, max_iter: int, record_path: bool) -> None:
    """Refuse, before allocating, a sweep whose outputs cannot fit in memory."""
    per_run = (2 * n + 1 + 4) * 8
    needed = n_runs * per_run
    what = f"{n_runs:,} runs x {per_run} bytes of results"
    if record_path:
        needed += n_runs * (max_iter + 1) * n * 8
        what += f" + their paths, {n_runs:,} x (max_iter + 1 = {max_iter + 1:,}) x {n} x 8 bytes"
    memory = physical_memory()
    if memory is not None and needed > MEMORY_SHARE * memory:
        raise ValueError(
            f"the sweep needs {needed / 2**30:,.1f} GiB ({what}), more than half of this "
            f"machine's {memory / 2**30:,.1f} GiB: use fewer starts, rates or momenta"
            + (", or record_path=False" if record_path else "")
        )


def make_sweep_problem(fun, x0, options: Options) -> SweepProblem:
    """Check every argument of a sweep (each error names it); ``options.lr`` and
    ``options.momentum`` may hold several values (see :func:`fastgd.minimize_many`)."""
    starts = check_starts(x0)
    schedule, rates = check_rates(options.lr)
    momenta = check_momenta(options.momentum)
    first = options._replace(lr=schedule, momentum=float(momenta[0]))
    problem = make_problem(fun, starts[0], first)
    sweep = SweepProblem(problem, starts, rates, momenta)
    check_sweep_memory(sweep.n_runs, starts.shape[1], problem.max_iter, problem.record_path)
    return sweep


def sweep_outputs(sweep: SweepProblem, runs: int | None = None) -> dict[str, np.ndarray]:
    """Empty outputs, one row per run (paths NaN where a run has no point).

    For every run of the sweep, or for ``runs`` of them (a chunk's).
    """
    runs = sweep.n_runs if runs is None else runs
    n = sweep.starts.shape[1]
    outputs = {
        "x": np.empty((runs, n)),
        "jac": np.empty((runs, n)),
        "fun": np.empty(runs),
        "counts": np.zeros((runs, kernels.N_OUT), dtype=np.int64),
    }
    if sweep.problem.record_path:
        outputs["path"] = np.full((runs, sweep.problem.max_iter + 1, n), np.nan)
    return outputs


def store_run(outputs: dict, row: int, result: DescentResult) -> None:
    """Put one run's result (from the reference loop) into the outputs' row ``row``."""
    k = kernels
    outputs["x"][row] = result.x
    outputs["jac"][row] = result.jac
    outputs["fun"][row] = result.fun
    outputs["counts"][row, [k.OUT_NIT, k.OUT_NFEV, k.OUT_NJEV, k.OUT_STATUS]] = (
        result.nit,
        result.nfev,
        result.njev,
        result.status,
    )
    if "path" in outputs:
        outputs["path"][row, : result.nit + 1] = result.path


def make_sweep_result(sweep: SweepProblem, outputs: dict) -> DescentSweepResult:
    """The result of a sweep, every field shaped (starts, rates, momenta, ...)."""
    grid = sweep.shape
    counts = outputs["counts"].reshape(grid + (kernels.N_OUT,))
    status = counts[..., kernels.OUT_STATUS]
    n_converged = int(np.count_nonzero(status == st.CONVERGED))
    tally = ", ".join(
        f"{int(np.count_nonzero(status == code))} {label}"
        for code, label in ((1, "reached max_iter"), (2, "diverged"), (3, "lost their step"))
        if np.any(status == code)
    )
    message = f"{n_converged} of {status.size} runs converged" + (f"; {tally}" if tally else "")
    result = DescentSweepResult(
        x=outputs["x"].reshape(grid + (-1,)),
        fun=outputs["fun"].reshape(grid),
        jac=outputs["jac"].reshape(grid + (-1,)),
        nit=counts[..., kernels.OUT_NIT],
        nfev=counts[..., kernels.OUT_NFEV],
        njev=counts[..., kernels.OUT_NJEV],
        status=status,
        success=status == st.CONVERGED,
        message=message + ".",
        x0=sweep.starts,
        lr=sweep.rates,
        momentum=sweep.momenta,
    )
    if "path" in outputs:
        result["path"] = outputs["path"].reshape(grid + outputs["path"].shape[1:])
    return result
