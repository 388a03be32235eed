"""Plots of fastgd results (matplotlib; imported lazily so the math never needs a display)."""
