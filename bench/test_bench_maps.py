"""Trainability maps: numpy reference vs compiled, the notebook's network and the paper's.

The reference trains one cell after another; a whole map would take hours, so it is timed on a
few cells and scaled linearly to the map's size (``extrapolate_to_alphas`` in ``extra_info``,
marked ``*`` in ``bench/speedup_table.py``'s table). The paper's network is also reported in
floating-point operations per second, against the machine's peak (see ``machine_peak_flops``).
"""

import os

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference
from fastgd.kernels.network import unrolled_size
from fastgd.problems import PAPER_WIDTH, map_network, paper_problem

NOTEBOOK_AXES = ((1e-2, 1e3), (1e-2, 1e3))
PAPER_AXES = ((1e-1, 1e3), (1e0, 1e2))
REFERENCE_CELLS = 3  # cells the reference is timed on


def machine_peak_flops() -> float:
    """Double-precision peak of this machine: cores x clock x 16 FLOP per cycle.

    16 = one 512-bit (8-double) fused multiply-add per cycle and core, Zen 4's rate (it runs
    AVX-512 FMAs as two 256-bit halves on its two FMA pipes). The clock is the highest the
    kernel reports for any CPU now (``/proc/cpuinfo``); an estimate, stated as such.
    """
    mhz = 0.0
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("cpu MHz"):
                    mhz = max(mhz, float(line.split(":")[1]))
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores * (mhz or 3000.0) * 1e6 * 16


def _axes(window, n):
    return tuple((low, high, n) for low, high in window)


def _time_map(benchmark, gd, axes, steps, *, cells=None, flops_per_run_step=None, rounds=3, **kw):
    n_cells = axes[0][2] * axes[1][2]
    info = dict(alphas=n_cells, steps=steps + 1, alpha_steps=n_cells * (steps + 1))
    if cells is not None:  # the reference: a few cells of the same map, scaled
        hidden, output = (np.geomspace(*axis) for axis in axes)
        picks = np.linspace(0, n_cells - 1, cells).astype(int)
        axes = (hidden[picks // output.size][:1], output[picks % output.size])
        info.update(
            alphas=cells,
            alpha_steps=cells * (steps + 1),
            extrapolate_to_alphas=n_cells,
            note=f"reference timed on {cells} cells; scaled x{n_cells / cells:,.0f}",
        )
    if flops_per_run_step is not None:
        info["flops"] = flops_per_run_step * info["alpha_steps"]
        info["peak_flops"] = machine_peak_flops()
    benchmark.extra_info.update(info)
    gd.trainability_map(*axes, steps=2, **kw)  # load the kernels before timing
    return benchmark.pedantic(
        lambda: gd.trainability_map(*axes, steps=steps, **kw), rounds=rounds, iterations=1
    )


@pytest.mark.benchmark(group="map: notebook's network, 512 x 512 x 1,000 steps")
def test_notebook_map_reference_extrapolated(benchmark, full_size):
    steps = 1000 if full_size else 20
    _time_map(
        benchmark, reference, _axes(NOTEBOOK_AXES, 512 if full_size else 8), steps,
        cells=REFERENCE_CELLS, rounds=1,
    )  # fmt: skip


@pytest.mark.benchmark(group="map: notebook's network, 512 x 512 x 1,000 steps")
def test_notebook_map_fastgd(benchmark, full_size):
    steps = 1000 if full_size else 20
    result = _time_map(benchmark, fastgd, _axes(NOTEBOOK_AXES, 512 if full_size else 8), steps)
    assert result.final_error.shape == ((512, 512) if full_size else (8, 8))


@pytest.mark.benchmark(group="map: notebook's network, 512 x 512 x 1,000 steps")
def test_notebook_map_fastgd_one_thread(benchmark, full_size):
    steps = 1000 if full_size else 20
    _time_map(
        benchmark, fastgd, _axes(NOTEBOOK_AXES, 512 if full_size else 8), steps, rounds=1,
        workers=1,
    )  # fmt: skip


def _paper_flops_per_run_step() -> int:
    """Multiply-adds of a step of the paper's network, 2 FLOP each (activations not counted)."""
    problem = paper_problem()
    n_samples, n_in = problem.X.shape
    return 2 * unrolled_size(n_samples, n_in, PAPER_WIDTH, 1)


@pytest.mark.benchmark(group="map: paper's network (width 16, 272 samples), 64 x 64 x 200 steps")
def test_paper_map_reference_extrapolated(benchmark, full_size):
    steps = 200 if full_size else 5
    _time_map(
        benchmark, reference, _axes(PAPER_AXES, 64 if full_size else 4), steps,
        cells=2, rounds=1, flops_per_run_step=_paper_flops_per_run_step(), **map_network("paper"),
    )  # fmt: skip


@pytest.mark.benchmark(group="map: paper's network (width 16, 272 samples), 64 x 64 x 200 steps")
def test_paper_map_fastgd(benchmark, full_size):
    steps = 200 if full_size else 5
    _time_map(
        benchmark, fastgd, _axes(PAPER_AXES, 64 if full_size else 4), steps,
        rounds=2 if full_size else 1, flops_per_run_step=_paper_flops_per_run_step(),
        **map_network("paper"),
    )  # fmt: skip
