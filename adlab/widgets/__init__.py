"""Interactive explorers for the course, one function each.

Each explorer is a pure data function (importable and testable without a
browser) and a view built with ipywidgets and matplotlib, which load only
when a view is made. Displayed where no widget front end runs (slides,
static HTML, CI), an explorer shows a static picture of its first state.

| explorer | data function | view |
|---|---|---|
| 1 derivative methods | `derivative_methods` | `derivative_explorer` |
| 2 expression swell | `expression_swell` | `swell_explorer` |
| 3 function and derivative | `function_and_derivative` | `function_explorer` |
| 4 gradient descent | `gradient_descent` | `descent_explorer` |
| 5 forward vs reverse cost | `jacobian_cost` | `cost_explorer` |
| 6 trace stepper | `trace_steps` | `stepper_explorer` |
| 7 fill-in trace table | `adlab.fillin.worksheet` | `fill_in` |
"""

from .cost import cost_explorer, jacobian_cost
from .derivatives import derivative_explorer, derivative_methods
from .descent import descent_explorer, gradient_descent
from .fillin import fill_in
from .plotting import function_and_derivative, function_explorer
from .stepper import stepper_explorer, trace_steps
from .swell import expression_swell, swell_explorer

__all__ = [
    "cost_explorer", "jacobian_cost", "fill_in", "function_and_derivative", "function_explorer",
    "derivative_explorer", "derivative_methods", "descent_explorer", "gradient_descent",
    "expression_swell", "stepper_explorer", "swell_explorer", "trace_steps",
]
