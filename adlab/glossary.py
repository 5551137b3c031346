"""The course's vocabulary, in one place: notebooks display it and the code uses the same words.

Each term has its notation (LaTeX between ``$...$``, typeset by MathJax in
Jupyter and the course pages, by KaTeX on Colab), the plain names the code
uses for it (``x_dot``, ``x_bar``, ``adlab.jvp``, ...) and its meaning.
``glossary("tangent", "adjoint")`` displays some terms as a Markdown table;
``glossary()`` displays them all, in the order the course meets them.
"""

from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    """One glossary entry.

    Attributes:
        notation: LaTeX between ``$...$``, or "" when the term has no symbol.
        code: the names the code uses, as Markdown code spans, or "".
        meaning: one or two sentences; maths in it is LaTeX between ``$...$``.
    """

    notation: str
    code: str
    meaning: str


# term -> Term(notation, code, meaning), in the order the course meets them
GLOSSARY = {
    # section 1: calculus
    "chain rule": Term(
        r"$\frac{dy}{dx} = \frac{dy}{du} \frac{du}{dx}$", "",
        "the derivative of a composition is the product of the derivatives of its steps; with "
        "several paths from $x$ to $y$, the sum over paths of those products"),
    "gradient": Term(
        r"$\nabla f = \left(\frac{\partial f}{\partial x_1}, \ldots, "
        r"\frac{\partial f}{\partial x_n}\right)$",
        "`adlab.grad(f)`, `x.grad`",
        "the vector of partial derivatives of a scalar function $f: \\mathbb{R}^n \\to "
        "\\mathbb{R}$; it points uphill"),
    "gradient descent": Term(
        r"$x_{k+1} = x_k - \eta \nabla f(x_k)$", "`gradient_descent(f, start, lr, steps)`",
        "repeated small steps against the gradient; the step size $\\eta$ is the learning rate"),
    "Jacobian": Term(
        r"$J = \frac{\partial y}{\partial x} \in \mathbb{R}^{m \times n}$",
        "`adlab.jacfwd(f)`, `adlab.jacrev(f)`",
        "the matrix of partial derivatives $J_{ij} = \\partial y_i / \\partial x_j$ of "
        "$f: \\mathbb{R}^n \\to \\mathbb{R}^m$: one row per output, one column per input"),
    "Hessian": Term(
        r"$H_{ij} = \frac{\partial^2 f}{\partial x_i \partial x_j}$", "`adlab.hessian(f)`",
        "the matrix of second derivatives of a scalar function: the Jacobian of its gradient"),
    # section 2: what AD is not
    "finite difference": Term(
        r"$\frac{f(x+h) - f(x)}{h}$", "",
        "a numerical estimate of a derivative from two evaluations of $f$; the central "
        "difference $\\frac{f(x+h) - f(x-h)}{2h}$ is more accurate for the same two evaluations"),
    "truncation error": Term(
        r"$O(h),\ O(h^2)$", "",
        "the error of a finite difference from the step $h$ not being zero: it shrinks with "
        "$h$, like $h$ (forward) or $h^2$ (central)"),
    "round-off error": Term(
        r"$O(\varepsilon / h)$", "",
        "the error of a finite difference from rounding $f(x+h)$ and $f(x)$ before "
        "subtracting them: it grows as $h$ shrinks"),
    "machine epsilon": Term(
        r"$\varepsilon$", "`np.finfo(float).eps`",
        "the gap between $1$ and the next floating-point number; half of it bounds the "
        "relative error of one rounding"),
    "expression swell": Term(
        "", "",
        "the growth of symbolic derivative expressions when subexpressions are repeated "
        "instead of shared"),
    # section 3: evaluation traces
    "evaluation trace": Term(
        r"$v_{1-n} \ldots v_l$", "`adlab.trace(f, x1, x2)`",
        "the list of elementary operations one evaluation performs (a Wengert list): the "
        "$n$ inputs $v_{1-n}, \\ldots, v_0$, then the intermediates $v_1, \\ldots, v_l$ in the "
        "order they run"),
    "input": Term(
        r"$x_i = v_{i-n}$", "`x1`, `x2`",
        "an argument of the function; the $n$ inputs are the first $n$ rows of the trace"),
    "output": Term(
        r"$y = v_l$", "`y`",
        "a value the function returns; for one output, the last row of the trace"),
    "primal": Term(
        r"$v_i$", "`v1`, `Dual.primal`, `Row.value`",
        "the ordinary value of a variable of the computation"),
    "primitive": Term(
        r"$v_i = \varphi_i(v_{j \prec i})$", "`adlab.primitives.PRIMITIVES`",
        "an elementary operation $\\varphi_i$ whose derivative is known (add, mul, sin, ...); "
        "adlab declares each once, with its JVP and VJP rules"),
    "dependency graph": Term(
        r"$v_j \to v_i$", "`adlab.trace(f, x1, x2).graph()`",
        "the trace drawn as a graph: a node per variable, an edge from each argument $v_j$ to "
        "the operation $v_i$ that uses it"),
    "local partial": Term(
        r"$\partial v_i / \partial v_j$", "",
        "the derivative of one operation's result with respect to one of its arguments, at "
        "the current values; the label of an edge of the graph"),
    "fan-out": Term(
        "", "",
        "a variable used by more than one operation (an input used twice, $x \\cdot x$); its "
        "adjoint receives one contribution per use"),
    # section 4: forward mode
    "tangent": Term(
        r"$\dot v_i$", "`x_dot`, `v1_dot`, `Dual.tangent`",
        "in forward mode, the derivative of $v_i$ along the chosen input direction: "
        "$\\dot v_i = \\sum_j \\frac{\\partial v_i}{\\partial v_j} \\dot v_j$"),
    "seed": Term(
        r"$\dot x \text{ or } \bar y$", "`seed={\"x1\": 1.0}`, `backward(gradient=u)`",
        "the starting tangent of the inputs (forward) or adjoint of the output (reverse); a "
        "unit vector picks one column or one row of the Jacobian"),
    "dual number": Term(
        r"$x + \dot x\, \varepsilon,\ \varepsilon^2 = 0$", "`adlab.Dual`",
        "a primal paired with its tangent; forward mode is arithmetic on dual numbers (here "
        "$\\varepsilon$ is a formal symbol whose square is zero, not machine epsilon)"),
    "JVP": Term(
        r"$J \dot x$", "`adlab.jvp(f, x, x_dot)`",
        "Jacobian-vector product: what one forward-mode pass computes, without forming $J$"),
    "forward mode": Term(
        r"$\dot y = J \dot x$", "`adlab.jvp`, `adlab.jacfwd`",
        "AD that carries tangents alongside primals, first row to last; $n$ passes for a "
        "full Jacobian"),
    # section 5: reverse mode
    "adjoint": Term(
        r"$\bar v_i = \frac{\partial y}{\partial v_i}$", "`x_bar`, `v1_bar`, `x.grad`",
        "in reverse mode, the derivative of the output with respect to $v_i$: "
        "$\\bar v_j = \\sum_i \\bar v_i \\frac{\\partial v_i}{\\partial v_j}$, summed over "
        "every use of $v_j$"),
    "cotangent": Term(
        r"$\bar y$", "`g` (in a VJP rule)",
        "another name for an adjoint, used for the vector a VJP takes"),
    "accumulation": Term(
        r"$\bar v_j \leftarrow \bar v_j + \bar v_i \frac{\partial v_i}{\partial v_j}$",
        "`x_bar += ...`",
        "adding one more contribution to an adjoint when $v_j$ fans out to several operations"),
    "VJP": Term(
        r"$\bar y^\top J$", "`adlab.vjp(f, x)`, `y.backward(gradient=u)`",
        "vector-Jacobian product: what one reverse-mode pass computes, without forming $J$"),
    "reverse mode": Term(
        r"$\bar x^\top = \bar y^\top J$", "`adlab.grad`, `adlab.vjp`, `adlab.jacrev`, "
        "`.backward()`",
        "AD that records the trace, then propagates adjoints from the last row to the first; "
        "$m$ passes for a full Jacobian, one for a gradient"),
    "checkpointing": Term(
        "", "`adlab.checkpoint`",
        "storing only some values of the trace and recomputing the rest in the reverse "
        "sweep: less memory for more work"),
    # sections 6-9: in practice
    "custom rule": Term(
        "", "`adlab.custom_jvp`, `adlab.custom_vjp`",
        "a JVP or VJP written by hand for a whole function, used instead of the rules of its "
        "operations, for instance for numerical stability"),
    "stop gradient": Term(
        "", "`adlab.stop_gradient`, `.detach()`",
        "a value used as a constant: no derivative flows through it in either mode"),
    "batching": Term(
        "", "`adlab.vmap`",
        "applying a function written for one example to a whole batch in one pass; "
        "Jacobians batch their JVPs or VJPs this way"),
}


