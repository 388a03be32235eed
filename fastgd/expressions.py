"""Objectives written as expressions: parsed without ``eval``, compiled once, cached on disk.

``fastgd descend 'sin(x**2 + y**2)'`` and ``fastgd.minimize("sin(x**2 + y**2)", ...)`` take
text. sympy's own parsers (``parse_expr``, ``sympify``) run Python's ``eval`` on it, so text
goes through :func:`parse` instead: Python's :mod:`ast` with a whitelist of numbers, variable
names, ``+ - * / **``, unary signs, and calls of the functions in :data:`FUNCTIONS` (those the
compiled path supports, with derivatives it supports too); anything else is refused with a
``ValueError`` naming the offending piece, and so are constants that overflow float64,
exponents larger than :data:`MAX_EXPONENT`, and text longer than :data:`MAX_LENGTH`
characters or :data:`MAX_NODES` parts. The tree is then built into a sympy expression.

:func:`load` turns an expression (text or the user's own sympy object) into a generated
Python module with ``fun(x)`` and its exact gradient ``jac(x)`` (by ``sympy.diff``), compiled
with ``cache=True``, plus a numpy ``fun_on_grid`` for plots. The module lives in a cache
directory under a name that hashes the expression, its variables and the fastgd and Numba
versions, so the second ``fastgd descend EXPR`` imports it and compiles nothing, and does not
even import sympy. Variables are the expression's names in sorted order (x, y, z, ...).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import math
import sys
import types as pytypes
from pathlib import Path
from typing import Any

import numba

from fastgd import _cache

#: Functions an expression may call: name in the text -> sympy function name.
FUNCTIONS = {
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "asinh": "asinh",
    "acosh": "acosh",
    "atanh": "atanh",
    "exp": "exp",
    "log": "log",
    "sqrt": "sqrt",
    "abs": "Abs",
    "Abs": "Abs",
}
#: Named constants.
CONSTANTS = {"pi": math.pi, "E": math.e}
MAX_LENGTH = 2_000
MAX_NODES = 1_000
#: The largest |exponent| of a power with a constant exponent (x**1000 is fine, 9**9**9 not).
MAX_EXPONENT = 1_000
#: Bump when the generated source changes, so old modules are not reused.
GENERATOR_VERSION = 1

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}


class _Checked:
    """What validating a tree found: its variables, and each node's constant value if any."""

    def __init__(self) -> None:
        self.variables: set[str] = set()
        self.constants: dict[ast.AST, float] = {}
        self.nodes = 0


def _fail(text: str, node: ast.AST, why: str) -> ValueError:
    piece = ast.get_source_segment(text, node) or type(node).__name__
    return ValueError(f"EXPR {text!r}: {why}: {piece!r}")


def _constant_power(base: float, exponent: float) -> float:
    try:
        value = math.pow(base, exponent)
    except (OverflowError, ValueError):
        return math.inf if base != 0 else math.nan
    return value


def _check(text: str, node: ast.AST, found: _Checked) -> None:
    """Validate ``node``; record constant subtrees' float values (to catch overflow)."""
    found.nodes += 1
    if found.nodes > MAX_NODES:
        raise ValueError(f"EXPR is too large: more than {MAX_NODES} parts")
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(text, node, "only numbers are allowed as constants")
        try:
            found.constants[node] = float(value)
        except OverflowError:
            raise _fail(text, node, "the number is too large for float64") from None
        return
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            found.constants[node] = CONSTANTS[node.id]
        elif node.id in FUNCTIONS:
            raise _fail(text, node, "a function needs an argument in parentheses")
        elif node.id.startswith("_"):
            raise _fail(text, node, "variable names may not start with '_'")
        else:
            found.variables.add(node.id)
        return
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        _check(text, node.operand, found)
        if node.operand in found.constants:
            value = found.constants[node.operand]
            found.constants[node] = -value if isinstance(node.op, ast.USub) else value
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(text, node.left, found)
        _check(text, node.right, found)
        _check_binop(text, node, found)
        return
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise _fail(text, node.func, f"not an allowed function (allowed: {allowed})")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _fail(text, node, f"{name} takes exactly one argument")
        _check(text, node.args[0], found)
        return
    raise _fail(text, node, "not allowed in an expression")


