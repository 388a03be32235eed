"""The training kernel of :mod:`fastgd.kernels.network` for NVIDIA GPUs (numba-cuda).

One thread trains one run, all its steps of a launch; a launch covers a range of steps for
every run of a chunk. The same step as on the CPU (see :mod:`fastgd.kernels.network` for the
formulas and the options), in float64, with the GPU's ``exp``/``tanh`` (libdevice, within an
ulp or two; the CPU kernels' own vectorisable ``exp`` exists because the CPU's libm ``exp`` does
not vectorise, which does not apply here) and ``cuda.fma`` where the CPU kernels fuse.

Layout: every per-run array is ``(values, n_runs)`` with the run innermost, so that the 32
threads of a warp, training 32 neighbouring runs, read and write 32 neighbouring doubles
(coalesced). The data set ``X``, ``y`` is read by all threads alike (broadcast, cached).

A run whose error or updated weights are not finite is *diverged at* that step; its thread
stops there (its later records stay NaN, its weights are those it diverged with), as on the
CPU. ``spec`` carries the options as tuple lengths (compile-time constants), as on the CPU.

This module imports ``numba.cuda`` (from the ``numba-cuda`` package); :mod:`fastgd.gpu`
imports it only when ``device="cuda"`` is asked for.
"""

from __future__ import annotations

import math

from numba import cuda

from fastgd.kernels.activations import SIGMOID, TANH
from fastgd.kernels.network import MEAN_FIELD, MEASURE_CLIP, MEASURE_TAIL, MSE

#: Threads per block of a launch.
THREADS_PER_BLOCK = 128


@cuda.jit(device=True, inline=True)
def _activate(code, z):
    if code == SIGMOID:
        return 1.0 / (1.0 + math.exp(-z))
    if code == TANH:
        return math.tanh(z)
    return z  # LINEAR


@cuda.jit(device=True, inline=True)
def _slope(code, out):
    if code == SIGMOID:
        return out * (1.0 - out)
    if code == TANH:
        return 1.0 - out * out
    return 1.0  # LINEAR


@cuda.jit
def train_runs_cuda(
    X, y, alpha_hidden, alpha_output, w0, w1, layer_1, delta_1, delta_2,
    errors, curve, diverged_at, measure, schedule, scales, spec,
):  # fmt: skip
    """Train run ``cuda.grid(1)`` over ``schedule``'s steps (see the module docstring).

    ``X`` (n_samples, n_in), ``y`` (n_samples, n_out); ``w0`` (n_in * hidden, n_runs), ``w1``
    (hidden * n_out, n_runs); scratch ``layer_1``, ``delta_1`` (n_samples * hidden, n_runs),
    ``delta_2`` (n_samples * n_out, n_runs); records ``errors`` (n_checkpoints,
    n_runs), ``curve`` (n_curve, n_runs), ``diverged_at`` (n_runs,), ``measure`` (4, n_runs);
    ``schedule`` (first, stop, log_every, curve_every, measure_stop); ``scales`` (hidden,
    output, loss); ``spec``: a :class:`~fastgd.kernels.network.KernelSpec`.
    """
    r = cuda.grid(1)
    n_runs = w0.shape[1]
    if r >= n_runs or diverged_at[r] >= 0:
        return
    n_samples, n_in = X.shape
    n_out = y.shape[1]
    hidden = w0.shape[0] // n_in
    hidden_code, output_code = len(spec.hidden_activation), len(spec.output_activation)
    mse, mean_field = len(spec.loss) == MSE, len(spec.parameterization) == MEAN_FIELD
    measuring = len(spec.measure) == 1
    first, stop, log_every, curve_every, measure_stop = schedule
    scale_hidden, scale_output, scale_loss = scales
    delta_2_scale = scale_loss if mse else 1.0
    if mean_field:
        delta_2_scale *= scale_output
    a_h, a_o = alpha_hidden[r], alpha_output[r]

    for step in range(first, stop):
        for s in range(n_samples):
            for j in range(hidden):
                z = 0.0
                for i in range(n_in):
                    z = cuda.fma(X[s, i], w0[i * hidden + j, r], z)
                if mean_field:
                    z *= scale_hidden
                layer_1[s * hidden + j, r] = _activate(hidden_code, z)
        finite = True
        abs_sum, squares = 0.0, 0.0
        for s in range(n_samples):
            for k in range(n_out):
                z = 0.0
                for j in range(hidden):
                    z = cuda.fma(layer_1[s * hidden + j, r], w1[j * n_out + k, r], z)
                if mean_field:
                    z *= scale_output
                out = _activate(output_code, z)
                error = out - y[s, k]
                delta = error * _slope(output_code, out)
                delta_2[s * n_out + k, r] = delta * delta_2_scale if (mse or mean_field) else delta
                finite = finite and math.isfinite(error)
                abs_sum += abs(error)
                squares = cuda.fma(error, error, squares)
        mean_abs = abs_sum / (n_samples * n_out)
        if step % log_every == 0:
            errors[step // log_every, r] = mean_abs
        if curve_every > 0 and step % curve_every == 0:
            curve[step // curve_every, r] = mean_abs
        if measuring and step < measure_stop:
            if step == 0:
                measure[0, r] = squares
            ratio = squares / measure[0, r]
            ratio = ratio if ratio < MEASURE_CLIP else MEASURE_CLIP  # NaN and inf too
            measure[1, r] += ratio
            measure[2, r] += 1.0 / ratio
            if step >= measure_stop - MEASURE_TAIL:
                measure[3, r] += ratio
        for s in range(n_samples):
            for j in range(hidden):
                z = 0.0
                for k in range(n_out):
                    z = cuda.fma(delta_2[s * n_out + k, r], w1[j * n_out + k, r], z)
                delta = z * _slope(hidden_code, layer_1[s * hidden + j, r])
                delta_1[s * hidden + j, r] = delta * scale_hidden if mean_field else delta
        for j in range(hidden):
            for k in range(n_out):
                g = 0.0
                for s in range(n_samples):
                    g = cuda.fma(layer_1[s * hidden + j, r], delta_2[s * n_out + k, r], g)
                weight = cuda.fma(-a_o, g, w1[j * n_out + k, r])
                w1[j * n_out + k, r] = weight
                finite = finite and math.isfinite(weight)
        for i in range(n_in):
            for j in range(hidden):
                g = 0.0
                for s in range(n_samples):
                    g = cuda.fma(X[s, i], delta_1[s * hidden + j, r], g)
                weight = cuda.fma(-a_h, g, w0[i * hidden + j, r])
                w0[i * hidden + j, r] = weight
                finite = finite and math.isfinite(weight)
        if not finite:
            diverged_at[r] = step
            return
