"""Train the seed notebook's XOR network, compiled: :func:`train_xor` and :func:`sweep_xor`.

Same signatures and results as :mod:`fastgd.reference.xor`; the training loop runs in the Numba
kernels of :mod:`fastgd.kernels.xor`, on every core (:mod:`fastgd.runner`) or on a Dask cluster
(:mod:`fastgd.distributed`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from fastgd._progress import progress_bar
from fastgd._validation import positive_int
from fastgd._xor_setup import (
    SweepResult,
    XorResult,
    check_alpha,
    check_alphas,
    check_run_args,
    check_seeds,
    checkpoint_steps,
    initial_weights,
    make_sweep_result,
    make_train_result,
    seed_value,
    xor_data,
)
from fastgd.runner import run_local, train_chunk


def train_xor(
    alpha: float,
    steps: int = 60_000,
    seed: int = 1,
    log_every: int = 10_000,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    hidden: int = 4,
) -> XorResult:
    """Train the notebook's sigmoid network by full-batch gradient descent.

    The network is ``X -> sigmoid(X @ synapse_0) -> sigmoid(. @ synapse_1)``, trained on the mean
    squared error's backprop exactly as the seed notebook does, for ``steps`` updates.

    Parameters
    ----------
    alpha : float
        Learning rate, finite and > 0.
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

    Returns
    -------
    XorResult
        ``alpha``, ``checkpoints``, ``errors``, ``synapse_0``, ``synapse_1``, ``success``,
        ``status``, ``message``.

    Examples
    --------
    >>> import fastgd
    >>> res = fastgd.train_xor(10.0)
    >>> bool(res.errors[-1] < 0.01)
    True
    """
    alpha = check_alpha(alpha)
    steps, log_every, hidden = check_run_args(steps, log_every, hidden)
    X, y = xor_data(X, y)
    w0, w1 = initial_weights(seed_value(seed), X.shape[1], hidden, y.shape[1])
    errors, w0_final, w1_final = train_chunk(
        X, y, np.array([alpha]), w0[None], w1[None], steps, log_every, lanes=1
    )
    return make_train_result(
        alpha, checkpoint_steps(steps, log_every), errors[0], w0_final[0], w1_final[0]
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
    seeds: Sequence[int] | None = None,
    workers: int | None = None,
    client=None,
    progress: bool | Callable[[int], None] = False,
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
    seeds : sequence of int, optional
        Several distinct seeds: every alpha is trained from every seed's initial weights, and
        the results get a seed axis after the alpha axis. When omitted, the single ``seed`` is
        used and there is no seed axis.
    workers : int, optional
        Threads on this machine; default every CPU available to the process (or
        ``NUMBA_NUM_THREADS``). Ignored with ``client``.
    client : dask.distributed.Client, optional
        Run the sweep on this Dask cluster instead (see :mod:`fastgd.distributed`).
    progress : bool or callable, default False
        True draws a progress bar on stderr; a callable is called as ``progress(n)`` each time
        ``n`` more runs have finished (from the calling thread).

    Returns
    -------
    SweepResult
        ``alphas``, ``seeds``, ``checkpoints``, ``errors`` (n_alphas, [n_seeds,] n_checkpoints),
        ``synapse_0`` (n_alphas, [n_seeds,] n_in, hidden), ``synapse_1`` (n_alphas, [n_seeds,]
        hidden, n_out), ``status``, ``success``, ``message``, and, with ``seeds``, the
        summaries across seeds ``errors_mean``, ``errors_std``, ``errors_min``, ``errors_max``.
    """
    alphas = check_alphas(alphas)
    steps, log_every, hidden = check_run_args(steps, log_every, hidden)
    X, y = xor_data(X, y)
    seed_list = [seed_value(seed)] if seeds is None else check_seeds(seeds)
    if workers is not None:
        workers = positive_int(workers, "workers")

    # Runs are alpha-major: run a * n_seeds + s is (alphas[a], seed_list[s]).
    inits = [initial_weights(s, X.shape[1], hidden, y.shape[1]) for s in seed_list]
    n_alphas, n_seeds = alphas.size, len(seed_list)
    run_alphas = np.repeat(alphas, n_seeds)
    w0_init = np.ascontiguousarray(np.tile(np.stack([w0 for w0, _ in inits]), (n_alphas, 1, 1)))
    w1_init = np.ascontiguousarray(np.tile(np.stack([w1 for _, w1 in inits]), (n_alphas, 1, 1)))

    with progress_bar(run_alphas.size, progress) as advance:
        if client is None:
            errors, w0_final, w1_final = run_local(
                X, y, run_alphas, w0_init, w1_init, steps, log_every, workers, advance
            )
        else:
            from fastgd.distributed import run_dask

            errors, w0_final, w1_final = run_dask(
                client, X, y, run_alphas, w0_init, w1_init, steps, log_every, advance
            )

    shape = (n_alphas, n_seeds) if seeds is not None else (n_alphas,)
    return make_sweep_result(
        alphas,
        None if seeds is None else seed_list,
        checkpoint_steps(steps, log_every),
        errors.reshape(shape + errors.shape[1:]),
        w0_final.reshape(shape + w0_final.shape[1:]),
        w1_final.reshape(shape + w1_final.shape[1:]),
    )
