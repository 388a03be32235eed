"""Chunks of independent work on a pool of threads, with progress and Ctrl-C.

The kernels release the GIL, so a chunk is one kernel call on a worker thread. On Ctrl-C (or
any error) the stop flag is set, chunks not started are dropped, running kernels notice the
flag between runs and return, and then the exception propagates: nothing keeps running.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import numpy as np

#: Seconds the calling thread waits for chunks before looking for a pending Ctrl-C.
WAIT_SLICE = 0.1


def default_workers() -> int:
    """Threads to use: the CPUs this process may run on (``NUMBA_NUM_THREADS`` if set)."""
    if "NUMBA_NUM_THREADS" in os.environ:
        return max(1, int(os.environ["NUMBA_NUM_THREADS"]))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def split(n_items: int, workers: int, per_worker: int = 8) -> list[tuple[int, int]]:
    """``range(n_items)`` as about ``per_worker`` chunks per worker, ``(first, stop)`` each."""
    size = max(1, math.ceil(n_items / (per_worker * workers)))
    return [(first, min(first + size, n_items)) for first in range(0, n_items, size)]


def run_chunks(
    work: Callable[[int, int, np.ndarray], int],
    chunks: Sequence[tuple[int, int]],
    workers: int,
    on_progress: Callable[[int], None] | None = None,
    *,
    returns_often: bool = False,
    warm_up: Callable[[], object] | None = None,
) -> None:
    """Call ``work(first, stop, stop_flag)`` for every chunk, on ``workers`` threads.

    ``work`` returns how many items it finished (reported to ``on_progress`` from the calling
    thread); ``stop_flag`` is a one-element int64 array that becomes 1 on Ctrl-C or an error,
    which ``work`` checks (a kernel between its runs, Python between its segments).

    With one worker or one chunk, ``work`` that ``returns_often`` to Python (every fraction of
    a second) runs on the calling thread, where Ctrl-C reaches it between its kernel calls;
    otherwise even one worker gets a thread of its own, so the calling thread stays in Python,
    waiting, where Ctrl-C reaches it at once.

    ``warm_up`` runs first, on the calling thread: a kernel's first compile (or cache load)
    belongs there, where Ctrl-C interrupts it, not on a worker the pool would wait for.
    """
    if warm_up is not None:
        warm_up()
    stop_flag = np.zeros(1, dtype=np.int64)
    if returns_often and (workers == 1 or len(chunks) == 1):
        try:
            for first, stop in chunks:
                done = work(first, stop, stop_flag)
                if on_progress is not None:
                    on_progress(done)
        except BaseException:
            stop_flag[0] = 1
            raise
        return
    pool = ThreadPoolExecutor(max_workers=min(workers, len(chunks)), thread_name_prefix="fastgd")
    try:
        pending = {pool.submit(work, first, stop, stop_flag) for first, stop in chunks}
        while pending:
            # In slices: a Ctrl-C that arrives while waiting is raised at the next slice,
            # whichever thread the signal was delivered to.
            finished, pending = wait(pending, timeout=WAIT_SLICE, return_when=FIRST_COMPLETED)
            for future in finished:
                done = future.result()
                if on_progress is not None:
                    on_progress(done)
    except BaseException:
        stop_flag[0] = 1  # Ctrl-C or an error: running kernels stop at their next look
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
