"""Many descents in one compiled, parallel call: :func:`minimize_many` and :func:`grid`.

The runs are the grid ``starts x learning rates x momenta``. They go to the kernel
:func:`fastgd.kernels.descent.descend_many` in chunks, one kernel call per chunk on a pool of
threads (no Python per run), or to a Dask cluster; every run performs exactly the operations
of the :func:`fastgd.minimize` call with the same arguments, so it gives the same numbers,
bit for bit, whichever thread or worker runs it.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable

import numpy as np

from fastgd import descent
from fastgd._descent_setup import (
    Options,
    SweepProblem,
    make_sweep_problem,
    make_sweep_result,
    store_run,
    sweep_outputs,
)
from fastgd._parallel import default_workers, run_chunks, split
from fastgd._progress import progress_bar
from fastgd._validation import positive_int
from fastgd.kernels import descent as kernels
from fastgd.reference import descent as reference
from fastgd.results import DescentSweepResult
from fastgd.schedules import StepDecay

#: The window's ring buffer starts this big in each chunk and doubles as runs need it.
RING_START_ROWS = 1024
_NO_PATHS = np.empty((0, 0, 0))


def grid(xmin: float, xmax: float, ymin: float, ymax: float, n: int | tuple[int, int]):
    """Starts on a 2-D lattice: ``n`` points from ``xmin`` to ``xmax`` (and ``ymin``..``ymax``).

    Returns an ``(ny * nx, 2)`` array, x varying fastest, so that ``values.reshape(ny, nx)``
    of any per-start result is an image with y along the rows (how
    :func:`fastgd.plot.plot_basins` draws it). ``n`` may be ``(nx, ny)``.

    Examples
    --------
    >>> import fastgd
    >>> fastgd.grid(-1, 1, 0, 2, 3)[:4].tolist()
    [[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0], [-1.0, 1.0]]
    """
    nx, ny = (n, n) if np.ndim(n) == 0 else n
    nx, ny = positive_int(nx, "n"), positive_int(ny, "n")
    bounds = []
    for name, value in (("xmin", xmin), ("xmax", xmax), ("ymin", ymin), ("ymax", ymax)):
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
        bounds.append(value)
    xs = np.linspace(bounds[0], bounds[1], nx)
    ys = np.linspace(bounds[2], bounds[3], ny)
    X, Y = np.meshgrid(xs, ys)
    return np.column_stack([X.ravel(), Y.ravel()])


def minimize_many(
    fun,
    x0,
    *,
    jac=None,
    lr: float | np.ndarray | StepDecay = 0.1,
    momentum: float | np.ndarray = 0.0,
    nesterov: bool = False,
    window: int | None = None,
    tol: float = 1e-5,
    max_iter: int = 1000,
    epsilon: float = 0.01,
    args: tuple = (),
    record_path: bool = False,
    workers: int | None = None,
    client=None,
    progress: bool | Callable[[int], None] = False,
) -> DescentSweepResult:
    """Minimise ``fun`` from many starts, with many learning rates and momenta, in parallel.

    The runs are every combination of a start (a row of ``x0``), an initial learning rate
    and a momentum; each gives bit for bit what :func:`fastgd.minimize` gives with the same
    arguments. A diverged run has status 2 and does not stop the others.

    Parameters
    ----------
    fun, jac, nesterov, window, tol, max_iter, epsilon, args
        As in :func:`fastgd.minimize`.
    x0 : array_like, shape (n,) or (m, n)
        One start, or ``m`` of them (for a 2-D lattice, see :func:`grid`).
    lr : float, 1-D array, or StepDecay
        The initial learning rate(s). A ``StepDecay`` decays them all the same way, and may
        hold several rates: ``StepDecay([0.05, 0.1, 0.2], 0.7, 20)``.
    momentum : float or 1-D array
        Momentum factor(s) in [0, 1).
    record_path : bool, default False
        Keep every run's iterates (memory: runs x (max_iter + 1) x n floats, checked first).
    workers : int, optional
        Threads; default every CPU available to the process. Ignored with ``client``.
    client : dask.distributed.Client, optional
        Run the chunks on this Dask cluster instead (workers compile the objective once each).
    progress : bool or callable, default False
        True draws a progress bar on stderr; a callable is called as ``progress(n)`` each time
        ``n`` more runs have finished.

    Returns
    -------
    DescentSweepResult
        ``x``, ``jac`` (m, k, j, n); ``fun``, ``nit``, ``nfev``, ``njev``, ``status``,
        ``success`` (m, k, j); the axes ``x0``, ``lr``, ``momentum``; ``message``; and
        ``path`` with ``record_path=True``.

    Examples
    --------
    >>> import numpy as np, fastgd
    >>> from fastgd.problems import sin_r2
    >>> res = fastgd.minimize_many(sin_r2, fastgd.grid(-1, 1, -1, 1, 5),
    ...                            lr=fastgd.StepDecay(0.1, 0.7, 20), max_iter=302)
    >>> res.status.shape
    (25, 1, 1)
    >>> one = fastgd.minimize(sin_r2, res.x0[7], lr=fastgd.StepDecay(0.1, 0.7, 20),
    ...                       max_iter=302)
    >>> bool(np.array_equal(one.x, res.x[7, 0, 0]))
    True
    """
    options = Options.of(locals())
    sweep = make_sweep_problem(fun, x0, options)
    if workers is not None:
        workers = positive_int(workers, "workers")
    outputs = sweep_outputs(sweep)
    with progress_bar(sweep.n_runs, progress) as advance:
        if client is None:
            _run_local(sweep, outputs, workers or default_workers(), advance)
        else:
            _run_dask(client, _DaskSpec(fun, sweep.starts, options), sweep, outputs, advance)
    return make_sweep_result(sweep, outputs)


def _run_local(sweep: SweepProblem, outputs: dict, workers: int, advance) -> None:
    plan = descent._make_plan(sweep.problem)

    def work(first: int, stop: int, stop_flag: np.ndarray) -> int:
        part = {name: values[first:stop] for name, values in outputs.items()}
        run_chunk(plan, sweep, part, first, stop, stop_flag)
        return stop - first

    def compile_here():  # no runs: only the kernel's compile or cache load
        work(0, 0, np.zeros(1, dtype=np.int64))

    run_chunks(work, split(sweep.n_runs, workers), workers, advance, warm_up=compile_here)


def run_chunk(plan, sweep: SweepProblem, part: dict, first: int, stop: int, stop_flag) -> None:
    """Runs ``first:stop`` of the sweep into ``part``, outputs whose row 0 is run ``first``.

    One kernel call; or, if Numba cannot compile the objective, the reference loop run by run.
    """
    if plan.native is None:
        for r in range(first, stop):
            if stop_flag[0]:
                return
            store_run(part, r - first, reference.descend(sweep.run(r)))
        return
    kernels.descend_many(
        plan.ints,
        plan.reals,
        sweep.starts,
        sweep.rates,
        sweep.momenta,
        first,
        stop,
        part["x"],
        part["jac"],
        part["fun"],
        part["counts"],
        part.get("path", _NO_PATHS),
        RING_START_ROWS,
        stop_flag,
        sweep.problem.args,
    )


# --- Dask -------------------------------------------------------------------------------------
class _DaskSpec:
    """A sweep as its caller gave it: what a Dask task rebuilds (and checks) on a worker.

    A text or sympy objective travels as itself (a worker generates the compiled module, or
    finds it in its own cache); a Python objective travels by cloudpickle. ``objective_id``
    is a digest of the objective, so that each worker process compiles it once.
    """

    def __init__(self, fun, starts: np.ndarray, options: Options) -> None:
        import cloudpickle

        self.fun, self.starts, self.options = fun, starts, options
        payload = cloudpickle.dumps((fun, options.jac, options.args))
        self.objective_id = hashlib.blake2b(payload, digest_size=16).hexdigest()


#: Per worker process: the first copy of each objective that arrived (by ``objective_id``).
#: Later tasks use it instead of their own unpickled copy, so the worker compiles it once.
_WORKER_OBJECTIVES: dict[str, tuple] = {}


def _run_dask(client, spec: _DaskSpec, sweep: SweepProblem, outputs: dict, advance) -> None:
    import distributed

    from fastgd.distributed import check_client

    threads = check_client(client)
    chunks = split(sweep.n_runs, threads)
    futures = {
        client.submit(dask_chunk, spec, first, stop, pure=False): (first, stop)
        for first, stop in chunks
    }
    try:
        for future in distributed.as_completed(list(futures)):
            first, stop = futures[future]
            for name, values in future.result().items():
                outputs[name][first:stop] = values
            if advance is not None:
                advance(stop - first)
    except BaseException:
        client.cancel(list(futures))  # workers finish the chunk they run and start no more
        raise


def dask_chunk(spec: _DaskSpec, first: int, stop: int) -> dict[str, np.ndarray]:
    """A Dask task: runs ``first:stop`` of a sweep on this worker; returns their outputs.

    The sweep is rebuilt (and checked) from the task's own spec; only the objective is shared
    between tasks, so that its compiled code is found again.
    """
    fun, jac = _WORKER_OBJECTIVES.setdefault(spec.objective_id, (spec.fun, spec.options.jac))
    sweep = make_sweep_problem(fun, spec.starts, spec.options._replace(jac=jac))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", descent.ObjectiveCompileWarning)
        plan = descent._make_plan(sweep.problem)
    part = sweep_outputs(sweep, stop - first)
    run_chunk(plan, sweep, part, first, stop, np.zeros(1, dtype=np.int64))
    return part
