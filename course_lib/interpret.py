"""What a trained classifier looks at: attribution maps, and the measurements that say whether to trust them.

Every method answers "which parts of this input made the model give class ``c`` this score?" with a
map the size of the input. The gradients come from :mod:`course_lib.autodiff` (the course's one
backend-specific function); everything here is ``keras.ops`` and NumPy, so it runs on TensorFlow and
JAX alike. The score is the log of the class's softmax probability by default (``kind``, as in
:func:`course_lib.autodiff.class_score`): unlike the probability it does not flatten out when the model
is sure.

- gradient methods: :func:`vanilla_gradient`, :func:`gradient_times_input`, :func:`smoothgrad`,
  :func:`integrated_gradients`; :func:`grad_cam` (a convolution layer's maps weighted by their
  gradients, also inside a nested backbone); :func:`occlusion` (no gradients: grey out patches and
  watch the probability); :func:`activation_maximization` (an input made to excite one filter);
- trust: :func:`randomized_copy` (Adebayo et al., 2018: a map that survives the randomization of the
  model's weights explains the image, not the model), :func:`rank_correlations`,
  :func:`deletion_curves` and :func:`curve_area` (Petsiuk et al., 2018: delete the pixels a map calls
  important and watch the probability fall), :func:`completeness_error` (integrated gradients).
"""
from __future__ import annotations

import warnings

import keras
import numpy as np
from scipy.stats import ConstantInputWarning, spearmanr

from course_lib import autodiff


def _targets(x, targets) -> np.ndarray:
    """One class index per example of ``x`` (a single index is used for all)."""
    classes = np.asarray(targets)
    if classes.ndim > 1 or not np.issubdtype(classes.dtype, np.integer):
        raise ValueError(f"targets must be a class index or one class index per image, got {targets!r}")
    classes = np.broadcast_to(classes, (len(x),)) if classes.ndim == 0 else classes
    if len(classes) != len(x):
        raise ValueError(f"got {len(classes)} targets for {len(x)} images")
    return classes


def class_scores(model: keras.Model, x, targets, kind: str = "log_probability", batch_size: int = 64) -> np.ndarray:
    """The score each method explains, one per example: ``kind`` of the target class's probability."""
    x = autodiff.model_batch(model, x)
    classes = _targets(x, targets)
    # predict_on_batch runs the compiled forward pass: several times faster than calling the model eagerly
    probabilities = np.concatenate([np.asarray(model.predict_on_batch(x[i:i + batch_size]))
                                    for i in range(0, len(x), batch_size)]).astype("float64")
    picked = probabilities[np.arange(len(x)), classes]
    if kind == "probability":
        return picked
    log_p = np.log(np.maximum(picked, 1e-12))
    return -log_p if kind == "loss" else log_p


def vanilla_gradient(model: keras.Model, x, targets, kind: str = "log_probability") -> np.ndarray:
    """``d score / d x``: how much a tiny change of each input value changes the class's score
    (Simonyan et al., 2013). Shaped like ``x``; :func:`heatmap` turns it into one map per image."""
    x = autodiff.model_batch(model, x)
    return autodiff.input_gradients(model, x, autodiff.class_score(_targets(x, targets), kind))


def gradient_times_input(model: keras.Model, x, targets, kind: str = "log_probability") -> np.ndarray:
    """The gradient times the input, value by value: a first-order estimate of each value's contribution
    relative to an all-zero input (for a linear score it is exactly that contribution)."""
    x = autodiff.model_batch(model, x)
    return vanilla_gradient(model, x, targets, kind) * x


def smoothgrad(model: keras.Model, x, targets, n_samples: int = 25, noise: float = 0.15, seed: int = 0,
               kind: str = "log_probability") -> np.ndarray:
    """The gradient averaged over ``n_samples`` noisy copies of each image (Smilkov et al., 2017).

    The noise is Gaussian with a standard deviation of ``noise`` times each image's value range: it
    averages away the gradient's pixel-to-pixel jitter, which comes from the ReLUs switching on and off.
    """
    x = autodiff.model_batch(model, x)
    classes = _targets(x, targets)
    if n_samples < 1 or noise < 0:
        raise ValueError(f"n_samples must be at least 1 and noise at least 0, got {n_samples!r} and {noise!r}")
    rng = np.random.default_rng(seed)
    spread = (x.reshape(len(x), -1).max(axis=1) - x.reshape(len(x), -1).min(axis=1)).reshape(-1, *[1] * (x.ndim - 1))
    total = np.zeros_like(x)
    for _ in range(n_samples):
        noisy = x + rng.normal(size=x.shape).astype("float32") * noise * spread
        total += vanilla_gradient(model, noisy, classes, kind)
    return total / n_samples


