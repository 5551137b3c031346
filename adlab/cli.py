"""The ``adlab`` command: evaluation-trace tables and graphs for instructors.

``adlab trace "ln(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5`` reads the formula with
`adlab.expressions.parse` (an AST walk that never calls `eval`), records one
evaluation at the given point with `adlab.trace`, prints its trace tables
(by default forward and reverse mode, in the format of Baydin et al.'s
Tables 2 and 3) in Markdown, LaTeX or plain text, then one summary line with the value and every
partial derivative, and can write the dependency graph (``--graph f.svg``).

Bad input (a formula that is not arithmetic, a missing or malformed value, an
unknown seed, an unsupported graph file, Graphviz missing) ends with one line
on stderr that names the problem and the fix, and exit status 2. Values that
are mathematically bad (the log of a negative number) follow numpy: the
results are nan or inf and each numpy warning is reported on one line.

Run it as ``adlab`` (installed with the package) or ``python -m adlab``. This
module imports argparse only; the graph's libraries load when a graph is written.
"""

from __future__ import annotations

import argparse
import keyword
import sys

KINDS = ("primal", "tangent", "adjoint", "forward", "reverse")
TABLE_CHOICES = KINDS + ("all",)
DEFAULT_TABLES = ("forward", "reverse")
FORMATS = ("markdown", "latex", "text")
SHOWS = ("primal", "tangent", "adjoint")
IMAGE_SUFFIXES = (".svg", ".png", ".pdf")
SOURCE_SUFFIXES = (".dot", ".gv")
MAX_DIGITS = 17  # a float64 has at most 17 significant decimal digits

EXIT_OK = 0
EXIT_USAGE = 2

DESCRIPTION = "adlab: automatic differentiation you can read, from the command line."

TRACE_DESCRIPTION = """\
Print the evaluation-trace tables of a formula at one point (by default
forward mode and reverse mode, in the format of Baydin et al.'s Tables 2 and
3), then one summary line with the value y and every partial derivative
dy/dx, and optionally write the dependency graph. The rows are v_{1-n} .. v_0
for the inputs (in the order of --at), then v_1 .. v_l for the operations in
rounds, as Baydin et al. number them: first every operation of the inputs
alone, then every one that needs those, and so on, left to right within a
round (ln(x1) + x1*x2 - sin(x2) gives v_1 = ln, v_2 = *, v_3 = sin, v_4 = +,
v_5 = -). The reverse table lists the adjoint lines in the order the sweep
runs them, top to bottom (the paper prints the same lines bottom to top).

The formula may use numbers, variables, + - * / ** (or ^), the functions
abs cos exp ln (= log) relu sigmoid sin sqrt tan tanh and the constants pi and e.
Quote it for the shell. It is read by adlab's own parser and never evaluated
as Python."""

TRACE_EPILOG = """\
examples:
  adlab trace "ln(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5
  adlab trace "ln(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 --seed x2 --table forward
  adlab trace "x^2 * sin(x)" --at x=pi/4 --table all --format latex > trace.tex
  adlab trace "ln(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 --graph f.svg --show adjoint

Bad input exits with status 2 and one line on stderr saying what to change."""


