"""The nbgrader round trip for every lesson, through the instructor commands (course_lib.grading).

One class-wide fixture releases all lessons and autogrades two submissions of each, as a class of
learners would hand them in, built so that every exercise's expected score is known:

- ``mixed``: the student release answered with correct solutions written differently from the
  instructor's (another algorithm, another numeric type, another way to build the same model), except
  for one plausible mistake and, where an exercise says "write it yourself", an answer that calls the
  reference instead: it loses exactly the points of the test cells the lesson's case names;
- ``remaining``: the student release with only those one or two exercises answered, by their correct
  alternatives, and every other exercise left as released: those earn their points, the blank ones
  zero, without crashing the grader.

Together they prove that every alternative earns full marks, every planned error loses exactly its
points and a blank exercise earns nothing, in two autograded executions per lesson instead of one per
case. The instructor's source earns full marks: nbval runs it with its hidden tests in every test run
(a failing test cell fails the notebook).

Each lesson's answers and mistakes live in ``tests/grading_cases/<lesson>.py`` (see the README there).
Grading caps every ``fit`` at one epoch of a few steps (``--max-steps``): graded cells test
functions and model specifications, never how well a model trained.
"""
import importlib.util
import json
import re
from pathlib import Path

import pytest

from course_lib import grading

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LESSONS = grading.lessons(NOTEBOOKS)

CASES = ROOT / "tests" / "grading_cases"
MAX_STEPS = 2


def cells(path):
    return json.loads(Path(path).read_text())["cells"]


def nbgrader_meta(cell):
    return cell["metadata"].get("nbgrader", {})


def points(lesson, grade_ids=None):
    return sum(nbgrader_meta(cell).get("points", 0) for cell in cells(NOTEBOOKS / f"{lesson}.ipynb")
               if grade_ids is None or nbgrader_meta(cell).get("grade_id") in grade_ids)


def case(lesson):
    """The lesson's grading case: ALTERNATIVES, MISTAKE and FORBIDDEN (see tests/grading_cases/README.md)."""
    spec = importlib.util.spec_from_file_location(f"grading_case_{lesson}", CASES / f"{lesson}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def solution_sources(lesson):
    """The instructor's solution cells of a lesson: {grade_id: cell text}."""
    return {nbgrader_meta(cell)["grade_id"]: "".join(cell["source"])
            for cell in cells(NOTEBOOKS / f"{lesson}.ipynb") if nbgrader_meta(cell).get("solution")}


def write_with_answers(source, target, answers):
    """Copy the notebook ``source`` to ``target`` with the solution cells in ``answers`` replaced."""
    notebook = json.loads(Path(source).read_text())
    for cell in notebook["cells"]:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook))


def planned_errors(lesson):
    """The planned mistake (made in the instructor's answer) and, where there is one, the answer that
    calls the forbidden reference: {grade_id: cell text}."""
    lesson_case = case(lesson)
    sources = solution_sources(lesson)
    right, wrong = lesson_case.MISTAKE["replace"]
    text = sources[lesson_case.MISTAKE["cell"]]
    assert text.count(right) == 1, f"{lesson}: the mistake's target text must occur once in {lesson_case.MISTAKE['cell']}"
    answers = {lesson_case.MISTAKE["cell"]: text.replace(right, wrong)}
    if lesson_case.FORBIDDEN:
        answers[lesson_case.FORBIDDEN["cell"]] = lesson_case.FORBIDDEN["answer"]
    return answers


def mixed_answers(lesson):
    """Alternatives everywhere, except the exercises that carry the planned errors."""
    return {**case(lesson).ALTERNATIVES, **planned_errors(lesson)}


def remaining_answers(lesson):
    """Alternatives for the exercises that carry the planned errors; every other exercise left blank."""
    return {grade_id: case(lesson).ALTERNATIVES[grade_id] for grade_id in planned_errors(lesson)}


def graded_test_cells(lesson, exercise_ids=None):
    """The graded test cells of the exercises (all when None): ``ex2_tests``, and ``ex2_tests_2`` and
    so on where an exercise's parts earn points separately."""
    graded = [nbgrader_meta(cell)["grade_id"] for cell in cells(NOTEBOOKS / f"{lesson}.ipynb") if nbgrader_meta(cell).get("grade")]
    if exercise_ids is None:
        return set(graded)
    return {grade_id for grade_id in graded for exercise in exercise_ids
            if grade_id == f"{exercise}_tests" or grade_id.startswith(f"{exercise}_tests_")}


def lost_test_cells(lesson):
    lesson_case = case(lesson)
    return set(lesson_case.MISTAKE["loses"]) | set(lesson_case.FORBIDDEN["loses"] if lesson_case.FORBIDDEN else ())


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course_dir = tmp_path_factory.mktemp("course")
    submissions = tmp_path_factory.mktemp("submissions")
    releases = grading.release(LESSONS, course_dir, NOTEBOOKS)
    for lesson, released in zip(LESSONS, releases):
        write_with_answers(released, submissions / "mixed" / f"{lesson}.ipynb", mixed_answers(lesson))
        write_with_answers(released, submissions / "remaining" / f"{lesson}.ipynb", remaining_answers(lesson))
    grading.autograde(submissions, LESSONS, course_dir, NOTEBOOKS, max_steps=MAX_STEPS)
    return course_dir


def test_every_lesson_has_a_grading_case():
    assert sorted(path.stem for path in CASES.glob("[0-9][0-9]_*.py")) == LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_an_alternative_answer(lesson):
    assert sorted(case(lesson).ALTERNATIVES) == sorted(solution_sources(lesson))
    sources = solution_sources(lesson)
    same = [grade_id for grade_id, answer in case(lesson).ALTERNATIVES.items()
            if answer.strip() == sources[grade_id].strip()]
    assert not same, f"the alternative answers of {same} are the instructor's own"


@pytest.mark.parametrize("lesson", LESSONS)
def test_alternatives_earn_full_marks_and_planned_errors_lose_exactly_their_points(course, lesson):
    lost = lost_test_cells(lesson)
    assert lost and points(lesson, lost) > 0
    assert grading.scores(lesson, course)["mixed"] == (points(lesson) - points(lesson, lost), points(lesson))


@pytest.mark.parametrize("lesson", LESSONS)
def test_remaining_alternatives_earn_their_points_and_blank_exercises_zero(course, lesson):
    answered_tests = graded_test_cells(lesson, remaining_answers(lesson))
    assert len(answered_tests) >= len(remaining_answers(lesson)), f"{lesson}: every answered exercise needs its _tests cell"
    assert answered_tests < graded_test_cells(lesson), f"{lesson}: at least one exercise must stay blank"
    assert grading.scores(lesson, course)["remaining"] == (points(lesson, answered_tests), points(lesson))


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
    assert (course / "feedback" / "mixed" / LESSONS[0] / f"{LESSONS[0]}.html").exists()
    rows = grading.export(tmp_path / "grades.csv", course).read_text().splitlines()
    assert rows[0].startswith("assignment,") and len(rows) == 1 + 2 * len(LESSONS)


def test_command_line_reports_unknown_lessons(capsys):
    assert grading.main(["--course-dir", "unused", "release", "99_nothing"]) == 2
    assert "unknown lesson(s) ['99_nothing']" in capsys.readouterr().err
