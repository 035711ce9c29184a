import itertools

import keras
import numpy as np
import pytest

from course_lib import scratch


def keras_out(layer, x):
    return keras.ops.convert_to_numpy(layer(x))


CONV_GRID = list(itertools.product(
    [(5, 5, 1), (7, 6, 3), (8, 8, 2)],    # input height, width, channels
    [1, 2, 3, (3, 2)],                     # kernel size
    [1, 2, (2, 1)],                        # stride
    ["valid", "same"],
))


@pytest.mark.parametrize("shape, kernel_size, stride, padding", CONV_GRID)
def test_conv2d_matches_keras(shape, kernel_size, stride, padding):
    rng = np.random.default_rng(hash((shape, str(kernel_size), str(stride), padding)) % 2**32)
    x = rng.normal(size=(2,) + shape).astype(np.float32)
    reference = keras.layers.Conv2D(4, kernel_size, strides=stride, padding=padding)
    reference.build((None,) + shape)
    kernel, bias = (rng.normal(size=w.shape).astype(np.float32) for w in reference.get_weights())
    reference.set_weights([kernel, bias])
    ours = scratch.conv2d(x, kernel, bias, stride=stride, padding=padding)
    expected = keras_out(reference, x)
    assert ours.shape == expected.shape
    assert np.max(np.abs(ours - expected)) <= 1e-5


@pytest.mark.parametrize("shape, pool_size, stride", list(itertools.product(
    [(4, 4, 1), (7, 6, 3), (9, 9, 2)], [2, 3, (2, 3)], [None, 1, 2])))
def test_pooling_matches_keras(shape, pool_size, stride):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2,) + shape).astype(np.float32)
    for mode, layer in (("max", keras.layers.MaxPooling2D), ("average", keras.layers.AveragePooling2D)):
        expected = keras_out(layer(pool_size, strides=stride), x)
        ours = scratch.pool2d(x, pool_size, stride, mode)
        assert ours.shape == expected.shape
        assert np.max(np.abs(ours - expected)) <= 1e-5
    area = np.prod(pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size))
    np.testing.assert_allclose(scratch.pool2d(x, pool_size, stride, "sum"),
                               scratch.pool2d(x, pool_size, stride, "average") * area, rtol=1e-5, atol=1e-6)


def test_conv2d_edge_kernel_by_hand():
    image = np.zeros((1, 4, 4, 1))
    image[:, :, 2:, :] = 1.0                               # dark left half, bright right half
    kernel = np.array([[-1.0, 1.0]]).reshape(1, 2, 1, 1)   # responds to left-to-right increases
    out = scratch.conv2d(image, kernel)[0, :, :, 0]
    np.testing.assert_array_equal(out, [[0.0, 1.0, 0.0]] * 4)


@pytest.mark.parametrize("size, kernel, stride, padding, expected", [
    (28, 5, 1, "valid", 24), (28, 5, 1, "same", 28), (28, 3, 2, "valid", 13), (28, 3, 2, "same", 14),
    (7, 7, 1, "valid", 1), (5, 2, 3, "valid", 2), (5, 2, 3, "same", 2),
])
def test_conv_output_size(size, kernel, stride, padding, expected):
    assert scratch.conv_output_size(size, kernel, stride, padding) == expected


def conv_network(rng, mode, padding):
    return scratch.Sequential([
        scratch.Conv2D(2, 3, kernel_size=3, stride=1, padding=padding, rng=rng), scratch.Tanh(),
        scratch.Pool2D(2, mode=mode), scratch.PReLU(3),     # one learned slope per channel
        scratch.Conv2D(3, 2, kernel_size=(2, 1), stride=(1, 2), rng=rng),   # 2x2x3 -> 1x1x2
        scratch.Flatten(), scratch.Dense(2, 3, rng=rng),
    ])


@pytest.mark.parametrize("mode", ["max", "average", "sum"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_and_pool_backward_pass_gradient_check(mode, padding):
    rng = np.random.default_rng(1)
    size = 6 if padding == "valid" else 4
    model = conv_network(rng, mode, padding)
    x = rng.normal(size=(3, size, size, 2))
    errors = scratch.gradient_check(model, scratch.CrossEntropy(from_logits=True), x, rng.integers(0, 3, 3))
    assert max(errors.values()) <= 1e-7, errors


def test_strided_same_conv_gradient_check():
    rng = np.random.default_rng(2)
    model = scratch.Sequential([scratch.Conv2D(1, 2, kernel_size=3, stride=2, padding="same", rng=rng),
                                scratch.Flatten()])
    errors = scratch.gradient_check(model, scratch.MeanSquaredError(), rng.normal(size=(2, 5, 6, 1)),
                                    rng.normal(size=(2, 3 * 3 * 2)))
    assert max(errors.values()) <= 1e-7, errors


def test_conv_layer_parameter_count_matches_keras():
    layer = scratch.Conv2D(3, 16, kernel_size=5)
    reference = keras.layers.Conv2D(16, 5)
    reference.build((None, 32, 32, 3))
    assert sum(p.size for p in layer.params.values()) == reference.count_params() == 5 * 5 * 3 * 16 + 16


def test_max_pool_gradient_goes_to_the_maximum():
    pool = scratch.Pool2D(2)
    x = np.array([[1.0, 3.0], [2.0, 0.0]]).reshape(1, 2, 2, 1)
    pool.forward(x)
    np.testing.assert_array_equal(pool.backward(np.ones((1, 1, 1, 1)))[0, :, :, 0], [[0.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("call, message", [
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 1, 2))), "must have 1 channel\\(s\\), got shape \\(1, 5, 5, 3\\)"),
    (lambda: scratch.conv2d(np.zeros((5, 5)), np.zeros((3, 3, 1, 2))), "4-D \\(batch, height, width, channels\\)"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 1), dtype=int), np.zeros((3, 3, 1, 2))), "floating-point"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1))), "kernel must be 4-D"),
    (lambda: scratch.conv2d(np.zeros((1, 2, 2, 1)), np.zeros((3, 3, 1, 1))), "does not fit in 2 pixels"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 2)), padding="full"), "padding must be"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 2)), stride=0), "stride must be"),
    (lambda: scratch.conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 2)), np.zeros(3)), "one per filter"),
    (lambda: scratch.pool2d(np.zeros((1, 4, 4, 1)), mode="median"), "mode must be one of"),
    (lambda: scratch.Conv2D(0, 4), "positive integers"),
    (lambda: scratch.Pool2D().backward(np.zeros((1, 1, 1, 1))), "before forward"),
])
def test_wrong_inputs_raise_clear_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
