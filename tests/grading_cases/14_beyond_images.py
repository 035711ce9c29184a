"""Grading case for lesson 14 (see README.md): answers written differently from the instructor's."""

ALTERNATIVES = {
    # Pad the clip by half a window at each end, then count the windows that fit, one every hop.
    "ex1": '''def spectrogram_frames(n_samples, fft_length, hop):
    padded = int(n_samples) + 2 * (int(fft_length) // 2)
    frames = 0
    start = 0
    while start + fft_length <= padded:
        frames += 1
        start += hop
    return frames
''',
    # Output positions with a ceiling instead of a floor; parameters as (weights per filter + bias) per filter.
    "ex2": '''import math


def conv1d_output_length(length, kernel_size, strides):
    return math.ceil((length - kernel_size + 1) / strides)


def conv1d_params(channels, filters, kernel_size):
    return int(np.prod([kernel_size, channels]) + 1) * filters
''',
    # Look each word up by searching the index for its rank through NumPy arrays.
    "ex3": '''def decode_newswire(indices, word_index):
    words = np.array(list(word_index.keys()), dtype=object)
    ranks = np.array(list(word_index.values()))
    decoded = []
    for index in np.asarray(indices, dtype=np.int64).ravel():
        found = words[ranks == index - 3]
        decoded.append(str(found[0]) if index >= 3 and len(found) else "?")
    return " ".join(decoded)
''',
    # A z-score of the difference, with the zero-variance case (both accuracies 0 or 1) handled apart.
    "ex4": '''import math


def drop_is_real(accuracy_a, n_a, accuracy_b, n_b):
    standard_error = math.sqrt(accuracy_a * (1 - accuracy_a) / n_a + accuracy_b * (1 - accuracy_b) / n_b)
    difference = accuracy_a - accuracy_b
    if standard_error == 0:
        return difference > 0
    return difference / standard_error > 1.96
''',
}

# The "+ 1" of the output-length formula forgotten: a kernel as long as the sequence would give 0 positions.
MISTAKE = {"cell": "ex2", "replace": (" + 1", ""), "loses": ["ex2_tests"]}

# No exercise of this lesson asks to rewrite a reference implementation.
FORBIDDEN = None
