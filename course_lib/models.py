"""Keras model builders the lessons share. Each returns an uncompiled ``keras.Model`` with named
layers, so lessons can pick layers by name (``model.get_layer("C1")``) for filters and feature maps."""
from __future__ import annotations

import keras
from keras import layers

POOLINGS = {"average": layers.AveragePooling2D, "max": layers.MaxPooling2D}


def mlp(input_shape=(28, 28, 1), n_classes: int = 10, hidden=(512, 256), dropout: float = 0.3,
        name: str = "mlp") -> keras.Model:
    """Lesson 04's multilayer perceptron: flatten, then one ReLU dense layer per entry of ``hidden``,
    each followed by dropout, then the softmax classifier. The defaults are the lesson's network
    (784 -> 512 -> 256 -> 10 for MNIST), the MLP that later lessons race against CNNs.

    Layers: ``flatten``, ``hidden_{i}``, ``dropout_{i}``, ``probabilities``.
    """
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a rate in [0, 1), got {dropout!r}")
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten(name="flatten")(inputs)
    for index, units in enumerate(hidden, start=1):
        x = layers.Dense(units, activation="relu", name=f"hidden_{index}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout_{index}")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def lenet5(input_shape=(28, 28, 1), n_classes: int = 10, activation: str = "tanh",
           pooling: str = "average") -> keras.Model:
    """LeNet-5 (LeCun et al., 1998), its seven layers adapted to 28x28 inputs.

    C1: 6 filters 5x5 (``"same"`` padding, so a 28x28 digit gives the 28x28 maps that the
    original's 32x32 padded input gave), S2: 2x2 pooling, C3: 16 filters 5x5, S4: 2x2 pooling,
    C5: 120 filters 5x5 (a 1x1 output: in effect fully connected), F6: 84 units, then the
    classifier. The original used scaled tanh, trainable average ("subsampling") pooling and RBF
    outputs; this keeps tanh and average pooling by default and uses a softmax output.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {sorted(POOLINGS)}, got {pooling!r}")
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(6, 5, padding="same", activation=activation, name="C1")(inputs)
    x = POOLINGS[pooling](2, name="S2")(x)
    x = layers.Conv2D(16, 5, activation=activation, name="C3")(x)
    x = POOLINGS[pooling](2, name="S4")(x)
    x = layers.Conv2D(120, 5, activation=activation, name="C5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(84, activation=activation, name="F6")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="lenet5")


def small_cnn(input_shape=(28, 28, 1), n_classes: int = 10, filters=(32, 64), convs_per_stage: int = 2,
              dense_units: int = 128, dropout: float = 0.4, batch_norm: bool = True) -> keras.Model:
    """A small modern CNN: per stage, ``convs_per_stage`` 3x3 convolutions (``"same"`` padding), each
    followed by batch norm and ReLU, with 2x2 max pooling after the stage's last convolution; then a
    dense ReLU layer with dropout and the softmax classifier.

    The pooling sits right after the stage's last convolution, before its batch norm and ReLU. Max
    pooling commutes with ReLU, and with batch norm's per-channel affine map while its learned scale is
    positive, so this computes what the usual conv, batch norm, ReLU, pool order does (except that
    batch norm takes its statistics over the pooled positions), while normalization and activation
    run on a quarter of the positions. Without batch norm the convolutions keep their biases (with
    it, the norm's offset replaces them). Batch norm's running statistics use momentum 0.9 rather than
    Keras's 0.99, so that they settle within tens of steps and short training runs are evaluated with
    accurate statistics. Lesson 07 trains a cheaper setting: ``filters=(16, 32),
    convs_per_stage=1, dense_units=256, dropout=0.25``.

    Layers are named ``stage{s}_conv{c}``, ``stage{s}_bn{c}``, ``stage{s}_relu{c}`` and
    ``stage{s}_pool`` (between the last ``conv`` and ``bn`` of the stage), then ``flatten``,
    ``dense``, ``dropout`` and ``output``.
    """
    if not filters or convs_per_stage < 1:
        raise ValueError(f"need at least one stage and one convolution per stage, got filters={filters!r}, "
                         f"convs_per_stage={convs_per_stage!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a rate in [0, 1), got {dropout!r}")
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for stage, width in enumerate(filters, start=1):
        for conv in range(1, convs_per_stage + 1):
            x = layers.Conv2D(width, 3, padding="same", use_bias=not batch_norm,
                              name=f"stage{stage}_conv{conv}")(x)
            if conv == convs_per_stage:
                x = layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
            if batch_norm:
                x = layers.BatchNormalization(momentum=0.9, name=f"stage{stage}_bn{conv}")(x)
            x = layers.Activation("relu", name=f"stage{stage}_relu{conv}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="small_cnn")


# ---------------------------------------------------------------------------------------------
# Deeper networks (lesson 10): VGG-style blocks, residual
# blocks, ResNets for 32x32 images and their plain twins, and a multiply-add counter.

BN_MOMENTUM = 0.9  # as in small_cnn: running statistics that settle within tens of steps


def _conv_bn_relu(x, filters: int, stride: int, name: str, batch_norm: bool, relu: bool = True):
    """3x3 convolution, then batch norm (the convolution has no bias when batch norm follows), then ReLU."""
    x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=not batch_norm,
                      kernel_initializer="he_normal", name=f"{name}_conv")(x)
    if batch_norm:
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    if relu:
        x = layers.Activation("relu", name=f"{name}_relu")(x)
    return x


def vgg_block(x, filters: int, convs: int = 2, *, batch_norm: bool = True, name: str = "block1"):
    """A VGG-style block on tensor ``x``: ``convs`` 3x3 convolutions of ``filters`` channels (each
    followed by batch norm and ReLU), then 2x2 max pooling that halves height and width.

    Why: stacked 3x3 convolutions see as far as one larger filter (two see 5x5, three 7x7) with fewer
    weights and more non-linearities; VGG (Simonyan and Zisserman, 2014) built whole networks from
    this one block. Layers: ``{name}_c{i}_conv``, ``{name}_c{i}_bn``, ``{name}_c{i}_relu``, ``{name}_pool``.
    """
    if convs < 1:
        raise ValueError(f"a VGG block needs at least one convolution, got convs={convs!r}")
    for index in range(1, convs + 1):
        x = _conv_bn_relu(x, filters, 1, f"{name}_c{index}", batch_norm)
    return layers.MaxPooling2D(2, name=f"{name}_pool")(x)


def vgg_net(input_shape=(32, 32, 3), n_classes: int = 10, filters=(32, 64, 128), convs_per_block: int = 2,
            dropout: float = 0.0, batch_norm: bool = True) -> keras.Model:
    """A VGG-style network: one :func:`vgg_block` per entry of ``filters`` (each doubling the channels
    and halving the maps, as in VGG), then global average pooling, optional dropout and a softmax.

    Global average pooling replaces VGG's huge dense layers (most of VGG-16's 138 million weights)
    with one average per channel, as most CIFAR-sized networks do today. Named ``vgg{convs}``, where
    ``convs`` counts the weighted layers (convolutions plus the classifier).
    """
    if not filters:
        raise ValueError("vgg_net needs at least one block, got filters=()")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a rate in [0, 1), got {dropout!r}")
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for index, width in enumerate(filters, start=1):
        x = vgg_block(x, width, convs_per_block, batch_norm=batch_norm, name=f"block{index}")
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", dtype="float32", name="output")(x)
    return keras.Model(inputs, outputs, name=f"vgg{len(filters) * convs_per_block + 1}")


def residual_block(x, filters: int, stride: int = 1, *, shortcut: bool = True, batch_norm: bool = True,
                   name: str = "res"):
    """A basic residual block (He et al., 2016) on tensor ``x``: two 3x3 convolutions with batch norm,
    ReLU between them, the block's input added back before the final ReLU: ``relu(F(x) + s(x))``.

    The shortcut ``s`` is the identity when shapes match; when the block changes the width or the
    stride it is a *projection*, a strided 1x1 convolution with batch norm (the paper's option B), so
    the two branches can be added. Why: the block only has to learn a correction ``F(x)`` to its
    input, and the addition gives gradients a path around the convolutions. ``shortcut=False``
    builds the plain twin (same layers, no shortcut, no addition). Layers: ``{name}_a_*`` and
    ``{name}_b_*`` (conv, bn, relu), ``{name}_proj_conv``, ``{name}_proj_bn``, ``{name}_add``,
    ``{name}_out_relu``.
    """
    if stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2, got {stride!r}")
    y = _conv_bn_relu(x, filters, stride, f"{name}_a", batch_norm)
    y = _conv_bn_relu(y, filters, 1, f"{name}_b", batch_norm, relu=False)
    if shortcut:
        if stride != 1 or x.shape[-1] != filters:
            x = layers.Conv2D(filters, 1, strides=stride, use_bias=not batch_norm, kernel_initializer="he_normal",
                              name=f"{name}_proj_conv")(x)
            if batch_norm:
                x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_proj_bn")(x)
        y = layers.Add(name=f"{name}_add")([y, x])
    return layers.Activation("relu", name=f"{name}_out_relu")(y)


def resnet(depth: int = 20, input_shape=(32, 32, 3), n_classes: int = 10, widths=(16, 32, 64), *,
           shortcuts: bool = True, batch_norm: bool = True) -> keras.Model:
    """The CIFAR ResNet of He et al. (2016, section 4.2): ``depth = 6n + 2`` weighted layers.

    A 3x3 stem convolution (``widths[0]`` channels), then three stages of ``n`` :func:`residual_block`
    each, at ``widths`` channels on 32x32, 16x16 and 8x8 maps (the first block of stages 2 and 3 has
    stride 2 and a projection shortcut), then global average pooling and a softmax: 1 + 6n + 1 layers
    (projections are not counted, as in the paper). ``depth=20`` with the default widths is ResNet-20
    (about 0.27 million parameters). ``shortcuts=False`` gives the plain twin (see :func:`plain_net`).
    Blocks are named ``stage{s}_block{b}``.
    """
    if not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth must be 6n + 2 with n >= 1 (8, 14, 20, 32, 44, 56, ...), got {depth!r}")
    if len(widths) != 3:
        raise ValueError(f"widths gives the channels of the three stages, e.g. (16, 32, 64); got {widths!r}")
    blocks = (depth - 2) // 6
    inputs = keras.Input(shape=input_shape, name="image")
    x = _conv_bn_relu(inputs, widths[0], 1, "stem", batch_norm)
    for stage, width in enumerate(widths, start=1):
        for block in range(1, blocks + 1):
            stride = 2 if stage > 1 and block == 1 else 1
            x = residual_block(x, width, stride, shortcut=shortcuts, batch_norm=batch_norm,
                               name=f"stage{stage}_block{block}")
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    outputs = layers.Dense(n_classes, activation="softmax", dtype="float32", name="output")(x)
    return keras.Model(inputs, outputs, name=f"{'resnet' if shortcuts else 'plain'}{depth}")


def plain_net(depth: int = 20, input_shape=(32, 32, 3), n_classes: int = 10, widths=(16, 32, 64), *,
              batch_norm: bool = True) -> keras.Model:
    """The plain twin of :func:`resnet`: the same convolutions, batch norms and layer names, but no
    shortcuts (so no projections and no additions). Why: any difference in how the two train is
    then down to the shortcuts alone (He et al. compared "plain-20/32/44/56" with ResNets this way)."""
    return resnet(depth, input_shape, n_classes, widths, shortcuts=False, batch_norm=batch_norm)


def multiply_adds(model: keras.Model) -> int:
    """Multiply-adds one image costs in ``model``'s Conv2D, DepthwiseConv2D and Dense layers.

    Per layer, from its output shape and kernel: a convolution does ``k_h * k_w * c_in / groups``
    multiply-adds for each output value, a depthwise one ``k_h * k_w`` per output value, a dense layer
    ``n_in`` per output value. Batch norm, activations, pooling and additions (a small share) are not
    counted. Why: a count of the work per image that, unlike seconds, does not depend on the hardware.
    Nested models are counted layer by layer. (FLOPs are about twice the multiply-adds.)
    """
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += multiply_adds(layer)
            continue
        if not isinstance(layer, (layers.Conv2D, layers.DepthwiseConv2D, layers.Dense)):
            continue
        outputs = 1
        for size in layer.output.shape[1:]:
            outputs *= int(size)
        kernel = tuple(int(size) for size in layer.kernel.shape)
        if isinstance(layer, layers.DepthwiseConv2D):
            per_output = kernel[0] * kernel[1]
        elif isinstance(layer, layers.Conv2D):
            per_output = kernel[0] * kernel[1] * kernel[2]  # the kernel holds c_in / groups input channels
        else:
            per_output = kernel[0]
        total += outputs * per_output
    return total
