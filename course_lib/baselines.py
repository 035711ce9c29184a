"""Classical baselines for image classification, as scikit-learn pipelines.

Lesson 08 measures CNNs against the methods that came before them: k-nearest neighbours and support
vector machines on raw pixels, and an SVM on hand-made HOG features. Each builder returns a plain
:class:`sklearn.pipeline.Pipeline` that takes a batch of images, ``(n, height, width)`` for grey or
``(n, height, width, 3)`` for colour, exactly as :func:`course_lib.data.load_splits` returns them,
so a baseline and a Keras model are fitted and scored on the same arrays.
:func:`evaluate_baseline` fits one and measures accuracy, time and size; :func:`grid_search` tunes
one by cross-validation. Test images are shifted with :func:`course_lib.data.shift_images`.
"""
from __future__ import annotations

import dataclasses
import pickle
import time

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC, LinearSVC

from course_lib.validation import as_image_batch


def flatten_images(images) -> np.ndarray:
    """Each image as one row of pixels, ``(n, height * width * channels)`` float32: the input
    classical classifiers expect, and the step that throws away which pixels were neighbours."""
    images = as_image_batch(images, channels=(1, 3))
    return images.reshape(len(images), -1).astype(np.float32, copy=False)


class HogFeatures(TransformerMixin, BaseEstimator):
    """Histograms of oriented gradients (Dalal and Triggs, 2005) through ``skimage.feature.hog``.

    The image is cut into ``cells_per_side`` x ``cells_per_side`` cells; each cell votes its pixels'
    gradient directions into ``orientations`` bins, weighted by gradient strength, and the histograms
    are normalized over overlapping blocks of ``cells_per_block`` x ``cells_per_block`` cells. The
    result describes local edge directions and ignores brightness and small displacements: features a
    person designed, where a CNN learns its own. Colour images use, at each pixel, the channel with
    the strongest gradient. Nothing is learned, so ``fit`` only checks the input.
    """

    def __init__(self, orientations: int = 9, cells_per_side: int = 4, cells_per_block: int = 2):
        self.orientations = orientations
        self.cells_per_side = cells_per_side
        self.cells_per_block = cells_per_block

    def fit(self, images, y=None):
        self._cell_shape(as_image_batch(images, channels=(1, 3)))
        return self

    def _cell_shape(self, images: np.ndarray) -> tuple[int, int]:
        if not 1 <= self.cells_per_block <= self.cells_per_side:
            raise ValueError(f"cells_per_block must lie between 1 and cells_per_side={self.cells_per_side}, "
                             f"got {self.cells_per_block}")
        height, width = images.shape[1:3]
        cell = (height // self.cells_per_side, width // self.cells_per_side)
        if min(cell) < 2:
            raise ValueError(f"{self.cells_per_side} cells per side leave cells under 2 pixels on "
                             f"{height}x{width} images; use fewer cells")
        return cell

    def transform(self, images) -> np.ndarray:
        """One HOG vector per image: ``(n, blocks * cells_per_block**2 * orientations)`` float32."""
        from skimage.feature import hog  # scikit-image is needed by this transformer only

        images = as_image_batch(images, channels=(1, 3))
        cell = self._cell_shape(images)
        if images.ndim == 4 and images.shape[-1] == 1:
            images = images[..., 0]
        colour = images.ndim == 4
        options = dict(orientations=self.orientations, pixels_per_cell=cell,
                       cells_per_block=(self.cells_per_block, self.cells_per_block), block_norm="L2-Hys",
                       feature_vector=True, channel_axis=-1 if colour else None)
        return np.stack([hog(image, **options) for image in images]).astype(np.float32)


def _flatten_step():
    return ("flatten", FunctionTransformer(flatten_images))


def knn(n_neighbors: int = 3, n_components: int | None = 50) -> Pipeline:
    """k-nearest neighbours on pixels: predict the majority label of the ``n_neighbors`` training
    images closest in Euclidean distance. PCA to ``n_components`` first (``None``: raw pixels)
    removes pixel noise from the distances and makes each search several times cheaper. No
    scaling: all pixels share one scale, and standardizing would inflate the nearly constant
    border pixels."""
    steps = [_flatten_step()]
    if n_components is not None:
        steps.append(("pca", PCA(n_components, random_state=0)))
    steps.append(("knn", KNeighborsClassifier(n_neighbors=n_neighbors)))
    return Pipeline(steps)


def linear_svm(C: float = 0.01, n_components: int | None = 100) -> Pipeline:
    """A linear SVM (one-vs-rest ``LinearSVC``) on pixels: one hyperplane per class.

    PCA to ``n_components`` first (``None``: raw pixels) keeps the model linear in the pixels (a
    projection is linear) and makes the solver several times faster on 3,072-pixel colour images.
    No standardizing: pixels already share one scale, [0, 1], and standardizing would blow the
    nearly constant border pixels up to unit variance, adding noise and slowing the solver."""
    steps = [_flatten_step()]
    if n_components is not None:
        steps.append(("pca", PCA(n_components, random_state=0)))
    steps.append(("svm", LinearSVC(C=C, dual=False, max_iter=2_000)))
    return Pipeline(steps)


def rbf_svm(C: float = 10.0, gamma: float | str = "scale", n_components: int | None = 50) -> Pipeline:
    """An SVM with the Gaussian (RBF) kernel on pixels, after PCA to ``n_components``.

    The kernel compares images by distance, like k-NN, but weighs only the support vectors, with
    learned weights. Kernel evaluations cost time proportional to the input dimension, so PCA
    makes a full-MNIST fit feasible on a CPU while keeping nearly all of the signal."""
    steps = [_flatten_step()]
    if n_components is not None:
        steps.append(("pca", PCA(n_components, random_state=0)))
    steps.append(("svm", SVC(kernel="rbf", C=C, gamma=gamma, cache_size=1_000)))
    return Pipeline(steps)


def hog_svm(C: float = 10.0, gamma: float | str = "scale", orientations: int = 9,
            cells_per_side: int = 4) -> Pipeline:
    """The traditional approach: hand-made HOG features, standardized, then an RBF SVM."""
    return Pipeline([("hog", HogFeatures(orientations, cells_per_side)), ("scale", StandardScaler()),
                     ("svm", SVC(kernel="rbf", C=C, gamma=gamma, cache_size=1_000))])


BUILDERS = {"k-NN": knn, "linear SVM": linear_svm, "RBF SVM": rbf_svm, "HOG + SVM": hog_svm}


@dataclasses.dataclass
class BaselineResult:
    """What :func:`evaluate_baseline` measured; ``model`` is the fitted pipeline."""

    accuracy: float
    fit_seconds: float
    predict_seconds_per_1000: float
    size_bytes: int
    n_train: int
    model: object = dataclasses.field(repr=False)


def evaluate_baseline(model, x_train, y_train, x_test, y_test, max_train: int | None = None,
                      seed: int = 0) -> BaselineResult:
    """Fit ``model`` and measure test accuracy, fit seconds, predict seconds per 1,000 images, and
    the fitted model's size (its pickled bytes: what must be shipped to use it).

    ``max_train`` caps the training set with a stratified subset, for models whose fit would blow
    the time budget; ``n_train`` in the result says how many images were really used, so a table
    can show it rather than hide it.
    """
    x_train, x_test = as_image_batch(x_train, "x_train", channels=(1, 3)), as_image_batch(x_test, "x_test", channels=(1, 3))
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError(f"images and labels differ in length: {len(x_train)} and {len(y_train)} for training, "
                         f"{len(x_test)} and {len(y_test)} for testing")
    if len(x_test) == 0:
        raise ValueError("x_test is empty: accuracy needs at least one test image")
    if max_train is not None:
        from course_lib.data import stratified_subset

        x_train, y_train = stratified_subset(x_train, y_train, max_train, seed)
    started = time.perf_counter()
    model.fit(x_train, y_train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predictions = model.predict(x_test)
    predict_seconds = time.perf_counter() - started
    return BaselineResult(accuracy=float(np.mean(predictions == y_test)), fit_seconds=fit_seconds,
                          predict_seconds_per_1000=1000 * predict_seconds / len(x_test),
                          size_bytes=len(pickle.dumps(model)), n_train=len(y_train), model=model)


def grid_search(model, param_grid: dict, x, y, cv: int = 3, n_jobs: int = 1, seed: int = 0) -> GridSearchCV:
    """Try every combination in ``param_grid`` (pipeline names, e.g. ``{"svm__C": [1, 10]}``) with
    ``cv``-fold stratified cross-validation on ``(x, y)``; return the fitted ``GridSearchCV``, refitted
    on all of ``(x, y)`` with the best combination. Tune on training data only: the test set must
    stay unseen until the final score."""
    if not param_grid:
        raise ValueError("param_grid is empty: give at least one parameter and its candidate values")
    search = GridSearchCV(model, param_grid, cv=StratifiedKFold(cv, shuffle=True, random_state=seed),
                          n_jobs=n_jobs)
    return search.fit(as_image_batch(x, "x", channels=(1, 3)), np.asarray(y))
