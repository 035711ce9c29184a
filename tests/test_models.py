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
    assert names[:8] == ["image", "stage1_conv1", "stage1_bn1", "stage1_relu1", "stage1_conv2", "stage1_pool",
                         "stage1_bn2", "stage1_relu2"]
    assert "stage2_pool" in names and names[-4:] == ["flatten", "dense", "dropout", "output"]
    assert model.get_layer("stage2_pool").output.shape[1:] == (7, 7, 16)
    probs = keras.ops.convert_to_numpy(model(np.zeros((2, 28, 28, 1), dtype="float32")))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_small_cnn_default_parameter_count():
    # convs without biases (3*3*1*32, 3*3*32*32, 3*3*32*64, 3*3*64*64), batch norms 4 per channel,
    # dense 7*7*64*128+128, output 128*10+10
    conv = 288 + 9_216 + 18_432 + 36_864
    assert models.small_cnn().count_params() == conv + 4 * (32 + 32 + 64 + 64) + 401_536 + 1_290


def test_small_cnn_lesson07_layout_pools_before_batch_norm():
    model = models.small_cnn(filters=(16, 32), convs_per_stage=1, dense_units=256, dropout=0.25)
    assert [layer.name for layer in model.layers][1:5] == ["stage1_conv1", "stage1_pool", "stage1_bn1", "stage1_relu1"]
    assert model.get_layer("stage1_relu1").output.shape[1:] == (14, 14, 16)
    assert model.get_layer("stage1_bn1").momentum == 0.9
    assert model.get_layer("dropout").rate == 0.25
    # convs 3*3*1*16 and 3*3*16*32 without biases, batch norms, dense 7*7*32*256+256, output 256*10+10
    assert model.count_params() == 144 + 4 * 16 + 4_608 + 4 * 32 + 401_664 + 2_570


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


# --- deeper networks (lesson 10): VGG blocks, residual blocks, ResNet and its plain twin ---------

def conv_params(k, c_in, c_out, bias=False):
    return k * k * c_in * c_out + (c_out if bias else 0)


def resnet_params(depth, widths=(16, 32, 64), n_classes=10, shortcuts=True):
    """ResNet for 32x32x3 by formula: stem, 2 convs + 2 batch norms per block, projections, classifier."""
    n = (depth - 2) // 6
    total = conv_params(3, 3, widths[0]) + 4 * widths[0]
    c_in = widths[0]
    for stage, width in enumerate(widths):
        for block in range(n):
            total += conv_params(3, c_in, width) + conv_params(3, width, width) + 2 * 4 * width
            if shortcuts and c_in != width:
                total += conv_params(1, c_in, width) + 4 * width
            c_in = width
    return total + (widths[-1] + 1) * n_classes


@pytest.mark.parametrize("depth", [8, 20, 32])
def test_resnet_and_plain_parameter_counts_by_formula(depth):
    assert models.resnet(depth).count_params() == resnet_params(depth)
    assert models.plain_net(depth).count_params() == resnet_params(depth, shortcuts=False)


def test_resnet20_has_about_0_27_million_parameters_and_20_weighted_layers():
    model = models.resnet(20)
    assert model.name == "resnet20" and 0.26e6 < model.count_params() < 0.28e6
    main_path = [layer for layer in model.layers
                 if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)) and "proj" not in layer.name]
    assert len(main_path) == 20
    assert model.output.shape[1:] == (10,) and not model.compiled


def test_plain_twin_has_same_depth_and_no_additions():
    resnet, plain = models.resnet(14), models.plain_net(14)
    weighted = lambda m: [l.name for l in m.layers if isinstance(l, (keras.layers.Conv2D, keras.layers.Dense))]
    assert [name for name in weighted(resnet) if "proj" not in name] == weighted(plain)
    assert plain.name == "plain14"
    assert not any(isinstance(layer, keras.layers.Add) for layer in plain.layers)
    assert sum(isinstance(layer, keras.layers.Add) for layer in resnet.layers) == 6


