"""Plots of fastgd results (matplotlib, imported only when a plot is drawn)."""

from fastgd.plot.descent import (
    animate_descent,
    plot_descent,
    plot_descent_1d,
    plot_descent_2d,
    plot_descent_3d,
)
from fastgd.plot.descent_sweep import plot_basins, plot_sweep_heatmap
from fastgd.plot.maps import animate_maps, plot_map
from fastgd.plot.sweep import plot_error_curves, plot_final_error, plot_sweep

__all__ = [
    "animate_descent",
    "animate_maps",
    "plot_descent",
    "plot_descent_1d",
    "plot_descent_2d",
    "plot_descent_3d",
    "plot_basins",
    "plot_sweep_heatmap",
    "plot_error_curves",
    "plot_final_error",
    "plot_map",
    "plot_sweep",
]
