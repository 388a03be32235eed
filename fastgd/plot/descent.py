"""Plots of gradient-descent runs: the path over the function, in 1-D, 2-D, 3-D and animated.

Points are coloured by step (early dark, late bright), as the article's figures are; the start
is marked red and the end yellow.
"""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _grid_function(fun):
    """``fun`` as a function of coordinate arrays: ``f(X, Y, ...) -> Z`` on a grid.

    An expression (text or sympy) uses the numpy version of its generated module; a callable
    is evaluated point by point.
    """
    from fastgd._descent_setup import is_expression

    if is_expression(fun):
        from fastgd import expressions

        return expressions.load(fun).fun_on_grid

    def on_grid(*coords):
        points = np.stack([np.ravel(c) for c in coords], axis=1)
        values = np.array([float(fun(p)) for p in points])
        return values.reshape(np.shape(coords[0]))

    return on_grid


def _path(result) -> np.ndarray:
    if "path" not in result:
        raise ValueError("the result has no path: run minimize with record_path=True")
    return np.asarray(result.path)


def _limits(values: np.ndarray, margin: float = 0.25) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    span = max(high - low, 1e-3 * max(1.0, abs(low)), 0.5)
    return low - margin * span, high + margin * span


def _step_colors(n: int, cmap: str = "viridis"):
    return _pyplot().get_cmap(cmap)(np.linspace(0, 1, n))


def plot_descent_1d(result, fun, ax=None, show_derivative: bool = True):
    """A 1-D descent: f (and its derivative) over the path, the iterates coloured by step.

    Parameters
    ----------
    result : DescentResult
        With a 1-D ``path``.
    fun : callable or sympy expression
        The objective (``fun(x)`` with ``x`` a length-1 array, or an expression in one symbol).
    ax : matplotlib Axes, optional
    show_derivative : bool
        Also draw f' (central differences of f on the grid).
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    path = _path(result)[:, 0]
    f = _grid_function(fun)
    xs = np.linspace(*_limits(path), 400)
    ys = f(xs)
    ax.plot(xs, ys, color="0.3", label="f(x)")
    if show_derivative:
        ax.plot(xs, np.gradient(ys, xs), color="0.65", ls="--", label="df/dx")
    ax.scatter(path, f(path), c=_step_colors(path.size), s=28, zorder=3, label="gradient descent")
    ax.scatter(path[[0]], f(path[[0]]), c="red", s=80, zorder=4, label="start")
    ax.scatter(path[[-1]], f(path[[-1]]), c="gold", edgecolors="k", s=90, zorder=4, label="end")
    ax.set_xlabel("x")
    ax.set_title(f"Gradient descent: {result.nit} updates, {result.message.split(':')[0]}")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def plot_descent_2d(result, fun, ax=None, levels: int = 30):
    """A 2-D descent over the contours of f, the iterates coloured by step."""
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5.5), layout="constrained")
    path = _path(result)
    X, Y, Z = _surface(fun, path)
    contours = ax.contourf(X, Y, Z, levels=levels, cmap="Blues_r", alpha=0.85)
    ax.figure.colorbar(contours, ax=ax, label="f")
    ax.plot(path[:, 0], path[:, 1], color="k", lw=0.8, alpha=0.6)
    ax.scatter(path[:, 0], path[:, 1], c=_step_colors(len(path), "autumn"), s=18, zorder=3)
    ax.scatter(*path[0], c="red", s=90, edgecolors="k", zorder=4, label="start")
    ax.scatter(*path[-1], c="gold", s=110, edgecolors="k", zorder=4, label="end")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    spans = np.ptp(X), np.ptp(Y)
    if max(spans) < 3 * min(spans):  # keep circles round unless that would make a sliver
        ax.set_aspect("equal", adjustable="box")
    ax.set_title(f"{result.nit} updates: {result.message.split(':')[0]}")
    ax.legend(fontsize="small", loc="upper right")
    return ax


def plot_descent_3d(result, fun, ax=None, elev: float = 60, azim: float = 35):
    """A 2-D descent as a path on the 3-D surface of f (matplotlib's mplot3d), as the article."""
    plt = _pyplot()
    if ax is None:
        fig = plt.figure(figsize=(8, 6), layout="constrained")
        ax = fig.add_subplot(projection="3d")
    path = _path(result)
    X, Y, Z = _surface(fun, path)
    f = _grid_function(fun)
    z_path = f(path[:, 0], path[:, 1])
    ax.contour3D(X, Y, Z, 50, cmap="winter")
    ax.scatter(path[:, 0], path[:, 1], z_path, c=_step_colors(len(path), "autumn"), s=30)
    ax.scatter(*path[0], z_path[0], c="red", s=100, label="Start GD")
    ax.scatter(*path[-1], z_path[-1], c="yellow", edgecolors="k", s=100, label="End GD")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("z")
    ax.view_init(elev, azim)
    ax.legend(fontsize="small")
    ax.set_title(f"Gradient descent, {result.nit} updates")
    return ax


def _surface(fun, path, points: int = 120):
    """A grid around the path (at least [-2, 2]^2, the article's window) and f on it."""
    xlim = _limits(np.concatenate([path[:, 0], [-2.0, 2.0]]), 0.05)
    ylim = _limits(np.concatenate([path[:, 1], [-2.0, 2.0]]), 0.05)
    X, Y = np.meshgrid(np.linspace(*xlim, points), np.linspace(*ylim, points))
    return X, Y, _grid_function(fun)(X, Y)


def plot_descent(result, fun=None, ax=None, **kwargs):
    """The natural plot for the problem's dimension: f and f' in 1-D, contours in 2-D."""
    if fun is None:
        raise ValueError("plot_descent needs the objective: result.plot(fun)")
    dims = _path(result).shape[1]
    if dims == 1:
        return plot_descent_1d(result, fun, ax=ax, **kwargs)
    if dims == 2:
        return plot_descent_2d(result, fun, ax=ax, **kwargs)
    raise ValueError(f"can plot 1-D and 2-D descents, got {dims}-D")


def animate_descent(result, fun, path_out, fps: int = 10, max_frames: int = 80):
    """Write a GIF of the descent appearing step by step (matplotlib's PillowWriter)."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    plt = _pyplot()
    path = _path(result)
    fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    plot_descent(result, fun, ax=ax)
    for artist in list(ax.collections[-3:]) + list(ax.lines[-1:] if path.shape[1] == 2 else []):
        artist.set_visible(False)
    frames = np.unique(np.linspace(1, len(path), min(max_frames, len(path))).astype(int))
    f = _grid_function(fun)
    (trail,) = ax.plot([], [], "o-", color="crimson", ms=4, lw=1)

    def draw(count):
        shown = path[:count]
        if path.shape[1] == 1:
            trail.set_data(shown[:, 0], f(shown[:, 0]))
        else:
            trail.set_data(shown[:, 0], shown[:, 1])
        ax.set_title(f"update {count - 1} of {result.nit}")
        return (trail,)

    animation = FuncAnimation(fig, draw, frames=frames, blit=False)
    animation.save(path_out, writer=PillowWriter(fps=fps))
    plt.close(fig)
    return path_out
