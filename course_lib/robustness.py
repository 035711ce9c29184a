"""Where CNNs break (lesson 13): natural transformations of test images and adversarial attacks.

Transformations, each one exact and deterministic so that a curve of accuracy against its size can
be measured: :func:`rotate_images` and :func:`scale_images` (an affine map through
``keras.ops.image.affine_transform``), :func:`clutter_images` (fragments of other digits pasted
around the digit, in the spirit of cluttered MNIST) and :class:`Clutter` (the same as a random
training augmentation). Translation is :func:`course_lib.data.shift_images`.
:class:`PartialAugmentation` augments only part of each batch; :func:`recalibrate_batch_norm` checks
whether batch-norm statistics kept from augmented batches cost accuracy on unchanged images.

Attacks under an L-infinity budget ``eps`` on images in [0, 1]: :func:`fgsm` (Goodfellow et al.,
2014), :func:`pgd` (Madry et al., 2017: a random start, then repeated signed-gradient steps, each
followed by :func:`project_linf`), :func:`random_sign_noise` (the control: noise as large as the
attack, in random directions), and :func:`adversarial_training` (FGSM with a random start, Wong et
al., 2020). Every gradient comes from :func:`course_lib.autodiff.input_gradients`, so they run on
TensorFlow and JAX alike.
"""
from __future__ import annotations

import time
from typing import NamedTuple

import keras
import numpy as np

from course_lib.autodiff import class_score, input_gradients
from course_lib.validation import as_image_batch


def _as_images(images, name: str = "images") -> np.ndarray:
    return as_image_batch(images, name, floating=True).astype("float32")


def _labels_for(x: np.ndarray, y) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D array of integer classes, one per image ({len(x)}); "
                         f"got shape {y.shape}, dtype {y.dtype}")
    return y


def _check_eps(eps, x: np.ndarray):
    """``eps`` as a float, or (one budget per example, shape ``(n,)``) as an array that broadcasts
    against the batch ``x``."""
    budgets = np.asarray(eps, dtype="float64")
    if budgets.ndim > 1 or (budgets.ndim == 1 and len(budgets) != len(x)):
        raise ValueError(f"eps must be one number or one per example (shape ({len(x)},)); got shape {budgets.shape}")
    if np.any(~(budgets >= 0.0)) or np.any(budgets > 1.0):
        raise ValueError(f"eps is the largest change of one pixel, in [0, 1] for pixels in [0, 1]; got {eps!r} "
                         "(for a budget given in 0-255 pixel steps, divide by 255)")
    return float(budgets) if budgets.ndim == 0 else budgets.reshape((-1,) + (1,) * (x.ndim - 1))


# ---------------------------------------------------------------------------------------------
# Natural transformations

def _affine(images, forward: np.ndarray) -> np.ndarray:
    """Apply the 2x2 map ``forward`` (about the image centre) to every image, zero fill, bilinear."""
    images = _as_images(images)
    grey = images.ndim == 3
    batch = images[..., None] if grey else images
    height, width = batch.shape[1:3]
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    inverse = np.linalg.inv(forward)  # affine_transform maps each output pixel to the input point it reads
    offset = centre - inverse @ centre
    transform = np.array([inverse[0, 0], inverse[0, 1], offset[0], inverse[1, 0], inverse[1, 1], offset[1], 0, 0],
                         dtype="float32")
    out = keras.ops.image.affine_transform(batch, np.tile(transform, (len(batch), 1)), interpolation="bilinear",
                                           fill_mode="constant", fill_value=0, data_format="channels_last")
    out = keras.ops.convert_to_numpy(out)
    return out[..., 0] if grey else out


def rotation_matrix(degrees: float) -> np.ndarray:
    """The 2x2 matrix that turns (x, y) image coordinates by ``degrees`` counter-clockwise as the
    image is shown (rows grow downwards, so on screen the y axis points down)."""
    angle = np.deg2rad(float(degrees))
    cos, sin = np.cos(angle), np.sin(angle)
    return np.array([[cos, sin], [-sin, cos]])


def rotate_images(images, degrees: float) -> np.ndarray:
    """Every image turned by ``degrees`` counter-clockwise about its centre, corners filled with zeros.

    Works on ``(n, height, width)`` and ``(n, height, width, channels)`` float images.
    """
    if not np.isfinite(degrees):
        raise ValueError(f"degrees must be a finite angle, got {degrees!r}")
    return _affine(images, rotation_matrix(degrees))


