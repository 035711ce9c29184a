"""Grading case for lesson 00 (format: tests/grading_cases/README.md)."""

ALTERNATIVES = {
    "ex1": '''def class_counts(labels, n_classes):
    """Number of occurrences of each class 0 .. n_classes - 1 in `labels`."""
    counts = [0] * n_classes
    for label in labels:
        counts[int(label)] += 1
    return np.array(counts)
''',
    "ex2": '''def to_unit_range(images):
    """uint8 pixels 0..255 as float32 fractions 0..1."""
    return np.divide(images, np.float32(255), dtype=np.float32)
''',
    "ex3": '''def mean_image(images, labels, digit):
    """Pixel-wise mean of the images labelled `digit`."""
    chosen = np.flatnonzero(np.asarray(labels) == digit)
    total = np.zeros(np.shape(images)[1:], dtype=np.float64)
    for index in chosen:
        total += images[index]
    return total / len(chosen)
''',
}

# Dividing by 256 instead of 255: white becomes 0.996, not 1.0.
MISTAKE = {"cell": "ex2", "replace": ("/ 255.0", "/ 256.0"), "loses": ["ex2_tests"]}

FORBIDDEN = None
