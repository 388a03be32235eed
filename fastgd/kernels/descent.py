"""Numba kernels for gradient descent, compiled once for every objective and cached on disk.

The objective (and an analytic gradient) arrive as the integer addresses of their compiled
code and are called through :mod:`fastgd.kernels.native`, so these are ordinary module-level
functions: their types depend only on the types of ``args``, and ``cache=True`` keeps them on
disk across processes.

Data layout
-----------
A descent's scalars travel in two small arrays with named slots (one source for the layout,
below): ``ints`` (int64: the objective's addresses, the settings that are integers, then the
counters and status) and ``reals`` (float64: rates, tolerances, then the running rate and f).
Plain arrays, rather than a record or a tuple, because each kernel argument costs ~85 ns to
pass from Python (a record ~190 ns) and copying a fresh state from a template ~110 ns (a
structured array 2.4 us): on a 101-update descent that is a fifth of the call.

``vectors``   (:data:`N_VECTORS`, n) float64: rows :data:`X` (the iterate), :data:`X0`,
              :data:`GRADIENT` (the answer's gradient), :data:`VELOCITY` (momentum), and
              scratch rows for the loop (the caller owns all memory the loop touches, so
              it can work on borrowed views: see :mod:`fastgd.kernels.native`).
``recent``    (capacity, n): the last plain steps, a ring buffer, for windowed momentum.
``path``      (rows, n): where the iterates after this segment's updates are recorded.

The kernels update ``ints``, ``reals`` and ``vectors`` in place, so a descent can stop after
any update and resume with exactly the numbers of one uninterrupted call (Ctrl-C between
segments).

Where a new update rule goes
----------------------------
An update rule turns the gradient into the step. Today there is one, :data:`RULE_MOMENTUM`
(plain descent is momentum 0; heavy-ball or Nesterov; unlimited or windowed velocity). A rule
such as Adam is one function beside :func:`momentum_step` (its state in rows of ``vectors``
after :data:`VELOCITY`, its settings in new slots of ``reals``), one ``RULE_*`` code, one
branch in :func:`update_step`, and its twin in :mod:`fastgd.reference.descent`; the loop,
the gradients, the statuses and the segments stay as they are.

Exactness
---------
No fastmath flags: the kernels perform the reference's IEEE operations in the same order, so
the two agree to the last bit on the article's runs, and NaN checks stay.

The objective never sees the kernel's own arrays: every evaluation gets a fresh copy of the
point, as scipy gives one (see :func:`_set_point`).
"""

from __future__ import annotations

import numpy as np

from fastgd import status as st
from fastgd._jit import jit
from fastgd.kernels.native import borrow, call_gradient, call_objective, read_flag

#: How the gradient is obtained.
GRADIENT_ANALYTIC, GRADIENT_FORWARD, GRADIENT_CENTRAL = 0, 1, 2
#: Update rules (see the module docstring).
RULE_MOMENTUM = 0
#: Statuses that mean "not finished": not started yet, or stopped at a segment's end.
NEW, RUNNING = -2, -1
_STEP_LOST_HERE = -3
#: Slots of ``ints``: the objective and the integer settings, then the state.
FUN_ADDRESS, JAC_ADDRESS, EVERY, OFFSET, WINDOW, MAX_ITER, GRADIENT_MODE, RULE, NESTEROV = range(9)
NIT, NFEV, NJEV, STATUS, NEXT_DECAY, KEPT, HEAD, STOP = range(9, 17)
N_INTS = 17
#: Slots of ``reals``: the real settings, then the state.
LR, GAMMA, MOMENTUM, TOL, EPSILON = range(5)
RATE, F_START, VALUE = range(5, 8)
N_REALS = 8
#: Rows of ``vectors``: the state, then scratch (the point the objective sees, the gradient
#: during the run, the step, f(x + eps e_i) for central differences).
X, X0, GRADIENT, VELOCITY = 0, 1, 2, 3
POINT, RUN_GRADIENT, STEP, F_PLUS = 4, 5, 6, 7
N_VECTORS = 8
#: scipy's fallback relative steps: machine epsilon ** (1/2) forward, ** (1/3) central.
FORWARD_RSTEP = float(np.finfo(np.float64).eps ** 0.5)
CENTRAL_RSTEP = float(np.finfo(np.float64).eps ** (1 / 3))


