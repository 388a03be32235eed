"""Sweeps at scale: throughput on this machine's cores vs a 2-worker Dask LocalCluster.

In each group the baseline is the local sweep on all cores of one process; the table shows
alpha-steps per second for each way of running the same configurations, and what Dask costs
per task.
"""

import numpy as np
import pytest

import fastgd

distributed = pytest.importorskip("distributed")

ALPHAS = np.geomspace(1e-3, 1e3, 1000)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def _configs(n_seeds, steps, full_size):
    """(alphas, seeds, steps): 1,000 alphas x n_seeds; small under --benchmark-disable."""
    if not full_size:
        return ALPHAS[:50], list(range(1, min(n_seeds, 2) + 1)), 100
    return ALPHAS, list(range(1, n_seeds + 1)), steps


def _time_sweep(benchmark, alphas, seeds, steps, rounds=3, **kwargs):
    benchmark.extra_info.update(
        alphas=len(alphas) * len(seeds), steps=steps, alpha_steps=len(alphas) * len(seeds) * steps
    )
    fastgd.sweep_xor(alphas, seeds=seeds, steps=2, log_every=1, **kwargs)  # load kernels
    benchmark.pedantic(
        lambda: fastgd.sweep_xor(
            alphas, seeds=seeds, steps=steps, log_every=steps // 6 or 1, **kwargs
        ),
        rounds=rounds,
        iterations=1,
    )


@pytest.mark.benchmark(group="sweep: 1,000 configs x 60k steps")
def test_1k_configs_local_all_cores_baseline(benchmark, full_size):
    _time_sweep(benchmark, *_configs(1, 60_000, full_size))


@pytest.mark.benchmark(group="sweep: 1,000 configs x 60k steps")
def test_1k_configs_local_one_thread(benchmark, full_size):
    _time_sweep(benchmark, *_configs(1, 60_000, full_size), workers=1)


@pytest.mark.benchmark(group="sweep: 1,000 configs x 60k steps")
def test_1k_configs_dask_2_workers(benchmark, client, full_size):
    _time_sweep(benchmark, *_configs(1, 60_000, full_size), client=client)


@pytest.mark.benchmark(group="sweep: 100,000 configs (1,000 alphas x 100 seeds) x 600 steps")
def test_100k_configs_local_all_cores_baseline(benchmark, full_size):
    _time_sweep(benchmark, *_configs(100, 600, full_size))


@pytest.mark.benchmark(group="sweep: 100,000 configs (1,000 alphas x 100 seeds) x 600 steps")
def test_100k_configs_local_one_thread(benchmark, full_size):
    _time_sweep(benchmark, *_configs(100, 600, full_size), workers=1)


@pytest.mark.benchmark(group="sweep: 100,000 configs (1,000 alphas x 100 seeds) x 600 steps")
def test_100k_configs_dask_2_workers(benchmark, client, full_size):
    _time_sweep(benchmark, *_configs(100, 600, full_size), client=client)


@pytest.mark.benchmark(group="sweep: Dask overhead per task (1 step per run)")
def test_dask_overhead_per_task(benchmark, client):
    """1,000 runs of one step: 8 chunks of 2 tasks each, almost no work, so time ~ overhead."""
    from fastgd._training_setup import plan_runs
    from fastgd.runner import choose_lanes, plan_chunks
    from fastgd.xor import training_job

    plan = plan_runs(ALPHAS, None, 1, 1, 1, None, None, 4)
    job = training_job(plan, curve_every=plan.curve_every)
    chunks = plan_chunks(job, choose_lanes(job.n_runs, 2), 2)
    n_tasks = 2 * len(chunks)  # start_chunk + one advance_chunk segment per chunk
    benchmark.extra_info.update(tasks=n_tasks, note=f"divide the time by {n_tasks} tasks")
    fastgd.sweep_xor(ALPHAS, steps=1, client=client)
    benchmark.pedantic(
        lambda: fastgd.sweep_xor(ALPHAS, steps=1, client=client), rounds=5, iterations=1
    )


@pytest.mark.benchmark(group="sweep: Dask overhead per task (1 step per run)")
def test_local_overhead_1_step_baseline(benchmark):
    fastgd.sweep_xor(ALPHAS, steps=1)
    benchmark.pedantic(lambda: fastgd.sweep_xor(ALPHAS, steps=1), rounds=5, iterations=1)
