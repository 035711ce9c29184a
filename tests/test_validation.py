import numpy as np
import pytest

from course_lib import validation


def test_as_float_array_refuses_integers():
    assert validation.as_float_array([1.0, 2.0]).dtype == np.float64
    with pytest.raises(ValueError, match="x must hold floating-point numbers, got dtype int64.*astype"):
        validation.as_float_array(np.array([1, 2]))


def test_as_feature_batch_shape_and_width():
    validation.as_feature_batch(np.zeros((3, 4)), features=4)
    with pytest.raises(ValueError, match="must be 2-D \\(batch, features\\)"):
        validation.as_feature_batch(np.zeros(4))
    with pytest.raises(ValueError, match="must have 5 features per example"):
        validation.as_feature_batch(np.zeros((3, 4)), "Dense input", 5)


def test_as_image_batch_forms_channels_and_dtype():
    assert validation.as_image_batch(np.zeros((2, 5, 5))).shape == (2, 5, 5)
    assert validation.as_image_batch(np.zeros((2, 5, 5, 3)), channels=(1, 3)).shape == (2, 5, 5, 3)
    with pytest.raises(ValueError, match="non-empty batch of images"):
        validation.as_image_batch(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="non-empty batch of images"):
        validation.as_image_batch(np.zeros((0, 5, 5)))
    with pytest.raises(ValueError, match="must be 4-D.*x\\[..., None\\]"):
        validation.as_image_batch(np.zeros((2, 5, 5)), channel_axis=True)
    with pytest.raises(ValueError, match="must have 1 or 3 channel"):
        validation.as_image_batch(np.zeros((2, 5, 5, 2)), channels=(1, 3))
    with pytest.raises(ValueError, match="floating-point"):
        validation.as_image_batch(np.zeros((2, 5, 5), dtype=np.uint8), floating=True)
