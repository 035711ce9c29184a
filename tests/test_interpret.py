"""Attribution maps and their trust measurements, on tiny models whose right answer is known.

CI runs this file under both backends (KERAS_BACKEND=tensorflow and KERAS_BACKEND=jax)."""
import keras
import numpy as np
import pytest

from course_lib import interpret

QUADRANTS = {"top_left": (slice(0, 4), slice(0, 4)), "top_right": (slice(0, 4), slice(4, 8)),
             "bottom_left": (slice(4, 8), slice(0, 4)), "bottom_right": (slice(4, 8), slice(4, 8))}


def log_linear_model(seed=0):
    """One output exp(w . x + b): its log, the score the methods explain, is linear in x, so the exact
    attributions are known (gradient w, contribution w * x)."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((3, 3, 2))
    flat = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, activation="exponential", name="out")(flat))


def bright_detector(nested=True):
    """Class 1 is 'there is something bright', read by global pooling from one detector channel.

    The evidence sits wherever the bright pixels are, so Grad-CAM and occlusion must point there.
    With nested=True the convolution sits inside a backbone model, as in lesson 11's classifier."""
    inputs = keras.Input((8, 8, 1))
    conv = keras.layers.Conv2D(2, 1, activation="relu", name="detector")
    backbone_in = keras.Input((8, 8, 1))
    backbone = keras.Model(backbone_in, conv(backbone_in), name="backbone")
    maps = backbone(inputs) if nested else conv(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(maps)
    dense = keras.layers.Dense(2, activation="softmax", name="head")
    model = keras.Model(inputs, dense(pooled))
    conv.set_weights([np.array([1.0, -1.0], dtype="float32").reshape(1, 1, 1, 2), np.zeros(2, dtype="float32")])
    dense.set_weights([np.array([[-4.0, 4.0], [0.0, 0.0]], dtype="float32"), np.array([1.0, -1.0], dtype="float32")])
    return model


def bright_in(quadrant, n=1):
    image = np.zeros((n, 8, 8, 1), dtype="float32")
    rows, cols = QUADRANTS[quadrant]
    image[:, rows, cols] = 1.0
    return image


def share_in(maps, quadrant):
    rows, cols = QUADRANTS[quadrant]
    maps = np.abs(maps)
    return maps[:, rows, cols].sum() / maps.sum()


def test_gradient_methods_are_exact_for_a_log_linear_score():
    model = log_linear_model()
    x = np.random.default_rng(0).normal(size=(2, 3, 3, 2)).astype("float32")
    w = model.get_layer("out").get_weights()[0].reshape(3, 3, 2)
    np.testing.assert_allclose(interpret.vanilla_gradient(model, x, 0), np.broadcast_to(w, x.shape), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(interpret.gradient_times_input(model, x, 0), w * x, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(interpret.integrated_gradients(model, x, 0, steps=3), w * x, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(interpret.smoothgrad(model, x, 0, n_samples=3), np.broadcast_to(w, x.shape), rtol=1e-4,
                               atol=1e-6)


def test_smoothgrad_without_noise_is_the_gradient():
    model, x = bright_detector(), np.random.default_rng(1).uniform(size=(2, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(interpret.smoothgrad(model, x, 1, n_samples=2, noise=0.0),
                               interpret.vanilla_gradient(model, x, 1), rtol=1e-5, atol=1e-7)


def test_integrated_gradients_add_up_to_the_score_difference():
    model, x = bright_detector(), np.random.default_rng(2).uniform(size=(3, 8, 8, 1)).astype("float32")
    baseline = np.full((8, 8, 1), 0.1, dtype="float32")
    attributions = interpret.integrated_gradients(model, x, [1, 0, 1], baseline=baseline, steps=64)
    errors = interpret.completeness_error(model, x, [1, 0, 1], attributions, baseline=baseline)
    assert errors.shape == (3,) and np.all(errors < 1e-3)
    in_small_batches = interpret.integrated_gradients(model, x, [1, 0, 1], baseline=baseline, steps=64, batch_size=7)
    np.testing.assert_allclose(in_small_batches, attributions, rtol=1e-4, atol=1e-7)
    coarse = interpret.integrated_gradients(model, x, [1, 0, 1], baseline=baseline, steps=1)
    assert np.all(interpret.completeness_error(model, x, [1, 0, 1], coarse, baseline=baseline) > errors)


@pytest.mark.parametrize("quadrant", list(QUADRANTS))
@pytest.mark.parametrize("nested", [True, False])
def test_grad_cam_finds_the_quadrant_that_holds_the_evidence(quadrant, nested):
    model, x = bright_detector(nested), bright_in(quadrant)
    cams = interpret.grad_cam(model, x, 1, "detector")
    assert cams.shape == (1, 8, 8)
    assert share_in(cams, quadrant) > 0.99
    assert interpret.grad_cam(model, x, 1, "detector", upsample=False).shape == (1, 8, 8)


@pytest.mark.parametrize("quadrant", ["top_left", "bottom_right"])
def test_occlusion_drops_the_probability_only_where_the_evidence_is(quadrant):
    model, x = bright_detector(), bright_in(quadrant)
    maps = interpret.occlusion(model, x, 1, patch=2, stride=2)
    assert maps.shape == (1, 8, 8)
    assert share_in(maps, quadrant) > 0.99 and maps.max() > 0


def test_cam_from_gradients_weights_each_channel_by_its_mean_gradient():
    activations = np.zeros((1, 2, 2, 2))
    activations[0, 0, 0, 0], activations[0, 1, 1, 1] = 2.0, 3.0
    gradients = np.zeros((1, 2, 2, 2))
    gradients[0, :, :, 0], gradients[0, :, :, 1] = 0.5, -1.0  # channel means 0.5 and -1
    np.testing.assert_allclose(interpret.cam_from_gradients(activations, gradients), [[[1.0, 0.0], [0.0, 0.0]]])
    with pytest.raises(ValueError, match="must both be"):
        interpret.cam_from_gradients(activations, gradients[..., :1])


def test_activation_maximization_excites_the_chosen_filter():
    model = bright_detector()
    start = np.full((8, 8, 1), 0.2, dtype="float32")
    made = interpret.activation_maximization(model, "detector", 0, steps=5, learning_rate=1.0, start=start)
    probe = keras.Model(model.get_layer("backbone").input, model.get_layer("backbone").get_layer("detector").output)
    mean_of = lambda image: float(keras.ops.convert_to_numpy(probe(image[None]))[..., 0].mean())
    assert made.shape == (8, 8, 1) and mean_of(made) > mean_of(start) + 0.1  # filter 0 likes bright pixels
    with pytest.raises(ValueError, match="has 2 filters"):
        interpret.activation_maximization(model, "detector", 2)


def test_randomized_copy_changes_only_the_top_layers():
    model = bright_detector()
    copy = interpret.randomized_copy(model, 1, seed=3)
    same = lambda a, b: np.array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    trained_head, copied_head = model.get_layer("head").kernel, copy.get_layer("head").kernel
    assert not same(trained_head, copied_head)
    assert same(model.get_layer("backbone").get_layer("detector").kernel,
                copy.get_layer("backbone").get_layer("detector").kernel)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(trained_head), [[-4.0, 4.0], [0.0, 0.0]])  # untouched
    both = interpret.randomized_copy(model, 2, seed=3)
    assert not same(model.get_layer("backbone").get_layer("detector").kernel,
                    both.get_layer("backbone").get_layer("detector").kernel)
    with pytest.raises(ValueError, match="has 2 layers with a kernel"):
        interpret.randomized_copy(model, 3)


def test_rank_correlations_and_heatmaps():
    maps = np.random.default_rng(4).uniform(size=(2, 5, 5))
    np.testing.assert_allclose(interpret.rank_correlations(maps, 2 * maps + 1), [1.0, 1.0])
    np.testing.assert_allclose(interpret.rank_correlations(maps, -maps - 5), [1.0, 1.0])  # absolute values
    np.testing.assert_allclose(interpret.rank_correlations(maps, 1 / maps), [-1.0, -1.0])
    np.testing.assert_allclose(interpret.heatmap(np.stack([maps, -maps], axis=-1)), 2 * maps)
    with pytest.raises(ValueError, match="same shape"):
        interpret.rank_correlations(maps, maps[:1])
    background = np.zeros((1, 5, 5))
    background[0, 1:3, 1:3] = [[1.0, 2.0], [3.0, 4.0]]
    ink = background > 0
    reversed_on_ink = np.where(ink, 1 / np.maximum(background, 1e-9), 0.0)
    assert interpret.rank_correlations(background, reversed_on_ink, ink)[0] == pytest.approx(-1.0)
    assert interpret.rank_correlations(background, reversed_on_ink)[0] > 0.5  # the shared zeros dominate
    assert np.isnan(interpret.rank_correlations(background, np.zeros((1, 5, 5)))[0])  # a blank map ranks nothing


def test_deleting_the_evidence_first_drops_the_probability_fastest():
    model, x = bright_detector(), bright_in("top_left", 1)
    fractions = np.linspace(0, 1, 5)
    right = interpret.deletion_curves(model, x, 1, bright_in("top_left")[..., 0], fractions)
    wrong = interpret.deletion_curves(model, x, 1, bright_in("bottom_right")[..., 0], fractions)
    start = interpret.class_scores(model, x, 1, "probability")
    np.testing.assert_allclose(right[:, 0], start, rtol=1e-5)
    np.testing.assert_allclose(right[:, -1], wrong[:, -1], rtol=1e-5)  # all pixels gone either way
    assert interpret.curve_area(right, fractions)[0] < interpret.curve_area(wrong, fractions)[0]
    inserted = interpret.deletion_curves(model, x, 1, bright_in("top_left")[..., 0], fractions, insertion=True)
    np.testing.assert_allclose(inserted[:, -1], start, rtol=1e-5)


def test_curve_area_is_the_trapezoidal_rule():
    fractions = np.linspace(0, 1, 5)
    np.testing.assert_allclose(interpret.curve_area([np.ones(5), 1 - fractions], fractions), [1.0, 0.5])
    with pytest.raises(ValueError, match="one value per fraction"):
        interpret.curve_area(np.ones((1, 4)), fractions)


def test_bad_inputs_get_messages_a_learner_can_act_on():
    model = bright_detector()
    with pytest.raises(ValueError, match="no layer 'conv9'; its convolutional layers are: detector"):
        interpret.grad_cam(model, bright_in("top_left"), 1, "conv9")
    with pytest.raises(ValueError, match=r"expects a batch of shape \(n, 8, 8, 1\)"):
        interpret.vanilla_gradient(model, np.zeros((8, 8)), 1)
    with pytest.raises(ValueError, match="got 3 targets for 1 images"):
        interpret.vanilla_gradient(model, bright_in("top_left"), [0, 1, 1])
    with pytest.raises(ValueError, match="Grad-CAM needs a layer with"):
        interpret.grad_cam(model, bright_in("top_left"), 1, "head")
    with pytest.raises(ValueError, match="patch must lie in"):
        interpret.occlusion(model, bright_in("top_left"), 1, patch=9)