def integrated_gradients(model: keras.Model, x, targets, baseline=0.0, steps: int = 50,
                         kind: str = "log_probability", batch_size: int = 64) -> np.ndarray:
    """Integrated gradients (Sundararajan et al., 2017): ``(x - baseline)`` times the average gradient
    along the straight path from ``baseline`` to ``x``, by the trapezoidal rule with ``steps`` intervals.

    ``baseline`` is an input that means "nothing" (black, 0.0, by default; a scalar or an array shaped like
    one image or like ``x``). The attributions of an image add up to score(x) - score(baseline) up to
    the integration error (completeness): :func:`completeness_error` measures it.
    """
    x = autodiff.model_batch(model, x)
    classes = _targets(x, targets)
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive whole number, got {steps!r}")
    baselines = np.broadcast_to(np.asarray(baseline, dtype="float32"), x.shape)
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype="float32")
    weights = np.full(steps + 1, 1.0 / steps, dtype="float32")
    weights[[0, -1]] /= 2  # the trapezoidal rule
    attributions = np.empty_like(x)
    for i in range(len(x)):
        average = np.zeros(x.shape[1:], dtype="float64")
        for start in range(0, steps + 1, batch_size):  # the path in batches: a photo's path does not fit at once
            chunk = alphas[start:start + batch_size].reshape(-1, *[1] * (x.ndim - 1))
            grads = vanilla_gradient(model, baselines[i] + chunk * (x[i] - baselines[i]), classes[i], kind)
            average += np.tensordot(weights[start:start + batch_size], grads, axes=1)
        attributions[i] = (x[i] - baselines[i]) * average
    return attributions


def completeness_error(model: keras.Model, x, targets, attributions, baseline=0.0,
                       kind: str = "log_probability") -> np.ndarray:
    """Per image, ``|sum(attributions) - (score(x) - score(baseline))| / |score(x) - score(baseline)|``:
    how far integrated gradients are from adding up exactly (0 would be exact)."""
    x = autodiff.model_batch(model, x)
    baselines = np.broadcast_to(np.asarray(baseline, dtype="float32"), x.shape)
    difference = class_scores(model, x, targets, kind) - class_scores(model, baselines, targets, kind)
    total = np.asarray(attributions, dtype="float64").reshape(len(x), -1).sum(axis=1)
    return np.abs(total - difference) / np.maximum(np.abs(difference), 1e-12)


def grad_cam(model: keras.Model, x, targets, layer_name: str, kind: str = "log_probability",
             upsample: bool = True) -> np.ndarray:
    """Grad-CAM (Selvaraju et al., 2017) at the convolution layer ``layer_name``: its feature maps,
    each weighted by the average gradient of the score over that map, summed, negatives cut to 0.

    One map per image, at the layer's resolution, or resized to the input's (``upsample=True``). The
    layer may sit in a nested backbone (the lesson-11 classifier); a name that does not exist gets
    the list of the model's convolution layers.
    """
    x = autodiff.model_batch(model, x)
    activations, grads = autodiff.layer_gradients(model, x, layer_name, autodiff.class_score(_targets(x, targets), kind))
    if activations.ndim != 4:
        raise ValueError(f"Grad-CAM needs a layer with (height, width, channels) maps; {layer_name!r} outputs "
                         f"shape {activations.shape[1:]}. Convolution layers: "
                         f"{', '.join(autodiff.convolution_layer_names(model))}")
    cams = cam_from_gradients(activations, grads)
    if not upsample:
        return cams
    return keras.ops.convert_to_numpy(keras.ops.image.resize(cams[..., None], x.shape[1:3],
                                                             interpolation="bilinear"))[..., 0]


def cam_from_gradients(activations, gradients) -> np.ndarray:
    """Grad-CAM's arithmetic on arrays shaped (n, height, width, channels): channel weights = gradients
    averaged over height and width; map = ReLU(sum over channels of weight * activation)."""
    activations, gradients = np.asarray(activations, dtype="float64"), np.asarray(gradients, dtype="float64")
    if activations.shape != gradients.shape or activations.ndim != 4:
        raise ValueError(f"activations and gradients must both be (n, height, width, channels); got shapes "
                         f"{activations.shape} and {gradients.shape}")
    weights = gradients.mean(axis=(1, 2), keepdims=True)
    return np.maximum((weights * activations).sum(axis=-1), 0.0)


