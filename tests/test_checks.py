import numpy as np
import pytest

from course_lib import checks


def test_check_shape():
    checks.check_shape(np.zeros((2, 3)), (2, 3))
    with pytest.raises(AssertionError, match="W should have shape \\(3, 2\\), got \\(2, 3\\)"):
        checks.check_shape(np.zeros((2, 3)), (3, 2), "W")


def test_check_equal_names_first_difference():
    checks.check_equal([1, 2, 3], np.array([1, 2, 3]))
    with pytest.raises(AssertionError, match="1 place\\(s\\); first at index \\(2,\\): expected 3, got 4"):
        checks.check_equal(np.array([1, 2, 4]), np.array([1, 2, 3]))
    with pytest.raises(AssertionError, match="size should be 5, got 6"):
        checks.check_equal(6, 5, "size")
    with pytest.raises(AssertionError, match="should have shape \\(3,\\)"):
        checks.check_equal([1, 2], [1, 2, 3])


def test_check_close_reports_worst_entry_and_tolerance():
    checks.check_close([1.0, 2.0], [1.0, 2.0 + 1e-9])
    with pytest.raises(AssertionError, match="grad is off at index \\(1,\\): expected 2, got 2.1"):
        checks.check_close([1.0, 2.1], [1.0, 2.0], "grad")
    with pytest.raises(AssertionError, match="NaN"):
        checks.check_close([np.nan], [1.0])
    with pytest.raises(AssertionError, match="should have shape"):
        checks.check_close([1.0], [1.0, 2.0])


def test_check_close_on_scalars():
    checks.check_close(0.1 + 0.2, 0.3)
    with pytest.raises(AssertionError, match="loss is off: expected 1, got 2"):
        checks.check_close(2.0, 1.0, "loss")


def test_bounds():
    checks.check_at_least(0.99, 0.98)
    checks.check_at_most(1e-9, 1e-7)
    with pytest.raises(AssertionError, match="accuracy should be at least 0.98, got 0.5"):
        checks.check_at_least(0.5, 0.98, "accuracy")
    with pytest.raises(AssertionError, match="error should be at most 1e-07, got 0.01"):
        checks.check_at_most(0.01, 1e-7, "error")
    with pytest.raises(AssertionError):
        checks.check_at_least(float("nan"), 0.0)


def test_check_integer_accepts_any_integer_type():
    for value in (3, np.int64(3), np.int32(3), np.array(3), np.uint8(3)):
        checks.check_integer(value, 3, "count")
    for value in (3.0, np.float32(3), True, "3", np.array([3])):
        with pytest.raises(AssertionError, match="should be a whole number"):
            checks.check_integer(value, name="count")
    with pytest.raises(AssertionError, match="count should be 4, got 3"):
        checks.check_integer(np.int64(3), 4, "count")


def reference_square(x):
    return x * x


class Reference:
    def predict(self, x):
        return x + 1


def test_forbidden_fails_calls_through_any_name_and_restores_afterwards():
    alias = reference_square
    with checks.forbidden(reference_square, Reference.predict, task="exercise 9"):
        with pytest.raises(checks.ForbiddenCallError, match="exercise 9 asks you to write this yourself.*reference_square"):
            alias(3)
        with pytest.raises(AssertionError, match="Reference.predict"):
            Reference().predict(1)
        assert (lambda x: x ** 2)(3) == 9  # the learner's own code still runs
    assert alias(3) == 9 and Reference().predict(1) == 2
    with pytest.raises(ValueError):
        with checks.forbidden(reference_square):
            raise ValueError("a failing test inside the block")
    assert reference_square(2) == 4
    with pytest.raises(TypeError, match="plain Python functions"):
        with checks.forbidden(len):
            pass