def _check_terms(names) -> list:
    """The terms as a list, or a one-line ValueError naming an unknown one and the known ones."""
    names = list(names)
    unknown = [n for n in names if n not in GLOSSARY]
    if unknown:
        raise ValueError(f"glossary: no term {unknown[0]!r}; the terms are "
                         f"{', '.join(repr(t) for t in GLOSSARY)}")
    return names


def glossary_markdown(terms=None) -> str:
    """The glossary (or the given terms) as a Markdown table.

    Args:
        terms: an iterable of terms to show, in that order; default all.
    Returns:
        Markdown text with columns term, notation (LaTeX between $...$), in code and meaning.
    Raises:
        ValueError: a term is not in the glossary.
    """
    names = _check_terms(GLOSSARY if terms is None else terms)
    lines = ["| term | notation | in code | meaning |", "|---|---|---|---|"]
    for name in names:
        notation, code, meaning = GLOSSARY[name]
        lines.append(f"| {name} | {notation} | {code} | {meaning} |")
    return "\n".join(lines) + "\n"


class Glossary:
    """Displays the glossary (or some of its terms) as Markdown in Jupyter."""

    def __init__(self, terms=None):
        self.terms = None if terms is None else _check_terms(terms)

    def _repr_markdown_(self):
        return glossary_markdown(self.terms)

    def __repr__(self):
        return glossary_markdown(self.terms)


def glossary(*terms):
    """The glossary for display in a notebook: ``adlab.glossary.glossary("tangent", "adjoint")``.

    Raises:
        ValueError: a term is not in the glossary; the message lists the terms.
    """
    return Glossary(terms or None)
