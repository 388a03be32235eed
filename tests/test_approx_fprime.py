"""approx_fprime: scipy's numbers from the same call, compiled, plus central differences."""

import numpy as np
import pytest
from scipy import optimize

import fastgd
import fastgd.reference as reference
from fastgd.problems import rosen, rosen_numpy


def quadratic_form(x, c0, c1):
    return c0 * x[0] ** 2 + c1 * x[1] ** 2


@pytest.mark.parametrize("gd", [fastgd, reference], ids=["compiled", "reference"])
def test_matches_scipy_exactly(gd):
    rng = np.random.default_rng(0)
    for n in (2, 10, 100):
        x = rng.normal(size=n)
        np.testing.assert_array_equal(gd.approx_fprime(x, rosen), optimize.approx_fprime(x, rosen))
    x = np.ones(2)
    eps = np.sqrt(np.finfo(float).eps)
    steps = [eps, np.sqrt(200) * eps]  # scipy's docstring example, extra args and all
    np.testing.assert_array_equal(
        gd.approx_fprime(x, quadratic_form, steps, 1, 200),
        optimize.approx_fprime(x, quadratic_form, steps, 1, 200),
    )
    big = np.array([1e20, 1.0])  # x + h == x: scipy's fallback step
    np.testing.assert_array_equal(
        gd.approx_fprime(big, rosen, 1e-3), optimize.approx_fprime(big, rosen, 1e-3)
    )


def test_numpy_style_objective_matches_scipy_to_its_rounding_over_the_step():
    # np.sum compiled by Numba adds in index order, numpy's pairwise: f differs in its last
    # bits, and a difference quotient divides that by the step. Allow 64 ulps of f over h.
    x = np.random.default_rng(1).normal(size=100)
    h = np.sqrt(np.finfo(float).eps)
    np.testing.assert_allclose(
        fastgd.approx_fprime(x, rosen_numpy),
        optimize.approx_fprime(x, rosen_numpy),
        rtol=0,
        atol=64 * np.spacing(rosen_numpy(x)) / h,
    )


def test_central_differences_are_more_accurate():
    x = np.array([0.3, -0.7, 1.1])

    def f(v):
        return np.sin(v[0]) * np.exp(v[1]) + v[2] ** 3

    exact = np.array([np.cos(0.3) * np.exp(-0.7), np.sin(0.3) * np.exp(-0.7), 3 * 1.1**2])
    forward = fastgd.approx_fprime(x, f, 1e-4)
    central = fastgd.approx_fprime(x, f, 1e-4, method="central")
    assert np.abs(central - exact).max() < np.abs(forward - exact).max() / 100
    np.testing.assert_allclose(
        central, reference.approx_fprime(x, f, 1e-4, method="central"), rtol=1e-12
    )


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="method"):
        fastgd.approx_fprime([1.0], rosen, method="backward")
