"""The course's vocabulary, in one place: notebooks display it and the code uses the same words."""

from __future__ import annotations

# term -> (notation, meaning)
GLOSSARY = {
    "primal": ("v_i", "the ordinary value of a variable of the computation"),
    "evaluation trace": ("v_{1-n} .. v_l",
                         "the list of elementary operations one evaluation performs (a Wengert "
                         "list): inputs v_{1-n} .. v_0, then intermediates v_1 .. v_l in order"),
    "input": ("x_i = v_{i-n}", "an argument of the function; the n inputs are the first n rows"),
    "output": ("y", "a value the function returns; here the last row v_l"),
    "primitive": ("", "an elementary operation whose derivative is known (add, mul, sin, ...); "
                      "adlab declares each once, in adlab.primitives"),
    "local partial": ("∂v_i/∂v_j", "the derivative of one operation's result with respect to one "
                                   "of its arguments, at the current values"),
    "tangent": ("v̇_i (x_dot)", "in forward mode, the derivative of v_i along the chosen input "
                               "direction: v̇_i = Σ_j ∂v_i/∂v_j v̇_j"),
    "seed": ("ẋ or ȳ", "the starting tangent of the inputs (forward) or adjoint of the output "
                       "(reverse); a unit vector picks one column or row of the Jacobian"),
    "adjoint": ("v̄_i (x_bar)", "in reverse mode, the derivative of the output with respect to "
                               "v_i: v̄_j = Σ_i v̄_i ∂v_i/∂v_j, summed over every use of v_j"),
    "cotangent": ("v̄_i", "another name for an adjoint, used for the vector a VJP takes"),
    "accumulation": ("v̄_j += v̄_i ∂v_i/∂v_j",
                     "adding one more contribution to an adjoint when v_j feeds several "
                     "operations (fan-out)"),
    "Jacobian": ("J = ∂y/∂x", "the m × n matrix of partial derivatives of f: R^n → R^m"),
    "JVP": ("J v", "Jacobian-vector product: one forward-mode pass, one column direction"),
    "VJP": ("u^T J", "vector-Jacobian product: one reverse-mode pass, one row direction"),
    "forward mode": ("", "AD that carries tangents alongside primals; n passes for a full "
                         "Jacobian (adlab.jvp, adlab.jacfwd)"),
    "reverse mode": ("", "AD that records the trace, then propagates adjoints backwards; m "
                         "passes for a full Jacobian (adlab.grad, adlab.vjp, adlab.jacrev, "
                         ".backward())"),
    "dual number": ("x + ẋ ε, ε² = 0", "a primal paired with its tangent; forward mode is "
                                       "arithmetic on dual numbers (adlab.Dual)"),
    "finite difference": ("(f(x+h) − f(x))/h",
                          "a numerical estimate of a derivative; its error mixes truncation "
                          "(large h) and round-off (small h)"),
    "expression swell": ("", "the growth of symbolic derivative expressions when subexpressions "
                             "are repeated instead of shared"),
    "checkpointing": ("", "storing only some values of the trace and recomputing the rest in the "
                          "reverse sweep: less memory for more work (adlab.checkpoint)"),
    "custom rule": ("", "a JVP or VJP written by hand for a whole function, used instead of the "
                        "rules of its operations, e.g. for numerical stability "
                        "(adlab.custom_jvp, adlab.custom_vjp)"),
    "stop gradient": ("", "a value used as a constant: no derivative flows through it in either "
                          "mode (adlab.stop_gradient, PyTorch's detach)"),
    "batching": ("vmap", "applying a function written for one example to a whole batch in one "
                         "pass; Jacobians batch their JVPs or VJPs this way (adlab.vmap)"),
}


def glossary_markdown(terms=None) -> str:
    """The glossary (or the given terms) as a Markdown table.

    Args:
        terms: an iterable of terms to show, in that order; default all.
    Returns:
        Markdown text with columns term, notation and meaning.
    """
    names = list(GLOSSARY) if terms is None else list(terms)
    lines = ["| term | notation | meaning |", "|---|---|---|"]
    for name in names:
        notation, meaning = GLOSSARY[name]
        lines.append(f"| {name} | {notation} | {meaning} |")
    return "\n".join(lines) + "\n"


class Glossary:
    """Displays the glossary as Markdown in Jupyter."""

    def __init__(self, terms=None):
        self.terms = terms

    def _repr_markdown_(self):
        return glossary_markdown(self.terms)

    def __repr__(self):
        return glossary_markdown(self.terms)


def glossary(*terms):
    """The glossary for display in a notebook: ``adlab.glossary.glossary("tangent", "adjoint")``."""
    return Glossary(terms or None)
