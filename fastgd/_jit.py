"""Every Numba compile option fastgd uses, in one place (as numba-stats' ``_jit``).

Kernels are declared with :func:`jit`; nothing else in fastgd calls ``numba.njit`` with
options of its own, so what a flag means, and why it is (or is not) set, is written once:

* ``error_model="numpy"`` everywhere: a division by zero gives inf or NaN as in numpy, which
  the kernels report as divergence, instead of a raise whose check-and-branch also stops LLVM
  from vectorising loops.
* **No fastmath flags at all.** Not ``nnan``/``ninf`` (they let LLVM assume NaN and inf away
  and silently delete the divergence checks), and not even ``contract``: whether LLVM fuses
  ``a*b + c`` into one FMA then depends on how it vectorised the loop, so the same run gave
  different last bits in a 1-lane and an 8-lane block (measured). Kernels that want FMAs
  write them (:func:`fastgd.kernels.fma.fma`); every other operation is the IEEE operation
  written, in the order written, whatever the lane width or vectoriser.
* ``simd=True`` turns LLVM's SLP vectoriser on for that kernel. Numba switches it off
  globally (numba#8852, after LLVM miscompiles in numba#8705, #8681), which leaves loops over
  4 or 8 SIMD lanes scalar: LLVM unrolls them fully before its loop vectoriser sees them, and
  only the SLP vectoriser could then pack them. fastgd enables it only for its own
  floating-point training kernels, whose every output is tested bit for bit against a
  recorded baseline and to 1e-10 against the numpy reference.
* ``noalias=True`` declares that the kernel's array arguments never overlap (Numba's own
  ``noalias`` compiler flag, which it uses for parallel gufuncs but does not expose as a jit
  option). Without it LLVM must assume that a store into one scratch array may change any
  other, reloads everything and cannot vectorise across lanes. The caller must honour it:
  never pass two views of one buffer.
* ``cache=True``: compiled code goes to the disk cache through :mod:`fastgd._cache`, which
  never lets a missing or damaged cache break an import or a call.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
from numba.core import config
from numba.core.compiler import Compiler, DefaultPassBuilder
from numba.core.compiler_machinery import register_pass
from numba.core.typed_passes import NativeLowering

from fastgd import _cache


@register_pass(mutates_CFG=True, analysis_only=False)
class _SimdLowering(NativeLowering):
    """Numba's native lowering, with SLP vectorisation (and optionally ``noalias``) on.

    LLVM optimises the function's module inside this pass (when the library is finalised),
    after any callee has been compiled, so switching the setting here affects this function
    only. Numba compiles under a global lock, so nothing else sees the changed setting.
    """

    _name = "fastgd_simd_lowering"
    noalias = False

    def run_pass(self, state):
        if self.noalias:
            state.flags.noalias = True
        saved = config.SLP_VECTORIZE
        config.SLP_VECTORIZE = 1
        try:
            return super().run_pass(state)
        finally:
            config.SLP_VECTORIZE = saved


@register_pass(mutates_CFG=True, analysis_only=False)
class _SimdNoAliasLowering(_SimdLowering):
    _name = "fastgd_simd_noalias_lowering"
    noalias = True


def _pipeline_with(lowering):
    class _Pipeline(Compiler):
        def define_pipelines(self):
            pipeline = DefaultPassBuilder.define_nopython_pipeline(self.state)
            pipeline.passes = [
                (lowering if stage is NativeLowering else stage, text)
                for stage, text in pipeline.passes
            ]
            pipeline.finalize()
            return [pipeline]

    _Pipeline.__name__ = _Pipeline.__qualname__ = f"Pipeline_{lowering._name}"
    return _Pipeline


_SIMD_PIPELINE = _pipeline_with(_SimdLowering)
_SIMD_NOALIAS_PIPELINE = _pipeline_with(_SimdNoAliasLowering)


def jit(
    func: Callable | None = None,
    *,
    simd: bool = False,
    noalias: bool = False,
    nogil: bool = False,
    inline: bool = False,
    cache: bool = True,
):
    """Compile ``func`` with fastgd's options; usable as ``@jit`` or ``@jit(simd=True)``.

    Parameters
    ----------
    simd : bool
        Run LLVM's SLP vectoriser on this kernel (see the module docstring): for the training
        kernels, whose loops over a few SIMD lanes are unrolled before the loop vectoriser.
    noalias : bool
        The kernel's array arguments never overlap (see the module docstring); implies
        ``simd``.
    nogil : bool
        Release the GIL, for kernels that run on a pool of threads.
    inline : bool
        Inline into every caller at the Numba IR level (small helpers of hot loops).
    cache : bool
        Keep the compiled code in the disk cache.
    """

    def decorate(function: Callable):
        options = {"error_model": "numpy", "nogil": nogil}
        if noalias:
            options["pipeline_class"] = _SIMD_NOALIAS_PIPELINE
        elif simd:
            options["pipeline_class"] = _SIMD_PIPELINE
        if inline:
            options["inline"] = "always"
        dispatcher = numba.njit(**options)(function)
        if cache:
            _cache.enable(dispatcher)
        return dispatcher

    return decorate if func is None else decorate(func)
