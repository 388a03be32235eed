"""Bad input to train_xor / sweep_xor gets a clear error naming the argument, on both paths."""

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference

BOTH = pytest.mark.parametrize("gd", [fastgd, reference], ids=["compiled", "reference"])


@BOTH
@pytest.mark.parametrize(
    "alphas, error, match",
    [
        ([], ValueError, "alphas must not be empty"),
        ([0.1, np.nan], ValueError, "alphas must be finite"),
        ([0.1, np.inf], ValueError, "alphas must be finite"),
        ([0.1, 0.0], ValueError, "alphas must be > 0"),
        ([-1.0], ValueError, "alphas must be > 0"),
        ("0.1", TypeError, "alphas"),
        ([[0.1, 1.0]], ValueError, "alphas must be 1-D"),
        (["a"], TypeError, "alphas"),
    ],
)
def test_bad_alphas_are_rejected(gd, alphas, error, match):
    with pytest.raises(error, match=match):
        gd.sweep_xor(alphas, steps=10)


@BOTH
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(steps=0), ValueError, "steps must be >= 1"),
        (dict(steps=-5), ValueError, "steps"),
        (dict(steps=1.5), TypeError, "steps must be an integer"),
        (dict(log_every=0), ValueError, "log_every must be >= 1"),
        (dict(hidden=0), ValueError, "hidden must be >= 1"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(seed="one"), TypeError, "seed"),
        (dict(X=np.ones((5, 3))), ValueError, "same number of samples"),
        (dict(y=np.ones((3, 1))), ValueError, "same number of samples"),
        (dict(X=np.ones(4)), ValueError, "X must be 2-D"),
        (dict(X=np.full((4, 3), np.nan)), ValueError, "X must contain only finite"),
        (dict(y=np.ones((4, 1, 1))), ValueError, "y must be 2-D"),
        (dict(X=np.ones((0, 3)), y=np.ones((0, 1))), ValueError, "X must not be empty"),
    ],
)
def test_bad_run_arguments_are_rejected(gd, kwargs, error, match):
    with pytest.raises(error, match=match):
        gd.train_xor(1.0, **{"steps": 10, **kwargs})
    with pytest.raises(error, match=match):
        gd.sweep_xor([1.0], **{"steps": 10, **kwargs})


@BOTH
@pytest.mark.parametrize(
    "alpha, error",
    [
        (np.nan, ValueError),
        (0.0, ValueError),
        (-0.1, ValueError),
        ([1.0, 2.0], TypeError),
        ("1", TypeError),
    ],
)
def test_bad_alpha_is_rejected(gd, alpha, error):
    with pytest.raises(error, match="alpha"):
        gd.train_xor(alpha, steps=10)


def test_bad_workers_are_rejected():
    with pytest.raises(ValueError, match="workers"):
        fastgd.sweep_xor([1.0], steps=10, workers=0)
