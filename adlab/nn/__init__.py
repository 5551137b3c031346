"""PyTorch's torch.nn, as far as a course on AD needs it: the functions of nn.functional.

adlab has no layer classes or optimisers: the course writes those itself, from
tensors and gradients. ``import adlab.nn.functional as F`` gives the losses and
activations that such code calls.
"""

from . import functional

__all__ = ["functional"]
