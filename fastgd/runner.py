"""Run many independent training runs: jobs, blocks, chunks, threads, segments, progress, Ctrl-C.

The kernels in :mod:`fastgd.kernels.network` train a *block* of runs in SIMD lanes and release
the GIL. This module describes the runs (:class:`TrainingJob`), decides the block width
(lanes), groups blocks into *chunks* of bounded work and memory, runs the chunks on a pool of
threads, and runs each chunk in *segments* of steps, generated as they are needed, so that

* all cores are busy (one thread per core, each running its own chunks);
* a progress bar advances as chunks finish, and Ctrl-C is honoured between segments (each a
  fraction of a second of work) instead of after one long kernel call;
* memory is bounded by what is recorded (checkpoints, curves, final weights) plus a fixed
  amount per chunk in flight, whatever ``steps`` is;
* the Python overhead per segment (~50 us) is negligible next to its work.

Threads rather than ``prange``: the kernels are specialised on the problem's shapes through a
tuple argument (see :mod:`fastgd.kernels.network`), which Numba's parallel loops cannot capture,
and the thread pool needs no 15-second parallel compile. Each run's arithmetic does not depend
on which chunk, block, lane or thread computes it, so results are identical for any ``workers``.

:func:`start_chunk` and :func:`advance_chunk` are the units of work, plain module-level
functions of plain data: :mod:`fastgd.distributed` sends them to Dask workers, which import
fastgd and use its on-disk kernel cache.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from fastgd._parallel import default_workers, run_chunks
from fastgd.kernels.network import (
    MEASURE_FIELDS,
    Chunk,
    Data,
    Scales,
    Schedule,
    kernel_spec,
    train_runs,
    unrolled_size,
)
from fastgd.network import NetworkOptions, layer_scales, loss_scale

#: Block widths compiled for: 1 for single runs, 4 (one AVX2 register) for a handful of runs,
#: 32 (enough independent work in flight to keep the FPU busy) for many.
LANE_CHOICES = (1, 4, 32)
#: Time of one step of a block of each width, relative to one lane (the notebook's network on
#: the 2-core Zen 4: 4.8 ms, 9.6 ms and 42 ms for 60,000 steps). A 4-lane block trains 4 runs
#: in twice the time of one, a 32-lane block 32 runs in 8.7 times.
BLOCK_COST = {1: 1.0, 4: 2.0, 32: 8.7}
#: Chunks per worker thread: enough to balance the load and move a progress bar.
CHUNKS_PER_WORKER = 4
#: Work between two looks at the stop flag, in steps of the notebook's network: ~0.1 s on a core.
SEGMENT_WORK = 3_000_000
#: A chunk's state (weights, records) stays under this, so that chunks in flight stay small.
CHUNK_BYTES = 64 * 2**20
#: The notebook's network's size in :func:`~fastgd.kernels.network.unrolled_size` units: the
#: unit of work of SEGMENT_WORK.
_NOTEBOOK_STEP = unrolled_size(4, 3, 4, 1)


class TrainingJob(NamedTuple):
    """Everything that defines a set of independent training runs.

    Run ``r`` trains from initial weights ``w0_inits[init_index[r]]``, ``w1_inits[...]`` with
    learning rates ``alpha_hidden[r]``, ``alpha_output[r]``. It records the mean |error| every
    ``log_every`` steps, the fine curve every ``curve_every`` steps (0: none), the convergence
    measure of the losses of steps ``0 .. measure_steps - 1`` (0: none), its divergence step,
    and (if ``keep_weights``) its final weights.
    """

    X: np.ndarray
    y: np.ndarray
    alpha_hidden: np.ndarray
    alpha_output: np.ndarray
    w0_inits: np.ndarray
    w1_inits: np.ndarray
    init_index: np.ndarray
    options: NetworkOptions
    steps: int
    log_every: int
    curve_every: int = 0
    measure_steps: int = 0
    keep_weights: bool = True

    @property
    def n_runs(self) -> int:
        return self.alpha_hidden.shape[0]

    @property
    def n_checkpoints(self) -> int:
        return math.ceil(self.steps / self.log_every)

    @property
    def n_curve(self) -> int:
        return math.ceil(self.steps / self.curve_every) if self.curve_every else 0

    def part(self, start: int, stop: int) -> TrainingJob:
        """The job of runs ``start:stop``, carrying only the initial weights they use."""
        used, index = np.unique(self.init_index[start:stop], return_inverse=True)
        return self._replace(
            alpha_hidden=self.alpha_hidden[start:stop],
            alpha_output=self.alpha_output[start:stop],
            w0_inits=self.w0_inits[used],
            w1_inits=self.w1_inits[used],
            init_index=index.astype(np.int64),
        )

    def bytes_per_run(self) -> int:
        """Memory a run's state and records take (weights, checkpoints, curve, measure)."""
        weights = self.w0_inits[0].size + self.w1_inits[0].size
        return 8 * (weights + self.n_checkpoints + self.n_curve + MEASURE_FIELDS + 1)

    def work_per_run_step(self) -> float:
        """A run-step of this network in units of the notebook's (SEGMENT_WORK's unit)."""
        n_samples, n_in = self.X.shape
        hidden, n_out = self.w1_inits.shape[1:]
        return unrolled_size(n_samples, n_in, hidden, n_out) / _NOTEBOOK_STEP


