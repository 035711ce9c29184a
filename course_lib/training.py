"""Training recipes the lessons share: learning-rate schedules and the like.

Lesson 07 introduces the one-cycle schedule; later lessons and the benchmarks reuse it from here.
"""
from __future__ import annotations

import math
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


class Fitted(NamedTuple):
    """What :func:`fit_with_recipe` measured: the Keras history, ``fit`` seconds, test accuracy.

    A tuple, so ``history, seconds, accuracy = fit_with_recipe(...)`` unpacks it."""

    history: keras.callbacks.History
    seconds: float
    test_accuracy: float

    @property
    def seconds_per_epoch(self) -> float:
        """Median seconds of one epoch (training and validation), from ``history.history["epoch_seconds"]``:
        robust to the first epoch, which also compiles the training step, and to a busy machine."""
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


def fit_with_recipe(model: keras.Model, data, epochs: int, *, augmentation=(), batch_size: int = 256,
                    peak_learning_rate: float = 5e-3, warmup_fraction: float = 0.05, callbacks=(),
                    verbose: int = 2, weight_decay: float = 0.0, jit_compile="auto") -> Fitted:
    """Train ``model`` on ``data`` (a :class:`course_lib.data.Splits`) with lesson 07's recipe.

    Adam with :func:`one_cycle_schedule` over all ``epochs``, batches of ``batch_size``, validation on
    ``data.x_val`` after each epoch, then one evaluation on ``data.x_test``. ``augmentation`` layers
    (e.g. ``keras.layers.RandomTranslation``) run in front of the model during ``fit`` only; they sit
    in a wrapper, so ``model`` itself stays a plain image-to-probabilities network. Labels are
    integers; the model ends in a softmax.

    ``weight_decay`` > 0 switches to AdamW with that decoupled weight decay. ``jit_compile`` goes to
    ``compile``: Keras's ``"auto"`` compiles the training step with XLA on a GPU (not on a CPU, and
    not when a layer such as ``RandomRotation`` does not support it). Each epoch's seconds are added
    to the history as ``history.history["epoch_seconds"]``.
    """
    trainer = keras.Sequential([keras.Input(shape=data.x_train.shape[1:], name="image"), *augmentation, model],
                               name=f"{model.name}_training")
    total_steps = math.ceil(len(data.y_train) / batch_size) * epochs
    schedule = one_cycle_schedule(total_steps, peak_learning_rate, warmup_fraction)
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be 0 or positive, got {weight_decay!r}")
    optimizer = (keras.optimizers.AdamW(schedule, weight_decay=weight_decay) if weight_decay
                 else keras.optimizers.Adam(schedule))
    trainer.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                    jit_compile=jit_compile)
    timer = EpochTimer()
    started = time.perf_counter()
    history = trainer.fit(data.x_train, data.y_train, epochs=epochs, batch_size=batch_size,
                          validation_data=(data.x_val, data.y_val), callbacks=[*callbacks, timer], verbose=verbose)
    seconds = time.perf_counter() - started
    history.history["epoch_seconds"] = list(timer.times)
    _, test_accuracy = trainer.evaluate(data.x_test, data.y_test, batch_size=1024, verbose=0)
    return Fitted(history, seconds, float(test_accuracy))


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


def _weighted_layers(model: keras.Model) -> list:
    """The layers with a ``kernel`` (Dense, Conv2D, ...) in order, looking inside nested models."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.extend(_weighted_layers(layer))
        elif getattr(layer, "kernel", None) is not None and layer.trainable:
            found.append(layer)
    return found


def gradient_norms(model: keras.Model, x, y, *, relative: bool = False) -> dict[str, float]:
    """Per-layer gradient norms: for each layer with a kernel (Conv2D, Dense, ...), in the order of
    ``model.layers``, the L2 norm of the gradient of the mean cross-entropy on the batch ``(x, y)``
    (integer labels, softmax outputs) with respect to that kernel.

    The forward pass runs in training mode, as during ``fit`` (batch norm uses the batch's own
    statistics); batch norm's running statistics are restored afterwards, so the model is unchanged.
    ``relative=True`` divides each norm by the norm of the kernel itself: the relative size of one
    gradient step, comparable across layers of different sizes. Why: gradients that shrink layer by
    layer towards the input (vanishing gradients) are what make deep plain networks hard to train.
    TensorFlow backend only (it uses ``tf.GradientTape``).
    """
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"gradient_norms uses tf.GradientTape and needs the TensorFlow backend; "
                           f"Keras runs on {keras.backend.backend()!r} (set KERAS_BACKEND=tensorflow)")
    import tensorflow as tf

    chosen = _weighted_layers(model)
    if not chosen:
        raise ValueError(f"model {model.name!r} has no layer with a kernel (Dense, Conv2D, ...)")
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of examples, got {len(x)} and {len(y)}")
    kernels = [layer.kernel for layer in chosen]
    saved = [variable.numpy() for variable in model.non_trainable_variables]
    with tf.GradientTape() as tape:
        probabilities = model(x, training=True)
        loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, probabilities))
    gradients = tape.gradient(loss, [kernel.value for kernel in kernels])
    for variable, value in zip(model.non_trainable_variables, saved):
        variable.assign(value)
    norms = {}
    for layer, kernel, gradient in zip(chosen, kernels, gradients):
        if gradient is None:
            raise ValueError(f"the loss does not depend on layer {layer.name!r}; is it connected to the output?")
        norm = float(tf.norm(tf.cast(gradient, "float32")))
        if relative:
            norm /= float(tf.norm(tf.cast(kernel.value, "float32"))) or 1.0
        norms[layer.name] = norm
    return norms


class GradientNormRecorder(keras.callbacks.Callback):
    """Records :func:`gradient_norms` of ``model`` on the fixed batch ``(x, y)`` before training and
    then every ``every`` training steps, as ``records``: a list of ``(step, {layer name: norm})``.

    Pass it in ``callbacks=`` of ``fit`` (or :func:`fit_with_recipe`, whose wrapper around ``model``
    trains the same weights). Why: to watch how the gradient reaching each layer changes as training
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
