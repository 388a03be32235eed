"""Sweeps on a Dask cluster: ``sweep_xor(..., client=client)``.

The runs are split into chunks of whole blocks exactly as on one machine
(:func:`fastgd.runner.plan_chunks`), and each chunk is a chain of Dask tasks, one per segment
of steps, each calling the plain module-level function :func:`fastgd.runner.advance_chunk`.
Dask pickles that function by reference, so every worker imports fastgd and loads the
compiled kernels from its own on-disk cache instead of receiving (and recompiling) a pickled
dispatcher.

Threads: a task is one single-threaded, GIL-free kernel call, so a worker started with
``--nthreads k`` runs exactly k tasks at once, one per thread: workers never oversubscribe
their cores, and nothing inside a task starts more threads (fastgd's kernels do not use
Numba's threading layer at all).

Faults: a task lost with a worker (killed, out of memory, machine gone) is rescheduled by
Dask on another worker; tasks are pure functions of their arguments, so the result is complete
and identical. A task lost more than ``distributed.scheduler.allowed-failures`` times (3 by
default) fails the sweep with Dask's ``KilledWorker``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fastgd.runner import advance_chunk, choose_lanes, plan_chunks, segment_bounds, start_chunk

#: Work per Dask task, in run-steps: ~1 s on one core, so a cancelled sweep stops within ~1 s
#: while the per-task overhead (~1 ms) stays negligible.
DASK_SEGMENT_RUN_STEPS = 30_000_000


def _require_distributed():
    try:
        import distributed
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "sweeps on a Dask cluster need dask.distributed: pip install 'fastgd[dask]'"
        ) from None
    return distributed


def check_client(client) -> int:
    """Check ``client`` is a running ``distributed.Client``; return its total worker threads."""
    distributed = _require_distributed()
    if not isinstance(client, distributed.Client):
        raise TypeError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
    if client.status != "running":
        raise ValueError(f"client must be connected, but its status is {client.status!r}")
    threads = sum(client.nthreads().values())
    if threads == 0:
        raise ValueError("client's cluster has no workers")
    return threads


def run_dask(
    client,
    X: np.ndarray,
    y: np.ndarray,
    alphas: np.ndarray,
    w0_init: np.ndarray,
    w1_init: np.ndarray,
    steps: int,
    log_every: int,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train every run on the cluster behind ``client``; returns ``(errors, w0, w1)``.

    Same arguments and results as :func:`fastgd.runner.run_local`. On Ctrl-C (or any error)
    the sweep's tasks are cancelled before the exception propagates: the workers finish the
    segment they are running (about a second of work) and start nothing more.
    """
    distributed = _require_distributed()
    threads = check_client(client)
    n_runs = alphas.shape[0]
    lanes = choose_lanes(n_runs, threads)
    chunks = plan_chunks(n_runs, lanes, threads)
    # Everything a task needs travels inside the task (X, y and a chunk's alphas are small):
    # data scattered to a worker would be lost with it, while a task can always be rerun.
    futures = []
    for start, stop in chunks:
        part = slice(start, stop)
        # A chunk is a chain of tasks, one per segment of steps, so that cancelling the sweep
        # stops every worker within one segment (Dask cannot interrupt a running task).
        state = client.submit(
            start_chunk, w0_init[part], w1_init[part], steps, log_every, pure=False
        )
        for first, last in segment_bounds(stop - start, steps, DASK_SEGMENT_RUN_STEPS):
            state = client.submit(
                advance_chunk,
                X,
                y,
                alphas[part],
                state,
                first,
                last,
                log_every,
                lanes,
                pure=False,
            )
        futures.append(state)
    sizes = {
        future.key: stop - start for future, (start, stop) in zip(futures, chunks, strict=True)
    }
    try:
        for future in distributed.as_completed(futures):
            if future.status == "error":
                future.result()  # raises the task's exception here
            if on_progress is not None:
                on_progress(sizes[future.key])
        parts = client.gather(futures)
    except BaseException:
        client.cancel(futures)
        raise
    errors, w0_final, w1_final = (np.concatenate(arrays) for arrays in zip(*parts, strict=True))
    return errors, w0_final, w1_final
