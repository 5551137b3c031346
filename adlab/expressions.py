"""Safe parsing of formulas typed by people, such as ``"ln(x1) + x1*x2 - sin(x2)"``.

`parse(text)` reads the text with Python's own parser and walks the tree,
accepting only numbers, variable names, ``+ - * / ** ^`` and calls of a fixed
list of functions. Nothing is ever passed to `eval`. The result, an
`Expression`, evaluates with adlab's operations (so it can be differentiated,
traced and plotted) and converts to a SymPy expression for symbolic work.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field

from . import primitives as P
from .errors import AdlabValueError

# function name -> (adlab function, SymPy function name); SymPy loads lazily
FUNCTIONS = {
    "sin": (P.sin, "sin"),
    "cos": (P.cos, "cos"),
    "tan": (P.tan, "tan"),
    "tanh": (P.tanh, "tanh"),
    "exp": (P.exp, "exp"),
    "log": (P.log, "log"),
    "ln": (P.log, "log"),
    "sqrt": (P.sqrt, "sqrt"),
    "abs": (P.abs, "Abs"),
    "sigmoid": (P.sigmoid, None),
    "relu": (P.relu, None),
}
CONSTANTS = {"pi": (math.pi, "pi"), "e": (math.e, "E")}
MAX_LENGTH = 2000
MAX_DEPTH = 200


class ExpressionError(AdlabValueError):
    """The text is not a formula adlab can read; the message says where and why."""


_BINARY = {ast.Add: P.add, ast.Sub: P.sub, ast.Mult: P.mul, ast.Div: P.div, ast.Pow: P.power}
_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
            ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitAnd: "&",
            ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>"}


@dataclass(frozen=True)
class Expression:
    """A parsed formula.

    Attributes:
        text: the text as typed.
        variables: the variable names, in the order calls take them.
    """

    text: str
    variables: tuple
    _tree: ast.AST = field(repr=False, compare=False)

    def __call__(self, *args):
        """Evaluate at the given values of `variables` (floats, arrays or adlab values)."""
        if len(args) != len(self.variables):
            raise ExpressionError(
                f"{self.text!r} has variables {', '.join(self.variables) or '(none)'}; "
                f"give {len(self.variables)} value(s), got {len(args)}."
            )
        return _evaluate(self._tree, dict(zip(self.variables, args)))

    def sympy(self):
        """The formula as a SymPy expression over symbols named as `variables`."""
        import sympy

        symbols = {name: sympy.Symbol(name, real=True) for name in self.variables}
        return _to_sympy(self._tree, symbols, sympy)

    def symbols(self):
        """SymPy symbols for `variables`, in order (the ones `sympy()` uses)."""
        import sympy

        return tuple(sympy.Symbol(name, real=True) for name in self.variables)

    def __str__(self):
        return self.text


def _natural(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def parse(text: str, variables=None) -> Expression:
    """Read a formula safely.

    Args:
        text: e.g. ``"x**2 * sin(x)"``; ``^`` also means power; functions:
            sin cos tan tanh exp log (= ln) sqrt abs sigmoid relu; constants pi, e.
        variables: the variable names in call order; default: the names in the
            text, sorted naturally (x1, x2, ..., x10).
    Returns:
        An `Expression`.
    Raises:
        ExpressionError: a syntax error (with its position), an unknown name or
            function, or a construct that is not arithmetic.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"parse: expected the formula as text, got {type(text).__name__}.")
    source = text.strip()
    if not source:
        raise ExpressionError("parse: the formula is empty; type one, e.g. sin(x) * x.")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"parse: the formula is longer than {MAX_LENGTH} characters.")
    try:  # ^ means power, with the precedence of ** (as SymPy's convert_xor gives)
        tree = ast.parse(source.replace("^", "**"), mode="eval").body
    except SyntaxError as exc:
        col = (exc.offset or 1) - 1
        hint = ""
        if re.search(r"\d\s*[A-Za-z(]", source):
            hint = " Write products with *, e.g. 2*x rather than 2x."
        raise ExpressionError(
            f"parse: syntax error at character {col + 1} of {source!r}: {exc.msg}.{hint}"
        ) from None
    names = []
    _check(tree, names, source, 0)
    found = sorted(set(names), key=_natural)
    if variables is None:
        variables = tuple(found)
    else:
        variables = tuple(variables)
        unknown = [n for n in found if n not in variables]
        if unknown:
            raise ExpressionError(
                f"parse: unknown name {unknown[0]!r} in {source!r}; the variables are "
                f"{', '.join(variables)}."
            )
    return Expression(source, variables, tree)


def _check(node, names, source, depth):
    if depth > MAX_DEPTH:
        raise ExpressionError(f"parse: {source!r} is nested too deeply.")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"parse: {node.value!r} is not a number (in {source!r}).")
        return
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"parse: {node.id} is a function; call it, e.g. {node.id}(x).")
        if node.id not in CONSTANTS:
            names.append(node.id)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            op = _SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"parse: the operator {op} is not supported (use + - * / **).")
        _check(node.left, names, source, depth + 1)
        _check(node.right, names, source, depth + 1)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check(node.operand, names, source, depth + 1)
        return
    if isinstance(node, ast.Call):
        fname = node.func.id if isinstance(node.func, ast.Name) else None
        if fname not in FUNCTIONS:
            shown = fname or ast.unparse(node.func)
            raise ExpressionError(
                f"parse: unknown function {shown!r}; the functions are "
                f"{', '.join(sorted(FUNCTIONS))}."
            )
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"parse: {fname} takes exactly one argument, e.g. {fname}(x).")
        _check(node.args[0], names, source, depth + 1)
        return
    raise ExpressionError(
        f"parse: {ast.unparse(node)!r} is not arithmetic; use numbers, variables, + - * / ** "
        f"and the functions {', '.join(sorted(FUNCTIONS))}."
    )


def _evaluate(node, env):
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return CONSTANTS[node.id][0] if node.id in CONSTANTS else env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, env), _evaluate(node.right, env))
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, env)
        return P.neg(value) if isinstance(node.op, ast.USub) else value
    return FUNCTIONS[node.func.id][0](_evaluate(node.args[0], env))


def _to_sympy(node, symbols, sympy):
    if isinstance(node, ast.Constant):
        v = node.value
        return sympy.Integer(v) if isinstance(v, int) else sympy.Float(v)
    if isinstance(node, ast.Name):
        return getattr(sympy, CONSTANTS[node.id][1]) if node.id in CONSTANTS else symbols[node.id]
    if isinstance(node, ast.BinOp):
        a, b = _to_sympy(node.left, symbols, sympy), _to_sympy(node.right, symbols, sympy)
        op = type(node.op)
        if op is ast.Add:
            return a + b
        if op is ast.Sub:
            return a - b
        if op is ast.Mult:
            return a * b
        if op is ast.Div:
            return a / b
        return a ** b
    if isinstance(node, ast.UnaryOp):
        v = _to_sympy(node.operand, symbols, sympy)
        return -v if isinstance(node.op, ast.USub) else v
    fname = node.func.id
    arg = _to_sympy(node.args[0], symbols, sympy)
    if fname == "sigmoid":
        return 1 / (1 + sympy.exp(-arg))
    if fname == "relu":
        return sympy.Max(arg, 0)
    return getattr(sympy, FUNCTIONS[fname][1])(arg)
