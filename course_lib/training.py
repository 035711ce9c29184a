"""Training recipes the lessons share, in parts that each do one thing.

Lesson 07 introduces the recipe: :func:`one_cycle_schedule` and :func:`recipe_optimizer` (Adam, warm-up
then cosine), :func:`compile_classifier`, :func:`fit_timed` (``fit`` with a clock), and
:func:`train_with_recipe`, which strings them together with :class:`course_lib.data.Batches`. Later
lessons and the benchmarks reuse them; lesson 10 adds per-layer gradient norms.
"""
from __future__ import annotations

import statistics
import time
from typing import NamedTuple

import keras
import numpy as np


def one_cycle_schedule(total_steps: int, peak: float = 5e-3, warmup_fraction: float = 0.05):
    """Learning rate: linear warm-up from ``peak / 10`` to ``peak`` over ``warmup_fraction`` of the
    steps, then half a cosine down to 0 at ``total_steps``.

    Small steps first, while the weights are random and batch statistics poor; large steps while
    they help; tiny ones at the end, so the weights settle instead of bouncing around a minimum.
    """
    if total_steps < 2:
        raise ValueError(f"a schedule needs at least 2 steps, got total_steps={total_steps}")
    if not 0 < warmup_fraction < 1:
        raise ValueError(f"warmup_fraction must lie between 0 and 1, got {warmup_fraction}")
    warmup_steps = max(1, round(warmup_fraction * total_steps))
    return keras.optimizers.schedules.CosineDecay(initial_learning_rate=peak / 10,
                                                  decay_steps=total_steps - warmup_steps,
                                                  warmup_target=peak, warmup_steps=warmup_steps)


def recipe_optimizer(total_steps: int, peak_learning_rate: float = 5e-3, warmup_fraction: float = 0.05,
                     weight_decay: float = 0.0) -> keras.optimizers.Optimizer:
    """Lesson 07's optimizer: Adam following :func:`one_cycle_schedule` over ``total_steps`` steps.

    ``weight_decay`` > 0 gives AdamW with that decoupled weight decay instead.
    """
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be 0 or positive, got {weight_decay!r}")
    schedule = one_cycle_schedule(total_steps, peak_learning_rate, warmup_fraction)
    if weight_decay:
        return keras.optimizers.AdamW(schedule, weight_decay=weight_decay)
    return keras.optimizers.Adam(schedule)


def compile_classifier(model: keras.Model, optimizer, *, jit_compile="auto") -> keras.Model:
    """Compile ``model`` (integer labels in, softmax probabilities out) for ``fit``: sparse
    cross-entropy loss, accuracy metric. Returns the model.

    ``jit_compile="auto"`` lets Keras decide whether to compile the training step with XLA: when every
    layer supports it (Keras's random augmentation layers do not: keep them in the input pipeline), on
    JAX always, on TensorFlow only with a GPU (on a CPU, XLA made our CNNs slower).
    """
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)
    return model


