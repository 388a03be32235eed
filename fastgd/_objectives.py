"""Objectives as native code: what the descent kernels call, compiled once per objective.

:func:`compile_objective` turns ``fun`` (and an analytic ``jac``) into the integer addresses
of their compiled code (see :mod:`fastgd.kernels.native`) and remembers the answer for the
process, so a second call with the same objective costs a dictionary lookup.

* A plain Python function is compiled with :func:`fastgd._jit.jit`; when it is a
  module-level function defined in a file, with ``cache=True``, so a script's second run
  finds it in the disk cache and compiles nothing. Lambdas and closures compile in memory
  (~0.05-0.1 s) and are remembered for the process.
* An ``@njit`` dispatcher is used as it is (its own options).
* Numba freezes the global values a function reads (a module-level ``SCALE = 2.0``) into the
  compiled code. fastgd records those values (:class:`FrozenGlobals`) and compiles again when
  one has changed, so a changed global never gives a stale answer, here or from the disk
  cache (the values are part of its key).
"""

from __future__ import annotations

import hashlib
import pickle
import types as pytypes
from typing import Any, NamedTuple

import numba
import numpy as np
from numba import types
from numba.core.dispatcher import Dispatcher

from fastgd import _cache
from fastgd._jit import jit

#: How the kernels pass the point: a C-contiguous float64 vector.
POINT_TYPE = types.Array(types.float64, 1, "C")
#: Functions remembered, with their compiled code, for the process.
_MEMORY_SIZE = 256
_MISSING = object()


class NativeObjective(NamedTuple):
    """The addresses the kernels call, and what keeps the code at them alive."""

    fun: int
    jac: int  # 0 without an analytic gradient
    keep_alive: tuple


# --- frozen globals ---------------------------------------------------------------------------
class FrozenGlobals:
    """The global (and closure) values a function's compiled code has frozen in.

    Modules, functions, classes and dispatchers are not values; functions and dispatchers are
    followed, since their globals are frozen into the caller too. Arrays are compared by
    content (Numba copies them into the code), so checking costs O(size) per call: pass data
    through ``args`` instead.
    """

    __slots__ = ("entries", "digest")

    def __init__(self, *functions: Any) -> None:
        entries: list[tuple[dict, str, Any, Any]] = []
        seen: set[int] = set()
        for function in functions:
            if function is not None:
                _collect(function, entries, seen, depth=0)
        self.entries = tuple(entries)
        self.digest = _digest(entries) if entries else b""

    def unchanged(self) -> bool:
        """True while every recorded value is still what the compiled code froze."""
        for namespace, name, value, copy in self.entries:
            current = namespace.get(name, _MISSING)
            if current is not value:
                if not _equal(current, copy):
                    return False
            elif copy is not None and not np.array_equal(value, copy):
                return False  # an array changed in place
        return True


def _python_function(obj: Any):
    if isinstance(obj, Dispatcher):
        return obj.py_func
    if isinstance(obj, pytypes.FunctionType):
        return obj
    return None


def _names(code: pytypes.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, pytypes.CodeType):
            names |= _names(const)
    return names


def _collect(function: Any, entries: list, seen: set[int], depth: int) -> None:
    py_func = _python_function(function)
    if py_func is None or id(py_func) in seen or depth > 8:
        return
    seen.add(id(py_func))
    namespace = py_func.__globals__
    for name in sorted(_names(py_func.__code__)):
        if name in namespace:
            _record(namespace, name, namespace[name], entries, seen, depth)
    if py_func.__closure__:
        for index, cell in enumerate(py_func.__closure__):
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            cells = {str(index): value}
            _record(cells, str(index), value, entries, seen, depth, cell=cell)


def _record(namespace, name, value, entries, seen, depth, cell=None) -> None:
    if isinstance(value, pytypes.ModuleType | type) or callable(value):
        if _python_function(value) is not None:
            _collect(value, entries, seen, depth + 1)
        return
    copy = np.array(value, copy=True) if isinstance(value, np.ndarray) else None
    if cell is not None:
        namespace = _CellView(cell)
    entries.append((namespace, name, value, copy))


class _CellView:
    """A closure cell seen through the ``get`` that :meth:`FrozenGlobals.unchanged` uses."""

    __slots__ = ("cell",)

    def __init__(self, cell) -> None:
        self.cell = cell

    def get(self, name, default):
        try:
            return self.cell.cell_contents
        except ValueError:
            return default