class UsageError(Exception):
    """Bad input on the command line; the message names the problem and the fix."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (status 2), not usage text."""

    def error(self, message):
        hint = ""
        if "required: expression" in message:
            hint = (" Give the formula in quotes before --at, e.g. adlab trace \"x*sin(x)\" "
                    "--at x=1; a formula that starts with - needs a space first: \" -x^2\".")
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}.{hint} "
                              f"See {self.prog} --help.\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``adlab`` command and its ``trace`` subcommand."""
    from . import __version__

    parser = _Parser(prog="adlab", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"adlab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    trace = commands.add_parser(
        "trace", help="print the trace tables of a formula at a point; write its graph",
        description=TRACE_DESCRIPTION, epilog=TRACE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    trace.add_argument("expression", help='the formula, e.g. "ln(x1) + x1*x2 - sin(x2)"')
    trace.add_argument(
        "--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
        help="the point: a value for every variable, e.g. --at x1=2 x2=5 (a value may be "
             "a constant formula such as pi/4); the inputs are numbered in this order")
    trace.add_argument(
        "--table", choices=TABLE_CHOICES, default=None,
        help="which table to print: primal, tangent, adjoint, forward (primal and tangent, "
             "in the format of Baydin et al.'s Table 2), reverse (primal and adjoint, in the "
             "format of their Table 3) or all of them (default: forward and reverse)")
    trace.add_argument(
        "--seed", metavar="NAME",
        help="the input the forward (tangent) sweep differentiates by (default: the first)")
    trace.add_argument("--format", choices=FORMATS, default="markdown",
                       help="table format (default: markdown)")
    trace.add_argument("--digits", type=_digits, default=4, metavar="N",
                       help=f"significant digits of the numbers, 1 to {MAX_DIGITS} (default: 4)")
    trace.add_argument(
        "--graph", metavar="PATH",
        help="also write the dependency graph; the suffix picks the format: .svg, .png, "
             ".pdf (these need Graphviz's dot program) or .dot/.gv (the DOT source)")
    trace.add_argument(
        "--show", choices=SHOWS, default="primal",
        help="what the graph's nodes show besides the value: primal (nothing more), "
             "tangent (by --seed) or adjoint (default: primal)")
    trace.set_defaults(run=run_trace, parser=trace)
    return parser


def _digits(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= n <= MAX_DIGITS:
        raise argparse.ArgumentTypeError(f"{n} is not between 1 and {MAX_DIGITS}")
    return n


def main(argv=None) -> int:
    """Run the ``adlab`` command.

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).
    Returns:
        The exit status: 0 on success, 2 for bad input (after one line on stderr).
    """
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # reported by the subcommand, whose options they were meant for
            hint = ""
            if any(not a.startswith("-") for a in extra):
                hint = (". Quote the formula as one argument, e.g. \"x1 * x2\", and put "
                        "the values after --at")
            (args.parser if args.command else parser).error(
                f"unrecognized arguments: {' '.join(extra)}{hint}")
    except SystemExit as exc:  # --help, --version or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else 1)
    if args.command is None:
        print("adlab: error: give a command, e.g. adlab trace \"x*sin(x)\" --at x=1. "
              "See adlab --help.", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.run(args)
    except UsageError as exc:
        message = " ".join(str(exc).split("\n"))
        print(f"adlab {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        _silence_stdout()
        return EXIT_OK


def run_trace(args) -> int:
    """The ``trace`` subcommand: print the tables and summary, write the graph.

    Args:
        args: the parsed arguments (see `build_parser`).
    Returns:
        0; bad input raises `UsageError`.
    """
    import warnings

    from . import trace as record
    from .errors import AdlabTypeError, AdlabValueError

    expr, point = read_point(args.expression, args.at)
    names = tuple(point)
    seed = args.seed if args.seed is not None else names[0]
    if seed not in point:
        raise UsageError(f"--seed {seed!r} is not an input; the inputs are "
                         f"{', '.join(names)} (from --at), e.g. --seed {names[0]}.")
    graph_path = _check_graph_path(args.graph) if args.graph else None

    if args.table is None:
        kinds = DEFAULT_TABLES
    else:
        kinds = KINDS if args.table == "all" else (args.table,)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t = record(expr, *point.values(), names=names).by_level()
            sections = [render_table(t, kind, seed, args.format, args.digits) for kind in kinds]
            sections.append(summary(t, args.format, args.digits))
            if graph_path is not None:
                graph = t.graph(show=args.show, digits=args.digits,
                                seed={seed: 1.0} if args.show == "tangent" else None)
        except (AdlabValueError, AdlabTypeError, ArithmeticError) as exc:
            raise UsageError(f"cannot evaluate {expr.text!r} at "
                             f"{_point_text(point, args.digits)}: {exc}") from None
    if graph_path is not None:
        _save_graph(graph, graph_path)

    for message, numeric in _unique_warnings(caught):
        note = "; the results that depend on it are nan or inf, as in numpy" if numeric else ""
        print(f"adlab trace: warning: {message}{note}.", file=sys.stderr)
    text = "\n".join(sections)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except UnicodeEncodeError:
        raise UsageError(f"this terminal's encoding ({sys.stdout.encoding}) cannot show the "
                         f"text tables; use --format markdown or latex, or set "
                         f"PYTHONIOENCODING=utf-8.") from None
    if graph_path is not None:
        print(f"adlab trace: wrote {graph_path}", file=sys.stderr)
    return EXIT_OK


def read_point(text: str, assignments) -> tuple:
    """Parse the formula and the ``NAME=VALUE`` assignments of ``--at``.

    Args:
        text: the formula, read with `adlab.expressions.parse`.
        assignments: strings ``NAME=VALUE``; VALUE is a number or a formula
            without variables (``pi/4``).
    Returns:
        ``(expression, point)``: the `Expression` taking its variables in the
        order of ``--at``, and a dict name -> float in that order.
    Raises:
        UsageError: a formula parse rejects, a malformed or repeated
            assignment, a value that is not a number, a variable without value.
    """
    from .expressions import CONSTANTS, FUNCTIONS, ExpressionError, parse

    try:
        found = parse(text).variables
    except ExpressionError as exc:
        raise UsageError(_expression_problem(exc)) from None
    if not found:
        raise UsageError(f"the formula {text.strip()!r} has no variables, so there is nothing "
                         f"to differentiate; use one, e.g. \"x*sin(x)\" --at x=1.")

    example = " ".join(f"{n}=1" for n in found)
    point: dict = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep:
            raise UsageError(f"--at {item!r} has no '='; write NAME=VALUE, e.g. --at {example}.")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise UsageError(f"--at {item!r}: {name!r} is not a variable name; write NAME=VALUE "
                             f"with a name from the formula, e.g. --at {example}.")
        if name in FUNCTIONS or name in CONSTANTS:
            what = "a function" if name in FUNCTIONS else "a constant"
            raise UsageError(f"--at {item!r}: {name} is {what}, not a variable; give values "
                             f"to the variables {', '.join(found)}.")
        if name in point:
            raise UsageError(f"--at gives {name} twice; give each variable one value.")
        point[name] = _number(name, value, example)

    missing = [n for n in found if n not in point]
    if missing:
        have = " ".join(assignments)
        fix = " ".join([have] + [f"{n}=VALUE" for n in missing]).strip()
        which = (f"the variable {missing[0]} has" if len(missing) == 1
                 else f"the variables {', '.join(missing)} have")
        raise UsageError(f"{which} no value; give every variable of the formula one with "
                         f"--at, e.g. --at {fix}.")
    unused = [n for n in point if n not in found]
    if unused:
        print(f"adlab trace: note: {', '.join(unused)} not in the formula; "
              f"{'it is an input' if len(unused) == 1 else 'they are inputs'} whose "
              f"derivative is 0.", file=sys.stderr)
    return parse(text, variables=tuple(point)), point


def _number(name: str, value: str, example: str) -> float:
    """The value of ``--at NAME=VALUE``: a float, or a formula without variables (pi/4)."""
    from .expressions import ExpressionError, parse

    try:
        return float(value)
    except ValueError:
        pass
    problem = (f"the value of {name}, {value.strip()!r}, is not a number; give a number "
               f"or a constant formula such as pi/4, e.g. --at {example}.")
    try:
        constant = parse(value)
    except ExpressionError:
        raise UsageError(problem) from None
    if constant.variables:
        raise UsageError(problem)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(constant())


def _expression_problem(exc) -> str:
    message = str(exc)
    if message.startswith("parse: "):
        message = message[len("parse: "):]
    if message.startswith("syntax error"):
        message += (" Use numbers, variables, + - * / ** (or ^) and function calls, "
                    "e.g. \"ln(x1) + x1*x2\".")
    return f"the formula cannot be read: {message}"


def _check_graph_path(path: str):
    """The graph's path, after checking its suffix and what writing it needs."""
    import pathlib
    import shutil

    p = pathlib.Path(path)
    suffix = p.suffix.lower()
    if suffix not in IMAGE_SUFFIXES + SOURCE_SUFFIXES:
        raise UsageError(f"--graph {path!r}: cannot tell the format from the suffix "
                         f"{suffix or '(none)'!r}; end the name with .svg, .png, .pdf, "
                         f".dot or .gv, e.g. --graph {p.stem or 'graph'}.svg.")
    try:
        import graphviz  # noqa: F401 - checked here, used by adlab.graphs
    except ImportError:
        raise UsageError("--graph needs the graphviz Python package, which is missing; "
                         "install it with pip install graphviz (or pip install "
                         "'adlab[course]').") from None
    if suffix in IMAGE_SUFFIXES and shutil.which("dot") is None:
        raise UsageError(
            f"--graph {path!r}: Graphviz's dot program is missing, and {suffix} needs it; "
            f"install it with apt-get install graphviz (Debian, Ubuntu), brew install "
            f"graphviz (macOS) or conda install graphviz, or write the DOT source, which "
            f"needs no Graphviz: --graph {p.with_suffix('.dot')}.")
    return p


def _save_graph(graph, path) -> None:
    import subprocess

    try:
        graph.save(str(path))
    except (OSError, RuntimeError, ValueError, subprocess.CalledProcessError) as exc:
        reason = " ".join(str(exc).split())
        raise UsageError(f"--graph: cannot write {str(path)!r}: {reason}") from None


def render_table(t, kind: str, seed: str, fmt: str, digits: int) -> str:
    """One trace table with its title, in the given format.

    Args:
        t: the `adlab.Trace`.
        kind: one of ``KINDS``.
        seed: the input the tangent sweep differentiates by.
        fmt: ``"markdown"``, ``"latex"`` or ``"text"``.
        digits: significant digits.
    Returns:
        The title line, a blank line and the table, ending with a newline.
    """
    table = t.table(kind, seed={seed: 1.0} if kind in ("tangent", "forward") else None,
                    digits=digits)
    body = {"markdown": table.markdown, "latex": table.latex, "text": table.text}[fmt]()
    title = _title(t, kind, seed)
    if fmt == "markdown":
        title = f"### {title}"
    elif fmt == "latex":
        title = f"% {title}"
    return f"{title}\n\n{body}"


def _title(t, kind, seed):
    seeded = (f"derivatives by {seed} (tangent seed 1 for {seed}"
              + (", 0 for the other inputs)" if t.n > 1 else ")"))
    return {
        "primal": "Forward primal trace",
        "tangent": f"Forward tangent trace: {seeded}",
        "adjoint": "Reverse adjoint trace: output adjoint seed 1",
        "forward": f"Forward mode, in the format of Baydin et al. (2018), Table 2: primal "
                   f"and tangent traces, {seeded}",
        "reverse": "Reverse mode, in the format of Baydin et al. (2018), Table 3: primal and "
                   "adjoint traces, output adjoint seed 1, the adjoint lines in the order "
                   "the sweep runs them (the paper prints them bottom to top)",
    }[kind]


def summary(t, fmt: str, digits: int) -> str:
    """One line: the value y at the point and every partial derivative dy/dx_i.

    The gradient comes from one reverse sweep (`Trace.reverse`). The output is
    called f instead of y when an input is named y. The line is a LaTeX comment
    for ``--format latex`` so the output can be pasted whole.
    """
    names = t.input_names
    y = "f" if "y" in names else "y"  # the output's name, unless an input has it
    point = {n: t.row(i).value for n, i in zip(names, t.inputs)}
    gradient = t.reverse().gradient
    partials = ", ".join(f"d{y}/d{n} = {_num(g, digits)}" for n, g in zip(names, gradient))
    line = (f"Summary: {y} = {_num(t.output.value, digits)} at {_point_text(point, digits)}; "
            f"{partials}")
    return ("% " if fmt == "latex" else "") + line + "\n"


def _num(x, digits: int) -> str:
    return format(float(x), f".{digits}g")


def _point_text(point, digits: int) -> str:
    return ", ".join(f"{n} = {_num(v, digits)}" for n, v in point.items())


def _unique_warnings(caught):
    """(message, is a numpy floating-point warning) for each distinct warning, in order."""
    seen = {}
    for w in caught:
        seen.setdefault(" ".join(str(w.message).split()), issubclass(w.category, RuntimeWarning))
    return list(seen.items())


def _silence_stdout():
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
