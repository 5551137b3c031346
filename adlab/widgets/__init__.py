"""Interactive explorers for the course, one function each.

Each explorer is a pure data function (importable and testable without a
browser) and a view built with ipywidgets and matplotlib, which load only
when a view is made. Displayed where no widget front end runs (slides,
static HTML, CI), an explorer shows a static picture of its first state.
"""

from .derivatives import derivative_explorer, derivative_methods

__all__ = ["derivative_explorer", "derivative_methods"]
