"""Gradients of Keras models on any backend: the one place where the course asks a backend for them.

Keras 3 runs on TensorFlow (``tf.GradientTape``) and JAX (``jax.grad``), and each takes gradients its
own way. :func:`gradients` hides that difference; everything else here, and every lesson that needs a
gradient (saliency maps, Grad-CAM, adversarial examples, per-layer gradient norms), is written once in
``keras.ops`` on top of it. The model always runs through ``model.stateless_call``: the weights go in
as plain tensors, so gradients can be taken with respect to them, and nothing in the model changes
(batch norm's running statistics are returned, not written).
"""
from __future__ import annotations

import contextlib

import keras
import numpy as np

SUPPORTED_BACKENDS = ("tensorflow", "jax")


def gradients(fn, *args):
    """``(value, [d value / d arg for arg in args])`` for a function ``fn(*args)`` that returns a scalar.

    ``fn`` must compute with ``keras.ops`` (or the backend's own operations) on its arguments, which
    arrive as backend tensors. This is the only function in the course that calls a backend's
    differentiation API: ``tf.GradientTape`` on TensorFlow, ``jax.value_and_grad`` on JAX. Values
    and gradients come back as NumPy arrays.
    """
    def scalar(*tensors):
        value = fn(*tensors)
        if len(keras.ops.shape(value)) != 0:
            raise ValueError(f"gradients() needs fn to return one number, got shape {tuple(keras.ops.shape(value))}")
        return value

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.convert_to_tensor(arg) for arg in args]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            value = scalar(*tensors)
        grads = tape.gradient(value, tensors, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    elif backend == "jax":
        import jax

        value, grads = jax.value_and_grad(scalar, argnums=tuple(range(len(args))))(
            *(jax.numpy.asarray(arg) for arg in args))
    else:
        raise RuntimeError(f"course_lib.autodiff supports the {' and '.join(SUPPORTED_BACKENDS)} backends; "
                           f"Keras runs on {backend!r} (set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax "
                           "before starting Python)")
    return float(keras.ops.convert_to_numpy(value)), [keras.ops.convert_to_numpy(grad) for grad in grads]


def sync_weights(model: keras.Model) -> None:
    """Make ``model``'s variables hold the weights that ``fit`` is training, from inside a callback.

    On JAX, ``fit`` keeps the weights outside the model between epochs (writing them back after every
    step would be slow) and offers ``jax_state_sync`` to callbacks that need them; on TensorFlow the
    variables are always current and this does nothing.
    """
    sync = getattr(model, "jax_state_sync", None)
    if sync is not None:
        sync()


def _variable_values(model: keras.Model):
    sync_weights(model)
    return ([variable.value for variable in model.trainable_variables],
            [variable.value for variable in model.non_trainable_variables])


def model_batch(model: keras.Model, x) -> np.ndarray:
    """``x`` as a float32 batch of the model's input shape, or a ValueError that names the shape expected
    (and, for a single image, how to make it a batch of one)."""
    x = np.asarray(x, dtype="float32")
    expected = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    if expected is not None and (x.ndim != len(expected) + 1 or any(
            want is not None and got != want for got, want in zip(x.shape[1:], expected))):
        raise ValueError(f"{model.name} expects a batch of shape (n, {', '.join(str(s) for s in expected)}); "
                         f"got shape {x.shape}" + (" (a single image? add a batch axis: x[None])"
                                                   if x.shape == expected else ""))
    return x


def _score_sum(score, outputs, x) -> object:
    scores = score(outputs)
    if tuple(keras.ops.shape(scores)) != (x.shape[0],):
        raise ValueError(f"score must map the model's outputs to one number per example, shape ({x.shape[0]},); "
                         f"got shape {tuple(keras.ops.shape(scores))}")
    return keras.ops.sum(scores)


def input_gradients(model: keras.Model, x, score, *, layer_name: str | None = None) -> np.ndarray:
    """``d score / d x`` for every example of the batch ``x``, with the model in inference mode.

    ``score`` maps the model's output batch to one number per example, in ``keras.ops``: for example
    ``lambda probs: keras.ops.log(probs[:, 3])``, or a loss per example for an adversarial attack
    (see :func:`class_score`). With ``layer_name``, ``score`` maps that layer's output batch instead
    (activation maximization: how to change the input to excite one filter); the layer may sit in a
    nested model. The scores of different examples do not interact in inference mode, so the gradient
    of their sum holds each example's own gradient. Returns an array shaped like ``x``.
    """
    x = model_batch(model, x)
    trainable, non_trainable = _variable_values(model)
    if layer_name is None:
        def total(images):
            outputs, _ = model.stateless_call(trainable, non_trainable, images, training=False)
            return _score_sum(score, outputs, x)

        return gradients(total, x)[1][0]

    with _tapped(find_layer(model, layer_name)) as record:
        def total_of_layer(images):
            model.stateless_call(trainable, non_trainable, images, training=False)
            return _score_sum(score, record["output"], x)

        return gradients(total_of_layer, x)[1][0]


def class_score(targets, kind: str = "log_probability"):
    """A ``score`` for :func:`input_gradients` and :func:`layer_gradients`: each example's output for
    its class in ``targets`` (one class index for all, or one per example).

    ``kind``: ``"log_probability"`` (the log of the softmax output: it does not saturate when the model
    is sure, as the probability does), ``"probability"``, or ``"loss"`` (the cross-entropy, minus the
    log-probability: what an adversarial attack increases).
    """
    kinds = ("log_probability", "probability", "loss")
    if kind not in kinds:
        raise ValueError(f"kind must be one of {kinds}, got {kind!r}")

    def score(probabilities):
        classes = keras.ops.convert_to_tensor(np.broadcast_to(np.asarray(targets, dtype="int32"),
                                                              (keras.ops.shape(probabilities)[0],)))
        picked = keras.ops.take_along_axis(probabilities, classes[:, None], axis=1)[:, 0]
        if kind == "probability":
            return picked
        log_p = keras.ops.log(keras.ops.maximum(picked, 1e-12))
        return -log_p if kind == "loss" else log_p

    return score


def find_layer(model: keras.Model, name: str):
    """The layer called ``name`` in ``model`` or in a model nested inside it (a backbone in a classifier)."""
    for layer in model.layers:
        if layer.name == name:
            return layer
        if isinstance(layer, keras.Model):
            try:
                return find_layer(layer, name)
            except ValueError:
                continue
    raise ValueError(f"{model.name} has no layer {name!r}; its convolutional layers are: "
                     f"{', '.join(convolution_layer_names(model)) or 'none'}")


def weighted_layers(model: keras.Model) -> list:
    """The layers with a ``kernel`` (Dense, Conv2D, DepthwiseConv2D, ...) in order, nested models included."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.extend(weighted_layers(layer))
        elif getattr(layer, "kernel", None) is not None:
            found.append(layer)
    return found


CONVOLUTIONS = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D, keras.layers.DepthwiseConv2D,
                keras.layers.SeparableConv2D)


def convolution_layer_names(model: keras.Model) -> list[str]:
    """Names of the convolution layers of ``model`` and of the models nested inside it, in order:
    the layers whose maps Grad-CAM and feature-map plots usually look at (any layer name works)."""
    names = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            names.extend(convolution_layer_names(layer))
        elif isinstance(layer, CONVOLUTIONS):
            names.append(layer.name)
    return names


@contextlib.contextmanager
def _tapped(layer):
    """Make ``layer`` add a zero "tap" tensor to its output and record that output.

    The tap is a leaf input of the computation, so the gradient with respect to it is the gradient
    with respect to the layer's output, wherever the layer sits (also inside a nested model, where
    ``keras.Model(model.input, layer.output)`` would fail with "Graph disconnected").
    """
    original_call = layer.call
    record = {"tap": None, "output": None}

    def call(*args, **kwargs):
        output = original_call(*args, **kwargs)
        record["output"] = output
        return output if record["tap"] is None else output + record["tap"]

    layer.call = call
    try:
        yield record
    finally:
        del layer.call  # back to the class's own method


def layer_gradients(model: keras.Model, x, layer_name: str, score):
    """``(activations, d score / d activations)`` of the layer ``layer_name`` for the batch ``x``.

    The layer may sit inside a nested model (e.g. a convolution of the pretrained backbone in a
    transfer-learning classifier). ``score`` is as in :func:`input_gradients`. Both arrays have the
    layer's output shape, batch first. Grad-CAM is built on this.
    """
    x = model_batch(model, x)
    layer = find_layer(model, layer_name)
    trainable, non_trainable = _variable_values(model)
    with _tapped(layer) as record:
        outputs, _ = model.stateless_call(trainable, non_trainable, x, training=False)
        if record["output"] is None:
            raise ValueError(f"layer {layer_name!r} did not run when {model.name} was called")
        activations = keras.ops.convert_to_numpy(record["output"])

        def total(tap):
            record["tap"] = tap
            outputs, _ = model.stateless_call(trainable, non_trainable, x, training=False)
            return _score_sum(score, outputs, x)

        _, (activation_gradients,) = gradients(total, np.zeros_like(activations))
    return activations, activation_gradients


def weight_gradients(model: keras.Model, loss, x, *, training: bool = True) -> dict[str, np.ndarray]:
    """``{variable path: d loss / d variable}`` for every trainable variable of ``model``.

    ``loss`` maps the model's output batch to one number (e.g. the mean cross-entropy). With
    ``training=True`` the forward pass runs as during ``fit`` (dropout on, batch norm with the batch's
    own statistics); the model's variables are not changed either way.
    """
    x = model_batch(model, x)
    trainable, non_trainable = _variable_values(model)

    def total(*values):
        outputs, _ = model.stateless_call(list(values), non_trainable, x, training=training)
        return loss(outputs)

    _, grads = gradients(total, *trainable)
    return {variable.path: grad for variable, grad in zip(model.trainable_variables, grads)}
