"""torch.nn.functional's activations and losses, written with adlab's operations.

Each is a few lines over the primitives, so derivatives, vmap and traces come
from them; the stable forms are used where the direct formula overflows
(softplus, binary cross-entropy with logits, cross-entropy through log_softmax).
"""

from __future__ import annotations

import numpy as np

from .. import primitives as P
from ..composites import logaddexp
from .._dispatch import raw, shape_of
from ..errors import AdlabValueError


def relu(x):
    return P.relu(x)


def sigmoid(x):
    return P.sigmoid(x)


def tanh(x):
    return P.tanh(x)


def softmax(x, dim=-1):
    return P.softmax(x, dim=dim)


def log_softmax(x, dim=-1):
    return P.log_softmax(x, dim=dim)


def silu(x):
    """x sigmoid(x) (also called swish)."""
    return x * P.sigmoid(x)


def softplus(x):
    """ln(1 + e^x) = logaddexp(x, 0): never overflows, and its derivative is the sigmoid
    everywhere, 1/2 at 0 (relu(x) + ln(1 + e^-|x|) has the right value but combines the
    conventions of relu and abs at 0 into the slope 0)."""
    return logaddexp(x, 0.0)


def leaky_relu(x, negative_slope=0.01):
    return P.where(x > 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    return P.where(x > 0, x, alpha * P.expm1(P.minimum(x, 0.0)))


def gelu(x, approximate="tanh"):
    """The GELU activation in its tanh form (adlab has no erf; PyTorch's default is erf)."""
    if approximate != "tanh":
        raise AdlabValueError("gelu: adlab computes the tanh form only; pass approximate='tanh'.")
    c = float(np.sqrt(2.0 / np.pi))
    return 0.5 * x * (1.0 + P.tanh(c * (x + 0.044715 * x ** 3)))


def linear(x, weight, bias=None):
    """x @ weight^T + bias, as nn.Linear computes it."""
    y = P.matmul(x, P.transpose(weight))
    return y if bias is None else y + bias


def normalize(x, p=2.0, dim=1, eps=1e-12):
    """x divided by its p-norm along `dim` (at least eps)."""
    return x / P.maximum(P.norm(x, p, dim=dim, keepdim=True), eps)


def one_hot(indices, num_classes=-1):
    """Integer class indices as one-hot rows (no derivative; batched under vmap)."""
    n = int(np.max(raw(indices))) + 1 if num_classes < 0 else num_classes
    eye = np.eye(n, dtype=np.int64)
    return P._like_input(P._values_of(lambda i: eye[np.asarray(i).astype(np.int64)], indices),
                         indices)


def _reduce(loss, reduction, where):
    if reduction == "mean":
        return P.mean(loss)
    if reduction == "sum":
        return P.sum_(loss)
    if reduction == "none":
        return loss
    raise AdlabValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}.")


def mse_loss(input, target, reduction="mean"):  # noqa: A002 - PyTorch's names
    return _reduce((input - target) ** 2, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean"):  # noqa: A002
    return _reduce(P.abs(input - target), reduction, "l1_loss")


def nll_loss(log_probs, target, reduction="mean"):
    """The negative log-likelihood of class indices `target` under rows of log-probabilities
    (the entry of each row at its target, picked with a one-hot mask: batched under vmap)."""
    shape = shape_of(log_probs)
    if not shape or shape_of(target) != shape[:-1]:
        raise AdlabValueError(
            f"nll_loss: takes (..., C) log-probabilities and (...) class indices, got shapes "
            f"{shape} and {shape_of(target)}.")
    picked = P.sum_(P.where(one_hot(target, shape[-1]), log_probs, 0.0), axis=-1)
    return _reduce(-picked, reduction, "nll_loss")


def cross_entropy(input, target, reduction="mean"):  # noqa: A002
    """Cross-entropy of (N, C) logits against N class indices (or (N, C) probabilities),
    through log_softmax so that large logits do not overflow."""
    logp = P.log_softmax(input, dim=-1)
    if np.result_type(raw(target)).kind in "iub":
        return nll_loss(logp, target, reduction)
    return _reduce(-P.sum_(target * logp, axis=-1), reduction, "cross_entropy")


def binary_cross_entropy(input, target, reduction="mean"):  # noqa: A002
    """-(t ln p + (1 - t) ln(1 - p)) for probabilities p."""
    loss = -(target * P.log(input) + (1.0 - target) * P.log(1.0 - input))
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, reduction="mean"):  # noqa: A002
    """The binary cross-entropy of sigmoid(input), as max(x, 0) - x t + ln(1 + e^-|x|)."""
    loss = P.relu(input) - input * target + P.log1p(P.exp(-P.abs(input)))
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


__all__ = [
    "relu", "sigmoid", "tanh", "softmax", "log_softmax", "silu", "softplus", "leaky_relu", "elu",
    "gelu", "linear", "normalize", "one_hot", "mse_loss", "l1_loss", "nll_loss", "cross_entropy",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
]
