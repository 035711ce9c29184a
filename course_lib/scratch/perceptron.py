"""Rosenblatt's perceptron: one neuron with a step activation and its error-driven learning rule."""
from __future__ import annotations

import numpy as np

from course_lib.validation import as_feature_batch


class Perceptron:
    """A linear threshold unit: predicts 1 where ``x @ w + b >= 0``, else 0.

    Learning rule, for each example in turn: ``w += lr * (y - y_hat) * x`` and
    ``b += lr * (y - y_hat)``. Correct predictions change nothing; mistakes move the boundary
    toward the misclassified point. On linearly separable data it stops making mistakes.
    """

    def __init__(self, n_features: int, learning_rate: float = 1.0):
        if not (isinstance(n_features, (int, np.integer)) and n_features > 0):
            raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
        self.w = np.zeros(n_features)
        self.b = 0.0
        self.learning_rate = float(learning_rate)

    def net_input(self, x) -> np.ndarray:
        """The weighted sum ``x @ w + b`` for a batch ``x`` of shape (n, n_features)."""
        return as_feature_batch(x, "x", len(self.w)) @ self.w + self.b

    def predict(self, x) -> np.ndarray:
        """Class 0 or 1 for each row of ``x``: the step function of the net input."""
        return (self.net_input(x) >= 0).astype(np.int64)

    def fit(self, x, y, epochs: int = 10, rng: np.random.Generator | None = None) -> list[int]:
        """Apply the learning rule over ``epochs`` passes (shuffled when ``rng`` is given).

        Returns the number of mistakes in each epoch; stops early after an epoch with none.
        """
        x = as_feature_batch(x, "x", len(self.w))
        y = np.asarray(y)
        if y.shape != (len(x),) or not np.isin(y, (0, 1)).all():
            raise ValueError(f"y must hold one label per row of x, each 0 or 1; got shape {y.shape} "
                             f"with values {np.unique(y)[:5]}")
        mistakes = []
        for _ in range(epochs):
            order = rng.permutation(len(x)) if rng is not None else np.arange(len(x))
            errors = 0
            for i in order:
                update = self.learning_rate * (y[i] - int(x[i] @ self.w + self.b >= 0))
                if update:
                    self.w += update * x[i]
                    self.b += update
                    errors += 1
            mistakes.append(errors)
            if errors == 0:
                break
        return mistakes
