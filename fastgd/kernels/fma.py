"""``fma(a, b, c)``: ``a*b + c`` rounded once, as LLVM's ``llvm.fma.f64`` intrinsic.

fastgd's kernels compile without fastmath flags (see :mod:`fastgd._jit`), so LLVM never fuses a
multiply and an add by itself; the kernels call this where they want the fused operation. It
vectorises like any arithmetic instruction (``vfmadd...pd``), and because the rounding is
written into the code rather than chosen by the optimiser, a run gives the same bits in a 1-lane
block, a 32-lane block, a vectorised or a scalar loop.
"""

from __future__ import annotations

from fractions import Fraction

from llvmlite import ir
from numba import config, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def fma(typingctx, a, b, c):
    """``a * b + c`` with one rounding (float64 arguments only)."""
    if not all(arg == types.float64 for arg in (a, b, c)):
        return None
    signature = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        double = ir.DoubleType()
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(double, [double, double, double]), "llvm.fma.f64"
        )
        return builder.call(function, args)

    return signature, codegen


# --- NUMBA_DISABLE_JIT=1 (coverage runs, debugging): the kernels run as Python ----------------

if config.DISABLE_JIT:  # pragma: no cover - exercised by the NUMBA_DISABLE_JIT test run

    def fma(a, b, c):  # noqa: F811 - the Python twin of the intrinsic
        """``a * b + c`` rounded once: exact rational arithmetic, then one rounding."""
        try:
            return float(Fraction(a) * Fraction(b) + Fraction(c))
        except (OverflowError, ValueError):  # inf or NaN among the operands
            return a * b + c
