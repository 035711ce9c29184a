"""course_lib.transfer on tiny inputs: untrained backbones (weights=None), a few generated PNGs."""
import shutil

import keras
import numpy as np
import pytest

from course_lib import data, transfer

WEIGHTS = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5"
REAL_KERAS_CACHE = data.keras_cache_dir()  # read before any test points KERAS_HOME at an empty folder


@pytest.fixture(scope="module")
def untrained():
    """A classifier on an untrained MobileNetV2 (alpha 0.35) for 32x32 images, backbone frozen."""
    return transfer.build_classifier(3, weights=None, image_size=32)


def test_classifier_layers_and_frozen_backbone(untrained):
    names = [layer.name for layer in untrained.layers]
    assert names == ["image", "preprocessing", "backbone", "pool", "dropout", "head"]
    assert tuple(untrained.output.shape) == (None, 3)
    assert untrained.get_layer("backbone").trainable_weights == []
    assert transfer.count_params(untrained.trainable_weights) == (1280 + 1) * 3  # only the head learns
    assert untrained.count_params() == untrained.get_layer("backbone").count_params() + (1280 + 1) * 3


def test_fine_tuning_unfreezes_top_layers_but_not_batch_norm(untrained):
    backbone = untrained.get_layer("backbone")
    unfrozen = transfer.set_fine_tuning(untrained, 10)
    top = backbone.layers[-10:]
    expected = [layer.name for layer in top if layer.weights and not isinstance(layer, keras.layers.BatchNormalization)]
    assert unfrozen == expected and unfrozen  # the top ten hold convolutions
    assert transfer.count_params(backbone.trainable_weights) == sum(
        backbone.get_layer(name).count_params() for name in expected)
    assert not any(layer.trainable for layer in backbone.layers if isinstance(layer, keras.layers.BatchNormalization))
    assert not any(layer.trainable for layer in backbone.layers[:-10])
    assert transfer.set_fine_tuning(untrained, 0) == []
    assert untrained.get_layer("backbone").trainable_weights == []


def test_backbone_batch_norm_stays_in_inference_mode(untrained):
    transfer.set_fine_tuning(untrained, len(untrained.get_layer("backbone").layers))
    norms = [layer for layer in untrained.get_layer("backbone").layers
             if isinstance(layer, keras.layers.BatchNormalization)]
    before = [keras.ops.convert_to_numpy(layer.moving_mean) for layer in norms]
    images = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    untrained(images, training=True)  # a training-mode call would update the running statistics
    after = [keras.ops.convert_to_numpy(layer.moving_mean) for layer in norms]
    assert all(np.array_equal(b, a) for b, a in zip(before, after))
    transfer.set_fine_tuning(untrained, 0)


def test_fine_tuning_rejects_impossible_layer_counts(untrained):
    with pytest.raises(ValueError, match="fine_tune_layers must be an integer from 0 to"):
        transfer.set_fine_tuning(untrained, 10_000)
    with pytest.raises(ValueError, match="fine_tune_layers"):
        transfer.set_fine_tuning(untrained, -1)


def test_preprocessing_matches_the_backbones_own():
    pixels = np.array([[[[0.0, 127.5, 255.0]]]], dtype="float32")
    layer = transfer.BackbonePreprocessing("mobilenet_v2")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(pixels)), [[[[-1.0, 0.0, 1.0]]]])
    images = np.random.default_rng(1).uniform(0, 255, (2, 5, 5, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(images)),
                               keras.applications.mobilenet_v2.preprocess_input(images.copy()), rtol=1e-6, atol=1e-6)
    assert transfer.BackbonePreprocessing.from_config(layer.get_config()).backbone == "mobilenet_v2"


def test_weights_file_names_and_unknown_backbone():
    assert transfer._weights_file_name() == WEIGHTS
    assert transfer._weights_file_name("mobilenet_v2", 1.0, 224).endswith("_1.0_224_no_top.h5")
    assert transfer._weights_file_name("efficientnet_b0") == "efficientnetb0_notop.h5"
    with pytest.raises(ValueError, match="unknown backbone 'vgg'"):
        transfer.load_backbone("vgg")


def test_missing_weights_offline_name_file_folder_and_fix(offline_python, empty_keras_home):
    finished = offline_python("""
        from course_lib import data, transfer
        try:
            transfer.load_backbone()
        except data.DataUnavailableError as error:
            print(error)
            print("chained:", error.__cause__ is not None or not error.__suppress_context__)
        """)
    message = finished.stdout
    assert f"ImageNet weights {WEIGHTS!r} are unavailable" in message, finished.stderr[-2000:]
    assert f"folder searched: {empty_keras_home / 'models'}" in message
    assert "fix: copy" in message and "KERAS_HOME" in message
    assert "chained: False" in message


