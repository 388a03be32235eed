"""Sweeps and maps on an NVIDIA GPU: ``sweep_xor(..., device="cuda")``.

The runs of a job are cut into chunks of at most CHUNK_RUNS; each chunk is copied to the GPU
once, trained there by :func:`fastgd.kernels.gpu_network.train_runs_cuda` in launches of a
bounded number of steps (between launches the sweep notices Ctrl-C and the progress bar moves)
and copied back. Results, statuses and shapes are those of the CPU path; the numbers agree
with it to round-off (different ``exp`` and summation hardware), not bit for bit.

Needs the ``numba-cuda`` package (``pip install 'fastgd[cuda]'``) and a CUDA driver with a GPU;
:func:`cuda_module` says which is missing. Tested on Numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``), which runs every GPU thread as a Python thread: correct, slow.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from fastgd.kernels.network import MEASURE_FIELDS, Chunk, Scales, kernel_spec
from fastgd.network import layer_scales, loss_scale
from fastgd.runner import Outcome, TrainingJob, _Collector, start_chunk

#: Runs per chunk: what is on the GPU at once (about 100 bytes per run for the notebook's
#: network, plus its records).
CHUNK_RUNS = 1 << 20
#: Work per launch in steps of the notebook's network (~0.2 s at 5e9 run-steps/s): Ctrl-C
#: waits at most this long.
LAUNCH_WORK = 1_000_000_000


class DeviceError(ValueError):
    """``device="cuda"`` cannot be used here; the message says what is missing."""


def cuda_module():
    """``numba.cuda``, checked: a GPU and a driver are there (or the simulator is on)."""
    try:
        from numba import cuda
    except ImportError:  # pragma: no cover - numba without its CUDA target
        raise DeviceError("device='cuda' needs numba-cuda: pip install 'fastgd[cuda]'") from None
    if not _has_cuda_package():
        raise DeviceError("device='cuda' needs numba-cuda: pip install 'fastgd[cuda]'")
    if not cuda.is_available():
        raise DeviceError(f"device='cuda': no usable NVIDIA GPU ({_why_unavailable(cuda)})")
    return cuda


def _has_cuda_package() -> bool:
    import importlib.util

    return importlib.util.find_spec("numba_cuda") is not None


def _why_unavailable(cuda) -> str:
    """What numba-cuda says is missing (no driver library, no device, ...)."""
    try:
        cuda.current_context()
    except Exception as exc:  # numba raises CudaSupportError / CudaDriverError with the reason
        text = " ".join(str(exc).split())
        return text or type(exc).__name__
    return "the CUDA driver reports no device"


class DeviceChunk:
    """A chunk's state on the GPU, run innermost (see :mod:`fastgd.kernels.gpu_network`)."""

    def __init__(self, cuda, job: TrainingJob, state: Chunk):
        self.cuda, self.job = cuda, job
        n = state.w0.shape[0]
        n_samples, n_in = job.X.shape
        hidden, n_out = job.w1_inits.shape[1:]
        self.shape = (n, n_in, hidden, n_out)

        def up(array):
            return cuda.to_device(np.ascontiguousarray(array))

        self.X, self.y = up(job.X), up(job.y)
        self.alpha_hidden, self.alpha_output = up(state.alpha_hidden), up(state.alpha_output)
        self.w0 = up(state.w0.reshape(n, -1).T)
        self.w1 = up(state.w1.reshape(n, -1).T)
        self.layer_1 = cuda.device_array((n_samples * hidden, n))
        self.delta_1 = cuda.device_array((n_samples * hidden, n))
        self.delta_2 = cuda.device_array((n_samples * n_out, n))
        self.errors = up(state.errors.T)
        self.curve = up(state.curve.T)
        self.diverged_at = up(state.diverged_at)
        self.measure = up(state.measure.T)
        self.spec = kernel_spec(
            n_samples, n_in, hidden, n_out, 1, job.options.codes(), job.measure_steps > 0
        )
        self.scales = Scales(
            *layer_scales(job.options, n_in, hidden), loss_scale(job.options, n_samples, n_out)
        )

    def advance(self, first: int, stop: int) -> None:
        """Train every run over steps ``first:stop`` and wait for the GPU."""
        from fastgd.kernels.gpu_network import THREADS_PER_BLOCK, train_runs_cuda

        n = self.shape[0]
        blocks = math.ceil(n / THREADS_PER_BLOCK)
        schedule = (first, stop, self.job.log_every, self.job.curve_every, self.job.measure_steps)
        train_runs_cuda[blocks, THREADS_PER_BLOCK](
            self.X, self.y, self.alpha_hidden, self.alpha_output, self.w0, self.w1,
            self.layer_1, self.delta_1, self.delta_2, self.errors, self.curve,
            self.diverged_at, self.measure, schedule, tuple(self.scales), self.spec,
        )  # fmt: skip
        self.cuda.synchronize()

    def to_host(self) -> Chunk:
        n, n_in, hidden, n_out = self.shape
        return Chunk(
            alpha_hidden=self.alpha_hidden.copy_to_host(),
            alpha_output=self.alpha_output.copy_to_host(),
            w0=np.ascontiguousarray(self.w0.copy_to_host().T).reshape(n, n_in, hidden),
            w1=np.ascontiguousarray(self.w1.copy_to_host().T).reshape(n, hidden, n_out),
            errors=np.ascontiguousarray(self.errors.copy_to_host().T),
            curve=np.ascontiguousarray(self.curve.copy_to_host().T),
            diverged_at=self.diverged_at.copy_to_host(),
            measure=np.ascontiguousarray(self.measure.copy_to_host().T).reshape(n, MEASURE_FIELDS),
        )


def launch_bounds(job: TrainingJob, n_runs: int, first: int = 0, stop: int | None = None):
    """Consecutive ranges of steps ``first:stop`` of about LAUNCH_WORK each (lazily)."""
    stop = job.steps if stop is None else stop
    per_step = max(1.0, n_runs * job.work_per_run_step())
    length = max(1, int(LAUNCH_WORK // per_step))
    for start in range(first, stop, length):
        yield start, min(start + length, stop)


def advance_chunk_cuda(
    job: TrainingJob, state: Chunk, first: int, stop: int, lanes: int = 1, in_place=False
) -> Chunk:
    """:func:`fastgd.runner.advance_chunk` on this machine's GPU (for Dask workers with one).

    The state goes to the GPU, is trained over steps ``first:stop`` and comes back (``lanes``
    and ``in_place`` are accepted for the same signature; the state is never changed).
    """
    device = DeviceChunk(cuda_module(), job, state)
    for a, b in launch_bounds(job, job.n_runs, first, stop):
        device.advance(a, b)
    return device.to_host()


def run_cuda(job: TrainingJob, on_progress: Callable[[int], None] | None = None) -> Outcome:
    """Train every run of ``job`` on this machine's GPU; same results as the CPU runner."""
    cuda = cuda_module()
    collector = _Collector(job)
    for start in range(0, job.n_runs, CHUNK_RUNS):
        stop = min(start + CHUNK_RUNS, job.n_runs)
        part = job.part(start, stop)
        device = DeviceChunk(cuda, part, start_chunk(part))
        for first, last in launch_bounds(part, stop - start):
            device.advance(first, last)  # Ctrl-C is raised here, between launches
        collector.store(start, stop, device.to_host())
        if on_progress is not None:
            on_progress(stop - start)
    return collector.outcome()
