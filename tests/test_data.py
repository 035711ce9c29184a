import gzip
import io
import struct
import zipfile

import keras
import numpy as np
import pytest

from course_lib import data


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def test_read_idx_round_trip(tmp_path):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    write_idx(tmp_path / "x.gz", images)
    np.testing.assert_array_equal(data._read_idx(tmp_path / "x.gz"), images)


def test_read_idx_rejects_other_files(tmp_path):
    path = tmp_path / "bad.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"PK\x03\x04 not idx")
    with pytest.raises(ValueError, match="not an unsigned-byte IDX file"):
        data._read_idx(path)


def test_read_idx_rejects_truncated_files(tmp_path):
    path = tmp_path / "short.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"\x00" * 3)
    with pytest.raises(ValueError, match="states shape \\(10,\\) but holds 3 values"):
        data._read_idx(path)


def test_offline_without_cache_names_file_folder_and_fix(empty_keras_home, no_network):
    with pytest.raises(data.DataUnavailableError) as caught:
        data.load_mnist()
    message = str(caught.value)
    assert "'train-images-idx3-ubyte.gz' is unavailable: it is not in the cache" in message
    assert f"folder searched: {empty_keras_home / 'datasets' / 'mnist'}" in message
    assert "fix: copy the file there" in message and "KERAS_HOME" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no urllib chain shown


def test_cached_file_is_used_without_network(empty_keras_home, no_network):
    folder = empty_keras_home / "datasets" / "demo"
    folder.mkdir(parents=True)
    (folder / "f.bin").write_bytes(b"course data")
    path = data._fetch_file("f.bin", data.sha256_of(folder / "f.bin"), "demo", ("https://example.invalid/",))
    assert path == folder / "f.bin"


def test_corrupt_cached_file_is_reported(empty_keras_home, no_network):
    folder = empty_keras_home / "datasets" / "mnist"
    folder.mkdir(parents=True)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"truncated download")
    with pytest.warns(UserWarning, match="fails its sha256 check"):
        with pytest.raises(data.DataUnavailableError, match="cached copy failed its sha256 check"):
            data._fetch_file("t10k-labels-idx1-ubyte.gz", data.MNIST_SHA256["t10k-labels-idx1-ubyte.gz"],
                            "mnist", data.MNIST_MIRRORS)


def test_fashion_mnist_offline_error(offline_python, empty_keras_home):
    finished = offline_python("""
        from course_lib import data
        try:
            data.load_fashion_mnist()
        except data.DataUnavailableError as error:
            print(error)
        """)
    assert "Fashion-MNIST is unavailable" in finished.stdout, finished.stderr[-2000:]
    assert f"folder searched: {empty_keras_home / 'datasets' / 'fashion-mnist'}" in finished.stdout


def test_keras_cache_dir_follows_the_documented_rule(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "somewhere"))
    assert data.keras_cache_dir() == tmp_path / "somewhere"
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.keras_cache_dir() == tmp_path / ".keras"


def test_cache_report_lists_missing_files(empty_keras_home):
    rows = data.cache_report()
    assert len(rows) == 8 and {row["status"] for row in rows} == {"missing"}


def test_stratified_subset_keeps_class_proportions():
    y = np.repeat(np.arange(4), [10, 20, 30, 40])
    x = np.arange(100)
    x_sub, y_sub = data.stratified_subset(x, y, 50, seed=0)
    assert np.bincount(y_sub).tolist() == [5, 10, 15, 20]
    np.testing.assert_array_equal(y[x_sub], y_sub)  # images travel with their labels
    assert len(data.stratified_subset(x, y, None)[0]) == len(data.stratified_subset(x, y, 500)[0]) == 100


def test_stratified_subset_validates():
    with pytest.raises(ValueError, match="same length"):
        data.stratified_subset(np.zeros(3), np.zeros(4), 2)
    with pytest.raises(ValueError, match="at least the number of classes"):
        data.stratified_subset(np.zeros(10), np.arange(10) % 5, 3)


def test_load_splits_rejects_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'.*mnist, fashion_mnist, cifar10"):
        data.load_splits("cifar")


@pytest.fixture
def tiny_cifar_subset(tmp_path, monkeypatch):
    """A course data folder whose CIFAR-10 subset holds 3 training and 2 test JPEGs."""
    from PIL import Image

    path = tmp_path / data.CIFAR10_SUBSET_ZIP
    path.parent.mkdir(parents=True)
    members = {"train/cat/0000.jpg": 40, "train/airplane/0000.jpg": 120, "train/truck/0000.jpg": 200,
               "test/frog/0000.jpg": 80, "test/cat/0001.jpg": 160}
    with zipfile.ZipFile(path, "w") as archive:
        for name, grey in members.items():
            buffer = io.BytesIO()
            Image.new("RGB", (32, 32), (grey,) * 3).save(buffer, format="JPEG")
            archive.writestr(f"cifar10-jpeg/{name}", buffer.getvalue())
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(data, "CIFAR10_SUBSET_SHA256", data.sha256_of(path))
    return path


