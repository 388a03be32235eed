"""Sweeps on a Dask cluster: identical results, worker loss, progress, bad clients.

A real ``LocalCluster`` with worker *processes* on loopback is started here, in the tests.
"""

import os
import signal

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

import fastgd  # noqa: E402

ALPHAS = np.geomspace(1e-3, 1e3, 24)
SEEDS = [1, 2, 3]
SMALL = dict(steps=3000, log_every=500)


@pytest.fixture
def client(dask_client):
    return dask_client


def _assert_same(got, expected):
    for name in ("errors", "synapse_0", "synapse_1", "status"):
        np.testing.assert_array_equal(got[name], expected[name])


def test_dask_sweep_equals_local_and_serial_runs(client):
    on_dask = fastgd.sweep_xor(ALPHAS, seeds=SEEDS, client=client, **SMALL)
    local = fastgd.sweep_xor(ALPHAS, seeds=SEEDS, **SMALL)
    _assert_same(on_dask, local)
    np.testing.assert_array_equal(on_dask.errors_mean, local.errors_mean)
    for a in (0, 11, 23):
        single = fastgd.train_xor(ALPHAS[a], seed=SEEDS[1], **SMALL)
        np.testing.assert_array_equal(on_dask.errors[a, 1], single.errors)
        np.testing.assert_array_equal(on_dask.synapse_0[a, 1], single.synapse_0)


def test_dask_sweep_reports_progress_for_every_run(client):
    counted = []
    fastgd.sweep_xor(ALPHAS, client=client, progress=counted.append, **SMALL)
    assert sum(counted) == len(ALPHAS)


def test_dask_sweep_survives_a_worker_killed_mid_sweep(client):
    # 256 runs on 2 workers: 8 chunks of 32 runs, each long enough to be killed mid-flight.
    alphas = np.geomspace(1e-3, 1e3, 256)
    kwargs = dict(steps=200_000, log_every=50_000)
    killed = []

    def kill_a_busy_worker(_):
        if killed:
            return
        busy = [addr for addr, keys in client.processing().items() if keys]
        pids = client.run(os.getpid, workers=busy[:1])
        for pid in pids.values():
            os.kill(pid, signal.SIGKILL)  # the nanny restarts it; its tasks are rescheduled
            killed.append(pid)

    on_dask = fastgd.sweep_xor(alphas, client=client, progress=kill_a_busy_worker, **kwargs)
    assert killed, "no worker was busy when the first chunk finished"
    local = fastgd.sweep_xor(alphas, **kwargs)
    _assert_same(on_dask, local)
    client.wait_for_workers(2, timeout=60)


def test_closed_client_is_rejected(client):
    closed = distributed.Client(client.scheduler.address)
    closed.close()
    with pytest.raises(ValueError, match="client must be connected"):
        fastgd.sweep_xor([1.0], steps=10, client=closed)


@pytest.mark.parametrize("not_a_client", ["tcp://127.0.0.1:8786", object(), 3])
def test_non_client_is_rejected(not_a_client):
    with pytest.raises(TypeError, match="client must be a dask.distributed.Client"):
        fastgd.sweep_xor([1.0], steps=10, client=not_a_client)


def test_cli_runs_on_a_scheduler_address(client, tmp_path, capsys):
    from fastgd.cli import main

    code = main(
        [
            "sweep",
            "--alphas",
            "0.1",
            "1",
            "--steps",
            "200",
            "--log-every",
            "100",
            "--plot",
            "",
            "--no-progress",
            "--scheduler",
            client.scheduler.address,
        ]
    )
    assert code == 0
    assert "2 runs x 200 steps" in capsys.readouterr().out
