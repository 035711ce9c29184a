import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_history_accepts_dicts_and_keras_histories():
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]}
    fig = plots.plot_history(history, title="run")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert [line.get_label() for line in fig.axes[0].lines] == ["training", "validation"]

    class KerasLikeHistory:
        pass

    keras_history = KerasLikeHistory()
    keras_history.history = history
    assert len(plots.plot_history(keras_history, metrics=("loss",)).axes) == 1


def test_plot_history_names_what_is_available():
    with pytest.raises(ValueError, match="it has \\['loss'\\]"):
        plots.plot_history({"loss": [1.0]}, metrics=("accuracy",))
    with pytest.raises(ValueError, match="non-empty dict"):
        plots.plot_history({})


def test_image_grid_marks_wrong_predictions_in_red():
    images = np.zeros((3, 28, 28, 1))
    fig = plots.plot_image_grid(images, labels=[0, 1, 2], predictions=[0, 1, 1], class_names=list("abc"), ncols=2)
    titles = [(ax.get_title(), ax.title.get_color()) for ax in fig.axes if ax.get_title()]
    assert titles == [("a → a", "black"), ("b → b", "black"), ("c → b", "red")]
    assert len(fig.axes) == 4  # 2 x 2 grid, the fourth left blank


def test_image_grid_validates():
    with pytest.raises(ValueError, match="got 2 labels for 3 images"):
        plots.plot_image_grid(np.zeros((3, 8, 8)), labels=[0, 1])
    with pytest.raises(ValueError, match="non-empty batch"):
        plots.plot_image_grid(np.zeros((8, 8)))


def test_decision_boundary_colours_the_plane_by_the_classifier():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    calls = []

    def predict(points):
        calls.append(points.shape)
        return (points[:, 0] > 0.5).astype(int)

    fig = plots.plot_decision_boundary(predict, x, [0, 1, 0, 1], resolution=50, title="AND?")
    assert calls == [(2500, 2)] and fig.axes[0].get_title() == "AND?"
    with pytest.raises(ValueError, match="shape \\(n, 2\\)"):
        plots.plot_decision_boundary(predict, np.zeros((4, 3)), [0, 1, 0, 1])


def test_confusion_matrix_rows_are_true_classes():
    fig = plots.plot_confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], class_names=["x", "y", "z"])
    ax = fig.axes[0]
    shown = ax.images[0].get_array()
    np.testing.assert_allclose(shown, [[0.5, 0.5, 0], [0, 1, 0], [0, 0, 1]])
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    counts = plots.plot_confusion_matrix([0, 0, 1], [0, 1, 1], normalize=False).axes[0].images[0].get_array()
    np.testing.assert_array_equal(counts, [[1, 1], [0, 1]])
    rare = plots.plot_confusion_matrix([0] * 999 + [1], [0] * 998 + [1, 1]).axes[0]
    assert sorted(text.get_text() for text in rare.texts) == ["1.00", "1.00"]  # the 0.001 is not printed
    with pytest.raises(ValueError, match="1-D label arrays"):
        plots.plot_confusion_matrix([0, 1], [0])


def test_misclassified_shows_only_errors():
    images = np.arange(5 * 4 * 4).reshape(5, 4, 4)
    fig = plots.plot_misclassified(images, [0, 1, 2, 3, 4], [0, 2, 2, 1, 4], n=8)
    assert sorted(ax.get_title() for ax in fig.axes if ax.get_title()) == ["1 → 2", "3 → 1"]
    with pytest.raises(ValueError, match="no misclassified"):
        plots.plot_misclassified(images, [0, 1, 2, 3, 4], [0, 1, 2, 3, 4])


def test_filters_grey_and_colour():
    grey = plots.plot_filters(np.random.default_rng(0).normal(size=(5, 5, 1, 6)), ncols=3)
    assert len([ax for ax in grey.axes if ax.images]) == 6 and "6 filters, 5x5" in grey._suptitle.get_text()
    colour = plots.plot_filters(np.random.default_rng(0).normal(size=(3, 3, 3, 2)))
    assert colour.axes[0].images[0].get_array().shape == (3, 3, 3)
    with pytest.raises(ValueError, match="kernel must be 4-D"):
        plots.plot_filters(np.zeros((3, 3, 2)))


def test_feature_maps_of_a_named_layer():
    from course_lib import models

    model = models.lenet5()
    fig = plots.plot_feature_maps(model, "C1", np.zeros((28, 28, 1)))
    assert len([ax for ax in fig.axes if ax.images]) == 6
    assert fig.axes[0].images[0].get_array().shape == (28, 28)
    with pytest.raises(ValueError, match="no layer 'conv1'.*'C1'"):
        plots.plot_feature_maps(model, "conv1", np.zeros((28, 28, 1)))
    with pytest.raises(ValueError, match="input shape \\(28, 28, 1\\)"):
        plots.plot_feature_maps(model, "C1", np.zeros((28, 28)))
    with pytest.raises(ValueError, match="not \\(height, width, channels\\) maps"):
        plots.plot_feature_maps(model, "F6", np.zeros((28, 28, 1)))


def test_attributions_one_row_per_image_one_column_per_method():
    images = np.random.default_rng(0).uniform(size=(2, 6, 6, 3))
    maps = {"gradient": np.ones((2, 6, 6)), "Grad-CAM": np.zeros((2, 6, 6))}
    fig = plots.plot_attributions(images, maps, row_titles=["a", "b"])
    assert len(fig.axes) == 6 and fig.axes[3].get_title() == "b"
    with pytest.raises(ValueError, match=r"one \(height, width\) map per image"):
        plots.plot_attributions(images, {"gradient": np.ones((2, 5, 5))})


def test_deletion_curves_one_line_per_method():
    fractions = np.linspace(0, 1, 5)
    fig = plots.plot_deletion_curves(fractions, {"Grad-CAM": np.ones((3, 5)), "random order": np.zeros((3, 5))})
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["Grad-CAM", "random order"]
    with pytest.raises(ValueError, match="one value per fraction"):
        plots.plot_deletion_curves(fractions, {"x": np.ones((3, 4))})
