"""Numerical gradient checking: the test every hand-written backward pass must pass.

The analytic gradient from ``backward`` is compared with central differences
``(f(x + eps) - f(x - eps)) / (2 eps)``, one entry at a time. In float64 a correct backward
pass agrees to a relative error around 1e-9; a bug shows as 1e-3 or worse. ``eps = 1e-5`` is
near the cube root of float64's round-off, where truncation and round-off errors balance.
"""
from __future__ import annotations

import numpy as np

from course_lib.scratch.losses import Loss
from course_lib.scratch.training import Sequential


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """dF/dx by central differences, where ``f()`` reads ``x`` (which is nudged in place, then restored)."""
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise ValueError("numerical_gradient needs a float64 NumPy array: float32 round-off "
                         f"(about 1e-7) would swamp the check; got {getattr(x, 'dtype', type(x).__name__)}")
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f()
        x[index] = original - eps
        minus = f()
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    """||a - b|| / (||a|| + ||b||): the scale-free distance between two gradients.

    Norms over all entries, not entry by entry: entries that are nearly zero carry only
    round-off, and an entry-wise ratio would let them dominate.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error compares arrays of one shape, got {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def gradient_check(model: Sequential, loss: Loss, x, y, eps: float = 1e-5) -> dict[str, float]:
    """Relative error between backprop and numerical gradients for every parameter and the input.

    Use a tiny network and batch: it runs two forward passes per number checked.
    """
    x = np.array(x, dtype=np.float64)
    loss.forward(model.forward(x), y)
    grad_input = model.backward(loss.backward())
    analytic = {name: grad.copy() for name, _, grad in model.parameters()}

    def objective():
        return loss.forward(model.forward(x), y)

    errors = {name: relative_error(analytic[name], numerical_gradient(objective, value, eps))
              for name, value, _ in model.parameters()}
    errors["input"] = relative_error(grad_input, numerical_gradient(objective, x, eps))
    return errors
