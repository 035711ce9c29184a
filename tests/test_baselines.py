"""Unit tests of course_lib.baselines on tiny synthetic images (each test runs in well under a second)."""
import pickle

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from course_lib import baselines


def toy_images(n_per_class=20, size=12, colour=False, seed=0):
    """Two classes that differ in where the bright square sits: left half or right half."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 0.1, size=(2 * n_per_class, size, size)).astype(np.float32)
    labels = np.repeat([0, 1], n_per_class)
    half = size // 2
    images[:n_per_class, 2:half + 2, 1:half - 1] += 0.9
    images[n_per_class:, 2:half + 2, half + 1:size - 1] += 0.9
    if colour:
        images = np.repeat(images[..., None], 3, axis=-1)
    order = rng.permutation(len(labels))
    return images[order], labels[order]


@pytest.mark.parametrize("name", sorted(baselines.BUILDERS))
def test_every_pipeline_learns_a_toy_problem(name):
    x, y = toy_images()
    options = {"n_components": 5} if name != "HOG + SVM" else {}
    model = baselines.BUILDERS[name](**options)
    assert isinstance(model, Pipeline)
    model.fit(x, y)
    x_new, y_new = toy_images(seed=1)
    assert np.mean(model.predict(x_new) == y_new) >= 0.95


@pytest.mark.parametrize("name", ["k-NN", "linear SVM", "RBF SVM"])
def test_pca_is_optional(name):
    x, y = toy_images()
    model = baselines.BUILDERS[name](n_components=None).fit(x, y)
    assert "pca" not in model.named_steps
    assert np.mean(model.predict(x) == y) >= 0.95


def test_pipelines_take_colour_images():
    x, y = toy_images(colour=True)
    for model in (baselines.knn(n_components=5), baselines.hog_svm()):
        assert np.mean(model.fit(x, y).predict(x) == y) >= 0.95


def test_flatten_images_rows():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    flat = baselines.flatten_images(images)
    assert flat.shape == (2, 12) and flat.dtype == np.float32
    np.testing.assert_array_equal(flat[1], np.arange(12, 24))


@pytest.mark.parametrize("shape, expected", [((3, 28, 28), 324), ((3, 28, 28, 1), 324), ((3, 32, 32, 3), 324)])
def test_hog_output_shape_grey_and_colour(shape, expected):
    images = np.random.default_rng(0).uniform(size=shape).astype(np.float32)
    features = baselines.HogFeatures().fit_transform(images)
    # 4x4 cells, 3x3 blocks of 2x2 cells, 9 orientations: 3 * 3 * 2 * 2 * 9
    assert features.shape == (3, expected) and features.dtype == np.float32


def test_hog_settings_change_the_length():
    images = np.random.default_rng(0).uniform(size=(2, 28, 28)).astype(np.float32)
    features = baselines.HogFeatures(orientations=6, cells_per_side=7, cells_per_block=3).fit_transform(images)
    assert features.shape == (2, 5 * 5 * 3 * 3 * 6)


def test_hog_sees_edge_direction_not_brightness():
    vertical = np.zeros((1, 28, 28), np.float32)
    vertical[:, :, 14:] = 1.0
    hog = baselines.HogFeatures()
    np.testing.assert_allclose(hog.transform(vertical), hog.transform(0.5 * vertical), atol=1e-5)
    assert not np.allclose(hog.transform(vertical), hog.transform(np.swapaxes(vertical, 1, 2)))


def test_hog_rejects_bad_images_and_settings():
    with pytest.raises(ValueError, match="must be a non-empty batch of images"):
        baselines.HogFeatures().transform(np.zeros((28, 28)))
    with pytest.raises(ValueError, match="must have 1 or 3 channel"):
        baselines.HogFeatures().transform(np.zeros((2, 28, 28, 2)))
    with pytest.raises(ValueError, match="fewer cells"):
        baselines.HogFeatures(cells_per_side=20).fit(np.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match="cells_per_block"):
        baselines.HogFeatures(cells_per_block=5).fit(np.zeros((2, 28, 28)))


def test_evaluate_baseline_fields():
    x, y = toy_images()
    x_test, y_test = toy_images(seed=1)
    result = baselines.evaluate_baseline(baselines.knn(n_components=None), x, y, x_test, y_test)
    assert result.accuracy == pytest.approx(np.mean(result.model.predict(x_test) == y_test))
    assert 0.95 <= result.accuracy <= 1.0
    assert result.fit_seconds >= 0 and result.predict_seconds_per_1000 > 0
    assert result.n_train == len(y)
    assert result.size_bytes == len(pickle.dumps(result.model))
    assert result.size_bytes > x.nbytes  # k-NN keeps every training image


def test_evaluate_baseline_subsamples_stratified():
    x, y = toy_images(n_per_class=30)
    result = baselines.evaluate_baseline(baselines.linear_svm(n_components=5), x, y, x[:5], y[:5], max_train=20)
    assert result.n_train == 20
    np.testing.assert_array_equal(np.bincount(result.model.named_steps["svm"].classes_), [1, 1])


def test_evaluate_baseline_rejects_mismatched_lengths():
    x, y = toy_images()
    with pytest.raises(ValueError, match="differ in length"):
        baselines.evaluate_baseline(baselines.knn(n_components=None), x, y[:-1], x, y)
    with pytest.raises(ValueError, match="empty"):
        baselines.evaluate_baseline(baselines.knn(n_components=None), x, y, x[:0], y[:0])


def test_grid_search_picks_from_the_grid_and_refits():
    x, y = toy_images()
    search = baselines.grid_search(baselines.rbf_svm(n_components=5), {"svm__C": [0.1, 10.0]}, x, y, cv=2)
    assert search.best_params_["svm__C"] in (0.1, 10.0)
    assert len(search.cv_results_["params"]) == 2
    assert np.mean(search.predict(x) == y) >= 0.95
    with pytest.raises(ValueError, match="param_grid is empty"):
        baselines.grid_search(baselines.rbf_svm(), {}, x, y)
