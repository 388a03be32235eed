"""Shared fixtures: the notebook's sweep computed once by the reference (about 6 s)."""

import matplotlib
import pytest

matplotlib.use("Agg")

from fastgd._xor_setup import NOTEBOOK_ALPHAS  # noqa: E402


@pytest.fixture(scope="session")
def reference_sweep():
    from fastgd.reference import sweep_xor

    return sweep_xor(NOTEBOOK_ALPHAS)


@pytest.fixture(scope="session")
def compiled_sweep():
    from fastgd import sweep_xor

    return sweep_xor(NOTEBOOK_ALPHAS)
