"""hooks/pre_gen_project.py: a bad answer stops generation and leaves nothing behind."""

import ast
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEMPLATE
from cookiecutter.exceptions import FailedHookException
from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import prompt_for_config

HOOK = Path("hooks", "pre_gen_project.py")


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("ERROR:")]


def tree(root):
    """Every path under root, relative, with a trailing '/' on directories."""
    return sorted(
        path.relative_to(root).as_posix() + ("/" if path.is_dir() else "")
        for path in root.rglob("*")
    )


@pytest.fixture
def template_dir(pytestconfig):
    return Path(pytestconfig.option.template)


@pytest.fixture
def cookies_root(cookies, tmp_path):
    # pytest-cookies bakes into <tmpdir>/cookies/bakeNN, and tmpdir is tmp_path.
    root = tmp_path / "cookies"
    assert root.is_dir()
    return root


@pytest.fixture
def cookiecutter_config(tmp_path):
    """A user config for direct cookiecutter() calls, so replays stay out of ~."""
    config = tmp_path / "cookiecutter-config.yaml"
    paths = {
        "cookiecutters_dir": str(tmp_path / "cookiecutters"),
        "replay_dir": str(tmp_path / "replay"),
    }
    config.write_text(json.dumps(paths), encoding="utf-8")  # JSON is YAML
    return str(config)


@pytest.fixture(scope="session")
def hook_only_template(pytestconfig, tmp_path_factory):
    """The real cookiecutter.json and pre-gen hook around a one-file body.

    Good answers are checked against this too, so a failure points at the hook
    and not at whatever the template body does with the answer.
    """
    source = Path(pytestconfig.option.template)
    template = tmp_path_factory.mktemp("hook-only-template")
    shutil.copy(source / "cookiecutter.json", template)
    (template / "hooks").mkdir()
    shutil.copy(source / HOOK, template / HOOK)
    body = template / "{{cookiecutter.project_slug}}"
    body.mkdir()
    (body / "README.md").write_text("{{ cookiecutter.project_name }}\n")
    return template


def bad(case_id, field, value, answers=None, leftover=("bake00/",)):
    """A case where `field` is reported as `value`, by default the only answer."""
    answers = {field: value} if answers is None else answers
    return pytest.param(answers, field, value, list(leftover), id=case_id)


BAD_ANSWERS = [
    bad("slug-space", "project_slug", "my app"),
    # cookiecutter makes a/b with its parents before the hook and removes only
    # the leaf when the hook fails, so an empty a/ is left.
    bad("slug-slash", "project_slug", "a/b", leftover=("bake00/", "bake00/a/")),
    # Created as <cookies>/x, beside bake00, then removed again.
    bad("slug-dotdot", "project_slug", "../x"),
    bad("slug-leading-dash", "project_slug", "-api"),
    bad("slug-uppercase", "project_slug", "MyApi"),
    bad("slug-double-dot", "project_slug", "my..api"),
    bad("slug-too-long", "project_slug", "a" * 101),
    # Nothing to make a directory name of: the derived slug is a placeholder
    # that is refused, reported as derived from the name.
    bad("slug-from-name-without-letters", "project_slug", "-", {"project_name": "!!!"}),
    # The placeholder slug lets the hook run and name the field itself.
    bad("name-empty", "project_name", ""),
    bad("name-blank-derived-slug", "project_name", "   "),
    bad(
        "name-blank",
        "project_name",
        "   ",
        {"project_name": "   ", "project_slug": "api"},
    ),
    bad("name-newline", "project_name", "My\nAPI"),
    bad("package-keyword-class", "package_name", "class"),
    bad("package-flask", "package_name", "flask"),
    bad("package-json", "package_name", "json"),
    bad("package-stdlib-calendar", "package_name", "calendar"),
    # New in Python 3.14, which the baked project supports.
    bad("package-stdlib-compression", "package_name", "compression"),
    bad("package-test", "package_name", "test"),
    bad("package-typed-with-dash", "package_name", "my-api"),
    bad("package-uppercase", "package_name", "MyApi"),
    bad("package-leading-digit", "package_name", "1api"),
    bad("package-from-digit-slug", "package_name", "1api", {"project_slug": "1api"}),
    bad("package-from-slug-flask", "package_name", "flask", {"project_slug": "flask"}),
    bad("email-without-at", "author_email", "you-at-example.com"),
    bad("email-with-quote", "author_email", 'a"b@example.com'),
    bad("version-with-v", "version", "v1.0"),
    bad("version-hyphen-beta", "version", "1.0-beta"),
    bad("description-newline", "description", "one\ntwo"),
    bad("description-too-long", "description", "x" * 201),
    bad("author-control-char", "author_name", "Bell\x07"),
    bad("cors-with-path", "cors_origins", "https://a.example/api"),
    bad("cors-without-scheme", "cors_origins", "localhost:3000"),
    bad("cors-trailing-slash", "cors_origins", "http://localhost:3000/"),
    bad("cors-ftp", "cors_origins", "ftp://a.example"),
    bad("cors-empty", "cors_origins", ""),
    bad("cors-empty-entry", "cors_origins", "https://a.example,"),
    # A string "1" would become True; an int skips that conversion and reaches the
    # hook as the string "1".
    bad("use_cors-int", "use_cors", "1", {"use_cors": 1}),
    bad("use_docker-none", "use_docker", None),
]


