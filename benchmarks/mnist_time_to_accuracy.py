"""Time to 99% MNIST test accuracy: lesson 07's small CNN and recipe against the Keras example convnet.

Both networks train on the same 55,000 MNIST training images (the course's split; 5,000 are held out
for validation and not used here) and are evaluated on the full 10,000-image test set after every
epoch. The clock counts training only (``fit``), cumulatively; evaluation is excluded. A run stops at
the first epoch whose test accuracy reaches the target, or after ``--max-epochs``.

- ours: ``course_lib.models.small_cnn(filters=(16, 32), convs_per_stage=1, dense_units=256,
  dropout=0.25)`` (409,178 parameters),
  trained exactly as in lesson 07's full profile: random shifts of up to 10% of the image size
  (in the input pipeline, ``course_lib.data.Batches``),
  batches of 256, Adam with a one-cycle schedule (linear warm-up from peak/10 to peak = 5e-3 over
  the first 5% of the steps, then a half cosine to zero) laid out over the full profile's 20
  epochs. The schedule is not shortened to reach 99% sooner.
- reference: the Keras code example "Simple MNIST convnet" (keras.io/examples/vision/mnist_convnet):
  Conv2D 32 3x3 ReLU, MaxPooling 2, Conv2D 64 3x3 ReLU, MaxPooling 2, Flatten, Dropout 0.5, Dense 10
  softmax; batches of 128; Adam with its default learning rate.

The two runs alternate epoch by epoch in one process, so that load from other programs on the
machine falls on both alike, and the whole measurement is repeated with different seeds
(``--repeats``, default 3); the headline is the median of the per-repeat ratios. Run from the
repository root::

    python benchmarks/mnist_time_to_accuracy.py [--repeats 3] [--out benchmarks/results.json]

This is a measurement, not a test: pytest does not collect it.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import course_lib as cl  # first: it imports Keras with TensorFlow's start-up logging silenced
import keras
import numpy as np

# Lesson 07's recipe (notebooks/07_first_cnn.ipynb, section 4), kept in step with the notebook.
OURS_CNN_SETTINGS = dict(filters=(16, 32), convs_per_stage=1, dense_units=256, dropout=0.25)
OURS_BATCH_SIZE = 256
OURS_PEAK_LEARNING_RATE = 5e-3
OURS_MAX_SHIFT = 0.1
OURS_PLANNED_EPOCHS = 20  # the lesson's full profile: the epochs the schedule is laid out over
REFERENCE_BATCH_SIZE = 128


def ours(x_train, y_train, planned_epochs: int, seed: int) -> tuple[keras.Model, dict]:
    """The lesson-07 small CNN compiled with the lesson's recipe (its schedule laid out over
    planned_epochs), and its training input: shuffled batches randomly shifted in the input pipeline,
    as ``course_lib.training.train_with_recipe`` builds them."""
    batches = cl.data.Batches(x_train, y_train, OURS_BATCH_SIZE, seed=seed,
                              augment=cl.data.augmentation(translate=OURS_MAX_SHIFT, seed=seed))
    model = cl.models.small_cnn(**OURS_CNN_SETTINGS)
    cl.training.compile_classifier(
        model, cl.training.recipe_optimizer(len(batches) * planned_epochs, OURS_PEAK_LEARNING_RATE))
    return model, {"x": batches}


def reference(x_train, y_train) -> tuple[keras.Model, dict]:
    """The Keras example "Simple MNIST convnet", compiled as in the example (Adam, default settings)."""
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ], name="keras_example_convnet")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, {"x": x_train, "y": y_train, "batch_size": REFERENCE_BATCH_SIZE}


def environment() -> dict:
    """Device, versions, CPU and load: what the times depend on."""
    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return {"device": cl.runtime.device_name(), "cpu": cpu, "cpu_count": os.cpu_count(),
            "keras": keras.__version__, "backend": keras.backend.backend(), "tensorflow": tf.__version__,
            "numpy": np.__version__, "python": platform.python_version(), "platform": platform.platform()}


def load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:  # not available on this platform
        return None


def measure(x_train, y_train, x_test, y_test, *, target: float, max_epochs: int, seed: int) -> dict:
    """One interleaved measurement of both runs; returns each run's summary."""
    keras.utils.set_random_seed(seed)
    runs = {}
    for name, (model, inputs) in {"ours": ours(x_train, y_train, OURS_PLANNED_EPOCHS, seed),
                                  "reference": reference(x_train, y_train)}.items():
        runs[name] = {"model": model, "inputs": inputs, "params": model.count_params(), "seconds": 0.0,
                      "epochs": [], "reached_at_epoch": None}

    for epoch in range(1, max_epochs + 1):
        active = [name for name, state in runs.items() if state["reached_at_epoch"] is None]
        if not active:
            break
        for name in active:  # one epoch of each unfinished run in turn: background load falls on all alike
            state = runs[name]
            started = time.perf_counter()
            state["model"].fit(**state["inputs"], epochs=epoch, initial_epoch=epoch - 1, verbose=0)
            seconds = time.perf_counter() - started
            state["seconds"] += seconds
            accuracy = float(state["model"].evaluate(x_test, y_test, batch_size=1000, verbose=0)[1])
            state["epochs"].append({"epoch": epoch, "train_seconds": round(seconds, 2),
                                    "cumulative_seconds": round(state["seconds"], 2),
                                    "test_accuracy": round(accuracy, 4)})
            if accuracy >= target:
                state["reached_at_epoch"] = epoch
            print(f"  {name:<22} epoch {epoch:>2}: {seconds:6.1f} s (cumulative {state['seconds']:6.1f} s), "
                  f"test accuracy {accuracy:.2%}", flush=True)

    summary = {}
    for name, state in runs.items():
        batch_size = OURS_BATCH_SIZE if name == "ours" else REFERENCE_BATCH_SIZE
        summary[name] = {"model": state["model"].name, "params": state["params"], "batch_size": batch_size,
                         "schedule_planned_for_epochs": OURS_PLANNED_EPOCHS if name == "ours" else None,
                         "reached_target": state["reached_at_epoch"] is not None,
                         "epochs_to_target": state["reached_at_epoch"],
                         "seconds_to_target": round(state["seconds"], 2) if state["reached_at_epoch"] else None,
                         "epochs": state["epochs"]}
    return summary


