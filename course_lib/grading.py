"""Instructor commands: nbgrader, with each lesson as one assignment.

nbgrader expects ``<course>/source/<assignment>/<notebook>.ipynb``; the course keeps its lessons
flat in ``notebooks/``. These commands copy each lesson into that layout (the assignment takes
the notebook's name, e.g. ``03_learning``) under a course folder, ``grading/`` by default, and
call nbgrader for everything else. Run them from the course's root folder, where
``nbgrader_config.py`` lives::

    python -m course_lib.grading release [LESSON ...]              # student copies in grading/release/
    python -m course_lib.grading autograde SUBMISSIONS [LESSON ...]  # SUBMISSIONS/<student>/<lesson>.ipynb
    python -m course_lib.grading feedback [LESSON ...]             # HTML feedback in grading/feedback/
    python -m course_lib.grading export grades.csv                 # one row per student and lesson

Notebooks execute in the ``smoke`` profile while grading (``--profile full`` to change it):
graded cells test functions and model specs, so the small profile grades the same answers fast.
``--max-steps N`` grades faster still: every ``fit`` stops after one epoch of at most N steps (Keras's
``KERAS_MAX_EPOCHS`` and ``KERAS_MAX_STEPS_PER_EPOCH``). Graded cells never depend on how well a model
trained, so the grades are the same; the lesson's own accuracy checks then fail in the feedback.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

NOTEBOOKS_DIR = Path("notebooks")
COURSE_DIR = Path("grading")


def lessons(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[str]:
    """The course's assignments: one per lesson notebook ``NN_topic.ipynb``, in order."""
    found = sorted(path.stem for path in Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"no lesson notebooks in {notebooks_dir}: run this from the course's root folder")
    return found


def _chosen(names, notebooks_dir: Path) -> list[str]:
    available = lessons(notebooks_dir)
    unknown = [name for name in names or [] if name not in available]
    if unknown:
        raise ValueError(f"unknown lesson(s) {unknown}; the lessons are {available}")
    return list(names) if names else available