def _check_binop(text: str, node: ast.BinOp, found: _Checked) -> None:
    left = found.constants.get(node.left)
    right = found.constants.get(node.right)
    if isinstance(node.op, ast.Pow) and right is not None and abs(right) > MAX_EXPONENT:
        raise _fail(text, node, f"exponents are limited to +-{MAX_EXPONENT}")
    if isinstance(node.op, ast.Div) and right == 0:
        raise _fail(text, node, "division by zero")
    if left is None or right is None:
        return
    if isinstance(node.op, ast.Pow):
        value = _constant_power(left, right)
    elif isinstance(node.op, ast.Div):
        value = left / right
    else:
        value = {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}[
            type(node.op)
        ]
    if not math.isfinite(value):
        raise _fail(text, node, "the constant overflows float64")
    found.constants[node] = value


def _tree(text: str) -> tuple[ast.Expression, _Checked]:
    if not isinstance(text, str):
        raise TypeError(f"EXPR must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"EXPR is too long: {len(text)} characters (at most {MAX_LENGTH})")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        reason = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        raise ValueError(f"EXPR {text!r} is not an expression: {reason}") from None
    if sum(1 for _ in ast.walk(tree.body)) > MAX_NODES:  # counted before recursing into it
        raise ValueError(f"EXPR is too large: more than {MAX_NODES} parts")
    found = _Checked()
    try:
        _check(text.strip(), tree.body, found)
    except RecursionError:
        raise ValueError("EXPR is nested too deeply") from None
    if not found.variables:
        raise ValueError(f"EXPR {text!r} must be an expression in at least one variable")
    return tree, found


def variables_of(text: str) -> tuple[str, ...]:
    """The variables of expression ``text``, in the order fastgd uses (sorted by name)."""
    return tuple(sorted(_tree(text)[1].variables))


def parse(text: str):
    """The sympy expression for ``text``, built from its syntax tree without ``eval``.

    Raises
    ------
    ValueError
        Naming the offending piece, for anything outside the grammar in the module docstring.

    Examples
    --------
    >>> from fastgd.expressions import parse
    >>> parse("sin(x**2 + y**2)")
    sin(x**2 + y**2)
    >>> parse("__import__('os').system('echo PWNED')")
    Traceback (most recent call last):
    ...
    ValueError: EXPR "__import__('os').system('echo PWNED')": not an allowed function ...
    """
    tree, found = _tree(text)
    import sympy

    symbols = {name: sympy.Symbol(name, real=True) for name in found.variables}
    return _build(tree.body, symbols, sympy)


def _build(node: ast.AST, symbols: dict, sympy) -> Any:
    if isinstance(node, ast.Constant):
        value = node.value
        return sympy.Integer(value) if isinstance(value, int) else sympy.Float(repr(value))
    if isinstance(node, ast.Name):
        if node.id == "pi":
            return sympy.pi
        if node.id == "E":
            return sympy.E
        return symbols[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand, symbols, sympy)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left = _build(node.left, symbols, sympy)
        right = _build(node.right, symbols, sympy)
        return {
            ast.Add: lambda: left + right,
            ast.Sub: lambda: left - right,
            ast.Mult: lambda: left * right,
            ast.Div: lambda: left / right,
            ast.Pow: lambda: left**right,
        }[type(node.op)]()
    if isinstance(node, ast.Call):
        function = getattr(sympy, FUNCTIONS[node.func.id])
        return function(_build(node.args[0], symbols, sympy))
    raise AssertionError(f"unchecked node {node!r}")  # _check refused it already


# --- generated modules ----------------------------------------------------------------------
def _key(*parts: str) -> str:
    from fastgd import __version__

    hasher = hashlib.blake2b(digest_size=12)
    for part in (*parts, __version__, numba.__version__, str(GENERATOR_VERSION)):
        hasher.update(part.encode())
        hasher.update(b"\0")
    return hasher.hexdigest()


_LOADED: dict[str, pytypes.ModuleType] = {}


def _import(path: Path, name: str) -> pytypes.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _module(key: str, make_source) -> pytypes.ModuleType:
    """The generated module for ``key``: loaded, imported from disk, or generated now.

    Modules live in :func:`fastgd._cache.expression_dir` (written atomically, so processes
    filling it at once are safe); with no writable place the module runs from memory and its
    functions compile in memory.
    """
    try:
        return _LOADED[key]
    except KeyError:
        pass
    name = f"expr_{key}"
    directory = _cache.expression_dir()
    path = None if directory is None else directory / f"{name}.py"
    if path is None or not path.exists():
        source = make_source()  # needs sympy: only the first time an expression is seen
        path = _cache.write_expression_module(name, source)
        if path is None:
            module = pytypes.ModuleType(f"fastgd_expression_{key}")
            exec(compile(source, f"<fastgd expression {key}>", "exec"), module.__dict__)
            _LOADED[key] = module
            return module
    module = _import(path, f"fastgd_expression_{key}")
    _LOADED[key] = module
    return module


def load(expression: Any) -> pytypes.ModuleType:
    """The compiled objective for ``expression`` (text, or a sympy expression).

    The module has ``fun(x)``, ``jac(x)`` (None when the derivative cannot be compiled; then
    ``GRADIENT_PROBLEM`` says why), ``fun_on_grid(*coordinates)`` (numpy), ``VARIABLES`` and
    ``EXPRESSION`` (the expression as sympy prints it).
    """
    if isinstance(expression, str):
        tree, _ = _tree(expression)
        key = _key("text", ast.dump(tree))
        return _module(key, lambda: generate_source(parse(expression)))
    import sympy

    if not isinstance(expression, sympy.Expr):
        raise TypeError(f"fun must be callable, a string or a sympy expression, got {expression!r}")
    symbols = sorted(expression.free_symbols, key=lambda s: s.name)
    if not symbols:
        raise ValueError(f"fun {expression} must be an expression in at least one variable")
    key = _key("sympy", sympy.srepr(expression))
    return _module(key, lambda: generate_source(expression))


def generate_source(expression) -> str:
    """The Python source of the module :func:`load` imports (see there)."""
    import sympy
    from sympy.printing.numpy import NumPyPrinter
    from sympy.printing.pycode import PythonCodePrinter

    symbols = sorted(expression.free_symbols, key=lambda s: s.name)
    if expression.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan, sympy.I):
        raise ValueError(f"fun {expression} is not a finite real expression")
    names = [f"_v{i}" for i in range(len(symbols))]
    # Real variables, renamed: sympy's derivatives of abs() and friends assume real values, and
    # the generated names cannot collide with the module's own (math, numpy, ...).
    real = {s: sympy.Symbol(name, real=True) for s, name in zip(symbols, names, strict=True)}
    expr = expression.xreplace(real)
    printer = PythonCodePrinter({"fully_qualified_modules": True, "inline": True})
    try:
        value = printer.doprint(expr)
    except Exception as exc:  # noqa: BLE001 - sympy's printers raise several kinds
        raise ValueError(f"fun {expression} cannot be compiled: {_reason(exc)}") from None
    partials, problem = [], ""
    try:
        partials = [printer.doprint(sympy.diff(expr, real[s])) for s in symbols]
    except Exception as exc:  # noqa: BLE001
        problem = f"the derivative of {expression} cannot be compiled: {_reason(exc)}"
    grid = NumPyPrinter({"fully_qualified_modules": True}).doprint(expr)
    unpack = "".join(f"    {name} = _point[{i}]\n" for i, name in enumerate(names))
    lines = [
        '"""Generated by fastgd from an expression; safe to delete (fastgd cache clear)."""',
        "import math",
        "",
        "import numpy",
        "",
        "from fastgd._jit import jit",
        "",
        f"EXPRESSION = {str(expression)!r}",
        f"VARIABLES = {tuple(s.name for s in symbols)!r}",
        f"GRADIENT_PROBLEM = {problem!r}",
        "",
        "",
        "@jit",
        "def fun(_point):",
        unpack + f"    return {value}",
    ]
    if partials:
        lines += ["", "", "@jit", "def jac(_point):", unpack.rstrip("\n")]
        lines.append(f"    _out = numpy.empty({len(names)})")
        lines += [f"    _out[{i}] = {partial}" for i, partial in enumerate(partials)]
        lines.append("    return _out")
    else:
        lines += ["", "", "jac = None"]
    lines += [
        "",
        "",
        f"def fun_on_grid({', '.join(names)}):",
        f"    return numpy.broadcast_to({grid}, numpy.shape({names[0]})).astype(float)",
    ]
    return "\n".join(lines) + "\n"


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
