"""Trainability maps: cells equal single runs bit for bit, any threads, Dask; reference; errors."""

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference
from fastgd.problems import map_network

# 6 x 6 cells (one 32-lane block and a 4-lane one on one thread), 300 steps: small and quick.
AXES = ((0.05, 200.0, 6), (0.05, 200.0, 6))
STEPS = 300


@pytest.fixture(scope="module")
def notebook_map():
    return fastgd.trainability_map(*AXES, steps=STEPS)


def test_map_fields_and_shapes(notebook_map):
    m = notebook_map
    fields = {"alpha_hidden", "alpha_output", "final_error", "status", "diverged_at", "measure"}
    assert fields <= set(m)
    np.testing.assert_allclose(m.alpha_hidden, np.geomspace(0.05, 200.0, 6), rtol=1e-15)
    for field in ("final_error", "status", "diverged_at", "measure"):
        assert m[field].shape == (6, 6)
    assert m.steps == STEPS and m.network["hidden_activation"] == "sigmoid"


def test_each_cell_is_the_single_run_bit_for_bit(notebook_map):
    m = notebook_map
    for h, o in [(0, 0), (2, 5), (5, 1), (4, 4)]:
        single = fastgd.train_xor(
            m.alpha_hidden[h], alpha_output=m.alpha_output[o], steps=STEPS + 1, log_every=STEPS
        )
        assert m.final_error[h, o] == single.errors[1]
        assert m.diverged_at[h, o] == single.diverged_at


@pytest.mark.parametrize("workers", [1, 3])
def test_map_is_identical_for_any_thread_count(notebook_map, workers):
    other = fastgd.trainability_map(*AXES, steps=STEPS, workers=workers)
    for field in ("final_error", "status", "diverged_at", "measure"):
        np.testing.assert_array_equal(other[field], notebook_map[field])


def test_map_on_dask_is_identical(notebook_map, dask_client):
    on_dask = fastgd.trainability_map(*AXES, steps=STEPS, client=dask_client)
    for field in ("final_error", "status", "diverged_at", "measure"):
        np.testing.assert_array_equal(on_dask[field], notebook_map[field])


def test_map_matches_the_reference_on_stable_cells():
    axes = ((0.1, 3.0, 3), (0.1, 3.0, 3))
    compiled = fastgd.trainability_map(*axes, steps=120)
    ref = reference.trainability_map(*axes, steps=120)
    np.testing.assert_allclose(compiled.final_error, ref.final_error, rtol=0, atol=1e-10)
    np.testing.assert_allclose(compiled.measure, ref.measure, rtol=1e-10)
    np.testing.assert_array_equal(compiled.status, ref.status)


@pytest.fixture(scope="module")
def paper_map():
    # The paper's network: 2 x 3 cells, two of them far past its divergence boundary.
    return fastgd.trainability_map([0.1, 1e4], [0.5, 3.0, 3e3], steps=60, **map_network("paper"))


def test_diverged_cells_are_reported_as_diverged_never_as_small_errors(paper_map):
    m = paper_map
    diverged = m.status == 2
    assert diverged[:, 2].all() and not diverged[0, 0]
    assert np.all(np.isnan(m.final_error[diverged]))
    assert np.all(m.diverged_at[diverged] >= 0) and np.all(m.diverged_at[~diverged] == -1)
    assert np.all(m.measure[diverged] > 0)
    assert m.measure[0, 0] < 0  # small rates: the loss went down, converged side


def test_paper_map_matches_the_reference(paper_map):
    ref = reference.trainability_map([0.1, 1e4], [0.5, 3.0, 3e3], steps=60, **map_network("paper"))
    np.testing.assert_array_equal(ref.status, paper_map.status)
    np.testing.assert_array_equal(ref.diverged_at, paper_map.diverged_at)
    # Row 0 (hidden rate 0.1) is stable; at 1e4 the run is chaotic: round-off grows to 1e-2.
    np.testing.assert_allclose(ref.final_error[0], paper_map.final_error[0], rtol=1e-10, atol=0)
    np.testing.assert_allclose(ref.measure[0], paper_map.measure[0], rtol=1e-9)


def test_measure_is_the_papers_convergence_measure():
    # One converging cell by hand: minus the sum of the per-step loss ratios to step 0.
    from fastgd.reference.network import train

    m = fastgd.trainability_map([1.0], [2.0], steps=50)
    ref = train(
        fastgd.problems.XOR_X, fastgd.problems.XOR_Y, 1.0, 2.0,
        *fastgd._training_setup.seeded_weights(1, 3, 4, 1), 51, 51, measure_steps=50,
    )  # fmt: skip
    ratios = ref.losses / ref.losses[0]
    assert ratios[-20:].mean() < 1
    assert m.measure[0, 0] == pytest.approx(-ratios.sum(), rel=1e-12)


