"""A branch-free ``exp`` that LLVM can vectorise, accurate to about 1 ulp.

``math.exp`` compiles to a call into libm, which LLVM cannot vectorise (and pip's llvmlite has
no SVML), so a loop over a block of learning rates that calls it runs one lane at a time. This
``exp`` is straight-line arithmetic: Cody-Waite range reduction ``x = k ln2 + r``, a degree-13
Taylor polynomial for ``e**r`` on ``|r| <= ln2/2`` (truncation error < 5e-18, below half an
ulp), and ``2**k`` assembled directly in the exponent bits. Bit casts are LLVM ``bitcast``s,
which vectorise like any other instruction.

Like numpy's, it overflows to inf above 709.78 and underflows through the subnormals to 0 below
-708.4, so the sigmoid ``1 / (1 + exp(-z))`` saturates to exactly 0.0 and 1.0 where numpy's does.
The argument is clamped to [-746, 710] (beyond which the result is 0 or inf anyway) to keep the
integer arithmetic in range. NaN passes through the clamp unchanged (both comparisons are
false), so divergence stays visible.
"""

from __future__ import annotations

from numba import types
from numba.extending import intrinsic

from fastgd._jit import jit

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


@jit(simd=True, inline=True)
def exp(x: float) -> float:
    """``e**x`` without branches; see the module docstring for range and accuracy."""
    # Comparisons written so that NaN fails both and passes through.
    x = _X_MAX if x > _X_MAX else x
    x = _X_MIN if x < _X_MIN else x
    shifted = x * _LOG2E + _SHIFTER
    k = shifted - _SHIFTER
    r = (x - k * _LN2_HI) - k * _LN2_LO
    # e**r = 1 + r*(1 + r*(1/2 + r*q(r))), q of degree 10 evaluated by Estrin's scheme: the
    # short dependency chain (7 FMAs deep instead of Horner's 13) matters because the sigmoids
    # of a small block are latency-bound; the last three Horner steps keep the rounding error
    # of the sum at Horner's level.
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    q01 = _C3 + _C4 * r
    q23 = _C5 + _C6 * r
    q45 = _C7 + _C8 * r
    q67 = _C9 + _C10 * r
    q89 = _C11 + _C12 * r
    q0_3 = q01 + q23 * r2
    q4_7 = q45 + q67 * r2
    q8_10 = q89 + _C13 * r2
    q = (q0_3 + q4_7 * r4) + q8_10 * r8
    p = 1.0 + r * (1.0 + r * (_C2 + r * q))
    # 2**k as two factors 2**(k//2) and 2**(k - k//2), each a normal number for every k here:
    # p * first is exact, and the second product rounds once, overflowing to inf or underflowing
    # to a subnormal or 0 exactly where the true exp does.
    k_int = _float_bits(shifted) - _SHIFTER_BITS
    k_half = k_int >> 1
    first = _bits_float((k_half + _EXPONENT_BIAS) << 52)
    second = _bits_float((k_int - k_half + _EXPONENT_BIAS) << 52)
    return (p * first) * second


@jit(simd=True, inline=True)
def sigmoid(z: float) -> float:
    """The logistic function ``1 / (1 + e**-z)``, as the notebook writes it."""
    return 1.0 / (1.0 + exp(-z))
