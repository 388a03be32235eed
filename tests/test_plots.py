"""Plots draw what they say they draw."""

import numpy as np

import fastgd
from fastgd.plot import plot_error_curves, plot_final_error, plot_sweep


def _curves(ax):
    """The labelled lines: one per learning rate (the checkpoint markers have no label)."""
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def test_sweep_plot_has_a_curve_per_alpha_and_writes_png(tmp_path):
    res = fastgd.sweep_xor([0.1, 1.0, 10.0], steps=300, log_every=100)
    fig = plot_sweep(res, tmp_path / "sweep.png")
    left, right = fig.axes[:2]
    assert len(_curves(left)) == 3 and left.get_yscale() == "log"
    assert right.get_xscale() == "log"
    assert (tmp_path / "sweep.png").stat().st_size > 10_000


def test_seed_sweep_plots_shade_the_spread():
    res = fastgd.sweep_xor([0.1, 1.0], steps=300, log_every=100, seeds=[1, 2, 3])
    ax = plot_final_error(res)
    assert len(ax.collections) == 1  # the min-max band
    ax = plot_error_curves(res)
    assert len(ax.collections) == 2


def test_single_run_result_plots_itself():
    ax = fastgd.train_xor(1.0, steps=300, log_every=100).plot()
    assert len(_curves(ax)) == 1


def test_descent_plots_write_images_and_a_gif(tmp_path):
    import numpy as np

    from fastgd.plot import animate_descent, plot_descent, plot_descent_3d

    def bowl(p):
        return float(p[0] ** 2 + 2 * p[1] ** 2)

    res = fastgd.minimize(bowl, [1.5, -1.0], lr=0.1, max_iter=50)
    ax = plot_descent(res, bowl)
    assert len(ax.collections) >= 3  # contours + path + start/end markers
    plot_descent_3d(res, bowl).figure.savefig(tmp_path / "d3.png")
    animate_descent(res, bowl, tmp_path / "d.gif", max_frames=5)
    assert (tmp_path / "d.gif").stat().st_size > 1000
    one_d = fastgd.minimize(lambda x: (x[0] - 1.0) ** 2, 3.0, lr=0.2)
    ax = one_d.plot(lambda x: (x[0] - 1.0) ** 2)
    assert ax.get_lines()[0].get_label() == "f(x)"
    assert np.isfinite(one_d.fun)


def test_error_curves_are_drawn_from_the_fine_record():
    res = fastgd.train_xor(10.0, steps=3000, log_every=500)
    (curve,) = _curves(res.plot())
    np.testing.assert_array_equal(curve.get_xdata(), res.curve_steps)
    assert res.curve_steps.size > 100 > res.checkpoints.size
    # every checkpoint is a point of the fine record, with the same value
    on_curve = np.searchsorted(res.curve_steps, res.checkpoints)
    np.testing.assert_array_equal(res.curve_steps[on_curve], res.checkpoints)
    np.testing.assert_array_equal(res.curve_errors[on_curve], res.errors)
