"""Data-parallel training with the backend's own engine: one model replica per device.

Each replica computes the gradient of its share of the global batch; the gradients are averaged
across devices (an all-reduce) and every replica applies the same update, so the weights stay
identical. TensorFlow does it with ``tf.distribute.MirroredStrategy``, JAX with
``keras.distribution.DataParallel``. On a machine without accelerators, :func:`use_devices` splits the
CPU into logical devices, which shows the mechanics (not a speed-up: they share the same cores).

The devices must be set before the backend starts, so :func:`data_parallel_losses` trains in a fresh
Python process (``python -m course_lib.parallel --devices 1 2``) and reads its result back.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

DEFAULT_LEARNING_RATE = 0.05


def use_devices(n_devices: int) -> list:
    """Return ``n_devices`` devices for the current backend: the GPUs if there are that many, else the
    CPU split into that many logical devices. Call it before anything else touches the backend."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend == "jax":
        # Must be set before JAX starts: it then shows the CPU as n_devices devices.
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count={n_devices}"
        import jax

        gpus = [device for device in jax.devices() if device.platform == "gpu"]
        return (gpus if len(gpus) >= n_devices else jax.devices("cpu"))[:n_devices]
    if backend != "tensorflow":
        raise ValueError(f"data-parallel training here runs on the tensorflow or jax backend, not {backend!r}")
    import tensorflow as tf

    if len(tf.config.list_physical_devices("GPU")) >= n_devices:  # physical: listing logical ones starts TF
        return [device.name for device in tf.config.list_logical_devices("GPU")[:n_devices]]
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n_devices)
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def train(device_counts, *, steps: int, global_batch: int, batch_norm: bool = False,
          learning_rate: float = DEFAULT_LEARNING_RATE, seed: int = 0) -> dict:
    """Train lesson 07's small CNN on MNIST for ``steps`` steps of ``global_batch`` images, once for
    each number of replicas in ``device_counts`` (on the first that many devices), from the same
    initial weights. Returns, per number of replicas, each step's training loss, the loss on 1,000
    images afterwards, the engine and the devices. Runs in a process whose backend has not started
    (see the module); one process for all the counts, because starting one costs seconds.

    Without batch norm and dropout by default: each replica normalizes with the statistics of its own
    share of the batch and draws its own dropout masks, so with them the replicas do not compute what
    one device does (``batch_norm=True`` shows by how much).
    """
    devices = use_devices(max(device_counts))
    import keras

    import course_lib as cl

    (x, y), _ = cl.data.load_mnist()
    x = (x[:steps * global_batch, ..., None] / 255.0).astype("float32")
    y = y[:steps * global_batch]

    def build_and_compile():
        keras.utils.set_random_seed(seed)  # the same initial weights for every number of replicas
        model = cl.models.small_cnn(filters=(16, 32), convs_per_stage=1, dense_units=256, dropout=0.0,
                                    batch_norm=batch_norm)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate, momentum=0.9),
                      loss="sparse_categorical_crossentropy")
        return model

    results = {}
    for n in device_counts:
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            strategy = tf.distribute.MirroredStrategy(devices[:n])
            with strategy.scope():  # variables created here are mirrored on every device
                model = build_and_compile()
            engine = f"tf.distribute.MirroredStrategy, {strategy.num_replicas_in_sync} replica(s)"
        else:
            keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices[:n]))
            model = build_and_compile()
            engine = f"keras.distribution.DataParallel, {n} replica(s)"
        losses = []
        record = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(float(logs["loss"])))
        # One step per "epoch", so that each logged loss is that step's loss, not a running mean.
        model.fit(x, y, batch_size=global_batch, epochs=steps, steps_per_epoch=1, shuffle=False, verbose=0,
                  callbacks=[record])
        final_loss = float(model.evaluate(x[:1000], y[:1000], batch_size=global_batch, verbose=0))
        results[n] = {"engine": engine, "devices": [str(device) for device in devices[:n]], "losses": losses,
                      "final_loss": final_loss}
    return results


def data_parallel_losses(device_counts=(1, 2), *, steps: int = 20, global_batch: int = 128, batch_norm: bool = False,
                         learning_rate: float = DEFAULT_LEARNING_RATE, seed: int = 0, timeout: float = 600) -> dict:
    """Run :func:`train` in a fresh Python process on the current Keras backend and return its result:
    ``{number of replicas: {"losses", "final_loss", "engine", "devices"}}``."""
    device_counts = tuple(int(n) for n in device_counts)
    if not device_counts:
        raise ValueError("device_counts must name at least one number of devices, e.g. (1, 2)")
    if any(n < 1 or global_batch % n for n in device_counts):
        raise ValueError(f"the global batch ({global_batch}) must split evenly over each number of devices "
                         f"in {device_counts}")
    import keras

    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    command = [sys.executable, "-m", "course_lib.parallel", "--devices", *map(str, device_counts),
               "--steps", str(steps), "--global-batch", str(global_batch), "--learning-rate", str(learning_rate),
               "--seed", str(seed)]
    if batch_norm:
        command.append("--batch-norm")
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if finished.returncode != 0:
        raise RuntimeError(f"data-parallel training on {device_counts} device(s) failed:\n{finished.stderr[-2000:]}")
    return {int(n): result for n, result in json.loads(finished.stdout.strip().splitlines()[-1]).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train with one model replica per device; print JSON.")
    parser.add_argument("--devices", type=int, nargs="+", default=[1, 2], help="numbers of replicas to train with")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--global-batch", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=DEFAULT_LEARNING_RATE)
    parser.add_argument("--batch-norm", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = train(args.devices, steps=args.steps, global_batch=args.global_batch, batch_norm=args.batch_norm,
                   learning_rate=args.learning_rate, seed=args.seed)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