# --- calling the objective on a private copy of the point ----------------------------------
@jit(inline=True)
def _set_point(xs, x, i, value):
    """Make ``xs`` a fresh copy of ``x``, with coordinate ``i`` set to ``value`` (if i >= 0).

    Every evaluation gets its own copy, as scipy gives one: an objective that writes into its
    argument changes nothing. The copy costs O(n) per evaluation, what the objective costs
    anyway (scipy builds a new array for each evaluation too).
    """
    for j in range(x.shape[0]):
        xs[j] = x[j]
    if i >= 0:
        xs[i] = value


@jit(inline=True)
def _all_finite(a):
    for i in range(a.shape[0]):  # noqa: SIM110 - a plain loop is what Numba compiles best
        if not np.isfinite(a[i]):
            return False
    return True


@jit
def value_at(fun, x, xs, args):
    """f(x), evaluated on the scratch copy ``xs``."""
    _set_point(xs, x, -1, 0.0)
    return call_objective(fun, xs, args)


@jit(inline=True)
def forward_difference(fun, x, xs, eps, g, args):
    """g = (f(x + eps e_i) - f(x)) / eps, the article's perturbation.

    Returns ``(f(x), unchanged)``, ``unchanged`` True when no perturbation changed f at all.
    """
    _set_point(xs, x, -1, 0.0)
    f0 = call_objective(fun, xs, args)
    unchanged = True
    for i in range(x.shape[0]):
        _set_point(xs, x, i, x[i] + eps)
        f_plus = call_objective(fun, xs, args)
        g[i] = (f_plus - f0) / eps
        unchanged = unchanged and f_plus == f0
    return f0, unchanged


@jit(inline=True)
def central_difference(fun, x, xs, eps, g, f_plus_values, args):
    """g = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).

    Returns True when every pair was equal (f then still has to be compared with f(x) before
    calling the step lost); ``f_plus_values`` keeps the f(x + eps e_i) for that comparison.
    """
    symmetric = True
    for i in range(x.shape[0]):
        _set_point(xs, x, i, x[i] + eps)
        f_plus = call_objective(fun, xs, args)
        _set_point(xs, x, i, x[i] - eps)
        f_minus = call_objective(fun, xs, args)
        g[i] = (f_plus - f_minus) / (2.0 * eps)
        f_plus_values[i] = f_plus
        symmetric = symmetric and f_plus == f_minus
    return symmetric


@jit(inline=True)
def analytic_gradient(jac, x, xs, g, args):
    """g = jac(x), copied out of the array ``jac`` returns."""
    _set_point(xs, x, -1, 0.0)
    value = call_gradient(jac, xs, args)
    if value.shape[0] != x.shape[0]:
        raise ValueError("jac returned an array of the wrong length")
    for i in range(x.shape[0]):
        g[i] = value[i]


@jit(inline=True)
def gradient(fun, jac, mode, eps, x, xs, g, scratch, args):
    """Fill ``g`` with the gradient at ``x``.

    Returns ``(finite, f_x, unchanged, calls_f, calls_jac)``: whether every value used was
    finite; f(x) when it was evaluated (NaN otherwise); whether f did not change at all within
    epsilon of ``x`` (finite differences only); and the evaluations of ``fun`` and ``jac``.
    """
    f_x = np.nan
    unchanged = False
    n = x.shape[0]
    if mode == GRADIENT_ANALYTIC:
        analytic_gradient(jac, x, xs, g, args)
        finite = True
        calls_f, calls_jac = 0, 1
    elif mode == GRADIENT_FORWARD:
        f_x, unchanged = forward_difference(fun, x, xs, eps, g, args)
        finite = np.isfinite(f_x)
        calls_f, calls_jac = n + 1, 0
    else:
        unchanged = central_difference(fun, x, xs, eps, g, scratch, args)
        finite = True
        calls_f, calls_jac = 2 * n, 0
    finite = finite and _all_finite(g)
    if finite and unchanged and mode == GRADIENT_CENTRAL:
        f_x = value_at(fun, x, xs, args)
        calls_f += 1
        for i in range(n):
            unchanged = unchanged and scratch[i] == f_x
    return finite, f_x, unchanged, calls_f, calls_jac


@jit(inline=True)
def _step_lost(x, eps):
    """x + eps == x (or x - eps == x) in some coordinate: the step vanished in rounding."""
    for i in range(x.shape[0]):  # noqa: SIM110
        if x[i] + eps == x[i] or x[i] - eps == x[i]:
            return True
    return False