def test_cifar10_subset_reads_images_and_labels_in_cifar_order(tiny_cifar_subset):
    (x_train, y_train), (x_test, y_test) = data.load_cifar10_subset()
    assert x_train.shape == (3, 32, 32, 3) and x_train.dtype == np.uint8 and x_test.shape == (2, 32, 32, 3)
    assert y_train.tolist() == [0, 3, 9] and y_test.tolist() == [3, 6]  # airplane, cat, truck; cat, frog
    assert abs(int(x_train[0].mean()) - 120) <= 2  # JPEG is lossy, but not by much on a flat image


def test_cifar10_falls_back_to_the_subset_offline(tiny_cifar_subset, offline_python, monkeypatch):
    monkeypatch.delenv("COURSE_CIFAR10", raising=False)
    finished = offline_python(f"""
        import os
        from course_lib import data
        data.CIFAR10_SUBSET_SHA256 = {data.CIFAR10_SUBSET_SHA256!r}
        train, test, source = data.load_cifar10()
        print(source, train[0].shape)
        os.environ["COURSE_CIFAR10"] = "keras"
        try:
            data.load_cifar10()
        except data.DataUnavailableError as error:
            print(error)
        """)
    assert "jpeg-subset (3, 32, 32, 3)" in finished.stdout, finished.stderr[-2000:]
    assert "CIFAR-10 is unavailable" in finished.stdout and "COURSE_CIFAR10=jpeg-subset" in finished.stdout
    monkeypatch.setenv("COURSE_CIFAR10", "cifar100")
    with pytest.raises(ValueError, match="keras, jpeg-subset, auto"):
        data.load_cifar10()


def test_cifar10_subset_missing_or_corrupt_says_how_to_fix(tiny_cifar_subset, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "CIFAR10_SUBSET_SHA256", "0" * 64)
    with pytest.raises(data.DataUnavailableError, match="fails its sha256 check"):
        data.load_cifar10_subset()
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "elsewhere"))
    with pytest.raises(data.DataUnavailableError, match="set COURSE_DATA_DIR"):
        data.load_cifar10_subset()


# The real files: CI fills the Keras cache from the offline copies; online they download once.
def test_mnist_from_the_real_idx_files():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]


def test_splits_are_disjoint_scaled_and_stratified():
    splits = data.load_splits("fashion_mnist", n_train=1_000, n_val=500, n_test=200, seed=3)
    assert splits.x_train.shape == (1_000, 28, 28) and splits.x_val.shape == (500, 28, 28)
    assert splits.x_test.shape == (200, 28, 28) and splits.x_train.dtype == np.float32
    assert 0.0 <= splits.x_train.min() and splits.x_train.max() <= 1.0
    assert np.bincount(splits.y_train).tolist() == [100] * 10
    train_rows = {row.tobytes() for row in splits.x_train}
    assert not any(row.tobytes() in train_rows for row in splits.x_val)
    assert splits.class_names[0] == "T-shirt/top" and "classes=10" in repr(splits)


def test_cifar10_splits_from_the_offline_subset(monkeypatch):
    monkeypatch.setenv("COURSE_CIFAR10", "jpeg-subset")
    splits = data.load_splits("cifar10", n_val=1_000, n_test=500)
    assert splits.x_train.shape == (9_000, 32, 32, 3) and splits.x_val.shape == (1_000, 32, 32, 3)
    assert np.bincount(splits.y_test).tolist() == [50] * 10 and splits.class_names[3] == "cat"
    assert "stand-in" in splits.source and "stand-in" in repr(splits)
    with pytest.raises(ValueError, match="n_val=10000 leaves no training images"):
        data.load_splits("cifar10", n_val=10_000)


def test_shift_moves_content_and_fills_with_zeros():
    image = np.zeros((1, 5, 6), np.float32)
    image[0, 1, 2] = 1.0
    right_down = data.shift_images(image, dx=2, dy=1)
    expected = np.zeros_like(image)
    expected[0, 2, 4] = 1.0
    np.testing.assert_array_equal(right_down, expected)
    left_up = data.shift_images(image, dx=-2, dy=-1)
    expected = np.zeros_like(image)
    expected[0, 0, 0] = 1.0
    np.testing.assert_array_equal(left_up, expected)


def test_shift_does_not_wrap_around():
    images = np.ones((2, 4, 4, 3), np.float32)
    shifted = data.shift_images(images, dx=1, dy=-2)
    assert shifted.shape == images.shape and shifted.dtype == images.dtype
    np.testing.assert_array_equal(shifted[:, :, 0], 0.0)  # uncovered left column
    np.testing.assert_array_equal(shifted[:, 2:], 0.0)  # uncovered bottom rows
    np.testing.assert_array_equal(shifted[:, :2, 1:], 1.0)
    assert shifted.sum() == 2 * 2 * 3 * 3


