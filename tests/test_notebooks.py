"""Structure every lesson notebook follows (COURSE_DESIGN.md): checked on the committed files,
without running them (pytest's nbval pass runs them)."""
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load(path):
    return json.loads(path.read_text())


def source(cell):
    return "".join(cell["source"])


def graded_cells(notebook):
    return [cell for cell in notebook["cells"] if cell["metadata"].get("nbgrader", {}).get("grade")]


@pytest.fixture(params=NOTEBOOKS, ids=lambda path: path.stem)
def notebook_path(request):
    return request.param


def test_course_has_lessons():
    assert len(NOTEBOOKS) >= 5


def test_header_states_the_real_exercise_count_and_points(notebook_path):
    notebook = load(notebook_path)
    header = source(notebook["cells"][0])
    assert header.startswith(f"# {notebook_path.stem[:2]} · "), "the first cell is the lesson's title"
    stated = re.search(r"\*\*Exercises:\*\* (\d+) graded exercises, (\d+) points in total", header)
    assert stated, "the header says how many graded exercises and points the lesson has"
    graded = graded_cells(notebook)
    points = sum(cell["metadata"]["nbgrader"]["points"] for cell in graded)
    # An exercise may grade its parts in separate cells (ex4_tests, ex4_tests_2): count exercises, not cells.
    exercises = {cell["metadata"]["nbgrader"]["grade_id"].split("_tests")[0] for cell in graded}
    assert (int(stated.group(1)), int(stated.group(2))) == (len(exercises), points)
    assert len(exercises) >= 3


def test_profile_parameters_cell_comes_before_setup(notebook_path):
    code = [cell for cell in load(notebook_path)["cells"] if cell["cell_type"] == "code"]
    assert code[0]["metadata"].get("tags") == ["parameters"]
    assert 'PROFILE = os.environ.get("COURSE_PROFILE", "full")' in source(code[0])
    assert f'cl.setup(\n    "{notebook_path.stem}",' in source(code[1]) and "run.finish()" in source(code[-1])


def test_no_profile_branches_in_lessons(notebook_path):
    for cell in load(notebook_path)["cells"]:
        assert not re.search(r"if\s+(run\.)?PROFILE|run\.profile\s*==", source(cell)), \
            "sizes come from cl.setup(...), not from if-branches on the profile"


def test_exercises_have_solution_regions_and_readable_checks(notebook_path):
    notebook = load(notebook_path)
    solutions = [cell for cell in notebook["cells"] if cell["metadata"].get("nbgrader", {}).get("solution")]
    assert solutions and all("### BEGIN SOLUTION" in source(cell) and "### END SOLUTION" in source(cell)
                             for cell in solutions)
    for cell in graded_cells(notebook):
        text = source(cell)
        assert "cl.checks." in text, f"{cell['metadata']['nbgrader']['grade_id']} checks through cl.checks"
        assert not re.search(r"^\s*assert\b", text, re.M), "test cells use cl.checks, not bare assert"
        assert cell["metadata"]["nbgrader"]["locked"]


def test_grade_ids_are_unique(notebook_path):
    ids = [cell["metadata"]["nbgrader"]["grade_id"] for cell in load(notebook_path)["cells"]
           if "nbgrader" in cell["metadata"]]
    assert len(ids) == len(set(ids))
