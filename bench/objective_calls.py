"""How to hand an objective to a compiled kernel: the alternatives, measured side by side.

    python bench/objective_calls.py

For each way, in one process: the cost of one call from Python into a kernel that evaluates
the objective once (what a short descent pays per ``minimize``), the cost of one evaluation
inside the kernel (1,000 of them per call), whether the kernel is found in the disk cache by
the next process, and what a new objective costs to compile. The objective is the article's
``sin(x**2 + y**2)``. fastgd uses the last way (see docs/performance.md).
"""

from __future__ import annotations

import time
import timeit

import numpy as np
from numba import cfunc, njit, types

from fastgd import _objectives
from fastgd.kernels.native import call_objective

POINT = types.float64[::1]
SIGNATURE = types.float64(POINT)


def objective(p):
    return np.sin(p[0] ** 2 + p[1] ** 2)


def best(fn, number):
    fn()
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def bound_at_compile_time():
    f = njit(objective)

    @njit
    def kernel(x, n):
        s = 0.0
        for i in range(n):
            x[0] = i * 1e-6
            s += f(x)
        return s

    return kernel, None


def dispatcher_argument():
    f = njit(objective)

    @njit
    def kernel(fun, x, n):
        s = 0.0
        for i in range(n):
            x[0] = i * 1e-6
            s += fun(x)
        return s

    return kernel, f


def function_type_slot():
    f = njit(SIGNATURE)(objective)

    @njit(types.float64(types.FunctionType(SIGNATURE), POINT, types.int64))
    def kernel(fun, x, n):
        s = 0.0
        for i in range(n):
            x[0] = i * 1e-6
            s += fun(x)
        return s

    return kernel, f


def cfunc_argument():
    f = cfunc(SIGNATURE)(objective)

    @njit(types.float64(types.FunctionType(SIGNATURE), POINT, types.int64))
    def kernel(fun, x, n):
        s = 0.0
        for i in range(n):
            x[0] = i * 1e-6
            s += fun(x)
        return s

    return kernel, f


def native_address():
    native, _ = _objectives.compile_objective(objective, None, (), ())

    @njit
    def kernel(fun, x, n):
        s = 0.0
        for i in range(n):
            x[0] = i * 1e-6
            s += call_objective(fun, x, ())
        return s

    return kernel, native.fun


WAYS = {
    "objective bound at compile time (a kernel built per objective)": bound_at_compile_time,
    "@njit dispatcher as an argument": dispatcher_argument,
    "FunctionType(float64(float64[::1])) slot, dispatcher passed": function_type_slot,
    "FunctionType slot, cfunc passed": cfunc_argument,
    "native address as int64, called through an intrinsic (fastgd)": native_address,
}


def main() -> None:
    x = np.zeros(2)
    print(f"{'way':66s} {'call':>9s} {'per eval':>9s} {'compile':>8s}")
    for name, make in WAYS.items():
        started = time.perf_counter()
        kernel, fun = make()
        args = (x,) if fun is None else (fun, x)
        kernel(*args, 1)
        compiled = time.perf_counter() - started
        call = best(lambda kernel=kernel, args=args: kernel(*args, 1), 2000)
        many = best(lambda kernel=kernel, args=args: kernel(*args, 1000), 200)
        per_eval = (many - call) / 999
        print(f"{name:66s} {call * 1e6:7.2f}us {per_eval * 1e9:7.1f}ns {compiled:7.2f}s")


if __name__ == "__main__":
    main()
