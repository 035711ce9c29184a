"""Where the course is published, kept in one place: ``[project.urls] Repository`` in pyproject.toml.

Every notebook's Colab cell installs ``course-lib`` from that repository, and the README's Colab
links open the notebooks there. To publish the course under another address, change the one line
in pyproject.toml and run, from the course's root folder::

    python -m course_lib.publish            # rewrite the notebooks and the README to match
    python -m course_lib.publish --check    # exit 1 and list what disagrees (the tests run this)
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GITHUB = re.compile(r"^https://github\.com/(?P<slug>[\w.-]+/[\w.-]+?)/?$")
INSTALL = re.compile(r"course-lib @ git\+https://github\.com/[\w.-]+/[\w.-]+")
COLAB = re.compile(r"https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/")


def repository_url(root: Path = ROOT) -> str:
    """The repository's address from ``pyproject.toml`` (a GitHub URL, as Colab needs)."""
    import tomllib

    pyproject = Path(root) / "pyproject.toml"
    if not pyproject.exists():
        raise FileNotFoundError(f"no pyproject.toml in {root}: run this from the course's root folder")
    urls = tomllib.loads(pyproject.read_text()).get("project", {}).get("urls", {})
    url = urls.get("Repository")
    if not url or not GITHUB.match(url):
        raise ValueError(f"pyproject.toml needs [project.urls] Repository = \"https://github.com/<owner>/<name>\", "
                         f"got {url!r}")
    return url.rstrip("/")


def _published(text: str, url: str) -> str:
    slug = GITHUB.match(url).group("slug")
    text = INSTALL.sub(f"course-lib @ git+{url}", text)
    return COLAB.sub(f"https://colab.research.google.com/github/{slug}/", text)


def _files(root: Path) -> list[Path]:
    return [Path(root) / "README.md", *sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb"))]


def disagreements(root: Path = ROOT) -> list[str]:
    """The files whose install lines or Colab links name another repository than pyproject.toml."""
    url = repository_url(root)
    found = []
    for path in _files(root):
        text = path.read_text()
        if _published(text, url) != text:
            found.append(str(path.relative_to(root)))
        if path.suffix == ".ipynb" and not INSTALL.search(text):
            found.append(f"{path.relative_to(root)} (no Colab install line)")
    return found


def publish(root: Path = ROOT) -> list[Path]:
    """Rewrite the notebooks' install lines and the README's Colab links to pyproject.toml's address;
    return the files changed. Notebook outputs are kept: only source text changes."""
    url = repository_url(root)
    changed = []
    for path in _files(root):
        if path.suffix == ".ipynb":
            import nbformat

            notebook = nbformat.read(path, as_version=4)
            edited = False
            for cell in notebook.cells:
                if _published(cell.source, url) != cell.source:
                    cell.source, edited = _published(cell.source, url), True
            if edited:
                nbformat.write(notebook, path)
                changed.append(path)
        else:
            text = path.read_text()
            if _published(text, url) != text:
                path.write_text(_published(text, url))
                changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Command line: rewrite (default) or --check the published address."""
    parser = argparse.ArgumentParser(prog="python -m course_lib.publish", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report files that disagree; exit 1 if any")
    args = parser.parse_args(argv)
    try:
        if args.check:
            found = disagreements()
            for name in found:
                print(f"names another repository than pyproject.toml: {name}")
            return 1 if found else 0
        for path in publish():
            print(f"updated {path.relative_to(ROOT)}")
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
