"""Plots of XOR training runs and learning-rate sweeps."""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _errors_and_spread(result, field: str = "errors"):
    """Per-alpha mean curve of ``field``, and (low, high) across seeds or None for one seed."""
    errors = np.asarray(result[field])
    errors = errors.reshape((-1,) + errors.shape[-1:]) if result.get("seeds") is None else errors
    if result.get("seeds") is None:
        return errors, None
    return errors.mean(axis=1), (errors.min(axis=1), errors.max(axis=1))


def plot_error_curves(result, ax=None, cmap: str = "viridis", logy: bool = True):
    """Mean |error| against step, one curve per learning rate, coloured by log10(alpha).

    The lines are the fine record (``curve_errors``, about 600 points per run); the markers are
    the checkpoints the table prints.

    Parameters
    ----------
    result : XorResult or SweepResult
    ax : matplotlib Axes, optional
    cmap : str
        Colormap over log10(alpha).
    logy : bool
        Log scale for the error, which spans 0.5 down to 1e-3 in the notebook's sweep.

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    alphas = np.atleast_1d(result.get("alphas", result.get("alpha")))
    has_curve = "curve_errors" in result and np.size(result["curve_steps"]) > 0
    checkpoints, _ = _errors_and_spread(result)
    curves, spread = _errors_and_spread(result, "curve_errors" if has_curve else "errors")
    steps = result.curve_steps if has_curve else result.checkpoints
    log_alpha = np.log10(alphas)
    norm = plt.Normalize(
        log_alpha.min(), log_alpha.max() if alphas.size > 1 else log_alpha.min() + 1
    )
    colors = plt.get_cmap(cmap)
    for a, alpha in enumerate(alphas):
        color = colors(norm(log_alpha[a]))
        ax.plot(steps, curves[a], color=color, lw=1.2, label=f"α = {alpha:g}")
        ax.plot(result.checkpoints, checkpoints[a], "o", ms=3, color=color)
        if spread is not None:
            ax.fill_between(steps, spread[0][a], spread[1][a], color=color, alpha=0.2, lw=0)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("mean |error|")
    title = "XOR training error by learning rate"
    if spread is not None:
        title += f" (mean, min-max band over {len(result.seeds)} seeds)"
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), title="learning rate")
    return ax


def plot_final_error(result, ax=None):
    """Final mean |error| against learning rate (log-log), with the spread across seeds shaded.

    Parameters
    ----------
    result : SweepResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
    curves, spread = _errors_and_spread(result)
    alphas = result.alphas
    ax.plot(
        alphas,
        curves[:, -1],
        marker="o",
        color="C0",
        label=None if spread is None else "mean over seeds",
    )
    if spread is not None:
        ax.fill_between(
            alphas,
            spread[0][:, -1],
            spread[1][:, -1],
            color="C0",
            alpha=0.25,
            lw=0,
            label="min-max over seeds",
        )
        ax.legend(fontsize="small")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate α")
    ax.set_ylabel(f"mean |error| at step {int(result.checkpoints[-1])}")
    ax.set_title("Final error against learning rate")
    ax.grid(True, which="both", alpha=0.3)
    return ax


def plot_sweep(result, path=None):
    """The sweep's figure: error curves (left) and final error against alpha (right).

    Writes it to ``path`` if given; returns the Figure.
    """
    plt = _pyplot()
    # Fixed margins rather than constrained layout: the layout solver took 0.5 s of the CLI's
    # ~2 s (tick labels on log axes), and this figure's arrangement never changes.
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), width_ratios=(1.4, 1))
    fig.subplots_adjust(left=0.06, right=0.985, bottom=0.11, top=0.92, wspace=0.42)
    plot_error_curves(result, ax=left)
    plot_final_error(result, ax=right)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