def test_cached_weights_load_offline(offline_python, empty_keras_home):
    cached = REAL_KERAS_CACHE / "models" / WEIGHTS
    if not cached.exists():
        pytest.skip(f"the offline MobileNetV2 weights are not in this machine's Keras cache ({cached.parent})")
    (empty_keras_home / "models").mkdir(parents=True)
    shutil.copy(cached, empty_keras_home / "models" / WEIGHTS)
    finished = offline_python("""
        from course_lib import transfer
        backbone = transfer.load_backbone()
        print(backbone.name, tuple(backbone.output.shape))
        """)
    assert "backbone (None, 7, 7, 1280)" in finished.stdout, finished.stderr[-2000:]


def test_find_image_folder(tmp_path, empty_keras_home, monkeypatch):
    assert transfer.find_image_folder(tmp_path) == tmp_path
    (tmp_path / "images" / "hymenoptera_data").mkdir(parents=True)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert transfer.find_image_folder() == tmp_path / "images" / "hymenoptera_data"
    with pytest.raises(data.DataUnavailableError, match="hymenoptera_data.zip") as caught:
        transfer.find_image_folder(tmp_path / "nowhere")
    assert "is not a folder" in str(caught.value)
    monkeypatch.delenv("COURSE_DATA_DIR")  # then the Keras cache's datasets/ folder is the course data folder
    with pytest.raises(data.DataUnavailableError, match="course data folder: .*keras/datasets/images/hymenoptera_data"):
        transfer.find_image_folder()
    (empty_keras_home / "datasets" / "images" / "hymenoptera_data").mkdir(parents=True)
    assert transfer.find_image_folder() == empty_keras_home / "datasets" / "images" / "hymenoptera_data"


def write_pngs(folder, counts):
    """Solid-colour PNGs: class c's images are filled with value 40 * (c + 1); some are wide."""
    rng = np.random.default_rng(0)
    for index, (name, count) in enumerate(counts.items()):
        (folder / name).mkdir(parents=True)
        for i in range(count):
            shape = (12, 20, 3) if i % 2 else (16, 16, 3)
            pixels = np.full(shape, 40 * (index + 1), dtype="uint8")
            pixels[0, 0] = rng.integers(0, 255, 3)
            keras.utils.save_img(folder / name / f"{i}.png", pixels, scale=False)


def test_load_image_folder_batches_labels_and_pixels(tmp_path):
    write_pngs(tmp_path, {"bees": 3, "ants": 2})
    dataset, class_names = transfer.load_image_folder(tmp_path, image_size=8, batch_size=4)
    assert class_names == ["ants", "bees"]
    batches = list(dataset)
    assert [len(labels) for _, labels in batches] == [4, 1]
    images = np.concatenate([keras.ops.convert_to_numpy(x) for x, _ in batches])
    labels = np.concatenate([keras.ops.convert_to_numpy(y) for _, y in batches])
    assert images.shape == (5, 8, 8, 3) and images.dtype == np.float32
    np.testing.assert_array_equal(labels, [0, 0, 1, 1, 1])
    np.testing.assert_allclose(images[labels == 0, 4, 4], 80.0)  # pixels stay in [0, 255]
    np.testing.assert_allclose(images[labels == 1, 4, 4], 40.0)


def test_load_image_folder_reshuffles_each_epoch(tmp_path):
    write_pngs(tmp_path, {"a": 10, "b": 10})
    dataset, _ = transfer.load_image_folder(tmp_path, image_size=4, batch_size=20, shuffle=True, seed=3)
    orders = [tuple(keras.ops.convert_to_numpy(y)) for _, y in dataset] + [tuple(keras.ops.convert_to_numpy(y))
                                                                           for _, y in dataset]
    assert sorted(orders[0]) == sorted(orders[1]) == [0] * 10 + [1] * 10
    assert orders[0] != orders[1]


def test_load_image_folder_augments_each_batch(tmp_path):
    write_pngs(tmp_path, {"a": 4, "b": 4})
    plain, _ = transfer.load_image_folder(tmp_path, image_size=16, batch_size=8)
    moved, _ = transfer.load_image_folder(tmp_path, image_size=16, batch_size=8,
                                            augment=data.augmentation(translate=0.4, seed=0))
    before = np.asarray(next(iter(plain))[0])
    after = np.asarray(next(iter(moved))[0])
    assert after.shape == before.shape and not np.allclose(after, before)


def test_load_image_folder_missing(tmp_path):
    with pytest.raises(data.DataUnavailableError, match="one sub-folder per class"):
        transfer.load_image_folder(tmp_path / "absent")
