"""The notebook's network and its variants, compiled: :func:`train_xor` and :func:`sweep_xor`.

Same signatures and results as :mod:`fastgd.reference.xor`; the training loop runs in the Numba
kernels of :mod:`fastgd.kernels.network`, on every core (:mod:`fastgd.runner`), on a Dask
cluster (:mod:`fastgd.distributed`) or on a GPU (:mod:`fastgd.gpu`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from fastgd._progress import progress_bar
from fastgd._training_setup import (
    RunPlan,
    SweepResult,
    XorResult,
    check_alphas,
    make_sweep_result,
    make_train_result,
    network_arguments,
    plan_runs,
    plan_train,
)
from fastgd._validation import positive_int
from fastgd.runner import Outcome, TrainingJob, run_local, train_chunk

#: Where a sweep can run: this machine's CPU cores, or an NVIDIA GPU (``fastgd[cuda]``).
DEVICES = ("cpu", "cuda")


def check_device(device: object) -> str:
    if not isinstance(device, str) or device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {device!r}")
    return device


def training_job(plan: RunPlan, **records) -> TrainingJob:
    """The runner's description of a plan's runs."""
    alpha_hidden, alpha_output = plan.run_alphas
    return TrainingJob(
        X=plan.X,
        y=plan.y,
        alpha_hidden=alpha_hidden,
        alpha_output=alpha_output,
        w0_inits=plan.w0_inits,
        w1_inits=plan.w1_inits,
        init_index=plan.init_index,
        options=plan.options,
        steps=plan.steps,
        log_every=plan.log_every,
        **records,
    )


def run_job(
    job: TrainingJob, *, workers=None, client=None, device="cpu", progress=False
) -> Outcome:
    """Run a job locally, on Dask or on a GPU, with a progress bar or callback."""
    if device == "cuda" and client is None:
        from fastgd.gpu import run_cuda

        with progress_bar(job.n_runs, progress) as advance:
            return run_cuda(job, advance)
    with progress_bar(job.n_runs, progress) as advance:
        if client is None:
            return run_local(job, workers, advance)
        from fastgd.distributed import run_dask

        return run_dask(client, job, advance, device)


def train_xor(
    alpha: float,
    steps: int = 60_000,
    seed: int = 1,
    log_every: int = 10_000,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    hidden: int = 4,
    *,
    alpha_output: float | None = None,
    hidden_activation: str = "sigmoid",
    output_activation: str = "sigmoid",
    loss: str = "notebook",
    parameterization: str = "standard",
    initial_weights: tuple[np.ndarray, np.ndarray] | None = None,
) -> XorResult:
    """Train the notebook's network (or a variant) by full-batch gradient descent.

    By default the network is ``X -> sigmoid(X @ synapse_0) -> sigmoid(. @ synapse_1)``,
    trained for ``steps`` updates exactly as the seed notebook trains it.

    Parameters
    ----------
    alpha : float
        Learning rate (of the hidden layer, and of the output layer unless ``alpha_output``),
        finite and > 0.
    steps : int, default 60_000
        Number of gradient steps.
    seed : int, default 1
        Seed of ``np.random.seed`` for the initial weights, drawn as the notebook draws them:
        ``2*random((n_in, hidden)) - 1`` then ``2*random((hidden, n_out)) - 1``.
    log_every : int, default 10_000
        Record the mean absolute error every ``log_every`` steps (before that step's update).
    X : array_like (n_samples, n_in), optional
        Inputs; default the notebook's XOR inputs with a bias column.
    y : array_like (n_samples, n_out) or (n_samples,), optional
        Targets; default the XOR targets.
    hidden : int, default 4
        Hidden units.
    alpha_output : float, optional
        Learning rate of the output layer's weights; default ``alpha``.
    hidden_activation, output_activation : {"sigmoid", "tanh", "linear"}, default "sigmoid"
    loss : {"notebook", "mse"}, default "notebook"
        The notebook's update (error x derivative) or the exact gradient of the mean squared
        error over samples and outputs.
    parameterization : {"standard", "mean-field"}, default "standard"
        Mean-field scales the hidden pre-activation by ``gain/sqrt(n_in)`` (gain ``sqrt(2)``
        for tanh) and the output's by ``1/sqrt(hidden)``; see :mod:`fastgd.network`.
    initial_weights : (w0, w1), optional
        Starting weights of shapes ``(n_in, hidden)`` and ``(hidden, n_out)`` instead of the
        seeded uniform ones (``seed`` is then unused).

    Returns
    -------
    XorResult
        ``alpha``, ``alpha_output``, ``checkpoints``, ``errors``, ``curve_steps``,
        ``curve_errors`` (the fine record the plots draw), ``synapse_0``, ``synapse_1``,
        ``diverged_at``, ``success``, ``status``, ``message``.

    Examples
    --------
    >>> import fastgd
    >>> res = fastgd.train_xor(10.0)
    >>> bool(res.errors[-1] < 0.01)
    True
    """
    plan = plan_train(
        alpha,
        alpha_output,
        steps,
        seed,
        log_every,
        X,
        y,
        hidden,
        **network_arguments(locals()),
    )
    job = training_job(plan, curve_every=plan.curve_every)
    state = train_chunk(job, lanes=1)
    return make_train_result(
        plan, state.errors[0], state.curve[0], state.w0[0], state.w1[0], state.diverged_at[0]
    )


def sweep_xor(
    alphas: Sequence[float] | np.ndarray,
    steps: int = 60_000,
    seed: int = 1,
    log_every: int = 10_000,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    hidden: int = 4,
    *,
    alphas_output: Sequence[float] | np.ndarray | None = None,
    seeds: Sequence[int] | None = None,
    hidden_activation: str = "sigmoid",
    output_activation: str = "sigmoid",
    loss: str = "notebook",
    parameterization: str = "standard",
    initial_weights: tuple[np.ndarray, np.ndarray] | None = None,
    workers: int | None = None,
    client=None,
    progress: bool | Callable[[int], None] = False,
    device: str = "cpu",
) -> SweepResult:
    """Train the notebook's network for every learning rate (and seed), in parallel.

    Every run is independent and gives bit for bit what :func:`train_xor` gives for the same
    alpha and seed, whatever ``workers`` or cluster computes it.

    Parameters
    ----------
    alphas : sequence of float
        Learning rates, finite and > 0.
    steps, seed, log_every, X, y, hidden
        As in :func:`train_xor`.
    alphas_output : sequence of float, optional
        The output layer's learning rate of each run, paired with ``alphas`` (same length);
        default the same as ``alphas``.
    seeds : sequence of int, optional
        Several distinct seeds: every alpha is trained from every seed's initial weights, and
        the results get a seed axis after the alpha axis. When omitted, the single ``seed`` is
        used and there is no seed axis.
    hidden_activation, output_activation, loss, parameterization
        As in :func:`train_xor`.
    initial_weights : (w0, w1), optional
        Starting weights instead of seeded ones: shapes ``(n_in, hidden)``, ``(hidden, n_out)``
        for every run, or with a leading axis of length ``len(alphas)``, one per run.
    workers : int, optional
        Threads on this machine; default every CPU available to the process (or
        ``NUMBA_NUM_THREADS``). Ignored with ``client``.
    client : dask.distributed.Client, optional
        Run the sweep on this Dask cluster instead (see :mod:`fastgd.distributed`).
    progress : bool or callable, default False
        True draws a progress bar on stderr; a callable is called as ``progress(n)`` each time
        ``n`` more runs have finished (from the calling thread).
    device : {"cpu", "cuda"}, default "cpu"
        ``"cuda"`` trains on an NVIDIA GPU (``pip install 'fastgd[cuda]'``; see docs/gpu.md).

    Returns
    -------
    SweepResult
        ``alphas``, ``alphas_output``, ``seeds``, ``checkpoints``, ``errors`` (n_alphas,
        [n_seeds,] n_checkpoints), ``curve_steps``, ``curve_errors``, ``synapse_0``
        (n_alphas, [n_seeds,] n_in, hidden), ``synapse_1`` (n_alphas, [n_seeds,] hidden,
        n_out), ``diverged_at``, ``status``, ``success``, ``message``, and, with ``seeds``, the
        summaries across seeds ``errors_mean``, ``errors_std``, ``errors_min``, ``errors_max``,
        ``errors_median``.
    """
    alphas = check_alphas(alphas)
    plan = plan_runs(
        alphas,
        alphas_output,
        steps,
        seed,
        log_every,
        X,
        y,
        hidden,
        seeds=seeds,
        **network_arguments(locals()),
    )
    device = check_device(device)
    if workers is not None:
        workers = positive_int(workers, "workers")
    job = training_job(plan, curve_every=plan.curve_every)
    outcome = run_job(job, workers=workers, client=client, device=device, progress=progress)
    return make_sweep_result(
        plan, outcome.errors, outcome.curve, outcome.w0, outcome.w1, outcome.diverged_at
    )
