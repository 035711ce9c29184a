"""Keras model builders the lessons share. Each returns an uncompiled ``keras.Model`` with named
layers, so lessons can pick layers by name (``model.get_layer("C1")``) for filters and feature maps."""
from __future__ import annotations

import keras
from keras import layers

POOLINGS = {"average": layers.AveragePooling2D, "max": layers.MaxPooling2D}


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
    """A small modern CNN: per stage, ``convs_per_stage`` 3x3 convolutions (with batch norm and
    ReLU), then 2x2 max pooling; then a dense layer with dropout and the softmax classifier.

    Layers are named ``stage{s}_conv{c}``, ``stage{s}_bn{c}``, ``stage{s}_relu{c}``,
    ``stage{s}_pool``, then ``flatten``, ``dense``, ``dropout`` and ``output``.
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
            if batch_norm:
                x = layers.BatchNormalization(name=f"stage{stage}_bn{conv}")(x)
            x = layers.Activation("relu", name=f"stage{stage}_relu{conv}")(x)
        x = layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="small_cnn")
