"""Test settings: the smoke profile by default, a non-interactive plotting backend, and the
fixtures that simulate an offline machine.

pytest loads this file before collecting, so the notebook kernels nbval starts inherit
COURSE_PROFILE=smoke unless the command line set a profile (COURSE_PROFILE=full pytest).
"""
import os
import socket

os.environ.setdefault("COURSE_PROFILE", "smoke")

import matplotlib  # noqa: E402  (the profile must be set before anything imports course_lib)

matplotlib.use("Agg")

import pytest  # noqa: E402


@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    """A fresh, empty Keras cache, as Keras would see with KERAS_HOME pointing at it."""
    from keras.src.backend import config

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path / "keras"))
    return tmp_path / "keras"


@pytest.fixture
def no_network(monkeypatch):
    """Every connection attempt fails, as on a machine without internet."""
    def refuse(*args, **kwargs):
        raise OSError("network is unreachable (blocked by the test)")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
