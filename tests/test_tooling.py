"""The baked project's container, CI and developer tooling pass the real tools.

hadolint (Dockerfile), check-jsonschema and zizmor (GitHub Actions workflow and
Dependabot configuration), pre-commit (hook configuration, and its local ruff
hooks run for real), and a check that ``.env.example`` lists exactly the
variables the app reads.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import bake
from presets import ALL_OFF, ALL_ON
from processes import run

PACKAGE = "flask_api"
TOOLS = Path(sys.executable).parent  # the console scripts of requirements.txt


def tool(name: str) -> str:
    path = TOOLS / name
    if not path.exists():
        pytest.fail(
            f"{name} is missing: run scripts/test (pip install -r requirements.txt)"
        )
    return str(path)


# --- Docker -----------------------------------------------------------------


def hadolint(dockerfile: Path) -> list[dict]:
    """Every finding, at every level; inline ``# hadolint ignore`` is not obeyed."""
    result = run(
        [tool("hadolint"), "--format", "json", "--disable-ignore-pragma", dockerfile],
        cwd=dockerfile.parent,
    )
    assert result.stderr == "", result.stderr
    return json.loads(result.stdout)


def dockerfile_instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


@pytest.mark.parametrize("license_", ["MIT", "Proprietary"])
def test_dockerfile_passes_hadolint_with_no_finding(cookies, license_):
    project = bake(cookies, {"use_docker": True, "open_source_license": license_})

    assert hadolint(project / "Dockerfile") == []


@pytest.mark.parametrize("license_", ["MIT", "Proprietary"])
def test_dockerfile_is_multi_stage_pinned_non_root_and_health_checked(
    cookies, license_
):
    project = bake(cookies, {"use_docker": True, "open_source_license": license_})
    instructions = dockerfile_instructions(project / "Dockerfile")
    by_name = {}
    for name, arguments in instructions:
        by_name.setdefault(name, []).append(arguments)

    bases = [arguments.split()[0] for arguments in by_name["FROM"]]
    assert len(bases) == 2, "a build stage and a runtime stage"
    assert all(re.fullmatch(r"python:\d+\.\d+-slim-[a-z]+", base) for base in bases)
    user = by_name["USER"][-1]
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user), f"numeric non-root, not {user}"
    assert [name for name, _ in instructions].index("USER") > max(
        index for index, (name, _) in enumerate(instructions) if name == "RUN"
    ), "nothing runs as root after USER"
    assert "/api/v1/health" in by_name["HEALTHCHECK"][0]
    copied = " ".join(by_name["COPY"])
    assert ("LICENSE" in copied) == (license_ != "Proprietary")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("cache_backend", ["redis", "none"])
def test_compose_file_follows_the_compose_specification(
    cookies, database, cache_backend
):
    context = {"use_docker": True, "database": database, "cache_backend": cache_backend}
    project = bake(cookies, context)
    compose = yaml.safe_load((project / "compose.yaml").read_text())

    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
         project / "compose.yaml"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    services = compose["services"]
    assert services["migrate"]["command"] == ["flask", "db", "upgrade"]
    assert services["app"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert ("postgres" in services) == (database == "postgresql")
    assert ("redis" in services) == (cache_backend == "redis")


def test_dockerignore_lets_through_exactly_what_the_dockerfile_copies(cookies):
    project = bake(cookies, {"use_docker": True, "open_source_license": "MIT"})
    lines = (project / ".dockerignore").read_text().splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}

    assert rules[0] == "*", "an allow-list: secrets and .git never reach the build"
    copied = {
        source.rstrip("/").removeprefix("./")
        for name, arguments in dockerfile_instructions(project / "Dockerfile")
        if name == "COPY" and "--from" not in arguments
        for source in arguments.split()[:-1]
    }
    assert copied == allowed


def test_hadolint_does_flag_a_bad_dockerfile(cookies, tmp_path):
    # The control: the check above could fail.
    project = bake(cookies, {"use_docker": True})
    text = (project / "Dockerfile").read_text()
    bad = tmp_path / "Dockerfile"
    bad.write_text(re.sub(r"python:\S+", "python:latest", text) + "USER root\n")

    codes = {finding["code"] for finding in hadolint(bad)}

    assert {"DL3007", "DL3002"} <= codes


# --- GitHub Actions -----------------------------------------------------------


def zizmor(project: Path) -> subprocess.CompletedProcess:
    # The pedantic persona reports everything, and nothing is "suppressed".
    return run([tool("zizmor"), "--offline", "--persona=pedantic", "."], cwd=project)


