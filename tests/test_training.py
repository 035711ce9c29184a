import keras
import numpy as np
import pytest

from course_lib import data, training


def rate(schedule, step):
    return float(keras.ops.convert_to_numpy(schedule(step)))


def test_one_cycle_warms_up_peaks_and_decays_to_zero():
    schedule = training.one_cycle_schedule(200, peak=1e-2, warmup_fraction=0.1)
    assert rate(schedule, 0) == pytest.approx(1e-3)
    assert rate(schedule, 10) == pytest.approx(5.5e-3)  # halfway through the 20 warm-up steps
    assert rate(schedule, 20) == pytest.approx(1e-2)
    assert rate(schedule, 110) == pytest.approx(5e-3, rel=1e-4)  # halfway down the cosine
    assert rate(schedule, 200) == pytest.approx(0.0, abs=1e-9)
    rates = [rate(schedule, step) for step in range(20, 201, 10)]
    assert np.all(np.diff(rates) < 0)


def test_one_cycle_rejects_bad_settings():
    with pytest.raises(ValueError, match="at least 2 steps"):
        training.one_cycle_schedule(1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        training.one_cycle_schedule(100, warmup_fraction=1.0)


def tiny_splits(n=64, shape=(8, 8, 1)):
    rng = np.random.default_rng(0)
    x = rng.random((n, *shape), dtype=np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("int64")
    third = n // 4
    return data.Splits(x[:n - 2 * third], y[:n - 2 * third], x[n - 2 * third:n - third], y[n - 2 * third:n - third],
                       x[n - third:], y[n - third:], ("low", "high"))


def test_recipe_optimizer_is_adam_or_adamw_on_the_one_cycle_schedule():
    optimizer = training.recipe_optimizer(100, peak_learning_rate=1e-2)
    assert isinstance(optimizer, keras.optimizers.Adam) and not isinstance(optimizer, keras.optimizers.AdamW)
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(1e-3)  # step 0: peak / 10
    assert isinstance(training.recipe_optimizer(100, weight_decay=1e-4), keras.optimizers.AdamW)
    with pytest.raises(ValueError, match="weight_decay"):
        training.recipe_optimizer(100, weight_decay=-1.0)


def test_train_with_recipe_trains_the_model_itself_and_leaves_the_test_set_alone():
    splits = tiny_splits()
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")], name="tiny")
    before = keras.ops.convert_to_numpy(model.weights[0]).copy()
    trained = training.train_with_recipe(model, splits, 2, batch_size=16, verbose=0,
                                         augment=data.augmentation(flip=True, seed=0))
    assert len(trained.history.history["val_accuracy"]) == 2 and trained.seconds > 0
    assert not np.allclose(keras.ops.convert_to_numpy(model.weights[0]), before)  # the model itself was trained
    assert all(not layer.name.startswith("random") for layer in model.layers)  # augmentation stayed outside
    assert not any("test" in key for key in trained.history.history)
    history, seconds = trained  # unpacks as two values
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 2 * 2  # 32 images in batches of 16


def test_fit_timed_records_each_epoch():
    splits = tiny_splits()
    model = training.compile_classifier(
        keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")]),
        "adam")
    trained = training.fit_timed(model, splits.x_train, splits.y_train, epochs=3, batch_size=8, verbose=0)
    assert len(trained.history.history["epoch_seconds"]) == 3
    assert 0 < trained.seconds_per_epoch <= trained.seconds


# --- lesson 10 helpers: gradient norms, epoch timing, early stopping, mixed precision ------------

def tiny_cnn():
    inputs = keras.Input((6, 6, 1))
    x = keras.layers.Conv2D(3, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = keras.layers.Dense(4, activation="relu", name="hidden")(x)
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="output")(x))


def tiny_batch(n=8):
    rng = np.random.default_rng(1)
    return rng.random((n, 6, 6, 1), dtype=np.float32), rng.integers(0, 2, n)


def test_gradient_norms_one_positive_finite_value_per_layer_in_order():
    model = tiny_cnn()
    x, y = tiny_batch()
    moving_mean = keras.ops.convert_to_numpy(model.get_layer("bn").moving_mean).copy()
    norms = training.gradient_norms(model, x, y)
    assert list(norms) == ["conv", "hidden", "output"]
    assert all(np.isfinite(value) and value > 0 for value in norms.values())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model.get_layer("bn").moving_mean), moving_mean)
    relative = training.gradient_norms(model, x, y, relative=True)
    kernel_norm = np.linalg.norm(keras.ops.convert_to_numpy(model.get_layer("output").kernel))
    assert relative["output"] == pytest.approx(norms["output"] / kernel_norm, rel=1e-5)


def test_gradient_norms_match_a_hand_computed_gradient():
    # softmax regression: d loss / d W = x^T (p - onehot(y)) / n
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax", name="out")])
    x = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 1.0]], dtype="float32")
    y = np.array([0, 1])
    p = keras.ops.convert_to_numpy(model(x))
    expected = np.linalg.norm(x.T @ (p - np.eye(2)[y]) / 2)
    assert training.gradient_norms(model, x, y)["out"] == pytest.approx(expected, rel=1e-4)


def test_gradient_norms_validates():
    model = tiny_cnn()
    x, y = tiny_batch()
    with pytest.raises(ValueError, match="same number"):
        training.gradient_norms(model, x, y[:3])
    no_kernel = keras.Sequential([keras.Input((4,)), keras.layers.Activation("softmax")])
    with pytest.raises(ValueError, match="no layer with a kernel"):
        training.gradient_norms(no_kernel, np.zeros((2, 4), "float32"), np.zeros(2, "int64"))


def test_gradient_norm_recorder_during_train_with_recipe():
    splits = tiny_splits(48, (6, 6, 1))
    model = tiny_cnn()
    recorder = training.GradientNormRecorder(model, splits.x_train[:8], splits.y_train[:8], every=2)
    trained = training.train_with_recipe(model, splits, 2, batch_size=8, verbose=0, callbacks=[recorder],
                                         weight_decay=1e-4)
    assert [step for step, _ in recorder.records] == [0, 2, 4, 6]  # 24 images: 3 steps per epoch, 2 epochs
    assert list(recorder.records[0][1]) == ["conv", "hidden", "output"]
    assert recorder.records[0][1] != recorder.records[-1][1]
    assert isinstance(trained.history.model.optimizer, keras.optimizers.AdamW)


def test_early_stopping_restores_best_weights_and_picks_the_direction():
    callback = training.early_stopping(patience=3)
    assert callback.restore_best_weights and callback.patience == 3 and callback.monitor == "val_accuracy"
    assert training.early_stopping(monitor="val_loss").mode == "min"  # lower loss is better
    assert callback.mode == "max"
    with pytest.raises(ValueError, match="patience"):
        training.early_stopping(patience=0)


def test_mixed_precision_only_on_a_gpu():
    from course_lib import runtime

    before = keras.mixed_precision.global_policy().name
    try:
        used = training.use_mixed_precision_if_gpu()
        assert used == runtime.device_name().startswith("GPU")
        assert keras.mixed_precision.global_policy().name == ("mixed_float16" if used else before)
    finally:
        keras.mixed_precision.set_global_policy(before)
