"""Test settings: the smoke profile by default, a non-interactive plotting backend, and the
fixtures that simulate an offline machine.

pytest loads this file before collecting, so the notebook kernels nbval starts inherit
COURSE_PROFILE=smoke unless the command line set a profile (COURSE_PROFILE=full pytest).
"""
import os
import socket
import subprocess
import sys
import textwrap

os.environ.setdefault("COURSE_PROFILE", "smoke")

import matplotlib  # noqa: E402  (the profile must be set before anything imports course_lib)

matplotlib.use("Agg")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def no_results_recording(monkeypatch):
    """Unit tests never write into the real results folder (CI's COURSE_RESULTS_DIR collects the
    notebooks' records); a test that checks recording sets its own folder."""
    monkeypatch.delenv("COURSE_RESULTS_DIR", raising=False)


@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    """A fresh, empty Keras cache named by KERAS_HOME, as course_lib reads it. Keras's own loaders read
    KERAS_HOME once, on import: tests of them run in a fresh interpreter (:func:`offline_python`)."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    return tmp_path / "keras"


@pytest.fixture
def offline_python(empty_keras_home):
    """Run Python code in a fresh interpreter whose Keras cache is ``empty_keras_home`` and which has no
    network, as on an offline machine with nothing cached; returns the finished process."""
    def run(code):
        prelude = ("import socket\n"
                   "def refuse(*args, **kwargs):\n"
                   "    raise OSError('network is unreachable (blocked by the test)')\n"
                   "socket.getaddrinfo = refuse\n"
                   "socket.socket.connect = refuse\n")
        env = {**os.environ, "KERAS_HOME": str(empty_keras_home)}
        return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], env=env,
                              capture_output=True, text=True, timeout=300)
    return run


@pytest.fixture
def no_network(monkeypatch):
    """Every connection attempt fails, as on a machine without internet."""
    def refuse(*args, **kwargs):
        raise OSError("network is unreachable (blocked by the test)")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
