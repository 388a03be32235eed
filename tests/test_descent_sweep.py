"""minimize_many: every run equals the single minimize call, bit for bit, however it is run."""

import _thread
import threading

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference
from fastgd import StepDecay
from fastgd.problems import rosen_gradient, rosen_numpy, sin_r2

STARTS = fastgd.grid(-1.5, 1.5, -1.5, 1.5, 4)
DECAY = StepDecay([0.05, 0.1, 0.3], 0.7, 20)
MOMENTA = [0.0, 0.5, 0.9]


def _assert_run_equals_minimize(res, a, b, c, **kwargs):
    one = fastgd.minimize(
        kwargs.pop("fun", sin_r2),
        res.x0[a],
        lr=DECAY.with_rate(float(res.lr[b])),
        momentum=float(res.momentum[c]),
        record_path="path" in res,
        **kwargs,
    )
    np.testing.assert_array_equal(res.x[a, b, c], one.x)
    np.testing.assert_array_equal(res.jac[a, b, c], one.jac)
    assert res.fun[a, b, c] == one.fun or (np.isnan(res.fun[a, b, c]) and np.isnan(one.fun))
    assert (res.nit[a, b, c], res.nfev[a, b, c], res.njev[a, b, c]) == (
        one.nit,
        one.nfev,
        one.njev,
    )
    assert res.status[a, b, c] == one.status and res.success[a, b, c] == one.success
    if "path" in res:
        np.testing.assert_array_equal(res.path[a, b, c, : one.nit + 1], one.path)
        assert np.isnan(res.path[a, b, c, one.nit + 1 :]).all()


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(jac="forward"),
        dict(jac="central"),
        dict(jac="forward", nesterov=True),
        dict(jac="forward", window=5),
        dict(jac="central", nesterov=True, window=3),
        dict(fun="sin(x**2 + y**2)"),  # the sympy gradient
    ],
    ids=["forward", "central", "nesterov", "window", "central-nesterov-window", "sympy"],
)
def test_every_run_equals_minimize_bit_for_bit(kwargs):
    res = fastgd.minimize_many(
        kwargs.get("fun", sin_r2),
        STARTS,
        lr=DECAY,
        momentum=MOMENTA,
        max_iter=150,
        **{k: v for k, v in kwargs.items() if k != "fun"},
    )
    assert res.x.shape == (16, 3, 3, 2) and res.status.shape == (16, 3, 3)
    for a in (0, 5, 15):
        for b in range(3):
            for c in range(3):
                _assert_run_equals_minimize(res, a, b, c, max_iter=150, **kwargs)


def test_analytic_gradient_and_paths_equal_minimize():
    starts = np.array([[-1.0, 1.5, 0.5], [0.0, 0.0, 0.0]])
    res = fastgd.minimize_many(
        rosen_numpy,
        starts,
        jac=rosen_gradient,
        lr=StepDecay([1e-4, 1e-3], 0.9, 50),
        momentum=[0.0, 0.8],
        max_iter=300,
        record_path=True,
    )
    assert res.path.shape == (2, 2, 2, 301, 3)
    for a in range(2):
        for b in range(2):
            for c in range(2):
                one = fastgd.minimize(
                    rosen_numpy,
                    starts[a],
                    jac=rosen_gradient,
                    lr=StepDecay(float(res.lr[b]), 0.9, 50),
                    momentum=float(res.momentum[c]),
                    max_iter=300,
                )
                np.testing.assert_array_equal(res.path[a, b, c, : one.nit + 1], one.path)
                assert res.njev[a, b, c] == one.njev


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_do_not_depend_on_the_thread_count(workers):
    kwargs = dict(lr=DECAY, momentum=MOMENTA, window=4, max_iter=200)
    one = fastgd.minimize_many(sin_r2, STARTS, workers=1, **kwargs)
    many = fastgd.minimize_many(sin_r2, STARTS, workers=workers, **kwargs)
    for name in ("x", "fun", "nit", "nfev", "status"):
        np.testing.assert_array_equal(one[name], many[name])


