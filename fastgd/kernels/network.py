"""Numba kernels that train small one-hidden-layer networks by full-batch gradient descent.

What a step computes (see :mod:`fastgd.network` for the options)::

    layer_1 = f(a_h * X @ w0)           layer_2 = g(a_o * layer_1 @ w1)
    error   = layer_2 - y               delta_2 = error * g'(layer_2) * loss scale * a_o
    delta_1 = (delta_2 @ w1.T) * f'(layer_1) * a_h
    w1 -= alpha_output * layer_1.T @ delta_2            w0 -= alpha_hidden * X.T @ delta_1

Layout
------
A *block* of ``lanes`` independent runs (each with its own two learning rates and weights) is
trained together, the run index innermost ("structure of arrays": ``w0[i, j, lane]``), in flat
1-D arrays indexed by hand. Every stage is a loop whose innermost index runs over lanes (or over
units x lanes), with no dependence between iterations, which LLVM turns into SIMD
instructions. Three things make that happen for blocks of 4 or 8 lanes, not only 32:
the kernel is compiled with ``noalias`` (its arrays never overlap, so LLVM need not reload
after every store), with the SLP vectoriser on (LLVM unrolls loops this short before the loop
vectoriser sees them), and every multiply-add is an explicit :func:`~fastgd.kernels.fma.fma`
(so the rounding, and hence every bit of a run, is the same whatever the lane count and however
LLVM vectorises). See :mod:`fastgd._jit` and docs/performance.md.

Specialisation
--------------
``spec`` (:class:`KernelSpec`) is a named tuple of tuples whose *lengths* are the block's
sizes and option codes: ``len()`` of a tuple is part of its Numba type, so each shape and choice
is one compiled, disk-cached specialisation of these module-level functions, in which the sizes
are constants (LLVM unrolls the small loops and keeps values in registers: 3x faster) and the
option branches not taken are gone. Large networks would take minutes to compile that way, so
above :data:`FIXED_SHAPE_LIMIT` the size tuples are empty and the sizes are read from the arrays
at run time: one specialisation per lane count and options, for any shape.

Divergence
----------
After every step each lane checks that its error and its updated weights are finite (``x * 0``
is NaN exactly for inf and NaN). A lane that fails is *diverged at* that step: its weights at
that moment are kept, its later records are NaN, it stops counting for the convergence measure,
and when every lane of a block has diverged the block stops. All of this happens per lane, so a
run gives the same bits in any block, on any thread.

A run's whole state is its weights, its ``diverged_at`` and its measure sums, so a run split
into consecutive step ranges gives exactly the numbers of one call over all steps.
All scratch memory is allocated once per call, never per step; the kernels release the GIL.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from fastgd._jit import jit
from fastgd.kernels.activations import activate, slope
from fastgd.kernels.fma import fma
from fastgd.network import LOSSES, PARAMETERIZATIONS

MSE = LOSSES.index("mse")
MEAN_FIELD = PARAMETERIZATIONS.index("mean-field")

#: Networks whose step is larger than this (multiply-adds per lane: samples x hidden x
#: (inputs + 2 outputs) + the weights) get the run-time-size kernel. Measured on the 2-core
#: Zen 4 (docs/performance.md): below it the fixed-shape kernel is as fast or faster (2x at 4
#: lanes, 1.7x at 32 for the notebook's 96) and compiles in ~5-8 s; above it the run-time-size
#: kernel is as fast or faster at 32 lanes, while fixed shapes take ever longer to compile
#: (14-17 s at 6,144; minutes beyond). The run-time-size kernel compiles in ~6 s, once.
FIXED_SHAPE_LIMIT = 1024

#: The paper's convergence measure clips each loss ratio here (and counts NaN/inf as it).
MEASURE_CLIP = 1e6
#: ... and calls a run converged when the mean ratio of its last this many steps is below 1.
MEASURE_TAIL = 20
#: Columns of a run's measure sums: initial loss, sum of ratios, sum of 1/ratio, tail sum.
MEASURE_FIELDS = 4


class KernelSpec(NamedTuple):
    """A kernel specialisation; each field is a tuple whose *length* is the value.

    The four sizes are empty tuples in the run-time-size specialisation.
    """

    samples: tuple
    inputs: tuple
    hidden: tuple
    outputs: tuple
    lanes: tuple
    hidden_activation: tuple
    output_activation: tuple
    loss: tuple
    parameterization: tuple
    measure: tuple


def unrolled_size(n_samples: int, n_in: int, hidden: int, n_out: int) -> int:
    """Multiply-adds per lane and step, the measure of compile time (see FIXED_SHAPE_LIMIT)."""
    return n_samples * hidden * (n_in + 2 * n_out) + n_in * hidden + hidden * n_out


def kernel_spec(
    n_samples: int,
    n_in: int,
    hidden: int,
    n_out: int,
    lanes: int,
    codes: tuple[int, int, int, int],
    measure: bool,
) -> KernelSpec:
    """The ``spec`` argument of the kernels (see the module docstring)."""
    fixed = unrolled_size(n_samples, n_in, hidden, n_out) <= FIXED_SHAPE_LIMIT
    sizes = (n_samples, n_in, hidden, n_out) if fixed else (0, 0, 0, 0)
    values = (*sizes, lanes, *codes, int(measure))
    return KernelSpec(*((0,) * value for value in values))


class Data(NamedTuple):
    """The training set, flat: ``X`` (n_samples * n_in,), ``y`` (n_samples * n_out,)."""

    X: np.ndarray
    y: np.ndarray


class Scales(NamedTuple):
    """Run-time factors: hidden and output pre-activations (mean-field), loss gradient (mse)."""

    hidden: float
    output: float
    loss: float


class Schedule(NamedTuple):
    """The steps of one call and what to record (steps are absolute, from 0)."""

    first_step: int
    stop_step: int
    #: error checkpoints every ``log_every`` steps, the fine curve every ``curve_every`` (0: none)
    log_every: int
    curve_every: int
    #: the measure covers the losses of steps ``0 .. measure_stop - 1``
    measure_stop: int


class Block(NamedTuple):
    """One block of lanes, flat, lanes innermost; the state carried between calls."""

    alpha_hidden: np.ndarray  # (lanes,)
    alpha_output: np.ndarray  # (lanes,)
    w0: np.ndarray  # (n_in * hidden * lanes,)  in and out
    w1: np.ndarray  # (hidden * n_out * lanes,)  in and out
    diverged_at: np.ndarray  # int64 (lanes,): -1, or the step it diverged
    measure: np.ndarray  # (MEASURE_FIELDS * lanes,)
    w0_at_divergence: np.ndarray  # out: the weights when a lane diverged in this call
    w1_at_divergence: np.ndarray


class Scratch(NamedTuple):
    """Per-step working memory of a block (contents undefined between steps)."""

    layer_1: np.ndarray  # (n_samples * hidden * lanes,)
    layer_2: np.ndarray  # (n_samples * n_out * lanes,): outputs, then errors
    delta_1: np.ndarray
    delta_2: np.ndarray
    grad_0: np.ndarray  # (n_in * hidden * lanes,)
    grad_1: np.ndarray  # (hidden * n_out * lanes,)
    lane_sum: np.ndarray  # (lanes,)
    poison: np.ndarray  # (lanes,): 0.0 while everything is finite, NaN after


class Records(NamedTuple):
    """What a call records: rows of ``lanes`` values, one per checkpoint or curve point in it."""

    errors: np.ndarray  # (checkpoints in the call * lanes,)
    curve: np.ndarray  # (curve points in the call * lanes,)


@jit
def _size(token, actual):
    """A size: the compile-time constant ``len(token)``, or ``actual`` at run time."""
    return len(token) if len(token) > 0 else actual


@jit
def at(index):
    """``index`` as an unsigned integer, for indexing with a computed offset.

    Numba adds ``index + size if index < 0`` to every signed index; where LLVM cannot prove
    the offset non-negative (sizes known only at run time) that select stops the loop from
    vectorising (measured: 3 vs 25 GFLOP/s on the paper's network). Offsets here are never
    negative.
    """
    return np.uint64(index)


@jit
def _first_multiple(step, every):
    """The first multiple of ``every`` at or after ``step``."""
    return (step + every - 1) // every * every


# The five contractions of a step, each a function of its own (compiled with noalias, and
# inlined by LLVM). Each comes in two loop orders that do the same floating-point operations on
# every element, in the same order, so both give the same bits: with sizes known at compile time
# the sum runs innermost in a register (LLVM unrolls it and vectorises across lanes); with
# run-time sizes it runs outermost into memory, so that the innermost loop is a long
# contiguous one that the loop vectoriser takes.


@jit
def _sizes(spec, n_samples, n_in, hidden, n_out):
    """The block's sizes: compile-time constants of ``spec``, or the run-time values given."""
    return (
        _size(spec.samples, n_samples),
        _size(spec.inputs, n_in),
        _size(spec.hidden, hidden),
        _size(spec.outputs, n_out),
        len(spec.lanes),
        len(spec.samples) > 0,
    )


@jit(noalias=True, nogil=True)
def _hidden_layer(spec, sizes, X, w0, layer_1):
    """layer_1[s, (j, b)] = sum_i X[s, i] * w0[i, (j, b)]."""
    n_samples, n_in, hidden, _, lanes, fixed = _sizes(spec, *sizes)
    hl = hidden * lanes
    if fixed:
        for s in range(n_samples):
            for n in range(hl):
                z = 0.0
                for i in range(n_in):
                    z = fma(X[at(s * n_in + i)], w0[at(i * hl + n)], z)
                layer_1[at(s * hl + n)] = z
    else:
        for n in range(n_samples * hl):
            layer_1[at(n)] = 0.0
        for s in range(n_samples):
            for i in range(n_in):
                x = X[at(s * n_in + i)]
                for n in range(hl):
                    layer_1[at(s * hl + n)] = fma(x, w0[at(i * hl + n)], layer_1[at(s * hl + n)])


@jit(noalias=True, nogil=True)
def _output_layer(spec, sizes, layer_1, w1, layer_2):
    """layer_2[s, k, b] = sum_j layer_1[s, j, b] * w1[j, k, b]."""
    n_samples, _, hidden, n_out, lanes, fixed = _sizes(spec, *sizes)
    hl, ol = hidden * lanes, n_out * lanes
    if fixed:
        for s in range(n_samples):
            for k in range(n_out):
                for b in range(lanes):
                    z = 0.0
                    for j in range(hidden):
                        z = fma(
                            layer_1[at(s * hl + j * lanes + b)], w1[at(j * ol + k * lanes + b)], z
                        )
                    layer_2[at(s * ol + k * lanes + b)] = z
    else:
        for n in range(n_samples * ol):
            layer_2[at(n)] = 0.0
        for s in range(n_samples):
            for j in range(hidden):
                for k in range(n_out):
                    for b in range(lanes):
                        out = s * ol + k * lanes + b
                        layer_2[at(out)] = fma(
                            layer_1[at(s * hl + j * lanes + b)],
                            w1[at(j * ol + k * lanes + b)],
                            layer_2[at(out)],
                        )


@jit(noalias=True, nogil=True)
def _hidden_error(spec, sizes, delta_2, w1, delta_1):
    """delta_1[s, j, b] = sum_k delta_2[s, k, b] * w1[j, k, b] (before the slope)."""
    n_samples, _, hidden, n_out, lanes, fixed = _sizes(spec, *sizes)
    hl, ol = hidden * lanes, n_out * lanes
    if fixed:
        for s in range(n_samples):
            for j in range(hidden):
                for b in range(lanes):
                    z = 0.0
                    for k in range(n_out):
                        z = fma(
                            delta_2[at(s * ol + k * lanes + b)], w1[at(j * ol + k * lanes + b)], z
                        )
                    delta_1[at(s * hl + j * lanes + b)] = z
    else:
        for n in range(n_samples * hl):
            delta_1[at(n)] = 0.0
        for s in range(n_samples):
            for k in range(n_out):
                for j in range(hidden):
                    for b in range(lanes):
                        n = s * hl + j * lanes + b
                        delta_1[at(n)] = fma(
                            delta_2[at(s * ol + k * lanes + b)],
                            w1[at(j * ol + k * lanes + b)],
                            delta_1[at(n)],
                        )


@jit(noalias=True, nogil=True)
def _output_gradient(spec, sizes, layer_1, delta_2, grad_1):
    """grad_1[j, k, b] = sum_s layer_1[s, j, b] * delta_2[s, k, b]."""
    n_samples, _, hidden, n_out, lanes, fixed = _sizes(spec, *sizes)
    hl, ol = hidden * lanes, n_out * lanes
    if fixed:
        for j in range(hidden):
            for k in range(n_out):
                for b in range(lanes):
                    g = 0.0
                    for s in range(n_samples):
                        g = fma(
                            layer_1[at(s * hl + j * lanes + b)],
                            delta_2[at(s * ol + k * lanes + b)],
                            g,
                        )
                    grad_1[at(j * ol + k * lanes + b)] = g
    else:
        for n in range(hidden * ol):
            grad_1[at(n)] = 0.0
        for s in range(n_samples):
            for j in range(hidden):
                for k in range(n_out):
                    for b in range(lanes):
                        n = j * ol + k * lanes + b
                        grad_1[at(n)] = fma(
                            layer_1[at(s * hl + j * lanes + b)],
                            delta_2[at(s * ol + k * lanes + b)],
                            grad_1[at(n)],
                        )


@jit(noalias=True, nogil=True)
def _hidden_gradient(spec, sizes, X, delta_1, grad_0):
    """grad_0[i, (j, b)] = sum_s X[s, i] * delta_1[s, (j, b)]."""
    n_samples, n_in, hidden, _, lanes, fixed = _sizes(spec, *sizes)
    hl = hidden * lanes
    if fixed:
        for i in range(n_in):
            for n in range(hl):
                g = 0.0
                for s in range(n_samples):
                    g = fma(X[at(s * n_in + i)], delta_1[at(s * hl + n)], g)
                grad_0[at(i * hl + n)] = g
    else:
        for n in range(n_in * hl):
            grad_0[at(n)] = 0.0
        for s in range(n_samples):
            for i in range(n_in):
                x = X[at(s * n_in + i)]
                for n in range(hl):
                    grad_0[at(i * hl + n)] = fma(x, delta_1[at(s * hl + n)], grad_0[at(i * hl + n)])


@jit(noalias=True, nogil=True)
def train_block(data, block, scratch, records, schedule, scales, spec, n_in, hidden):
    """Train one block of lanes over ``schedule``'s steps, in place; returns the steps run.

    ``n_in`` and ``hidden`` are the sizes at run time (the rest follow from the arrays); with
    a fixed-shape ``spec`` they are its constants.
    """
    n_samples = data.X.shape[0] // n_in
    n_out = data.y.shape[0] // n_samples
    sizes = (n_samples, n_in, hidden, n_out)
    n_samples, n_in, hidden, n_out, lanes, _ = _sizes(spec, *sizes)
    mse, mean_field = len(spec.loss) == MSE, len(spec.parameterization) == MEAN_FIELD
    measuring = len(spec.measure) == 1

    X, y, w0, w1 = data.X, data.y, block.w0, block.w1
    layer_1, layer_2, delta_1, delta_2 = (
        scratch.layer_1,
        scratch.layer_2,
        scratch.delta_1,
        scratch.delta_2,
    )
    grad_0, grad_1, lane_sum, poison = (
        scratch.grad_0,
        scratch.grad_1,
        scratch.lane_sum,
        scratch.poison,
    )
    diverged_at, measure = block.diverged_at, block.measure
    hl, ol = hidden * lanes, n_out * lanes
    n_errors = n_samples * n_out
    delta_2_scale = scales.loss if mse else 1.0
    if mean_field:
        delta_2_scale *= scales.output

    alive = 0
    for b in range(lanes):
        if diverged_at[b] < 0:
            alive += 1
    first_step, stop_step = schedule.first_step, schedule.stop_step
    next_checkpoint = _first_multiple(first_step, schedule.log_every)
    curve_every = schedule.curve_every
    next_curve = _first_multiple(first_step, curve_every) if curve_every > 0 else -1
    checkpoint_row, curve_row = 0, 0
    measure_stop = schedule.measure_stop
    tail_start = measure_stop - MEASURE_TAIL

    step = first_step
    while step < stop_step and alive > 0:
        # Forward: layer_1 = f(a_h * X . w0), summing over inputs in index order.
        _hidden_layer(spec, sizes, X, w0, layer_1)
        for n in range(n_samples * hl):
            z = layer_1[at(n)] * scales.hidden if mean_field else layer_1[at(n)]
            layer_1[at(n)] = activate(spec.hidden_activation, z)
        # layer_2 = g(a_o * layer_1 . w1)
        _output_layer(spec, sizes, layer_1, w1, layer_2)
        for n in range(n_samples * ol):
            z = layer_2[at(n)] * scales.output if mean_field else layer_2[at(n)]
            layer_2[at(n)] = activate(spec.output_activation, z)
        # Error and delta_2; layer_2 now holds the error (output - y).
        for b in range(lanes):
            poison[b] = 0.0
        for s in range(n_samples):
            for k in range(n_out):
                target = y[at(s * n_out + k)]
                for b in range(lanes):
                    n = s * ol + k * lanes + b
                    out = layer_2[at(n)]
                    error = out - target
                    delta = error * slope(spec.output_activation, out)
                    delta_2[at(n)] = delta * delta_2_scale if (mse or mean_field) else delta
                    layer_2[at(n)] = error
                    poison[b] = fma(error, 0.0, poison[b])
        # Records, before the update as the notebook prints them: mean |error| per lane, NaN for
        # lanes that diverged earlier.
        at_checkpoint = step == next_checkpoint
        at_curve = step == next_curve
        if at_checkpoint or at_curve:
            for b in range(lanes):
                lane_sum[b] = 0.0
            for n in range(n_errors):
                for b in range(lanes):
                    lane_sum[b] += abs(layer_2[at(n * lanes + b)])
            for b in range(lanes):
                value = lane_sum[b] / n_errors if diverged_at[b] < 0 else np.nan
                if at_checkpoint:
                    records.errors[at(checkpoint_row * lanes + b)] = value
                if at_curve:
                    records.curve[at(curve_row * lanes + b)] = value
            if at_checkpoint:
                checkpoint_row += 1
                next_checkpoint += schedule.log_every
            if at_curve:
                curve_row += 1
                next_curve += curve_every
        if measuring and step < measure_stop:
            _accumulate_measure(
                layer_2, lane_sum, measure, diverged_at, step, tail_start, lanes, n_errors
            )
        # Backward: delta_1 = (delta_2 . w1^T) * f'(layer_1) * a_h, with w1 before the update.
        _hidden_error(spec, sizes, delta_2, w1, delta_1)
        for n in range(n_samples * hl):
            delta = delta_1[at(n)] * slope(spec.hidden_activation, layer_1[at(n)])
            delta_1[at(n)] = delta * scales.hidden if mean_field else delta
        # Gradients, summed over samples in index order; then w - alpha * gradient.
        _output_gradient(spec, sizes, layer_1, delta_2, grad_1)
        _hidden_gradient(spec, sizes, X, delta_1, grad_0)
        for jk in range(hidden * n_out):
            for b in range(lanes):
                n = jk * lanes + b
                weight = fma(-block.alpha_output[b], grad_1[at(n)], w1[at(n)])
                w1[at(n)] = weight
                poison[b] = fma(weight, 0.0, poison[b])
        for ij in range(n_in * hidden):
            for b in range(lanes):
                n = ij * lanes + b
                weight = fma(-block.alpha_hidden[b], grad_0[at(n)], w0[at(n)])
                w0[at(n)] = weight
                poison[b] = fma(weight, 0.0, poison[b])
        # Divergence: a lane whose error or new weights are not finite stops here.
        fresh = 0
        for b in range(lanes):
            fresh += (poison[b] != poison[b]) & (diverged_at[b] < 0)
        if fresh > 0:
            alive -= fresh
            _mark_diverged(block, poison, step, lanes, n_in * hidden, hidden * n_out)
        step += 1
    return step - first_step


@jit(inline=True)
def _accumulate_measure(errors, sse, measure, diverged_at, step, tail_start, lanes, n_errors):
    """Add this step's loss ratio to the measure sums of the lanes still alive.

    ``measure`` holds, per lane: the initial loss, the sum of the clipped ratios, the sum of
    their inverses and the sum over the last MEASURE_TAIL steps. The loss is the summed
    squared error: the ratio to the initial loss is the same for every loss scale.
    """
    for b in range(lanes):
        sse[b] = 0.0
    for n in range(n_errors):
        for b in range(lanes):
            error = errors[at(n * lanes + b)]
            sse[b] = fma(error, error, sse[b])
    if step == 0:
        for b in range(lanes):
            measure[b] = sse[b]
    for b in range(lanes):
        if diverged_at[b] < 0:
            ratio = sse[b] / measure[b]
            ratio = ratio if ratio < MEASURE_CLIP else MEASURE_CLIP  # NaN and inf too
            measure[at(lanes + b)] += ratio
            measure[at(2 * lanes + b)] += 1.0 / ratio
            if step >= tail_start:
                measure[at(3 * lanes + b)] += ratio


@jit(inline=True)
def _mark_diverged(block, poison, step, lanes, n_w0, n_w1):
    """Record ``step`` and keep the weights of every lane that has just diverged."""
    for b in range(lanes):
        if poison[b] != poison[b] and block.diverged_at[b] < 0:
            block.diverged_at[b] = step
            for n in range(n_w0):
                block.w0_at_divergence[at(n * lanes + b)] = block.w0[at(n * lanes + b)]
            for n in range(n_w1):
                block.w1_at_divergence[at(n * lanes + b)] = block.w1[at(n * lanes + b)]


class Chunk(NamedTuple):
    """Many runs' parameters and state, one row per run (the unit of work of the runner)."""

    alpha_hidden: np.ndarray  # (n_runs,)
    alpha_output: np.ndarray  # (n_runs,)
    w0: np.ndarray  # (n_runs, n_in, hidden), in and out
    w1: np.ndarray  # (n_runs, hidden, n_out), in and out
    errors: np.ndarray  # (n_runs, n_checkpoints): filled where the call's steps reach
    curve: np.ndarray  # (n_runs, n_curve)
    diverged_at: np.ndarray  # int64 (n_runs,)
    measure: np.ndarray  # (n_runs, MEASURE_FIELDS)


@jit(nogil=True)
def train_runs(data, chunk, schedule, scales, spec):
    """Train every run of ``chunk`` over ``schedule``'s steps, ``lanes`` at a time, in place.

    The last block is padded with copies of its first run (valid work, discarded).
    """
    n_runs, n_in, hidden = chunk.w0.shape
    n_out = chunk.w1.shape[2]
    n_samples = data.X.shape[0] // n_in
    lanes = len(spec.lanes)
    n_w0, n_w1 = n_in * hidden, hidden * n_out
    first, stop = schedule.first_step, schedule.stop_step
    log_every, curve_every = schedule.log_every, schedule.curve_every
    first_checkpoint = (first + log_every - 1) // log_every
    n_checkpoints = (stop + log_every - 1) // log_every - first_checkpoint
    first_curve, n_curve = 0, 0
    if curve_every > 0:
        first_curve = (first + curve_every - 1) // curve_every
        n_curve = (stop + curve_every - 1) // curve_every - first_curve

    block = Block(
        np.empty(lanes),
        np.empty(lanes),
        np.empty(n_w0 * lanes),
        np.empty(n_w1 * lanes),
        np.empty(lanes, dtype=np.int64),
        np.empty(MEASURE_FIELDS * lanes),
        np.empty(n_w0 * lanes),
        np.empty(n_w1 * lanes),
    )
    scratch = Scratch(
        np.empty(n_samples * hidden * lanes),
        np.empty(n_samples * n_out * lanes),
        np.empty(n_samples * hidden * lanes),
        np.empty(n_samples * n_out * lanes),
        np.empty(n_w0 * lanes),
        np.empty(n_w1 * lanes),
        np.empty(lanes),
        np.empty(lanes),
    )
    records = Records(np.empty(n_checkpoints * lanes), np.empty(n_curve * lanes))
    w0_runs = chunk.w0.reshape(n_runs, n_w0)
    w1_runs = chunk.w1.reshape(n_runs, n_w1)

    for start in range(0, n_runs, lanes):
        stop_run = min(start + lanes, n_runs)
        alive = 0
        for b in range(lanes):
            run = start + b if start + b < stop_run else start
            block.alpha_hidden[b] = chunk.alpha_hidden[run]
            block.alpha_output[b] = chunk.alpha_output[run]
            block.diverged_at[b] = chunk.diverged_at[run]
            if chunk.diverged_at[run] < 0:
                alive += 1
            for n in range(n_w0):
                block.w0[n * lanes + b] = w0_runs[run, n]
            for n in range(n_w1):
                block.w1[n * lanes + b] = w1_runs[run, n]
            for f in range(MEASURE_FIELDS):
                block.measure[f * lanes + b] = chunk.measure[run, f]
        if alive == 0:
            continue  # every run of the block diverged in an earlier call
        records.errors[:] = np.nan
        records.curve[:] = np.nan
        train_block(data, block, scratch, records, schedule, scales, spec, n_in, hidden)
        for b in range(stop_run - start):
            run = start + b
            before = chunk.diverged_at[run]
            if before < 0:  # a run that diverged earlier keeps the weights it diverged with
                now_diverged = block.diverged_at[b] >= 0
                for n in range(n_w0):
                    source = block.w0_at_divergence if now_diverged else block.w0
                    w0_runs[run, n] = source[n * lanes + b]
                for n in range(n_w1):
                    source = block.w1_at_divergence if now_diverged else block.w1
                    w1_runs[run, n] = source[n * lanes + b]
                for r in range(n_checkpoints):
                    chunk.errors[run, first_checkpoint + r] = records.errors[r * lanes + b]
                for r in range(n_curve):
                    chunk.curve[run, first_curve + r] = records.curve[r * lanes + b]
                for f in range(MEASURE_FIELDS):
                    chunk.measure[run, f] = block.measure[f * lanes + b]
                chunk.diverged_at[run] = block.diverged_at[b]
