"""Trainability maps: a network trained for every pair of per-layer learning rates on a grid.

J. Sohl-Dickstein, "The boundary of neural network trainability is fractal" (2024), trains a
one-hidden-layer network by full-batch gradient descent for every (hidden-layer, output-layer)
learning-rate pair of a grid and colours each cell by whether and how fast training converged;
the boundary between the two is fractal. :func:`trainability_map` computes such a map for the
notebook's network (by default) or the paper's (``tanh``, linear output, MSE, mean-field:
see :data:`fastgd.problems.PAPER_NETWORK`), on every core, on a Dask cluster or on a GPU;
:func:`zoom` gives the window around a point, :func:`zoom_sequence` the maps of a zoom.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from fastgd._map_setup import log_axis, make_map_result, plan_map
from fastgd._training_setup import network_arguments
from fastgd._validation import positive_float, positive_int
from fastgd.results import MapResult
from fastgd.xor import check_device, run_job, training_job


def trainability_map(
    alpha_hidden,
    alpha_output,
    *,
    steps: int,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    hidden: int = 4,
    seed: int = 1,
    hidden_activation: str = "sigmoid",
    output_activation: str = "sigmoid",
    loss: str = "notebook",
    parameterization: str = "standard",
    initial_weights: tuple[np.ndarray, np.ndarray] | None = None,
    workers: int | None = None,
    client=None,
    progress: bool | Callable[[int], None] = False,
    device: str = "cpu",
) -> MapResult:
    """Train the network for every pair of per-layer learning rates of a grid.

    Parameters
    ----------
    alpha_hidden, alpha_output : tuple (low, high, n) or array_like
        The hidden layer's rates (rows) and the output layer's (columns): ``n`` log-spaced
        rates from ``low`` to ``high``, or the rates themselves as a 1-D sequence.
    steps : int
        Gradient steps per cell.
    X, y, hidden, seed
        The data set, hidden units and the seed of the initial weights, as in
        :func:`fastgd.train_xor`; every cell starts from the same weights.
    hidden_activation, output_activation, loss, parameterization, initial_weights
        The network options, as in :func:`fastgd.train_xor` (``initial_weights``: one
        ``(w0, w1)`` pair for every cell).
    workers, client, progress, device
        Where and how to run, as in :func:`fastgd.sweep_xor`.

    Returns
    -------
    MapResult
        ``alpha_hidden`` (n_h,), ``alpha_output`` (n_o,), and each of shape (n_h, n_o):

        * ``final_error``: the mean |error| after ``steps`` updates, bit for bit what
          ``train_xor(a_h, alpha_output=a_o, steps=steps + 1, log_every=steps)`` records at
          its second checkpoint (NaN where the run diverged before);
        * ``status``: 0 finished, 2 diverged (an error or a weight became NaN or infinite);
        * ``diverged_at``: the first step whose error or updated weights were not finite, or
          -1 (the "escape time");
        * ``measure``: the paper's convergence measure. Each step's loss (the summed squared
          error, before the step's update) is divided by the first step's; ratios above 1e6,
          and those of steps a diverged run never reached, count as 1e6. A run *converged* if
          it finished and the mean ratio of its last 20 steps is below 1: its measure is minus
          the sum of the ratios (negative, larger in magnitude the slower it converged).
          Otherwise it is the sum of the inverse ratios (positive, smaller the faster it
          diverged). The sign marks the side of the boundary.

        and ``steps`` and ``network`` (the options).

    Notes
    -----
    A diverged run stops at once, and a block of runs whose lanes have all diverged stops, so
    the divergent side of a map costs little. The paper (its notebook) counts a non-finite loss
    as 1e6 *before* dividing by the first loss; here it counts as the clipped ratio 1e6.

    Examples
    --------
    >>> import fastgd
    >>> m = fastgd.trainability_map((0.1, 100.0, 4), (0.1, 100.0, 4), steps=200)
    >>> m.final_error.shape
    (4, 4)
    """
    axis_hidden, axis_output, plan = plan_map(
        alpha_hidden,
        alpha_output,
        steps,
        X,
        y,
        hidden,
        seed,
        network_arguments(locals()),
    )
    device = check_device(device)
    if workers is not None:
        workers = positive_int(workers, "workers")
    job = training_job(plan, measure_steps=plan.steps - 1, keep_weights=False)
    outcome = run_job(job, workers=workers, client=client, device=device, progress=progress)
    return make_map_result(
        axis_hidden, axis_output, plan, outcome.errors, outcome.diverged_at, outcome.measure
    )


def _window_axes(window) -> tuple[tuple[float, float, int], tuple[float, float, int]]:
    """``((low, high, n), (low, high, n))`` of a MapResult or of two axis specifications."""
    if isinstance(window, MapResult):
        axes = (window.alpha_hidden, window.alpha_output)
        return tuple((float(a[0]), float(a[-1]), a.size) for a in axes)
    if not isinstance(window, tuple | list) or len(window) != 2:
        raise TypeError(
            "window must be a MapResult or a pair of axes ((low, high[, n]), (low, high[, n])), "
            f"got {window!r}"
        )
    axes = []
    for name, spec in zip(("alpha_hidden", "alpha_output"), window, strict=True):
        if isinstance(spec, tuple | list) and len(spec) == 2:
            spec = (*spec, 2)
        values = log_axis(tuple(spec) if isinstance(spec, list) else spec, f"window {name}")
        axes.append((float(values[0]), float(values[-1]), values.size))
    return tuple(axes)


def zoom(
    center: tuple[float, float],
    factor: float,
    window,
    resolution: int | None = None,
) -> tuple[tuple[float, float, int], tuple[float, float, int]]:
    """The window ``factor`` times narrower (in decades) than ``window``, centred on ``center``.

    Parameters
    ----------
    center : (alpha_hidden, alpha_output)
        The point to zoom into.
    factor : float
        How much narrower, > 0 (``10``: a tenth of the decades on each axis).
    window : MapResult or ((low, high), (low, high))
        The window zoomed from (a map's axes, or two ranges).
    resolution : int, optional
        Rates per axis of the new window; default the window's (or 2 for bare ranges).

    Returns
    -------
    ((low, high, n), (low, high, n))
        The two axes, ready for :func:`trainability_map` (``trainability_map(*zoom(...), ...)``).

    Examples
    --------
    >>> zoom((1.0, 1.0), 10, ((1e-2, 1e2), (1e-2, 1e2)), resolution=64)
    ((0.6309573444801932, 1.5848931924611136, 64), (0.6309573444801932, 1.5848931924611136, 64))
    """
    if not isinstance(center, tuple | list) or len(center) != 2:
        raise TypeError(f"center must be a pair (alpha_hidden, alpha_output), got {center!r}")
    centers = (positive_float(center[0], "center[0]"), positive_float(center[1], "center[1]"))
    factor = positive_float(factor, "factor")
    axes = _window_axes(window)
    if resolution is not None:
        resolution = positive_int(resolution, "resolution")
    zoomed = []
    for middle, (low, high, n) in zip(centers, axes, strict=True):
        half = math.log10(high / low) / factor / 2
        log_middle = math.log10(middle)
        zoomed.append((10 ** (log_middle - half), 10 ** (log_middle + half), resolution or n))
    return tuple(zoomed)


def zoom_sequence(
    center: tuple[float, float],
    factor: float,
    window,
    frames: int = 12,
    resolution: int | None = None,
    **map_options,
) -> list[MapResult]:
    """The maps of a zoom from ``window`` to ``factor`` times narrower around ``center``.

    Frame ``k`` of ``frames`` is zoomed by ``factor ** (k / (frames - 1))`` (evenly spaced on
    a log scale). ``map_options`` (``steps=`` and any other argument of
    :func:`trainability_map`) apply to every frame; :func:`fastgd.plot.animate_maps` writes
    the frames as a GIF.
    """
    frames = positive_int(frames, "frames")
    maps = []
    for k in range(frames):
        step_factor = factor ** (k / (frames - 1)) if frames > 1 else factor
        axes = zoom(center, step_factor, window, resolution)
        maps.append(trainability_map(*axes, **map_options))
    return maps
