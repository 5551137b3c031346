"""Independent oracles for derivative tests: central differences in float64."""

from __future__ import annotations

import numpy as np


def as_array(v):
    return np.asarray(v, dtype=float)


def central_jvp(f, args, tangents, h=1e-6):
    """(f(x + h t) - f(x - h t)) / 2h, with every argument moved along its tangent."""
    plus = [np.asarray(a, dtype=float) + h * np.asarray(t, dtype=float) for a, t in zip(args, tangents)]
    minus = [np.asarray(a, dtype=float) - h * np.asarray(t, dtype=float) for a, t in zip(args, tangents)]
    plus = [p if np.ndim(a) else float(p) for p, a in zip(plus, args)]
    minus = [m if np.ndim(a) else float(m) for m, a in zip(minus, args)]
    return (as_array(f(*plus)) - as_array(f(*minus))) / (2 * h)


def central_grad(f, x, h=1e-6):
    """Gradient of scalar f at array x, one central difference per entry."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = h
        e = e.reshape(x.shape)
        g.flat[k] = (float(f(x + e)) - float(f(x - e))) / (2 * h)
    return g