def run_nbgrader(*args: str, course_dir: Path = COURSE_DIR, profile: str = "smoke",
                 max_steps: int | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` on ``course_dir`` with notebooks executing in ``profile``.

    Results recording is switched off: grading runs must not overwrite a lesson's results.
    ``max_steps`` caps every ``fit`` at one epoch of that many steps.
    """
    env = {key: value for key, value in os.environ.items() if key != "COURSE_RESULTS_DIR"}
    env["COURSE_PROFILE"] = profile
    if max_steps is not None:
        if not isinstance(max_steps, int) or max_steps < 1:
            raise ValueError(f"max_steps must be a positive number of training steps, got {max_steps!r}")
        env.update(KERAS_MAX_EPOCHS="1", KERAS_MAX_STEPS_PER_EPOCH=str(max_steps))
    # nbgrader runs its database tool `alembic` by name: find it beside this Python, even unactivated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={Path(course_dir).resolve()}"]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return result


def stage_sources(names=None, course_dir: Path = COURSE_DIR, notebooks_dir: Path = NOTEBOOKS_DIR) -> list[str]:
    """Copy lessons into ``<course_dir>/source/<lesson>/<lesson>.ipynb``; return their names."""
    chosen = _chosen(names, notebooks_dir)
    for name in chosen:
        target = Path(course_dir) / "source" / name
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(notebooks_dir) / f"{name}.ipynb", target / f"{name}.ipynb")
    return chosen


def release(names=None, course_dir: Path = COURSE_DIR, notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Generate the student version of each lesson (solutions and hidden tests removed)."""
    chosen = stage_sources(names, course_dir, notebooks_dir)
    for name in chosen:
        run_nbgrader("generate_assignment", name, "--force", course_dir=course_dir)
    return [Path(course_dir) / "release" / name / f"{name}.ipynb" for name in chosen]


def collect(submissions_dir: Path, names=None, course_dir: Path = COURSE_DIR,
            notebooks_dir: Path = NOTEBOOKS_DIR) -> dict[str, list[str]]:
    """Copy ``<submissions_dir>/<student>/<lesson>.ipynb`` files into nbgrader's ``submitted/``.

    Returns the students found per lesson.
    """
    chosen = _chosen(names, notebooks_dir)
    submissions_dir = Path(submissions_dir)
    if not submissions_dir.is_dir():
        raise FileNotFoundError(f"no submissions folder at {submissions_dir}: expected "
                                "<folder>/<student>/<lesson>.ipynb files")
    found = {name: [] for name in chosen}
    for student_dir in sorted(path for path in submissions_dir.iterdir() if path.is_dir()):
        for name in chosen:
            notebook = student_dir / f"{name}.ipynb"
            if notebook.exists():
                target = Path(course_dir) / "submitted" / student_dir.name / name
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(notebook, target / notebook.name)
                found[name].append(student_dir.name)
    return found


def autograde(submissions_dir: Path, names=None, course_dir: Path = COURSE_DIR,
              notebooks_dir: Path = NOTEBOOKS_DIR, profile: str = "smoke",
              max_steps: int | None = None) -> dict[str, list[str]]:
    """Collect a folder of submissions and autograde every lesson that has some (``max_steps``: see
    :func:`run_nbgrader`)."""
    chosen = stage_sources(names, course_dir, notebooks_dir)
    found = collect(submissions_dir, chosen, course_dir, notebooks_dir)
    for name, students in found.items():
        if students:
            if not (Path(course_dir) / "release" / name).exists():
                run_nbgrader("generate_assignment", name, "--force", course_dir=course_dir)
            run_nbgrader("autograde", name, "--create", "--force", course_dir=course_dir, profile=profile,
                         max_steps=max_steps)
    return found


def feedback(names=None, course_dir: Path = COURSE_DIR, notebooks_dir: Path = NOTEBOOKS_DIR) -> None:
    """Write HTML feedback for every autograded submission of the lessons."""
    for name in _chosen(names, notebooks_dir):
        if (Path(course_dir) / "autograded").exists():
            run_nbgrader("generate_feedback", name, "--force", course_dir=course_dir)


def export(csv_path: Path, course_dir: Path = COURSE_DIR) -> Path:
    """Write all grades in the gradebook to a CSV file."""
    run_nbgrader("export", f"--to={Path(csv_path).resolve()}", course_dir=course_dir)
    return Path(csv_path)


def scores(name: str, course_dir: Path = COURSE_DIR) -> dict[str, tuple[float, float]]:
    """``{student: (score, max_score)}`` for one lesson, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{(Path(course_dir) / 'gradebook.db').resolve()}") as gradebook:
        return {submission.student_id: (submission.score, submission.max_score)
                for submission in gradebook.assignment_submissions(name)}


def main(argv: list[str] | None = None) -> int:
    """Command line for instructors: release, autograde, feedback, export, scores."""
    parser = argparse.ArgumentParser(prog="python -m course_lib.grading", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course-dir", type=Path, default=COURSE_DIR, help="nbgrader's course folder")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("release", help="generate student versions").add_argument("lessons", nargs="*")
    grade = commands.add_parser("autograde", help="collect and autograde submissions")
    grade.add_argument("submissions", type=Path, help="folder of <student>/<lesson>.ipynb files")
    grade.add_argument("lessons", nargs="*")
    grade.add_argument("--profile", choices=("smoke", "full"), default="smoke")
    grade.add_argument("--max-steps", type=int, default=None,
                       help="stop every fit after one epoch of this many steps (faster; grades are the same)")
    commands.add_parser("feedback", help="HTML feedback for autograded work").add_argument("lessons", nargs="*")
    commands.add_parser("export", help="grades to CSV").add_argument("csv", type=Path)
    commands.add_parser("scores", help="print one lesson's scores").add_argument("lesson")
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            for path in release(args.lessons, args.course_dir):
                print(f"released {path}")
        elif args.command == "autograde":
            for name, students in autograde(args.submissions, args.lessons, args.course_dir,
                                            profile=args.profile, max_steps=args.max_steps).items():
                print(f"{name}: autograded {len(students)} submission(s)")
        elif args.command == "feedback":
            feedback(args.lessons, args.course_dir)
            print(f"feedback in {args.course_dir / 'feedback'}")
        elif args.command == "export":
            print(f"grades written to {export(args.csv, args.course_dir)}")
        else:
            for student, (score, max_score) in sorted(scores(args.lesson, args.course_dir).items()):
                print(f"{student}: {score:g} / {max_score:g}")
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
