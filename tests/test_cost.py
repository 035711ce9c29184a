"""course_lib.cost and course_lib.parallel on tiny models whose answers are known.

CI runs this file under both backends (KERAS_BACKEND=tensorflow and KERAS_BACKEND=jax)."""
import os

import keras
import numpy as np
import pytest

from course_lib import cost, parallel
from course_lib.training import Trained


def one_conv(height=10, width=12, channels=3, filters=4, kernel=3, strides=1, padding="valid"):
    inputs = keras.Input((height, width, channels))
    return keras.Model(inputs, keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding)(inputs))


def test_training_flops_are_six_per_multiply_add():
    # 8 x 10 outputs per filter, 4 filters, 3 x 3 x 3 weights each
    assert cost.training_flops_per_image(one_conv()) == 6 * (8 * 10 * 4 * 27)
    assert cost.training_flops_per_image(one_conv(strides=2, padding="same")) == 6 * (5 * 6 * 4 * 27)


CPUINFO = """processor\t: 0
model name\t: Example CPU
cpu MHz\t\t: 2500.000
flags\t\t: fpu sse avx fma avx2 avx512f

processor\t: 1
model name\t: Example CPU
cpu MHz\t\t: 1200.000
flags\t\t: fpu sse avx fma avx2 avx512f
"""


def test_cpu_peak_multiplies_what_linux_reports(tmp_path, monkeypatch):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    peak = cost.cpu_peak(cpuinfo=path)
    assert peak.flops == pytest.approx(4 * 2.5e9 * 16 * 2 * 2)  # the first processor's clock
    assert peak.device == "Example CPU"
    assert "AVX-512" in str(peak) and "assumed" in str(peak)
    path.write_text(CPUINFO.replace(" avx512f", "").replace(" fma", ""))
    assert cost.cpu_peak(fma_units_per_core=1, cpuinfo=path).flops == pytest.approx(4 * 2.5e9 * 8 * 1 * 1)


def test_cpu_peak_says_what_is_missing(tmp_path):
    with pytest.raises(RuntimeError, match="cannot read .*data sheet"):
        cost.cpu_peak(cpuinfo=tmp_path / "absent")
    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\nflags\t\t: avx2\n")
    with pytest.raises(RuntimeError, match="cpu MHz"):
        cost.cpu_peak(cpuinfo=path)
    with pytest.raises(ValueError, match="fma_units_per_core"):
        cost.cpu_peak(fma_units_per_core=4, cpuinfo=path)


def test_gpu_peak_matches_whole_names():
    assert cost.gpu_peak("GPU (NVIDIA A100-SXM4-40GB)").flops == 19.5e12
    assert cost.gpu_peak("GPU (Tesla T4)", "mixed").flops == 65e12
    assert cost.gpu_peak("GPU (NVIDIA L40S)") is None  # not an L4
    assert cost.gpu_peak("GPU (NVIDIA L4)").flops == 30.3e12
    with pytest.raises(ValueError, match="precision"):
        cost.gpu_peak("GPU (Tesla T4)", "float16")


def fake_trained(epoch_seconds):
    history = keras.callbacks.History()
    history.history = {"epoch_seconds": list(epoch_seconds)}
    return Trained(history, sum(epoch_seconds))


def test_steady_epoch_seconds_leaves_out_the_first_epoch():
    assert cost.steady_epoch_seconds(fake_trained([9.0, 1.0, 2.0])) == 1.5
    assert cost.steady_epoch_seconds(fake_trained([4.0])) == 4.0


def tiny_classifier():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def test_training_throughput_counts_images_per_second():
    x, y = np.ones((64, 4), "float32"), np.zeros(64, "int64")
    assert cost.training_throughput(tiny_classifier(), x, y, batch_size=16, epochs=2) > 0
    with pytest.raises(ValueError, match="at least 2"):
        cost.training_throughput(tiny_classifier(), x, y, batch_size=16, epochs=1)
    with pytest.raises(ValueError, match="same number"):
        cost.training_throughput(tiny_classifier(), x, y[:10], batch_size=16)


def test_training_throughput_counts_only_the_steps_a_capped_fit_takes(monkeypatch):
    """The grader caps fit (KERAS_MAX_STEPS_PER_EPOCH): the images counted are the capped ones."""
    monkeypatch.setattr(cost, "steady_epoch_seconds", lambda trained: 2.0)
    x, y = np.ones((64, 4), "float32"), np.zeros(64, "int64")
    assert cost.training_throughput(tiny_classifier(), x, y, batch_size=16, epochs=2) == 32.0
    monkeypatch.setenv("KERAS_MAX_STEPS_PER_EPOCH", "2")
    assert cost.training_throughput(tiny_classifier(), x, y, batch_size=16, epochs=2) == 16.0


def test_data_parallel_checks_the_batch_split():
    with pytest.raises(ValueError, match="split evenly"):
        parallel.data_parallel_losses((1, 3), global_batch=128)
    with pytest.raises(ValueError, match="at least one"):
        parallel.data_parallel_losses((), global_batch=128)


def test_two_replicas_train_as_one_device():
    """Same weights, same batches: one and two replicas give the same losses (float rounding aside)."""
    results = parallel.data_parallel_losses((1, 2), steps=3, global_batch=16)
    assert sorted(results) == [1, 2]
    one, two = results[1], results[2]
    assert "1 replica" in one["engine"] and len(one["devices"]) == 1
    assert len(one["losses"]) == len(two["losses"]) == 3
    assert "2 replica" in two["engine"] and len(two["devices"]) == 2
    np.testing.assert_allclose(one["losses"], two["losses"], atol=1e-5)
    assert one["losses"][-1] != one["losses"][0]  # it did train


def test_use_devices_names_the_backends_it_supports(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    with pytest.raises(ValueError, match="tensorflow or jax"):
        parallel.use_devices(2)
