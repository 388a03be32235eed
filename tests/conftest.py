"""Shared fixtures: the notebook's sweep computed once by the reference (about 6 s)."""

import matplotlib
import pytest

matplotlib.use("Agg")

from fastgd.problems import NOTEBOOK_ALPHAS  # noqa: E402


@pytest.fixture(scope="session")
def reference_sweep():
    from fastgd.reference import sweep_xor

    return sweep_xor(NOTEBOOK_ALPHAS)


@pytest.fixture(scope="session")
def compiled_sweep():
    from fastgd import sweep_xor

    return sweep_xor(NOTEBOOK_ALPHAS)


@pytest.fixture(scope="session")
def dask_client():
    """A Dask client on a 2-worker LocalCluster: worker processes on loopback, one thread each."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    )
    with cluster, distributed.Client(cluster) as client:
        yield client
