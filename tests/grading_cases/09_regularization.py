"""Grading cases for lesson 09 (regularization): see README.md in this folder."""

ALTERNATIVES = {
    "ex1": '''def l1_l2_penalty(kernels, l1=0.0, l2=0.0):
    """l1 * sum |w| + l2 * sum w^2 over every weight of every array in kernels, as one number."""
    if len(kernels) == 0:
        return 0.0
    weights = np.concatenate([np.ravel(k).astype(np.float64) for k in kernels])
    return l1 * np.abs(weights).sum() + l2 * np.dot(weights, weights)
''',
    "ex2": '''def inverted_dropout(x, keep_mask, rate):
    """Training-mode output of inverted dropout with the given 0/1 keep_mask and dropout rate."""
    x = np.asarray(x, dtype=float)
    scale = 1.0 / (1.0 - rate)
    return np.where(np.asarray(keep_mask) != 0, x * scale, 0.0)
''',
    "ex3": '''def early_stopping_epochs(val_losses, patience, min_delta=0.0):
    """(epochs run, epoch whose weights are kept), both from 1, under EarlyStopping on val_loss."""
    best = float("inf")
    best_epoch = last_improvement = 0
    for index, loss in enumerate(val_losses):
        epoch = index + 1
        if loss + min_delta < best:
            best, best_epoch, last_improvement = loss, epoch, epoch
        elif epoch - last_improvement >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch
''',
    "ex4": '''def batch_norm_train(x, gamma, beta, epsilon=1e-3):
    """Batch normalization of x (examples, features) with the batch's own statistics."""
    x = np.asarray(x, dtype=np.float32)
    centered = x - np.mean(x, axis=0, keepdims=True)
    variance = np.mean(centered * centered, axis=0, keepdims=True)
    scale = np.asarray(gamma, dtype=np.float32) / np.sqrt(variance + np.float32(epsilon))
    return centered * scale + np.asarray(beta, dtype=np.float32)
''',
    "ex5": '''def beats(scores_a, scores_b):
    """Pair by pair: a wins only if each of its seeds is above each seed of b."""
    return all(a > b for a in scores_a for b in scores_b)


def could_be_best(val_scores):
    """Collect the beaten names first, then keep the others in table order."""
    beaten = set()
    for name, scores in val_scores.items():
        for other, other_scores in val_scores.items():
            if other != name and beats(other_scores, scores):
                beaten.add(name)
    return [name for name in val_scores if name not in beaten]
''',
}

# The sample variance (divided by m - 1) instead of the batch's own variance (divided by m).
MISTAKE = {"cell": "ex4", "replace": ("variance = x.var(axis=0)", "variance = x.var(axis=0, ddof=1)"),
           "loses": ["ex4_tests"]}

# Exercise 1 asks for NumPy only; the hidden tests switch Keras's regularizers off.
FORBIDDEN = {
    "cell": "ex1",
    "answer": '''def l1_l2_penalty(kernels, l1=0.0, l2=0.0):
    regularizer = keras.regularizers.L1L2(l1=l1, l2=l2)
    return float(sum(float(regularizer(np.asarray(kernel, dtype="float32"))) for kernel in kernels))
''',
    "loses": ["ex1_tests"],
}
