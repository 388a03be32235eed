"""Plots of fastgd results (matplotlib, imported only when a plot is drawn)."""

from fastgd.plot.sweep import plot_error_curves, plot_final_error, plot_sweep

__all__ = ["plot_error_curves", "plot_final_error", "plot_sweep"]
