"""Gradient descent: the article's Python loops vs the numpy reference vs fastgd; approx_fprime
vs scipy's; first calls and whole processes; sweeps of descents. One group per job, with its
baseline (the article's loop, scipy, or a Python loop of minimize calls) timed in the same run.

fastgd's steady-state entries call the public API again with the same objective (argument
checks and the result object included). The first-call entries run in new processes and time
what the issue names: ``measured_seconds`` in ``extra_info`` is timed inside the process
(after ``import fastgd``); the benchmark's own time is the whole process.
"""

import json
import os
import subprocess
import sys
import uuid

import numpy as np
import pytest
from scipy import optimize

import fastgd
import fastgd.reference as reference
from fastgd import StepDecay
from fastgd.problems import (
    article_perturbation_loop,
    article_quadratic_loop,
    quadratic,
    quadratic_gradient,
    rosen_numpy,
    sin_r2,
)

ARTICLE_DECAY = StepDecay(0.1, 0.7, 20)


def quadratic_run(gd):
    return gd.minimize(quadratic, 30.0, jac=quadratic_gradient, lr=0.05, max_iter=302)


def perturbation_run(gd):
    return gd.minimize(sin_r2, [0.0, -1.0], lr=ARTICLE_DECAY, max_iter=302)


MOMENTUM_DECAY = StepDecay(0.3, 0.7, 20)


def momentum_run(gd):
    return gd.minimize(
        sin_r2, [0.0, -1.0], lr=MOMENTUM_DECAY, momentum=0.9, window=10, max_iter=1000
    )


def _steady(benchmark, run):
    run()  # compile (or load) the objective and the kernel first
    benchmark(run)


# --- the article's runs ---------------------------------------------------------------------
@pytest.mark.benchmark(group="descent: article quadratic run (117 updates)")
def test_quadratic_article_python_loop(benchmark):
    assert benchmark(article_quadratic_loop) == pytest.approx(10.000088593855091, abs=0)


@pytest.mark.benchmark(group="descent: article quadratic run (117 updates)")
def test_quadratic_reference(benchmark):
    benchmark(lambda: quadratic_run(reference))


@pytest.mark.benchmark(group="descent: article quadratic run (117 updates)")
def test_quadratic_fastgd(benchmark):
    _steady(benchmark, lambda: quadratic_run(fastgd))


@pytest.mark.benchmark(group="descent: article perturbation run (101 updates)")
def test_perturbation_article_python_loop(benchmark):
    benchmark(article_perturbation_loop)


@pytest.mark.benchmark(group="descent: article perturbation run (101 updates)")
def test_perturbation_reference(benchmark):
    benchmark(lambda: perturbation_run(reference))


@pytest.mark.benchmark(group="descent: article perturbation run (101 updates)")
def test_perturbation_fastgd(benchmark):
    _steady(benchmark, lambda: perturbation_run(fastgd))


@pytest.mark.benchmark(group="descent: article perturbation run (101 updates)")
def test_perturbation_fastgd_args(benchmark):
    """The same run with the objective's data passed through ``args`` (what args cost)."""

    def sin_r2_scaled(p, a, b):
        return np.sin(a * p[0] ** 2 + b * p[1] ** 2)

    def run():
        return fastgd.minimize(
            sin_r2_scaled, [0.0, -1.0], lr=ARTICLE_DECAY, max_iter=302, args=(1.0, 1.0)
        )

    assert run().nit == 101
    _steady(benchmark, run)


@pytest.mark.benchmark(group="descent: momentum escape run (319 updates)")
def test_momentum_reference(benchmark):
    benchmark(lambda: momentum_run(reference))


@pytest.mark.benchmark(group="descent: momentum escape run (319 updates)")
def test_momentum_fastgd(benchmark):
    _steady(benchmark, lambda: momentum_run(fastgd))


# --- approx_fprime on Rosenbrock ----------------------------------------------------------------
@pytest.mark.parametrize("n", [10, 100, 1000])
def test_approx_fprime_scipy(benchmark, n):
    benchmark.group = f"approx_fprime: Rosenbrock, n = {n}"
    x = np.linspace(-1.0, 1.5, n)
    benchmark(optimize.approx_fprime, x, rosen_numpy)


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_approx_fprime_fastgd(benchmark, n):
    benchmark.group = f"approx_fprime: Rosenbrock, n = {n}"
    x = np.linspace(-1.0, 1.5, n)
    fastgd.approx_fprime(x, rosen_numpy)
    benchmark(fastgd.approx_fprime, x, rosen_numpy)


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_approx_fprime_fastgd_central(benchmark, n):
    benchmark.group = f"approx_fprime: Rosenbrock, n = {n}"
    x = np.linspace(-1.0, 1.5, n)
    fastgd.approx_fprime(x, rosen_numpy, method="central")
    benchmark(fastgd.approx_fprime, x, rosen_numpy, method="central")