@pytest.mark.parametrize(("answers", "field", "value", "leftover"), BAD_ANSWERS)
def test_bad_answer_stops_generation(
    cookies, cookies_root, capfd, answers, field, value, leftover
):
    result = cookies.bake(extra_context=answers)
    err = capfd.readouterr().err

    assert result.exit_code != 0
    assert result.project_path is None
    assert isinstance(result.exception, FailedHookException)
    [line] = error_lines(err)
    assert line.startswith(f"ERROR: {field} = {value!r}: ")
    if field in {"project_name", "project_slug"}:
        # Derived from the field the person typed: reporting it too would send them
        # to a question they never answered.
        assert "package_name" not in err
    if field == "project_name":
        assert "project_slug" not in err
    assert tree(cookies_root) == leftover


def test_slash_slug_leaves_only_an_empty_parent(cookies, cookies_root):
    result = cookies.bake(extra_context={"project_slug": "a/b"})

    assert result.exit_code == -1
    leftover = cookies_root / "bake00" / "a"
    assert leftover.is_dir()
    assert list(leftover.iterdir()) == []


def test_dotdot_slug_is_made_beside_the_output_dir(
    template_dir, tmp_path, cookiecutter_config
):
    """Why slug-dotdot leaves nothing in bake00: the directory was never in it."""
    out = tmp_path / "out"
    out.mkdir()

    with pytest.raises(FailedHookException):
        cookiecutter(
            str(template_dir),
            no_input=True,
            extra_context={"project_slug": "../x"},
            output_dir=str(out),
            config_file=cookiecutter_config,
            keep_project_on_failure=True,
        )

    assert (tmp_path / "x").is_dir()
    assert tree(out) == []


def test_absolute_slug_is_made_outside_the_output_dir_then_removed(
    cookies, cookies_root, capfd, tmp_path
):
    elsewhere = tmp_path / "elsewhere"

    result = cookies.bake(extra_context={"project_slug": str(elsewhere)})

    assert result.exit_code == -1
    [line] = error_lines(capfd.readouterr().err)
    assert line.startswith(f"ERROR: project_slug = {str(elsewhere)!r}: ")
    assert not elsewhere.exists()
    assert tree(cookies_root) == ["bake00/"]


def test_several_bad_answers_give_one_line_each_in_question_order(
    cookies, cookies_root, capfd
):
    result = cookies.bake(
        extra_context={
            "project_slug": "my app",
            "package_name": "class",
            "author_email": "nobody",
            "version": "one",
            "cors_origins": "localhost:3000",
            "use_compression": 2,
        }
    )
    err = capfd.readouterr().err

    assert result.exit_code == -1
    assert result.project_path is None
    fields = [line.split(" = ")[0].removeprefix("ERROR: ") for line in error_lines(err)]
    assert fields == [
        "project_slug",
        "package_name",
        "author_email",
        "version",
        "cors_origins",
        "use_compression",
    ]
    assert tree(cookies_root) == ["bake00/"]