def scale_images(images, factor: float) -> np.ndarray:
    """Every image enlarged by ``factor`` about its centre (0.5: half as large, the rest zeros; 1.5: the
    centre enlarged, the border cut off)."""
    if not np.isfinite(factor) or factor <= 0:
        raise ValueError(f"factor must be a positive number (1.0 leaves the image as it is), got {factor!r}")
    return _affine(images, np.eye(2) * float(factor))


def _paste_fragments(canvas: np.ndarray, sources: np.ndarray, counts, size: int, rng) -> None:
    height, width = canvas.shape[1:3]
    src_height, src_width = sources.shape[1:3]
    for i, count in enumerate(counts):
        for _ in range(int(count)):
            source = sources[rng.integers(len(sources))]
            top, left = rng.integers(0, src_height - size + 1), rng.integers(0, src_width - size + 1)
            row, col = rng.integers(0, height - size + 1), rng.integers(0, width - size + 1)
            region = canvas[i, row:row + size, col:col + size]
            np.maximum(region, source[top:top + size, left:left + size], out=region)


def clutter_images(images, fragment_source, n_fragments: int, *, canvas_size: int | None = None,
                   fragment_size: int = 8, seed: int = 0) -> np.ndarray:
    """Each image placed on a ``canvas_size`` square canvas (at a random position when it is larger
    than the image; default: the image's own size), with ``n_fragments`` random ``fragment_size``
    square pieces of the images in ``fragment_source`` (other digits) drawn over it.

    Pieces combine with the canvas by the pixel-wise maximum, as strokes on a black background do. The
    same ``seed`` gives the same clutter. Grey images only, ``(n, h, w)`` or ``(n, h, w, 1)``.
    """
    images = _as_images(images)
    sources = _as_images(fragment_source, "fragment_source")
    channel = images.ndim == 4
    if (channel and images.shape[-1] != 1) or (sources.ndim == 4 and sources.shape[-1] != 1):
        raise ValueError("clutter_images works on grey images, shape (n, h, w) or (n, h, w, 1)")
    images, sources = images.reshape(images.shape[:3]), sources.reshape(sources.shape[:3])
    height, width = images.shape[1:3]
    canvas_size = max(height, width) if canvas_size is None else int(canvas_size)
    if canvas_size < max(height, width):
        raise ValueError(f"canvas_size must be at least the image size ({max(height, width)}), got {canvas_size}")
    if not isinstance(n_fragments, (int, np.integer)) or n_fragments < 0:
        raise ValueError(f"n_fragments must be a whole number >= 0, got {n_fragments!r}")
    if not 1 <= fragment_size <= min(sources.shape[1:3] + (canvas_size,)):
        raise ValueError(f"fragment_size must lie between 1 and the source images' size, got {fragment_size}")
    rng = np.random.default_rng(seed)
    canvas = np.zeros((len(images), canvas_size, canvas_size), dtype="float32")
    for i, image in enumerate(images):
        row, col = rng.integers(0, canvas_size - height + 1), rng.integers(0, canvas_size - width + 1)
        canvas[i, row:row + height, col:col + width] = image
    _paste_fragments(canvas, sources, np.full(len(images), n_fragments), fragment_size, rng)
    return canvas[..., None] if channel else canvas


class Clutter:
    """A training augmentation: up to ``max_fragments`` pieces of ``fragment_source`` images drawn over
    each image of a batch (a random number per image), for :class:`course_lib.data.Batches`.

    Called as ``clutter(images, training=True)`` like Keras's random layers; ``training=False``
    returns the images unchanged. Optionally ``then`` (e.g. :func:`course_lib.data.augmentation`)
    is applied first.
    """

    def __init__(self, fragment_source, max_fragments: int, *, fragment_size: int = 8, then=None, seed: int = 0):
        self.sources = _as_images(fragment_source, "fragment_source")
        self.sources = self.sources.reshape(self.sources.shape[:3])
        if not isinstance(max_fragments, (int, np.integer)) or max_fragments < 1:
            raise ValueError(f"max_fragments must be a whole number >= 1, got {max_fragments!r}")
        self.max_fragments, self.fragment_size, self.then = int(max_fragments), int(fragment_size), then
        self.rng = np.random.default_rng(seed)

    def __call__(self, images, training: bool = True) -> np.ndarray:
        if self.then is not None:
            images = keras.ops.convert_to_numpy(self.then(images, training=training))
        images = np.array(images, dtype="float32")
        if not training:
            return images
        flat = images.reshape(images.shape[:3])
        _paste_fragments(flat, self.sources, self.rng.integers(0, self.max_fragments + 1, len(images)),
                         self.fragment_size, self.rng)
        return images


