"""Grading case for lesson 05 (see README.md): answers written differently from the instructor's."""

ALTERNATIVES = {
    # Count the window positions one by one instead of using the formula.
    "ex1": '''def output_size(n, k, s=1, p=0):
    positions, start = 0, 0
    while start + k <= n + 2 * p:
        positions += 1
        start += s
    return positions
''',
    # The same step_image helper, and a Prewitt-style kernel (integers, built with np.outer).
    "ex2": '''def step_image(size=8, step_at=4, horizontal=True):
    """A size x size image, 0 above row step_at and 1 from it on (transposed if not horizontal),
    as a batch of one for cl.scratch.conv2d."""
    image = np.zeros((size, size), dtype=np.float64)
    image[step_at:, :] = 1.0
    return (image if horizontal else image.T)[None, :, :, None]


horizontal_edge_kernel = np.outer([1, 0, -1], [1, 1, 1])
''',
    # Loop over output positions: each output is the sum of one window times the kernel.
    "ex3": '''def conv2d_single(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    rows = image.shape[0] - kernel.shape[0] + 1
    cols = image.shape[1] - kernel.shape[1] + 1
    result = np.empty((rows, cols))
    for r in range(rows):
        for c in range(cols):
            result[r, c] = np.sum(image[r:r + kernel.shape[0], c:c + kernel.shape[1]] * kernel)
    return result
''',
    # NumPy arithmetic: the result is a NumPy integer.
    "ex4": '''def count_conv_params(in_channels, filters, kernel_size, use_bias=True):
    window = np.prod(np.broadcast_to(np.asarray(kernel_size), (2,)))
    return window * in_channels * filters + filters * int(bool(use_bias))
''',
}

# Padding added on one side only.
MISTAKE = {"cell": "ex1", "replace": ("2 * p", "p"), "loses": ["ex1_tests"]}

FORBIDDEN = {
    "cell": "ex3",
    "answer": '''def conv2d_single(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    return cl.scratch.conv2d(image[None, :, :, None], kernel[:, :, None, None])[0, :, :, 0]
''',
    "loses": ["ex3_tests"],
}
