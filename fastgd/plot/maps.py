"""Pictures of trainability maps: one map, and a zoom sequence as a GIF."""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _edges(centers: np.ndarray) -> np.ndarray:
    """Cell edges (geometric midpoints) around log-spaced cell centres."""
    centers = np.asarray(centers, dtype=np.float64)
    if centers.size == 1:
        return np.array([centers[0] / 1.1, centers[0] * 1.1])
    logs = np.log(centers)
    middle = (logs[1:] + logs[:-1]) / 2
    return np.exp(np.concatenate([[2 * logs[0] - middle[0]], middle, [2 * logs[-1] - middle[-1]]]))


def signed_rank(measure: np.ndarray) -> np.ndarray:
    """Each side of the boundary stretched to the full colour range, keeping the sign.

    Converged cells (negative measure) map to [-1, 0) by their rank among converged cells,
    the others to (0, 1] by theirs (the paper stretches its images the same way): the
    measure's range spans many decades, and the boundary is what the picture is about.
    """
    measure = np.asarray(measure, dtype=np.float64)
    out = np.zeros_like(measure)
    for side, sign in ((measure < 0, -1.0), (measure > 0, 1.0)):
        values = np.abs(measure[side])
        if values.size:
            ranks = np.argsort(np.argsort(values))
            # -1 for the slowest converged / 1 for the slowest diverged; never 0 on either side
            out[side] = sign * (ranks + 1) / values.size
    return out


def _network_name(network: dict | None) -> str:
    """A short name for a map's network options."""
    from fastgd.network import NOTEBOOK, PAPER

    if not network or network == NOTEBOOK._asdict():
        return "notebook's network"
    if network == PAPER._asdict():
        return "paper's network"
    return "{hidden_activation}/{output_activation} network, {loss}, {parameterization}".format(
        **network
    )


def plot_map(
    result, ax=None, cmap: str = "RdBu_r", colorbar: bool = True, title: str | None = None
):
    """Draw a trainability map: log axes, converged cells blue, the others red.

    Parameters
    ----------
    result : MapResult
    ax : matplotlib Axes, optional
    cmap : str
        A diverging colour map; its low end colours converged cells, its high end diverged.
    colorbar : bool
    title : str, optional
        Default: the network and the steps.

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 5.4), layout="constrained")
    image = ax.pcolormesh(
        _edges(result.alpha_output),
        _edges(result.alpha_hidden),
        signed_rank(result.measure),
        cmap=cmap,
        vmin=-1.0,
        vmax=1.0,
        shading="flat",
        rasterized=True,
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("output-layer learning rate")
    ax.set_ylabel("hidden-layer learning rate")
    if title is None:
        title = f"Trainability, {_network_name(result.get('network'))}, {result.steps} steps"
    ax.set_title(title)
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, ticks=[-1, -0.5, 0, 0.5, 1], shrink=0.85)
        bar.ax.set_yticklabels(["slowly", "converged", "fast", "not converged", "slowly"])
    return ax


def animate_maps(maps, path, fps: int = 4, cmap: str = "RdBu_r"):
    """Write a GIF of ``maps`` (e.g. :func:`fastgd.zoom_sequence`), one frame each."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 4.8), layout="constrained")

    def draw(index):
        ax.clear()
        result = maps[index]
        plot_map(result, ax=ax, cmap=cmap, colorbar=False, title=f"zoom {index + 1}/{len(maps)}")
        return ax.collections

    animation = FuncAnimation(fig, draw, frames=len(maps), blit=False)
    animation.save(path, writer=PillowWriter(fps=fps))
    plt.close(fig)
    return path
