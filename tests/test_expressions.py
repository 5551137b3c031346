"""Safe formula parsing: AD of a parsed formula against SymPy, and hostile text rejected."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import sympy

import adlab
from adlab.expressions import ExpressionError, parse

FORMULAS = [
    "ln(x1) + x1*x2 - sin(x2)",
    "x^2 * sin(x) + 1/x",
    "log(x^2) * sin(x) + 1/x",
    "exp(-x^2/2) / sqrt(2*pi)",
    "tanh(x*y) - cos(y)^3 + e^x",
    "sigmoid(3*x - 1) * abs(x - 5)",
    "-x^2 + 2^x",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_ad_of_parsed_formula_matches_sympy(text):
    expr = parse(text)
    rng = np.random.default_rng(len(text))
    point = tuple(float(v) for v in rng.uniform(0.5, 2.0, len(expr.variables)))
    symbolic = expr.sympy()
    subs = dict(zip(expr.symbols(), point))
    assert expr(*point) == pytest.approx(float(symbolic.subs(subs).evalf(30)), rel=1e-13)
    grads = adlab.grad(expr, argnums=tuple(range(len(point))))(*point)
    for g, s in zip(grads, expr.symbols()):
        exact = float(sympy.diff(symbolic, s).subs(subs).evalf(30))
        assert g == pytest.approx(exact, rel=1e-12, abs=1e-14)


def test_variables_and_precedence():
    assert parse("x10 + x2 + x1").variables == ("x1", "x2", "x10")
    assert parse("a*b", variables=["b", "a"])(2.0, 3.0) == 6.0
    assert parse("x^2 + pi")(3.0) == 9.0 + math.pi
    assert parse("-x^2")(3.0) == -9.0
    assert parse("2^3^2")() == 512.0
    assert str(parse("x^2 + pi").sympy()) == "x**2 + pi"


@pytest.mark.parametrize(
    "text, message",
    [
        ("x +", "syntax error"),
        ("2x", "2*x"),
        ("foo(x)", "unknown function 'foo'"),
        ("__import__('os').system('true')", "unknown function"),
        ("open('f')", "unknown function 'open'"),
        ("x.real", "not arithmetic"),
        ("x[0]", "not arithmetic"),
        ("lambda: 1", "not arithmetic"),
        ("(x for x in y)", "not arithmetic"),
        ("x // 2", "operator //"),
        ("sin", "call it"),
        ("sin(x, y)", "exactly one argument"),
        ("'a'", "not a number"),
        ("", "empty"),
        ("x" + "+x" * 1500, "longer than"),
    ],
)
def test_bad_text_is_rejected_with_a_reason(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse(text)


def test_unknown_variable_and_wrong_arity():
    with pytest.raises(ValueError, match="unknown name 'y'"):
        parse("x + y", variables=["x"])
    with pytest.raises(ValueError, match="give 2 value"):
        parse("x*y")(1.0)


def test_division_by_zero_follows_numpy():
    with pytest.warns(RuntimeWarning):
        assert parse("1/x")(0.0) == math.inf


# -- hostile input: every text gives a one-line ExpressionError (or an Expression), and
# -- quickly; the parses run in a child process with a timeout, so a hang fails the test
# -- instead of stalling the suite

HOSTILE = [
    ("x + 1/9**9**9", "too large"),
    ("9^9^9", "too large"),
    ("x**(10**400)", "too large"),
    ("1" * 400 + "*x", "too large"),
    ("1e309 * x", "too large"),
    ("exp(1000) + x", "too large"),
    ("sin(" * 150 + "x" + ")" * 150, "longer than 500"),
    ("sin(" * 60 + "x" + ")" * 60, "nested more than 30 levels"),
    ("x" + "**x" * 40, "nested more than 30 levels"),
    ("-" * 300 + "x", "nested more than 30 levels"),
    ("x" + "+x" * 1000, "longer than 500"),
    ("(" * 240 + "x" + ")" * 240, "too many nested parentheses"),
    ("1/0*x", "divides by zero, whatever the variables are"),
    ("x/(1 - 1)", "divides by zero"),
    ("0**-1 + x", "divides by zero"),
    ("log(0) * x", "not a real number"),
    ("sqrt(-1) + x", "not a real number"),
    ("(-8)^(1/3) * x", "negative number to a fractional power"),
    ("__import__('os').system('true')", "unknown function"),
    ("__builtins__", "starts with _"),
    ("x.__class__", "not arithmetic"),
    ("().__class__.__bases__[0]", "not arithmetic"),
    ("lambda: 0", "not arithmetic"),
    ("[x for x in (1,)]", "not arithmetic"),
    ("(y := 2)", "not arithmetic"),
    ("x if x else 1", "not arithmetic"),
    ("x < 1", "not arithmetic"),
    ("~x", "not arithmetic"),
    ("f'{x}'", "not arithmetic|not a number"),
    ("b'x'", "not a number"),
    ("1j * x", "not a number"),
    ("sin(*x)", "exactly one argument"),
    ("sin(x=1)", "exactly one argument"),
    ("eval('1')", "unknown function 'eval'"),
    ("x × 2", "character '×'.*type \\* instead"),
    ("x − 1", "type - instead"),
    ("√x", "sqrt"),
    ("π * x", "type pi instead"),
    ("ｘ + 1", "U\\+FF58"),
    ("x\x00", "U\\+0000"),
    ("x\n+ 1", "U\\+000A"),
    ("x;import os", "syntax error"),
    ("\\x", "syntax error"),
]

_CHILD = r"""
import json, sys
from adlab.expressions import ExpressionError, parse
out = []
for text in json.loads(sys.stdin.read()):
    try:
        expr = parse(text)
        expr.sympy()  # SymPy sees only what parse accepted
        out.append(["ok", ""])
    except ExpressionError as exc:
        out.append(["error", str(exc)])
    except BaseException as exc:  # a crash of the wrong kind fails the test below
        out.append([type(exc).__name__, str(exc)[:200]])
print(json.dumps(out))
"""


def _parse_in_child(texts, timeout=60):
    """[kind, message] for each text, parsed (and converted to SymPy) in a fresh interpreter."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(texts),
                          capture_output=True, text=True, timeout=timeout, check=True)
    return json.loads(done.stdout)


def test_hostile_text_is_refused_with_a_one_line_reason():
    results = _parse_in_child([text for text, _ in HOSTILE])
    for (text, pattern), (kind, message) in zip(HOSTILE, results):
        assert kind == "error", (text[:40], kind, message)
        assert message.startswith("parse: ") and "\n" not in message, text[:40]
        assert len(message) < 300, (text[:40], message)
        assert re.search(pattern, message), (text[:40], message)


def test_formulas_at_the_limits_are_accepted_and_sympy_handles_them():
    """Just inside the limits: 500 characters, 30 levels, large but finite constants."""
    texts = ["x" + "+x" * 249, "x" + "**x" * 28, "sin(" * 29 + "x" + ")" * 29,
             "x**(10**300)", "2^-2000 + x", "x*2^1023", "sigmoid(-1000) + x",
             "(" * 100 + "x" + ")" * 100]
    results = _parse_in_child(texts)
    assert [kind for kind, _ in results] == ["ok"] * len(texts), results


def test_constant_parts_are_worked_out_exactly_as_floats():
    assert parse("2^-2000 + x")(1.0) == 1.0
    assert parse("x*2^1023")(0.5) == 2.0 ** 1022  # a large but finite constant
    assert parse("(1/3)*x")(3.0) == pytest.approx(1.0, rel=1e-15)
    assert parse("sin(pi/6)*x")(2.0) == pytest.approx(1.0, rel=1e-15)
