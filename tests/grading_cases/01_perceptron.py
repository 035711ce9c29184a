"""Grading case for lesson 01 (format: tests/grading_cases/README.md)."""

ALTERNATIVES = {
    "ex1": '''def perceptron_predict(x, w, b):
    """Step of the weighted sum for each row of x: an int array of 0s and 1s, shape (n,)."""
    z = np.einsum("nd,d->n", np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)) + b
    return np.where(z < 0, 0, 1)
''',
    "ex2": '''def perceptron_update(w, b, x, y, learning_rate=1.0):
    """Return (new_w, new_b) after one application of the perceptron learning rule."""
    new_w = np.array(w, dtype=np.float64)  # a copy: the caller's array stays as it was
    z = sum(float(wi) * float(xi) for wi, xi in zip(w, x)) + b
    if y == 1 and z < 0:  # missed a positive example: move towards it
        new_w += learning_rate * np.asarray(x, dtype=np.float64)
        b = b + learning_rate
    elif y == 0 and z >= 0:  # false alarm: move away from it
        new_w -= learning_rate * np.asarray(x, dtype=np.float64)
        b = b - learning_rate
    return new_w, b
''',
    "ex3": '''and_w, and_b = np.array([2, 2]), -3
or_w, or_b = np.array([1.0, 1.0]), -1.0
nand_w, nand_b = np.array([-2.0, -2.0]), np.float32(3.0)
''',
    "ex4": '''def epochs_to_converge(x, y, max_epochs=100):
    """Number of the first mistake-free epoch of a perceptron trained on (x, y), or None."""
    perceptron = cl.scratch.Perceptron(len(x[0]))
    for epoch in range(1, max_epochs + 1):
        if perceptron.fit(x, y, epochs=1) == [0]:
            return epoch
    return None
''',
}

# The strict step (1 only where z > 0): wrong exactly when z == 0.
MISTAKE = {"cell": "ex2", "replace": (">= 0", "> 0"), "loses": ["ex2_tests"]}

FORBIDDEN = None
