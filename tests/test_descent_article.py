"""Both paths reproduce the article's printed runs through the public API, and agree."""

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference
from fastgd import StepDecay
from fastgd.problems import (
    PERTURBATION_PRINTED,
    QUADRATIC_FINAL,
    QUADRATIC_PRINTED,
    quadratic,
    quadratic_gradient,
    rosen_gradient,
    rosen_numpy,
    sin_r2,
)

PATHS = pytest.mark.parametrize("gd", [fastgd, reference], ids=["compiled", "reference"])


def _quadratic_run(gd):
    return gd.minimize(quadratic, 30, jac=quadratic_gradient, lr=0.05, tol=1e-5, max_iter=302)


def _perturbation_run(gd, **kwargs):
    return gd.minimize(
        sin_r2, [0, -1], lr=StepDecay(0.1, 0.7, 20), tol=1e-5, max_iter=302, epsilon=0.01, **kwargs
    )


@PATHS
def test_quadratic_run_reproduces_the_articles_printout(gd):
    res = _quadratic_run(gd)
    assert res.status == 0 and res.success and res.message.startswith("Local min reached")
    assert res.x[0] == QUADRATIC_FINAL  # "The local minimum occurs at 10.000088593855091"
    assert res.nit == 117  # the article stopped in the update after its 'Iteration 100' line
    for k, printed in QUADRATIC_PRINTED.items():
        assert res.path[k + 1, 0] == printed  # "Iteration k has x value ..." is X1 after update k
    assert res.path[0, 0] == 30.0


@PATHS
def test_quadratic_from_sympy_expression_reproduces_the_article(gd):
    sympy = pytest.importorskip("sympy")
    x = sympy.Symbol("x")
    res = gd.minimize((x - 10) ** 2, 30, lr=0.05, tol=1e-5, max_iter=302)
    assert res.x[0] == QUADRATIC_FINAL and res.nit == 117 and res.njev > 0


@PATHS
def test_perturbation_run_reproduces_the_articles_printout(gd):
    res = _perturbation_run(gd)
    assert res.status == 0 and res.message.startswith("Local min reached")
    assert res.nit == 101  # converged in the update after 'Iteration 80', before 'Iteration 100'
    for k, (x, y) in PERTURBATION_PRINTED.items():
        assert f"({res.path[k + 1, 0]:.4f},{res.path[k + 1, 1]:.4f})" == f"({x:.4f},{y:.4f})"
    assert res.nfev == 101 * 3 + 3 + 1  # 3 per forward difference in 2-D; the answer's 3 + 1


def test_compiled_and_reference_agree_on_every_iterate():
    for run in (_quadratic_run, _perturbation_run):
        compiled, ref = run(fastgd), run(reference)
        assert compiled.nit == ref.nit and compiled.status == ref.status
        np.testing.assert_allclose(compiled.path, ref.path, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(compiled.jac, ref.jac, rtol=1e-12, atol=1e-12)
        assert compiled.fun == pytest.approx(ref.fun, rel=1e-12, abs=1e-15)
        assert compiled.nfev == ref.nfev and compiled.njev == ref.njev


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("window", [None, 1, 3])
@pytest.mark.parametrize("jac", ["forward", "central"])
def test_momentum_variants_agree_between_paths(nesterov, window, jac):
    kwargs = dict(
        lr=StepDecay(0.1, 0.9, 7),
        momentum=0.8,
        nesterov=nesterov,
        window=window,
        jac=jac,
        max_iter=80,
    )
    compiled = _perturbation_run_free(fastgd, **kwargs)
    ref = _perturbation_run_free(reference, **kwargs)
    assert compiled.nit == ref.nit
    np.testing.assert_allclose(compiled.path, ref.path, rtol=1e-12, atol=1e-12)


def _perturbation_run_free(gd, **kwargs):
    return gd.minimize(sin_r2, [0.3, -1.0], **kwargs)


# Momentum with the article's decay carries the descent over the ridge at r^2 = pi/2 into the
# ring of minima at r^2 = 3 pi / 2, where plain descent stops at the origin.
ESCAPE = dict(lr=StepDecay(0.3, 0.7, 20), momentum=0.9, window=10, tol=1e-5, max_iter=1000)


def test_momentum_escapes_the_local_minimum_plain_descent_stops_in():
    plain = _perturbation_run(fastgd)
    assert np.linalg.norm(plain.x) < 0.01 and plain.fun == pytest.approx(0.0, abs=1e-4)
    escaped = fastgd.minimize(
        sin_r2, [0, -1], lr=StepDecay(0.2, 0.7, 20), momentum=0.99, window=5, tol=1e-5, max_iter=302
    )
    assert escaped.success
    assert escaped.fun < -0.999  # the ring of minima sin(r^2) = -1, r = sqrt(3 pi / 2)
    assert np.linalg.norm(escaped.x) == pytest.approx(np.sqrt(3 * np.pi / 2), abs=0.01)
    np.testing.assert_allclose(
        escaped.path,
        reference.minimize(
            sin_r2,
            [0, -1],
            lr=StepDecay(0.2, 0.7, 20),
            momentum=0.99,
            window=5,
            tol=1e-5,
            max_iter=302,
        ).path,
        rtol=1e-12,
        atol=1e-12,
    )


def test_unlimited_window_equals_a_window_longer_than_the_run():
    a = fastgd.minimize(sin_r2, [0.1, -1], momentum=0.9, window=None, max_iter=50)
    b = fastgd.minimize(sin_r2, [0.1, -1], momentum=0.9, window=1000, max_iter=50)
    np.testing.assert_array_equal(a.path, b.path)


def test_n_dimensional_rosenbrock_with_analytic_gradient():
    x0 = np.full(6, 0.5)
    compiled = fastgd.minimize(rosen_numpy, x0, jac=rosen_gradient, lr=1e-3, max_iter=2000)
    ref = reference.minimize(rosen_numpy, x0, jac=rosen_gradient, lr=1e-3, max_iter=2000)
    assert compiled.fun < rosen_numpy(x0) and compiled.nit == ref.nit
    np.testing.assert_allclose(compiled.x, ref.x, rtol=1e-12)


def test_the_kernels_run_as_python_under_numba_disable_jit():
    """NUMBA_DISABLE_JIT=1 (coverage runs, debugging): the same kernels as Python, same bits."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, fastgd; from fastgd.problems import sin_r2;"
        "r = fastgd.minimize(sin_r2, [0.0, -1.0], lr=fastgd.StepDecay(0.1, 0.7, 20), max_iter=302);"
        "m = fastgd.minimize_many(sin_r2, [[0.0, -1.0], [0.3, 0.2]], momentum=[0.0, 0.9],"
        " max_iter=40);"
        "print(json.dumps([r.path.tolist(), r.nfev, m.x.tolist()]))"
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    path, nfev, many = json.loads(proc.stdout)
    compiled = _perturbation_run(fastgd)
    np.testing.assert_array_equal(path, compiled.path)
    assert nfev == compiled.nfev
    expected = fastgd.minimize_many(
        sin_r2, [[0.0, -1.0], [0.3, 0.2]], momentum=[0.0, 0.9], max_iter=40
    )
    np.testing.assert_array_equal(many, expected.x)