@jit
def lost_step_status(ints, reals, vectors, f_x, args):
    """STEP_LOST, or DIVERGED if the descent moved uphill to where its step was lost.

    A step lost at ``x0`` is the caller's choice of epsilon; a step lost after the descent
    climbed above f(x0) means the iterates ran away (a rate too large, growing without bound
    until ``x + epsilon == x``), which is divergence. Evaluations are counted in ``ints``.
    """
    if ints[NIT] == 0:
        return st.STEP_LOST
    fun = ints[FUN_ADDRESS]
    xs = borrow(vectors[POINT])
    if np.isnan(f_x):
        f_x = value_at(fun, borrow(vectors[X]), xs, args)
        ints[NFEV] += 1
    if np.isnan(reals[F_START]):
        reals[F_START] = value_at(fun, borrow(vectors[X0]), xs, args)
        ints[NFEV] += 1
    return st.DIVERGED if f_x > reals[F_START] else st.STEP_LOST


# --- update rules ---------------------------------------------------------------------------
@jit(inline=True)
def momentum_step(beta, nesterov, window, rate, g, step, velocity, recent, kept, head):
    """The plain step ``-rate g``, plus ``beta`` times the velocity (heavy-ball or Nesterov).

    The velocity is ``v_t = beta v_{t-1} + s_t`` (``window`` 0: unlimited), or the last
    ``window`` plain steps weighted by powers of beta, summed by Horner's scheme from the
    oldest, as the reference does; ``recent`` is a ring buffer of those steps, ``kept`` of
    them from index ``head``. Returns the new ``(kept, head)``.
    """
    n = g.shape[0]
    for i in range(n):
        step[i] = -rate * g[i]
    if beta == 0.0:
        return kept, head
    if window == 0:
        for i in range(n):
            previous = velocity[i]
            velocity[i] = beta * previous + step[i]
            step[i] = step[i] + beta * (velocity[i] if nesterov else previous)
        return kept, head
    capacity = recent.shape[0]
    if kept < window:
        slot = (head + kept) % capacity
        kept += 1
    else:  # full: the newest step replaces the oldest
        slot = head
        head = (head + 1) % capacity
    for i in range(n):
        recent[slot, i] = step[i]
    for i in range(n):
        previous = velocity[i]
        acc = recent[head, i]
        row = head
        for _ in range(1, kept):  # the kept steps from the oldest, wrapping round the ring
            row += 1
            if row == capacity:  # (no integer division in the inner loop: 33 -> 27 us)
                row = 0
            acc = beta * acc + recent[row, i]
        velocity[i] = acc
        step[i] = step[i] + beta * (acc if nesterov else previous)
    return kept, head


@jit(inline=True)
def update_step(rule, beta, nesterov, window, rate, g, step, velocity, recent, kept, head):
    """The step of the run's update rule (the one place rules are dispatched).

    Returns the ring buffer's new ``(kept, head)``.
    """
    return momentum_step(beta, nesterov, window, rate, g, step, velocity, recent, kept, head)


# --- the descent loop -----------------------------------------------------------------------
@jit
def start(ints, reals, vectors):
    """Set the state slots for a descent from ``vectors[X]`` (before its first update)."""
    for slot in (NIT, NFEV, NJEV, KEPT, HEAD):
        ints[slot] = 0
    ints[STATUS] = RUNNING
    every = ints[EVERY]
    ints[NEXT_DECAY] = (every - ints[OFFSET] % every) % every
    reals[RATE] = reals[LR]
    reals[F_START] = np.nan
    reals[VALUE] = np.nan
    for i in range(vectors.shape[1]):
        vectors[X0, i] = vectors[X, i]
        vectors[VELOCITY, i] = 0.0


