import shutil
from pathlib import Path

import pytest

from course_lib import publish

ROOT = Path(__file__).resolve().parent.parent


def test_every_notebook_and_the_readme_name_the_repository_of_pyproject():
    assert publish.disagreements() == []


def test_publishing_elsewhere_is_one_line_and_one_command(tmp_path):
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "README.md", tmp_path)
    shutil.copy(ROOT / "notebooks" / "00_setup_and_tour.ipynb", tmp_path / "notebooks")
    pyproject = (ROOT / "pyproject.toml").read_text()
    (tmp_path / "pyproject.toml").write_text(pyproject.replace(publish.repository_url(), "https://github.com/someone/my-course"))
    assert len(publish.disagreements(tmp_path)) == 2
    changed = publish.publish(tmp_path)
    assert sorted(path.name for path in changed) == ["00_setup_and_tour.ipynb", "README.md"]
    assert publish.disagreements(tmp_path) == []
    notebook = (tmp_path / "notebooks" / "00_setup_and_tour.ipynb").read_text()
    assert "course-lib @ git+https://github.com/someone/my-course" in notebook
    assert "colab.research.google.com/github/someone/my-course/blob/main/notebooks/" in (tmp_path / "README.md").read_text()


def test_a_missing_or_odd_address_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="no pyproject.toml"):
        publish.repository_url(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project.urls]\nRepository = "https://gitlab.com/a/b"\n')
    with pytest.raises(ValueError, match="github.com/<owner>/<name>"):
        publish.repository_url(tmp_path)
