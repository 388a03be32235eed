"""Result objects: data only, shaped like ``scipy.optimize.OptimizeResult``.

A result is a ``dict`` whose keys are also attributes, as in scipy, so code written against
scipy's results (``res.x``, ``res["fun"]``, ``res.keys()``) works unchanged.

Results import nothing of fastgd's plotting or reporting: :mod:`fastgd.plot` and
:mod:`fastgd.report` import *them*. The ``plot()``/``table()`` conveniences look their function
up by name when called (as pandas' ``DataFrame.plot`` finds its plotting backend), so matplotlib
is imported only when a picture is drawn and the import graph has no cycles.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np


def _call(module: str, function: str, *args: Any, **kwargs: Any) -> Any:
    """``module.function(*args, **kwargs)``, importing ``module`` on first use."""
    return getattr(importlib.import_module(module), function)(*args, **kwargs)


class Result(dict):
    """A dictionary with attribute access, printed like ``scipy.optimize.OptimizeResult``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    __setattr__ = dict.__setitem__
    __delattr__ = dict.__delitem__

    def __dir__(self) -> list[str]:
        return list(self.keys()) + list(super().__dir__())

    def __repr__(self) -> str:
        if not self:
            return f"{type(self).__name__}()"
        width = max(map(len, self.keys())) + 1
        lines = []
        for key, value in self.items():
            text = (
                np.array2string(value, threshold=20)
                if isinstance(value, np.ndarray)
                else repr(value)
            )
            text = text.replace("\n", "\n" + " " * (width + 2))
            lines.append(f"{key.rjust(width)}: {text}")
        return "\n".join(lines)


class XorResult(Result):
    """One training run of the XOR network (or of a variant: see :mod:`fastgd.network`).

    Attributes
    ----------
    alpha : float
        The learning rate (of the hidden layer).
    alpha_output : float
        The output layer's learning rate (``alpha`` unless given).
    checkpoints : ndarray of int, shape (n_checkpoints,)
        The steps at which the error was recorded (0, log_every, ...).
    errors : ndarray, shape (n_checkpoints,)
        Mean absolute error of the network's output at each checkpoint, before that step's update.
    curve_steps : ndarray of int, shape (n_curve,)
        The steps of the fine error record (about 600 points; every checkpoint among them when
        ``log_every`` allows), which the plots draw.
    curve_errors : ndarray, shape (n_curve,)
        Mean absolute error at each of ``curve_steps``.
    synapse_0 : ndarray, shape (n_in, hidden)
        Final input-to-hidden weights (for a diverged run: the weights when it diverged).
    synapse_1 : ndarray, shape (hidden, n_out)
        Final hidden-to-output weights.
    diverged_at : int
        The first step whose error or updated weights were not finite, or -1. A diverged run
        stops there: its later errors are NaN.
    success : bool
        False if the run diverged.
    status : int
        0 finished, 2 diverged.
    message : str
        What ``status`` means.
    """

    def plot(self, ax=None, **kwargs):
        """Plot the error curve; see :func:`fastgd.plot.plot_error_curves`."""
        return _call("fastgd.plot", "plot_error_curves", self, ax=ax, **kwargs)


class SweepResult(Result):
    """A sweep of the XOR network over learning rates (and, optionally, seeds).

    Attributes
    ----------
    alphas : ndarray, shape (n_alphas,)
    alphas_output : ndarray, shape (n_alphas,)
        The output layer's learning rate of each run (``alphas`` unless given).
    seeds : ndarray of int, shape (n_seeds,) or None
        The seeds, when the sweep was asked for several (``seeds=``); None for a single ``seed``.
    checkpoints : ndarray of int, shape (n_checkpoints,)
    errors : ndarray, shape (n_alphas, n_checkpoints) or (n_alphas, n_seeds, n_checkpoints)
        Mean absolute error at each checkpoint of each run.
    curve_steps : ndarray of int, shape (n_curve,)
    curve_errors : ndarray, shape (n_alphas, [n_seeds,] n_curve)
        The fine error record the plots draw (see :class:`XorResult`).
    synapse_0 : ndarray, shape (n_alphas, [n_seeds,] n_in, hidden)
    synapse_1 : ndarray, shape (n_alphas, [n_seeds,] hidden, n_out)
    diverged_at : ndarray of int, shape (n_alphas,) or (n_alphas, n_seeds)
        Per run: the first non-finite step, or -1.
    status : ndarray of int, shape (n_alphas,) or (n_alphas, n_seeds)
        0 finished, 2 diverged, per run.
    success : bool
        True if no run diverged.
    message : str
    errors_mean, errors_std, errors_min, errors_max, errors_median : ndarray
        Only with ``seeds``: the error curves summarised across seeds, each of shape
        (n_alphas, n_checkpoints).
    """

    def plot(self, ax=None, **kwargs):
        """Plot every alpha's error curve; see :func:`fastgd.plot.plot_error_curves`."""
        return _call("fastgd.plot", "plot_error_curves", self, ax=ax, **kwargs)

    def table(self) -> str:
        """The notebook's printout: the error every ``log_every`` steps, for every alpha."""
        return _call("fastgd.report", "format_table", self)


