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
    # Shuffle an index array in place; each batch's gradient summed one example at a time.
    "ex2": '''def sgd_softmax_regression(x, y, n_classes, epochs, batch_size, learning_rate, seed=0):
    data = np.asarray(x, dtype=np.float64)
    labels = [int(label) for label in y]
    generator = np.random.default_rng(seed)
    W = np.zeros((data.shape[1], n_classes))
    b = np.zeros(n_classes)
    index = np.arange(len(data))
    for epoch in range(epochs):
        generator.shuffle(index)
        batches = [index[start:start + batch_size] for start in range(0, len(index), batch_size)]
        for batch in batches:
            grad_W, grad_b = np.zeros_like(W), np.zeros_like(b)
            for row in batch:  # one example at a time, summed, then averaged
                scores = data[row] @ W + b
                p = np.exp(scores - np.logaddexp.reduce(scores))
                p[labels[row]] -= 1.0
                grad_W += np.outer(data[row], p)
                grad_b += p
            W = W - learning_rate * grad_W / len(batch)
            b = b - learning_rate * grad_b / len(batch)
    return W, b
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
