"""Grading case for lesson 11 (see README.md): answers written differently from the instructor's."""

ALTERNATIVES = {
    # Centre and scale in float32: subtract the middle of the range, divide by half of it.
    "ex1": '''def preprocess_like_mobilenet(images):
    pixels = np.array(images, dtype=np.float32, copy=True)
    pixels -= 127.5
    pixels /= 127.5
    return pixels
''',
    # Walk the layers from the top, counting each one's weight values from their shapes.
    "ex2": '''import math


def fine_tuning_param_count(backbone, n):
    total = 0
    for layer in list(reversed(backbone.layers))[:n]:
        if isinstance(layer, keras.layers.BatchNormalization):
            continue
        total += sum(math.prod(weight.shape) for weight in layer.weights)
    return total
''',
    # All qualifying counts at once with NumPy, then the smallest of them.
    "ex3": '''def photos_needed(counts, pretrained_runs, target):
    reached = [bool(np.all(np.asarray(runs, dtype=float) >= target)) for runs in pretrained_runs]
    qualifying = np.asarray(counts)[np.array(reached, dtype=bool)]
    if qualifying.size == 0:
        return None
    return int(qualifying.min())
''',
}

# The top n layers taken as layers[-n:]: right for n >= 1, but n = 0 then takes every layer.
MISTAKE = {"cell": "ex2", "replace": ("len(backbone.layers) - n:", "-n:"), "loses": ["ex2_tests"]}

# No exercise of this lesson asks to rewrite a reference implementation.
FORBIDDEN = None