@jit
def advance(ints, reals, vectors, recent, path, args):
    """Run updates until the descent ends or ``ints[NIT]`` reaches ``ints[STOP]``.

    ``path`` receives the iterate after each update of this call in rows 1, 2, ... (row 0 is
    the point it started from); it has no rows when the path is not recorded. When the
    descent ends, ``ints[STATUS]`` is set, ``vectors[GRADIENT]`` and ``reals[VALUE]`` hold
    the gradient and f at the final point.
    """
    n = vectors.shape[1]
    vectors = borrow(vectors)
    x = borrow(vectors[X])
    xs = borrow(vectors[POINT])
    g = borrow(vectors[RUN_GRADIENT])
    step = borrow(vectors[STEP])
    scratch = borrow(vectors[F_PLUS])
    velocity = borrow(vectors[VELOCITY])
    ring = borrow(recent)
    trail = borrow(path)
    record = trail.shape[0] > 0
    # Settings and counters in locals: the objective is an opaque call that could write any
    # memory, so values read from an array would be reloaded after every evaluation.
    fun, jac, mode = ints[FUN_ADDRESS], ints[JAC_ADDRESS], ints[GRADIENT_MODE]
    every, window, max_iter, stop = ints[EVERY], ints[WINDOW], ints[MAX_ITER], ints[STOP]
    nesterov = ints[NESTEROV] != 0
    gamma, beta, tol, eps = reals[GAMMA], reals[MOMENTUM], reals[TOL], reals[EPSILON]
    first = nit = ints[NIT]
    next_decay, kept, head = ints[NEXT_DECAY], ints[KEPT], ints[HEAD]
    rate = reals[RATE]
    if record:
        for i in range(n):
            trail[0, i] = x[i]
    nfev = njev = 0
    f_x = np.nan
    status = ints[STATUS]
    while status == RUNNING and nit < stop:
        finite, f_x, unchanged, calls_f, calls_jac = gradient(
            fun, jac, mode, eps, x, xs, g, scratch, args
        )
        nfev += calls_f
        njev += calls_jac
        if nit == 0 and mode == GRADIENT_FORWARD:
            reals[F_START] = f_x
        if not finite:
            status = st.DIVERGED
            break
        if mode != GRADIENT_ANALYTIC and (unchanged or _step_lost(x, eps)):
            status = _STEP_LOST_HERE  # decided after the loop, once the counts are written back
            break
        kept, head = update_step(
            ints[RULE], beta, nesterov, window, rate, g, step, velocity, ring, kept, head
        )
        small = True
        finite = True
        for i in range(n):
            moved = (x[i] + step[i]) - x[i]
            finite = finite and np.isfinite(x[i] + step[i])
            small = small and abs(moved) < tol
        if not finite:
            status = st.DIVERGED
            break
        for i in range(n):
            x[i] = x[i] + step[i]
        nit += 1
        if record:
            for i in range(n):
                trail[nit - first, i] = x[i]
        if small:
            status = st.CONVERGED
            break
        if nit - 1 == next_decay:  # the rate decays after this update
            rate = rate * gamma
            next_decay += every
        if nit >= max_iter:
            status = st.MAX_ITER
    ints[NIT], ints[NEXT_DECAY], ints[KEPT], ints[HEAD] = nit, next_decay, kept, head
    ints[NFEV] += nfev
    ints[NJEV] += njev
    reals[RATE] = rate
    if status == _STEP_LOST_HERE:
        status = lost_step_status(ints, reals, vectors, f_x, args)
    ints[STATUS] = status
    if status != RUNNING:
        finish(ints, reals, vectors, args)
    return status


@jit
def finish(ints, reals, vectors, args):
    """The answer: the gradient (as during the run) and f at the final point, counted."""
    x = borrow(vectors[X])
    xs = borrow(vectors[POINT])
    answer = borrow(vectors[GRADIENT])
    fun = ints[FUN_ADDRESS]
    mode, eps, scratch = ints[GRADIENT_MODE], reals[EPSILON], borrow(vectors[F_PLUS])
    _, _, _, calls_f, calls_jac = gradient(
        fun, ints[JAC_ADDRESS], mode, eps, x, xs, answer, scratch, args
    )
    value = value_at(fun, x, xs, args)
    ints[NFEV] += calls_f + 1
    ints[NJEV] += calls_jac
    reals[VALUE] = value
    if ints[STATUS] <= st.MAX_ITER and not (np.isfinite(value) and _all_finite(answer)):
        ints[STATUS] = st.DIVERGED


@jit
def descend(ints, reals, vectors, recent, path, args):
    """One segment of one descent; a new one (status NEW) starts from ``vectors[X]``.

    Returns the status: RUNNING while the descent goes on.
    """
    if ints[STATUS] == NEW:
        start(ints, reals, vectors)
    return advance(ints, reals, vectors, recent, path, args)


# --- many descents -------------------------------------------------------------------------
#: Slots of a run's outcome in ``minimize_many``'s ``counts`` output.
OUT_NIT, OUT_NFEV, OUT_NJEV, OUT_STATUS = 0, 1, 2, 3
N_OUT = 4
#: Updates between two looks at the stop flag within one long run (~1-10 ms of work).
SWEEP_SEGMENT = 100_000