class PartialAugmentation:
    """A training augmentation applied to only part of each batch: ``augment`` (e.g.
    :func:`course_lib.data.augmentation` or :class:`Clutter`) changes a random ``fraction`` of the
    images of every batch (rounded to whole images), the rest pass unchanged.

    Why: an augmentation that resamples every training image (a rotation or a zoom interpolates
    between pixels) leaves the model no unchanged image to learn from, and batch norm then keeps
    statistics of changed images only; a batch that is part clean, part changed teaches both.
    Called as ``augmentation(images, training=True)``, like Keras's random layers; ``training=False``
    returns the images unchanged.
    """

    def __init__(self, augment, fraction: float, *, seed: int = 0):
        if not callable(augment):
            raise ValueError(f"augment must be callable as augment(images, training=True), got {augment!r}")
        if not 0.0 <= float(fraction) <= 1.0:
            raise ValueError(f"fraction is the share of each batch to augment, in [0, 1]; got {fraction!r}")
        self.augment, self.fraction = augment, float(fraction)
        self.rng = np.random.default_rng(seed)

    def __call__(self, images, training: bool = True) -> np.ndarray:
        images = np.array(images, dtype="float32")
        if not training:
            return images
        chosen = self.rng.permutation(len(images))[:int(round(self.fraction * len(images)))]
        if len(chosen):
            images[chosen] = keras.ops.convert_to_numpy(self.augment(images[chosen], training=True))
        return images


def recalibrate_batch_norm(model: keras.Model, x, batch_size: int = 1024) -> keras.Model:
    """A copy of ``model`` whose batch-norm layers keep the statistics of the images ``x``: each
    layer's moving mean and variance set, layer by layer from the input, to the mean and variance of
    its inputs over ``x`` (per channel, the last axis). The weights are the model's own; ``model``
    itself is unchanged.

    A diagnostic: when a model trained on augmented images scores better on test images after this
    recalibration on unchanged training images, the statistics its batch norm kept from augmented
    batches were part of what cost it accuracy on unchanged images. Functional models only.
    """
    x = _as_images(x, "x")
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if not norms:
        raise ValueError(f"model {model.name!r} has no BatchNormalization layer to recalibrate")
    if any(layer.axis not in (-1, len(layer.input.shape) - 1) for layer in norms):
        raise ValueError("recalibrate_batch_norm expects batch norm over the last (channel) axis")
    copy = keras.models.clone_model(model)
    for target, source in zip(copy.weights, model.weights):
        target.assign(keras.ops.copy(source.value))  # a copy: JAX may donate the buffers it was given
    for layer in copy.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            features = keras.Model(copy.inputs, layer.input).predict(x, batch_size=batch_size, verbose=0)
            axes = tuple(range(features.ndim - 1))
            layer.moving_mean.assign(features.mean(axis=axes).astype("float32"))
            layer.moving_variance.assign(features.var(axis=axes).astype("float32"))
    return copy


# ---------------------------------------------------------------------------------------------
# Adversarial examples

def _flat(eps):
    return eps if np.ndim(eps) == 0 else np.ravel(eps)


def project_linf(x_adv, x, eps: float) -> np.ndarray:
    """``x_adv`` moved back into the L-infinity ball of radius ``eps`` around ``x`` (no pixel more than
    ``eps`` from its original value), then into the valid pixel range [0, 1].

    Here and in the attacks, ``eps`` is one number or one budget per example (shape ``(n,)``): a whole
    curve of budgets can then be attacked in one batch."""
    x, x_adv = np.asarray(x, dtype="float32"), np.asarray(x_adv, dtype="float32")
    if x.shape != x_adv.shape:
        raise ValueError(f"x_adv and x must have the same shape, got {x_adv.shape} and {x.shape}")
    eps = _check_eps(eps, x)
    return np.clip(np.clip(x_adv, x - eps, x + eps), 0.0, 1.0).astype("float32")


def loss_gradients(model: keras.Model, x, y, batch_size: int = 1024) -> np.ndarray:
    """``d loss / d x`` of each example's cross-entropy for its label ``y``, in batches, from
    :func:`course_lib.autodiff.input_gradients`."""
    x, y = _as_images(x, "x"), _labels_for(np.asarray(x), y)
    return np.concatenate([input_gradients(model, x[i:i + batch_size], class_score(y[i:i + batch_size], kind="loss"))
                           for i in range(0, len(x), batch_size)])