def occlusion(model: keras.Model, x, targets, patch: int = 4, stride: int = 2, fill=0.0,
              batch_size: int = 128) -> np.ndarray:
    """Occlusion sensitivity (Zeiler and Fergus, 2014): slide a ``patch`` x ``patch`` square of ``fill``
    over each image in steps of ``stride`` and record how much the target class's probability drops.

    No gradients: it asks the model, so it works for any classifier. Returns (n, height, width): each
    pixel gets the average drop of the patches that covered it (positive: hiding it hurt the class).
    """
    x = autodiff.model_batch(model, x)
    classes = _targets(x, targets)
    height, width = x.shape[1:3]
    if not 1 <= patch <= min(height, width) or stride < 1:
        raise ValueError(f"patch must lie in [1, {min(height, width)}] and stride be at least 1; "
                         f"got patch={patch!r}, stride={stride!r}")
    corners = [(top, left) for top in range(0, height - patch + 1, stride) for left in range(0, width - patch + 1, stride)]
    maps = np.zeros(x.shape[:3])
    for i in range(len(x)):
        occluded = np.repeat(x[i:i + 1], len(corners), axis=0)
        for k, (top, left) in enumerate(corners):
            occluded[k, top:top + patch, left:left + patch] = fill
        drops = class_scores(model, x[i:i + 1], classes[i], "probability")[0] - class_scores(
            model, occluded, classes[i], "probability", batch_size)
        total, count = np.zeros((height, width)), np.zeros((height, width))
        for drop, (top, left) in zip(drops, corners):
            total[top:top + patch, left:left + patch] += drop
            count[top:top + patch, left:left + patch] += 1
        maps[i] = total / np.maximum(count, 1)
    return maps


def activation_maximization(model: keras.Model, layer_name: str, filter_index: int, steps: int = 30,
                            learning_rate: float = 10.0, start=None, seed: int = 0) -> np.ndarray:
    """An input that excites filter ``filter_index`` of layer ``layer_name``: gradient ascent on the mean
    of that filter's map, as keras.io's "Visualizing what convnets learn" does.

    Starts from ``start`` (one input, or a little noise around grey), takes ``steps`` steps of
    ``learning_rate`` along the normalized gradient. Returns the input (the model's input shape).
    """
    shape = tuple(model.inputs[0].shape[1:])
    image = (np.asarray(start, dtype="float32")[None] if start is not None else
             0.5 + 0.05 * np.random.default_rng(seed).normal(size=(1, *shape)).astype("float32"))
    channels = autodiff.find_layer(model, layer_name).output.shape[-1]
    if not 0 <= filter_index < channels:
        raise ValueError(f"layer {layer_name!r} has {channels} filters; filter_index must lie in [0, {channels - 1}]")

    def mean_activation(maps):
        inner = maps[..., filter_index]
        return keras.ops.mean(keras.ops.reshape(inner, (keras.ops.shape(inner)[0], -1)), axis=1)

    for _ in range(steps):
        grads = autodiff.input_gradients(model, image, mean_activation, layer_name=layer_name)
        image = image + learning_rate * grads / (np.linalg.norm(grads) + 1e-8)
    return image[0]


def heatmap(attributions) -> np.ndarray:
    """One non-negative map per image from attributions shaped (n, height, width[, channels]): the
    absolute values, summed over channels (Adebayo et al. compare maps this way too)."""
    attributions = np.abs(np.asarray(attributions, dtype="float64"))
    if attributions.ndim == 4:
        attributions = attributions.sum(axis=-1)
    if attributions.ndim != 3:
        raise ValueError(f"attributions must be (n, height, width) or (n, height, width, channels), "
                         f"got shape {attributions.shape}")
    return attributions