@jit(nogil=True)
def descend_many(
    ints,
    reals,
    starts,
    rates,
    momenta,
    first,
    stop,
    x_out,
    jac_out,
    fun_out,
    counts,
    paths,
    ring_rows,
    stop_flag,
    args,
):
    """Runs ``first:stop`` of the grid starts x rates x momenta, each one :func:`descend`.

    Run ``r`` is (start a, rate b, momentum c) with ``r = (a * len(rates) + b) * len(momenta)
    + c``; its row ``r - first`` of the outputs receives x, the gradient, f and the counts
    (nit, nfev, njev, status); ``paths`` (one row per run, or no rows) its iterates. Every run
    performs exactly the operations of one :func:`descend` call with the same settings (the
    same :func:`start` and :func:`advance`), so the numbers are bit for bit the same.

    The chunk stops between segments of a run, and between runs, once ``stop_flag[0]`` is
    set (Ctrl-C); runs not done keep status NEW. The window's ring buffer starts with
    ``ring_rows`` rows and doubles as a run needs it, so a huge window costs only what the
    runs use.
    """
    n = starts.shape[1]
    n_rates, n_momenta = rates.shape[0], momenta.shape[0]
    record = paths.shape[0] > 0
    window = ints[WINDOW]
    run_ints = np.empty_like(ints)
    run_reals = np.empty_like(reals)
    vectors = np.empty((N_VECTORS, n))
    no_path = np.empty((0, n))
    capacity = min(ring_rows, window) if window > 0 else 0
    ring = np.empty((max(capacity, 1), n))
    for r in range(first, stop):
        if read_flag(stop_flag) != 0:
            break
        row = r - first
        a, rest = divmod(r, n_rates * n_momenta)
        b, c = divmod(rest, n_momenta)
        run_ints[:] = ints
        run_reals[:] = reals
        run_reals[LR] = rates[b]
        run_reals[MOMENTUM] = momenta[c]
        for i in range(n):
            vectors[X, i] = starts[a, i]
        start(run_ints, run_reals, vectors)
        max_iter = run_ints[MAX_ITER]
        while run_ints[STATUS] == RUNNING:
            nit = run_ints[NIT]
            segment_end = min(max_iter, nit + SWEEP_SEGMENT)
            if 0 < capacity < window and nit >= capacity:  # the ring is full: grow it
                grown = np.empty((min(2 * capacity, window), n))
                grown[:capacity] = ring[:capacity]
                ring, capacity = grown, grown.shape[0]
            if 0 < capacity < window:
                segment_end = min(segment_end, capacity)
            run_ints[STOP] = segment_end
            trail = paths[row, nit:] if record else no_path
            advance(run_ints, run_reals, vectors, ring, trail, args)
            if run_ints[STATUS] == RUNNING and read_flag(stop_flag) != 0:
                break
        for i in range(n):
            x_out[row, i] = vectors[X, i]
            jac_out[row, i] = vectors[GRADIENT, i]
        fun_out[row] = run_reals[VALUE]
        counts[row, OUT_NIT] = run_ints[NIT]
        counts[row, OUT_NFEV] = run_ints[NFEV]
        counts[row, OUT_NJEV] = run_ints[NJEV]
        counts[row, OUT_STATUS] = run_ints[STATUS]


# --- approx_fprime --------------------------------------------------------------------------
@jit
def approx_fprime(fun, xk, eps, steps, central, args):
    """scipy's forward formula (or central), each evaluation on a fresh copy of ``xk``.

    The step of coordinate i is ``steps[i]`` when ``steps`` is not empty, else ``eps``; where
    ``x_i + h == x_i`` it falls back to scipy's ``rstep * sign(x_i) * max(1, |x_i|)``. The
    quotient divides by the step actually taken, ``(x_i + h) - x_i``, as scipy does.
    """
    n = xk.shape[0]
    rstep = CENTRAL_RSTEP if central else FORWARD_RSTEP
    work = np.empty((2, n))
    grad = work[0]  # returned: it keeps ``work`` alive while ``xs`` borrows its other row
    xs = borrow(work[1])
    x = borrow(xk)
    h_steps = borrow(steps)
    f0 = 0.0
    if not central:
        f0 = value_at(fun, x, xs, args)
    for i in range(n):
        xi = x[i]
        h = h_steps[i] if h_steps.shape[0] > 0 else eps
        if (xi + h) - xi == 0.0:
            h = rstep * (1.0 if xi >= 0 else -1.0) * max(1.0, abs(xi))
        _set_point(xs, x, i, xi + h)
        f_plus = call_objective(fun, xs, args)
        if central:
            _set_point(xs, x, i, xi - h)
            grad[i] = (f_plus - call_objective(fun, xs, args)) / ((xi + h) - (xi - h))
        else:
            grad[i] = (f_plus - f0) / ((xi + h) - xi)
    return grad