def _equal(current: Any, frozen: Any) -> bool:
    if frozen is None or current is _MISSING:
        return False
    try:
        return bool(np.array_equal(current, frozen))
    except Exception:  # noqa: BLE001 - anything incomparable counts as changed
        return False


def _digest(entries: list) -> bytes:
    hasher = hashlib.blake2b(digest_size=16)
    for _, name, value, copy in entries:
        hasher.update(name.encode())
        try:
            hasher.update(pickle.dumps(copy if copy is not None else value, protocol=4))
        except Exception:  # noqa: BLE001 - unpicklable: fall back on its repr
            hasher.update(repr(value).encode())
    return hasher.digest()


# --- compiling ------------------------------------------------------------------------------
def is_cacheable(function: Any) -> bool:
    """A module-level function defined in a file: Numba can keep its code on disk."""
    code = getattr(function, "__code__", None)
    return (
        isinstance(function, pytypes.FunctionType)
        and function.__closure__ is None
        and function.__name__ != "<lambda>"
        and "<locals>" not in function.__qualname__
        and code is not None
        and not code.co_filename.startswith("<")
    )


def dispatcher_for(function: Any, frozen: FrozenGlobals, fresh: bool) -> Dispatcher:
    """The user's dispatcher as it is, or ``function`` compiled with fastgd's options.

    ``fresh``: the values the code froze have changed since it was compiled, so a user's
    dispatcher is rebuilt (same options) rather than reused.
    """
    if isinstance(function, Dispatcher):
        if not fresh:
            return function
        options = {k: v for k, v in function.targetoptions.items() if k != "nopython"}
        return numba.njit(**options)(function.py_func)
    dispatcher = jit(function, cache=False)
    if is_cacheable(function):  # in the disk cache, keyed by the values it freezes too
        _cache.enable(dispatcher, key_extra=frozen.digest or None)
    return dispatcher


def _overload(dispatcher: Dispatcher, signature: tuple):
    """The compile result of ``dispatcher`` for ``signature``, compiling it if need be."""
    try:
        dispatcher.compile(signature)
        return dispatcher.overloads[signature]
    except RuntimeError as exc:  # explicit signatures: compilation disabled
        if "compilation disabled" not in str(exc):
            raise
    for arg_types, result in dispatcher.overloads.items():
        first = arg_types[0] if arg_types else None
        if (
            len(arg_types) == len(signature)
            and isinstance(first, types.Array)
            and first.dtype == types.float64
            and first.ndim == 1
            and first.mutable
            and tuple(arg_types[1:]) == tuple(signature[1:])
        ):
            return result
    raise TypeError(
        f"{dispatcher.py_func.__name__} was compiled for {list(dispatcher.overloads)}, none of "
        f"which accepts {signature}"
    )


def _address(result) -> int:
    return result.library.get_pointer_to_function(result.fndesc.llvm_func_name)


def _wrap(name: str, body: str, namespace: dict, arity: int) -> Dispatcher:
    """``def name(x, a0, ..., a{arity-1}): body`` compiled in memory (``{args}`` in ``body``
    stands for the extra arguments)."""
    args = "".join(f", a{i}" for i in range(arity))
    source = f"def {name}(x{args}):\n" + body.format(args=args)
    exec(source, namespace)
    return jit(namespace[name], cache=False)


def _as_float(dispatcher: Dispatcher, arity: int) -> Dispatcher:
    """A wrapper returning ``f(x, *args)`` as float64, for objectives returning an int or bool."""
    body = "    return np.float64(f(x{args}))\n"
    return _wrap("as_float", body, {"f": dispatcher, "np": np}, arity)


def _as_vector(dispatcher: Dispatcher, arity: int) -> Dispatcher:
    """A wrapper copying what ``jac`` returns into a new float64 vector."""
    body = (
        "    value = jac(x{args})\n"
        "    out = np.empty(len(value))\n"
        "    for i in range(len(value)):\n"
        "        out[i] = value[i]\n"
        "    return out\n"
    )
    return _wrap("as_vector", body, {"jac": dispatcher, "np": np}, arity)