@pytest.mark.parametrize(
    ("answers", "variable"),
    [
        pytest.param({"use_cors": "maybe"}, "use_cors", id="use_cors-maybe"),
        pytest.param(
            {"cache_backend": "memcached"}, "cache_backend", id="cache-memcached"
        ),
        pytest.param(
            {"open_source_license": "GPL"}, "open_source_license", id="license-GPL"
        ),
    ],
)
def test_cookiecutter_refuses_these_before_the_hook_runs(
    cookies, cookies_root, capfd, answers, variable
):
    """extra_context cannot smuggle these past cookiecutter; the hook never runs."""
    result = cookies.bake(extra_context=answers)

    assert result.exit_code == -1
    assert result.project_path is None
    assert isinstance(result.exception, ValueError)
    assert variable in str(result.exception)
    assert error_lines(capfd.readouterr().err) == []
    assert tree(cookies_root) == []


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        pytest.param({"use_cors": "maybe"}, "use_cors", id="use_cors-maybe"),
        pytest.param(
            {"cache_backend": "memcached"}, "cache_backend", id="cache-memcached"
        ),
        pytest.param(
            {"open_source_license": "GPL"}, "open_source_license", id="license-GPL"
        ),
    ],
)
def test_replayed_answers_are_checked_by_the_hook(
    template_dir, tmp_path, cookiecutter_config, capfd, answers, field
):
    """A replay file is used as is, so for these the hook is the only check."""
    context = prompt_for_config(
        generate_context(context_file=str(template_dir / "cookiecutter.json")),
        no_input=True,
    )
    replay = tmp_path / "replay.json"
    replay.write_text(
        json.dumps({"cookiecutter": {**context, **answers}}), encoding="utf-8"
    )
    out = tmp_path / "out"
    out.mkdir()

    with pytest.raises(FailedHookException):
        cookiecutter(
            str(template_dir),
            replay=str(replay),
            output_dir=str(out),
            config_file=cookiecutter_config,
        )

    [line] = error_lines(capfd.readouterr().err)
    assert line.startswith(f"ERROR: {field} = {answers[field]!r}: ")
    assert tree(out) == []


def test_empty_project_name_is_refused_by_the_hook_in_one_line(
    cookies, cookies_root, capfd
):
    """Not cookiecutter's '"." directory already exists': the slug made from an
    empty name is a placeholder, so the hook runs and names the field."""
    result = cookies.bake(extra_context={"project_name": ""})
    err = capfd.readouterr().err

    assert isinstance(result.exception, FailedHookException)
    assert error_lines(err) == ["ERROR: project_name = '': must not be empty"]
    assert "directory already exists" not in err
    assert tree(cookies_root) == ["bake00/"]


def run_cookiecutter_cli(tmp_path, *args, env=None):
    """The README's command in a terminal at tmp_path: what really reaches it."""
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE), *args],
        cwd=tmp_path,
        env={**os.environ, "PWD": str(tmp_path), **(env or {})},
        capture_output=True,
        text=True,
    )


# What cookiecutter 2.7 itself prints (on stdout, through its logger) whenever
# a pre-gen hook exits non-zero, however the hook exits: the template cannot
# remove it. Its first and last lines; between them, its own traceback.
COOKIECUTTER_STOP_LINE = (
    "ERROR: Stopping generation because pre_gen_project hook script "
    "didn't exit successfully"
)
COOKIECUTTER_LAST_LINE = "Hook script failed (exit status: 1)"


@pytest.mark.parametrize(
    ("answer", "line"),
    [
        pytest.param(
            "project_slug=my app",
            "ERROR: project_slug = 'my app': use lowercase letters, digits, '-', "
            "'_' or '.', starting with a letter or digit",
            id="slug-space",
        ),
        pytest.param(
            "project_name=",
            "ERROR: project_name = '': must not be empty",
            id="name-empty",
        ),
        pytest.param(
            "package_name=json",
            "ERROR: package_name = 'json': would shadow a standard library or "
            "dependency module of the same name",
            id="package-stdlib",
        ),
    ],
)
def test_a_refused_answer_in_the_terminal(tmp_path, answer, line):
    result = run_cookiecutter_cli(tmp_path, answer)

    assert result.returncode == 1
    # The template's own output: exactly the one line, no traceback of the hook.
    assert result.stderr.splitlines() == [line]
    assert "Traceback" not in result.stderr
    # cookiecutter's own report, with nothing of the template in it: every
    # frame of its traceback is cookiecutter's code, none the hook's.
    out = result.stdout.splitlines()
    assert out[0] == COOKIECUTTER_STOP_LINE
    assert out[-1] == COOKIECUTTER_LAST_LINE
    frames = [row for row in out if row.startswith("  File ")]
    assert frames
    assert all(f"cookiecutter{os.sep}hooks.py" in frame for frame in frames)
    assert "pre_gen_project" not in "\n".join(out[1:])
    assert tree(tmp_path) == []


