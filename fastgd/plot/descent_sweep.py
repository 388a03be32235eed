"""Pictures of descent sweeps: basins of attraction, and outcomes over rates x momenta."""

from __future__ import annotations

import numpy as np

from fastgd import status as st
from fastgd.plot.descent import _grid_function, _pyplot

#: Colours of runs that did not reach a minimum, by status.
_NOT_CONVERGED = {st.MAX_ITER: "0.75", st.DIVERGED: "black", st.STEP_LOST: "0.45"}


def lattice_shape(starts: np.ndarray) -> tuple[int, int] | None:
    """(ny, nx) if ``starts`` is a lattice as :func:`fastgd.grid` makes it, else None."""
    if starts.ndim != 2 or starts.shape[1] != 2:
        return None
    xs, ys = np.unique(starts[:, 0]), np.unique(starts[:, 1])
    if xs.size * ys.size != starts.shape[0]:
        return None
    X, Y = np.meshgrid(xs, ys)
    if not np.array_equal(np.column_stack([X.ravel(), Y.ravel()]), starts):
        return None
    return ys.size, xs.size


def cluster_minima(points: np.ndarray, values: np.ndarray, ok: np.ndarray, tol: float):
    """Label converged ``points`` by the minimum they reached: within ``tol`` is the same one.

    Greedy from the lowest f: the lowest unlabelled point founds a minimum and takes every
    unlabelled point within ``tol`` of it. Returns (labels, centres, values), label -1 for
    runs that did not converge; minima are numbered from the lowest f.
    """
    labels = np.full(points.shape[0], -1)
    order = np.argsort(np.where(ok, values, np.inf), kind="stable")
    centres, minima = [], []
    for index in order:
        if not ok[index] or labels[index] >= 0:
            continue
        near = ok & (labels < 0) & (np.linalg.norm(points - points[index], axis=1) <= tol)
        labels[near] = len(centres)
        centres.append(points[index])
        minima.append(values[index])
    return labels, np.array(centres).reshape(-1, points.shape[1]), np.array(minima)


