"""Run many independent XOR training runs: blocks, chunks, threads, progress, Ctrl-C.

The kernels in :mod:`fastgd.kernels.xor` train a *block* of runs in SIMD lanes and release the
GIL. This module decides the block width (lanes), groups blocks into *chunks* of bounded work,
runs the chunks on a pool of threads, and runs each chunk in *segments* of steps, so that

* all cores are busy (one thread per core, each running its own chunks);
* a progress bar advances as chunks finish, and Ctrl-C is honoured between segments (each a
  fraction of a second of work) instead of after one long kernel call;
* the Python overhead per segment (~50 us) is negligible next to its work.

Threads rather than ``prange``: the kernels are specialised on the problem's shapes through a
tuple argument (see :mod:`fastgd.kernels.xor`), which Numba's parallel loops cannot capture, and
the thread pool needs no 15-second parallel compile. Each run's arithmetic does not depend on
which chunk, block, lane or thread computes it, so results are identical for any ``workers``.

:func:`train_chunk` is the unit of work, a plain module-level function: :mod:`fastgd.distributed`
sends it to Dask workers, which import fastgd and use its on-disk kernel cache.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import numpy as np

from fastgd.kernels.xor import dims_token, train_runs

#: Block widths compiled for. 1 for single runs; 4 fills one AVX2 register and lets a handful of
#: runs spread over cores; 32 keeps enough independent sigmoids in flight to saturate the FPU
#: (measured on a 2-core Zen 4: 65 M run-steps/s at 32 lanes vs 26 M at 4 lanes).
LANE_CHOICES = (1, 4, 32)
#: Chunks per worker thread: enough to balance the load and move a progress bar.
CHUNKS_PER_WORKER = 4
#: Work between two looks at the stop flag, in run-steps: ~0.1 s on one core.
SEGMENT_RUN_STEPS = 3_000_000


def default_workers() -> int:
    """Threads to use: the CPUs this process may run on (``NUMBA_NUM_THREADS`` if set)."""
    if "NUMBA_NUM_THREADS" in os.environ:
        return max(1, int(os.environ["NUMBA_NUM_THREADS"]))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def choose_lanes(n_runs: int, workers: int) -> int:
    """The narrowest block that still gives every worker a block, or the widest one."""
    per_worker = math.ceil(n_runs / workers)
    for lanes in LANE_CHOICES:
        if lanes >= per_worker:
            return lanes
    return LANE_CHOICES[-1]


def plan_chunks(n_runs: int, lanes: int, workers: int) -> list[tuple[int, int]]:
    """Split ``range(n_runs)`` into ``(start, stop)`` chunks of whole blocks.

    There are about four chunks per worker, so that the threads stay evenly loaded to the end
    and a progress bar moves; a chunk is never smaller than one block.
    """
    n_blocks = math.ceil(n_runs / lanes)
    blocks_per_chunk = max(1, math.ceil(n_blocks / (CHUNKS_PER_WORKER * workers)))
    size = blocks_per_chunk * lanes
    return [(start, min(start + size, n_runs)) for start in range(0, n_runs, size)]


def segment_bounds(n_runs: int, steps: int, run_steps: int = 0) -> list[tuple[int, int]]:
    """Split ``range(steps)`` into segments of about ``run_steps`` run-steps for ``n_runs`` runs.

    ``run_steps`` defaults to :data:`SEGMENT_RUN_STEPS`. Between segments a sweep can notice
    Ctrl-C; the weights carry the whole state, so the split does not change any number.
    """
    seg = max(1, (run_steps or SEGMENT_RUN_STEPS) // max(1, n_runs))
    return [(first, min(first + seg, steps)) for first in range(0, steps, seg)]


def start_chunk(w0_init, w1_init, steps, log_every):
    """The state of a chunk before step 0: ``(errors, w0, w1)``; errors not yet recorded are NaN."""
    errors = np.full((w0_init.shape[0], math.ceil(steps / log_every)), np.nan)
    w0 = np.array(w0_init, dtype=np.float64, order="C")
    w1 = np.array(w1_init, dtype=np.float64, order="C")
    return errors, w0, w1


def advance_chunk(X, y, alphas, state, first, stop, log_every, lanes, in_place=False):
    """Train a chunk's runs over steps ``first:stop`` from ``state``; returns the new state.

    ``state`` is ``(errors, w0, w1)`` as returned by :func:`start_chunk` or by this function.
    It is copied first unless ``in_place`` (Dask may hand the same state to a retried task).
    """
    errors, w0, w1 = state if in_place else tuple(a.copy() for a in state)
    dims = dims_token(X.shape[0], X.shape[1], w0.shape[2], w1.shape[2], lanes)
    train_runs(X, y, alphas, w0, w1, first, stop, log_every, dims, errors)
    return errors, w0, w1


def train_chunk(X, y, alphas, w0_init, w1_init, steps, log_every, lanes, stop_event=None):
    """Train one chunk of runs on the calling thread; returns ``(errors, w0, w1)``.

    Parameters are as :func:`fastgd.kernels.xor.train_runs`, with ``lanes`` the block width.
    If ``stop_event`` (a ``threading.Event``) is set, the chunk stops at the next segment
    boundary and returns None.
    """
    state = start_chunk(w0_init, w1_init, steps, log_every)
    for first, stop in segment_bounds(alphas.shape[0], steps):
        if stop_event is not None and stop_event.is_set():
            return None
        state = advance_chunk(X, y, alphas, state, first, stop, log_every, lanes, in_place=True)
    return state


def run_local(
    X: np.ndarray,
    y: np.ndarray,
    alphas: np.ndarray,
    w0_init: np.ndarray,
    w1_init: np.ndarray,
    steps: int,
    log_every: int,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train every run on this machine's cores; returns ``(errors, w0_final, w1_final)``.

    ``on_progress(n)`` is called from the calling thread each time ``n`` more runs finish.
    On Ctrl-C the chunks not started are dropped and the running ones stop at their next
    segment boundary (a fraction of a second), then ``KeyboardInterrupt`` propagates.
    """
    workers = default_workers() if workers is None else workers
    n_runs = alphas.shape[0]
    lanes = choose_lanes(n_runs, workers)
    chunks = plan_chunks(n_runs, lanes, workers)
    errors = np.empty((n_runs, math.ceil(steps / log_every)))
    w0_out = np.empty_like(w0_init)
    w1_out = np.empty_like(w1_init)
    stop_event = threading.Event()

    def work(start: int, stop: int) -> int:
        part = slice(start, stop)
        trained = train_chunk(
            X, y, alphas[part], w0_init[part], w1_init[part], steps, log_every, lanes, stop_event
        )
        if trained is not None:
            errors[part], w0_out[part], w1_out[part] = trained
        return stop - start

    if len(chunks) == 1 or workers == 1:  # no pool needed: stay on the calling thread
        for start, stop in chunks:
            done = work(start, stop)
            if on_progress is not None:
                on_progress(done)
        return errors, w0_out, w1_out

    pool = ThreadPoolExecutor(max_workers=min(workers, len(chunks)), thread_name_prefix="fastgd")
    try:
        pending = {pool.submit(work, start, stop) for start, stop in chunks}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                done = future.result()
                if on_progress is not None:
                    on_progress(done)
    except BaseException:
        stop_event.set()  # Ctrl-C or an error: running chunks stop at their next segment
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return errors, w0_out, w1_out