def test_compiled_matches_the_reference():
    # Settings whose runs settle: with momentum 0.9 some runs wander over the rapidly
    # oscillating part of sin(r^2), where a 1-ulp difference between numpy's and libm's sin
    # grows without bound (chaos, not an error).
    kwargs = dict(lr=StepDecay([0.05, 0.1], 0.7, 20), momentum=[0.0, 0.5], window=10, max_iter=80)
    compiled = fastgd.minimize_many(sin_r2, STARTS[:6], **kwargs)
    ref = reference.minimize_many(sin_r2, STARTS[:6], **kwargs)
    np.testing.assert_array_equal(compiled.status, ref.status)
    np.testing.assert_array_equal(compiled.nit, ref.nit)
    np.testing.assert_allclose(compiled.x, ref.x, rtol=1e-12, atol=1e-12)


def test_diverged_runs_are_reported_and_do_not_stop_the_others():
    def bowl(p):
        return p[0] ** 2 + p[1] ** 2

    res = fastgd.minimize_many(bowl, STARTS, lr=[0.1, 1.5], max_iter=1000)
    assert np.all(res.status[:, 0, 0] == 0)  # lr 0.1 converges everywhere
    assert np.all(res.status[1:, 1, 0] == 2)  # lr 1.5 doubles |x| each update: diverges
    assert np.all(np.isfinite(res.x[:, 1, 0]))
    assert "diverged" in res.message


def test_a_single_start_and_scalars_make_a_1x1x1_grid():
    res = fastgd.minimize_many(sin_r2, [0.0, -1.0], lr=StepDecay(0.1, 0.7, 20), max_iter=302)
    one = fastgd.minimize(sin_r2, [0.0, -1.0], lr=StepDecay(0.1, 0.7, 20), max_iter=302)
    assert res.x.shape == (1, 1, 1, 2) and res.nit[0, 0, 0] == one.nit == 101
    np.testing.assert_array_equal(res.x[0, 0, 0], one.x)


def test_progress_counts_every_run():
    counted = []
    fastgd.minimize_many(sin_r2, STARTS, lr=[0.1, 0.2], max_iter=50, progress=counted.append)
    assert sum(counted) == 32