def plot_basins(
    result,
    fun=None,
    ax=None,
    *,
    rate: int = 0,
    momentum: int = 0,
    by: str = "auto",
    tol: float = 1e-2,
    max_minima: int = 12,
    levels: int = 20,
):
    """Each start of a 2-D sweep coloured by where its descent ended.

    Parameters
    ----------
    result : DescentSweepResult
        Of a 2-D problem; starts on a lattice (:func:`fastgd.grid`) draw as an image,
        others as points.
    fun : callable, str or sympy expression, optional
        The objective, drawn as contour lines under the picture.
    rate, momentum : int
        Which learning rate and momentum of the sweep to draw (indices).
    by : {"auto", "minimum", "fun"}
        "minimum": one colour per minimum reached (final points within ``tol`` are the
        same minimum; the ``max_minima`` lowest get their own colour, the rest share one);
        "fun": the final value of f; "auto": "minimum" when the runs found at most
        ``max_minima`` minima, else "fun" (a ring or valley of minima, as ``sin(x**2 +
        y**2)`` has, is a continuum, not a few points). Runs that did not converge are grey
        (max_iter), dark grey (step lost) or black (diverged).
    """
    plt = _pyplot()
    if result.x0.shape[1] != 2:
        raise ValueError(f"plot_basins draws 2-D problems, got {result.x0.shape[1]}-D")
    if by not in ("auto", "minimum", "fun"):
        raise ValueError(f"by must be 'auto', 'minimum' or 'fun', got {by!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5.8), layout="constrained")
    starts = result.x0
    points = result.x[:, rate, momentum]
    values = result.fun[:, rate, momentum]
    status = result.status[:, rate, momentum]
    ok = status == st.CONVERGED
    colors = np.zeros((starts.shape[0], 4))
    for code, color in _NOT_CONVERGED.items():
        colors[status == code] = plt.matplotlib.colors.to_rgba(color)
    legend = []
    labels, centres, minima = cluster_minima(points, values, ok, tol)
    if by == "auto":
        by = "minimum" if len(centres) <= max_minima else "fun"
    if by == "minimum":
        palette = plt.get_cmap("tab20" if len(centres) > 10 else "tab10")
        for label in range(len(centres)):
            color = palette(label % palette.N) if label < max_minima else (0.6, 0.4, 0.8, 1.0)
            colors[labels == label] = color
            if label < max_minima:
                legend.append((color, centres[label], minima[label]))
        if len(centres) > max_minima:
            ax.scatter(
                [],
                [],
                color=(0.6, 0.4, 0.8),
                marker="s",
                label=f"{len(centres) - max_minima} other minima",
            )
    else:
        finite = ok & np.isfinite(values)
        if finite.any():
            norm = plt.Normalize(values[finite].min(), values[finite].max())
            colors[finite] = plt.get_cmap("viridis")(norm(values[finite]))
            mappable = plt.cm.ScalarMappable(norm=norm, cmap="viridis")
            ax.figure.colorbar(mappable, ax=ax, label="final f")
    shape = lattice_shape(starts)
    if shape is not None:
        extent = (starts[:, 0].min(), starts[:, 0].max(), starts[:, 1].min(), starts[:, 1].max())
        spans = extent[1] - extent[0], extent[3] - extent[2]
        square = max(spans) < 3 * min(spans)  # keep circles round unless that makes a sliver
        ax.imshow(
            colors.reshape(shape + (4,)),
            origin="lower",
            extent=extent,
            aspect="equal" if square else "auto",
            interpolation="nearest",
        )
    else:
        ax.scatter(starts[:, 0], starts[:, 1], c=colors, s=12)
    if fun is not None:
        xlim, ylim = ax.get_xlim(), ax.get_ylim()
        X, Y = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
        ax.contour(
            X,
            Y,
            _grid_function(fun)(X, Y),
            levels=levels,
            colors="white",
            alpha=0.6,
            linewidths=0.6,
        )
    for color, centre, value in legend:
        ax.scatter(
            *centre,
            color=color,
            edgecolors="k",
            s=70,
            zorder=3,
            label=f"min ({centre[0]:.3g}, {centre[1]:.3g}), f = {value:.4g}",
        )
    for code, name in (
        (st.MAX_ITER, "max_iter"),
        (st.STEP_LOST, "step lost"),
        (st.DIVERGED, "diverged"),
    ):
        if np.any(status == code):
            ax.scatter([], [], color=_NOT_CONVERGED[code], marker="s", label=name)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    lr, beta = result.lr[rate], result.momentum[momentum]
    ax.set_title(f"Basins of attraction: lr = {lr:g}, momentum = {beta:g}")
    ax.set_xlabel("x0")
    ax.set_ylabel("y0")
    return ax


def plot_sweep_heatmap(result, value: str = "fun", ax=None, *, start: int = 0, cmap=None):
    """``value`` ("fun" or "nit") of one start's runs over learning rate x momentum.

    Diverged runs are marked with a cross, runs that reached max_iter with a dot.
    """
    plt = _pyplot()
    if value not in ("fun", "nit"):
        raise ValueError(f"value must be 'fun' or 'nit', got {value!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.8), layout="constrained")
    data = np.asarray(result[value][start], dtype=float).T  # rows: momenta, columns: rates
    status = result.status[start].T
    shown = np.ma.masked_where((status == st.DIVERGED) | ~np.isfinite(data), data)
    image = ax.imshow(shown, origin="lower", aspect="auto", cmap=cmap or "viridis_r")
    ax.figure.colorbar(image, ax=ax, label="final f" if value == "fun" else "updates (nit)")
    for code, marker, color, name in (
        (st.DIVERGED, "x", "crimson", "diverged"),
        (st.MAX_ITER, "o", "white", "max_iter reached"),
        (st.STEP_LOST, "s", "0.45", "step lost"),
    ):
        rows, cols = np.nonzero(status == code)
        if rows.size:
            ax.scatter(
                cols,
                rows,
                marker=marker,
                color=color,
                edgecolors="k",
                linewidths=0.5,
                s=40,
                label=name,
                zorder=3,
            )
    if data.size <= 150:  # small grids: the numbers themselves
        for (row, col), number in np.ndenumerate(data):
            if np.isfinite(number) and status[row, col] != st.DIVERGED:
                text = f"{number:.3g}" if value == "fun" else f"{int(number)}"
                ax.text(
                    col,
                    row,
                    text,
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="0.15",
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.6),
                )
    _ticks(ax.set_xticks, ax.set_xticklabels, result.lr)
    _ticks(ax.set_yticks, ax.set_yticklabels, result.momentum)
    ax.set_xlabel("learning rate")
    ax.set_ylabel("momentum")
    x0 = ", ".join(f"{v:.3g}" for v in result.x0[start])
    ax.set_title(f"{'Final f' if value == 'fun' else 'Updates'} from x0 = ({x0})")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    return ax


def _ticks(set_ticks, set_labels, values, most: int = 8) -> None:
    step = max(1, len(values) // most)
    positions = np.arange(0, len(values), step)
    set_ticks(positions)
    set_labels([f"{values[i]:.3g}" for i in positions])
