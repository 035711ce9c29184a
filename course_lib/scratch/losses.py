"""Loss functions in NumPy: a value to minimise and its gradient with respect to the predictions.

``forward(predictions, targets)`` returns the mean loss over the batch (a float);
``backward()`` returns dLoss/dPredictions for that same call, the start of backpropagation.
"""
from __future__ import annotations

import abc

import numpy as np

from course_lib.validation import as_feature_batch


class Loss(abc.ABC):
    """A batch-averaged loss with its gradient."""

    def __init__(self):
        self._grad = None

    @abc.abstractmethod
    def forward(self, predictions: np.ndarray, targets: np.ndarray) -> float:
        """Mean loss of the batch; remembers what :meth:`backward` needs."""

    def backward(self) -> np.ndarray:
        """dLoss/dPredictions of the last :meth:`forward` call."""
        if self._grad is None:
            raise ValueError(f"{type(self).__name__}.backward() called before forward()")
        return self._grad

    def __call__(self, predictions, targets) -> float:
        return self.forward(predictions, targets)


def one_hot(labels, n_classes: int) -> np.ndarray:
    """Integer class labels (n,) as one-hot rows (n, n_classes) of float64."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D array of integers, got shape {labels.shape}, dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes - 1}], got values from {labels.min()} to {labels.max()}")
    return np.eye(n_classes)[labels]


class MeanSquaredError(Loss):
    """Mean of (prediction - target)^2 over every entry, as ``keras.losses.MeanSquaredError``."""

    def forward(self, predictions, targets):
        predictions = as_feature_batch(predictions, "predictions")
        targets = np.asarray(targets, dtype=np.float64)
        if targets.shape != predictions.shape:
            raise ValueError(f"targets must have the predictions' shape {predictions.shape}, got {targets.shape}")
        diff = predictions - targets
        self._grad = 2.0 * diff / diff.size
        return float(np.mean(diff ** 2))


class CrossEntropy(Loss):
    """Categorical cross-entropy -mean(sum(y * log p)), for integer labels or one-hot targets.

    With ``from_logits=True`` the predictions are raw scores and softmax is applied inside, in
    the numerically stable log-sum-exp form; the gradient is then simply ``(p - y) / batch``.
    With ``from_logits=False`` they are probabilities, clipped to [1e-7, 1 - 1e-7] as Keras does.
    """

    EPSILON = 1e-7

    def __init__(self, from_logits: bool = False):
        super().__init__()
        self.from_logits = from_logits

    def forward(self, predictions, targets):
        predictions = as_feature_batch(predictions, "predictions")
        targets = np.asarray(targets)
        if targets.ndim == 1:
            if len(targets) != len(predictions):
                raise ValueError(f"got {len(targets)} labels for {len(predictions)} predictions")
            targets = one_hot(targets, predictions.shape[1])
        elif targets.shape != predictions.shape:
            raise ValueError(f"one-hot targets must have the predictions' shape {predictions.shape}, "
                             f"got {targets.shape}")
        n = len(predictions)
        if self.from_logits:
            shifted = predictions - predictions.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            self._grad = (np.exp(log_probs) - targets) / n
        else:
            probs = np.clip(predictions, self.EPSILON, 1.0 - self.EPSILON)
            log_probs = np.log(probs)
            inside = (predictions > self.EPSILON) & (predictions < 1.0 - self.EPSILON)
            self._grad = -targets / probs * inside / n  # clipped entries pass no gradient
        return float(-np.sum(targets * log_probs) / n)
