"""Gradients on the TensorFlow and the JAX backend, checked against finite differences on tiny models.

CI runs this file under both backends (KERAS_BACKEND=tensorflow and KERAS_BACKEND=jax)."""
import keras
import numpy as np
import pytest

from course_lib import autodiff


def nested_classifier(seed=0):
    """A head around a nested "backbone" model, as lesson 11's transfer-learning classifier is built."""
    keras.utils.set_random_seed(seed)
    inner_inputs = keras.Input((6, 6, 2))
    h = keras.layers.Conv2D(3, 3, padding="same", activation="tanh", name="conv_a")(inner_inputs)
    h = keras.layers.BatchNormalization(name="bn")(h)
    h = keras.layers.Conv2D(4, 3, activation="tanh", name="conv_b")(h)
    backbone = keras.Model(inner_inputs, h, name="backbone")
    inputs = keras.Input((6, 6, 2), name="image")
    x = backbone(inputs, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(0.5, name="dropout")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name="classifier")


def images(n=2, seed=1):
    return np.random.default_rng(seed).normal(size=(n, 6, 6, 2)).astype("float32")


def central_difference(f, x, index, eps=1e-2):
    up, down = x.astype("float64").copy(), x.astype("float64").copy()
    up[index] += eps
    down[index] -= eps
    return (f(up.astype("float32")) - f(down.astype("float32"))) / (2 * eps)


def log_probabilities(model, x, targets):
    probabilities = keras.ops.convert_to_numpy(model(x, training=False)).astype("float64")
    return float(np.sum(np.log(probabilities[np.arange(len(x)), targets])))


def test_gradients_of_a_plain_function():
    value, (gx, gy) = autodiff.gradients(lambda x, y: keras.ops.sum(x * x * y), np.array([1.0, 2.0]),
                                         np.array([3.0, 4.0]))
    assert value == pytest.approx(1 * 3 + 4 * 4)
    np.testing.assert_allclose(gx, [6.0, 16.0])
    np.testing.assert_allclose(gy, [1.0, 4.0])


def test_gradients_needs_a_scalar():
    with pytest.raises(ValueError, match="one number"):
        autodiff.gradients(lambda x: x * 2, np.ones(3))


@pytest.mark.parametrize("index", [(0, 2, 3, 1), (1, 0, 5, 0), (1, 4, 1, 1)])
def test_input_gradients_match_finite_differences(index):
    model, x, targets = nested_classifier(), images(), np.array([2, 0])
    grads = autodiff.input_gradients(model, x, autodiff.class_score(targets))
    assert grads.shape == x.shape
    numeric = central_difference(lambda z: log_probabilities(model, z, targets), x, index)
    assert grads[index] == pytest.approx(numeric, rel=2e-2, abs=1e-5)


def test_each_example_gets_its_own_gradient():
    model, x = nested_classifier(), images(3)
    together = autodiff.input_gradients(model, x, autodiff.class_score(1))
    alone = autodiff.input_gradients(model, x[1:2], autodiff.class_score(1))
    np.testing.assert_allclose(together[1:2], alone, rtol=1e-5, atol=1e-7)


def test_class_score_kinds():
    probabilities = keras.ops.convert_to_tensor(np.array([[0.2, 0.8], [0.6, 0.4]], dtype="float32"))
    picked = lambda kind: keras.ops.convert_to_numpy(autodiff.class_score([1, 0], kind)(probabilities))
    np.testing.assert_allclose(picked("probability"), [0.8, 0.6])
    np.testing.assert_allclose(picked("log_probability"), np.log([0.8, 0.6]), rtol=1e-6)
    np.testing.assert_allclose(picked("loss"), -np.log([0.8, 0.6]), rtol=1e-6)
    with pytest.raises(ValueError, match="kind must be one of"):
        autodiff.class_score(0, "logit")


def test_layer_gradients_inside_a_nested_model_match_finite_differences():
    model, x, targets = nested_classifier(), images(), np.array([1, 2])
    activations, grads = autodiff.layer_gradients(model, x, "conv_b", autodiff.class_score(targets))
    assert activations.shape == grads.shape == (2, 4, 4, 4)
    head = model.get_layer("head")

    def from_activations(a):
        pooled = a.mean(axis=(1, 2))
        probabilities = keras.ops.convert_to_numpy(head(pooled)).astype("float64")
        return float(np.sum(np.log(probabilities[np.arange(len(a)), targets])))

    for index in [(0, 1, 2, 3), (1, 3, 0, 0)]:
        assert grads[index] == pytest.approx(central_difference(from_activations, activations, index), rel=2e-2,
                                             abs=1e-5)
    expected = keras.ops.convert_to_numpy(keras.Model(model.get_layer("backbone").input,
                                                      model.get_layer("backbone").get_layer("conv_b").output)(x))
    np.testing.assert_allclose(activations, expected, rtol=1e-5, atol=1e-6)
    assert "call" not in vars(model.get_layer("backbone").get_layer("conv_b"))  # the hook is gone again


def test_weight_gradients_do_not_change_the_model():
    model, x = nested_classifier(), images(4)
    bn = model.get_layer("backbone").get_layer("bn")
    before = keras.ops.convert_to_numpy(bn.moving_mean).copy()
    labels = keras.ops.convert_to_tensor(np.array([0, 1, 2, 0]))
    grads = autodiff.weight_gradients(
        model, lambda p: keras.ops.mean(keras.losses.sparse_categorical_crossentropy(labels, p)), x)
    assert set(grads) == {variable.path for variable in model.trainable_variables}
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bn.moving_mean), before)


def test_wrong_layer_lists_the_convolutions_and_wrong_shape_names_the_expected_one():
    model = nested_classifier()
    with pytest.raises(ValueError, match="no layer 'conv_z'; its convolutional layers are: conv_a, conv_b"):
        autodiff.layer_gradients(model, images(), "conv_z", autodiff.class_score(0))
    with pytest.raises(ValueError, match=r"expects a batch of shape \(n, 6, 6, 2\); got shape \(6, 6, 2\).*x\[None\]"):
        autodiff.input_gradients(model, images()[0], autodiff.class_score(0))
    with pytest.raises(ValueError, match="one number per example"):
        autodiff.input_gradients(model, images(), lambda p: p)


def test_convolution_layer_names_look_inside_nested_models():
    assert autodiff.convolution_layer_names(nested_classifier()) == ["conv_a", "conv_b"]
    assert autodiff.find_layer(nested_classifier(), "conv_a").name == "conv_a"


def test_input_gradients_of_a_nested_layer_match_finite_differences():
    model, x = nested_classifier(), images()
    backbone = model.get_layer("backbone")
    probe = keras.Model(backbone.input, backbone.get_layer("conv_a").output)

    def channel_means(maps):
        return keras.ops.mean(keras.ops.reshape(maps[..., 1], (keras.ops.shape(maps)[0], -1)), axis=1)

    grads = autodiff.input_gradients(model, x, channel_means, layer_name="conv_a")
    total = lambda z: float(np.sum(keras.ops.convert_to_numpy(probe(z))[..., 1].astype("float64").mean(axis=(1, 2))))
    for index in [(0, 2, 3, 1), (1, 5, 0, 0)]:
        assert grads[index] == pytest.approx(central_difference(total, x, index), rel=2e-2, abs=1e-5)


def test_weighted_layers_look_inside_nested_models():
    assert [layer.name for layer in autodiff.weighted_layers(nested_classifier())] == ["conv_a", "conv_b", "head"]
