import keras
import numpy as np
import pytest

from course_lib import models


def test_lenet5_layout_and_parameter_count():
    model = models.lenet5()
    assert [layer.name for layer in model.layers] == ["image", "C1", "S2", "C3", "S4", "C5", "flatten", "F6", "output"]
    assert model.get_layer("C5").output.shape[1:] == (1, 1, 120)
    # C1 5*5*1*6+6, C3 5*5*6*16+16, C5 5*5*16*120+120, F6 120*84+84, output 84*10+10
    assert model.count_params() == 156 + 2_416 + 48_120 + 10_164 + 850
    assert not model.compiled


def test_lenet5_options_and_colour_inputs():
    model = models.lenet5(input_shape=(32, 32, 3), n_classes=2, activation="relu", pooling="max")
    assert isinstance(model.get_layer("S2"), keras.layers.MaxPooling2D)
    assert model.output.shape[1:] == (2,)
    with pytest.raises(ValueError, match="pooling must be one of"):
        models.lenet5(pooling="sum")


def test_small_cnn_names_and_output():
    model = models.small_cnn(filters=(8, 16), dense_units=32)
    names = [layer.name for layer in model.layers]
    assert names[:5] == ["image", "stage1_conv1", "stage1_bn1", "stage1_relu1", "stage1_conv2"]
    assert "stage2_pool" in names and names[-4:] == ["flatten", "dense", "dropout", "output"]
    assert model.get_layer("stage2_pool").output.shape[1:] == (7, 7, 16)
    probs = keras.ops.convert_to_numpy(model(np.zeros((2, 28, 28, 1), dtype="float32")))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_small_cnn_without_batch_norm_keeps_biases():
    model = models.small_cnn(filters=(4,), convs_per_stage=1, batch_norm=False, dense_units=8)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)
    assert model.get_layer("stage1_conv1").use_bias


@pytest.mark.parametrize("kwargs, message", [
    (dict(filters=()), "at least one stage"), (dict(convs_per_stage=0), "at least one stage"),
    (dict(dropout=1.0), "dropout must be a rate"),
])
def test_small_cnn_validates(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.small_cnn(**kwargs)
