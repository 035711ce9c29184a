"""2-D convolution and pooling in NumPy, forward and backward, in Keras's layout.

Images are batches in channels-last layout ``(batch, height, width, channels)`` and kernels are
``(kernel_height, kernel_width, in_channels, filters)``, exactly as ``keras.layers.Conv2D``
stores them, so weights can be copied between the two.

The forward passes take every window at once with ``numpy.lib.stride_tricks.sliding_window_view``
(a view, no copying) and contract it with the kernel in one ``einsum``. The backward passes
loop only over the kernel's offsets (9 steps for a 3x3 kernel), adding each offset's share of
the gradient to the input positions it touched.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course_lib.scratch.layers import Layer
from course_lib.validation import as_image_batch

PADDINGS = ("valid", "same")
POOL_MODES = ("max", "average", "sum")


def _pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in pair):
        raise ValueError(f"{name} must be a positive integer or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: str = "valid") -> int:
    """Output length along one axis: ``floor((size - kernel) / stride) + 1`` for ``"valid"``,
    ``ceil(size / stride)`` for ``"same"`` (Keras's rule, which pads as little as it can)."""
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if padding == "same":
        return -(-size // stride)
    if kernel > size:
        raise ValueError(f"a {kernel}-wide window does not fit in {size} pixels without padding")
    return (size - kernel) // stride + 1


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Zeros before and after one axis for ``"same"``; the odd one goes after, as in Keras."""
    total = max((conv_output_size(size, kernel, stride, "same") - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _windows(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """Every ``kernel``-sized window of ``x``: shape (batch, out_h, out_w, channels, k_h, k_w)."""
    return sliding_window_view(x, kernel, axis=(1, 2))[:, ::stride[0], ::stride[1]]


def _scatter_windows(window_grads: np.ndarray, input_shape: tuple, stride: tuple[int, int]) -> np.ndarray:
    """Sum gradients of shape (batch, out_h, out_w, channels, k_h, k_w) back onto the input."""
    grad = np.zeros(input_shape, dtype=window_grads.dtype)
    _, out_h, out_w, _, k_h, k_w = window_grads.shape
    for i in range(k_h):
        for j in range(k_w):
            grad[:, i:i + stride[0] * out_h:stride[0], j:j + stride[1] * out_w:stride[1], :] += \
                window_grads[..., i, j]
    return grad


def conv2d(x, kernel, bias=None, stride=1, padding: str = "valid") -> np.ndarray:
    """Cross-correlate a batch of images with a bank of filters, as ``keras.layers.Conv2D`` does.

    ``out[n, h, w, f] = sum over (i, j, c) of x_padded[n, h*s + i, w*s + j, c] * kernel[i, j, c, f]
    + bias[f]``. Returns shape (batch, out_h, out_w, filters); see :func:`conv_output_size`.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be 4-D (height, width, in_channels, filters), got shape {kernel.shape}")
    x = as_image_batch(x, "x", channel_axis=True, channels=kernel.shape[2], floating=True)
    stride = _pair(stride, "stride")
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if padding == "same":
        pads = [_same_padding(x.shape[axis], kernel.shape[axis - 1], stride[axis - 1]) for axis in (1, 2)]
        x = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
    for axis in (1, 2):
        conv_output_size(x.shape[axis], kernel.shape[axis - 1], stride[axis - 1])  # raises if it cannot fit
    out = np.einsum("nhwcij,ijcf->nhwf", _windows(x, kernel.shape[:2], stride), kernel, optimize=True)
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (kernel.shape[3],):
            raise ValueError(f"bias must have shape ({kernel.shape[3]},), one per filter, got {bias.shape}")
        out = out + bias
    return out


def pool2d(x, pool_size=2, stride=None, mode: str = "max") -> np.ndarray:
    """Max, average or sum over each ``pool_size`` window, channel by channel (no padding).

    ``stride`` defaults to ``pool_size`` (non-overlapping windows), as in Keras's pooling layers.
    Sum pooling is average pooling times the window's area.
    """
    x = as_image_batch(x, "x", channel_axis=True, floating=True)
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be one of {POOL_MODES}, got {mode!r}")
    pool = _pair(pool_size, "pool_size")
    stride = _pair(stride if stride is not None else pool, "stride")
    for axis in (1, 2):
        conv_output_size(x.shape[axis], pool[axis - 1], stride[axis - 1])
    windows = _windows(x, pool, stride)
    return {"max": windows.max, "average": windows.mean, "sum": windows.sum}[mode](axis=(-2, -1))


class Conv2D(Layer):
    """A convolution layer: ``filters`` kernels of ``kernel_size`` over ``in_channels`` channels.

    Every output position uses the same kernel (weight sharing) and sees only a small window of
    the input (local connectivity): ``k_h * k_w * in_channels * filters + filters`` parameters,
    whatever the image size.
    """

    def __init__(self, in_channels: int, filters: int, kernel_size=3, stride=1, padding: str = "valid",
                 rng: np.random.Generator | None = None):
        super().__init__()
        k_h, k_w = _pair(kernel_size, "kernel_size")
        if not all(isinstance(n, (int, np.integer)) and n > 0 for n in (in_channels, filters)):
            raise ValueError(f"in_channels and filters must be positive integers, got {in_channels!r}, {filters!r}")
        if padding not in PADDINGS:
            raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
        rng = rng if rng is not None else np.random.default_rng()
        fan_in = k_h * k_w * in_channels
        self.params = {"W": rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(k_h, k_w, in_channels, filters)),
                       "b": np.zeros(filters)}
        self.stride = _pair(stride, "stride")
        self.padding = padding
        self._cache = None
        self._windows = None

    def forward(self, x):
        x = as_image_batch(x, "Conv2D input", channel_axis=True, channels=self.params["W"].shape[2], floating=True)
        k_h, k_w = self.params["W"].shape[:2]
        pads = [(0, 0), (0, 0)]
        if self.padding == "same":
            pads = [_same_padding(x.shape[axis], self.params["W"].shape[axis - 1], self.stride[axis - 1])
                    for axis in (1, 2)]
        padded = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
        self._cache = (x.shape, padded.shape, pads)
        self._windows = _windows(padded, (k_h, k_w), self.stride)
        return conv2d(padded, self.params["W"], self.params["b"], self.stride, "valid")

    def backward(self, grad_output):
        if self._cache is None:
            raise ValueError("Conv2D.backward() called before forward()")
        input_shape, padded_shape, pads = self._cache
        expected = self._windows.shape[:3] + (self.params["W"].shape[3],)
        grad_output = self._check_grad(grad_output, expected)
        self.grads = {"W": np.einsum("nhwcij,nhwf->ijcf", self._windows, grad_output, optimize=True),
                      "b": grad_output.sum(axis=(0, 1, 2))}
        window_grads = np.einsum("nhwf,ijcf->nhwcij", grad_output, self.params["W"], optimize=True)
        grad_padded = _scatter_windows(window_grads, padded_shape, self.stride)
        (top, _), (left, _) = pads
        return grad_padded[:, top:top + input_shape[1], left:left + input_shape[2], :]


class Pool2D(Layer):
    """Max, average or sum pooling as a layer. No parameters: it only downsamples.

    Backward: max pooling sends each window's gradient to the position that held the maximum
    (the first one, on ties); average spreads it evenly; sum copies it to every position.
    """

    def __init__(self, pool_size=2, stride=None, mode: str = "max"):
        super().__init__()
        if mode not in POOL_MODES:
            raise ValueError(f"mode must be one of {POOL_MODES}, got {mode!r}")
        self.pool = _pair(pool_size, "pool_size")
        self.stride = _pair(stride if stride is not None else self.pool, "stride")
        self.mode = mode
        self._x = None

    def forward(self, x):
        self._x = as_image_batch(x, "Pool2D input", channel_axis=True, floating=True)
        return pool2d(self._x, self.pool, self.stride, self.mode)

    def backward(self, grad_output):
        if self._x is None:
            raise ValueError("Pool2D.backward() called before forward()")
        windows = _windows(self._x, self.pool, self.stride)
        grad_output = self._check_grad(grad_output, windows.shape[:4])
        area = self.pool[0] * self.pool[1]
        if self.mode == "max":
            flat = windows.reshape(windows.shape[:4] + (area,))
            share = np.zeros(flat.shape, dtype=grad_output.dtype)
            np.put_along_axis(share, flat.argmax(axis=-1)[..., None], 1.0, axis=-1)
            share = share.reshape(windows.shape)
        else:
            share = np.full(windows.shape, 1.0 / area if self.mode == "average" else 1.0, dtype=grad_output.dtype)
        return _scatter_windows(share * grad_output[..., None, None], self._x.shape, self.stride)


class Flatten(Layer):
    """Reshape (batch, ...) to (batch, features): the bridge from feature maps to dense layers."""

    def __init__(self):
        super().__init__()
        self._shape = None

    def forward(self, x):
        x = np.asarray(x)
        self._shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, grad_output):
        if self._shape is None:
            raise ValueError("Flatten.backward() called before forward()")
        return np.asarray(grad_output).reshape(self._shape)
