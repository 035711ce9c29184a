"""Grading case for lesson 04 (see README.md): answers written differently from the instructor's."""

ALTERNATIVES = {
    # Layers made first, then chained; the activation given as a function, not a string.
    "ex1": '''import functools

def build_mlp(input_shape, hidden_units, n_classes, dropout_rate=0.0, name="mlp"):
    stack = [keras.layers.Flatten()]
    for units in hidden_units:
        stack.append(keras.layers.Dense(units, activation=keras.activations.relu))
        if dropout_rate > 0:
            stack.append(keras.layers.Dropout(rate=dropout_rate))
    stack.append(keras.layers.Dense(n_classes, activation=keras.activations.softmax))
    inputs = keras.Input(shape=tuple(input_shape))
    outputs = functools.reduce(lambda tensor, layer: layer(tensor), stack, inputs)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)
''',
    # A dot product of NumPy integer arrays: the result is an np.int64, not a Python int.
    "ex2": '''def mlp_param_count(layer_sizes):
    sizes = np.asarray(layer_sizes, dtype=np.int64)
    return (sizes[:-1] + 1) @ sizes[1:]
''',
    # Pure Python loops, no argmax.
    "ex3": '''def accuracy_from_probabilities(probabilities, labels):
    right = 0
    for row, label in zip(probabilities, labels):
        row = list(row)
        if row.index(max(row)) == label:
            right += 1
    return right / len(labels)
''',
    # Every pair visited in turn; NumPy integers in the returned tuple.
    "ex4": '''def most_confused_pair(matrix):
    counts = np.asarray(matrix)
    best, best_pair = -1, None
    for i in range(counts.shape[0]):
        for j in range(i + 1, counts.shape[0]):
            mixed = counts[i, j] + counts[j, i]
            if mixed > best:
                best, best_pair = mixed, (np.int64(i), np.int64(j))
    return best_pair
''',
}

# Counting the diagonal too: correct predictions outweigh every confusion.
MISTAKE = {"cell": "ex4", "replace": ("k=1", "k=0"), "loses": ["ex4_tests"]}

FORBIDDEN = None
