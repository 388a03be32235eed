"""Run many independent XOR training runs: blocks, chunks, threads, progress, Ctrl-C.

The kernels in :mod:`fastgd.kernels.xor` train a *block* of runs in SIMD lanes and release the
GIL. This module decides the block width (lanes), groups blocks into *chunks* of bounded work,
and runs the chunks on a pool of threads (one kernel call per chunk), so that

* all cores are busy (one thread per core, each running its own chunks);
* a progress bar can advance and Ctrl-C can be honoured between chunks (a chunk is at most a
  fraction of a second of work), instead of inside one long parallel kernel call;
* the per-chunk Python overhead (~50 us) is negligible next to the chunk's work.

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
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import numpy as np

from fastgd.kernels.xor import dims_token, train_runs

#: Block widths compiled for. 1 for single runs; 4 fills one AVX2 register and lets a handful of
#: runs spread over cores; 32 keeps enough independent sigmoids in flight to saturate the FPU
#: (measured on a 2-core Zen 4: 65 M run-steps/s at 32 lanes vs 26 M at 4 lanes).
LANE_CHOICES = (1, 4, 32)
#: Work per chunk, in run-steps (runs x steps): ~0.3 s on one core at ~30 M run-steps/s.
CHUNK_RUN_STEPS = 10_000_000


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


def plan_chunks(n_runs: int, steps: int, lanes: int, workers: int) -> list[tuple[int, int]]:
    """Split ``range(n_runs)`` into ``(start, stop)`` chunks of whole blocks.

    Chunks hold about :data:`CHUNK_RUN_STEPS` of work, and there are at least ``workers`` of
    them when there are that many blocks, so that every thread has work.
    """
    n_blocks = math.ceil(n_runs / lanes)
    blocks_by_work = max(1, CHUNK_RUN_STEPS // (lanes * steps))
    blocks_by_workers = max(1, math.ceil(n_blocks / workers))
    blocks_per_chunk = min(blocks_by_work, blocks_by_workers)
    size = blocks_per_chunk * lanes
    return [(start, min(start + size, n_runs)) for start in range(0, n_runs, size)]


def train_chunk(X, y, alphas, w0_init, w1_init, steps, log_every, lanes):
    """Train one chunk of runs on the calling thread; returns ``(errors, w0, w1)``.

    Parameters are as :func:`fastgd.kernels.xor.train_runs`, with ``lanes`` the block width.
    """
    n_runs = alphas.shape[0]
    n_checkpoints = math.ceil(steps / log_every)
    errors = np.empty((n_runs, n_checkpoints))
    w0_out = np.empty_like(w0_init)
    w1_out = np.empty_like(w1_init)
    dims = dims_token(X.shape[0], X.shape[1], w0_init.shape[2], w1_init.shape[2], lanes)
    train_runs(X, y, alphas, w0_init, w1_init, steps, log_every, dims, errors, w0_out, w1_out)
    return errors, w0_out, w1_out


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
    Ctrl-C cancels the chunks not yet started and waits only for those running (each a
    fraction of a second), then re-raises ``KeyboardInterrupt``.
    """
    workers = default_workers() if workers is None else workers
    n_runs = alphas.shape[0]
    lanes = choose_lanes(n_runs, workers)
    chunks = plan_chunks(n_runs, steps, lanes, workers)
    errors = np.empty((n_runs, math.ceil(steps / log_every)))
    w0_out = np.empty_like(w0_init)
    w1_out = np.empty_like(w1_init)

    def work(start: int, stop: int) -> int:
        part = slice(start, stop)
        errors[part], w0_out[part], w1_out[part] = train_chunk(
            X, y, alphas[part], w0_init[part], w1_init[part], steps, log_every, lanes
        )
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
    finally:
        # On success nothing is pending; on Ctrl-C or an error, drop the chunks not started.
        pool.shutdown(wait=True, cancel_futures=True)
    return errors, w0_out, w1_out
