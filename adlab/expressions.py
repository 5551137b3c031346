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
# Limits checked before anything else sees the text, so that no input can make SymPy or
# Python's recursion hang or crash: a typed formula is far shorter and flatter than this.
MAX_LENGTH = 500  # characters
MAX_DEPTH = 30  # levels of calls, powers, signs and brackets (a chain of + - or * / is one)
# the constant parts of a formula (2^10, 1/3, pi/4) are worked out in floating point first;
# one that is not a finite number (9^9^9, 1/0, log(0)) is an error, whatever the variables
_MATH = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "tanh": math.tanh, "exp": math.exp,
         "log": math.log, "ln": math.log, "sqrt": math.sqrt, "abs": abs,
         "sigmoid": lambda v: 1 / (1 + math.exp(-v)) if v > -700 else 0.0,
         "relu": lambda v: max(v, 0.0)}
# characters people paste from books and slides, with what to type instead
_UNICODE_FIXES = {"\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/",
                  "\u221a": "sqrt(...)", "\u03c0": "pi", "\u00b2": "^2", "\u00b3": "^3", "\u2013": "-"}


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

    The text is checked before Python's parser or SymPy sees it: at most
    MAX_LENGTH characters, ASCII only, and after parsing at most MAX_DEPTH
    levels deep, with every constant part a finite number. So any text gives
    an Expression or a one-line ExpressionError quickly, never a hang.

    Args:
        text: e.g. ``"x**2 * sin(x)"``; ``^`` also means power; functions:
            sin cos tan tanh exp log (= ln) sqrt abs sigmoid relu; constants pi, e.
        variables: the variable names in call order; default: the names in the
            text, sorted naturally (x1, x2, ..., x10).
    Returns:
        An `Expression`.
    Raises:
        ExpressionError: a syntax error (with its position), an unknown name or
            function, a construct that is not arithmetic, a formula too long or
            too deeply nested, or a constant part that is not a finite number
            (such as 1/0 or 9^9^9).
    """
    if not isinstance(text, str):
        raise ExpressionError(f"parse: expected the formula as text, got {type(text).__name__}.")
    source = text.strip()
    if not source:
        raise ExpressionError("parse: the formula is empty; type one, e.g. sin(x) * x.")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"parse: the formula is {len(source)} characters long, longer than {MAX_LENGTH}; "
            f"shorten it.")
    _check_characters(source)
    tree = _syntax_tree(source)
    _check_depth(tree, source)
    names = []
    _check(tree, names, source)
    found = sorted(set(names), key=_natural)
    if variables is None:
        variables = tuple(found)
    else:
        variables = tuple(variables)
        unknown = [n for n in found if n not in variables]
        if unknown:
            raise ExpressionError(
                f"parse: unknown name {unknown[0]!r} in {_short(source)}; the variables are "
                f"{', '.join(variables)}."
            )
    return Expression(source, variables, tree)


def _short(source: str, limit: int = 60) -> str:
    """The formula quoted for a message, cut to `limit` characters (messages stay one line)."""
    return repr(source if len(source) <= limit else source[:limit - 3] + "...")


def _check_characters(source: str):
    """Reject characters no formula uses: non-ASCII ones (with the ASCII to type), control ones."""
    for i, ch in enumerate(source):
        if ch.isascii() and (ch.isprintable() or ch in " \t"):
            continue
        fix = _UNICODE_FIXES.get(ch)
        what = f"{ch!r} (U+{ord(ch):04X})" if ch.isprintable() else f"U+{ord(ch):04X}"
        advice = (f"type {fix} instead" if fix else
                  "use plain ASCII: numbers, letters, + - * / ^ ( ) and the functions")
        raise ExpressionError(f"parse: the character {what} at position {i + 1} is not allowed "
                              f"in a formula; {advice}.")


def _syntax_tree(source: str):
    """Python's parse of the formula (with ^ read as **), or an ExpressionError saying where."""
    try:  # ^ means power, with the precedence of ** (as SymPy's convert_xor gives)
        return ast.parse(source.replace("^", "**"), mode="eval").body
    except SyntaxError as exc:
        col = (exc.offset or 1) - 1
        hint = ""
        if re.search(r"\d\s*[A-Za-z(]", source):
            hint = " Write products with *, e.g. 2*x rather than 2x."
        raise ExpressionError(
            f"parse: syntax error at character {col + 1} of {_short(source)}: {exc.msg}.{hint}"
        ) from None
    except (ValueError, RecursionError, MemoryError):  # too deep for Python's own parser
        raise ExpressionError(
            f"parse: {_short(source)} is nested too deeply for Python's parser; simplify it."
        ) from None


_CHAINS = ((ast.Add, ast.Sub), (ast.Mult, ast.Div))


def _children(node):
    """The operand nodes of a node (a call's arguments, not the called name)."""
    if isinstance(node, ast.Call):
        return list(node.args) + [k.value for k in node.keywords]
    return [c for c in ast.iter_child_nodes(node)
            if not isinstance(c, (ast.operator, ast.unaryop, ast.expr_context))]


