"""Start-of-notebook set-up: run profile, seeds, a quiet Keras import and the banner line.

Every notebook calls :func:`setup` once, in its first code cell after the ``parameters`` cell.
The returned :class:`Run` carries the profile's sizes (``run.epochs``, ``run.n_train``, ...),
a seeded NumPy generator, and :meth:`Run.record` for the notebook's headline metrics.
"""
from __future__ import annotations

import contextlib
import logging
import os
import platform
import sys
import time

PROFILES = ("smoke", "full")
DEFAULT_PROFILE = "full"
PROFILE_ENV = "COURSE_PROFILE"
DEFAULT_SEED = 42


@contextlib.contextmanager
def native_stderr_silenced():
    """Send the process's C-level stderr (file descriptor 2) to /dev/null for a moment.

    TensorFlow's native libraries log start-up chatter ("Could not find cuda drivers", oneDNN
    notes) before any log level applies, and Jupyter copies file descriptor 2 into the notebook.
    Python exceptions are unaffected: they travel through ``sys.stderr``, not the descriptor.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no real descriptor 2 (some embedded interpreters): nothing to silence
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
with native_stderr_silenced():
    import keras
    import numpy as np
# TensorFlow's Python logger warns about tf.function retracing whenever several new models predict
# (lesson 12 builds one per randomized copy): errors only, as the start-up chatter above.
logging.getLogger("tensorflow").setLevel(logging.ERROR)


def read_profile(profile: str | None = None) -> str:
    """Return the run profile: ``profile`` if given, else ``$COURSE_PROFILE``, else ``"full"``."""
    chosen = profile if profile is not None else os.environ.get(PROFILE_ENV, DEFAULT_PROFILE)
    if chosen not in PROFILES:
        raise ValueError(
            f"unknown profile {chosen!r}: use one of {', '.join(PROFILES)} "
            f"(set it in the notebook's parameters cell or with {PROFILE_ENV}=smoke)"
        )
    return chosen


def device_name() -> str:
    """Name the accelerator Keras trains on (``"GPU (NVIDIA T4)"``, ``"CPU"``, ...).

    The one backend-specific query in the course: each backend asks its own runtime.
    """
    backend = keras.backend.backend()
    with native_stderr_silenced():
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                details = tf.config.experimental.get_device_details(gpus[0])
                return f"GPU ({details.get('device_name', gpus[0].name)})"
            return "CPU"
        if backend == "jax":
            import jax

            device = jax.devices()[0]
            return "CPU" if device.platform == "cpu" else f"{device.platform.upper()} ({device.device_kind})"
        if backend == "torch":
            import torch

            if torch.cuda.is_available():
                return f"GPU ({torch.cuda.get_device_name(0)})"
            return "CPU"
    return "CPU"


def machine_load() -> dict:
    """The machine's 15-minute load average and CPU count, for a results record: a run time measured
    while other jobs shared the CPUs is an upper bound. Empty where the platform has no load average."""
    try:
        return {"load_average": round(os.getloadavg()[2], 2), "cpu_count": os.cpu_count()}
    except (AttributeError, OSError):
        return {}


def environment_report() -> list[dict]:
    """Each package course-lib depends on: the version it needs, the one installed, and whether
    that satisfies it. Read from the installed package's own metadata (``pyproject.toml``)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    rows = []
    for spec in metadata.requires("course-lib") or []:
        requirement = Requirement(spec)
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            installed = None
        rows.append({"package": requirement.name, "needs": str(requirement.specifier) or "any",
                     "installed": installed or "missing",
                     "ok": installed is not None and requirement.specifier.contains(installed, prereleases=True)})
    return rows


def _backend_version() -> str:
    backend = keras.backend.backend()
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend)
    if module is None:
        return backend
    return f"{backend} {sys.modules[module].__version__}" if module in sys.modules else backend


