"""Low-level pieces of the descent kernels: calls by native address, borrowed views.

Calling a compiled objective by its native address, from kernels compiled once
------------------------------------------------------------------------------

The descent kernels take the objective as a plain integer: the address of the machine code
Numba compiled for ``fun(x, *args)`` (see :mod:`fastgd._objectives`). The intrinsics below
turn that integer into a call with Numba's own calling convention, so

* the kernels' types never mention the objective: one compiled kernel serves every objective
  with the same argument types, and it lives in the disk cache like any module-level function;
* crossing from Python into the kernel costs an integer's unboxing (~20 ns) instead of the
  ~10-28 us Numba spends converting a function object at each call;
* an exception raised inside the objective (an ``IndexError``, say) propagates out of the
  kernel to Python, as a direct call would.

The price is one indirect call per evaluation (a few ns) and no inlining of the objective.

The address must point to a function compiled for exactly the argument types the kernel
passes (``x`` a C-contiguous float64 vector, then the types of ``args``) and returning float64
(:func:`call_objective`) or a 1-D float64 array (:func:`call_gradient`); :mod:`fastgd._objectives`
guarantees this, wrapping objectives whose return type differs.

Borrowed views
--------------
Numba counts references to arrays: passing an array to a helper, even an inlined one, costs
an atomic increment and decrement of its count (~35 ns a call with three arrays, measured),
which in a descent's inner loop was five times the cost of the arithmetic. :func:`borrow`
returns a view of an array without a reference count, which helpers take for free. The owner
must outlive the view: the kernels borrow only arrays their caller owns, for the duration of
the call, and never return or store a borrowed view.

With ``NUMBA_DISABLE_JIT=1`` every kernel runs as plain Python (coverage, debugging): the
intrinsics then have Python twins (end of this module), and an objective's "address" is a key
of :data:`PYTHON_OBJECTIVES`.
"""

from __future__ import annotations

import numpy as np
from numba import config, types
from numba.core import cgutils
from numba.extending import intrinsic

#: What :func:`call_gradient` returns: any 1-D float64 array (every layout has the same ABI).
GRADIENT_TYPE = types.Array(types.float64, 1, "A")


def _native_call(context, builder, return_type, address, x, x_type, args, args_type):
    """Emit ``return_type f(x, *args)`` for the native function at ``address``."""
    arg_types = (x_type, *args_type.types)
    values = [x] + [builder.extract_value(args, i) for i in range(len(args_type.types))]
    function_type = context.call_conv.get_function_type(return_type, arg_types)
    pointer = builder.inttoptr(address, function_type.as_pointer())
    status, result = context.call_conv.call_function(
        builder, pointer, return_type, arg_types, values
    )
    with cgutils.if_unlikely(builder, status.is_error):
        context.call_conv.return_status_propagate(builder, status)
    return result


@intrinsic
def call_objective(typingctx, address, x, args):
    """``f(x, *args)`` as float64, ``f`` the compiled objective at ``address`` (an int64)."""
    if not isinstance(address, types.Integer) or not isinstance(args, types.BaseTuple):
        return None
    signature = types.float64(address, x, args)

    def codegen(context, builder, sig, llargs):
        return _native_call(
            context, builder, types.float64, llargs[0], llargs[1], x, llargs[2], args
        )

    return signature, codegen


@intrinsic
def call_gradient(typingctx, address, x, args):
    """``g(x, *args)``, a new 1-D float64 array, ``g`` the compiled gradient at ``address``."""
    if not isinstance(address, types.Integer) or not isinstance(args, types.BaseTuple):
        return None
    signature = GRADIENT_TYPE(address, x, args)

    def codegen(context, builder, sig, llargs):
        # The callee returns a new reference, which is what an intrinsic must return.
        return _native_call(
            context, builder, GRADIENT_TYPE, llargs[0], llargs[1], x, llargs[2], args
        )

    return signature, codegen


@intrinsic
def borrow(typingctx, array):
    """A view of ``array`` that is not reference-counted (see the module docstring)."""
    if not isinstance(array, types.Array):
        return None

    def codegen(context, builder, sig, llargs):
        view = context.make_array(array)(context, builder, value=llargs[0])
        view.meminfo = cgutils.get_null_value(view.meminfo.type)
        return view._getvalue()

    return array(array), codegen


@intrinsic
def read_flag(typingctx, flags):
    """``flags[0]`` read atomically (another thread may set it: the Ctrl-C flag of a sweep)."""
    if not isinstance(flags, types.Array) or flags.dtype != types.int64:
        return None

    def codegen(context, builder, sig, llargs):
        array = context.make_array(flags)(context, builder, value=llargs[0])
        return builder.load_atomic(array.data, ordering="monotonic", align=8)

    return types.int64(flags), codegen


# --- NUMBA_DISABLE_JIT=1: the kernels run as Python ------------------------------------------
#: Objectives by handle, when the kernels run as Python: the "address" is a key here.
PYTHON_OBJECTIVES: dict[int, object] = {}

if config.DISABLE_JIT:  # pragma: no cover - exercised by the NUMBA_DISABLE_JIT test run

    def call_objective(address, x, args):  # noqa: F811 - the Python twin of the intrinsic
        return float(PYTHON_OBJECTIVES[int(address)](x, *args))

    def call_gradient(address, x, args):  # noqa: F811
        return np.asarray(PYTHON_OBJECTIVES[int(address)](x, *args), dtype=np.float64)

    def borrow(array):  # noqa: F811
        return array

    def read_flag(flags):  # noqa: F811
        return int(flags[0])
