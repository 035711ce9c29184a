"""Grading case for lesson 02 (format: tests/grading_cases/README.md)."""

ALTERNATIVES = {
    "ex1": '''def sigmoid_derivative(z):
    """The derivative of the logistic sigmoid, element-wise, same shape as z."""
    # sigma(z) (1 - sigma(z)) = e^-|z| / (1 + e^-|z|)^2, symmetric in z; e^-|z| never overflows
    decay = np.exp(-np.abs(np.asarray(z, dtype=np.float64)))
    return decay / (1.0 + decay) ** 2
''',
    "ex2": '''def dense_forward(x, W, b):
    """Weighted sums x @ W + b of a dense layer for a batch x."""
    return np.einsum("mi,io->mo", x, W) + np.reshape(b, (1, -1))
''',
    "ex3": '''def stable_softmax(z):
    """Row-wise softmax of a 2-D array of scores, computed without overflow."""
    rows = []
    for row in np.asarray(z, dtype=np.float64):
        shifted = row - np.max(row)
        log_probabilities = shifted - np.log(np.sum(np.exp(shifted)))  # log-sum-exp form
        rows.append(np.exp(log_probabilities))
    return np.stack(rows)
''',
    "ex4": '''def count_mlp_params(layer_sizes):
    """Weights plus biases of a dense network with the given layer sizes (input size first)."""
    sizes = np.asarray(layer_sizes, dtype=np.int64)
    return np.sum(sizes[:-1] * sizes[1:]) + np.sum(sizes[1:])
''',
}

# Forgetting the biases: weights only.
MISTAKE = {"cell": "ex4", "replace": ("(n_in + 1) * n_out", "n_in * n_out"), "loses": ["ex4_tests"]}

# Exercise 3 asks for a softmax written by hand; the reference layer does it all.
FORBIDDEN = {
    "cell": "ex3",
    "answer": '''def stable_softmax(z):
    """Row-wise softmax of a 2-D array of scores, computed without overflow."""
    return cl.scratch.Softmax()(z)
''',
    "loses": ["ex3_tests"],
}
