import keras
import numpy as np
import pytest

from course_lib import evaluation


class FixedScores:
    """Stands in for a model: predict returns given class scores."""

    def __init__(self, scores):
        self.scores = np.asarray(scores)

    def predict(self, x, batch_size=None, verbose=0):
        return self.scores[: len(x)]


def test_predict_labels_and_accuracy():
    model = FixedScores([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    np.testing.assert_array_equal(evaluation.predict_labels(model, np.zeros((4, 2))), [1, 0, 1, 0])
    assert evaluation.accuracy(model, np.zeros((4, 2)), [1, 0, 0, 0]) == 0.75
    with pytest.raises(ValueError, match="same number"):
        evaluation.accuracy(model, np.zeros((4, 2)), [1, 0])


def test_accuracy_of_a_keras_model_in_batches():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    x = np.random.default_rng(0).normal(size=(50, 3)).astype("float32")
    expected = keras.ops.convert_to_numpy(model(x)).argmax(axis=1)
    np.testing.assert_array_equal(evaluation.predict_labels(model, x, batch_size=7), expected)


def test_accuracy_interval():
    assert evaluation.accuracy_interval(0.99, 10_000) == pytest.approx(1.96 * np.sqrt(0.99 * 0.01 / 10_000))
    assert evaluation.accuracy_interval(1.0, 100) == 0.0
    with pytest.raises(ValueError, match="fraction"):
        evaluation.accuracy_interval(99.0, 100)


def test_compare_seeds_verdicts():
    clear = evaluation.compare_seeds([0.80, 0.81, 0.82], [0.75, 0.76, 0.77], "A", "B")
    assert clear.separated and clear.difference == pytest.approx(0.05)
    assert clear.verdict.startswith("A is better: 5.00 points")
    flipped = evaluation.compare_seeds([0.75, 0.76, 0.77], [0.80, 0.81, 0.82], "A", "B")
    assert flipped.verdict.startswith("B is better")
    overlapping = evaluation.compare_seeds([0.80, 0.70, 0.75], [0.76, 0.74, 0.72], "A", "B")
    assert not overlapping.separated and overlapping.verdict.startswith("no verdict")
    assert overlapping.spread == pytest.approx(0.10)
    assert "mean over 3 seeds" in overlapping.summary()
    with pytest.raises(ValueError, match="at least two seeds"):
        evaluation.compare_seeds([0.8], [0.7, 0.6])
