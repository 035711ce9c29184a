import hashlib
import wave

import numpy as np
import pytest

from course_lib import data, sequences


def write_wav(path, samples, rate=8000):
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def make_fsdd(root, speakers=("ann", "bob"), takes=12, rate=8000):
    """A tiny FSDD in the real layout: every digit, ``takes`` takes per speaker, with SHA256SUMS."""
    folder = root / sequences.FSDD_FOLDER
    (folder / "recordings").mkdir(parents=True)
    lines = []
    for digit in range(10):
        for speaker in speakers:
            for take in range(takes):
                name = f"recordings/{digit}_{speaker}_{take}.wav"
                write_wav(folder / name, np.full(3 + take, 1000 * digit), rate)
                lines.append(f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}")
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return folder


def test_read_wav_scales_16_bit_samples(tmp_path):
    write_wav(tmp_path / "a.wav", [0, 16384, -32768])
    samples, rate = sequences.read_wav(tmp_path / "a.wav")
    assert rate == 8000 and samples.dtype == np.float32
    np.testing.assert_array_equal(samples, [0.0, 0.5, -1.0])


def test_fit_length_pads_and_cuts():
    np.testing.assert_array_equal(sequences.fit_length([1, 2], 4), [1, 2, 0, 0])
    np.testing.assert_array_equal(sequences.fit_length([1, 2, 3], 2), [1, 2])
    with pytest.raises(ValueError, match="1-D array"):
        sequences.fit_length(np.zeros((2, 2)), 4)


def test_missing_folder_names_it_and_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(data.DataUnavailableError) as caught:
        sequences.load_spoken_digits()
    assert str(tmp_path / sequences.FSDD_FOLDER) in str(caught.value) and "COURSE_DATA_DIR" in str(caught.value)


def test_load_reads_labels_speakers_and_takes(tmp_path, monkeypatch):
    make_fsdd(tmp_path)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    clips = sequences.load_spoken_digits(length=6)
    assert clips.audio.shape == (10 * 2 * 12, 6) and clips.audio.dtype == np.float32
    first = (clips.digits == 3) & (clips.speakers == "bob") & (clips.takes == 1)
    np.testing.assert_allclose(clips.audio[first][0], [3000 / 32768] * 4 + [0, 0])


def test_corrupt_file_fails_its_checksum(tmp_path, monkeypatch):
    folder = make_fsdd(tmp_path)
    write_wav(folder / "recordings" / "0_ann_0.wav", [1, 2, 3])
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(data.DataUnavailableError, match="0_ann_0.wav fails its sha256 check"):
        sequences.load_spoken_digits()


def test_splits_standard_and_speaker_held_out(tmp_path, monkeypatch):
    make_fsdd(tmp_path)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    clips = sequences.load_spoken_digits(length=4)
    standard = sequences.spoken_digit_splits(clips, "standard")
    assert (len(standard.y_test), len(standard.y_val), len(standard.y_train)) == (100, 100, 40)
    held_out = sequences.spoken_digit_splits(clips, "speaker", test_speaker="bob")
    assert (len(held_out.y_test), len(held_out.y_val), len(held_out.y_train)) == (120, 50, 70)
    with pytest.raises(ValueError, match="test_speaker must be one of"):
        sequences.spoken_digit_splits(clips, "speaker", test_speaker="theo")
    with pytest.raises(ValueError, match="split must be"):
        sequences.spoken_digit_splits(clips, "random")


def test_moving_digit_clips_move_one_step_per_frame():
    digit = np.zeros((1, 3, 3), dtype=np.uint8)
    digit[0, 1, 1] = 255
    clips, directions = sequences.moving_digit_clips(digit, 40, frames=4, size=10, step=2, seed=1)
    assert clips.shape == (40, 4, 10, 10, 1) and clips.dtype == np.float32 and clips.max() == 1.0
    assert set(directions.tolist()) == {0, 1, 2, 3}
    for clip, direction in zip(clips, directions):
        positions = np.array([np.argwhere(frame[..., 0])[0] for frame in clip])
        steps = np.diff(positions, axis=0)
        expected = {"right": (0, 2), "left": (0, -2), "down": (2, 0), "up": (-2, 0)}[sequences.DIRECTIONS[direction]]
        assert (steps == expected).all()


def test_moving_digit_clips_are_seeded_and_validate_sizes():
    digits = np.random.default_rng(0).random((5, 4, 4))
    first, _ = sequences.moving_digit_clips(digits, 3, frames=3, size=9, seed=7)
    again, _ = sequences.moving_digit_clips(digits, 3, frames=3, size=9, seed=7)
    np.testing.assert_array_equal(first, again)
    with pytest.raises(ValueError, match="needs frames >= 2, step >= 1 and size >= 12"):
        sequences.moving_digit_clips(digits, 3, frames=5, size=10)
    with pytest.raises(ValueError, match="batch of grey images"):
        sequences.moving_digit_clips(digits[0], 3)
