"""``fma(a, b, c)``: ``a*b + c`` rounded once, as LLVM's ``llvm.fma.f64`` intrinsic.

fastgd's kernels compile without fastmath flags (see :mod:`fastgd._jit`), so LLVM never fuses a
multiply and an add by itself; the kernels call this where they want the fused operation. It
vectorises like any arithmetic instruction (``vfmadd...pd``), and because the rounding is
written into the code rather than chosen by the optimiser, a run gives the same bits in a 1-lane
block, a 32-lane block, a vectorised or a scalar loop.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
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