@pytest.mark.parametrize("cache_backend", ["none", "simple", "redis"])
def test_workflow_passes_the_schema_and_zizmor(cookies, cache_backend):
    project = bake(
        cookies, {"use_github_actions": True, "cache_backend": cache_backend}
    )
    workflow = project / ".github" / "workflows" / "ci.yml"

    schema = run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         workflow],
        cwd=project,
    )  # fmt: skip
    assert schema.returncode == 0, schema.stdout + schema.stderr

    audit = zizmor(project)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report" in audit.stdout
    assert "suppressed" not in audit.stdout

    job = yaml.safe_load(workflow.read_text())["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == [
        "3.11", "3.12", "3.13", "3.14"
    ]  # fmt: skip
    commands = [step.get("run", "") for step in job["steps"]]
    # The gates are noxfile.py's default set, as on a laptop and in pre-commit.
    assert "nox" in commands
    install = next(command for command in commands if "uv sync" in command)
    assert "uv sync --locked --extra dev" in install
    assert "pip install -e '.[dev]'" in install
    commands = "\n".join(commands)
    assert ("redis-server" in commands) == (cache_backend == "redis")


def test_zizmor_config_allows_tags_only_for_github_actions(cookies, tmp_path):
    project = bake(cookies, {"use_github_actions": True})
    workflow = project / ".github" / "workflows" / "ci.yml"
    extra_steps = (
        "      - uses: actions/cache@v4\n"
        "        with:\n"
        "          path: ~/.cache/pip\n"
        "          key: pip\n"
        "      - uses: astral-sh/setup-uv@v6\n"
    )
    workflow.write_text(workflow.read_text() + extra_steps)

    audit = zizmor(project)

    assert audit.returncode != 0
    assert "astral-sh/setup-uv@v6" in audit.stdout
    unpinned = re.findall(r"unpinned-uses.*\n(?:.*\n){0,2}.*uses: (\S+)", audit.stdout)
    assert unpinned == ["astral-sh/setup-uv@v6"], audit.stdout


def check_dependabot_schema(config: Path) -> subprocess.CompletedProcess:
    return run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", config],
        cwd=config.parent,
    )


@pytest.mark.parametrize("use_docker", [True, False], ids=["docker", "no-docker"])
def test_dependabot_config_is_valid_and_watches_each_manifest(cookies, use_docker):
    project = bake(cookies, {"use_github_actions": True, "use_docker": use_docker})
    config = project / ".github" / "dependabot.yml"

    schema = check_dependabot_schema(config)
    assert schema.returncode == 0, schema.stdout + schema.stderr

    text = config.read_text()
    assert "\n\n" not in text, "no blank line left by the docker block"
    assert text.endswith("\n")
    updates = yaml.safe_load(text)["updates"]
    expected = ["pip", "github-actions", *(["docker"] if use_docker else [])]
    assert [update["package-ecosystem"] for update in updates] == expected
    # pyproject.toml, the workflows and the Dockerfile are all at the root.
    assert all(update["directory"] == "/" for update in updates)
    assert all(update["cooldown"]["default-days"] >= 7 for update in updates)

    audit = zizmor(project)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report" in audit.stdout


def test_dependabot_schema_does_flag_a_bad_config(cookies, tmp_path):
    # The control: the schema check above could fail.
    project = bake(cookies, {"use_github_actions": True})
    config = project / ".github" / "dependabot.yml"
    bad = tmp_path / "dependabot.yml"
    bad.write_text(config.read_text().replace("github-actions", "github_actions"))

    assert check_dependabot_schema(bad).returncode != 0


def test_no_dependabot_config_without_github_actions(cookies):
    project = bake(cookies, {"use_github_actions": False, "use_docker": True})

    assert not (project / ".github").exists()


# --- pre-commit -----------------------------------------------------------------


def pre_commit_environment(tmp_path: Path) -> dict:
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}",
    }


