"""Transfer learning: an ImageNet backbone from ``keras.applications`` under a new classifier head,
and photo folders as ``tf.data`` pipelines.

The backbone's weights come through ``keras.applications`` itself, which looks in
``$KERAS_HOME/models/`` first and downloads only what is missing; offline, a missing file is
reported as :class:`course_lib.data.DataUnavailableError` with its name and the fix. Photo folders
(one sub-folder per class) load through ``keras.utils.image_dataset_from_directory``.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Callable

import keras
import numpy as np

from course_lib.data import DataUnavailableError, course_data_dir, keras_cache_dir

DATA_DIR_ENV = "COURSE_DATA_DIR"
HYMENOPTERA = "hymenoptera_data"
HYMENOPTERA_URL = "https://download.pytorch.org/tutorial/hymenoptera_data.zip"


@dataclasses.dataclass(frozen=True)
class Backbone:
    """How to build one ``keras.applications`` model and prepare its input."""

    build: Callable
    preprocess: Callable
    weights_file: Callable  # (alpha, image_size) -> the file name Keras caches under models/
    takes_alpha: bool = False


BACKBONES = {
    "mobilenet_v2": Backbone(
        keras.applications.MobileNetV2, keras.applications.mobilenet_v2.preprocess_input,
        lambda alpha, size: f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{size}_no_top.h5",
        takes_alpha=True),
    "efficientnet_b0": Backbone(
        keras.applications.EfficientNetB0, keras.applications.efficientnet.preprocess_input,
        lambda alpha, size: "efficientnetb0_notop.h5"),
}


def _backbone_spec(backbone: str) -> Backbone:
    if backbone not in BACKBONES:
        raise ValueError(f"unknown backbone {backbone!r}: choose one of {', '.join(BACKBONES)}")
    return BACKBONES[backbone]


def _weights_file_name(backbone: str = "mobilenet_v2", alpha: float = 0.35, image_size: int = 224) -> str:
    """The file ``keras.applications`` looks for in ``<keras cache>/models/`` (headless weights)."""
    return _backbone_spec(backbone).weights_file(alpha, image_size)


def load_backbone(backbone: str = "mobilenet_v2", *, alpha: float = 0.35, image_size: int = 224,
                  weights: str | None = "imagenet") -> keras.Model:
    """The convolutional part of an ImageNet classifier (``include_top=False``), named ``"backbone"``.

    ``alpha`` (MobileNetV2 only) scales the number of filters: 0.35 is the small model the course
    ships offline, 1.0 the standard one. Without the cached weights file and without network,
    raises :class:`DataUnavailableError` naming the file, the folder and the fix.
    """
    spec = _backbone_spec(backbone)
    options = dict(alpha=alpha) if spec.takes_alpha else {}
    try:
        model = spec.build(include_top=False, weights=weights, input_shape=(image_size, image_size, 3), **options)
    except Exception as error:  # Keras reports a failed download as a bare Exception
        folder = keras_cache_dir() / "models"
        fname = _weights_file_name(backbone, alpha, image_size)
        if weights != "imagenet" or (folder / fname).exists():
            raise
        raise DataUnavailableError(
            f"ImageNet weights {fname!r} are unavailable: not in the Keras cache and the download "
            f"failed ({str(error).splitlines()[0]}).\n"
            f"  folder searched: {folder}\n"
            f"  fix: copy {fname} into that folder (the course's offline copy is in "
            "datasets/keras-models/), or set KERAS_HOME to a folder whose models/ holds it, "
            "or connect to the internet and run again."
        ) from None
    model.name = "backbone"
    return model


@keras.saving.register_keras_serializable(package="course_lib")
class BackbonePreprocessing(keras.layers.Layer):
    """The backbone's own ``preprocess_input`` as a layer: pixels in [0, 255] in, what it was trained on out."""

    def __init__(self, backbone: str = "mobilenet_v2", **kwargs):
        super().__init__(**kwargs)
        self.backbone = backbone
        self._preprocess = _backbone_spec(backbone).preprocess

    def call(self, images):
        return self._preprocess(keras.ops.cast(images, self.compute_dtype))

    def get_config(self):
        return {**super().get_config(), "backbone": self.backbone}


def build_classifier(n_classes: int, *, backbone: str = "mobilenet_v2", alpha: float = 0.35,
                     image_size: int = 224, weights: str | None = "imagenet", fine_tune_layers: int = 0,
                     dropout: float = 0.2) -> keras.Model:
    """Image classifier on a pretrained backbone: pixels in [0, 255] in, class probabilities out.

    Layers: ``image`` -> ``preprocessing`` (the backbone's own) -> ``backbone`` -> ``pool`` (global
    average) -> ``dropout`` -> ``head`` (softmax). Augmentation belongs in the input pipeline
    (:func:`load_image_folder`'s ``augment``), not in the model. The backbone is called with ``training=False``, so its batch-norm layers always
    normalize with the ImageNet statistics, also while fine-tuning. ``fine_tune_layers`` is passed
    to :func:`set_fine_tuning`: 0 freezes the whole backbone (feature extraction).
    """
    if not isinstance(n_classes, int) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer of at least 2, got {n_classes!r}")
    base = load_backbone(backbone, alpha=alpha, image_size=image_size, weights=weights)
    inputs = keras.Input(shape=(image_size, image_size, 3), name="image")
    x = BackbonePreprocessing(backbone, name="preprocessing")(inputs)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name=f"{backbone}_classifier")
    set_fine_tuning(model, fine_tune_layers)
    return model


