"""Grading case for lesson 06 (see README.md): answers written differently from the instructor's."""

ALTERNATIVES = {
    # The elementwise maximum of the four strided corners of the windows, no reshape.
    "ex1": '''def max_pool_2x2(feature_map):
    m = np.asarray(feature_map)
    h, w = (m.shape[0] // 2) * 2, (m.shape[1] // 2) * 2
    corners = [m[r:h:2, c:w:2] for r in (0, 1) for c in (0, 1)]
    return np.maximum.reduce(corners)
''',
    # Both gradients as correlations: dL/dK correlates the image with G, dL/dX is the "full"
    # correlation of G with the kernel turned by 180 degrees.
    "ex2": '''def conv2d_single_backward(image, kernel, grad_output):
    x = np.asarray(image, dtype=np.float64)
    k = np.asarray(kernel, dtype=np.float64)
    g = np.asarray(grad_output, dtype=np.float64)
    # dL/dK: the image correlated with G; dL/dX: G zero-padded all round, correlated with K turned by 180 degrees.
    grad_kernel = scratch.conv2d(x[None, :, :, None], g[:, :, None, None])[0, :, :, 0]
    padded = np.pad(g, [(k.shape[0] - 1, k.shape[0] - 1), (k.shape[1] - 1, k.shape[1] - 1)])
    grad_image = scratch.conv2d(padded[None, :, :, None], k[::-1, ::-1, None, None])[0, :, :, 0]
    return grad_image, grad_kernel
''',
    # Sum with einsum, divide by the number of positions.
    "ex3": '''def global_average_pool(x):
    x = np.asarray(x, dtype=np.float64)
    return np.einsum("bhwc->bc", x) / (x.shape[1] * x.shape[2])
''',
    # Vectorised: one-hot of each window's argmax, scaled by the gradient and put back in place.
    "ex4": '''def max_pool_2x2_backward(feature_map, grad_output):
    x = np.asarray(feature_map, dtype=np.float64)
    h, w = x.shape[0] // 2, x.shape[1] // 2
    windows = x[:2 * h, :2 * w].reshape(h, 2, w, 2).transpose(0, 2, 1, 3).reshape(h, w, 4)
    one_hot = np.eye(4)[windows.argmax(axis=-1)] * np.asarray(grad_output)[:, :, None]
    result = np.zeros_like(x)
    result[:2 * h, :2 * w] = one_hot.reshape(h, w, 2, 2).transpose(0, 2, 1, 3).reshape(2 * h, 2 * w)
    return result
''',
}

# The gradient routed to the minimum instead of the maximum.
MISTAKE = {"cell": "ex4", "replace": ("np.argmax(window)", "np.argmin(window)"), "loses": ["ex4_tests"]}

FORBIDDEN = {
    "cell": "ex1",
    "answer": '''def max_pool_2x2(feature_map):
    batch = np.asarray(feature_map, dtype=np.float64)[None, :, :, None]
    return scratch.pool2d(batch, 2)[0, :, :, 0]
''',
    "loses": ["ex1_tests"],
}
