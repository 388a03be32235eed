"""Numba kernels for gradient descent: finite differences, momentum, the whole descent loop.

The objective is bound at compile time: :func:`make_descent_kernel` builds a kernel around the
objective (and its gradient), so Numba inlines it into the loop (a call costs nothing; an
objective passed as a run-time argument costs 5-8 us per call from Python and recompiles the
kernel anyway). The price is that such a kernel is compiled once per objective and process and
cannot go to the disk cache; :mod:`fastgd.descent` keeps the kernels of recent objectives in
memory, so calling ``minimize`` again with the same objective costs no compile.

The building blocks are module-level functions taking the objective as an argument; Numba
specialises them for each objective they are called with from a kernel.

No fastmath flags: the kernels perform every IEEE operation the reference performs, in the same
order, so the two agree to the last bit on the article's runs (and NaN checks stay).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# status codes, as in fastgd._descent_setup (kept literal here: kernels see only numbers)
CONVERGED, MAX_ITER, DIVERGED, STEP_LOST = 0, 1, 2, 3
MODE_ANALYTIC, MODE_FORWARD, MODE_CENTRAL = 0, 1, 2
# scipy's fallback relative steps: machine epsilon ** (1/2) forward, ** (1/3) central
FORWARD_RSTEP = float(np.finfo(np.float64).eps ** 0.5)
CENTRAL_RSTEP = float(np.finfo(np.float64).eps ** (1 / 3))


@njit
def step_lost(x, eps):
    """x + eps == x (or x - eps == x) in some coordinate: the step vanished in rounding."""
    for i in range(x.shape[0]):  # noqa: SIM110 - a plain loop is what Numba compiles best
        if x[i] + eps == x[i] or x[i] - eps == x[i]:
            return True
    return False


@njit
def forward_difference(f, x, eps, g, args):
    """g = (f(x + eps e_i) - f(x)) / eps, the article's perturbation; returns f(x).

    ``x`` is perturbed in place one coordinate at a time and restored.
    """
    f0 = f(x, *args)
    for i in range(x.shape[0]):
        xi = x[i]
        x[i] = xi + eps
        g[i] = (f(x, *args) - f0) / eps
        x[i] = xi
    return f0


@njit
def central_difference(f, x, eps, g, args):
    """g = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)."""
    for i in range(x.shape[0]):
        xi = x[i]
        x[i] = xi + eps
        f_plus = f(x, *args)
        x[i] = xi - eps
        f_minus = f(x, *args)
        x[i] = xi
        g[i] = (f_plus - f_minus) / (2.0 * eps)


@njit
def all_finite(a):
    for i in range(a.shape[0]):  # noqa: SIM110
        if not np.isfinite(a[i]):
            return False
    return True


@njit
def window_velocity(recent, kept, beta, out):
    """out = sum_{j<kept} beta^j s_{t-j} from the last ``kept`` rows of ``recent`` (oldest
    first), by Horner's scheme from the oldest: the same operations as the reference."""
    window, n = recent.shape
    first = window - kept
    for i in range(n):
        acc = recent[first, i]
        for j in range(first + 1, window):
            acc = beta * acc + recent[j, i]
        out[i] = acc


def make_gradient(fun, jac, mode):
    """A compiled ``gradient(x, g, eps, args) -> (f0_finite, nfev, njev)`` for the objective."""
    if mode == MODE_ANALYTIC:

        @njit
        def gradient(x, g, eps, args):
            value = jac(x, *args)
            for i in range(x.shape[0]):
                g[i] = value[i]
            return True, 0, 1

    elif mode == MODE_FORWARD:

        @njit
        def gradient(x, g, eps, args):
            f0 = forward_difference(fun, x, eps, g, args)
            return np.isfinite(f0), x.shape[0] + 1, 0

    else:

        @njit
        def gradient(x, g, eps, args):
            central_difference(fun, x, eps, g, args)
            return True, 2 * x.shape[0], 0

    return gradient


