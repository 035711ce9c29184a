"""Grading case for lesson 08 (format: README.md in this folder)."""

ALTERNATIVES = {
    "ex1": '''def knn_predict(x_train, y_train, x_query, k):
    """One query at a time: squared distances to every training row, k smallest by a stable sort,
    then the vote with np.unique (sorted labels, so argmax of the counts picks the smallest on ties)."""
    x_train = np.asarray(x_train, dtype=np.float32)
    y_train = np.asarray(y_train)
    labels = np.empty(len(x_query), dtype=np.int32)
    for row, query in enumerate(np.asarray(x_query, dtype=np.float32)):
        squared = np.einsum("nd,nd->n", x_train - query, x_train - query)
        neighbours = y_train[np.argsort(squared, kind="mergesort")[:k]]
        values, counts = np.unique(neighbours, return_counts=True)
        labels[row] = values[np.argmax(counts)]
    return labels
''',
    "ex2": '''def choose_by_validation(make_model, candidates, x_train, y_train, x_val, y_val):
    """Keep the best so far; a later candidate must be strictly better to replace it."""
    best, best_score, scores = None, -1.0, []
    for index, settings in enumerate(candidates):
        fitted = make_model(**settings)
        fitted.fit(x_train, y_train)
        score = np.count_nonzero(np.asarray(fitted.predict(x_val)) == np.asarray(y_val)) / len(y_val)
        scores.append(score)
        if score > best_score:
            best, best_score = candidates[index], score
    return dict(best), scores
''',
    "ex3": '''def distances_to_shifted_self(images, max_shift):
    """Shift by slicing along the width axis (axis 2), in float32."""
    images = np.asarray(images, dtype=np.float32)
    width = images.shape[2]
    out = np.zeros((images.shape[0], max_shift + 1), dtype=np.float32)
    for shift in range(1, max_shift + 1):
        moved = np.zeros_like(images)
        if shift < width:
            moved[:, :, shift:] = images[:, :, :width - shift]
        difference = (images - moved).reshape(images.shape[0], -1)
        out[:, shift] = np.sqrt((difference ** 2).sum(axis=1))
    return out
''',
    "ex4": '''def tolerated_shift(accuracies, max_drop):
    """NumPy: the first shift below the floor, minus one (the last shift when none is below)."""
    accuracies = np.asarray(accuracies, dtype=float)
    below = np.flatnonzero(accuracies < accuracies[0] - max_drop)
    return (below[0] if below.size else len(accuracies)) - 1


def models_tolerating(table, shift, max_drop):
    """Filter the table's names, keeping its order."""
    kept = []
    for name in table:
        if not tolerated_shift(table[name], max_drop) < shift:
            kept.append(name)
    return kept
''',
}

# Choosing on the training images instead of the validation images (an SVM fits its training set well).
MISTAKE = {"cell": "ex2", "replace": ("model.predict(x_val) == y_val", "model.predict(x_train) == y_train"),
           "loses": ["ex2_tests"]}

# Exercise 1 asks for k-NN in NumPy: an answer that calls scikit-learn's classifier must fail.
FORBIDDEN = {
    "cell": "ex1",
    "answer": '''def knn_predict(x_train, y_train, x_query, k):
    return KNeighborsClassifier(n_neighbors=k).fit(x_train, y_train).predict(x_query)
''',
    "loses": ["ex1_tests"],
}
