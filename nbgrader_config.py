"""nbgrader settings for the course. Instructors use it through `python -m course_lib.grading`,
which makes each lesson in notebooks/ one assignment, named like its notebook (00_setup_and_tour,
01_perceptron, ...), staged under grading/ (see the README's section for instructors)."""
from pathlib import Path

c = get_config()  # noqa: F821 (nbgrader provides get_config when it loads this file)

c.CourseDirectory.course_id = "cnn-course"
c.CourseDirectory.root = str(Path(__file__).resolve().parent / "grading")
# nbgrader's default of 30 s per cell would kill the lessons' training cells.
c.Execute.timeout = 900
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearHiddenTests.begin_hidden_tests_delimiter = "### BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_hidden_tests_delimiter = "### END HIDDEN TESTS"