# --- first calls and whole processes --------------------------------------------------------------
def _timed_in_process(code: str, env: dict | None = None) -> float:
    """Run ``code`` in a new Python process; it prints the seconds it timed as its last line."""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return float(proc.stdout.splitlines()[-1])


def _in_new_processes(benchmark, code: str, rounds: int, env=None, **extra):
    measured = []
    benchmark.extra_info.update(extra)
    benchmark.pedantic(
        lambda: measured.append(_timed_in_process(code, env)), rounds=rounds, iterations=1
    )
    benchmark.extra_info["measured_seconds"] = measured


FIRST_LAMBDA = """
import time, numpy as np, fastgd
start = time.perf_counter()
fastgd.minimize(lambda p: np.sin(p[0] ** 2 + p[1] ** 2), [0.0, -1.0],
                lr=fastgd.StepDecay(0.1, 0.7, 20), max_iter=302)
print(time.perf_counter() - start)
"""
FIRST_FPRIME = {
    "scalar f": """
import time, numpy as np, fastgd
def f(p):
    return np.sin(p[0] ** 2 + p[1] ** 2)
start = time.perf_counter()
fastgd.approx_fprime(np.array([0.5, -1.0]), f)
print(time.perf_counter() - start)
""",
    "numpy-style Rosenbrock": """
import time, numpy as np, fastgd
def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)
start = time.perf_counter()
fastgd.approx_fprime(np.linspace(-1.0, 1.5, 10), rosen)
print(time.perf_counter() - start)
""",
}
SECOND_PROCESS_MODULE_OBJECTIVE = """
import time, fastgd
from fastgd.problems import sin_r2
start = time.perf_counter()
fastgd.minimize(sin_r2, [0.0, -1.0], lr=fastgd.StepDecay(0.1, 0.7, 20), max_iter=302)
print(time.perf_counter() - start)
"""
#: Where scipy is installed (as in the test environment), Numba imports scipy.linalg at its
#: first compile or cache load in a process, to find BLAS; ``pip install fastgd`` brings no
#: scipy. "no scipy" runs the same code with scipy's import blocked.
SCIPY = {"scipy installed": "", "no scipy": "import sys; sys.modules['scipy'] = None\n"}


@pytest.mark.parametrize("scipy", SCIPY)
@pytest.mark.benchmark(group="descent: first call in a new process (after import fastgd)")
def test_first_minimize_of_a_new_lambda(benchmark, full_size, scipy):
    code = SCIPY[scipy] + FIRST_LAMBDA
    subprocess.run([sys.executable, "-c", code], check=True)  # the kernels into the disk cache
    _in_new_processes(benchmark, code, 3 if full_size else 1, note=f"new lambda, {scipy}")


@pytest.mark.parametrize("scipy", SCIPY)
@pytest.mark.parametrize("function", FIRST_FPRIME)
@pytest.mark.benchmark(group="descent: first call in a new process (after import fastgd)")
def test_first_approx_fprime_of_a_new_function(benchmark, full_size, function, scipy):
    code = SCIPY[scipy] + FIRST_FPRIME[function]
    subprocess.run([sys.executable, "-c", code], check=True)
    _in_new_processes(benchmark, code, 3 if full_size else 1, note=f"{function}, {scipy}")


@pytest.mark.parametrize("scipy", SCIPY)
@pytest.mark.benchmark(group="descent: first call in a new process (after import fastgd)")
def test_module_objective_second_process(benchmark, full_size, scipy):
    code = SCIPY[scipy] + SECOND_PROCESS_MODULE_OBJECTIVE
    subprocess.run([sys.executable, "-c", code], check=True)
    _in_new_processes(
        benchmark, code, 3 if full_size else 1, note=f"module-level objective, {scipy}"
    )


CLI_RUN = ["descend", "(x-10)**2", "--x0", "30", "--lr", "0.05", "--max-iter", "302"]


def _cli(argv, env=None):
    subprocess.run(
        [sys.executable, "-m", "fastgd", *argv], check=True, capture_output=True, env=env
    )


@pytest.mark.benchmark(group="descent: fastgd descend, whole process")
def test_cli_descend_warm_cache(benchmark, full_size):
    _cli(CLI_RUN)
    benchmark.extra_info["note"] = "the article's first run, everything in the disk cache"
    benchmark.pedantic(lambda: _cli(CLI_RUN), rounds=5 if full_size else 1, iterations=1)