def _compiled(function: Any, frozen: FrozenGlobals, fresh: bool, signature: tuple, gradient: bool):
    """(address, dispatcher) of ``function`` compiled for ``signature``."""
    dispatcher = dispatcher_for(function, frozen, fresh)
    result = _overload(dispatcher, signature)
    returned = result.signature.return_type
    if gradient:
        ok = isinstance(returned, types.Array) and returned.dtype == types.float64
        ok = ok and returned.ndim == 1
        if not ok:
            dispatcher = _as_vector(dispatcher, len(signature) - 1)
            result = _overload(dispatcher, signature)
    elif returned != types.float64:
        if not isinstance(returned, types.Number | types.Boolean):
            raise TypeError(
                f"fun must return a real scalar, but Numba compiled it to return {returned}"
            )
        dispatcher = _as_float(dispatcher, len(signature) - 1)
        result = _overload(dispatcher, signature)
    return _address(result), dispatcher


_REMEMBERED: dict[tuple, tuple[NativeObjective, FrozenGlobals]] = {}


def lookup(fun: Any, jac: Any, args_key: Any) -> tuple[NativeObjective, FrozenGlobals] | None:
    """The remembered compiled objective, if its frozen values have not changed since."""
    try:
        remembered = _REMEMBERED[(fun, jac, args_key)]
    except (KeyError, TypeError):
        return None
    return remembered if remembered[1].unchanged() else None


def compile_objective(
    fun: Any, jac: Any, args: tuple, args_key: Any
) -> tuple[NativeObjective, FrozenGlobals]:
    """Compile ``fun`` (and ``jac``, or None) for ``args`` of its type, and remember it.

    ``args_key`` is a cheap stand-in for the type of ``args`` (see :func:`args_key`). Raises
    Numba's errors (or ``ValueError`` for ``args`` Numba cannot pass) when the objective
    cannot be compiled; ``TypeError`` when it compiles to return something other than a
    real number (``fun``) or a 1-D array (``jac``).
    """
    key = (fun, jac, args_key)
    remembered = _REMEMBERED.get(key)
    if remembered is not None and remembered[1].unchanged():
        return remembered
    if numba.config.DISABLE_JIT:
        return _python_objective(key, fun, jac)
    fresh = remembered is not None  # remembered but stale: its frozen values changed
    frozen = FrozenGlobals(fun, jac)
    arg_types = numba.typeof(args)  # a ValueError for values Numba cannot pass
    signature = (POINT_TYPE, *arg_types.types)
    fun_address, fun_code = _compiled(fun, frozen, fresh, signature, gradient=False)
    jac_address, jac_code = (
        (0, None) if jac is None else _compiled(jac, frozen, fresh, signature, gradient=True)
    )
    native = NativeObjective(fun_address, jac_address, (fun_code, jac_code))
    _REMEMBERED.pop(key, None)
    if len(_REMEMBERED) >= _MEMORY_SIZE:
        del _REMEMBERED[next(iter(_REMEMBERED))]
    _REMEMBERED[key] = (native, frozen)
    return native, frozen


def _python_objective(key: tuple, fun: Any, jac: Any) -> tuple[NativeObjective, FrozenGlobals]:
    """With NUMBA_DISABLE_JIT=1 the kernels run as Python and call objectives by handle."""
    from fastgd.kernels.native import PYTHON_OBJECTIVES

    handles = []
    for function in (fun, jac):
        if function is None:
            handles.append(0)
            continue
        handle = len(PYTHON_OBJECTIVES) + 1
        PYTHON_OBJECTIVES[handle] = getattr(function, "py_func", function)
        handles.append(handle)
    native = NativeObjective(handles[0], handles[1], (fun, jac))
    frozen = FrozenGlobals()  # Python reads the globals afresh at every call
    _REMEMBERED[key] = (native, frozen)
    return native, frozen


def args_key(args: tuple) -> Any:
    """What decides the compiled signature for ``args``, computed faster than ``numba.typeof``.

    Scalars by type; arrays by dtype, dimensions, layout and writability; anything else by
    its Numba type.
    """
    if not args:
        return ()
    key = []
    for value in args:
        kind = type(value)
        if kind is float or kind is int or kind is bool:
            key.append(kind)
        elif kind is np.ndarray:
            flags = value.flags
            key.append(
                (
                    value.dtype.str,
                    value.ndim,
                    flags.c_contiguous,
                    flags.f_contiguous,
                    flags.writeable,
                )
            )
        else:
            try:
                key.append(numba.typeof(value))
            except ValueError:  # not a Numba type: compiling will fail, and say so
                key.append(("python object", kind))
    return tuple(key)