class Trained(NamedTuple):
    """What a timed ``fit`` measured: the Keras history (with ``"epoch_seconds"``) and the seconds
    ``fit`` took in all. A tuple, so ``history, seconds = fit_timed(...)`` unpacks it."""

    history: keras.callbacks.History
    seconds: float

    @property
    def seconds_per_epoch(self) -> float:
        """Median seconds of one epoch (training and validation): robust to the first epoch, which
        also compiles the training step, and to a busy machine."""
        times = self.history.history.get("epoch_seconds")
        if times:
            return float(statistics.median(times))
        return self.seconds / max(1, len(self.history.epoch))


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of each epoch in ``times``."""

    def __init__(self):
        super().__init__()
        self.times: list[float] = []
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._started)


def fit_timed(model: keras.Model, x, y=None, *, epochs: int, callbacks=(), verbose: int = 2, **fit_options) -> Trained:
    """``model.fit(x, y, epochs=..., ...)`` with a clock: returns :class:`Trained`, each epoch's
    seconds added to the history as ``history.history["epoch_seconds"]``.

    ``x`` is anything ``fit`` takes (arrays, a :class:`course_lib.data.Batches`, a ``tf.data``
    dataset); ``fit_options`` go to ``fit`` as they are (``batch_size``, ``validation_data``, ...).
    """
    timer = EpochTimer()
    started = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, callbacks=[*callbacks, timer], verbose=verbose, **fit_options)
    seconds = time.perf_counter() - started
    history.history["epoch_seconds"] = list(timer.times)
    return Trained(history, seconds)


def train_with_recipe(model: keras.Model, data, epochs: int, *, augment=None, batch_size: int = 256,
                      peak_learning_rate: float = 5e-3, warmup_fraction: float = 0.05, weight_decay: float = 0.0,
                      callbacks=(), verbose: int = 2, jit_compile="auto", seed: int = 0) -> Trained:
    """Train ``model`` on ``data.x_train`` (a :class:`course_lib.data.Splits`) with lesson 07's recipe,
    validating on ``data.x_val`` after each epoch. The test set is not touched: score it once, on the
    model you chose, with :func:`course_lib.evaluation.accuracy`.

    The recipe: shuffled batches of ``batch_size`` (:class:`course_lib.data.Batches`, with ``augment``,
    e.g. :func:`course_lib.data.augmentation`, applied to each training batch), Adam with
    :func:`one_cycle_schedule` over all ``epochs`` (:func:`recipe_optimizer`), sparse cross-entropy.
    Labels are integers; the model ends in a softmax.
    """
    from course_lib.data import Batches

    batches = Batches(data.x_train, data.y_train, batch_size, augment=augment, seed=seed)
    optimizer = recipe_optimizer(len(batches) * epochs, peak_learning_rate, warmup_fraction, weight_decay)
    compile_classifier(model, optimizer, jit_compile=jit_compile)
    return fit_timed(model, batches, epochs=epochs, validation_data=(data.x_val, data.y_val),
                     callbacks=callbacks, verbose=verbose)


def use_mixed_precision_if_gpu() -> bool:
    """On a GPU, set Keras's global dtype policy to ``"mixed_float16"`` and return True; on a CPU do
    nothing and return False.

    Mixed precision computes in float16 (tensor cores run it several times faster) while keeping the
    weights in float32; on a CPU it only slows things down. Call it before building models: layers take
    the policy in force when they are created. The course's builders keep their softmax output in float32.
    """
    from course_lib.runtime import device_name

    if not device_name().startswith("GPU"):
        return False
    keras.mixed_precision.set_global_policy("mixed_float16")
    return True


def early_stopping(patience: int = 5, monitor: str = "val_accuracy") -> keras.callbacks.EarlyStopping:
    """Stop when ``monitor`` has not improved for ``patience`` epochs and put back the best epoch's
    weights (Keras's default would keep the last ones). Accuracies are maximized, losses minimized."""
    if patience < 1:
        raise ValueError(f"patience must be at least 1 epoch, got {patience!r}")
    return keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, restore_best_weights=True,
                                         mode="max" if "acc" in monitor else "min")


def gradient_norms(model: keras.Model, x, y, *, relative: bool = False) -> dict[str, float]:
    """Per-layer gradient norms: for each layer with a kernel (Conv2D, Dense, ...), in the order of
    ``model.layers``, the L2 norm of the gradient of the mean cross-entropy on the batch ``(x, y)``
    (integer labels, softmax outputs) with respect to that kernel.

    The forward pass runs in training mode, as during ``fit`` (batch norm uses the batch's own
    statistics); the model itself is not changed. ``relative=True`` divides each norm by the norm of
    the kernel itself: the relative size of one gradient step, comparable across layers of different
    sizes. Why: gradients that shrink layer by layer towards the input (vanishing gradients) are what
    make deep plain networks hard to train. Works on every backend :mod:`course_lib.autodiff` supports.
    """
    from course_lib.autodiff import weight_gradients, weighted_layers

    chosen = [layer for layer in weighted_layers(model) if layer.trainable]
    if not chosen:
        raise ValueError(f"model {model.name!r} has no layer with a kernel (Dense, Conv2D, ...)")
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of examples, got {len(x)} and {len(y)}")
    labels = keras.ops.convert_to_tensor(y)

    def mean_cross_entropy(probabilities):
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(labels, probabilities))

    grads = weight_gradients(model, mean_cross_entropy, x, training=True)
    norms = {}
    for layer in chosen:
        gradient = grads[layer.kernel.path]
        if not np.any(gradient):
            raise ValueError(f"the loss does not depend on layer {layer.name!r}; is it connected to the output?")
        norm = float(np.linalg.norm(gradient.astype("float64")))
        if relative:
            norm /= float(np.linalg.norm(keras.ops.convert_to_numpy(layer.kernel).astype("float64"))) or 1.0
        norms[layer.name] = norm
    return norms


class GradientNormRecorder(keras.callbacks.Callback):
    """Records :func:`gradient_norms` of ``model`` on the fixed batch ``(x, y)`` before training and
    then every ``every`` training steps, as ``records``: a list of ``(step, {layer name: norm})``.

    Pass it in ``callbacks=`` of ``fit`` (or :func:`train_with_recipe`). Why: to watch how the gradient reaching each layer changes as training
    moves away from the random initialization.
    """

    def __init__(self, model: keras.Model, x, y, every: int = 10, relative: bool = False):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be at least 1 step, got {every!r}")
        self.watched, self.x, self.y, self.every, self.relative = model, x, y, every, relative
        self.records: list[tuple[int, dict[str, float]]] = []
        self._step = 0

    def _record(self):
        self.records.append((self._step, gradient_norms(self.watched, self.x, self.y, relative=self.relative)))

    def on_train_begin(self, logs=None):
        if not self.records:
            self._record()

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self._step % self.every == 0:
            self._record()