@pytest.mark.benchmark(group="descent: fastgd descend, whole process")
def test_cli_descend_new_expression(benchmark, full_size):
    """An expression never seen: parse, sympy.diff, generate, compile f and f' (kernels warm)."""
    _cli(CLI_RUN)

    def new_expression():
        constant = f"10.{uuid.uuid4().int % 10**12:012d}"
        _cli(["descend", f"(x-{constant})**2", *CLI_RUN[2:]])

    benchmark.extra_info["note"] = "a new constant each round: nothing of it cached"
    benchmark.pedantic(new_expression, rounds=3 if full_size else 1, iterations=1)


@pytest.mark.benchmark(group="descent: fastgd descend, whole process")
def test_cli_descend_cold_cache(benchmark, tmp_path, full_size):
    """An empty cache: every kernel compiled (once per installation and args type)."""
    counter = iter(range(100))

    def cold():
        env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / f"cache{next(counter)}"))
        _cli(CLI_RUN, env)

    benchmark.extra_info["note"] = "empty NUMBA_CACHE_DIR"
    benchmark.pedantic(cold, rounds=2 if full_size else 1, iterations=1)


# --- sweeps of descents ---------------------------------------------------------------------------
SWEEP_SIDE = 317  # 317 x 317 = 100,489 starts


def _sweep_starts(full_size):
    return fastgd.grid(-2, 2, -2, 2, SWEEP_SIDE if full_size else 20)


def _record(benchmark, runs, timed_runs=None, **extra):
    benchmark.extra_info.update(runs=runs, **extra)
    if timed_runs is not None and timed_runs != runs:
        benchmark.extra_info.update(extrapolate_to_runs=runs, timed_runs=timed_runs)


@pytest.mark.benchmark(group="descent sweep: 10^5 runs of the article's perturbation problem")
def test_sweep_python_loop_of_minimize_baseline(benchmark, full_size):
    """``minimize`` called from Python once per start: timed on 1,000 starts, scaled."""
    starts = _sweep_starts(full_size)
    sample = starts[:: max(1, len(starts) // 1000)][:1000]
    fastgd.minimize(sin_r2, sample[0], lr=ARTICLE_DECAY, max_iter=302)
    _record(benchmark, len(starts), len(sample))

    def loop():
        for start in sample:
            fastgd.minimize(sin_r2, start, lr=ARTICLE_DECAY, max_iter=302, record_path=False)

    benchmark.pedantic(loop, rounds=3, iterations=1)


@pytest.mark.benchmark(group="descent sweep: 10^5 runs of the article's perturbation problem")
def test_sweep_article_loop(benchmark, full_size):
    """The article's own Python loop from each start: timed on 200 starts, scaled."""
    starts = _sweep_starts(full_size)
    sample = starts[:: max(1, len(starts) // 200)][:200]
    _record(benchmark, len(starts), len(sample))

    def loop():
        for x, y in sample:
            article_perturbation_loop(float(x), float(y))

    benchmark.pedantic(loop, rounds=2, iterations=1)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.benchmark(group="descent sweep: 10^5 runs of the article's perturbation problem")
def test_sweep_minimize_many(benchmark, full_size, workers):
    starts = _sweep_starts(full_size)
    fastgd.minimize_many(sin_r2, starts[:10], lr=ARTICLE_DECAY, max_iter=302)  # load kernels
    _record(benchmark, len(starts), workers=workers)
    result = benchmark.pedantic(
        lambda: fastgd.minimize_many(
            sin_r2, starts, lr=ARTICLE_DECAY, max_iter=302, workers=workers
        ),
        rounds=3 if full_size else 1,
        iterations=1,
    )
    benchmark.extra_info["mean_updates"] = float(result.nit.mean())


def test_speedup_table_reads_measured_seconds(tmp_path):
    """bench/speedup_table.py uses the in-process times and scales sampled baselines."""
    sys.path.insert(0, os.path.dirname(__file__))
    import speedup_table

    data = {
        "machine_info": {},
        "benchmarks": [
            {
                "group": "g",
                "name": "test_x_baseline",
                "stats": {"min": 2.0},
                "extra_info": {"runs": 100, "timed_runs": 10, "extrapolate_to_runs": 100},
            },
            {"group": "g", "name": "test_y", "stats": {"min": 1.0}, "extra_info": {"runs": 100}},
            {
                "group": "h",
                "name": "test_z",
                "stats": {"min": 5.0},
                "extra_info": {"measured_seconds": [0.3, 0.2]},
            },
        ],
    }
    text = speedup_table.table(json.loads(json.dumps(data)))
    assert "20.00 s" in text and "20.0x" in text and "100 runs/s" in text
    assert "200.00 ms" in text
