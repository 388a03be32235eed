"""``device="cuda"``: the GPU kernels on Numba's CUDA simulator, against the CPU path.

The simulator (``NUMBA_ENABLE_CUDASIM=1``) needs no GPU but must be switched on before Numba's
CUDA target is imported, so it runs in a child interpreter: the CPU tests in this process never
see it. It runs every GPU thread as a Python thread, so the sizes here are small (7 runs x 300
steps). Tests that need a real GPU are skipped without one.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastgd
from fastgd.problems import NOTEBOOK_ALPHAS, XOR_Y

pytest.importorskip("numba_cuda", reason="needs numba-cuda (pip install 'fastgd[cuda]')")

SWEEP = dict(steps=300, log_every=50)
MAP = dict(steps=40)
MAP_AXES = ((0.1, 100.0, 3), (0.1, 100.0, 3))
OPTIONS = dict(hidden_activation="tanh", output_activation="linear", loss="mse",
               parameterization="mean-field")  # fmt: skip
DIVERGING = dict(steps=100, log_every=25)

# Runs in the simulator: the same calls as the CPU side below, results as JSON.
_ON_SIMULATOR = textwrap.dedent(
    """
    import json, warnings
    import numpy as np
    import fastgd
    from fastgd.problems import NOTEBOOK_ALPHAS, XOR_Y
    warnings.simplefilter("ignore")  # the simulator warns of the overflows of diverging runs
    SWEEP, MAP, MAP_AXES, OPTIONS, DIVERGING = {args}

    def plain(result):
        return {{k: np.asarray(v).tolist() for k, v in result.items()
                if isinstance(v, (np.ndarray, int, float))}}

    out = dict(
        sweep=plain(fastgd.sweep_xor(NOTEBOOK_ALPHAS, device="cuda", **SWEEP)),
        options=plain(fastgd.sweep_xor([0.05, 0.5], alphas_output=[0.2, 0.02], device="cuda",
                                       **OPTIONS, **SWEEP)),
        map=plain(fastgd.trainability_map(*MAP_AXES, device="cuda", **MAP)),
        diverging=plain(fastgd.sweep_xor([1e-300, 1e10, 3e10], y=XOR_Y * 1e300, device="cuda",
                                         **DIVERGING)),
    )
    print("RESULT" + json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def simulated():
    code = _ON_SIMULATOR.format(args=repr((SWEEP, MAP, MAP_AXES, OPTIONS, DIVERGING)))
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT"))
    return {name: {k: np.array(v, dtype=float) for k, v in result.items()}
            for name, result in json.loads(line[len("RESULT"):]).items()}  # fmt: skip


def test_simulated_sweep_matches_the_cpu(simulated):
    # alpha <= 10: the runs that are not chaotic (at 100 and 1000 round-off grows, see the
    # README); the simulator's fma is not even fused.
    gpu, cpu = simulated["sweep"], fastgd.sweep_xor(NOTEBOOK_ALPHAS, **SWEEP)
    stable = [i for i, a in enumerate(NOTEBOOK_ALPHAS) if a <= 10]
    for name, atol in (("errors", 1e-10), ("curve_errors", 1e-10), ("synapse_0", 1e-12)):
        np.testing.assert_allclose(gpu[name][stable], cpu[name][stable], rtol=0, atol=atol)
    np.testing.assert_allclose(gpu["synapse_1"][stable], cpu.synapse_1[stable], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(gpu["status"], cpu.status)
    assert np.all(np.isfinite(gpu["errors"]))


def test_simulated_options_match_the_cpu(simulated):
    gpu = simulated["options"]
    cpu = fastgd.sweep_xor([0.05, 0.5], alphas_output=[0.2, 0.02], **OPTIONS, **SWEEP)
    np.testing.assert_allclose(gpu["errors"], cpu.errors, rtol=0, atol=1e-10)
    np.testing.assert_allclose(gpu["synapse_0"], cpu.synapse_0, rtol=0, atol=1e-12)


def test_simulated_map_matches_the_cpu(simulated):
    gpu, cpu = simulated["map"], fastgd.trainability_map(*MAP_AXES, **MAP)
    np.testing.assert_array_equal(gpu["status"], cpu.status)
    np.testing.assert_array_equal(gpu["diverged_at"], cpu.diverged_at)
    stable = cpu.alpha_hidden <= 10
    np.testing.assert_allclose(gpu["final_error"][stable], cpu.final_error[stable], atol=1e-10)
    np.testing.assert_allclose(gpu["measure"][stable], cpu.measure[stable], rtol=1e-9)


def test_simulated_diverged_runs_are_reported_as_diverged(simulated):
    gpu = simulated["diverging"]
    cpu = fastgd.sweep_xor([1e-300, 1e10, 3e10], y=XOR_Y * 1e300, **DIVERGING)
    np.testing.assert_array_equal(gpu["status"], [0, 2, 2])
    np.testing.assert_array_equal(gpu["diverged_at"], cpu.diverged_at)
    np.testing.assert_array_equal(np.isnan(gpu["errors"]), np.isnan(cpu.errors))


def _gpu_present() -> bool:
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return False
    from numba import cuda

    return cuda.is_available()


@pytest.mark.skipif(_gpu_present(), reason="this machine has a GPU")
def test_no_gpu_is_a_clear_error_naming_what_is_missing(capsys):
    from fastgd.cli import main
    from fastgd.gpu import DeviceError

    with pytest.raises(DeviceError, match="device='cuda'") as caught:
        fastgd.sweep_xor([1.0], steps=10, device="cuda")
    assert "GPU" in str(caught.value) or "numba-cuda" in str(caught.value)
    with pytest.raises(DeviceError, match="device='cuda'"):
        fastgd.trainability_map((0.1, 1.0, 2), (0.1, 1.0, 2), steps=5, device="cuda")
    assert main(["map", "--device", "cuda", "--resolution", "2", "--steps", "5", "--plot", ""]) == 2
    assert "device='cuda'" in capsys.readouterr().out


@pytest.mark.parametrize("device", ["gpu", "CUDA", 0, None])
def test_unknown_devices_are_refused(device):
    with pytest.raises(ValueError, match="device must be one of"):
        fastgd.sweep_xor([1.0], steps=10, device=device)


@pytest.mark.skipif(not _gpu_present(), reason="needs an NVIDIA GPU")
def test_real_gpu_matches_the_cpu():
    gpu = fastgd.sweep_xor(NOTEBOOK_ALPHAS, device="cuda", **SWEEP)
    cpu = fastgd.sweep_xor(NOTEBOOK_ALPHAS, **SWEEP)
    np.testing.assert_allclose(gpu.errors, cpu.errors, rtol=0, atol=1e-10)
    big = fastgd.trainability_map((1e-2, 1e3, 64), (1e-2, 1e3, 64), steps=200, device="cuda")
    ref = fastgd.trainability_map((1e-2, 1e3, 64), (1e-2, 1e3, 64), steps=200)
    np.testing.assert_array_equal(big.status, ref.status)
