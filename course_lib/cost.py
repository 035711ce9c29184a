"""What training costs: the arithmetic of a training step, the machine's peak, measured throughput.

Lesson 15 sets what a network must compute (:func:`training_flops_per_image`, from
:func:`course_lib.models.multiply_adds`) against what the hardware could compute at best
(:func:`peak_flops`) and what ``fit`` achieves (:func:`training_throughput`).
"""
from __future__ import annotations

import os
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

# A training step costs about three forward passes: the forward pass itself, and a backward pass that
# computes two gradients of the same size (with respect to each layer's input and to its weights).
PASSES_PER_TRAINING_STEP = 3

# Published dense peaks (no sparsity) in FLOP/s from NVIDIA's data sheets: ordinary float32 and the
# 16-bit tensor cores mixed precision uses. Keyed by a name the device reports.
GPU_PEAKS = {
    "H200": {"float32": 67e12, "mixed": 989e12},
    "H100": {"float32": 67e12, "mixed": 989e12},
    "A100": {"float32": 19.5e12, "mixed": 312e12},
    "L4": {"float32": 30.3e12, "mixed": 121e12},
    "V100": {"float32": 15.7e12, "mixed": 125e12},
    "T4": {"float32": 8.1e12, "mixed": 65e12},
}


def training_flops_per_image(model: keras.Model) -> int:
    """Floating-point operations one image costs in a training step of ``model``: two per
    multiply-add (a multiply and an add), three passes (:data:`PASSES_PER_TRAINING_STEP`)."""
    from course_lib.models import multiply_adds

    return 2 * PASSES_PER_TRAINING_STEP * multiply_adds(model)


@dataclass(frozen=True)
class Peak:
    """A machine's peak float32 FLOP/s and how it was worked out (``factors`` multiply to ``flops``)."""

    device: str
    flops: float
    factors: dict = field(default_factory=dict)
    source: str = ""

    def __str__(self) -> str:
        how = " x ".join(f"{value:g} {name}" for name, value in self.factors.items())
        return f"{self.device}: {self.flops / 1e9:,.1f} GFLOP/s" + (f" = {how}" if how else "") + \
            (f" ({self.source})" if self.source else "")


def _cpuinfo(path: str | os.PathLike) -> dict:
    """The first processor's fields of a Linux ``/proc/cpuinfo``."""
    info = {}
    for line in Path(path).read_text().splitlines():
        if not line.strip():
            if info:
                break
            continue
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    return info


def cpu_peak(fma_units_per_core: int = 2, cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> Peak:
    """Peak float32 FLOP/s of the CPU cores this process may use, from what Linux reports.

    cores x clock x float32 lanes per vector (16 with AVX-512, 8 with AVX2, 4 with SSE) x 2 FLOPs per
    fused multiply-add x FMA units per core. The FMA units are not reported by the operating system:
    ``fma_units_per_core`` (2 on most server cores with AVX-512 or AVX2) is an assumption to check in
    the CPU's documentation. The clock is the one ``/proc/cpuinfo`` shows now (under a hypervisor,
    usually the nominal clock; turbo can be higher, wide vectors can run lower).
    """
    if fma_units_per_core not in (1, 2):
        raise ValueError(f"fma_units_per_core is 1 or 2 on the CPUs we know, got {fma_units_per_core!r}")
    try:
        info = _cpuinfo(cpuinfo)
    except OSError as error:
        raise RuntimeError(f"cannot read {cpuinfo} ({error.strerror}): cpu_peak needs Linux's CPU report; "
                           "on another system work out the peak from the CPU's data sheet") from None
    flags = set(info.get("flags", "").split())
    if "cpu MHz" not in info:
        raise RuntimeError(f"{cpuinfo} reports no 'cpu MHz': cannot read the clock")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lanes, vectors = (16, "AVX-512") if "avx512f" in flags else (8, "AVX2") if "avx2" in flags else (4, "SSE")
    flops_per_lane = 2 if "fma" in flags else 1
    factors = {"cores": cores, "GHz": float(info["cpu MHz"]) / 1000, f"float32 lanes ({vectors})": lanes,
               "FLOPs per lane (FMA)" if flops_per_lane == 2 else "FLOPs per lane": flops_per_lane,
               "FMA units per core (assumed)": fma_units_per_core}
    flops = float(np.prod([value for value in factors.values()])) * 1e9
    return Peak(info.get("model name", "CPU"), flops, factors, "from /proc/cpuinfo")


def gpu_peak(device: str, precision: str = "float32") -> Peak | None:
    """The published peak of the GPU named in ``device`` (e.g. ``"GPU (NVIDIA A100-SXM4-40GB)"``) for
    ``precision`` ``"float32"`` or ``"mixed"`` (16-bit tensor cores); None for a GPU not in
    :data:`GPU_PEAKS`."""
    if precision not in ("float32", "mixed"):
        raise ValueError(f"precision is 'float32' or 'mixed', got {precision!r}")
    for name, peaks in GPU_PEAKS.items():
        if re.search(rf"\b{name}\b", device.upper()):  # whole names: an "L40S" is not an "L4"
            return Peak(device, peaks[precision], {}, f"NVIDIA's data sheet, {precision}, dense")
    return None


def training_throughput(model: keras.Model, x, y, *, batch_size: int, epochs: int = 3) -> float:
    """Images per second ``model.fit`` trains on the arrays ``(x, y)`` in batches of ``batch_size``
    (the model compiled): the median over the epochs after the first, which also traces and compiles
    the training step. Why whole epochs and not single steps: a step of a small network lasts a
    millisecond or two, about what Python spends calling it once."""
    from course_lib.training import fit_timed

    if epochs < 2:
        raise ValueError(f"epochs must be at least 2 (the first one compiles and is not counted), got {epochs}")
    if len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of images, got {len(x)} and {len(y)}")
    trained = fit_timed(model, x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    images = len(x)
    if os.environ.get("KERAS_MAX_STEPS_PER_EPOCH"):  # the grader's cap on steps per epoch
        images = min(images, int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"]) * batch_size)
    return images / steady_epoch_seconds(trained)


def steady_epoch_seconds(trained) -> float:
    """Median seconds of the epochs after the first in a :class:`course_lib.training.Trained`: the
    first also traces and compiles the training step (and fills caches), the others show the pace
    that lasts. With a single epoch (the grader caps ``fit`` at one), that epoch's seconds."""
    seconds = trained.history.history["epoch_seconds"]
    return statistics.median(seconds[1:] or seconds)