def ratios_to_reference(summary: dict) -> dict:
    """Seconds to target of each of our runs divided by the reference's (None if one missed it)."""
    reference_seconds = summary["reference"]["seconds_to_target"]
    return {name: (round(result["seconds_to_target"] / reference_seconds, 3)
                   if result["seconds_to_target"] and reference_seconds else None)
            for name, result in summary.items() if name != "reference"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="benchmarks/results.json", help="where to write the JSON results")
    parser.add_argument("--target", type=float, default=0.99, help="test accuracy to reach (fraction)")
    parser.add_argument("--max-epochs", type=int, default=30, help="give up on a network after this many epochs")
    parser.add_argument("--repeats", type=int, default=3,
                        help="measure this many times (seeds seed, seed+1, ...) and report the median ratio")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    data = cl.data.load_splits("mnist", seed=42, channel_axis=True)  # the course's split, whatever the seed
    x_train, y_train, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
    env = environment()
    load_at_start = load_average()
    print(f"environment: {env['device']} ({env['cpu']}, {env['cpu_count']} cores) | keras {env['keras']} on "
          f"{env['backend']} {env['tensorflow']} | numpy {env['numpy']} | python {env['python']}")
    print(f"data: {len(y_train):,} training images, {len(y_test):,} test images; target {args.target:.2%}; "
          f"at most {args.max_epochs} epochs each; load average at start {load_at_start}")

    repeats = []
    for repeat in range(args.repeats):
        seed = args.seed + repeat
        print(f"repeat {repeat + 1} of {args.repeats} (seed {seed})")
        summary = measure(x_train, y_train, x_test, y_test, target=args.target, max_epochs=args.max_epochs,
                          seed=seed)
        ratios = ratios_to_reference(summary)
        for name, result in summary.items():
            if result["reached_target"]:
                print(f"  {name:<22} ({result['params']:,} parameters, batch {result['batch_size']}): "
                      f"{args.target:.2%} after epoch {result['epochs_to_target']}, "
                      f"{result['seconds_to_target']:.1f} s of training")
            else:
                print(f"  {name:<22} did not reach {args.target:.2%} in {args.max_epochs} epochs")
        print("  " + " | ".join(f"{name} / reference: {ratio if ratio is not None else 'undefined'}"
                                for name, ratio in ratios.items()))
        repeats.append({"seed": seed, "runs": summary, "ratios_to_reference": ratios})

    medians = {}
    for name in repeats[0]["ratios_to_reference"]:
        values = [repeat["ratios_to_reference"][name] for repeat in repeats]
        medians[name] = round(float(np.median(values)), 3) if None not in values else None
    print()
    print(f"median over {args.repeats} repeat(s): " + " | ".join(
        f"{name} / reference = {value if value is not None else 'undefined'}" for name, value in medians.items()))
    for name in repeats[0]["runs"]:
        seconds = [repeat["runs"][name]["seconds_to_target"] for repeat in repeats]
        epochs = [repeat["runs"][name]["epochs_to_target"] for repeat in repeats]
        print(f"  {name:<22} seconds to {args.target:.0%}: {seconds}; epochs: {epochs}")
    load_at_end = load_average()
    print(f"load average at the end {load_at_end}")

    record = {"benchmark": "mnist_time_to_accuracy", "date": datetime.date.today().isoformat(), "target_accuracy": args.target, "max_epochs": args.max_epochs,
              "repeats": args.repeats,
              "train_images": int(len(y_train)), "test_images": int(len(y_test)),
              "time_measured": "training (fit) seconds, cumulative, excluding the per-epoch test evaluation",
              "environment": env, "load_average_start": load_at_start, "load_average_end": load_at_end,
              "median_ratio_ours_to_reference": medians["ours"], "median_ratios_to_reference": medians,
              "measurements": repeats}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
