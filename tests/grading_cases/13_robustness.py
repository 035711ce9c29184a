"""Grading case for lesson 13 (see README.md): answers written differently from the instructor's."""

ALTERNATIVES = {
    # Pixel by pixel through np.where, and the projection as a minimum and maximum against the bounds.
    "ex1": '''def fgsm_step(x, gradient, eps):
    x = np.array(x, dtype=np.float32)
    g = np.asarray(gradient)
    moved = np.where(g > 0, x + eps, np.where(g < 0, x - eps, x))
    return np.minimum(np.maximum(moved, 0.0), 1.0)


def project_linf_ball(x_adv, x, eps):
    x = np.array(x, dtype=np.float32)
    low = np.maximum(x - eps, 0.0)
    high = np.minimum(x + eps, 1.0)
    return np.minimum(np.maximum(np.array(x_adv, dtype=np.float32), low), high)
''',
    # Complex numbers: a turn on screen (y down) is multiplication by exp(-i theta) in (x, y) = x + iy.
    "ex2": '''import cmath
import math


def rotate_points(points, degrees, center):
    cx, cy = float(center[0]), float(center[1])
    turn = cmath.exp(-1j * math.radians(degrees))
    result = []
    for x, y in np.asarray(points, dtype=float):
        z = complex(x - cx, y - cy) * turn
        result.append([z.real + cx, z.imag + cy])
    return np.array(result).reshape(-1, 2)
''',
    # The first failing size from an array mask; the size just before it.
    "ex3": '''def robust_up_to(sizes, accuracies, clean_accuracy, max_drop):
    ok = np.asarray(accuracies, dtype=float) >= float(clean_accuracy) - float(max_drop)
    failing = np.flatnonzero(~ok)
    count = len(ok) if failing.size == 0 else int(failing[0])
    if count == 0:
        return None
    return list(sizes)[count - 1]
''',
}

# The largest robust size over all sizes, ignoring that the curve must hold at every size before it.
MISTAKE = {"cell": "ex3", "replace": ("            break\n        largest = size",
                                     "            continue\n        largest = size"),
           "loses": ["ex3_tests"]}

# Exercise 1 asks for the step and the projection written out: calling the library's versions fails.
FORBIDDEN = {
    "cell": "ex1",
    "answer": '''def fgsm_step(x, gradient, eps):
    x = np.asarray(x, dtype=float)
    return robustness.project_linf(x + eps * np.sign(gradient), x, eps)


def project_linf_ball(x_adv, x, eps):
    return robustness.project_linf(x_adv, x, eps)
''',
    "loses": ["ex1_tests"],
}
