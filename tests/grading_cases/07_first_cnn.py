"""Grading case for lesson 07 (format: README.md in this folder)."""

ALTERNATIVES = {
    "ex1": '''def build_lenet5_1998(n_classes=10):
    """LeNet-5 for 32x32 one-channel images: the layers listed once, applied in a loop."""
    layers = [
        keras.layers.Conv2D(filters=6, kernel_size=(5, 5), padding="valid", activation=keras.activations.tanh, name="C1"),
        keras.layers.AveragePooling2D(pool_size=(2, 2), name="S2"),
        keras.layers.Conv2D(filters=16, kernel_size=(5, 5), activation=keras.activations.tanh, name="C3"),
        keras.layers.AveragePooling2D(pool_size=(2, 2), name="S4"),
        keras.layers.Conv2D(filters=120, kernel_size=(5, 5), activation=keras.activations.tanh, name="C5"),
        keras.layers.Reshape((120,), name="to_vector"),
        keras.layers.Dense(units=84, activation=keras.activations.tanh, name="F6"),
        keras.layers.Dense(units=n_classes, activation=keras.activations.softmax, name="output"),
    ]
    image = keras.layers.Input(shape=(32, 32, 1), name="image")
    tensor = image
    for layer in layers:
        tensor = layer(tensor)
    return keras.Model(inputs=image, outputs=tensor)
''',
    "ex2": '''import math


def stack_output_shapes(input_shape, stack):
    """Shapes with math.ceil and the stride form of the pooling formula, as NumPy integers."""
    size = np.array(input_shape[:2], dtype=np.int64)
    channels = np.int64(input_shape[2])
    result = []
    for spec in stack:
        kind = spec[0]
        if kind == "pool":
            window = spec[1]
            size = np.array([n // window for n in size], dtype=np.int64)
        else:
            filters, kernel, stride, padding = spec[1:]
            if padding == "valid":
                size = np.array([math.floor((n - kernel) / stride) + 1 for n in size], dtype=np.int64)
            else:
                size = np.array([math.ceil(n / stride) for n in size], dtype=np.int64)
            channels = np.int64(filters)
        result.append((size[0], size[1], channels))
    return result
''',
    "ex3": '''def cnn_param_count(input_shape, conv_filters, kernel, dense_units, n_classes):
    """Weights plus biases, layer by layer, with NumPy integers."""
    h, w, c = (np.int64(v) for v in input_shape)
    weights = np.int64(0)
    for f in conv_filters:
        weights += kernel * kernel * c * f + f  # kernel weights, then one bias per filter
        h, w, c = h // 2, w // 2, np.int64(f)
    flat = h * w * c
    weights += flat * dense_units + dense_units
    weights += dense_units * n_classes + n_classes
    return weights
''',
    "ex4": '''def epochs_to_reach(val_accuracy, target):
    """First 1-based epoch at or above target, or None (NumPy version)."""
    reached = np.flatnonzero(np.asarray(val_accuracy, dtype=float) >= target)
    return int(reached[0]) + 1 if reached.size else None


def fewest_epochs_to(curves, target):
    """The name with the smallest epochs_to_reach; min keeps the first listed on ties."""
    reaching = [(epochs_to_reach(curve, target), name) for name, curve in curves.items()]
    reaching = [(epoch, position, name) for position, (epoch, name) in enumerate(reaching) if epoch is not None]
    if not reaching:
        return None
    return min(reaching)[2]
''',
}

# Same padding rounded down instead of up: 13 pixels at stride 2 give 6 instead of 7.
MISTAKE = {"cell": "ex2", "replace": ("-(-height // stride)", "height // stride"), "loses": ["ex2_tests"]}

# Exercise 3 says "with arithmetic only": building the network and asking Keras to count must fail.
FORBIDDEN = {
    "cell": "ex3",
    "answer": '''def cnn_param_count(input_shape, conv_filters, kernel, dense_units, n_classes):
    x = inputs = keras.Input(shape=input_shape)
    for filters in conv_filters:
        x = keras.layers.MaxPooling2D(2)(keras.layers.Conv2D(filters, kernel, padding="same", activation="relu")(x))
    x = keras.layers.Dense(dense_units, activation="relu")(keras.layers.Flatten()(x))
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(x)).count_params()
''',
    "loses": ["ex3_tests"],
}