def rank_correlations(maps_a, maps_b, masks=None) -> np.ndarray:
    """Spearman's rank correlation between the maps of the same images, one value per image: 1 when
    both rank the pixels in the same order, about 0 when their orders are unrelated, NaN when a map is
    constant (it ranks nothing).

    ``masks`` (one boolean (height, width) mask per image) restricts the comparison to some pixels:
    on MNIST, where four fifths of every image are black background, maps that are zero wherever the
    input is zero agree on the background whatever the model; the digit's own pixels tell them apart.
    """
    a, b = heatmap(maps_a), heatmap(maps_b)
    if a.shape != b.shape:
        raise ValueError(f"the two sets of maps must have the same shape, got {a.shape} and {b.shape}")
    masks = np.ones(a.shape, dtype=bool) if masks is None else np.asarray(masks, dtype=bool)
    if masks.shape != a.shape:
        raise ValueError(f"masks must be one (height, width) mask per image, shape {a.shape}; got {masks.shape}")
    with warnings.catch_warnings():  # a constant map (Grad-CAM of a dead layer) has no ranking: NaN, not a warning
        warnings.simplefilter("ignore", ConstantInputWarning)
        return np.array([spearmanr(first[mask], second[mask])[0] for first, second, mask in zip(a, b, masks)])


def randomized_copy(model: keras.Model, n_layers: int, seed: int = 0) -> keras.Model:
    """A copy of ``model`` whose top ``n_layers`` layers with a kernel have fresh random weights
    (cascading randomization, Adebayo et al., 2018); the rest keep the trained weights.

    Kernels get Keras's default initialization (Glorot uniform) and biases zeros; batch normalization
    keeps its statistics. The model itself is not changed.
    """
    layers = autodiff.weighted_layers(model)
    if not 0 <= n_layers <= len(layers):
        raise ValueError(f"{model.name} has {len(layers)} layers with a kernel; n_layers must lie in [0, {len(layers)}]")
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    initializer = keras.initializers.GlorotUniform(seed=seed)
    for layer in autodiff.weighted_layers(copy)[len(layers) - n_layers:]:
        for variable in layer.weights:
            fresh = initializer(variable.shape) if len(variable.shape) > 1 else np.zeros(variable.shape)
            variable.assign(keras.ops.cast(fresh, variable.dtype))
    return copy


def deletion_curves(model: keras.Model, x, targets, maps, fractions=np.linspace(0, 1, 21), fill=0.0,
                    insertion: bool = False, batch_size: int = 64) -> np.ndarray:
    """Petsiuk et al.'s (2018) deletion curve: the target class's probability as the pixels a map ranks
    highest are replaced by ``fill``, for each fraction of pixels in ``fractions``.

    A map that finds the evidence makes the probability fall fast (a small area under the curve, see
    :func:`curve_area`); random maps give the reference. ``insertion=True`` starts from an all-``fill``
    image and puts the top-ranked pixels back instead (a large area is good then). Returns (n, len(fractions)).
    """
    x = autodiff.model_batch(model, x)
    classes = _targets(x, targets)
    maps = heatmap(maps)
    if maps.shape != x.shape[:3]:
        raise ValueError(f"maps must be one (height, width) map per image, shape {x.shape[:3]}; got {maps.shape}")
    fractions = np.asarray(fractions, dtype="float64")
    n_pixels = maps[0].size
    backgrounds = np.broadcast_to(np.asarray(fill, dtype="float32"), x.shape)
    curves = np.empty((len(x), len(fractions)))
    for i in range(len(x)):
        order = np.argsort(-maps[i].ravel(), kind="stable")
        steps = []
        for fraction in fractions:
            chosen = np.zeros(n_pixels, dtype=bool)
            chosen[order[:int(round(fraction * n_pixels))]] = True
            chosen = chosen.reshape(maps.shape[1:])[..., None] if x.ndim == 4 else chosen.reshape(maps.shape[1:])
            steps.append(np.where(chosen, x[i], backgrounds[i]) if insertion else np.where(chosen, backgrounds[i], x[i]))
        curves[i] = class_scores(model, np.stack(steps), classes[i], "probability", batch_size)
    return curves


def curve_area(curves, fractions=np.linspace(0, 1, 21)) -> np.ndarray:
    """The area under each curve (rows of ``curves``) over ``fractions``, by the trapezoidal rule."""
    curves, fractions = np.atleast_2d(np.asarray(curves, dtype="float64")), np.asarray(fractions, dtype="float64")
    if curves.shape[1] != len(fractions):
        raise ValueError(f"each curve needs one value per fraction ({len(fractions)}), got {curves.shape[1]}")
    return ((curves[:, 1:] + curves[:, :-1]) / 2 * np.diff(fractions)).sum(axis=1)