def test_pre_commit_config_is_valid(cookies, tmp_path):
    project = bake(cookies, {})
    env = pre_commit_environment(tmp_path)

    result = run(
        [tool("pre-commit"), "validate-config", ".pre-commit-config.yaml"],
        cwd=project,
        env=env,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == "", "no warning either"
    repos = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"]
    remote = [repo for repo in repos if repo["repo"] != "local"]
    assert all(re.fullmatch(r"v\d+\.\d+\.\d+", repo["rev"]) for repo in remote)


def test_pre_commit_runs_the_nox_gates(cookies, tmp_path):
    # Remote hook repositories cannot be cloned here; the local hooks (nox -s
    # lint, nox -s types) can run for real, on a clean tree and a bad file.
    project = bake(cookies, {})
    env = {**pre_commit_environment(tmp_path), "PYTHONPATH": str(project / "src")}
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    local = {"repos": [repo for repo in config["repos"] if repo["repo"] == "local"]}
    (project / "local-hooks.yaml").write_text(yaml.safe_dump(local))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    run([*git, "init", "-q"], cwd=project)
    run([*git, "add", "-A"], cwd=project)
    hooks = [tool("pre-commit"), "run", "--all-files", "--config", "local-hooks.yaml"]

    clean = run(hooks, cwd=project, env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"nox -s lint .*Passed", clean.stdout), clean.stdout
    assert re.search(r"nox -s types .*Passed", clean.stdout), clean.stdout

    # A gate checks, it does not rewrite: the commit stops, naming the file.
    (project / "src" / PACKAGE / "ugly.py").write_text("x = [1,2,\n 3]\n")
    run([*git, "add", "-A"], cwd=project)
    dirty = run(hooks, cwd=project, env=env)
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    assert re.search(r"nox -s lint .*Failed", dirty.stdout), dirty.stdout
    assert f"src/{PACKAGE}/ugly.py" in dirty.stdout
    assert (project / "src" / PACKAGE / "ugly.py").read_text() == "x = [1,2,\n 3]\n"


# --- .env.example ---------------------------------------------------------------

# How the baked code reads a variable: os.environ.get("X"), os.environ["X"],
# os.getenv("X"), or a helper given the environment and a name (environ, "X").
# environ.get("X"), environ["X"], getenv("X"), a helper given (environ, "X"),
# and gunicorn.conf.py's server_setting("X", ...).
READS = re.compile(
    r"""(?:environ\.get\(|environ\[|getenv\(|environ,|server_setting\()\s*"""
    r"""["']([A-Z][A-Z0-9_]*)["']"""
)
# Set by the project for a library (os.environ["NAME"] = ...), not by the user.
SETS = re.compile(r"""environ\[["']([A-Z][A-Z0-9_]*)["']\]\s*=[^=]""")
# Read by the standard library's tempfile (gunicorn.conf.py makes a directory).
READ_BY_TEMPFILE = {"TMPDIR", "TEMP", "TMP"}
# Read by Flask itself: behind get_debug_flag() and Flask(), and by `flask run`.
READ_BY_FLASK = {"FLASK_DEBUG", "FLASK_RUN_PORT"}

# Records every name the app and gunicorn.conf.py look up while starting.
RECORD_READS = """
import json, os, runpy, sys


class Recording(dict):
    names = set()

    def get(self, key, default=None):
        self.names.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.names.add(key)
        return super().__contains__(key)


from {package} import create_app

environ = os.environ
os.environ = Recording(environ)
create_app({{"TESTING": True, "DATABASE": sys.argv[1]}})
runpy.run_path("gunicorn.conf.py")
print(json.dumps(sorted(Recording.names)))
"""


def documented_variables(project: Path) -> set[str]:
    """NAME=value lines of .env.example, commented-out ones included."""
    text = (project / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def variables_in_source(project: Path) -> set[str]:
    sources = [*(project / "src").rglob("*.py"), project / "gunicorn.conf.py"]
    texts = [path.read_text() for path in sources]
    read = {name for text in texts for name in READS.findall(text)}
    set_here = {name for text in texts for name in SETS.findall(text)}
    return READ_BY_FLASK | (read - set_here)


def set_by_project(project: Path) -> set[str]:
    sources = [*(project / "src").rglob("*.py"), project / "gunicorn.conf.py"]
    return {name for path in sources for name in SETS.findall(path.read_text())}


def variables_read_at_start(project: Path, tmp_path: Path) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    for name in variables_in_source(project):
        env.pop(name, None)  # every default path taken
    result = run(
        [sys.executable, "-c", RECORD_READS.format(package=PACKAGE),
         tmp_path / "db.sqlite3"],
        cwd=project,
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # The last line: the app logs to stdout too (an unreachable Redis, one warning).
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize("context", [ALL_ON, ALL_OFF], ids=["all-on", "all-off"])
def test_env_example_lists_exactly_the_variables_the_app_reads(
    cookies, context, tmp_path
):
    project = bake(cookies, context)
    documented = documented_variables(project)
    in_source = variables_in_source(project)

    assert in_source == documented, (
        f"read but not in .env.example: {sorted(in_source - documented)}; "
        f"in .env.example but never read: {sorted(documented - in_source)}"
    )
    # The same from the running code: every name looked up while the app and
    # gunicorn's settings load, helpers and libraries included.
    read = variables_read_at_start(project, tmp_path)
    read -= set_by_project(project) | READ_BY_TEMPFILE
    assert read <= documented, f"not in .env.example: {sorted(read - documented)}"