class Run:
    """One notebook run: its profile, sizes, seed, random generator and recorded metrics.

    Sizes are attributes (``run.epochs``); an unknown name raises an ``AttributeError`` that
    lists the sizes this notebook defined.
    """

    def __init__(self, notebook: str, profile: str, sizes: dict, seed: int):
        self.notebook = notebook
        self.profile = profile
        self.sizes = dict(sizes)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.backend = keras.backend.backend()
        self.device = device_name()
        self.metrics: dict[str, float] = {}
        self._started = time.perf_counter()

    def __getattr__(self, name):
        sizes = self.__dict__.get("sizes", {})
        if name in sizes:
            return sizes[name]
        raise AttributeError(
            f"{self.__dict__.get('notebook', 'this notebook')} defines no size {name!r}; "
            f"its sizes are: {', '.join(sorted(sizes)) or 'none'}"
        )

    @property
    def seconds(self) -> float:
        """Wall-clock seconds since :func:`setup`."""
        return time.perf_counter() - self._started

    def banner(self) -> str:
        """The one line a notebook prints at the start: profile, backend, device, versions."""
        return (
            f"[{self.notebook}] profile={self.profile} | keras {keras.__version__} "
            f"on {_backend_version()} | device={self.device} | numpy {np.__version__} | "
            f"python {platform.python_version()} | seed={self.seed}"
        )

    def record(self, **metrics) -> None:
        """Add headline metrics and, when ``$COURSE_RESULTS_DIR`` is set, write them as JSON.

        Names follow ``<dataset>_<model>_<measure>``; accuracies are fractions in [0, 1].
        """
        from course_lib import results

        self.metrics.update(results.validate_metrics(metrics))
        results.write_record(self.as_record())

    def as_record(self) -> dict:
        """This run in the results format of COURSE_DESIGN.md."""
        return {
            "notebook": self.notebook,
            "profile": self.profile,
            "backend": self.backend,
            "device": self.device,
            "seconds": round(self.seconds, 1),
            "metrics": dict(self.metrics),
            **machine_load(),
        }

    def finish(self) -> None:
        """Print every metric this run recorded and the time it took; write the final record."""
        from course_lib import results

        results.write_record(self.as_record())
        width = max((len(name) for name in self.metrics), default=0)
        print(f"{self.notebook} ({self.profile} profile) took {self.seconds:.0f} s")
        for name, value in self.metrics.items():
            print(f"  {name:<{width}}  {results.format_value(name, value)}")


def setup(notebook: str, profile: str | None = None, *, smoke: dict, full: dict,
          seed: int = DEFAULT_SEED) -> Run:
    """Start a notebook: pick the profile, seed every RNG, print the banner, return the run.

    ``smoke`` and ``full`` give the same size names (sample counts, epochs, accuracy floors)
    for a quick CPU run and for the real run; the chosen profile's values become ``run.<name>``.
    Seeds Python's ``random``, NumPy's global RNG and the Keras backend through
    ``keras.utils.set_random_seed``. On Colab the notebook's first cell has already installed
    this package and its dependencies (``pip install`` of the repository).
    """
    if not isinstance(notebook, str) or not notebook:
        raise ValueError(f"setup() needs the notebook's name, e.g. '01_perceptron'; got {notebook!r}")
    chosen = read_profile(profile)
    for label, sizes in (("smoke", smoke), ("full", full)):
        if not isinstance(sizes, dict):
            raise ValueError(f"setup(..., {label}=...) expects a dict of sizes, got {type(sizes).__name__}")
    if set(smoke) != set(full):
        raise ValueError(
            "the smoke and full profiles must define the same sizes; "
            f"only in smoke: {sorted(set(smoke) - set(full))}, only in full: {sorted(set(full) - set(smoke))}"
        )
    keras.utils.set_random_seed(seed)
    run = Run(notebook, chosen, smoke if chosen == "smoke" else full, seed)
    print(run.banner())
    return run