def test_an_objective_numba_cannot_compile_runs_in_python_with_a_warning():
    class Scale:
        value = 2.0

    def awkward(p):
        return Scale.value * (p[0] ** 2 + p[1] ** 2)

    with pytest.warns(fastgd.ObjectiveCompileWarning):
        res = fastgd.minimize_many(awkward, STARTS[:3], lr=[0.1, 0.2], max_iter=50)
    ref = reference.minimize_many(awkward, STARTS[:3], lr=[0.1, 0.2], max_iter=50)
    np.testing.assert_array_equal(res.x, ref.x)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(x0=np.zeros((2, 2, 2))), ValueError, "x0 must be"),
        (dict(x0=np.zeros((0, 2))), ValueError, "x0 must not be empty"),
        (dict(x0=[[0.0, np.nan]]), ValueError, "x0 must be finite"),
        (dict(lr=[]), ValueError, "lr must not be empty"),
        (dict(lr=[0.1, -0.1]), ValueError, "lr must be > 0"),
        (dict(lr=[0.1, np.inf]), ValueError, "lr must be finite"),
        (dict(momentum=[0.5, 1.0]), ValueError, r"momentum must be in \[0, 1\)"),
        (dict(momentum=[np.nan]), ValueError, "momentum"),
        (dict(momentum=[]), ValueError, "momentum"),
        (dict(momentum="0.5"), TypeError, "momentum"),
        (dict(workers=0), ValueError, "workers"),
        (dict(nesterov="yes"), TypeError, "nesterov"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(kwargs, error, match):
    arguments = {"x0": STARTS, "lr": 0.1, "max_iter": 10, **kwargs}
    with pytest.raises(error, match=match):
        fastgd.minimize_many(sin_r2, **arguments)


def test_a_grid_too_large_for_memory_is_refused_before_allocating():
    with pytest.raises(ValueError, match="GiB.*record_path=False"):
        fastgd.minimize_many(
            sin_r2, fastgd.grid(-1, 1, -1, 1, 1000), lr=0.1, max_iter=10**6, record_path=True
        )


def test_grid_is_x_fastest_and_checks_its_arguments():
    points = fastgd.grid(0, 1, 10, 12, (2, 3))
    assert points.tolist() == [[0, 10], [1, 10], [0, 11], [1, 11], [0, 12], [1, 12]]
    with pytest.raises(ValueError, match="n must be >= 1"):
        fastgd.grid(0, 1, 0, 1, 0)
    with pytest.raises(ValueError, match="xmax must be finite"):
        fastgd.grid(0, np.inf, 0, 1, 3)


def test_ctrl_c_stops_a_long_sweep_promptly():
    def slow(p):
        return 1e-12 * (p[0] ** 2 + p[1] ** 2)

    fastgd.minimize_many(slow, STARTS[:2], max_iter=3)  # compile first
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    # 16 runs of 3 * 10**8 updates, about a minute of work: a broken interrupt makes the
    # call return instead of raising (the test fails rather than hangs).
    with pytest.raises(KeyboardInterrupt):
        fastgd.minimize_many(slow, STARTS, lr=1e-3, tol=1e-300, max_iter=3 * 10**8)
    timer.join()


def test_dask_runs_equal_local_runs(dask_client):
    kwargs = dict(lr=DECAY, momentum=MOMENTA, window=4, max_iter=120)
    local = fastgd.minimize_many(sin_r2, STARTS, **kwargs)
    on_dask = fastgd.minimize_many(sin_r2, STARTS, client=dask_client, **kwargs)
    for name in ("x", "jac", "fun", "nit", "nfev", "status"):
        np.testing.assert_array_equal(on_dask[name], local[name])
    # The same objective again, other starts and settings: the workers' plans are not reused.
    other = dict(lr=0.05, momentum=[0.3], max_iter=60)
    np.testing.assert_array_equal(
        fastgd.minimize_many(sin_r2, STARTS[3:9], client=dask_client, **other).x,
        fastgd.minimize_many(sin_r2, STARTS[3:9], **other).x,
    )
    text = fastgd.minimize_many("sin(x**2 + y**2)", STARTS[:4], client=dask_client, max_iter=50)
    np.testing.assert_array_equal(
        text.x, fastgd.minimize_many("sin(x**2 + y**2)", STARTS[:4], max_iter=50).x
    )


def test_plots_of_a_sweep(tmp_path):
    res = fastgd.minimize_many(
        "(x**2 + y - 11)**2 + (x + y**2 - 7)**2", fastgd.grid(-5, 5, -5, 5, 12), lr=0.01
    )
    ax = res.plot_basins("(x**2 + y - 11)**2 + (x + y**2 - 7)**2")
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert sum(label.startswith("min (") for label in labels) == 4  # Himmelblau's four minima
    ax.figure.savefig(tmp_path / "basins.png")
    heat = fastgd.minimize_many(sin_r2, [0.0, -1.0], lr=[0.01, 0.1, 1.0], momentum=[0, 0.9])
    ax = heat.plot_heatmap("nit")
    assert ax.images[0].get_array().shape == (2, 3)
    ax = fastgd.plot.plot_basins(
        fastgd.minimize_many(sin_r2, fastgd.grid(-2, 2, -2, 2, 15), lr=0.1), by="fun"
    )
    assert ax.images


def test_cli_sweep_writes_rows_and_a_plot(tmp_path, capsys):
    from fastgd.cli import main

    png, rows = tmp_path / "b.png", tmp_path / "r.csv"
    code = main(
        [
            "descend",
            "sin(x**2 + y**2)",
            "--x0-grid",
            "-2",
            "2",
            "-2",
            "2",
            "6",
            "--lrs",
            "0.05",
            "0.1",
            "--momenta",
            "0",
            "0.9",
            "--max-iter",
            "100",
            "--plot",
            str(png),
            "--csv",
            str(rows),
        ]
    )
    out = capsys.readouterr().out
    assert code in (0, 1) and "144 runs" in out and "momentum" in out
    assert png.stat().st_size > 10_000
    lines = rows.read_text().splitlines()
    assert lines[0] == "start,x0,y0,lr,momentum,x,y,fun,nit,nfev,status" and len(lines) == 145


@pytest.mark.parametrize(
    "argv, message",
    [
        (["x**2", "--x0-grid", "-1", "1", "-1", "1", "5"], "two variables"),
        (["x**2 + y**2", "--x0-grid", "-1", "1", "-1", "1", "2.5"], "N must be a whole"),
        (["x**2", "--x0", "1", "--json", "r.json"], "--json and --csv write a sweep"),
        (["x**2", "--x0", "1", "--lrs", "0.1", "-0.1"], "lr must be > 0"),
        (["x**2", "--x0", "1", "--momenta", "1.2"], "momentum must be in"),
    ],
)
def test_cli_sweep_bad_input_exits_2(argv, message, capsys):
    from fastgd.cli import main

    assert main(["descend", *argv]) == 2
    assert message in capsys.readouterr().out
