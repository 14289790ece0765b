"""A project baked with cruft learns of template changes and takes them in.

The template is copied into a temporary git repository (cruft works on
commits), so the test sees this working tree and can commit to its copy.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import TEMPLATE
from processes import run

CRUFT = Path(sys.executable).parent / "cruft"
NOT_TEMPLATE = shutil.ignore_patterns(
    ".git", ".venv", ".pytest_cache", ".ruff_cache", "__pycache__", "*.pyc"
)
# Commits need an identity; the machine may have none configured.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.com",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.com",
}
ENV = {**os.environ, **GIT_IDENTITY}
NOTE = "Remember to rotate SECRET_KEY when someone leaves the team."


def run_in(directory: Path, *command: str | Path, check: bool = True):
    return run(list(command), cwd=directory, env=ENV, check=check)


def commit_all(repository: Path, message: str) -> str:
    run_in(repository, "git", "add", "-A")
    run_in(repository, "git", "commit", "-q", "-m", message)
    return run_in(repository, "git", "rev-parse", "HEAD").stdout.strip()


@pytest.fixture
def template_repository(tmp_path) -> Path:
    repository = tmp_path / "template"
    shutil.copytree(TEMPLATE, repository, ignore=NOT_TEMPLATE)
    run_in(repository, "git", "init", "-q", "-b", "main")
    commit_all(repository, "Template as it is")
    return repository


def test_cruft_project_checks_and_updates_from_the_template(
    template_repository, tmp_path
):
    if not CRUFT.exists():
        pytest.fail("cruft is missing: pip install -r requirements.txt")
    output = tmp_path / "projects"
    context = json.dumps({"project_name": "Cruft Demo", "use_docker": False})
    run_in(tmp_path, CRUFT, "create", "--no-input", "--output-dir", output,
           "--extra-context", context, template_repository)  # fmt: skip
    project = output / "cruft-demo"
    assert (project / "src" / "cruft_demo" / "__init__.py").exists()
    assert not (project / "Dockerfile").exists(), "the post-gen hook ran"
    run_in(project, "git", "init", "-q", "-b", "main")
    commit_all(project, "Baked with cruft")

    run_in(project, CRUFT, "check")

    readme = template_repository / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + f"\n{NOTE}\n")
    new_commit = commit_all(template_repository, "README: a note on secrets")

    outdated = run_in(project, CRUFT, "check", check=False)
    assert outdated.returncode != 0, outdated.stdout

    run_in(project, CRUFT, "update", "-y")

    assert NOTE in (project / "README.md").read_text()
    assert json.loads((project / ".cruft.json").read_text())["commit"] == new_commit
    assert not (project / "Dockerfile").exists(), "the answers are kept"
    run_in(project, CRUFT, "check")