def test_residual_block_identity_and_projection_shortcuts():
    inputs = keras.Input((16, 16, 8))
    same = models.residual_block(inputs, 8, name="same")
    model = keras.Model(inputs, same)
    assert same.shape[1:] == (16, 16, 8)
    assert not any("proj" in layer.name for layer in model.layers)  # identity shortcut
    for filters, stride, shape in ((16, 1, (16, 16, 16)), (8, 2, (8, 8, 8)), (16, 2, (8, 8, 16))):
        out = models.residual_block(inputs, filters, stride, name=f"p{filters}_{stride}")
        block = keras.Model(inputs, out)
        assert out.shape[1:] == shape
        projection = block.get_layer(f"p{filters}_{stride}_proj_conv")
        assert tuple(projection.kernel_size) == (1, 1) and tuple(projection.strides) == (stride, stride)
        assert block.count_params() == (conv_params(3, 8, filters) + conv_params(3, filters, filters)
                                        + conv_params(1, 8, filters) + 3 * 4 * filters)


def test_residual_block_adds_its_input_back():
    inputs = keras.Input((4, 4, 2))
    model = keras.Model(inputs, models.residual_block(inputs, 2, name="r"))
    for layer in model.layers:  # zero the residual branch: the block must pass relu(x) through
        if layer.name in ("r_b_bn",):
            layer.gamma.assign(np.zeros(2, "float32"))
    x = np.random.default_rng(0).normal(size=(3, 4, 4, 2)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), np.maximum(x, 0), atol=1e-6)


def test_resnet_validates_depth_and_widths():
    for depth in (7, 10, 21, 2):
        with pytest.raises(ValueError, match="6n \\+ 2"):
            models.resnet(depth)
    with pytest.raises(ValueError, match="three stages"):
        models.resnet(20, widths=(16, 32))
    with pytest.raises(ValueError, match="stride must be 1 or 2"):
        models.residual_block(keras.Input((8, 8, 4)), 4, stride=3)


def test_vgg_block_and_net():
    inputs = keras.Input((32, 32, 3))
    out = models.vgg_block(inputs, 8, convs=2, name="b")
    assert out.shape[1:] == (16, 16, 8)
    assert keras.Model(inputs, out).count_params() == conv_params(3, 3, 8) + conv_params(3, 8, 8) + 2 * 4 * 8
    model = models.vgg_net(filters=(8, 16), convs_per_block=2)
    assert model.name == "vgg5" and model.get_layer("block2_pool").output.shape[1:] == (8, 8, 16)
    assert model.count_params() == (conv_params(3, 3, 8) + conv_params(3, 8, 8) + conv_params(3, 8, 16)
                                    + conv_params(3, 16, 16) + 4 * (8 + 8 + 16 + 16) + 17 * 10)
    plain = models.vgg_net(filters=(4,), convs_per_block=1, batch_norm=False, dropout=0.5)
    assert plain.get_layer("block1_c1_conv").use_bias and plain.get_layer("dropout").rate == 0.5
    with pytest.raises(ValueError, match="at least one convolution"):
        models.vgg_block(inputs, 8, convs=0)


def test_multiply_adds_by_formula():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)  # 8*8*4 outputs, 3*3*3 each
    x = keras.layers.DepthwiseConv2D(3, strides=2, padding="same")(x)  # 4*4*4 outputs, 3*3 each
    x = keras.layers.Conv2D(6, 1, groups=2)(x)  # 4*4*6 outputs, 1*1*2 each
    x = keras.layers.Dense(5)(keras.layers.Flatten()(x))  # 5 outputs, 96 each
    model = keras.Model(inputs, x)
    assert models.multiply_adds(model) == 8 * 8 * 4 * 27 + 4 * 4 * 4 * 9 + 4 * 4 * 6 * 2 + 5 * 96
    wrapper = keras.Sequential([keras.Input((8, 8, 3)), model])
    assert models.multiply_adds(wrapper) == models.multiply_adds(model)
    # LeNet-5 on 28x28: C1 28*28*6*25, C3 10*10*16*150, C5 120*400, F6 84*120, output 10*84
    assert models.multiply_adds(models.lenet5()) == 117_600 + 240_000 + 48_000 + 10_080 + 840


def test_mlp_is_lesson_04s_network():
    model = models.mlp()
    assert model.count_params() == 785 * 512 + 513 * 256 + 257 * 10
    assert [layer.name for layer in model.layers] == ["image", "flatten", "hidden_1", "dropout_1", "hidden_2",
                                                       "dropout_2", "probabilities"]
    assert models.mlp((32, 32, 3), hidden=(64,), dropout=0.0).count_params() == 3073 * 64 + 65 * 10
    with pytest.raises(ValueError, match="dropout"):
        models.mlp(dropout=1.0)