def test_inverse_shift_restores_the_interior():
    images = np.random.default_rng(0).uniform(size=(3, 10, 10)).astype(np.float32)
    back = data.shift_images(data.shift_images(images, 3, -2), -3, 2)
    np.testing.assert_array_equal(back[:, 2:, :7], images[:, 2:, :7])
    np.testing.assert_array_equal(back[:, :2], 0.0)
    np.testing.assert_array_equal(back[:, :, 7:], 0.0)
    np.testing.assert_array_equal(data.shift_images(images, 0, 0), images)


def test_shift_beyond_the_frame_and_bad_arguments():
    images = np.ones((1, 4, 4), np.float32)
    np.testing.assert_array_equal(data.shift_images(images, 4, 0), 0.0)
    with pytest.raises(ValueError, match="whole numbers"):
        data.shift_images(images, 1.5, 0)
    with pytest.raises(ValueError, match="must be a non-empty batch of images"):
        data.shift_images(np.ones((4, 4)), 1, 0)
    assert data.shift_images(np.ones((1, 4, 4, 5)), 1, 0).sum() == 4 * 3 * 5  # any number of channels


def test_load_splits_adds_the_channel_axis_to_grey_images_only(monkeypatch):
    grey = data.load_splits("mnist", n_train=100, n_val=100, n_test=100, channel_axis=True)
    assert grey.x_train.shape == (100, 28, 28, 1) and grey.x_test.shape == (100, 28, 28, 1)
    monkeypatch.setenv("COURSE_CIFAR10", "jpeg-subset")
    colour = data.load_splits("cifar10", n_train=100, n_val=100, n_test=100, channel_axis=True)
    assert colour.x_train.shape == (100, 32, 32, 3)


def test_augmentation_is_one_pipeline_that_changes_images_only_in_training():
    augment = data.augmentation(flip=True, translate=0.125, rotate=0.05, zoom=0.1, seed=1)
    assert [type(layer).__name__ for layer in augment.layers] == ["RandomFlip", "RandomTranslation",
                                                                  "RandomRotation", "RandomZoom"]
    x = np.random.default_rng(0).random((4, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(augment(x, training=False)), x)
    assert not np.allclose(keras.ops.convert_to_numpy(augment(x, training=True)), x)
    with pytest.raises(ValueError, match="translate and zoom must lie"):
        data.augmentation(translate=1.5)
    with pytest.raises(ValueError, match="at least one"):
        data.augmentation()
    with pytest.raises(ValueError, match="fill_mode"):
        data.augmentation(flip=True, fill_mode="black")


def test_translation_fills_with_zeros_by_default():
    x = np.ones((64, 8, 8, 1), "float32")
    moved = keras.ops.convert_to_numpy(data.augmentation(translate=0.25, seed=0)(x, training=True))
    assert moved.min() == 0.0  # some border pixels were uncovered and filled with black


def test_batches_visit_every_example_once_per_epoch_in_a_new_order():
    x = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)
    y = np.arange(10)
    batches = data.Batches(x, y, 4, seed=0)
    assert len(batches) == 3
    first = np.concatenate([batches[i][1] for i in range(len(batches))])
    assert sorted(first.tolist()) == list(range(10))
    np.testing.assert_array_equal(np.concatenate([batches[i][0] for i in range(3)]).ravel(), first)
    batches.on_epoch_end()
    second = np.concatenate([batches[i][1] for i in range(len(batches))])
    assert sorted(second.tolist()) == list(range(10)) and second.tolist() != first.tolist()
    in_order = data.Batches(x, y, 4, shuffle=False)
    assert in_order[2][1].tolist() == [8, 9]
    with pytest.raises(ValueError, match="same number"):
        data.Batches(x, y[:5])
    with pytest.raises(ValueError, match="batch_size"):
        data.Batches(x, y, 0)


def test_batches_apply_the_augmentation():
    x = np.ones((8, 6, 6, 1), "float32")
    images, _ = data.Batches(x, np.zeros(8), 8, augment=data.augmentation(translate=0.4, seed=0))[0]
    assert images.shape == (8, 6, 6, 1) and images.min() == 0.0


def test_batches_draw_the_same_augmentation_as_the_layer_called_batch_by_batch():
    x = np.random.default_rng(0).random((20, 6, 6, 1)).astype("float32")
    batches = data.Batches(x, np.zeros(20), 8, shuffle=False, augment=data.augmentation(translate=0.3, seed=3))
    by_hand = data.augmentation(translate=0.3, seed=3)
    for index in range(len(batches)):  # the last batch is smaller: a second trace on TensorFlow
        expected = keras.ops.convert_to_numpy(by_hand(x[index * 8:(index + 1) * 8], training=True))
        np.testing.assert_array_equal(batches[index][0], expected)
