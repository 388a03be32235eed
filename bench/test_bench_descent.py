"""Gradient descent: the article's Python loops vs the numpy reference vs fastgd, and
approx_fprime vs scipy's, one group per job (baseline: the article's loop, or scipy).

fastgd is timed in steady state: the same objective called again through the public API
(argument checks and the result object included); the compile a new objective costs is in
its own group.
"""

import numpy as np
import pytest
from scipy import optimize

import fastgd
import fastgd.reference as reference
from fastgd import StepDecay


# --- the article's code, as printed (prints and plotting lists removed) -----------------------
def article_quadratic_run():
    def df(x):  # what sympy's lambdify(x, diff((x - 10)**2)) computes
        return 2 * x - 20

    max_iter, lr, X0, cur_iter = 300, 0.05, 30, 0
    while True:
        X1 = X0 - lr * df(X0)
        step_size = abs(X0 - X1)
        X0 = X1
        if cur_iter > max_iter or step_size < 0.00001:
            break
        cur_iter = cur_iter + 1
    return X1


def _f(x, y):
    return np.sin(x**2 + y**2)


def _find_direction(X0, Y0, dw=0.01):
    X1 = X0 + dw
    Y1 = Y0 + dw
    grad_x = (_f(X1, Y0) - _f(X0, Y0)) / dw
    grad_y = (_f(X0, Y1) - _f(X0, Y0)) / dw
    return grad_x, grad_y


def article_perturbation_run():
    max_iter, lr, X0, Y0, cur_iter = 300, 0.1, 0, -1, 0
    steps_x, steps_y = [X0], [Y0]
    while True:
        grad_x, grad_y = _find_direction(X0, Y0)
        X1 = X0 - lr * grad_x
        Y1 = Y0 - lr * grad_y
        steps_x.append(X1)
        steps_y.append(Y1)
        step_size_x, step_size_y = abs(X0 - X1), abs(Y0 - Y1)
        X0, Y0 = X1, Y1
        if cur_iter > max_iter:
            break
        if step_size_x < 0.00001 and step_size_y < 0.00001:
            break
        elif cur_iter % 20 == 0:
            lr = lr * 0.7
        cur_iter = cur_iter + 1
    return X0, Y0


# --- the same runs through fastgd's API -------------------------------------------------------
def quadratic(x):
    return (x[0] - 10) ** 2


def quadratic_gradient(x):
    return np.array([2 * x[0] - 20])


def sin_r2(p):
    return np.sin(p[0] ** 2 + p[1] ** 2)


def quadratic_run(gd):
    return gd.minimize(quadratic, 30.0, jac=quadratic_gradient, lr=0.05, max_iter=302)


def perturbation_run(gd):
    return gd.minimize(sin_r2, [0.0, -1.0], lr=StepDecay(0.1, 0.7, 20), max_iter=302)


def momentum_run(gd):
    return gd.minimize(
        sin_r2, [0.0, -1.0], lr=StepDecay(0.3, 0.7, 20), momentum=0.9, window=10, max_iter=1000
    )


def _steady(benchmark, run):
    run()  # compile and cache the kernel for this objective
    benchmark(run)


@pytest.mark.benchmark(group="descent: article quadratic run (117 updates)")
def test_quadratic_article_python_loop(benchmark):
    assert benchmark(article_quadratic_run) == pytest.approx(10.000088593855091, abs=0)


@pytest.mark.benchmark(group="descent: article quadratic run (117 updates)")
def test_quadratic_reference(benchmark):
    benchmark(lambda: quadratic_run(reference))


@pytest.mark.benchmark(group="descent: article quadratic run (117 updates)")
def test_quadratic_fastgd(benchmark):
    _steady(benchmark, lambda: quadratic_run(fastgd))


@pytest.mark.benchmark(group="descent: article perturbation run (101 updates)")
def test_perturbation_article_python_loop(benchmark):
    benchmark(article_perturbation_run)


@pytest.mark.benchmark(group="descent: article perturbation run (101 updates)")
def test_perturbation_reference(benchmark):
    benchmark(lambda: perturbation_run(reference))


@pytest.mark.benchmark(group="descent: article perturbation run (101 updates)")
def test_perturbation_fastgd(benchmark):
    _steady(benchmark, lambda: perturbation_run(fastgd))


@pytest.mark.benchmark(group="descent: momentum escape run (319 updates)")
def test_momentum_reference(benchmark):
    benchmark(lambda: momentum_run(reference))


@pytest.mark.benchmark(group="descent: momentum escape run (319 updates)")
def test_momentum_fastgd(benchmark):
    _steady(benchmark, lambda: momentum_run(fastgd))


@pytest.mark.benchmark(group="descent: compile cost of a new objective (first call)")
def test_first_call_new_objective(benchmark):
    """A new objective each round: compile the objective and a kernel around it, then run."""

    def first_call():
        def fresh(p):  # a new function object: nothing cached for it
            return np.sin(p[0] ** 2 + p[1] ** 2)

        return fastgd.minimize(fresh, [0.0, -1.0], lr=StepDecay(0.1, 0.7, 20), max_iter=302)

    benchmark.pedantic(first_call, rounds=3, iterations=1)


# --- approx_fprime on Rosenbrock ----------------------------------------------------------------
def rosen(x):
    """scipy.optimize.rosen's formula (numpy-style), which Numba compiles."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_approx_fprime_scipy(benchmark, n):
    benchmark.group = f"approx_fprime: Rosenbrock, n = {n}"
    x = np.linspace(-1.0, 1.5, n)
    benchmark(optimize.approx_fprime, x, rosen)


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_approx_fprime_fastgd(benchmark, n):
    benchmark.group = f"approx_fprime: Rosenbrock, n = {n}"
    x = np.linspace(-1.0, 1.5, n)
    fastgd.approx_fprime(x, rosen)
    benchmark(fastgd.approx_fprime, x, rosen)


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_approx_fprime_fastgd_central(benchmark, n):
    benchmark.group = f"approx_fprime: Rosenbrock, n = {n}"
    x = np.linspace(-1.0, 1.5, n)
    fastgd.approx_fprime(x, rosen, method="central")
    benchmark(fastgd.approx_fprime, x, rosen, method="central")
