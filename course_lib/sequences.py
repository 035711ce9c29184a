"""Data that is not a photo, for lesson 14: spoken digits (audio) and clips of moving digits (video).

The Free Spoken Digit Dataset (FSDD) is read from the course data folder
(:func:`course_lib.data.course_data_dir`, ``$COURSE_DATA_DIR``) with the standard library's ``wave``
module, each file checked against the dataset's own ``SHA256SUMS``. :func:`spoken_digit_splits` gives
the dataset's standard split (takes 0-4 of every speaker are the test set, so the test speakers are
also the training speakers) or a speaker-held-out one (one speaker's clips are the test set).
:func:`moving_digit_clips` makes short video clips of an MNIST digit moving in one of four
directions: a task a model can only solve by looking at the order of the frames.
"""
from __future__ import annotations

import dataclasses
import re
import wave
from pathlib import Path

import numpy as np

from course_lib.data import DataUnavailableError, Splits, course_data_dir, sha256_of

FSDD_FOLDER = "audio/free-spoken-digit-dataset"
FSDD_SAMPLE_RATE = 8000
FSDD_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
FSDD_TEST_TAKES = range(0, 5)  # the dataset's own convention: takes 0-4 of every speaker are the test set
FSDD_VAL_TAKES = range(5, 10)  # carved from the training takes, to choose models on
FSDD_NAME = re.compile(r"^(\d)_([a-z]+)_(\d+)\.wav$")
DIRECTIONS = ("right", "left", "down", "up")
_STEPS = {"right": (0, 1), "left": (0, -1), "down": (1, 0), "up": (-1, 0)}  # (rows, columns) per frame


@dataclasses.dataclass
class SpokenDigits:
    """Every clip of the FSDD: ``audio`` (n, length) float32 in [-1, 1], padded with silence or cut
    to ``length`` samples; ``digits`` (n,) int64; ``speakers`` (n,) names; ``takes`` (n,) int64."""

    audio: np.ndarray
    digits: np.ndarray
    speakers: np.ndarray
    takes: np.ndarray
    sample_rate: int = FSDD_SAMPLE_RATE

    def __repr__(self) -> str:
        return (f"SpokenDigits({len(self.digits)} clips of {self.audio.shape[1]} samples at {self.sample_rate} Hz, "
                f"speakers {sorted(set(self.speakers.tolist()))})")


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """A mono 16-bit PCM WAV file as ``(samples, sample_rate)``: float32 samples in [-1, 1)."""
    with wave.open(str(path), "rb") as handle:
        if handle.getnchannels() != 1 or handle.getsampwidth() != 2:
            raise ValueError(f"{path} is not mono 16-bit PCM ({handle.getnchannels()} channels, "
                             f"{8 * handle.getsampwidth()} bits)")
        rate = handle.getframerate()
        raw = handle.readframes(handle.getnframes())
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0, rate