def set_fine_tuning(model: keras.Model, fine_tune_layers: int) -> list[str]:
    """Freeze the backbone except its top ``fine_tune_layers`` layers; return the names unfrozen.

    Batch-norm layers stay frozen even among the top layers: their scale and offset were learned
    together with the ImageNet statistics they normalize by. Compile the model again afterwards:
    Keras fixes the list of weights to train when it compiles.
    """
    backbone = model.get_layer("backbone")
    if not isinstance(fine_tune_layers, int) or not 0 <= fine_tune_layers <= len(backbone.layers):
        raise ValueError(f"fine_tune_layers must be an integer from 0 to {len(backbone.layers)} "
                         f"(the backbone's layers), got {fine_tune_layers!r}")
    backbone.trainable = fine_tune_layers > 0
    unfrozen = []
    for index, layer in enumerate(backbone.layers):
        on_top = index >= len(backbone.layers) - fine_tune_layers
        layer.trainable = on_top and not isinstance(layer, keras.layers.BatchNormalization)
        if layer.trainable and layer.weights:
            unfrozen.append(layer.name)
    return unfrozen


def count_params(weights) -> int:
    """Number of values in a list of weights, e.g. ``model.trainable_weights``."""
    return int(sum(np.prod(weight.shape) for weight in weights))


def find_image_folder(folder: str | os.PathLike | None = None, name: str = HYMENOPTERA) -> Path:
    """The photo folder to use: ``folder`` if given, else ``images/<name>`` in the course data
    folder (:func:`course_lib.data.course_data_dir`: ``$COURSE_DATA_DIR``, else the Keras cache's
    ``datasets/``).

    Raises :class:`DataUnavailableError` saying where it looked and how to get the photos.
    """
    if folder is not None:
        candidate, how = Path(folder).expanduser(), "the folder given"
    else:
        candidate, how = course_data_dir() / "images" / name, "the course data folder"
    if candidate.is_dir():
        return candidate
    raise DataUnavailableError(
        f"the image folder {name!r} was not found ({how}: {candidate} is not a folder).\n"
        f"  fix: download and unzip {HYMENOPTERA_URL if name == HYMENOPTERA else 'the photos'}, then pass "
        f"the unzipped folder (it holds train/ and val/) as the folder argument, or set {DATA_DIR_ENV} "
        f"to a folder holding images/{name}/."
    )


def load_image_folder(folder: str | os.PathLike, image_size: int = 224, batch_size: int = 32,
                      shuffle: bool = False, seed: int = 0, crop: bool = True, augment=None):
    """Photos in ``folder/<class name>/*`` as a cached, prefetched ``tf.data`` pipeline.

    Needs TensorFlow installed (``tf.data`` is what ``keras.utils.image_dataset_from_directory``
    builds), whichever backend Keras runs on: the batches reach ``fit`` as arrays.

    Returns ``(dataset, class_names)``; the dataset yields ``(images, labels)`` batches, images as
    float32 RGB pixels in [0, 255] resized to ``image_size`` squared (with ``crop``, the largest
    central square is cut out first, so shapes are not squashed), labels as class indices
    (classes in alphabetical order of their folders). The decoded images are cached in memory
    after the first pass, so later epochs skip the JPEG decoding; with ``shuffle`` the order
    changes every epoch (shuffling happens after the cache). ``augment`` (e.g.
    :func:`course_lib.data.augmentation`) is applied to each batch, after the cache, so every epoch
    sees new random changes; it runs inside the pipeline, which keeps the model compilable.
    """
    import tensorflow as tf  # tf.data is the pipeline image_dataset_from_directory builds

    folder = Path(folder)
    if not folder.is_dir():
        raise DataUnavailableError(f"no image folder at {folder}: it should hold one sub-folder per class")
    dataset = keras.utils.image_dataset_from_directory(
        folder, image_size=(image_size, image_size), batch_size=None, shuffle=False,
        color_mode="rgb", label_mode="int", crop_to_aspect_ratio=crop, verbose=False)
    class_names = list(dataset.class_names)
    dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(dataset.cardinality(), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augment is not None:
        dataset = dataset.map(lambda images, labels: (augment(images, training=True), labels),
                              num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE), class_names
