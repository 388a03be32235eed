"""Bad input to minimize gets a clear error naming the argument; odd runs say what happened."""

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference
from fastgd import StepDecay

PATHS = pytest.mark.parametrize("gd", [fastgd, reference], ids=["compiled", "reference"])


def bowl(x):
    return float(np.sum(x**2))


@PATHS
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(lr=0.0), ValueError, "lr must be finite and > 0"),
        (dict(lr=-0.1), ValueError, "lr"),
        (dict(lr=np.nan), ValueError, "lr"),
        (dict(lr=np.inf), ValueError, "lr"),
        (dict(lr="0.1"), TypeError, "lr"),
        (dict(tol=0.0), ValueError, "tol"),
        (dict(tol=np.nan), ValueError, "tol"),
        (dict(epsilon=0.0), ValueError, "epsilon"),
        (dict(epsilon=-1e-3), ValueError, "epsilon"),
        (dict(epsilon=np.inf), ValueError, "epsilon"),
        (dict(momentum=1.0), ValueError, "momentum must be in \\[0, 1\\)"),
        (dict(momentum=-0.1), ValueError, "momentum"),
        (dict(momentum=np.nan), ValueError, "momentum"),
        (dict(window=0), ValueError, "window must be >= 1"),
        (dict(window=2.5), TypeError, "window"),
        (dict(max_iter=0), ValueError, "max_iter"),
        (dict(jac="backward"), ValueError, "jac must be"),
        (dict(jac=3), ValueError, "jac must be"),
    ],
)
def test_bad_arguments_are_rejected(gd, kwargs, error, match):
    with pytest.raises(error, match=match):
        gd.minimize(bowl, [1.0, 2.0], **kwargs)


@PATHS
@pytest.mark.parametrize(
    "x0, error, match",
    [
        ([1.0, np.nan], ValueError, "x0 must be finite"),
        ([np.inf], ValueError, "x0 must be finite"),
        ([[1.0, 2.0]], ValueError, "x0 must be a scalar or 1-D"),
        ([], ValueError, "x0 must not be empty"),
        ("1.0", TypeError, "x0"),
    ],
)
def test_bad_x0_is_rejected(gd, x0, error, match):
    with pytest.raises(error, match=match):
        gd.minimize(bowl, x0)


@PATHS
def test_objective_returning_a_non_scalar_is_rejected(gd):
    with pytest.raises(ValueError, match="fun must return a scalar"):
        gd.minimize(lambda x: x * 2.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="fun must return a real scalar"):
        gd.minimize(lambda x: "low", [1.0, 2.0])


@PATHS
def test_non_callable_objective_is_rejected(gd):
    with pytest.raises(TypeError, match="fun must be callable"):
        gd.minimize(42, [1.0])


@PATHS
def test_gradient_of_the_wrong_shape_is_rejected(gd):
    with pytest.raises(ValueError, match="jac must return an array of shape"):
        gd.minimize(bowl, [1.0, 2.0], jac=lambda x: np.zeros(3))


def test_step_decay_checks_its_arguments():
    with pytest.raises(ValueError, match="gamma"):
        StepDecay(0.1, 0.0, 10)
    with pytest.raises(ValueError, match="every"):
        StepDecay(0.1, 0.5, 0)
    with pytest.raises(ValueError, match="convention"):
        StepDecay(0.1, 0.5, 10, convention="keras")


def test_step_decay_conventions():
    article = StepDecay(1.0, 0.5, 3)
    pytorch = StepDecay(1.0, 0.5, 3, convention="pytorch")
    assert [article(k) for k in range(7)] == [1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert [pytorch(k) for k in range(7)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]


@PATHS
def test_divergence_stops_at_once_with_its_own_status(gd):
    with np.errstate(over="ignore"):  # the objective itself overflows: that is the point
        res = gd.minimize(
            lambda x: -np.exp(x[0] ** 2), [1.0], lr=10.0, max_iter=1000, jac="central"
        )
    assert res.status == 2 and not res.success
    assert "Diverged" in res.message and res.nit < 1000
    assert np.all(np.isfinite(res.x))  # the last finite point


@PATHS
def test_finite_difference_step_lost_to_rounding_is_reported(gd):
    res = gd.minimize(bowl, [1e20], epsilon=1e-3)
    assert res.status == 3 and not res.success and "lost to rounding" in res.message
    assert res.nit == 0


@PATHS
def test_max_iter_is_reported(gd):
    res = gd.minimize(bowl, [5.0], lr=1e-4, max_iter=7)
    assert res.status == 1 and res.nit == 7 and res.path.shape == (8, 1)


class _Settings:
    factor = 3.0


SETTINGS = _Settings()


def test_uncompilable_objective_runs_with_a_warning_and_same_result():
    def awkward(x):  # reads an attribute of an arbitrary Python object: Numba cannot type it
        return SETTINGS.factor * x[0] ** 2 + x[1] ** 2

    with pytest.warns(fastgd.ObjectiveCompileWarning, match="Numba could not compile"):
        res = fastgd.minimize(awkward, [1.0, 1.0], max_iter=50)
    np.testing.assert_array_equal(
        res.path, reference.minimize(awkward, [1.0, 1.0], max_iter=50).path
    )


def test_same_objective_compiles_once():
    from fastgd import _objectives

    def cube(x):
        return x[0] ** 4 + x[0] ** 2

    fastgd.minimize(cube, [1.0], max_iter=3)
    native, _ = _objectives.lookup(cube, None, ())
    fastgd.minimize(cube, [2.0], max_iter=3, lr=0.01)  # other settings, same objective
    assert _objectives.lookup(cube, None, ())[0] is native


def test_record_path_false_omits_the_path():
    res = fastgd.minimize(bowl, [1.0], record_path=False)
    assert "path" not in res and res.success


def test_every_entry_point_takes_the_same_options():
    """The compiled and reference functions forward the same keyword options (one record)."""
    import inspect

    from fastgd._descent_setup import Options

    for function in (fastgd.minimize, reference.minimize):
        parameters = inspect.signature(function).parameters
        for name, default in Options._field_defaults.items():
            assert parameters[name].default == default, (function, name)
    for function in (fastgd.minimize_many, reference.minimize_many):
        parameters = inspect.signature(function).parameters
        assert set(Options._fields) <= set(parameters)
