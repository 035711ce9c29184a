"""The course's recurring figures: training curves, image grids, misclassified examples, 2-D
decision boundaries, confusion matrices, convolution filters and feature maps, attribution maps and
deletion curves. Each function draws one figure and returns it."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import confusion_matrix

from course_lib.validation import as_image_batch


def plot_history(history, metrics=("loss", "accuracy"), title: str | None = None):
    """Training and validation curves per epoch, one panel per metric.

    ``history`` is a ``keras.callbacks.History`` or a dict of lists (as ``scratch.fit`` returns).
    """
    history = getattr(history, "history", history)
    if not isinstance(history, dict) or not history:
        raise ValueError("plot_history expects a Keras History or a non-empty dict of per-epoch lists")
    metrics = [m for m in metrics if m in history]
    if not metrics:
        raise ValueError(f"none of the requested metrics are in the history; it has {sorted(history)}")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], "o-", label="training")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], "s--", label="validation")
        ax.set(xlabel="epoch", ylabel=metric, title=metric)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_image_grid(images, labels=None, predictions=None, class_names=None, ncols: int = 8,
                    title: str | None = None):
    """Images in a grid, each titled with its label, or "true → predicted" (red when wrong)."""
    images = as_image_batch(images, channels=(1, 3))
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and len(values) != len(images):
            raise ValueError(f"got {len(values)} {name} for {len(images)} images")

    def name_of(index):
        return class_names[index] if class_names is not None else str(index)

    ncols = min(ncols, len(images))
    nrows = math.ceil(len(images) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols, 2.0 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        ax.imshow(images[i], cmap="gray" if images.ndim == 3 else None)
        if predictions is not None and labels is not None:
            wrong = predictions[i] != labels[i]
            ax.set_title(f"{name_of(labels[i])} → {name_of(predictions[i])}", fontsize=8,
                         color="red" if wrong else "black")
        elif labels is not None or predictions is not None:
            ax.set_title(name_of(labels[i] if labels is not None else predictions[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_decision_boundary(predict, x, y, ax=None, resolution: int = 300, title: str | None = None,
                           xlabel: str = "$x_1$", ylabel: str = "$x_2$"):
    """Colour the plane by ``predict`` (a function from an (n, 2) array to class labels) and
    scatter the 2-D points ``x`` coloured by their labels ``y``."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"decision boundaries are drawn for 2-D inputs: x must have shape (n, 2), got {x.shape}")
    margin = 0.1 * (x.max(axis=0) - x.min(axis=0)) + 0.1
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid_classes = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    ax.contourf(gx, gy, grid_classes, alpha=0.25, cmap="coolwarm")
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", edgecolor="k", s=30)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title or "decision boundary")
    return ax.figure


def plot_confusion_matrix(y_true, y_pred, class_names=None, normalize: bool = True,
                          title: str | None = None):
    """Confusion matrix (rows: true class, columns: predicted), as row fractions by default."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D label arrays of one length, got {y_true.shape} and {y_pred.shape}")
    n_classes = len(class_names) if class_names is not None else int(max(y_true.max(), y_pred.max())) + 1
    matrix = confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))
    shown = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalize else matrix
    names = class_names if class_names is not None else [str(i) for i in range(n_classes)]
    fig, ax = plt.subplots(figsize=(0.55 * n_classes + 2.5, 0.55 * n_classes + 2))
    image = ax.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(image, ax=ax, fraction=0.046, label="fraction of the true class" if normalize else "count")
    for (i, j), value in np.ndenumerate(shown):
        label = f"{value:.2f}" if normalize else str(value)
        if matrix[i, j] and label != "0.00":  # fractions that round to zero would only be clutter
            ax.text(j, i, label, ha="center", va="center", fontsize=7,
                    color="white" if value > 0.5 * shown.max() else "black")
    ax.set_xticks(range(n_classes), names, rotation=45, ha="right")
    ax.set_yticks(range(n_classes), names)
    ax.set(xlabel="predicted", ylabel="true", title=title or "confusion matrix")
    fig.tight_layout()
    return fig


def plot_misclassified(images, labels, predictions, class_names=None, n: int = 16, ncols: int = 8,
                       title: str | None = None):
    """The first ``n`` images whose prediction is wrong, titled "true → predicted"."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.shape != predictions.shape:
        raise ValueError(f"labels and predictions must match, got shapes {labels.shape} and {predictions.shape}")
    wrong = np.flatnonzero(labels != predictions)[:n]
    if len(wrong) == 0:
        raise ValueError("there are no misclassified examples to show")
    return plot_image_grid(np.asarray(images)[wrong], labels[wrong], predictions[wrong], class_names, ncols,
                           title or f"misclassified: {len(wrong)} of {int(np.sum(labels != predictions))} errors shown")


def _grid(count: int, ncols: int, cell: float = 1.3):
    ncols = min(ncols, count)
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell * ncols, cell * nrows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    return fig, axes.flat


