"""Input checks for course_lib's own functions: each returns its argument as a NumPy array, or raises
``ValueError`` with a message that says what to fix.

One name, one meaning: the ``as_*`` functions here validate the arguments of library code and raise
``ValueError``; the ``check_*`` functions of :mod:`course_lib.checks` test a learner's answers and
raise ``AssertionError``.
"""
from __future__ import annotations

import numpy as np


def as_float_array(x, name: str = "x") -> np.ndarray:
    """``x`` as an array of floating-point numbers (integers are refused: scale them first)."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name} must hold floating-point numbers, got dtype {x.dtype}; "
                         f"convert it with {name}.astype(np.float32)")
    return x


def as_feature_batch(x, name: str = "x", features: int | None = None) -> np.ndarray:
    """``x`` as a floating-point ``(batch, features)`` array, with ``features`` columns if given."""
    x = as_float_array(x, name)
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D (batch, features), got shape {x.shape}; "
                         "flatten images with x.reshape(len(x), -1)")
    if features is not None and x.shape[1] != features:
        raise ValueError(f"{name} must have {features} features per example, got shape {x.shape}")
    return x


def as_image_batch(images, name: str = "images", *, channel_axis: bool = False, channels=None,
                   floating: bool = False) -> np.ndarray:
    """``images`` as a batch of images: ``(n, height, width)`` grey or ``(n, height, width, channels)``.

    ``channel_axis=True`` requires the 4-D form (as convolutions do); ``channels`` (a number, or a
    tuple of allowed numbers) restricts the channel count; ``floating=True`` refuses integer pixels.
    """
    images = np.asarray(images)
    if floating:
        images = as_float_array(images, name)
    if channel_axis and images.ndim != 4:
        raise ValueError(f"{name} must be 4-D (batch, height, width, channels), got shape {images.shape}; "
                         "add a channel axis to grey images with x[..., None]")
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"{name} must be a non-empty batch of images, (n, height, width) or "
                         f"(n, height, width, channels), got shape {images.shape}")
    if channels is not None and images.ndim == 4:
        allowed = (channels,) if isinstance(channels, int) else tuple(channels)
        if images.shape[-1] not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} channel(s), got shape {images.shape}")
    return images
