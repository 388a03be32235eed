"""XOR training: numpy reference vs compiled kernels, one group per job.

Each group pairs the reference (the baseline) with fastgd, so ``--benchmark-group-by=group``
tables and ``bench/speedup_table.py`` show the ratio measured in the same run. The
reference is far too slow for 1,000 alphas: it is timed on a few alphas and the time scaled
linearly (its alphas run one after another), which the name and ``extra_info`` say.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference
from fastgd.problems import NOTEBOOK_ALPHAS

STEPS = 60_000
BIG_SWEEP = np.geomspace(1e-3, 1e3, 1000)
REFERENCE_SAMPLE_ALPHAS = 2  # alphas the 1,000-alpha reference is timed on
# What a new process does to reach its first result: import, load or compile, train.
FIRST_CALL = (
    f"import fastgd; fastgd.sweep_xor({list(NOTEBOOK_ALPHAS)!r}, steps=10); "
    "fastgd.train_xor(1.0, steps=10)"
)


def _run(benchmark, fn, *, alphas, steps, rounds=None, **extra):
    """Time ``fn``; record how much training one call stands for."""
    benchmark.extra_info.update(alphas=alphas, steps=steps, alpha_steps=alphas * steps, **extra)
    if rounds is None:
        return benchmark(fn)
    return benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0)


@pytest.mark.benchmark(group="xor: one alpha, 60k steps")
def test_one_alpha_reference(benchmark, full_size):
    steps = STEPS if full_size else 600
    _run(benchmark, lambda: reference.train_xor(10.0, steps=steps), alphas=1, steps=steps, rounds=3)


@pytest.mark.benchmark(group="xor: one alpha, 60k steps")
def test_one_alpha_fastgd(benchmark, full_size):
    steps = STEPS if full_size else 600
    fastgd.train_xor(10.0, steps=10)  # load the kernel before timing
    _run(benchmark, lambda: fastgd.train_xor(10.0, steps=steps), alphas=1, steps=steps)


@pytest.mark.benchmark(group="xor: notebook sweep, 7 alphas x 60k steps")
def test_notebook_sweep_reference(benchmark, full_size):
    steps = STEPS if full_size else 600
    _run(
        benchmark,
        lambda: reference.sweep_xor(NOTEBOOK_ALPHAS, steps=steps),
        alphas=len(NOTEBOOK_ALPHAS),
        steps=steps,
        rounds=3,
    )


@pytest.mark.benchmark(group="xor: notebook sweep, 7 alphas x 60k steps")
def test_notebook_sweep_fastgd(benchmark, full_size):
    steps = STEPS if full_size else 600
    fastgd.sweep_xor(NOTEBOOK_ALPHAS, steps=10)
    _run(
        benchmark,
        lambda: fastgd.sweep_xor(NOTEBOOK_ALPHAS, steps=steps),
        alphas=len(NOTEBOOK_ALPHAS),
        steps=steps,
    )


@pytest.mark.benchmark(group="xor: 1,000 alphas x 60k steps")
def test_big_sweep_reference_extrapolated(benchmark, full_size):
    steps = STEPS if full_size else 600
    sample = BIG_SWEEP[:: len(BIG_SWEEP) // REFERENCE_SAMPLE_ALPHAS][:REFERENCE_SAMPLE_ALPHAS]
    _run(
        benchmark,
        lambda: reference.sweep_xor(sample, steps=steps),
        alphas=len(sample),
        steps=steps,
        rounds=2,
        extrapolate_to_alphas=len(BIG_SWEEP),
        note=f"reference timed on {len(sample)} alphas; scale x{len(BIG_SWEEP) // len(sample)}",
    )


@pytest.mark.benchmark(group="xor: 1,000 alphas x 60k steps")
def test_big_sweep_fastgd(benchmark, full_size):
    steps = STEPS if full_size else 600
    fastgd.sweep_xor(BIG_SWEEP, steps=10)
    _run(
        benchmark,
        lambda: fastgd.sweep_xor(BIG_SWEEP, steps=steps),
        alphas=len(BIG_SWEEP),
        steps=steps,
        rounds=3,
    )


def _cli_default_run(cache_dir=None):
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    subprocess.run(
        [sys.executable, "-m", "fastgd", "sweep", "--no-progress", "--plot", "cli_sweep.png"],
        check=True,
        capture_output=True,
        env=env,
    )


@pytest.mark.benchmark(group="xor: CLI default run (whole process)")
def test_cli_default_run_warm_cache(benchmark, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _cli_default_run()  # make sure the on-disk cache is warm
    benchmark.extra_info["note"] = "fastgd sweep (7 alphas x 60k steps, table + PNG), warm cache"
    benchmark.pedantic(_cli_default_run, rounds=3, iterations=1)


@pytest.mark.benchmark(group="xor: compile (first call in a new process)")
def test_first_call_cold_cache(benchmark, tmp_path, full_size):
    """A new process, empty kernel cache: import + compile + the notebook sweep."""
    code = FIRST_CALL
    counter = iter(range(100))

    def cold():
        env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / f"cache{next(counter)}"))
        subprocess.run([sys.executable, "-c", code], check=True, env=env)

    benchmark.pedantic(cold, rounds=2 if full_size else 1, iterations=1)


@pytest.mark.benchmark(group="xor: compile (first call in a new process)")
def test_first_call_warm_cache(benchmark):
    """A new process, kernels cached on disk: import + load + the notebook sweep."""
    code = FIRST_CALL
    subprocess.run([sys.executable, "-c", code], check=True)
    benchmark.pedantic(
        lambda: subprocess.run([sys.executable, "-c", code], check=True), rounds=3, iterations=1
    )


@pytest.mark.benchmark(group="xor: compile (first call in a new process)")
def test_import_only(benchmark):
    """A new process that only imports fastgd (the floor under the two above)."""
    benchmark.pedantic(
        lambda: subprocess.run([sys.executable, "-c", "import fastgd"], check=True),
        rounds=3,
        iterations=1,
    )