def plot_filters(kernel, ncols: int = 8, title: str | None = None):
    """Each filter of a convolution kernel (height, width, in_channels, filters) as a small image.

    Three input channels are shown in colour (each filter rescaled to [0, 1]); otherwise the
    filter is averaged over its input channels and drawn blue (negative) to red (positive).
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be 4-D (height, width, in_channels, filters), got shape {kernel.shape}")
    fig, axes = _grid(kernel.shape[3], ncols)
    for index, ax in zip(range(kernel.shape[3]), axes):
        weights = kernel[..., index]
        if weights.shape[2] == 3:
            span = weights.max() - weights.min()
            ax.imshow((weights - weights.min()) / (span if span > 0 else 1.0))
        else:
            mean = weights.mean(axis=2)
            limit = np.abs(mean).max() or 1.0
            ax.imshow(mean, cmap="bwr", vmin=-limit, vmax=limit)
        ax.set_title(str(index), fontsize=8)
    fig.suptitle(title or f"{kernel.shape[3]} filters, {kernel.shape[0]}x{kernel.shape[1]}")
    fig.tight_layout()
    return fig


def plot_feature_maps(model, layer_name: str, image, ncols: int = 8, max_maps: int = 32,
                      title: str | None = None):
    """The output channels ("feature maps") of one layer of ``model`` for a single input image."""
    import keras

    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"model has no layer {layer_name!r}; its layers are {names}")
    image = np.asarray(image, dtype=np.float32)
    expected = tuple(model.inputs[0].shape[1:])
    if image.shape != expected:
        raise ValueError(f"image must have the model's input shape {expected}, got {image.shape}")
    probe = keras.Model(model.input, model.get_layer(layer_name).output)
    maps = keras.ops.convert_to_numpy(probe(image[None], training=False))[0]
    if maps.ndim != 3:
        raise ValueError(f"layer {layer_name!r} outputs shape {maps.shape}, not (height, width, channels) maps")
    count = min(maps.shape[-1], max_maps)
    fig, axes = _grid(count, ncols)
    for index, ax in zip(range(count), axes):
        ax.imshow(maps[..., index], cmap="viridis")
        ax.set_title(str(index), fontsize=8)
    fig.suptitle(title or f"{layer_name}: {count} of {maps.shape[-1]} feature maps, {maps.shape[0]}x{maps.shape[1]}")
    fig.tight_layout()
    return fig


def plot_attributions(images, maps_by_method: dict, row_titles=None, title: str | None = None, alpha: float = 0.55):
    """Each image (a row) beside its map from each method (a column), the map drawn over a faded copy
    of the image: hot colours where the method finds the most evidence.

    ``maps_by_method``: ``{method name: maps}``, one non-negative (height, width) map per image (see
    :func:`course_lib.interpret.heatmap`). Each map is scaled to its own maximum: compare where, not how much.
    """
    images = as_image_batch(images, channels=(1, 3))
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if not maps_by_method:
        raise ValueError("maps_by_method needs at least one {method name: maps} entry")
    for name, maps in maps_by_method.items():
        if np.shape(maps) != images.shape[:3]:
            raise ValueError(f"the maps of {name!r} must be one (height, width) map per image, shape "
                             f"{images.shape[:3]}; got {np.shape(maps)}")
    if row_titles is not None and len(row_titles) != len(images):
        raise ValueError(f"got {len(row_titles)} row titles for {len(images)} images")
    shown = images - images.min()
    shown = shown / (shown.max() or 1.0)
    ncols = len(maps_by_method) + 1
    fig, axes = plt.subplots(len(images), ncols, figsize=(1.7 * ncols, 1.8 * len(images) + 0.4), squeeze=False)
    for row, image in enumerate(shown):
        axes[row, 0].imshow(image, cmap="gray" if image.ndim == 2 else None)
        axes[row, 0].set_title(row_titles[row] if row_titles is not None else "image", fontsize=8)
        grey = image if image.ndim == 2 else image.mean(axis=-1)
        for col, (name, maps) in enumerate(maps_by_method.items(), start=1):
            map_ = np.abs(np.asarray(maps[row], dtype=np.float64))
            axes[row, col].imshow(grey, cmap="gray", alpha=0.5)
            axes[row, col].imshow(map_ / (map_.max() or 1.0), cmap="inferno", alpha=alpha, vmin=0, vmax=1)
            if row == 0:
                axes[row, col].set_title(name, fontsize=8)
    for ax in axes.flat:
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_deletion_curves(fractions, curves_by_method: dict, title: str | None = None,
                         ylabel: str = "probability of the class"):
    """The mean deletion (or insertion) curve of each method with a band of one standard deviation over
    the images: ``curves_by_method`` is ``{method name: (n images, len(fractions)) array}``."""
    fractions = np.asarray(fractions, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for name, curves in curves_by_method.items():
        curves = np.atleast_2d(np.asarray(curves, dtype=np.float64))
        if curves.shape[1] != len(fractions):
            raise ValueError(f"the curves of {name!r} need one value per fraction ({len(fractions)}), "
                             f"got {curves.shape[1]}")
        mean, spread = curves.mean(axis=0), curves.std(axis=0)
        ax.plot(fractions, mean, label=name, linestyle="--" if name.startswith("random") else "-")
        ax.fill_between(fractions, mean - spread, mean + spread, alpha=0.12)
    ax.set(xlabel="fraction of pixels removed, most important first", ylabel=ylabel, title=title or "deletion curves")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