class MapResult(Result):
    """A trainability map: final error, status and convergence over a grid of learning rates.

    Attributes
    ----------
    alpha_hidden : ndarray, shape (n_h,)
        The hidden layer's learning rates (the map's rows).
    alpha_output : ndarray, shape (n_o,)
        The output layer's learning rates (the map's columns).
    final_error : ndarray, shape (n_h, n_o)
        Mean absolute error after ``steps`` updates (NaN for a run that diverged before).
    status : ndarray of int, shape (n_h, n_o)
        0 finished, 2 diverged (a non-finite error or weight).
    diverged_at : ndarray of int, shape (n_h, n_o)
        The first step whose error or updated weights were not finite ("escape time"), or -1.
    measure : ndarray, shape (n_h, n_o)
        Sohl-Dickstein's convergence measure (see :func:`fastgd.trainability_map`): negative
        where training converged (minus the summed loss ratios), positive where it did not.
    steps : int
        Updates per run.
    network : dict
        The network options the map was computed with.
    """

    def plot(self, ax=None, **kwargs):
        """Draw the map; see :func:`fastgd.plot.plot_map`."""
        return _call("fastgd.plot", "plot_map", self, ax=ax, **kwargs)


class DescentResult(Result):
    """The result of :func:`fastgd.minimize`, with ``scipy.optimize.OptimizeResult``'s fields.

    Attributes
    ----------
    x : ndarray, shape (n,)
        The last iterate.
    fun : float
        ``fun(x)``.
    jac : ndarray, shape (n,)
        The gradient at ``x`` (analytic, or estimated the same way as during the descent).
    nit : int
        Updates made.
    nfev : int
        Evaluations of ``fun`` (finite differences included).
    njev : int
        Evaluations of an analytic gradient.
    success : bool
        True when the run stopped because every coordinate moved less than ``tol``.
    status : int
        0 converged, 1 max_iter reached, 2 diverged, 3 finite-difference step lost
        (see :mod:`fastgd.status`).
    message : str
        What ``status`` means.
    path : ndarray, shape (nit + 1, n)
        The iterates: ``path[0]`` is ``x0``, ``path[k + 1]`` the point after update k
        (only with ``record_path=True``).
    """

    def plot(self, fun=None, ax=None, **kwargs):
        """Plot the descent path; see :func:`fastgd.plot.plot_descent`."""
        return _call("fastgd.plot", "plot_descent", self, fun, ax=ax, **kwargs)


class DescentSweepResult(Result):
    """The result of :func:`fastgd.minimize_many`: one descent per (start, rate, momentum).

    Attributes
    ----------
    x, jac : ndarray, shape (m, k, j, n)
        Each run's last iterate and the gradient there.
    fun : ndarray, shape (m, k, j)
    nit, nfev, njev, status : ndarray of int, shape (m, k, j)
        As in :class:`DescentResult`, per run (see :mod:`fastgd.status`).
    success : ndarray of bool, shape (m, k, j)
        Which runs converged.
    message : str
        How many runs ended which way.
    x0 : ndarray, shape (m, n)
        The starts (axis 0 of the grid).
    lr : ndarray, shape (k,)
        The initial learning rates (axis 1), each decayed by the same schedule.
    momentum : ndarray, shape (j,)
        The momenta (axis 2).
    path : ndarray, shape (m, k, j, max_iter + 1, n)
        Only with ``record_path=True``: each run's iterates, NaN after its last one.
    """

    def plot_basins(self, fun=None, ax=None, **kwargs):
        """Starts coloured by the minimum they reached; see :func:`fastgd.plot.plot_basins`."""
        return _call("fastgd.plot", "plot_basins", self, fun, ax=ax, **kwargs)

    def plot_heatmap(self, value: str = "fun", ax=None, **kwargs):
        """``value`` over rates x momenta; see :func:`fastgd.plot.plot_sweep_heatmap`."""
        return _call("fastgd.plot", "plot_sweep_heatmap", self, value, ax=ax, **kwargs)
