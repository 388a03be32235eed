"""What the compiled training path and the reference share: checks, data, initial weights, results.

Only the training loop differs between the two paths; everything that decides *what* is
trained (data, seeded or given initial weights, learning-rate pairs, checkpoints, the fine
curve) and how the answer is packaged lives here, so both start from bit-identical weights,
refuse the same bad input with the same message, and return results of the same shape.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from fastgd import status as st
from fastgd._memory import check_fits
from fastgd._validation import (
    finite_float_matrix,
    positive_float,
    positive_float_array,
    positive_int,
)
from fastgd.kernels.network import MEASURE_CLIP, MEASURE_TAIL
from fastgd.network import NetworkOptions, network_options
from fastgd.problems import XOR_X, XOR_Y
from fastgd.results import SweepResult, XorResult

#: The fine error curve of a run (what the plots draw) has about this many points ...
CURVE_POINTS = 600
#: ... fewer when a sweep has so many runs that its curves would take more memory than this.
CURVE_BYTES = 64 * 2**20


def xor_data(X: object = None, y: object = None) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)`` as float64 arrays, defaulting to the notebook's XOR data.

    ``y`` may be 1-D (one output per sample); it is then taken as a column.
    """
    X = XOR_X if X is None else finite_float_matrix(X, "X")
    if y is None:
        y = XOR_Y
    else:
        if np.ndim(y) == 1:
            y = np.reshape(y, (-1, 1))
        y = finite_float_matrix(y, "y")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of samples (rows), got X {X.shape} and y {y.shape}"
        )
    return X, y