def _chain(node):
    """Which chain a binary + - or * / belongs to (None for other nodes)."""
    if isinstance(node, ast.BinOp):
        for i, ops in enumerate(_CHAINS):
            if isinstance(node.op, ops):
                return i
    return None


def _check_depth(tree, source: str):
    """Raise unless the formula is at most MAX_DEPTH levels deep (computed without recursion).

    A call, a power, a sign and an operand of a different kind each open a
    level; the terms of a sum or the factors of a product share theirs, so a
    long sum is flat while sin(sin(...)) or x^x^x^... deepen by one each.
    """
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            raise ExpressionError(
                f"parse: {_short(source)} is nested more than {MAX_DEPTH} levels deep "
                f"(calls, powers, signs); write it with fewer nested parts.")
        kind = _chain(node)
        for child in _children(node):
            same = kind is not None and _chain(child) == kind
            stack.append((child, depth if same else depth + 1))


def _check(tree, names, source):
    """Raise unless every node is arithmetic (collecting variable names), without recursion.

    Constant parts are worked out bottom-up in floating point, so 1/0, 9^9^9
    or log(0) are found here rather than in SymPy or at every x.
    """
    order, stack = [], [tree]
    while stack:  # parents before children; walked in reverse, children come first
        node = stack.pop()
        _check_node(node, names, source)
        order.append(node)
        stack.extend(_children(node))
    values = {}
    for node in reversed(order):
        value = _constant_value(node, values, source)
        if value is not None:
            values[id(node)] = value


def _check_node(node, names, source):
    """Raise unless this one node is a number, a name, + - * / **, a sign or a known call."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(
                f"parse: {node.value!r} is not a number (in {_short(source)}); use numbers "
                f"such as 2 or 0.5.")
        return
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"parse: {node.id} is a function; call it, e.g. {node.id}(x).")
        if node.id.startswith("_"):
            raise ExpressionError(f"parse: the name {node.id!r} starts with _; name variables "
                                  f"with letters and digits, e.g. x or x1.")
        if node.id not in CONSTANTS:
            names.append(node.id)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            op = _SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"parse: the operator {op} is not supported (use + - * / **).")
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return
    if isinstance(node, ast.Call):
        fname = node.func.id if isinstance(node.func, ast.Name) else None
        if fname not in FUNCTIONS:
            shown = fname or _short(ast.unparse(node.func), 30)
            raise ExpressionError(
                f"parse: unknown function {shown!r}; the functions are "
                f"{', '.join(sorted(FUNCTIONS))}."
            )
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"parse: {fname} takes exactly one argument, e.g. {fname}(x).")
        return
    raise ExpressionError(
        f"parse: {_short(ast.unparse(node), 40)} is not arithmetic; use numbers, variables, "
        f"+ - * / ** and the functions {', '.join(sorted(FUNCTIONS))}."
    )


def _constant_value(node, values, source):
    """The float value of a node whose operands are all constants (None if it has a variable).

    Raises an ExpressionError for a constant part that is not a finite real
    number, and for a division by a constant zero (x/0), naming the part.
    """
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, int) and value.bit_length() > 1030:  # float() would overflow
            value = math.inf
        return _finite(float(value), node, source)
    if isinstance(node, ast.Name):
        return CONSTANTS[node.id][0] if node.id in CONSTANTS else None
    if isinstance(node, ast.Call):
        operands = [node.args[0]]
    elif isinstance(node, ast.UnaryOp):
        operands = [node.operand]
    else:
        operands = [node.left, node.right]
    args = [values.get(id(c)) for c in operands]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and args[1] == 0.0:
        raise ExpressionError(
            f"parse: {_short(ast.unparse(node), 40)} divides by zero, whatever the variables "
            f"are; change the divisor.")
    if any(a is None for a in args):
        return None
    try:
        if isinstance(node, ast.Call):
            value = _MATH[node.func.id](args[0])
        elif isinstance(node, ast.UnaryOp):
            value = -args[0] if isinstance(node.op, ast.USub) else args[0]
        else:
            a, b = args
            op = type(node.op)
            value = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                     ast.Div: lambda: a / b, ast.Pow: lambda: a ** b}[op]()
    except ZeroDivisionError:
        raise ExpressionError(f"parse: {_short(ast.unparse(node), 40)} divides by zero; change "
                              f"the formula.") from None
    except OverflowError:
        value = math.inf
    except ValueError:  # outside a function's domain: log(0), sqrt(-1)
        value = math.nan
    if isinstance(value, complex):
        value = math.nan
    return _finite(float(value), node, source)


def _finite(value, node, source):
    """value, or an ExpressionError naming the constant part that is not a finite real number."""
    if math.isfinite(value):
        return value
    part = _short(ast.unparse(node), 40)
    if math.isnan(value):
        why = ("a negative number to a fractional power" if isinstance(node, ast.BinOp)
               else "outside its function's domain")
        raise ExpressionError(f"parse: {part} is not a real number ({why}); change it.")
    raise ExpressionError(
        f"parse: {part} is too large (beyond 1.8e308, the largest float); use smaller numbers "
        f"or powers.")


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