def test_the_hook_exits_with_a_status_never_a_traceback(cookies, capfd):
    # Answers of the wrong type reach the checks as they are.
    cookies.bake(
        extra_context={"use_docker": None, "description": None, "version": 1.5}
    )
    err = capfd.readouterr().err

    assert "Traceback" not in err
    assert [line.split(" = ")[0] for line in err.splitlines()] == [
        "ERROR: description",
        "ERROR: use_docker",
    ]


GOOD_ANSWERS = [
    pytest.param(
        {
            "project_name": "Café API",
            "project_slug": "cafe-api",
            "package_name": "cafe_api",
        },
        id="accented-name-explicit-slug",
    ),
    pytest.param({"project_name": "Café API"}, id="accented-name-derived-slug"),
    pytest.param({"project_name": "日本語 API"}, id="non-latin-name"),
    pytest.param({"project_slug": "my.api"}, id="dotted-slug-derived-package"),
    pytest.param(
        {"project_name": "He said \"hi\" \\ it's '''fine'''", "project_slug": "quotes"},
        id="quotes-and-backslash-in-name",
    ),
    pytest.param(
        {"cors_origins": "https://a.example, http://localhost:5173"}, id="cors-list"
    ),
    pytest.param({"cors_origins": "*"}, id="cors-star"),
    pytest.param(
        {"cors_origins": "http://[::1]:8000,https://api.example.co.uk:8443"},
        id="cors-ipv6-port",
    ),
    pytest.param(
        {"use_cors": "no", "use_docker": "off", "ajax_demo": "0"},
        id="booleans-as-cli-strings",
    ),
    pytest.param({"version": "1.0.0rc1.post2.dev3"}, id="version-long"),
    pytest.param({"version": "2024.1"}, id="version-calendar"),
    pytest.param({"package_name": "match"}, id="package-soft-keyword"),
    pytest.param(
        {"project_slug": "my.api", "package_name": "my_api"},
        id="dotted-slug-explicit-package",
    ),
    pytest.param({"project_slug": "a" * 100}, id="slug-100-chars"),
    pytest.param(
        {"author_name": "Zoë O'Brien", "description": "Ünïcode — fine " * 13},
        id="unicode-text",
    ),
    pytest.param(
        {"author_email": "first.last+tag@sub.example.org"}, id="email-plus-subdomain"
    ),
    pytest.param(
        {"open_source_license": "Proprietary", "cache_backend": "none"},
        id="other-choices",
    ),
]


@pytest.mark.parametrize("answers", GOOD_ANSWERS)
def test_unusual_good_answers_pass_the_hook(
    cookies, hook_only_template, capfd, answers
):
    result = cookies.bake(extra_context=answers, template=str(hook_only_template))

    assert capfd.readouterr().err == ""
    assert result.exit_code == 0
    assert result.project_path.is_dir()
    # The hook runs inside the new project directory and must add nothing to it.
    assert tree(result.project_path) == ["README.md"]


def test_cli_style_no_is_turned_into_false_before_the_hook(cookies, hook_only_template):
    result = cookies.bake(
        extra_context={"use_cors": "no"}, template=str(hook_only_template)
    )

    assert result.exit_code == 0
    assert result.context["use_cors"] is False


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(
            {
                "project_name": "Café API",
                "project_slug": "cafe-api",
                "package_name": "cafe_api",
            },
            id="accented-name-explicit-slug",
        ),
        pytest.param(
            {
                "cors_origins": "https://a.example, http://localhost:5173",
                "use_cors": "no",
            },
            id="cors-list-cors-off",
        ),
        pytest.param(
            {"project_name": 'He said "hi" \\ it\'s', "project_slug": "quotes"},
            id="quotes-and-backslash-in-name",
        ),
    ],
)
def test_unusual_good_answers_bake_the_full_template(cookies, answers):
    result = cookies.bake(extra_context=answers)

    assert result.exception is None
    assert result.exit_code == 0
    assert result.project_path.is_dir()


