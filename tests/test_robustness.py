"""course_lib.robustness on tiny arrays and untrained tiny models whose answers are known.

CI runs this file under both backends (KERAS_BACKEND=tensorflow and KERAS_BACKEND=jax)."""
import keras
import numpy as np
import pytest

from course_lib import robustness


def linear_classifier(seed=0, shape=(6, 6, 1), n_classes=3):
    """A softmax on flattened pixels: its loss gradient has a sign on every pixel."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, outputs)


def batch(n=4, seed=1, shape=(6, 6, 1)):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 0.8, (n, *shape)).astype("float32"), rng.integers(0, 3, n)


def losses(model, x, y):
    probabilities = keras.ops.convert_to_numpy(model(x, training=False))
    return -np.log(probabilities[np.arange(len(y)), y])


def test_rotation_turns_counter_clockwise_about_the_centre():
    image = np.zeros((1, 5, 5), dtype="float32")
    image[0, 2, 4] = 1.0  # right of the centre
    turned = robustness.rotate_images(image, 90)
    assert turned.shape == (1, 5, 5)
    assert np.argmax(turned[0]) == np.ravel_multi_index((0, 2), (5, 5))  # now above it
    np.testing.assert_allclose(robustness.rotate_images(image, 0), image, atol=1e-6)
    np.testing.assert_allclose(robustness.rotate_images(image, 360), image, atol=1e-5)
    np.testing.assert_allclose(robustness.rotate_images(image[..., None], 180)[0, 2, 0, 0], 1.0, atol=1e-6)


def test_rotation_matrix_is_a_rotation():
    matrix = robustness.rotation_matrix(30)
    np.testing.assert_allclose(matrix @ matrix.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(robustness.rotation_matrix(90) @ [1, 0], [0, -1], atol=1e-12)


def test_scaling_shrinks_and_enlarges_about_the_centre():
    image = np.zeros((1, 9, 9), dtype="float32")
    image[0, 4, 8] = 1.0
    assert robustness.scale_images(image, 0.5)[0, 4, 6] == pytest.approx(1.0, abs=1e-6)
    assert robustness.scale_images(image, 1.5)[0].sum() == pytest.approx(0.0, abs=1e-6)  # pushed out of frame
    np.testing.assert_allclose(robustness.scale_images(image, 1.0), image, atol=1e-6)
    with pytest.raises(ValueError, match="positive"):
        robustness.scale_images(image, 0)


def test_clutter_keeps_the_digit_and_is_seeded():
    digits = np.zeros((3, 10, 10), dtype="float32")
    digits[:, 4:6, 4:6] = 0.5
    fragments = np.ones((2, 10, 10), dtype="float32")
    clean = robustness.clutter_images(digits, fragments, 0)
    np.testing.assert_array_equal(clean, digits)
    cluttered = robustness.clutter_images(digits, fragments, 3, fragment_size=3, seed=5)
    assert np.all(cluttered >= digits) and cluttered.sum() > digits.sum()
    np.testing.assert_array_equal(cluttered, robustness.clutter_images(digits, fragments, 3, fragment_size=3, seed=5))
    canvas = robustness.clutter_images(digits[..., None], fragments, 0, canvas_size=16)
    assert canvas.shape == (3, 16, 16, 1) and canvas.sum() == pytest.approx(digits.sum())
    with pytest.raises(ValueError, match="canvas_size"):
        robustness.clutter_images(digits, fragments, 1, canvas_size=8)


def test_clutter_augmentation_only_when_training():
    digits = np.zeros((4, 10, 10, 1), dtype="float32")
    clutter = robustness.Clutter(np.ones((2, 10, 10)), max_fragments=3, fragment_size=4, seed=0)
    np.testing.assert_array_equal(clutter(digits, training=False), digits)
    assert clutter(digits, training=True).sum() > 0 and digits.sum() == 0


def test_projection_keeps_pixels_within_eps_and_range():
    x = np.array([[0.0, 0.5, 1.0]], dtype="float32")
    projected = robustness.project_linf(np.array([[-0.5, 0.9, 0.95]]), x, 0.1)
    np.testing.assert_allclose(projected, [[0.0, 0.6, 0.95]], atol=1e-7)
    with pytest.raises(ValueError, match="divide by 255"):
        robustness.project_linf(x, x, 8)


def test_fgsm_steps_by_eps_along_the_gradient_sign_and_raises_the_loss():
    model = linear_classifier()
    x, y = batch()
    gradient = robustness.loss_gradients(model, x, y)
    x_adv = robustness.fgsm(model, x, y, 0.1)
    np.testing.assert_allclose(x_adv, np.clip(x + 0.1 * np.sign(gradient), 0, 1), atol=1e-6)
    assert np.all(losses(model, x_adv, y) > losses(model, x, y))
    np.testing.assert_allclose(robustness.fgsm(model, x, y, 0.0), x)


def test_fgsm_with_random_start_stays_in_the_ball():
    model = linear_classifier()
    x, y = batch()
    x_adv = robustness.fgsm(model, x, y, 0.1, random_start=True, seed=3)
    assert np.abs(x_adv - x).max() <= 0.1 + 1e-6
    np.testing.assert_array_equal(x_adv, robustness.fgsm(model, x, y, 0.1, random_start=True, seed=3))


def test_pgd_stays_in_the_ball_and_is_at_least_as_strong_as_fgsm():
    model = linear_classifier()
    x, y = batch(8)
    x_pgd = robustness.pgd(model, x, y, 0.1, steps=20)
    assert np.abs(x_pgd - x).max() <= 0.1 + 1e-6 and x_pgd.min() >= 0 and x_pgd.max() <= 1
    # A linear model's loss rises fastest straight along the gradient sign: PGD reaches FGSM's corner.
    assert np.all(losses(model, x_pgd, y) >= losses(model, robustness.fgsm(model, x, y, 0.1), y) - 1e-3)
    with pytest.raises(ValueError, match="steps"):
        robustness.pgd(model, x, y, 0.1, steps=0)
    with pytest.raises(ValueError, match="integer classes"):
        robustness.pgd(model, x, y[:3], 0.1)


def test_one_budget_per_example_attacks_each_with_its_own():
    model = linear_classifier()
    x, y = batch(4)
    budgets = np.array([0.0, 0.05, 0.1, 0.2])
    together = robustness.pgd(model, x, y, budgets, steps=5, random_start=False)
    for i, eps in enumerate(budgets):
        alone = robustness.pgd(model, x[i:i + 1], y[i:i + 1], eps, steps=5, random_start=False)
        np.testing.assert_allclose(together[i:i + 1], alone, atol=1e-6)
    np.testing.assert_allclose(np.abs(robustness.random_sign_noise(np.full((4, 2, 2), 0.5), budgets) - 0.5).max(axis=(1, 2)),
                               budgets, atol=1e-6)
    with pytest.raises(ValueError, match="one per example"):
        robustness.fgsm(model, x, y, budgets[:3])


def test_random_sign_noise_moves_every_pixel_by_eps():
    x = np.full((2, 4, 4), 0.5, dtype="float32")
    noisy = robustness.random_sign_noise(x, 0.1, seed=0)
    np.testing.assert_allclose(np.abs(noisy - x), 0.1, atol=1e-6)
    assert 0 < (noisy > x).mean() < 1


def test_adversarial_training_runs_and_reports_its_time():
    model = linear_classifier()
    x, y = batch(16)
    run = robustness.adversarial_training(model, x, y, epochs=2, eps=0.1, batch_size=8, validation_data=(x, y),
                                          verbose=False)
    assert len(run.epoch_seconds) == 2 and len(run.val_accuracy) == 2 and run.seconds > 0


def test_partial_augmentation_changes_only_its_share_of_each_batch():
    images = np.zeros((10, 4, 4, 1), dtype="float32")

    def brighten(x, training=True):
        return np.asarray(x) + 1.0

    half = robustness.PartialAugmentation(brighten, 0.5, seed=3)
    changed = half(images)
    assert changed.shape == images.shape and changed.dtype == np.float32
    assert int((changed.reshape(10, -1).max(axis=1) == 1.0).sum()) == 5
    assert not np.any(images)  # the input batch is left as it was
    np.testing.assert_array_equal(half(images, training=False), images)
    np.testing.assert_array_equal(robustness.PartialAugmentation(brighten, 0.0)(images), images)
    np.testing.assert_array_equal(robustness.PartialAugmentation(brighten, 1.0)(images), images + 1.0)
    again = robustness.PartialAugmentation(brighten, 0.5, seed=3)(images)
    np.testing.assert_array_equal(again, changed)
    with pytest.raises(ValueError, match="fraction"):
        robustness.PartialAugmentation(brighten, 1.5)
    with pytest.raises(ValueError, match="callable"):
        robustness.PartialAugmentation("flip", 0.5)


def test_recalibrated_batch_norm_normalizes_the_given_images():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4, 4, 2))
    hidden = keras.layers.Conv2D(3, 1, use_bias=False, name="conv")(inputs)
    hidden = keras.layers.BatchNormalization(center=False, scale=False, epsilon=1e-6, name="bn")(hidden)
    model = keras.Model(inputs, keras.layers.Activation("linear")(hidden))
    x = np.random.default_rng(0).uniform(2.0, 5.0, (16, 4, 4, 2)).astype("float32")
    recalibrated = robustness.recalibrate_batch_norm(model, x)
    out = keras.ops.convert_to_numpy(recalibrated(x, training=False))
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(out.var(axis=(0, 1, 2)), 1.0, atol=1e-3)
    conv = keras.ops.convert_to_numpy(keras.Model(inputs, model.get_layer("conv").output)(x))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x, training=False)), conv, rtol=1e-5)  # unchanged
    with pytest.raises(ValueError, match="no BatchNormalization"):
        robustness.recalibrate_batch_norm(linear_classifier(), batch()[0])
