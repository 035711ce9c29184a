"""A tiny sequential container, plain SGD and the mini-batch training loop, in NumPy."""
from __future__ import annotations

import time

import numpy as np

from course_lib.scratch.layers import Layer
from course_lib.validation import as_feature_batch
from course_lib.scratch.losses import Loss


class Sequential:
    """Layers applied in order; backward runs them in reverse (the chain rule, layer by layer)."""

    def __init__(self, layers: list[Layer]):
        bad = [layer for layer in layers if not isinstance(layer, Layer)]
        if not layers or bad:
            raise ValueError(f"Sequential needs a non-empty list of scratch layers, got {layers!r}")
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Run ``x`` through every layer."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Backpropagate dLoss/dOutput; every layer stores its parameter gradients."""
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def parameters(self):
        """Yield ``(name, parameter, gradient)`` for each parameter, e.g. ``("0.W", W, dW)``."""
        for index, layer in enumerate(self.layers):
            for key, value in layer.params.items():
                yield f"{index}.{key}", value, layer.grads.get(key)

    def count_params(self) -> int:
        """The number of trainable numbers, as ``keras.Model.count_params()`` reports it."""
        return sum(value.size for _, value, _ in self.parameters())


class SGD:
    """Stochastic gradient descent: ``parameter -= learning_rate * gradient``, in place."""

    def __init__(self, learning_rate: float = 0.01):
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
        self.learning_rate = float(learning_rate)

    def step(self, model: Sequential) -> None:
        """Update every parameter of ``model`` from the gradients of its last backward pass."""
        for name, value, grad in model.parameters():
            if grad is None:
                raise ValueError(f"parameter {name} has no gradient: call model.backward() first")
            value -= self.learning_rate * grad


def evaluate(model: Sequential, loss: Loss, x, y, batch_size: int = 1024) -> dict[str, float]:
    """Mean loss over ``(x, y)`` and, for integer class labels, accuracy (a fraction)."""
    x = as_feature_batch(x)
    y = np.asarray(y)
    total, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        out = model.forward(x[start:start + batch_size])
        target = y[start:start + batch_size]
        total += loss.forward(out, target) * len(out)
        if y.ndim == 1:
            correct += int(np.sum(out.argmax(axis=1) == target))
    scores = {"loss": total / len(x)}
    if y.ndim == 1:
        scores["accuracy"] = correct / len(x)
    return scores


def fit(model: Sequential, loss: Loss, optimizer: SGD, x, y, *, epochs: int, batch_size: int = 32,
        validation_data=None, rng: np.random.Generator | None = None, verbose: bool = True) -> dict:
    """Mini-batch training: each epoch shuffles, then per batch forward, loss, backward, step.

    Returns a Keras-style history dict (``loss``, ``accuracy``, ``val_loss``, ...) with one value
    per epoch. As in Keras, the training figures are running averages over the epoch's batches
    (each batch scored just before its update) and the validation figures are measured after
    the epoch, so the curves of both can be compared directly.
    """
    x = as_feature_batch(x)
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    if not (isinstance(epochs, int) and epochs > 0 and isinstance(batch_size, int) and batch_size > 0):
        raise ValueError(f"epochs and batch_size must be positive integers, got {epochs!r}, {batch_size!r}")
    rng = rng if rng is not None else np.random.default_rng()
    history: dict[str, list[float]] = {}
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        order = rng.permutation(len(x))
        total_loss, correct = 0.0, 0
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            out = model.forward(x[batch])
            total_loss += loss.forward(out, y[batch]) * len(batch)
            if y.ndim == 1:
                correct += int(np.sum(out.argmax(axis=1) == y[batch]))
            model.backward(loss.backward())
            optimizer.step(model)
        scores = {"loss": total_loss / len(x)}
        if y.ndim == 1:
            scores["accuracy"] = correct / len(x)
        if validation_data is not None:
            scores.update({f"val_{k}": v for k, v in evaluate(model, loss, *validation_data).items()})
        for key, value in scores.items():
            history.setdefault(key, []).append(value)
        if verbose:
            shown = " - ".join(f"{key}: {value:.4f}" for key, value in scores.items())
            print(f"epoch {epoch}/{epochs} - {time.perf_counter() - started:.1f}s - {shown}")
    return history
