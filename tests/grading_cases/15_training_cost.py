"""Grading case for lesson 15 (see README.md): answers written differently from the instructor's."""

ALTERNATIVES = {
    # The output size with a ceiling for "valid" and an integer ceiling for "same"; the count as a product.
    "ex1": '''import math


def conv2d_training_flops(height, width, in_channels, filters, kernel_size, strides=1, padding="valid"):
    if padding == "valid":
        outputs = [math.ceil((int(n) - kernel_size + 1) / strides) for n in (height, width)]
    else:
        outputs = [(int(n) + strides - 1) // strides for n in (height, width)]
    weights_per_output = kernel_size ** 2 * in_channels
    forward = int(np.prod(outputs)) * int(filters) * int(weights_per_output)
    return forward * 6
''',
    # The first epoch at the target found with NumPy instead of a loop.
    "ex2": '''def seconds_to_accuracy(seconds, accuracies, target):
    reached = np.flatnonzero(np.asarray(accuracies, dtype=float) >= target)
    if reached.size == 0:
        return None
    return float(np.asarray(seconds, dtype=float)[reached[0]])
''',
    # The rate per image times the batch; the warm-up as an interpolation that holds its last value.
    "ex3": '''def scaled_learning_rate(base_rate, base_batch, batch):
    per_image = base_rate / base_batch
    return per_image * batch


def warmup_learning_rate(step, warmup_steps, base_rate, peak_rate):
    return float(np.interp(step, [0, warmup_steps], [base_rate, peak_rate]))
''',
}

# The warm-up never stops: after warmup_steps the rate keeps growing past the peak.
MISTAKE = {"cell": "ex3", "replace": ("min(step / warmup_steps, 1.0)", "step / warmup_steps"), "loses": ["ex3_tests_2"]}

# No exercise of this lesson asks to rewrite a reference implementation.
FORBIDDEN = None