def seeded_weights(seed: int, n_in: int, hidden: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """The notebook's initial weights: uniform on [-1, 1) from numpy's seeded global generator.

    The notebook calls ``np.random.seed(seed)`` and draws ``synapse_0`` then ``synapse_1``;
    this does the same with a private ``RandomState`` so the caller's global state is untouched.
    """
    rng = np.random.RandomState(seed)
    synapse_0 = 2 * rng.random_sample((n_in, hidden)) - 1
    synapse_1 = 2 * rng.random_sample((hidden, n_out)) - 1
    return synapse_0, synapse_1


def checkpoint_steps(steps: int, every: int) -> np.ndarray:
    """The steps at which the error is recorded: 0, every, 2*every, ... < steps."""
    return np.arange(0, steps, every, dtype=np.int64)


def seed_value(seed: object, name: str = "seed") -> int:
    """Return ``seed`` as a non-negative ``int`` accepted by ``np.random.seed``."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"{name} must be in [0, 2**32), got {seed}")
    return int(seed)


def check_run_args(steps: object, log_every: object, hidden: object) -> tuple[int, int, int]:
    """Steps, log_every and hidden units: integers >= 1 that the kernels can count to."""
    return (
        positive_int(steps, "steps"),
        positive_int(log_every, "log_every"),
        positive_int(hidden, "hidden"),
    )


def check_alphas(alphas: object, name: str = "alphas") -> np.ndarray:
    return positive_float_array(alphas, name)


def check_alpha(alpha: object, name: str = "alpha") -> float:
    """A single learning rate: a real number, or a 0-d array of one (as ``sweep_xor`` takes)."""
    if isinstance(alpha, np.ndarray):
        if alpha.ndim != 0:
            raise TypeError(f"{name} must be a single real number, got shape {alpha.shape}")
        alpha = alpha[()]
    elif np.ndim(alpha) != 0:
        raise TypeError(f"{name} must be a single real number, got shape {np.shape(alpha)}")
    return positive_float(alpha, name)


def check_seeds(seeds: object) -> list[int]:
    """Return ``seeds`` as a non-empty list of distinct ints, or raise naming ``seeds``."""
    if isinstance(seeds, str | bytes) or np.ndim(seeds) != 1:
        raise TypeError(f"seeds must be a 1-D sequence of integers, got {seeds!r}")
    values = [seed_value(s, "seeds") for s in seeds]
    if not values:
        raise ValueError("seeds must not be empty")
    if len(set(values)) != len(values):
        raise ValueError(f"seeds must be distinct, got duplicates in {values}")
    return values


def check_network_size(n_samples: int, n_in: int, hidden: int, n_out: int) -> None:
    """Refuse a network whose weights and per-step arrays for one run cannot fit in memory."""
    values = n_in * hidden + hidden * n_out + 3 * n_samples * (hidden + n_out)
    check_fits(
        8 * values, f"one run of a network with hidden={hidden} on X of shape ({n_samples}, {n_in})"
    )


def check_initial_weights(
    weights: object, n_in: int, hidden: int, n_out: int, n_runs: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``initial_weights=(w0, w1)`` as stacks ``(k, n_in, hidden)``, ``(k, hidden, n_out)``.

    ``w0`` of shape ``(n_in, hidden)`` and ``w1`` of shape ``(hidden, n_out)`` give ``k = 1``
    (every run starts there); with ``n_runs`` given, a leading axis of that length gives one
    start per run.
    """
    if not isinstance(weights, tuple | list) or len(weights) != 2:
        raise TypeError(
            f"initial_weights must be a pair (w0, w1) of arrays, got {type(weights).__name__}"
        )
    stacks = []
    for name, array, shape in (
        ("initial_weights[0] (w0)", weights[0], (n_in, hidden)),
        ("initial_weights[1] (w1)", weights[1], (hidden, n_out)),
    ):
        try:
            array = np.asarray(array)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be an array of real numbers: {exc}") from None
        if array.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
        if array.shape == shape:
            array = array[None]
        elif n_runs is None or array.shape != (n_runs, *shape):
            expected = f"{shape}" + ("" if n_runs is None else f" or {(n_runs, *shape)}")
            raise ValueError(f"{name} must have shape {expected}, got {array.shape}")
        array = np.ascontiguousarray(array, dtype=np.float64)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must contain only finite values")
        stacks.append(array)
    if stacks[0].shape[0] != stacks[1].shape[0]:
        raise ValueError(
            "initial_weights must give w0 and w1 the same leading (run) axis, got "
            f"{stacks[0].shape} and {stacks[1].shape}"
        )
    return stacks[0], stacks[1]


def choose_curve_every(steps: int, log_every: int, n_runs: int) -> int:
    """Steps between two points of the fine error curve.

    About CURVE_POINTS points per run, fewer if the sweep's curves would exceed CURVE_BYTES;
    a divisor of ``log_every`` when one is close, so that every checkpoint is on the curve.
    """
    points = max(1, min(CURVE_POINTS, CURVE_BYTES // (8 * n_runs)))
    every = max(1, math.ceil(steps / points))
    for candidate in range(every, min(2 * every, every + 1000)):
        if log_every % candidate == 0:
            return candidate
    return every


class RunPlan(NamedTuple):
    """Validated arguments of a training call: which runs, from where, recording what.

    Runs are alpha-major: run ``a * n_starts + s`` trains ``(alphas[a], alphas_output[a])``
    from start ``s`` (a seed, or the given initial weights); with per-run initial weights
    there is one start per alpha (``init_index`` says which stack entry each run uses).
    """

    X: np.ndarray
    y: np.ndarray
    alphas: np.ndarray
    alphas_output: np.ndarray
    seeds: list[int] | None
    w0_inits: np.ndarray
    w1_inits: np.ndarray
    init_index: np.ndarray
    options: NetworkOptions
    steps: int
    log_every: int
    curve_every: int

    @property
    def run_alphas(self) -> tuple[np.ndarray, np.ndarray]:
        """Both learning rates of every run."""
        starts = self.init_index.size // self.alphas.size
        return np.repeat(self.alphas, starts), np.repeat(self.alphas_output, starts)

    @property
    def run_shape(self) -> tuple[int, ...]:
        """The runs' axes in the results: (n_alphas,) or (n_alphas, n_seeds)."""
        n = self.alphas.size
        return (n,) if self.seeds is None else (n, len(self.seeds))


def plan_runs(
    alphas: np.ndarray,
    alphas_output: object,
    steps: object,
    seed: object,
    log_every: object,
    X: object,
    y: object,
    hidden: object,
    *,
    seeds: object = None,
    initial_weights: object = None,
    hidden_activation: object = "sigmoid",
    output_activation: object = "sigmoid",
    loss: object = "notebook",
    parameterization: object = "standard",
    per_run_initial_weights: bool = True,
) -> RunPlan:
    """Check a sweep's (or a single run's) arguments and decide its runs.

    ``alphas`` is already checked; ``alphas_output`` None means the same rates.
    """
    if alphas_output is None:
        alphas_output = alphas
    else:
        alphas_output = check_alphas(alphas_output, "alphas_output")
        if alphas_output.shape != alphas.shape:
            raise ValueError(
                f"alphas_output must have one rate per alpha: {alphas.size} alphas, got "
                f"{alphas_output.size}"
            )
    steps, log_every, hidden = check_run_args(steps, log_every, hidden)
    options = network_options(hidden_activation, output_activation, loss, parameterization)
    X, y = xor_data(X, y)
    n_samples, n_in = X.shape
    n_out = y.shape[1]
    check_network_size(n_samples, n_in, hidden, n_out)
    seed_list = None
    if initial_weights is not None:
        if seeds is not None:
            raise ValueError("give seeds or initial_weights, not both")
        n_runs = alphas.size if per_run_initial_weights else None
        w0_inits, w1_inits = check_initial_weights(initial_weights, n_in, hidden, n_out, n_runs)
        starts = 1
        init_index = (
            np.zeros(alphas.size, dtype=np.int64)
            if w0_inits.shape[0] == 1
            else np.arange(alphas.size, dtype=np.int64)
        )
    else:
        seed_list = [seed_value(seed)] if seeds is None else check_seeds(seeds)
        inits = [seeded_weights(s, n_in, hidden, n_out) for s in seed_list]
        w0_inits = np.stack([w0 for w0, _ in inits])
        w1_inits = np.stack([w1 for _, w1 in inits])
        starts = len(seed_list)
        init_index = np.tile(np.arange(starts, dtype=np.int64), alphas.size)
        if seeds is None:
            seed_list = None
    n_runs = alphas.size * starts
    curve_every = choose_curve_every(steps, log_every, n_runs)
    plan = RunPlan(
        X, y, alphas, alphas_output, seed_list, w0_inits, w1_inits, init_index, options,
        steps, log_every, curve_every,
    )  # fmt: skip
    check_output_fits(plan, n_runs)
    return plan


#: The network options every training entry point takes, with the same names and defaults.
NETWORK_OPTIONS = (
    "initial_weights",
    "hidden_activation",
    "output_activation",
    "loss",
    "parameterization",
)


def network_arguments(names: dict) -> dict:
    """The network options among ``names`` (an entry point's ``locals()``), to forward."""
    return {name: names[name] for name in NETWORK_OPTIONS}


def plan_train(
    alpha: object, alpha_output: object, steps, seed, log_every, X, y, hidden, **options
) -> RunPlan:
    """``train_xor``'s arguments checked: the plan of its one run (options as in plan_runs)."""
    alphas = np.array([check_alpha(alpha)])
    outputs = None if alpha_output is None else [check_alpha(alpha_output, "alpha_output")]
    return plan_runs(
        alphas, outputs, steps, seed, log_every, X, y, hidden, per_run_initial_weights=False,
        **options,
    )  # fmt: skip


def run_status(diverged_at: np.ndarray) -> np.ndarray:
    """Status per run: diverged (2) where a step was non-finite, else finished (0)."""
    return np.where(np.asarray(diverged_at) >= 0, st.DIVERGED, st.FINISHED).astype(np.int64)


def output_bytes(steps: int, log_every: int, curve_every: int, n_weights: int, n_runs: int) -> int:
    """Memory the records of ``n_runs`` runs take: checkpoints, curve, weights, divergence."""
    per_run = math.ceil(steps / log_every) + math.ceil(steps / curve_every) + n_weights + 8
    return 8 * per_run * n_runs


def check_output_fits(plan: RunPlan, n_runs: int, what: str = "the results") -> None:
    """Refuse, before any allocation, a call whose records cannot fit in memory."""
    n_weights = plan.w0_inits[0].size + plan.w1_inits[0].size
    check_fits(
        output_bytes(plan.steps, plan.log_every, plan.curve_every, n_weights, n_runs),
        f"{what} of {n_runs} run(s) with steps={plan.steps} and log_every={plan.log_every} "
        f"({math.ceil(plan.steps / plan.log_every)} checkpoints per run)",
    )


def make_train_result(plan: RunPlan, errors, curve, synapse_0, synapse_1, diverged_at) -> XorResult:
    """One run's result (the first and only run of ``plan``)."""
    status = int(run_status(diverged_at))
    return XorResult(
        alpha=float(plan.alphas[0]),
        alpha_output=float(plan.alphas_output[0]),
        checkpoints=checkpoint_steps(plan.steps, plan.log_every),
        errors=errors,
        curve_steps=checkpoint_steps(plan.steps, plan.curve_every),
        curve_errors=curve,
        synapse_0=synapse_0,
        synapse_1=synapse_1,
        diverged_at=int(diverged_at),
        success=status == st.FINISHED,
        status=status,
        message=st.TRAINING_MESSAGES[status],
    )


def make_sweep_result(
    plan: RunPlan, errors, curve, synapse_0, synapse_1, diverged_at
) -> SweepResult:
    """A sweep's result from per-run arrays (leading axis: the runs, alpha-major)."""
    shape = plan.run_shape

    def by_run(array):
        array = np.asarray(array)
        return array.reshape(shape + array.shape[1:])

    errors, curve, diverged_at = by_run(errors), by_run(curve), by_run(diverged_at)
    status = run_status(diverged_at)
    n_bad = int(np.count_nonzero(status))
    message = (
        st.TRAINING_MESSAGES[st.FINISHED]
        if n_bad == 0
        else (
            f"{n_bad} of {status.size} runs diverged (a weight or an error became NaN or infinite)."
        )
    )
    result = SweepResult(
        alphas=plan.alphas,
        alphas_output=plan.alphas_output,
        seeds=None if plan.seeds is None else np.asarray(plan.seeds, dtype=np.int64),
        checkpoints=checkpoint_steps(plan.steps, plan.log_every),
        errors=errors,
        curve_steps=checkpoint_steps(plan.steps, plan.curve_every),
        curve_errors=curve,
        synapse_0=by_run(synapse_0),
        synapse_1=by_run(synapse_1),
        diverged_at=diverged_at,
        status=status,
        success=n_bad == 0,
        message=message,
    )
    if plan.seeds is not None:
        result.update(seed_summaries(errors))
    return result


def seed_summaries(errors: np.ndarray) -> dict[str, np.ndarray]:
    """Error curves summarised across the seed axis (axis 1): mean, std, min, max, median.

    Each has shape (n_alphas, n_checkpoints). ``std`` is the population standard deviation
    (``ddof=0``), the spread of the seeds actually run.
    """
    return {
        "errors_mean": errors.mean(axis=1),
        "errors_std": errors.std(axis=1),
        "errors_min": errors.min(axis=1),
        "errors_max": errors.max(axis=1),
        "errors_median": np.median(errors, axis=1),
    }


def finish_measure(sums: np.ndarray, diverged_at: np.ndarray, measure_steps: int) -> np.ndarray:
    """The paper's convergence measure from the kernels' per-run sums.

    ``sums[:, 1:4]`` are the sums over the run's live steps of the clipped loss ratios, of
    their inverses, and of the ratios of the last MEASURE_TAIL steps. A diverged run's
    remaining steps count as ratio MEASURE_CLIP each (its losses are not finite). Converged
    (finished, and the mean ratio of the last steps below 1): minus the sum of the ratios;
    otherwise the sum of the inverse ratios (positive).
    """
    sums = np.asarray(sums, dtype=np.float64)
    diverged_at = np.asarray(diverged_at)
    ratio_sum, inverse_sum, tail_sum = sums[..., 1], sums[..., 2], sums[..., 3]
    diverged = (diverged_at >= 0) & (diverged_at < measure_steps)
    missing = np.where(diverged, measure_steps - 1 - diverged_at, 0)
    inverse_sum = inverse_sum + missing / MEASURE_CLIP
    converged = (diverged_at < 0) & (tail_sum / min(MEASURE_TAIL, measure_steps) < 1.0)
    return np.where(converged, -ratio_sum, inverse_sum)
