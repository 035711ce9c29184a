import keras
import numpy as np
import pytest

from course_lib import scratch


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_dense_forward_matches_keras(rng):
    layer = scratch.Dense(5, 3, rng=rng)
    x = rng.normal(size=(4, 5))
    reference = keras.layers.Dense(3)
    reference.build((None, 5))
    reference.set_weights([layer.params["W"], layer.params["b"]])
    np.testing.assert_allclose(layer.forward(x), keras.ops.convert_to_numpy(reference(x.astype("float32"))),
                               atol=1e-5)


def test_dense_set_weights_checks_shapes(rng):
    layer = scratch.Dense(2, 3, rng=rng)
    layer.set_weights([np.ones((2, 3)), np.arange(3.0)])
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 1.0]])), [[2.0, 3.0, 4.0]])
    with pytest.raises(ValueError, match="W must have shape \\(2, 3\\), got \\(3, 2\\)"):
        layer.set_weights([np.ones((3, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match="expects \\[W, b\\]"):
        layer.set_weights([np.ones((2, 3))])


@pytest.mark.parametrize("init, check", [
    ("he", lambda w, n_in, n_out: abs(w.std() - np.sqrt(2 / n_in)) < 0.01),
    ("glorot", lambda w, n_in, n_out: np.abs(w).max() <= np.sqrt(6 / (n_in + n_out))),
])
def test_dense_initialisation_scales(rng, init, check):
    weights = scratch.Dense(400, 300, init=init, rng=rng).params["W"]
    assert check(weights, 400, 300)
    assert len(np.unique(weights)) == weights.size  # random, so no two units start alike


KERAS_ACTIVATIONS = [
    (scratch.Sigmoid(), keras.activations.sigmoid),
    (scratch.Tanh(), keras.activations.tanh),
    (scratch.ReLU(), keras.activations.relu),
    (scratch.LeakyReLU(0.2), keras.layers.LeakyReLU(negative_slope=0.2)),
]


@pytest.mark.parametrize("layer, reference", KERAS_ACTIVATIONS, ids=lambda p: type(p).__name__)
def test_activations_match_keras(rng, layer, reference):
    z = rng.normal(scale=3, size=(8, 6))
    np.testing.assert_allclose(layer.forward(z), keras.ops.convert_to_numpy(reference(z.astype("float32"))),
                               atol=1e-6)


def test_prelu_matches_keras_with_the_same_slopes(rng):
    layer = scratch.PReLU(6)
    layer.params["alpha"] = rng.uniform(0, 0.5, size=6)
    reference = keras.layers.PReLU()
    reference.build((None, 6))
    reference.set_weights([layer.params["alpha"]])
    z = rng.normal(size=(5, 6))
    np.testing.assert_allclose(layer.forward(z), keras.ops.convert_to_numpy(reference(z.astype("float32"))),
                               atol=1e-6)


def test_softmax_matches_keras_and_survives_large_scores(rng):
    z = rng.normal(size=(4, 5))
    np.testing.assert_allclose(scratch.Softmax().forward(z),
                               keras.ops.convert_to_numpy(keras.activations.softmax(z.astype("float32"))),
                               atol=1e-6)
    probs = scratch.Softmax().forward(np.array([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(probs, [[1.0, 0.0, 0.0]])


@pytest.mark.parametrize("layer", [scratch.Sigmoid(), scratch.Tanh(), scratch.ReLU(), scratch.LeakyReLU(0.1),
                                   scratch.PReLU(3, alpha=0.3)], ids=lambda l: type(l).__name__)
def test_activation_derivatives_match_numerical_slopes(layer):
    z = np.array([[-2.0, -0.5, 0.7], [1.5, -1.2, 2.2]])  # away from ReLU's kink at 0
    eps = 1e-6
    slope = (layer.function(z + eps) - layer.function(z - eps)) / (2 * eps)
    np.testing.assert_allclose(layer.derivative(z), slope, atol=1e-8)


def test_step_is_the_perceptron_threshold_and_has_no_gradient():
    z = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_array_equal(scratch.Step().forward(z), [[0.0, 1.0, 1.0]])
    np.testing.assert_array_equal(scratch.Step().derivative(z), [[0.0, 0.0, 0.0]])


def test_losses_match_keras(rng):
    logits = rng.normal(size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    probs = scratch.Softmax().forward(logits)
    keras_ce = keras.losses.SparseCategoricalCrossentropy()
    assert scratch.CrossEntropy().forward(probs, labels) == pytest.approx(
        float(keras_ce(labels, probs.astype("float32"))), abs=1e-5)
    assert scratch.CrossEntropy(from_logits=True).forward(logits, labels) == pytest.approx(
        float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits.astype("float32"))),
        abs=1e-5)
    targets = rng.normal(size=(6, 4))
    assert scratch.MeanSquaredError().forward(logits, targets) == pytest.approx(
        float(keras.losses.MeanSquaredError()(targets, logits)), abs=1e-5)


def test_cross_entropy_accepts_one_hot_targets(rng):
    probs = scratch.Softmax().forward(rng.normal(size=(3, 4)))
    labels = np.array([0, 3, 1])
    assert scratch.CrossEntropy().forward(probs, scratch.one_hot(labels, 4)) == pytest.approx(
        scratch.CrossEntropy().forward(probs, labels))


def every_layer_network(rng):
    return scratch.Sequential([
        scratch.Dense(4, 5, init="glorot", rng=rng), scratch.Tanh(),
        scratch.Dense(5, 5, rng=rng), scratch.Sigmoid(),
        scratch.Dense(5, 4, rng=rng), scratch.LeakyReLU(0.1),
        scratch.Dense(4, 3, rng=rng), scratch.PReLU(3),
        scratch.Dense(3, 3, rng=rng), scratch.Softmax(),
    ])


def test_backprop_passes_gradient_check_in_float64(rng):
    model = every_layer_network(rng)
    errors = scratch.gradient_check(model, scratch.CrossEntropy(), rng.normal(size=(6, 4)), rng.integers(0, 3, 6))
    assert set(errors) == {"0.W", "0.b", "2.W", "2.b", "4.W", "4.b", "6.W", "6.b", "7.alpha", "8.W", "8.b", "input"}
    assert max(errors.values()) <= 1e-7, errors


def test_gradient_check_catches_a_wrong_backward_pass(rng):
    class ForgetsTheDerivative(scratch.Tanh):
        def backward(self, grad_output):
            return grad_output  # a classic bug: the chain rule's f'(z) factor is missing

    model = scratch.Sequential([scratch.Dense(3, 4, rng=rng), ForgetsTheDerivative(), scratch.Dense(4, 2, rng=rng)])
    errors = scratch.gradient_check(model, scratch.MeanSquaredError(), rng.normal(size=(5, 3)),
                                    rng.normal(size=(5, 2)))
    assert errors["0.W"] > 1e-3 and errors["2.W"] < 1e-7


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(scratch.numerical_gradient(lambda: float(np.sum(x ** 3)), x), 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored after nudging
    with pytest.raises(ValueError, match="float64"):
        scratch.numerical_gradient(lambda: 0.0, x.astype(np.float32))


def test_relative_error():
    assert scratch.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert scratch.relative_error([0.0], [0.0]) == 0.0
    assert scratch.relative_error([1.0, 2.0], [-1.0, -2.0]) == pytest.approx(1.0)  # opposite gradients
    with pytest.raises(ValueError, match="one shape"):
        scratch.relative_error([1.0], [1.0, 2.0])


def test_sgd_step_is_parameter_minus_rate_times_gradient(rng):
    model = scratch.Sequential([scratch.Dense(2, 1, rng=rng)])
    before = model.layers[0].params["W"].copy()
    loss = scratch.MeanSquaredError()
    loss.forward(model.forward(np.array([[1.0, 2.0]])), np.array([[0.0]]))
    model.backward(loss.backward())
    grad = model.layers[0].grads["W"].copy()
    scratch.SGD(0.5).step(model)
    np.testing.assert_allclose(model.layers[0].params["W"], before - 0.5 * grad)


def test_sgd_needs_gradients_first(rng):
    with pytest.raises(ValueError, match="no gradient: call model.backward"):
        scratch.SGD(0.1).step(scratch.Sequential([scratch.Dense(2, 1, rng=rng)]))


def test_count_params_matches_keras(rng):
    model = scratch.Sequential([scratch.Dense(784, 128, rng=rng), scratch.ReLU(), scratch.Dense(128, 10, rng=rng)])
    reference = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                                  keras.layers.Dense(10)])
    assert model.count_params() == reference.count_params() == 101_770


def test_fit_learns_xor(rng):
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    model = scratch.Sequential([scratch.Dense(2, 8, init="glorot", rng=rng), scratch.Tanh(),
                                scratch.Dense(8, 2, init="glorot", rng=rng)])
    history = scratch.fit(model, scratch.CrossEntropy(from_logits=True), scratch.SGD(0.5), x, y,
                          epochs=300, batch_size=4, validation_data=(x, y), rng=rng, verbose=False)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"} and len(history["loss"]) == 300
    assert history["loss"][-1] < 0.1 * history["loss"][0]
    np.testing.assert_array_equal(model.forward(x).argmax(axis=1), y)


def test_fit_prints_one_line_per_epoch(rng, capsys):
    model = scratch.Sequential([scratch.Dense(2, 2, rng=rng)])
    scratch.fit(model, scratch.CrossEntropy(from_logits=True), scratch.SGD(0.1), np.eye(2), np.array([0, 1]),
                epochs=2, rng=rng)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("epoch 2/2") and "accuracy" in lines[1]


def test_evaluate_reports_accuracy_for_labels_only(rng):
    model = scratch.Sequential([scratch.Dense(2, 2, rng=rng)])
    x = np.eye(2)
    assert set(scratch.evaluate(model, scratch.CrossEntropy(from_logits=True), x, np.array([0, 1]))) == {
        "loss", "accuracy"}
    assert set(scratch.evaluate(model, scratch.MeanSquaredError(), x, np.zeros((2, 2)))) == {"loss"}


def test_perceptron_rule_single_update():
    perceptron = scratch.Perceptron(2, learning_rate=0.5)
    perceptron.w[:] = [-1.0, 0.0]
    mistakes = perceptron.fit(np.array([[2.0, 1.0]]), np.array([1]), epochs=1)
    assert mistakes == [1]
    np.testing.assert_allclose(perceptron.w, [0.0, 0.5])  # w + 0.5 * (1 - 0) * x
    assert perceptron.b == 0.5


def test_perceptron_learns_and_but_not_xor():
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    and_gate = scratch.Perceptron(2, learning_rate=0.1)
    mistakes = and_gate.fit(x, np.array([0, 0, 0, 1]), epochs=50)
    assert mistakes[-1] == 0 and and_gate.predict(x).tolist() == [0, 0, 0, 1]
    xor_gate = scratch.Perceptron(2, learning_rate=0.1)
    assert min(xor_gate.fit(x, np.array([0, 1, 1, 0]), epochs=100)) > 0


@pytest.mark.parametrize("call, message", [
    (lambda rng: scratch.Dense(3, 2, rng=rng).forward(np.zeros((4, 5))), "3 features per example, got shape \\(4, 5\\)"),
    (lambda rng: scratch.Dense(3, 2, rng=rng).forward(np.zeros((4, 3), dtype=int)), "floating-point.*astype"),
    (lambda rng: scratch.Dense(3, 2, rng=rng).forward(np.zeros((4, 28, 28))), "2-D \\(batch, features\\).*reshape"),
    (lambda rng: scratch.Dense(0, 2), "positive integer sizes"),
    (lambda rng: scratch.Dense(3, 2, init="zeros"), "unknown init 'zeros'"),
    (lambda rng: scratch.ReLU().backward(np.ones((2, 2))), "before forward"),
    (lambda rng: scratch.MeanSquaredError().backward(), "before forward"),
    (lambda rng: scratch.Sequential([]), "non-empty list"),
    (lambda rng: scratch.CrossEntropy().forward(np.full((2, 3), 1 / 3), np.array([0, 3])), "lie in \\[0, 2\\]"),
    (lambda rng: scratch.CrossEntropy().forward(np.full((2, 3), 1 / 3), np.array([0, 1, 2])), "3 labels for 2"),
    (lambda rng: scratch.MeanSquaredError().forward(np.zeros((2, 3)), np.zeros((3, 2))), "predictions' shape"),
    (lambda rng: scratch.Perceptron(2).fit(np.zeros((3, 2)), np.array([0, 2, 1])), "each 0 or 1"),
    (lambda rng: scratch.SGD(-1.0), "learning_rate must be positive"),
    (lambda rng: scratch.LeakyReLU(-0.1), "non-negative slope"),
])
def test_wrong_inputs_raise_clear_value_errors(rng, call, message):
    with pytest.raises(ValueError, match=message):
        call(rng)


def test_dense_backward_checks_gradient_shape(rng):
    layer = scratch.Dense(3, 2, rng=rng)
    layer.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="gradient of shape \\(4, 2\\).*got \\(4, 3\\)"):
        layer.backward(np.zeros((4, 3)))