class Outcome(NamedTuple):
    """What a job's runs recorded, one row per run (``w0``, ``w1`` None without keep_weights)."""

    errors: np.ndarray
    curve: np.ndarray
    w0: np.ndarray | None
    w1: np.ndarray | None
    diverged_at: np.ndarray
    measure: np.ndarray


def choose_lanes(n_runs: int, workers: int) -> int:
    """The block width that finishes ``n_runs`` runs soonest on ``workers`` threads.

    Each worker trains whole blocks one after another, so the time is the blocks per worker
    times BLOCK_COST; ties go to the narrower block.
    """

    def finish_time(lanes: int) -> float:
        blocks = math.ceil(n_runs / lanes)
        return math.ceil(blocks / workers) * BLOCK_COST[lanes]

    return min(LANE_CHOICES, key=finish_time)


def plan_chunks(job: TrainingJob, lanes: int, workers: int) -> list[tuple[int, int]]:
    """Split the runs into ``(start, stop)`` chunks of whole blocks.

    There are about four chunks per worker, so that the threads stay evenly loaded to the end
    and a progress bar moves, and more if a chunk's state would exceed CHUNK_BYTES; a chunk is
    never smaller than one block.
    """
    n_runs = job.n_runs
    n_blocks = math.ceil(n_runs / lanes)
    blocks_per_chunk = max(1, math.ceil(n_blocks / (CHUNKS_PER_WORKER * workers)))
    blocks_that_fit = max(1, CHUNK_BYTES // (job.bytes_per_run() * lanes))
    size = min(blocks_per_chunk, blocks_that_fit) * lanes
    return [(start, min(start + size, n_runs)) for start in range(0, n_runs, size)]


def segment_bounds(job: TrainingJob, n_runs: int, work: float = 0) -> Iterator[tuple[int, int]]:
    """Consecutive ``(first, stop)`` step ranges of about ``work`` units each for ``n_runs`` runs.

    ``work`` defaults to SEGMENT_WORK. Generated as they are used, so a run of 10**15 steps
    costs no memory up front. Between segments a sweep can notice Ctrl-C; the runs' state
    carries everything, so the split does not change any number.
    """
    per_step = max(1.0, n_runs * job.work_per_run_step())
    length = max(1, int((work or SEGMENT_WORK) // per_step))
    for first in range(0, job.steps, length):
        yield first, min(first + length, job.steps)


def start_chunk(job: TrainingJob) -> Chunk:
    """The state of a job's runs before step 0; records not yet made are NaN."""
    n = job.n_runs
    return Chunk(
        alpha_hidden=np.ascontiguousarray(job.alpha_hidden, dtype=np.float64),
        alpha_output=np.ascontiguousarray(job.alpha_output, dtype=np.float64),
        w0=np.ascontiguousarray(job.w0_inits[job.init_index], dtype=np.float64),
        w1=np.ascontiguousarray(job.w1_inits[job.init_index], dtype=np.float64),
        errors=np.full((n, job.n_checkpoints), np.nan),
        curve=np.full((n, job.n_curve), np.nan),
        diverged_at=np.full(n, -1, dtype=np.int64),
        measure=np.zeros((n, MEASURE_FIELDS)),
    )


def advance_chunk(
    job: TrainingJob, state: Chunk, first: int, stop: int, lanes: int, in_place: bool = False
) -> Chunk:
    """Train a chunk's runs over steps ``first:stop`` from ``state``; returns the new state.

    ``state`` is as returned by :func:`start_chunk` or by this function. It is copied first
    unless ``in_place`` (Dask may hand the same state to a retried task).
    """
    if not in_place:
        state = Chunk(*(array.copy() for array in state))
    n_samples, n_in = job.X.shape
    hidden, n_out = job.w1_inits.shape[1:]
    spec = kernel_spec(
        n_samples, n_in, hidden, n_out, lanes, job.options.codes(), job.measure_steps > 0
    )
    scales = Scales(
        *layer_scales(job.options, n_in, hidden), loss_scale(job.options, n_samples, n_out)
    )
    schedule = Schedule(first, stop, job.log_every, job.curve_every, job.measure_steps)
    train_runs(Data(job.X.ravel(), job.y.ravel()), state, schedule, scales, spec)
    return state


def train_chunk(job: TrainingJob, lanes: int, stop_flag=None) -> Chunk | None:
    """Train all of a (chunk) job's runs on the calling thread; returns the final state.

    Once ``stop_flag[0]`` is set (:func:`fastgd._parallel.run_chunks`' Ctrl-C flag), the chunk
    stops at the next segment boundary and returns None.
    """
    state = start_chunk(job)
    for first, stop in segment_bounds(job, job.n_runs):
        if stop_flag is not None and stop_flag[0]:
            return None
        state = advance_chunk(job, state, first, stop, lanes, in_place=True)
    return state


class _Collector:
    """The job's outcome arrays, filled chunk by chunk."""

    def __init__(self, job: TrainingJob):
        n = job.n_runs
        self.keep_weights = job.keep_weights
        self.errors = np.empty((n, job.n_checkpoints))
        self.curve = np.empty((n, job.n_curve))
        self.diverged_at = np.empty(n, dtype=np.int64)
        self.measure = np.empty((n, MEASURE_FIELDS))
        self.w0 = np.empty((n, *job.w0_inits.shape[1:])) if job.keep_weights else None
        self.w1 = np.empty((n, *job.w1_inits.shape[1:])) if job.keep_weights else None

    def store(self, start: int, stop: int, state: Chunk) -> None:
        part = slice(start, stop)
        self.errors[part] = state.errors
        self.curve[part] = state.curve
        self.diverged_at[part] = state.diverged_at
        self.measure[part] = state.measure
        if self.keep_weights:
            self.w0[part] = state.w0
            self.w1[part] = state.w1

    def outcome(self) -> Outcome:
        return Outcome(self.errors, self.curve, self.w0, self.w1, self.diverged_at, self.measure)


def run_local(
    job: TrainingJob,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Train every run of ``job`` on this machine's cores.

    ``on_progress(n)`` is called from the calling thread each time ``n`` more runs finish.
    On Ctrl-C the chunks not started are dropped and the running ones stop at their next
    segment boundary (a fraction of a second), then ``KeyboardInterrupt`` propagates.
    """
    workers = default_workers() if workers is None else workers
    lanes = choose_lanes(job.n_runs, workers)
    chunks = plan_chunks(job, lanes, workers)
    collector = _Collector(job)

    def work(start: int, stop: int, stop_flag: np.ndarray) -> int:
        trained = train_chunk(job.part(start, stop), lanes, stop_flag)
        if trained is not None:
            collector.store(start, stop, trained)
        return stop - start

    def compile_here():  # one run, no steps: only the kernel's compile or cache load
        one = job.part(0, 1)
        advance_chunk(one, start_chunk(one), 0, 0, lanes, in_place=True)

    # A chunk runs in segments of a fraction of a second and looks at the flag between them.
    run_chunks(work, chunks, workers, on_progress, returns_often=True, warm_up=compile_here)
    return collector.outcome()