def fgsm(model: keras.Model, x, y, eps: float, *, random_start: bool = False, step_size: float | None = None,
         seed: int = 0, batch_size: int = 1024) -> np.ndarray:
    """The fast gradient sign method: ``x + eps * sign(d loss / d x)``, clipped to [0, 1].

    ``random_start=True`` first moves each pixel by a uniform random amount in ``[-eps, eps]`` and then
    steps by ``step_size`` (default ``1.25 * eps``, as Wong et al., 2020 train with), projected back to
    the ball: "FGSM with a random start", cheap adversarial training's attack.
    """
    x = _as_images(x, "x")
    eps = _check_eps(eps, x)
    start = x
    if random_start:
        start = project_linf(x + np.random.default_rng(seed).uniform(-eps, eps, x.shape), x, _flat(eps))
    step = (1.25 * eps if random_start else eps) if step_size is None else float(step_size)
    return project_linf(start + step * np.sign(loss_gradients(model, start, y, batch_size)), x, _flat(eps))


def pgd(model: keras.Model, x, y, eps: float, *, steps: int = 20, step_size: float | None = None,
        random_start: bool = True, seed: int = 0, batch_size: int = 1024) -> np.ndarray:
    """Projected gradient descent (Madry et al., 2017): from a uniform random start in the eps-ball,
    ``steps`` steps of ``step_size`` (default ``2.5 * eps / steps``) along the sign of the loss
    gradient, each projected back onto the ball and [0, 1] with :func:`project_linf`."""
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1, got {steps!r}")
    x = _as_images(x, "x")
    y = _labels_for(x, y)
    eps = _check_eps(eps, x)
    step = 2.5 * eps / steps if step_size is None else float(step_size)
    x_adv = project_linf(x + np.random.default_rng(seed).uniform(-eps, eps, x.shape), x, _flat(eps)) if random_start else x
    for _ in range(steps):
        x_adv = project_linf(x_adv + step * np.sign(loss_gradients(model, x_adv, y, batch_size)), x, _flat(eps))
    return x_adv


def random_sign_noise(x, eps: float, seed: int = 0) -> np.ndarray:
    """The control for an attack: every pixel moved by ``+eps`` or ``-eps`` at random (as far as the
    attack may move it, in a random direction), clipped to [0, 1]."""
    x = _as_images(x, "x")
    eps = _check_eps(eps, x)
    return project_linf(x + eps * np.random.default_rng(seed).choice([-1.0, 1.0], x.shape), x, _flat(eps))


class AdversarialRun(NamedTuple):
    """What :func:`adversarial_training` measured: seconds in all and per epoch, the validation
    accuracy on clean images after each epoch."""

    seconds: float
    epoch_seconds: list
    val_accuracy: list


def adversarial_training(model: keras.Model, x, y, *, epochs: int, eps: float, step_size: float | None = None,
                         batch_size: int = 128, peak_learning_rate: float = 5e-3, validation_data=None,
                         seed: int = 0, verbose: bool = True) -> AdversarialRun:
    """Train ``model`` on adversarial examples only: for each shuffled batch, craft FGSM examples with a
    random start (:func:`fgsm`, ``random_start=True``) against the current weights, then take one
    ``train_on_batch`` step on them (Wong et al., 2020, "Fast is better than free"). Lesson 07's
    optimizer (Adam, warm-up then cosine) over all the steps. Prints one line per epoch.
    """
    from course_lib.evaluation import accuracy
    from course_lib.training import compile_classifier, recipe_optimizer

    x = _as_images(x, "x")
    y = _labels_for(x, y)
    if not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")
    steps_per_epoch = -(-len(x) // batch_size)
    compile_classifier(model, recipe_optimizer(steps_per_epoch * epochs, peak_learning_rate))
    rng = np.random.default_rng(seed)
    epoch_seconds, val_accuracy = [], []
    started = time.perf_counter()
    for epoch in range(epochs):
        epoch_start = time.perf_counter()
        order = rng.permutation(len(x))
        losses = []
        for step in range(steps_per_epoch):
            chosen = order[step * batch_size:(step + 1) * batch_size]
            x_adv = fgsm(model, x[chosen], y[chosen], eps, random_start=True, step_size=step_size,
                         seed=int(rng.integers(2**31)))
            losses.append(float(np.ravel(model.train_on_batch(x_adv, y[chosen]))[0]))
        epoch_seconds.append(time.perf_counter() - epoch_start)
        message = f"epoch {epoch + 1}/{epochs}: adversarial loss {np.mean(losses):.4f}, {epoch_seconds[-1]:.0f} s"
        if validation_data is not None:
            val_accuracy.append(accuracy(model, *validation_data))
            message += f", clean val accuracy {val_accuracy[-1]:.4f}"
        if verbose:
            print(message)
    return AdversarialRun(time.perf_counter() - started, epoch_seconds, val_accuracy)
