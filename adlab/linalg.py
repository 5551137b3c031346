"""numpy's and PyTorch's linalg namespace, for the operations adlab differentiates.

``adlab.linalg.norm`` (vector norms), ``inv``, ``solve`` and ``det`` are the
primitives of `adlab.primitives`; the others numpy has (svd, eigh, cholesky)
adlab does not differentiate.
"""

from __future__ import annotations

from .primitives import det, inv, norm, solve


def vector_norm(x, ord=2, dim=None, keepdim=False):
    """PyTorch's linalg.vector_norm."""
    return norm(x, ord, dim=dim, keepdim=keepdim)


__all__ = ["norm", "vector_norm", "inv", "solve", "det"]
