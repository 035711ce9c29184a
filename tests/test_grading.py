"""The nbgrader round trip for every lesson, through the instructor commands (course_lib.grading).

One class-wide fixture releases all lessons and autogrades three submissions of each: the
instructor's source (full marks), the unmodified student release (zero, without crashing the
grader) and the source with one plausible mistake (loses exactly that exercise's points).
"""
import json
import re
import shutil
from pathlib import Path

import pytest

from course_lib import grading

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LESSONS = grading.lessons(NOTEBOOKS)

# lesson: (solution cell, its test cell, text in the solution, the mistake that replaces it)
MISTAKES = {
    "00_setup_and_tour": ("ex2", "ex2_tests", "/ 255.0", "/ 256.0"),
    "01_perceptron": ("ex1", "ex1_tests", "+ b >= 0", "+ b > 0"),
    "02_multilayer_networks": ("ex4", "ex4_tests", "(n_in + 1) * n_out", "n_in * n_out"),
    "03_learning": ("ex4", "ex4_tests", "2.0 / (curvatures.min() + curvatures.max())", "1.0 / curvatures.max()"),
    "04_keras_mlps": ("ex2", "ex2_tests", "(n_in + 1) * n_out", "n_in * n_out"),
    "05_convolution": ("ex1", "ex1_tests", "(n + 2 * p - k) // s + 1", "(n + 2 * p - k) // s"),
    "06_pooling": ("ex2", "ex2_tests", "(size - window) // stride + 1", "(size - window) // stride"),
    "07_first_cnn": ("ex2", "ex2_tests", "(height - kernel) // stride + 1, (width - kernel) // stride + 1",
                     "(height - kernel) // stride, (width - kernel) // stride"),
    "08_baselines": ("ex1", "ex1_tests", "[:, :k]", "[:, :1]"),
    "09_regularization": ("ex3", "ex3_tests", "if waited >= patience:", "if waited > patience:"),
    "10_deeper_networks": ("ex1", "ex1_tests", "(height + stride - 1) // stride, (width + stride - 1) // stride",
                           "height // stride, width // stride"),
    "11_transfer_learning": ("ex2", "ex2_tests", "not isinstance(layer, keras.layers.BatchNormalization)", "True"),
}


def cells(path):
    return json.loads(Path(path).read_text())["cells"]


def nbgrader_meta(cell):
    return cell["metadata"].get("nbgrader", {})


def points(lesson, grade_id=None):
    return sum(nbgrader_meta(cell).get("points", 0) for cell in cells(NOTEBOOKS / f"{lesson}.ipynb")
               if grade_id is None or nbgrader_meta(cell).get("grade_id") == grade_id)


def with_mistake(lesson, target):
    notebook = json.loads((NOTEBOOKS / f"{lesson}.ipynb").read_text())
    solution_id, _, right, wrong = MISTAKES[lesson]
    [cell] = [cell for cell in notebook["cells"] if nbgrader_meta(cell).get("grade_id") == solution_id]
    text = "".join(cell["source"])
    assert text.count(right) == 1, f"{lesson}: the mistake's target text must occur once in {solution_id}"
    cell["source"] = text.replace(right, wrong)
    target.write_text(json.dumps(notebook))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course_dir = tmp_path_factory.mktemp("course")
    submissions = tmp_path_factory.mktemp("submissions")
    releases = grading.release(LESSONS, course_dir, NOTEBOOKS)
    for lesson, released in zip(LESSONS, releases):
        for student in ("instructor", "blank", "mistake"):
            (submissions / student).mkdir(exist_ok=True)
        shutil.copy(NOTEBOOKS / f"{lesson}.ipynb", submissions / "instructor")
        shutil.copy(released, submissions / "blank")
        with_mistake(lesson, submissions / "mistake" / f"{lesson}.ipynb")
    grading.autograde(submissions, LESSONS, course_dir, NOTEBOOKS)
    return course_dir


def test_every_lesson_has_a_planned_mistake():
    assert set(MISTAKES) == set(LESSONS)


@pytest.mark.parametrize("lesson", LESSONS)
def test_release_holds_no_solution_or_hidden_test(course, lesson):
    release_text = "\n".join("".join(cell["source"]) for cell in cells(course / "release" / lesson / f"{lesson}.ipynb"))
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in release_text
    region = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
    source_texts = ["".join(cell["source"]) for cell in cells(NOTEBOOKS / f"{lesson}.ipynb")]
    public_text = "\n".join(region.sub("", text) for text in source_texts)  # what learners may see anyway
    hidden = [line.strip() for text in source_texts for match in region.findall(text)
              for line in match[1].splitlines() if len(line.strip()) > 15]
    assert hidden, "the lesson has solution and hidden-test code to strip"
    leaked = [line for line in hidden if line in release_text and line not in public_text]
    assert not leaked, f"solution or hidden-test lines left in the student release: {leaked}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_source_autogrades_to_full_marks(course, lesson):
    assert grading.scores(lesson, course)["instructor"] == (points(lesson), points(lesson))


@pytest.mark.parametrize("lesson", LESSONS)
def test_unmodified_release_autogrades_to_zero(course, lesson):
    assert grading.scores(lesson, course)["blank"] == (0, points(lesson))


@pytest.mark.parametrize("lesson", LESSONS)
def test_one_wrong_answer_loses_exactly_its_points(course, lesson):
    _, test_id, _, _ = MISTAKES[lesson]
    assert grading.scores(lesson, course)["mistake"] == (points(lesson) - points(lesson, test_id), points(lesson))


# The learner's own check before handing in. One lesson shows the command and settings work; the
# autograde tests above already run every lesson's tests on the same two notebooks.
@pytest.mark.parametrize("lesson", LESSONS[:1])
def test_validate_passes_on_source_and_invert_on_release(course, lesson):
    source = grading.run_nbgrader("validate", str(NOTEBOOKS / f"{lesson}.ipynb"), course_dir=course)
    assert "Success! Your notebook passes all the tests." in source.stdout, source.stdout[-2000:]
    release = grading.run_nbgrader("validate", "--invert", str(course / "release" / lesson / f"{lesson}.ipynb"),
                                   course_dir=course)
    assert "Success! The notebook does not pass any tests." in release.stdout, release.stdout[-2000:]


def test_feedback_and_csv_export(course, tmp_path):
    grading.feedback(LESSONS[:1], course, NOTEBOOKS)
    assert (course / "feedback" / "instructor" / LESSONS[0] / f"{LESSONS[0]}.html").exists()
    rows = grading.export(tmp_path / "grades.csv", course).read_text().splitlines()
    assert rows[0].startswith("assignment,") and len(rows) == 1 + 3 * len(LESSONS)


def test_command_line_reports_unknown_lessons(capsys):
    assert grading.main(["--course-dir", "unused", "release", "99_nothing"]) == 2
    assert "unknown lesson(s) ['99_nothing']" in capsys.readouterr().err
