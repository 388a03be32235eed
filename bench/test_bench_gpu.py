"""Sweeps and maps on an NVIDIA GPU: fastgd's CUDA kernels, JAX on the same GPU, the CPU beside.

Skipped without a usable GPU (nothing here runs on the CUDA simulator). Each group has the same
work three ways, so ``bench/speedup_table.py`` shows the ratios measured in one run:

* fastgd ``device="cuda"``;
* JAX ``jit(vmap(lax.scan))`` of the same training in float64 on the same GPU (only when jax
  with GPU support is importable);
* fastgd on this machine's CPU cores (the baseline).

Under ``--benchmark-disable`` (CI) the sizes shrink, and the module is skipped anyway there.
"""

import os

import numpy as np
import pytest

import fastgd
from fastgd.problems import XOR_X, XOR_Y


def _gpu_available() -> bool:
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return False
    try:
        from numba import cuda

        return cuda.is_available()
    except ImportError:
        return False


pytestmark = pytest.mark.skipif(not _gpu_available(), reason="needs an NVIDIA GPU and numba-cuda")

STEPS = 1000
MAP_RESOLUTION = 1000  # a 1,000 x 1,000 map: 10**6 runs
SWEEP_ALPHAS, SWEEP_SEEDS = np.geomspace(1e-3, 1e3, 1000), range(1, 1001)  # 10**6 runs


def _sizes(full_size):
    if full_size:
        return MAP_RESOLUTION, SWEEP_ALPHAS, SWEEP_SEEDS, STEPS
    return 8, SWEEP_ALPHAS[:8], range(1, 3), 10


def _record(benchmark, n_runs, steps, device):
    name = _gpu_name() if device == "cuda" else "CPU"
    benchmark.extra_info.update(alphas=n_runs, steps=steps, alpha_steps=n_runs * steps, device=name)


def _gpu_name() -> str:
    from numba import cuda

    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else str(name)


# --- a 1,000 x 1,000 map of the notebook's network x 1,000 steps -----------------------------


@pytest.mark.benchmark(group="gpu: map 1,000 x 1,000 x 1,000 steps")
@pytest.mark.parametrize("device", ["cpu_baseline", "cuda"])
def test_map_1000x1000(benchmark, full_size, device):
    n, _, _, steps = _sizes(full_size)
    axes = ((1e-2, 1e3, n), (1e-2, 1e3, n))
    target = "cuda" if device == "cuda" else "cpu"
    fastgd.trainability_map(*axes[:1], (1.0, 2.0, 2), steps=2, device=target)  # compile
    _record(benchmark, n * n, steps + 1, target)
    benchmark.pedantic(
        lambda: fastgd.trainability_map(*axes, steps=steps, device=target), rounds=2, iterations=1
    )


@pytest.mark.benchmark(group="gpu: map 1,000 x 1,000 x 1,000 steps")
def test_map_1000x1000_jax(benchmark, full_size):
    jax_train = _jax_trainer()
    n, _, _, steps = _sizes(full_size)
    rates = np.geomspace(1e-2, 1e3, n)
    hidden, output = np.repeat(rates, n), np.tile(rates, n)
    jax_train(hidden[:2], output[:2], 2)  # compile for the shapes below too
    _record(benchmark, n * n, steps, "cuda")
    benchmark.pedantic(lambda: jax_train(hidden, output, steps), rounds=2, iterations=1)


# --- 10**6 runs: 1,000 alphas x 1,000 seeds x 1,000 steps --------------------------------------


@pytest.mark.benchmark(group="gpu: sweep 1,000 alphas x 1,000 seeds x 1,000 steps")
@pytest.mark.parametrize("device", ["cpu_baseline", "cuda"])
def test_alpha_seed_sweep(benchmark, full_size, device):
    _, alphas, seeds, steps = _sizes(full_size)
    target = "cuda" if device == "cuda" else "cpu"
    fastgd.sweep_xor(alphas[:2], seeds=[1], steps=2, device=target)
    _record(benchmark, len(alphas) * len(seeds), steps, target)
    benchmark.pedantic(
        lambda: fastgd.sweep_xor(
            alphas, seeds=seeds, steps=steps, log_every=steps // 4 or 1, device=target
        ),
        rounds=1,
        iterations=1,
    )


# --- the peer: JAX jit(vmap(lax.scan)) of the notebook's training ----------------------------


def _jax_trainer():
    """JAX's version of the notebook's run over many (alpha_hidden, alpha_output) pairs."""
    jax = pytest.importorskip("jax")
    if not any(d.platform == "gpu" for d in jax.devices()):
        pytest.skip("jax has no GPU here")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    from fastgd._training_setup import seeded_weights

    X, y = jnp.asarray(XOR_X), jnp.asarray(XOR_Y)
    w0, w1 = (jnp.asarray(w) for w in seeded_weights(1, 3, 4, 1))

    def sigmoid(z):
        return 1 / (1 + jnp.exp(-z))

    def run(alpha_hidden, alpha_output, steps):
        def step(weights, _):
            s0, s1 = weights
            l1 = sigmoid(X @ s0)
            l2 = sigmoid(l1 @ s1)
            error = l2 - y
            d2 = error * l2 * (1 - l2)
            d1 = (d2 @ s1.T) * l1 * (1 - l1)
            new = (s0 - alpha_hidden * (X.T @ d1), s1 - alpha_output * (l1.T @ d2))
            return new, None  # nothing per step: 10**6 runs x 1,000 steps would be 8 GB

        (s0, s1), _ = lax.scan(step, (w0, w1), None, length=steps)
        final_error = jnp.mean(jnp.abs(sigmoid(sigmoid(X @ s0) @ s1) - y))
        return final_error, s0, s1

    batched = jax.jit(jax.vmap(run, in_axes=(0, 0, None)), static_argnums=2)

    def train(alpha_hidden, alpha_output, steps):
        out = batched(jnp.asarray(alpha_hidden), jnp.asarray(alpha_output), steps)
        return jax.block_until_ready(out)

    return train