def fit_length(samples, length: int) -> np.ndarray:
    """``samples`` cut to ``length`` or padded at the end with silence (zeros) up to it."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"fit_length expects one clip, a 1-D array of samples; got shape {samples.shape}")
    if not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be a positive number of samples, got {length!r}")
    fitted = np.zeros(int(length), dtype=np.float32)
    fitted[:min(len(samples), length)] = samples[:length]
    return fitted


def find_spoken_digits() -> Path:
    """The FSDD folder (``<course data>/audio/free-spoken-digit-dataset``), or a clear error naming it."""
    folder = course_data_dir() / FSDD_FOLDER
    if not (folder / "recordings").is_dir() or not (folder / "SHA256SUMS").is_file():
        raise DataUnavailableError(
            f"the Free Spoken Digit Dataset is not in {folder} (it needs recordings/ and SHA256SUMS).\n"
            "  fix: set COURSE_DATA_DIR to the course data folder that holds "
            f"{FSDD_FOLDER}/, or copy the dataset there (recordings/ from "
            "https://github.com/Jakobovski/free-spoken-digit-dataset, with its SHA256SUMS).")
    return folder


def load_spoken_digits(length: int = FSDD_SAMPLE_RATE, verify: bool = True) -> SpokenDigits:
    """Read all 3,000 FSDD clips (6 speakers, 10 digits, 50 takes) into a :class:`SpokenDigits`.

    Each clip is fitted to ``length`` samples (8,000 = one second at 8 kHz; most clips are shorter,
    a few longer ones lose their tail). ``verify`` checks every file against ``SHA256SUMS``.
    """
    folder = find_spoken_digits()
    expected = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            expected[name.strip().lstrip("*")] = digest
    names = sorted(name for name in expected if name.startswith("recordings/") and name.endswith(".wav"))
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise DataUnavailableError(f"{len(missing)} FSDD files listed in SHA256SUMS are missing from {folder}, "
                                   f"e.g. {missing[0]}: copy the dataset again.")
    audio, digits, speakers, takes = [], [], [], []
    for name in names:
        path = folder / name
        if verify and sha256_of(path) != expected[name]:
            raise DataUnavailableError(f"{path} fails its sha256 check against SHA256SUMS: copy the dataset again.")
        match = FSDD_NAME.match(path.name)
        if not match:
            raise ValueError(f"{path.name} is not named digit_speaker_take.wav")
        samples, rate = read_wav(path)
        if rate != FSDD_SAMPLE_RATE:
            raise ValueError(f"{path} is sampled at {rate} Hz, expected {FSDD_SAMPLE_RATE}")
        audio.append(fit_length(samples, length))
        digits.append(int(match.group(1)))
        speakers.append(match.group(2))
        takes.append(int(match.group(3)))
    return SpokenDigits(np.stack(audio), np.array(digits, dtype=np.int64), np.array(speakers),
                        np.array(takes, dtype=np.int64))


def spoken_digit_splits(data: SpokenDigits, split: str = "standard", test_speaker: str = "theo") -> Splits:
    """Train, validation and test sets of the spoken digits, as a :class:`course_lib.data.Splits`.

    ``split="standard"``: the dataset's own split, takes 0-4 of every speaker are the test set (the
    test voices are also in the training set). ``split="speaker"``: every clip of ``test_speaker`` is
    the test set, a voice the model never heard. In both, takes 5-9 of the training speakers are the
    validation set and the rest (takes 10-49) the training set.
    """
    if split not in ("standard", "speaker"):
        raise ValueError(f"split must be 'standard' or 'speaker', got {split!r}")
    if split == "speaker" and test_speaker not in set(data.speakers.tolist()):
        raise ValueError(f"test_speaker must be one of {sorted(set(data.speakers.tolist()))}, got {test_speaker!r}")
    if split == "standard":
        test = np.isin(data.takes, FSDD_TEST_TAKES)
    else:
        test = data.speakers == test_speaker
    val = ~test & np.isin(data.takes, FSDD_VAL_TAKES)
    train = ~test & ~val
    source = "FSDD, standard split" if split == "standard" else f"FSDD, speaker {test_speaker} held out"
    return Splits(data.audio[train], data.digits[train], data.audio[val], data.digits[val],
                  data.audio[test], data.digits[test], tuple(str(digit) for digit in range(10)), source)


def moving_digit_clips(images, n_clips: int, frames: int = 8, size: int = 32, step: int = 2, seed: int = 0):
    """Clips of a digit moving in a straight line: ``(clips, directions)``.

    ``clips`` is float32 (n_clips, frames, size, size, 1) in [0, 1]: each takes a random image of
    ``images`` (uint8 or float digits, (n, h, w)), places it at a random position of a black
    ``size`` x ``size`` frame and moves it ``step`` pixels per frame right, left, down or up,
    ``directions`` (n_clips,) int64 indexing :data:`DIRECTIONS`. The start is drawn so that the digit
    stays inside the frame; across the other axis it is uniform. Why: a clip and the same clip
    played backwards hold the same frames and move in opposite directions, so only a model that
    sees the order of the frames can tell the direction along an axis.
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must be a batch of grey images (n, height, width), got shape {images.shape}")
    height, width = images.shape[1:]
    travel = step * (frames - 1)
    if frames < 2 or step < 1 or size < max(height, width) + travel:
        raise ValueError(f"a {height}x{width} digit moving {step} pixels for {frames} frames needs frames >= 2, "
                         f"step >= 1 and size >= {max(height, width) + travel}; got frames={frames}, step={step}, "
                         f"size={size}")
    if n_clips < 1:
        raise ValueError(f"n_clips must be at least 1, got {n_clips!r}")
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    rng = np.random.default_rng(seed)
    chosen = rng.integers(len(images), size=n_clips)
    directions = rng.integers(len(DIRECTIONS), size=n_clips)
    along = rng.integers(0, size - max(height, width) - travel + 1, size=n_clips)  # start on the moving axis
    across = rng.integers(0, size - max(height, width) + 1, size=n_clips)
    clips = np.zeros((n_clips, frames, size, size, 1), dtype=np.float32)
    for index in range(n_clips):
        d_row, d_col = _STEPS[DIRECTIONS[directions[index]]]
        start = along[index] if d_row + d_col > 0 else along[index] + travel  # right/down start low, left/up high
        row0, col0 = (start, across[index]) if d_row else (across[index], start)
        for frame in range(frames):
            row, col = row0 + d_row * step * frame, col0 + d_col * step * frame
            clips[index, frame, row:row + height, col:col + width, 0] = images[chosen[index]] / scale
    return clips, directions.astype(np.int64)
