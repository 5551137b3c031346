"""Independent oracles for derivative tests: central differences in float64, and the
random points the parametrised tests take them at (`point`, in a domain that keeps them away
from poles, kinks and jumps, where central differences are no oracle)."""

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


ANY = "any"
POS = "positive"
AWAY0 = "away from zero"
TANSAFE = "within (-1.2, 1.2)"
UNIT = "within (-0.9, 0.9)"
CLIPSAFE = "away from the bounds +-0.5"
ABOVE1 = "above 1"
WELL = "a well-conditioned matrix"
STEPSAFE = "a quarter from integers and halves"
STEPSAFE_1 = "a quarter step from the jumps of rounding to 1 decimal"


def point(shape, domain, rng):
    """A random point of `shape` in `domain` (a float for shape ())."""
    v = rng.standard_normal(shape)
    a = np.abs(v)
    if domain == POS:
        v = a + 0.5
    elif domain == AWAY0:
        v = np.sign(v) * (a + 0.3)
    elif domain == TANSAFE:
        v = np.tanh(v) * 1.2
    elif domain == UNIT:
        v = np.tanh(v) * 0.9
    elif domain == CLIPSAFE:
        v = np.where(np.abs(a - 0.5) < 0.05, v + 0.2, v)
    elif domain == ABOVE1:
        v = a + 1.2
    elif domain == WELL:  # a matrix near the identity, far from singular
        v = 0.3 * v + np.eye(shape[0])
    elif domain == STEPSAFE:  # floor, ceil and round jump at integers and halves
        v = (np.floor(4 * v) + 0.5) / 4
    elif domain == STEPSAFE_1:  # round(x, 1) jumps every 0.05
        v = (np.floor(20 * v) + 0.5) / 20
    return float(v) if shape == () else np.asarray(v)


def baydin(x1, x2):
    """Baydin et al. (2018)'s f = ln x1 + x1 x2 - sin x2, one operation a line, so that a trace
    numbers its rows as their Table 2 (v1 = ln, v2 = product, v3 = sin, v4 = sum, v5 = output)."""
    import adlab

    v1 = adlab.log(x1)
    v2 = x1 * x2
    v3 = adlab.sin(x2)
    v4 = v1 + v2
    return v4 - v3
