"""Checks for exercise and notebook test cells: on failure they say what was expected and what
came instead, so a learner knows what to fix. Each raises ``AssertionError`` (what graders and
nbval count as a failed test) and returns nothing on success.

They check values and behaviour, never spelling: any integer type where an integer is asked, equal
values rather than the same object. :func:`forbidden` makes a "write it yourself" exercise's hidden
tests fail when the answer calls the reference implementation instead.
"""
from __future__ import annotations

import contextlib
import numbers
import types

import numpy as np


def _describe(value) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return repr(value)
    return f"array of shape {array.shape}, dtype {array.dtype}"


def check_shape(value, expected_shape: tuple, name: str = "value") -> None:
    """``value`` is an array of exactly ``expected_shape``."""
    got = np.shape(value)
    if tuple(got) != tuple(expected_shape):
        raise AssertionError(f"{name} should have shape {tuple(expected_shape)}, got {tuple(got)}")


def check_equal(value, expected, name: str = "value") -> None:
    """``value`` equals ``expected`` exactly (arrays element by element)."""
    if np.shape(value) != np.shape(expected):
        raise AssertionError(f"{name} should have shape {np.shape(expected)}, got {_describe(value)}")
    value_arr, expected_arr = np.asarray(value), np.asarray(expected)
    mismatched = value_arr != expected_arr
    if np.any(mismatched):
        if expected_arr.ndim == 0:
            raise AssertionError(f"{name} should be {expected_arr.tolist()!r}, got {value_arr.tolist()!r}")
        first = tuple(int(i) for i in np.argwhere(mismatched)[0])
        raise AssertionError(f"{name} differs from the expected value in {int(mismatched.sum())} "
                             f"place(s); first at index {first}: expected "
                             f"{expected_arr[first].tolist()!r}, got {value_arr[first].tolist()!r}")


def check_close(value, expected, name: str = "value", rtol: float = 1e-5, atol: float = 1e-8) -> None:
    """``value`` matches ``expected`` within ``atol + rtol * |expected|``, entry by entry."""
    value_arr, expected_arr = np.asarray(value, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if value_arr.shape != expected_arr.shape:
        raise AssertionError(f"{name} should have shape {expected_arr.shape}, got {_describe(value)}")
    if not np.all(np.isfinite(value_arr)):
        raise AssertionError(f"{name} contains NaN or infinity")
    gap = np.abs(value_arr - expected_arr)
    allowed = atol + rtol * np.abs(expected_arr)
    if np.any(gap > allowed):
        worst = np.unravel_index(np.argmax(gap - allowed), gap.shape) if gap.ndim else ()
        where = f" at index {tuple(int(i) for i in worst)}" if gap.ndim else ""
        raise AssertionError(f"{name} is off{where}: expected {expected_arr[worst]:.6g}, got "
                             f"{value_arr[worst]:.6g} (difference {gap[worst]:.3g}, tolerance {allowed[worst]:.3g})")


def check_at_least(value: float, minimum: float, name: str = "value") -> None:
    """``value`` reaches ``minimum``, e.g. a test accuracy against the profile's floor."""
    if not float(value) >= minimum:
        raise AssertionError(f"{name} should be at least {minimum:.4g}, got {float(value):.4g}")


def check_at_most(value: float, maximum: float, name: str = "value") -> None:
    """``value`` stays at or below ``maximum``, e.g. a gradient-check error."""
    if not float(value) <= maximum:
        raise AssertionError(f"{name} should be at most {maximum:.4g}, got {float(value):.4g}")


def check_integer(value, expected=None, name: str = "value") -> None:
    """``value`` is a whole number of any integer type (``int``, ``np.int64``, a 0-d integer array),
    not a float or a bool; and equals ``expected`` when that is given."""
    scalar = value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
    if isinstance(scalar, bool) or not isinstance(scalar, (numbers.Integral, np.integer)):
        raise AssertionError(f"{name} should be a whole number (an integer), got {scalar!r} "
                             f"of type {type(value).__name__}")
    if expected is not None and int(scalar) != int(expected):
        raise AssertionError(f"{name} should be {int(expected)}, got {int(scalar)}")


class ForbiddenCallError(AssertionError):
    """An exercise's answer called the reference implementation the task asks the learner to replace."""


def _refuse(*args, **kwargs):
    # Runs with the globals of the function whose code it replaced, so it reaches this module by import.
    raise __import__("course_lib.checks", fromlist=["checks"])._refusal()


_active_refusals: list[str] = []


def _refusal() -> ForbiddenCallError:
    return ForbiddenCallError(_active_refusals[-1] if _active_refusals else "this call is not allowed here")


@contextlib.contextmanager
def forbidden(*references, task: str = "this exercise"):
    """Inside the block, calling any of ``references`` fails with a message that says why.

    For the hidden tests of a "write it yourself" exercise: run the learner's function inside
    ``with forbidden(cl.scratch.conv2d, task="exercise 3"):`` and an answer that only calls the
    reference earns no points. ``references`` are Python functions or methods (e.g.
    ``KNeighborsClassifier.predict``); the function's code itself is swapped out for the block, so
    calls through any other name for it fail too. Compute expected values before the block.
    """
    targets = []
    for reference in references:
        function = getattr(reference, "__func__", reference)
        if not isinstance(function, types.FunctionType) or function.__code__.co_freevars:
            raise TypeError(f"forbidden() takes plain Python functions or methods, got {reference!r}")
        targets.append(function)
    names = ", ".join(f"{function.__module__}.{function.__qualname__}" for function in targets)
    _active_refusals.append(f"{task} asks you to write this yourself: your answer called {names}, "
                            "the reference it replaces")
    saved = [function.__code__ for function in targets]
    try:
        for function in targets:
            function.__code__ = _refuse.__code__
        yield
    finally:
        for function, code in zip(targets, saved):
            function.__code__ = code
        _active_refusals.pop()