def make_descent_kernel(fun, jac, mode):
    """Build the descent kernel for one objective (``fun``, ``jac`` njit functions or None)."""
    gradient = make_gradient(fun, jac, mode)
    finite_differences = mode != MODE_ANALYTIC

    @njit
    def descend(
        x,
        path,
        jac_out,
        rate,
        gamma,
        every,
        offset,
        beta,
        nesterov,
        window,
        tol,
        max_iter,
        eps,
        args,
    ):
        """Minimise from ``x`` (updated in place).

        Returns (status, nit, nfev, njev, fun(x)); ``jac_out`` receives the gradient at the
        final ``x``, and ``path`` (max_iter + 1, n) the iterates when it has more than one row.
        """
        n = x.shape[0]
        record = path.shape[0] > 1
        g = np.empty(n)
        step = np.empty(n)
        velocity = np.zeros(n)
        previous = np.zeros(n)
        recent = np.zeros((max(window, 1), n))
        if record:
            for i in range(n):
                path[0, i] = x[i]
        nfev = 0
        njev = 0
        nit = 0
        status = MAX_ITER
        for k in range(max_iter):
            if finite_differences and step_lost(x, eps):
                status = STEP_LOST
                break
            finite_value, fe, je = gradient(x, g, eps, args)
            nfev += fe
            njev += je
            if not (finite_value and all_finite(g)):
                status = DIVERGED
                break
            for i in range(n):
                step[i] = -rate * g[i]
            if beta != 0.0:
                for i in range(n):
                    previous[i] = velocity[i]
                if window == 0:
                    for i in range(n):
                        velocity[i] = beta * velocity[i] + step[i]
                else:
                    for j in range(window - 1):
                        for i in range(n):
                            recent[j, i] = recent[j + 1, i]
                    for i in range(n):
                        recent[window - 1, i] = step[i]
                    window_velocity(recent, min(k + 1, window), beta, velocity)
                for i in range(n):
                    step[i] = step[i] + beta * (velocity[i] if nesterov else previous[i])
            small = True
            finite = True
            for i in range(n):
                moved = (x[i] + step[i]) - x[i]
                finite = finite and np.isfinite(x[i] + step[i])
                small = small and abs(moved) < tol
            if not finite:
                status = DIVERGED
                break
            for i in range(n):
                x[i] = x[i] + step[i]
            nit = k + 1
            if record:
                for i in range(n):
                    path[nit, i] = x[i]
            if small:
                status = CONVERGED
                break
            if (k + offset) % every == 0:
                rate = rate * gamma
        # The answer: fun and its gradient at the final point, counted like the rest.
        _, fe, je = gradient(x, jac_out, eps, args)
        value = fun(x, *args)
        if status <= MAX_ITER and not (np.isfinite(value) and all_finite(jac_out)):
            status = DIVERGED
        return status, nit, nfev + fe + 1, njev + je, value

    return descend


def make_approx_fprime_kernel(fun):
    """``fprime(xk, eps, steps, central, args) -> gradient``: scipy's forward formula, or central.

    The step of coordinate i is ``steps[i]`` when ``steps`` is not empty, else ``eps``; where
    ``x_i + h == x_i`` it falls back to scipy's ``rstep * sign(x_i) * max(1, |x_i|)``. The
    quotient divides by the step actually taken, ``(x_i + h) - x_i``, as scipy does.
    """

    @njit
    def fprime(xk, eps, steps, central, args):
        n = xk.shape[0]
        rstep = FORWARD_RSTEP if not central else CENTRAL_RSTEP
        x = xk.copy()
        grad = np.empty(n)
        f0 = 0.0 if central else fun(x, *args)
        for i in range(n):
            xi = xk[i]
            h = steps[i] if steps.shape[0] > 0 else eps
            if (xi + h) - xi == 0.0:
                h = rstep * (1.0 if xi >= 0 else -1.0) * max(1.0, abs(xi))
            x[i] = xi + h
            f_plus = fun(x, *args)
            if central:
                x[i] = xi - h
                grad[i] = (f_plus - fun(x, *args)) / ((xi + h) - (xi - h))
            else:
                grad[i] = (f_plus - f0) / ((xi + h) - xi)
            x[i] = xi
        return grad

    return fprime
