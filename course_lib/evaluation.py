"""Scoring models and deciding between them honestly.

Predictions and accuracy in batches (:func:`predict_labels`, :func:`accuracy`); how precisely one
test set measures an accuracy (:func:`accuracy_interval`); and whether one setting beats another
across training seeds (:func:`compare_seeds`). The lessons choose on validation data and score the
chosen model on the test set once.
"""
from __future__ import annotations

import dataclasses
import math
import statistics

import numpy as np


def predict_labels(model, x, batch_size: int = 1024) -> np.ndarray:
    """The class each example of ``x`` is given by ``model`` (the arg-max of its outputs), batch by
    batch so that large test sets fit in memory. Works for a Keras model and for anything with a
    ``predict`` that returns class scores."""
    outputs = model.predict(np.asarray(x), batch_size=batch_size, verbose=0)
    return np.asarray(outputs).argmax(axis=-1)


def accuracy(model, x, y, batch_size: int = 1024) -> float:
    """Fraction of the examples ``x`` whose predicted class equals the label in ``y``."""
    y = np.asarray(y).ravel()
    if len(y) != len(x):
        raise ValueError(f"x and y must hold the same number of examples, got {len(x)} and {len(y)}")
    return float(np.mean(predict_labels(model, x, batch_size) == y))


def accuracy_interval(accuracy_value: float, n: int) -> float:
    """Half-width of the 95% normal-approximation interval of an accuracy measured on ``n`` examples.

    Why: a test set is a sample; an accuracy of 99.0% on 10,000 images is 99.0% +- 0.2 points, so two
    models 0.1 points apart are not told apart by it. This is the test set's sampling error only,
    not how much training runs with different seeds vary (see :func:`compare_seeds`).
    """
    if not 0.0 <= accuracy_value <= 1.0:
        raise ValueError(f"accuracy must be a fraction in [0, 1], got {accuracy_value!r}")
    if n < 1:
        raise ValueError(f"n must be a positive number of examples, got {n!r}")
    return 1.96 * math.sqrt(accuracy_value * (1.0 - accuracy_value) / n)


@dataclasses.dataclass(frozen=True)
class SeedComparison:
    """Scores of two settings over training seeds, and what may be concluded from them."""

    name_a: str
    name_b: str
    scores_a: tuple[float, ...]
    scores_b: tuple[float, ...]

    @property
    def mean_a(self) -> float:
        return statistics.fmean(self.scores_a)

    @property
    def mean_b(self) -> float:
        return statistics.fmean(self.scores_b)

    @property
    def difference(self) -> float:
        """Mean of ``a`` minus mean of ``b``."""
        return self.mean_a - self.mean_b

    @property
    def spread(self) -> float:
        """The seed-to-seed spread: the larger of the two settings' ranges (max - min over seeds)."""
        return max(max(self.scores_a) - min(self.scores_a), max(self.scores_b) - min(self.scores_b))

    @property
    def separated(self) -> bool:
        """True when every seed of one setting scored above every seed of the other."""
        return min(self.scores_a) > max(self.scores_b) or min(self.scores_b) > max(self.scores_a)

    @property
    def verdict(self) -> str:
        """One sentence: which setting is better, or that the seeds do not decide it."""
        if not self.separated:
            return (f"no verdict: {self.name_a} and {self.name_b} differ by {100 * self.difference:+.2f} points "
                    f"on average, and their seeds overlap (spread up to {100 * self.spread:.2f} points)")
        better, worse = (self.name_a, self.name_b) if self.difference > 0 else (self.name_b, self.name_a)
        return (f"{better} is better: {100 * abs(self.difference):.2f} points on average, and every one of its "
                f"{len(self.scores_a if better == self.name_a else self.scores_b)} seeds beat every seed of {worse}")

    def summary(self) -> str:
        """Means, spreads and the verdict, for printing."""
        def describe(name, scores):
            return (f"{name}: {100 * statistics.fmean(scores):.2f}% mean over {len(scores)} seeds "
                    f"(min {100 * min(scores):.2f}, max {100 * max(scores):.2f})")
        return f"{describe(self.name_a, self.scores_a)}\n{describe(self.name_b, self.scores_b)}\n{self.verdict}"


def compare_seeds(scores_a, scores_b, name_a: str = "a", name_b: str = "b") -> SeedComparison:
    """Compare two settings trained with several seeds each (one score per seed, e.g. validation accuracy).

    The rule for a verdict: every seed of the winner scores above every seed of the loser. With three
    seeds each, two equally good settings come out that way one time in ten by chance (the exact
    Mann-Whitney test), so a verdict is stated only when the difference exceeds the seed-to-seed spread.
    """
    scores_a, scores_b = tuple(float(s) for s in scores_a), tuple(float(s) for s in scores_b)
    if len(scores_a) < 2 or len(scores_b) < 2:
        raise ValueError(f"compare_seeds needs at least two seeds per setting, got {len(scores_a)} and {len(scores_b)}")
    return SeedComparison(name_a, name_b, scores_a, scores_b)
