"""Sweeps and maps on a Dask cluster: ``sweep_xor(..., client=client)``.

The runs are split into chunks of whole blocks exactly as on one machine
(:func:`fastgd.runner.plan_chunks`), and each chunk is a chain of Dask tasks, one per segment
of steps, each calling a plain module-level function (:func:`fastgd.runner.start_chunk`, then
:func:`fastgd.runner.advance_chunk`). Dask pickles those by reference, so every worker imports
fastgd and loads the compiled kernels from its own on-disk cache instead of receiving (and
recompiling) a pickled dispatcher. A task carries only its chunk's runs
(:meth:`~fastgd.runner.TrainingJob.part`).

The chains are built as they go, a couple of segments ahead of the one running: a job of
10**15 steps never holds more than a few tasks per chunk in the scheduler.

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

from collections import deque
from collections.abc import Callable

from fastgd.runner import (
    Outcome,
    TrainingJob,
    _Collector,
    advance_chunk,
    choose_lanes,
    plan_chunks,
    segment_bounds,
    start_chunk,
)

#: Work per Dask task, in steps of the notebook's network: ~1 s on one core, so a cancelled
#: sweep stops within ~1 s while the per-task overhead (~3 ms) stays negligible.
DASK_SEGMENT_WORK = 30_000_000
#: Segments of a chunk submitted ahead of the one running, so a worker never waits for the
#: client to submit the next one.
SEGMENTS_AHEAD = 2


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


class _Chain:
    """One chunk's tasks: start, then one per segment, each taking the previous one's state."""

    def __init__(self, client, job: TrainingJob, start: int, stop: int, lanes: int, advance):
        self.client, self.start, self.stop, self.lanes = client, start, stop, lanes
        self.advance = advance
        # Everything a task needs travels inside the task (X, y and a chunk's runs are small):
        # data scattered to a worker would be lost with it, while a task can always be rerun.
        self.job = job.part(start, stop)
        self.segments = segment_bounds(self.job, stop - start, DASK_SEGMENT_WORK)
        self.last = client.submit(start_chunk, self.job, pure=False)
        self.pending = deque([self.last])

    def extend(self) -> list:
        """Submit segments until SEGMENTS_AHEAD are pending; returns the new futures."""
        new = []
        while len(self.pending) < SEGMENTS_AHEAD:
            segment = next(self.segments, None)
            if segment is None:
                break
            first, last = segment
            self.last = self.client.submit(
                self.advance, self.job, self.last, first, last, self.lanes, pure=False
            )
            self.pending.append(self.last)
            new.append(self.last)
        return new


def run_dask(
    client,
    job: TrainingJob,
    on_progress: Callable[[int], None] | None = None,
    device: str = "cpu",
) -> Outcome:
    """Train every run of ``job`` on the cluster behind ``client``.

    Same results as :func:`fastgd.runner.run_local`. With ``device="cuda"`` each task runs on
    its worker's GPU (:func:`fastgd.gpu.advance_chunk_cuda`; every worker needs one). On
    Ctrl-C (or any error) the job's tasks are cancelled before the exception propagates: the
    workers finish the segment they are running (about a second of work) and start nothing
    more.
    """
    distributed = _require_distributed()
    if device == "cuda":
        from fastgd.gpu import advance_chunk_cuda as advance
    else:
        advance = advance_chunk
    threads = check_client(client)
    lanes = choose_lanes(job.n_runs, threads)
    collector = _Collector(job)
    chains, owner = [], {}
    completed = distributed.as_completed()
    try:
        for start, stop in plan_chunks(job, lanes, threads):
            chain = _Chain(client, job, start, stop, lanes, advance)
            chains.append(chain)
            for future in [chain.last, *chain.extend()]:
                owner[future.key] = chain
                completed.add(future)
        for future in completed:
            if future.status == "error":
                future.result()  # raises the task's exception here
            chain = owner.pop(future.key)
            chain.pending.popleft()
            for new in chain.extend():
                owner[new.key] = chain
                completed.add(new)
            if not chain.pending:  # the chain's last segment: its state is the chunk's result
                collector.store(chain.start, chain.stop, future.result())
                if on_progress is not None:
                    on_progress(chain.stop - chain.start)
    except BaseException:
        client.cancel([future for chain in chains for future in chain.pending])
        raise
    return collector.outcome()
