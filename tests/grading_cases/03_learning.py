"""Grading case for lesson 03 (format: tests/grading_cases/README.md)."""

ALTERNATIVES = {
    "ex1": '''def mse_gradient(predictions, targets):
    """dMSE/dpredictions, where MSE = mean over all entries of (predictions - targets)**2."""
    predictions = np.asarray(predictions, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    gradient = np.zeros_like(predictions)
    count = np.prod(predictions.shape)
    for index in np.ndindex(*predictions.shape):  # one entry at a time: d/dp of (p - t)^2 / count
        gradient[index] = 2.0 * (predictions[index] - targets[index]) / count
    return gradient
''',
    "ex2": '''def softmax_cross_entropy_gradient(logits, labels):
    """d(mean cross-entropy of softmax(logits))/d(logits), shape (n, classes)."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    one_hot = np.eye(logits.shape[1])[np.asarray(labels)]
    return (np.exp(log_probabilities) - one_hot) / logits.shape[0]
''',
    "ex3": '''def dense_backward(x, W, grad_output):
    """Gradients (dW, db, dx) of a dense layer y = x @ W + b, given grad_output = dL/dy."""
    dW = np.einsum("ni,no->io", x, grad_output)
    db = np.einsum("no->o", grad_output)
    dx = np.einsum("no,io->ni", grad_output, W)
    return dW, db, dx
''',
    "ex4": '''def best_learning_rate(curvatures):
    """The learning rate that minimises max_i |1 - eta * c_i| for positive curvatures c_i."""
    c = np.asarray(curvatures, dtype=np.float64)

    def slowest(eta):
        return np.max(np.abs(1.0 - eta * c))

    low, high = 0.0, 2.0 / c.min()  # the objective is convex in eta: ternary search
    for _ in range(200):
        left, right = low + (high - low) / 3, high - (high - low) / 3
        if slowest(left) <= slowest(right):
            high = right
        else:
            low = left
    return (low + high) / 2
''',
}

# The bias gradient averaged over the batch instead of summed (right only for a batch of one).
MISTAKE = {"cell": "ex3", "replace": ("grad_output.sum(axis=0)", "grad_output.mean(axis=0)"),
           "loses": ["ex3_tests"]}

# Exercise 1 asks for the gradient written by hand; the reference loss computes it.
FORBIDDEN = {
    "cell": "ex1",
    "answer": '''def mse_gradient(predictions, targets):
    """dMSE/dpredictions, where MSE = mean over all entries of (predictions - targets)**2."""
    loss = scratch.MeanSquaredError()
    loss(predictions, targets)
    return loss.backward()
''',
    "loses": ["ex1_tests"],
}