@pytest.mark.parametrize("gd", [fastgd, reference], ids=["compiled", "reference"])
@pytest.mark.parametrize(
    "axes, error, match",
    [
        (((1.0, 0.1, 4), (0.1, 1.0, 4)), ValueError, "alpha_hidden must have low < high"),
        (((0.0, 1.0, 4), (0.1, 1.0, 4)), ValueError, "alpha_hidden low must be finite and > 0"),
        (((0.1, 1.0, 0), (0.1, 1.0, 4)), ValueError, "alpha_hidden resolution must be >= 1"),
        (((0.1, 1.0, 4), []), ValueError, "alpha_output must not be empty"),
        (((0.1, 1.0, 4), [1.0, -2.0]), ValueError, "alpha_output must be > 0"),
        (((0.1, 1.0, 4), "fast"), TypeError, "alpha_output"),
        (((0.1, 1.0, 10**6), (0.1, 1.0, 10**6)), ValueError, "needs .* more than"),
    ],
)
def test_bad_axes_are_rejected_before_any_work(gd, axes, error, match):
    with pytest.raises(error, match=match):
        gd.trainability_map(*axes, steps=10)


def test_other_bad_map_arguments():
    with pytest.raises(ValueError, match="steps must be >= 1"):
        fastgd.trainability_map((0.1, 1.0, 2), (0.1, 1.0, 2), steps=0)
    with pytest.raises(ValueError, match="loss must be one of"):
        fastgd.trainability_map((0.1, 1.0, 2), (0.1, 1.0, 2), steps=5, loss="hinge")
    with pytest.raises(ValueError, match="device must be one of"):
        fastgd.trainability_map((0.1, 1.0, 2), (0.1, 1.0, 2), steps=5, device="tpu")
    with pytest.raises(ValueError, match=r"w0\) must have shape \(3, 4\)"):
        fastgd.trainability_map(
            (0.1, 1.0, 2), (0.1, 1.0, 2), steps=5, initial_weights=(np.zeros((3, 3, 4)), 0)
        )


def test_an_explicit_axis_is_taken_as_given():
    m = fastgd.trainability_map(np.array([0.5, 1.0, 4.0]), [2.0], steps=20)
    np.testing.assert_array_equal(m.alpha_hidden, [0.5, 1.0, 4.0])
    assert m.final_error.shape == (3, 1)


def test_zoom_narrows_the_window_around_the_center():
    axes = fastgd.zoom((1.0, 10.0), 4, ((1e-2, 1e2), (1e-1, 1e3)), resolution=8)
    (lo_h, hi_h, n_h), (lo_o, hi_o, n_o) = axes
    assert (n_h, n_o) == (8, 8)
    assert np.log10(hi_h / lo_h) == pytest.approx(1.0) and np.sqrt(lo_h * hi_h) == pytest.approx(1)
    assert np.log10(hi_o / lo_o) == pytest.approx(1.0) and np.sqrt(lo_o * hi_o) == pytest.approx(10)
    like = fastgd.trainability_map(*axes, steps=5)
    again = fastgd.zoom((1.0, 10.0), 1, like)
    np.testing.assert_allclose(again[0][:2], axes[0][:2], rtol=1e-12)
    with pytest.raises(ValueError, match="factor must be finite and > 0"):
        fastgd.zoom((1.0, 1.0), 0, like)
    with pytest.raises(TypeError, match="center must be a pair"):
        fastgd.zoom(1.0, 2, like)
    with pytest.raises(TypeError, match="window must be a MapResult"):
        fastgd.zoom((1.0, 1.0), 2, "here")


def test_zoom_sequence_and_pictures(tmp_path):
    from fastgd.plot import animate_maps, plot_map

    frames = fastgd.zoom_sequence((1.0, 1.0), 100, ((1e-2, 1e2), (1e-2, 1e2)), 3, 8, steps=20)
    widths = [np.log10(f.alpha_hidden[-1] / f.alpha_hidden[0]) for f in frames]
    np.testing.assert_allclose(widths, [4.0, 0.4, 0.04], rtol=1e-12)
    ax = plot_map(frames[0])
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    ax.figure.savefig(tmp_path / "map.png")
    assert (tmp_path / "map.png").stat().st_size > 5_000
    animate_maps(frames, tmp_path / "zoom.gif")
    assert (tmp_path / "zoom.gif").stat().st_size > 1_000
    assert frames[1].plot().get_title().startswith("Trainability")


def test_signed_rank_keeps_the_side_of_the_boundary():
    from fastgd.plot.maps import signed_rank

    ranked = signed_rank(np.array([[-5.0, -1.0, 3.0], [0.5, -2.0, 7.0]]))
    assert np.all((ranked < 0) == (np.array([[-5.0, -1.0, 3.0], [0.5, -2.0, 7.0]]) < 0))
    assert ranked.min() == -1.0 and ranked.max() == 1.0


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_stops_a_long_map_promptly(workers):
    import os
    import signal
    import threading

    fastgd.trainability_map(*AXES, steps=2, workers=workers)  # compiled before Ctrl-C
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))  # "press Ctrl-C"
    timer.start()
    # About a minute of work: an interrupt that is not honoured fails the test (no
    # KeyboardInterrupt) rather than hanging it.
    with pytest.raises(KeyboardInterrupt):
        fastgd.trainability_map(*AXES, steps=3 * 10**7, workers=workers)
    timer.join()
