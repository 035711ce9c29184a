"""Grading case for lesson 12 (see README.md): answers written differently from the instructor's."""

ALTERNATIVES = {
    # A right Riemann sum (the path's end points k / steps, k = 1..steps), baseline broadcast by addition.
    "ex1": '''def integrated_gradients_from(gradient_of, x, baseline, steps):
    x = np.array(x, dtype=float)
    start = np.zeros_like(x) + baseline
    points = np.stack([start + (k / steps) * (x - start) for k in range(1, steps + 1)])
    return (x - start) * np.asarray(gradient_of(points)).sum(axis=0) / steps
''',
    # Channel weights as sums over the positions divided by their count, an einsum, then clip at zero.
    "ex2": '''def grad_cam_map(activations, gradients):
    a = np.asarray(activations, dtype=float)
    g = np.asarray(gradients, dtype=float)
    alpha = g.sum(axis=(0, 1)) / (g.shape[0] * g.shape[1])
    return np.clip(np.einsum("hwc,c->hw", a, alpha), 0, None)
''',
    # One trapezoid at a time, in plain Python.
    "ex3": '''def deletion_area(probabilities, fractions):
    area = 0.0
    for i in range(1, len(fractions)):
        area += (fractions[i] - fractions[i - 1]) * (probabilities[i] + probabilities[i - 1]) / 2
    return area
''',
    # The standard library's statistics, and next() over the stages.
    "ex4": '''import math
import statistics


def _upper_bound(row):
    values = [float(v) for v in row if not math.isnan(v)]
    if len(values) < 2:
        return math.inf
    return statistics.fmean(values) + 1.96 * statistics.stdev(values) / math.sqrt(len(values))


def first_stage_that_changes(table, threshold):
    return {method: next((stage for stage, row in enumerate(rows) if _upper_bound(row) < threshold), None)
            for method, rows in table.items()}
''',
}

# The trapezoid's halving forgotten: every area comes out twice as large.
MISTAKE = {"cell": "ex3", "replace": (" / 2 *", " *"), "loses": ["ex3_tests"]}

# Exercise 2 asks for Grad-CAM's arithmetic by hand; this answer hands it to the reference.
FORBIDDEN = {
    "cell": "ex2",
    "answer": '''def grad_cam_map(activations, gradients):
    return interpret.cam_from_gradients(np.asarray(activations)[None], np.asarray(gradients)[None])[0]
''',
    "loses": ["ex2_tests"],
}
