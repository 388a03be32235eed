"""Every Numba compile option fastgd uses, in one place (as numba-stats' ``_jit``).

Kernels are declared with :func:`jit`; nothing else in fastgd calls ``numba.njit`` with
options of its own, so what a flag means, and why it is (or is not) set, is written once:

* ``error_model="numpy"`` everywhere: a division by zero gives inf or NaN as in numpy, which
  the kernels report as divergence, instead of a raise whose check-and-branch also stops LLVM
  from vectorising loops.
* ``fastmath`` only with ``simd=True``, and then only ``contract`` (LLVM may fuse ``a*b + c``
  into one FMA, one rounding fewer). Never ``nnan``/``ninf``: they let LLVM assume NaN and inf
  away and silently delete the divergence checks. Kernels without ``simd`` perform exactly the
  reference's IEEE operations in the same order, which is what makes them agree bit for bit.
* ``cache=True``: compiled code goes to the disk cache through :mod:`fastgd._cache`, which
  never lets a missing or damaged cache break an import or a call.
"""

from __future__ import annotations

from collections.abc import Callable

import numba

from fastgd import _cache

#: The only fastmath flag fastgd uses (see the module docstring).
FASTMATH = frozenset({"contract"})


def jit(
    func: Callable | None = None,
    *,
    simd: bool = False,
    nogil: bool = False,
    inline: bool = False,
    cache: bool = True,
):
    """Compile ``func`` with fastgd's options; usable as ``@jit`` or ``@jit(simd=True)``.

    Parameters
    ----------
    simd : bool
        Allow FMA contraction (``fastmath={'contract'}``): for the vectorised training kernels,
        whose results are held to the reference within a stated tolerance, not bit for bit.
    nogil : bool
        Release the GIL, for kernels that run on a pool of threads.
    inline : bool
        Inline into every caller at the Numba IR level (small helpers of hot loops).
    cache : bool
        Keep the compiled code in the disk cache.
    """

    def decorate(function: Callable):
        options = {"error_model": "numpy", "nogil": nogil}
        if simd:
            options["fastmath"] = set(FASTMATH)
        if inline:
            options["inline"] = "always"
        dispatcher = numba.njit(**options)(function)
        if cache:
            _cache.enable(dispatcher)
        return dispatcher

    return decorate if func is None else decorate(func)