def test_hook_checks_every_question(template_dir):
    """A question added to cookiecutter.json must get a validator too."""
    hook = ast.parse((template_dir / HOOK).read_text(encoding="utf-8"))
    [table] = [
        node.value
        for node in hook.body
        if isinstance(node, ast.Assign)
        and [t.id for t in node.targets] == ["VALIDATORS"]
    ]
    validated = [key.value for key in table.keys]
    questions = json.loads(
        (template_dir / "cookiecutter.json").read_text(encoding="utf-8")
    )

    assert validated == [name for name in questions if not name.startswith("_")]


def test_the_readme_command_from_a_clone_bakes_the_defaults(tmp_path):
    # `cookiecutter .` names the template by a relative path, which the hooks
    # (run inside the new project's directory) must not rely on.
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", ".", "--no-input", "-o", str(tmp_path)],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "flask-api" / "pyproject.toml").is_file()


@pytest.mark.parametrize(
    ("name", "slug", "package"),
    [
        pytest.param("Café API", "cafe-api", "cafe_api", id="accents-folded"),
        pytest.param("Straße & Co. API", "strasse-co-api", "strasse_co_api", id="ss"),
        pytest.param("My_App  2", "my-app-2", "my_app_2", id="underscore-spaces"),
    ],
)
def test_names_are_folded_into_the_slug_and_package(cookies, name, slug, package):
    result = cookies.bake(extra_context={"project_name": name})

    assert result.exception is None
    assert result.context["project_slug"] == slug
    assert result.context["package_name"] == package
    assert result.project_path.name == slug
    assert (result.project_path / "src" / package / "__init__.py").is_file()


def test_the_hook_follows_cookiecutter_json_derivations(
    cookies, hook_only_template, tmp_path, capfd
):
    """The hook renders cookiecutter.json's own expressions, it keeps no copy:
    change one there and the hook still knows the answer was derived."""
    template = tmp_path / "changed-template"
    shutil.copytree(hook_only_template, template)
    questions = json.loads((template / "cookiecutter.json").read_text())
    questions["project_slug"] = "{{ cookiecutter.project_name | lower }}"
    (template / "cookiecutter.json").write_text(json.dumps(questions))

    result = cookies.bake(
        extra_context={"project_name": "My App"}, template=str(template)
    )

    assert isinstance(result.exception, FailedHookException)
    [line] = error_lines(capfd.readouterr().err)
    assert line.startswith("ERROR: project_slug = 'my app': ")
    assert line.endswith(" (derived from project_name; answer project_slug explicitly)")


# --- Next steps after a successful generation ----------------------------------

NEXT_STEPS = [
    "  python -m venv .venv && . .venv/bin/activate",
    "  pip install -e '.[dev]'",
    "  pytest",
]


@pytest.mark.parametrize("cache_backend", ["simple", "redis", "none"])
def test_next_steps_are_printed_in_the_terminal(tmp_path, cache_backend):
    result = run_cookiecutter_cli(tmp_path, f"cache_backend={cache_backend}")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[:5] == [
        "Created flask-api. Next steps:",
        "  cd flask-api",
        *NEXT_STEPS,
    ]
    if cache_backend == "redis":
        assert len(lines) == 7
        assert "redis-server" in lines[5]
        assert "`redis-server`" in lines[6]
        assert "REDIS_URL" in lines[6]
    else:
        assert len(lines) == 5
        assert "redis" not in result.stdout.lower()


def test_next_steps_name_the_output_dir_relative_to_the_shell(tmp_path):
    result = run_cookiecutter_cli(
        tmp_path, "-o", "out dir", "project_name=Café API", "use_docker=no"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Created cafe-api. Next steps:",
        "  cd 'out dir/cafe-api'",
        *NEXT_STEPS,
    ]


def test_next_steps_outside_the_shell_directory_give_the_absolute_path(cookies, capfd):
    # pytest-cookies bakes in a temporary directory, not under PWD.
    result = cookies.bake(extra_context={"cache_backend": "redis"})
    out = capfd.readouterr().out

    project = result.project_path.resolve()
    assert out.splitlines()[:5] == [
        f"Created {project.name}. Next steps:",
        f"  cd {shlex.quote(str(project))}",
        *NEXT_STEPS,
    ]
    assert "REDIS_URL" in out
