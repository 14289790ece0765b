"""The baked project's named tasks (noxfile.py) and its uv path.

Each gate is shown to bite: a type error fails ``nox -s types``, a model
changed without a migration fails ``nox -s migrations``, a run that covers too
little fails ``nox -s coverage``, a badly formatted file fails ``nox -s lint``.
The default set passing on every pairwise combination is in
test_baked_suites.py. The uv test installs from PyPI into a fresh environment.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from conftest import bake, run_baked_nox
from presets import ALL_ON
from processes import run

PACKAGE = "flask_api"
DEFAULT_SET = {"lint", "types", "coverage", "migrations"}


def sessions(listing: str) -> dict[str, bool]:
    """``nox --list``: each session's name, and whether ``nox`` alone runs it."""
    found = {}
    for line in listing.splitlines():
        match = re.match(r"([*-]) (\w+)", line)
        if match:
            found[match[2]] = match[1] == "*"
    return found


@pytest.mark.parametrize("preset", [{}, ALL_ON], ids=["default", "all_on"])
def test_nox_lists_every_gate_and_runs_the_gates_by_default(cookies, preset):
    project = bake(cookies, preset)

    listing = run_baked_nox(project, "--list")

    assert listing.returncode == 0, listing.stdout + listing.stderr
    found = sessions(listing.stdout)
    assert set(found) == DEFAULT_SET | {"tests", "fix"}, listing.stdout
    assert {name for name, default in found.items() if default} == DEFAULT_SET


@pytest.mark.slow
def test_each_gate_fails_on_what_it_guards(cookies):
    project = bake(cookies, {})
    package = project / "src" / PACKAGE

    # mypy, with check_untyped_defs: an unannotated test body is checked too.
    (project / "tests" / "test_wrong.py").write_text(
        "def test_wrong():\n    assert len(3) == 1\n"
    )
    types = run_baked_nox(project, "-s", "types")
    assert types.returncode == 1, types.stdout + types.stderr
    assert 'tests/test_wrong.py:2: error: Argument 1 to "len"' in types.stdout
    (project / "tests" / "test_wrong.py").unlink()

    # ruff format --check: the file is named and left as it was.
    ugly = "x = [1,2,\n 3]\n"
    (package / "ugly.py").write_text(ugly)
    lint = run_baked_nox(project, "-s", "lint")
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert f"src/{PACKAGE}/ugly.py" in lint.stdout
    assert (package / "ugly.py").read_text() == ugly
    fix = run_baked_nox(project, "-s", "fix")
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert (package / "ugly.py").read_text() == "x = [1, 2, 3]\n"
    assert run_baked_nox(project, "-s", "lint").returncode == 0
    # An error ruff cannot fix (an undefined name) does not stop the formatting.
    (package / "ugly.py").write_text(ugly + "print(undefined)\n")
    fix = run_baked_nox(project, "-s", "fix")
    assert fix.returncode == 1, fix.stdout + fix.stderr
    assert "F821" in fix.stdout
    assert (package / "ugly.py").read_text() == "x = [1, 2, 3]\nprint(undefined)\n"
    (package / "ugly.py").unlink()

    # flask db check: a column in the model and none in the migrations.
    models = package / "models.py"
    source = models.read_text()
    anchor = "    name: Mapped[str]"
    assert anchor in source
    models.write_text(
        source.replace(anchor, "    colour: Mapped[str | None]\n" + anchor, 1)
    )
    migrations = run_baked_nox(project, "-s", "migrations")
    assert migrations.returncode == 1, migrations.stdout + migrations.stderr
    assert "New upgrade operations detected" in migrations.stdout + migrations.stderr
    assert "colour" in migrations.stdout + migrations.stderr
    models.write_text(source)
    assert run_baked_nox(project, "-s", "migrations").returncode == 0

    # The floor: one small test file runs too little of the package.
    coverage = run_baked_nox(project, "-s", "coverage", "--", "tests/test_json.py")
    assert coverage.returncode == 1, coverage.stdout + coverage.stderr
    assert re.search(r"Coverage failure: total of \d+ is less than fail-under=\d+",
                     coverage.stdout), coverage.stdout[-2000:]  # fmt: skip


def uv_environment() -> dict[str, str]:
    """A user's shell with uv: nothing of the template's own run leaks in."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTEST_ADDOPTS"}
    }
    return {
        **environment,
        # This machine reaches PyPI through a proxy whose certificate only the
        # host's trust store holds: uv's own bundle would refuse it.
        "UV_SYSTEM_CERTS": "1",
        # The interpreter is this one: never a download.
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
    }


@pytest.mark.slow
def test_uv_locks_syncs_and_tests_a_fresh_environment(cookies):
    project = bake(cookies, {})
    uv = Path(sys.executable).parent / "uv"
    env = uv_environment()

    lock = run([uv, "lock", "--python", sys.executable], cwd=project, env=env,
               timeout=300)  # fmt: skip
    assert lock.returncode == 0, lock.stdout + lock.stderr
    assert f'name = "{project.name}"' in (project / "uv.lock").read_text()

    # What CI runs when uv.lock is committed: exactly the locked versions.
    sync = run(
        [uv, "sync", "--locked", "--extra", "dev", "--python", sys.executable],
        cwd=project,
        env=env,
        timeout=600,
    )
    assert sync.returncode == 0, sync.stdout + sync.stderr
    venv_python = project / ".venv" / "bin" / "python"
    assert venv_python.exists()
    assert run([venv_python, "-c", "import nox, mypy, pytest, coverage, flask_api"],
               cwd=project, env=env).returncode == 0  # fmt: skip

    tests = run([uv, "run", "pytest", "-q", "-p", "no:cacheprovider"],
                cwd=project, env=env, timeout=900)  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-2000:]
    assert re.search(r"\d+ passed", tests.stdout)
    assert "skipped" not in tests.stdout

    # The documented gates, through uv run: the fresh venv's own tools.
    gates = run([uv, "run", "nox", "-s", "lint", "types", "migrations"],
                cwd=project, env=env, timeout=600)  # fmt: skip
    assert gates.returncode == 0, gates.stdout[-3000:] + gates.stderr[-3000:]
    for session in ("lint", "types", "migrations"):
        assert f"* {session}: success" in gates.stderr
    which = "import shutil; print(shutil.which('mypy'))"
    where = run([uv, "run", "python", "-c", which], cwd=project, env=env)
    assert where.stdout.strip() == str(project / ".venv" / "bin" / "mypy")
