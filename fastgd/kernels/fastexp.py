"""A branch-free ``exp`` that LLVM can vectorise, accurate to about 1 ulp.

``math.exp`` compiles to a call into libm, which LLVM cannot vectorise (and pip's llvmlite has
no SVML), so a loop over a block of learning rates that calls it runs one lane at a time. This
``exp`` is straight-line arithmetic: Cody-Waite range reduction ``x = k ln2 + r``, a degree-13
Taylor polynomial for ``e**r`` on ``|r| <= ln2/2`` (truncation error < 5e-18, below half an
ulp), and ``2**k`` assembled directly in the exponent bits. Bit casts are LLVM ``bitcast``s,
which vectorise like any other instruction, and every multiply-add is an explicit
:func:`~fastgd.kernels.fma.fma`, so the rounding never depends on how a loop was vectorised.

Like numpy's, it overflows to inf above 709.78 and underflows through the subnormals to 0 below
-708.4, so the sigmoid ``1 / (1 + exp(-z))`` saturates to exactly 0.0 and 1.0 where numpy's does.
The argument is clamped to [-746, 710] (beyond which the result is 0 or inf anyway) to keep the
integer arithmetic in range. NaN passes through the clamp unchanged (both comparisons are
false), so divergence stays visible.
"""

from __future__ import annotations

import struct

from numba import config, types
from numba.extending import intrinsic

from fastgd._jit import jit
from fastgd.kernels.fma import fma

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 rounded to 32 significant bits: k*_LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10  # ln 2 - _LN2_HI
# Adding 1.5 * 2**52 rounds to the nearest integer and leaves it in the low mantissa bits.
_SHIFTER = 6755399441055744.0
_SHIFTER_BITS = 0x4338000000000000
_EXPONENT_BIAS = 1023
_X_MIN = -746.0  # exp(-746) rounds to 0
_X_MAX = 710.0  # exp(710) overflows to inf
# 1/n! for n = 2..13: the Taylor coefficients of e**r beyond 1 + r.
_C2, _C3, _C4, _C5 = 1 / 2, 1 / 6, 1 / 24, 1 / 120
_C6, _C7, _C8, _C9 = 1 / 720, 1 / 5040, 1 / 40320, 1 / 362880
_C10, _C11, _C12, _C13 = 1 / 3628800, 1 / 39916800, 1 / 479001600, 1 / 6227020800


@intrinsic
def _float_bits(typingctx, x):
    """The IEEE-754 bits of a float64, as an int64 (an LLVM bitcast, no memory traffic)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return types.int64(types.float64), codegen


@intrinsic
def _bits_float(typingctx, n):
    """The float64 whose IEEE-754 bits are the int64 ``n``."""
    if n != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.int64), codegen


if config.DISABLE_JIT:  # pragma: no cover - NUMBA_DISABLE_JIT=1: the kernels run as Python

    def _float_bits(x):  # noqa: F811 - the Python twins of the intrinsics above
        return struct.unpack("<q", struct.pack("<d", x))[0]

    def _bits_float(n):  # noqa: F811
        return struct.unpack("<d", struct.pack("<q", int(n)))[0]


@jit
def exp_factors(x: float) -> tuple[float, float]:
    """``(m, f)`` with ``m * f == e**x``: the polynomial times ``2**(k//2)``, and ``2**(k - k//2)``.

    :func:`exp` is their product. Callers that add to ``e**x`` (the sigmoid's ``1 + e**-z``)
    fuse that last multiply into the add, which is what the kernels have always computed.
    """
    # Comparisons written so that NaN fails both and passes through.
    x = _X_MAX if x > _X_MAX else x
    x = _X_MIN if x < _X_MIN else x
    shifted = fma(x, _LOG2E, _SHIFTER)
    k = shifted - _SHIFTER
    r = fma(-k, _LN2_LO, fma(-k, _LN2_HI, x))
    # e**r = 1 + r*(1 + r*(1/2 + r*q(r))), q of degree 10 evaluated by Estrin's scheme: the
    # short dependency chain (7 FMAs deep instead of Horner's 13) matters because the sigmoids
    # of a small block are latency-bound; the last three Horner steps keep the rounding error
    # of the sum at Horner's level.
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    q01 = fma(_C4, r, _C3)
    q23 = fma(_C6, r, _C5)
    q45 = fma(_C8, r, _C7)
    q67 = fma(_C10, r, _C9)
    q89 = fma(_C12, r, _C11)
    q0_3 = fma(q23, r2, q01)
    q4_7 = fma(q67, r2, q45)
    q8_10 = fma(_C13, r2, q89)
    q = fma(q8_10, r8, fma(q4_7, r4, q0_3))
    p = fma(r, fma(r, fma(r, q, _C2), 1.0), 1.0)
    # 2**k as two factors 2**(k//2) and 2**(k - k//2), each a normal number for every k here:
    # p * first is exact, and the second product rounds once, overflowing to inf or underflowing
    # to a subnormal or 0 exactly where the true exp does.
    k_int = _float_bits(shifted) - _SHIFTER_BITS
    k_half = k_int >> 1
    first = _bits_float((k_half + _EXPONENT_BIAS) << 52)
    second = _bits_float((k_int - k_half + _EXPONENT_BIAS) << 52)
    return p * first, second


@jit
def exp(x: float) -> float:
    """``e**x`` without branches; see the module docstring for range and accuracy."""
    mantissa, scale = exp_factors(x)
    return mantissa * scale


@jit
def sigmoid(z: float) -> float:
    """The logistic function ``1 / (1 + e**-z)``, as the notebook writes it."""
    mantissa, scale = exp_factors(-z)
    return 1.0 / fma(mantissa, scale, 1.0)


@jit
def tanh(z: float) -> float:
    """``tanh(z) = 2 / (1 + e**-2z) - 1``: within about 2e-16 of numpy's (absolute), saturating
    to exactly -1 and 1 and passing NaN through, like the sigmoid it is built from."""
    mantissa, scale = exp_factors(-2.0 * z)
    return 2.0 / fma(mantissa, scale, 1.0) - 1.0
