"""Grading cases for lesson 10 (deeper networks): see README.md in this folder."""

ALTERNATIVES = {
    "ex1": '''import math


def conv_multiply_adds(input_shape, filters, kernel, stride=1, padding="same"):
    """Multiply-adds of one Conv2D layer for one image of shape (height, width, channels)."""
    sizes = np.array(input_shape[:2], dtype=np.int64)
    if padding == "same":
        out = np.array([math.ceil(size / stride) for size in sizes], dtype=np.int64)
    else:
        out = (sizes - kernel) // stride + 1
    return np.prod(np.concatenate([out, [filters, kernel, kernel, input_shape[2]]]).astype(np.int64))
''',
    "ex2": '''def residual_block_params(in_channels, filters, stride=1):
    """Parameters of a basic residual block with batch norm, including a projection shortcut if needed."""
    layers = [(3, in_channels, filters), (3, filters, filters)]  # (kernel size, channels in, channels out)
    if stride > 1 or in_channels != filters:
        layers.append((1, in_channels, filters))
    return sum(k * k * c_in * c_out + 4 * c_out for k, c_in, c_out in layers)
''',
    "ex3": '''def my_residual_block(x, filters, stride=1):
    """relu(main(x) + shortcut(x)) with a projection shortcut when the shape changes."""
    if stride == 1 and x.shape[-1] == filters:
        skip = x
    else:
        skip = keras.layers.BatchNormalization()(keras.layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x))
    main = x
    for index in range(2):
        main = keras.layers.Conv2D(filters, 3, strides=stride if index == 0 else 1, padding="same",
                                   use_bias=False)(main)
        main = keras.layers.BatchNormalization()(main)
        if index == 0:
            main = keras.layers.ReLU()(main)
    return keras.layers.ReLU()(keras.layers.add([skip, main]))
''',
    "ex4": '''def pareto_front(table):
    """Sweep by size: a model survives when it is the most accurate of its size and beats every smaller one."""
    best_smaller = float("-inf")
    kept = set()
    for size in sorted({parameters for parameters, _ in table.values()}):
        same_size = {name: accuracy for name, (parameters, accuracy) in table.items() if parameters == size}
        top = max(same_size.values())
        if top > best_smaller:
            kept.update(name for name, accuracy in same_size.items() if accuracy == top)
        best_smaller = max(best_smaller, top)
    return [name for name in table if name in kept]


def most_accurate_within(table, max_parameters):
    """max over (accuracy, -position): the earlier name wins a tie."""
    fitting = [(accuracy, -position, name) for position, (name, (parameters, accuracy)) in enumerate(table.items())
               if parameters <= max_parameters]
    return max(fitting)[2] if fitting else None
''',
}

# The output size of a "same" convolution rounded down instead of up: wrong for odd sizes with stride 2.
MISTAKE = {"cell": "ex1", "replace": ("(height + stride - 1) // stride", "height // stride"), "loses": ["ex1_tests"]}

# Exercise 3 asks for the block written from keras.layers; the hidden tests switch the course's one off.
FORBIDDEN = {
    "cell": "ex3",
    "answer": '''def my_residual_block(x, filters, stride=1):
    return cl.models.residual_block(x, filters, stride)
''',
    "loses": ["ex3_tests"],
}
