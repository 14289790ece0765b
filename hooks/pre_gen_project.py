"""Reject answers that would produce a broken project, before any file is written.

Cookiecutter renders this file with Jinja and runs it inside the freshly created
(still empty) project directory. On a non-zero exit it deletes that directory, so
every check happens here rather than after generation.

A refused answer is reported as one line on stderr and the hook exits with
status 1: it never raises, so no traceback of its own reaches the terminal
(whatever cookiecutter prints about a failed hook is cookiecutter's).
"""

import functools
import json
import keyword
import re
import sys
import unicodedata
from pathlib import Path

# The only Jinja in this file, kept inside strings so the file is valid Python
# before rendering. No answer can close a raw string: JSON never has three
# unescaped double quotes in a row (an answer's own quotes arrive as \"), and
# tojson also escapes ' as \u0027.
ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
# cookiecutter.json's own entries, before rendering: how a derived default is
# made. cookiecutter passes them; cruft does not, and a replay file holds
# answers only, so there may be no expression to find here.
TEMPLATE_ENTRIES = json.loads(r"""{{ _cookiecutter | default({}) | tojson }}""")

# Built by concatenation: a doubled brace (as an f-string would need) is Jinja.
JINJA_EXPRESSION = "{" + "{"
REFERENCED_FIELD = re.compile(r"\bcookiecutter\.(\w+)")

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
PACKAGE_RE = re.compile(r"[a-z_][a-z0-9_]*")
# Also no " or \: pyproject.toml puts the address inside a TOML string as is.
EMAIL_RE = re.compile(r'[^@\s"\\]+@[^@\s"\\]+\.[^@\s"\\]+')
# Canonical public PEP 440 only: packaging is not guaranteed to be importable in
# the interpreter running cookiecutter, and a non-canonical version would be
# normalised by build tools, so pyproject.toml and the built wheel would disagree.
VERSION_RE = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
# Built by concatenation: a doubled brace (as an f-string would need) is Jinja.
LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
HOST = "(" + LABEL + r"(\." + LABEL + r")*|\[[0-9A-Fa-f:.]+\])"
ORIGIN_RE = re.compile(r"https?://" + HOST + r"(:[0-9]{1,5})?")

MAX_SLUG = 100
MAX_TEXT = 200

# A top-level package with one of these names would shadow, or be shadowed by,
# a module the generated project (or its tooling) imports. The standard library
# comes from sys.stdlib_module_names of the interpreter running cookiecutter;
# the baked project also runs on newer Pythons, whose additions are listed here.
NEWER_STDLIB_MODULES = frozenset({"annotationlib", "compression"})  # 3.14
RESERVED_PACKAGE_NAMES = frozenset(
    {
        "flask",
        "werkzeug",
        "jinja2",
        "click",
        "itsdangerous",
        "markupsafe",
        "blinker",
        "dotenv",
        "flask_cors",
        "flask_compress",
        "flask_caching",
        "flask_orjson",
        "flask_sqlalchemy",
        "flask_migrate",
        "sqlalchemy",
        "alembic",
        "psycopg",
        "flask_smorest",
        "jwt",
        "argon2",
        "flask_swagger_ui",
        "marshmallow",
        "webargs",
        "apispec",
        "schemathesis",
        "openapi_spec_validator",
        "orjson",
        "redis",
        "cachelib",
        "gunicorn",
        "brotli",
        "zstandard",
        "pytest",
        "_pytest",
        "pluggy",
        "hypothesis",
        "packaging",
        "setuptools",
        "pip",
        "test",  # the regression-test package, not in stdlib_module_names
        "tests",
        "conftest",
        "config",
        "app",
        "wsgi",
    }
    | set(sys.stdlib_module_names)
    | NEWER_STDLIB_MODULES
)


def has_control_characters(text):
    # Cc covers \n, \t and \x00; Zl/Zp are U+2028/U+2029, which also break lines.
    return any(unicodedata.category(ch) in {"Cc", "Zl", "Zp"} for ch in text)


def text(check):
    # extra_context can carry None (kept as is) or numbers (turned into strings);
    # a None would otherwise crash the checks below with a traceback.
    @functools.wraps(check)
    def checked(value):
        if not isinstance(value, str):
            return "must be text"
        return check(value)

    return checked


@text
def check_project_name(value):
    if not value.strip():
        return "must not be empty"
    if has_control_characters(value):
        return "must not contain control characters or line breaks"
    return None


@text
def check_project_slug(value):
    if not SLUG_RE.fullmatch(value):
        return (
            "use lowercase letters, digits, '-', '_' or '.', "
            "starting with a letter or digit"
        )
    if ".." in value:
        return "must not contain '..'"
    if len(value) > MAX_SLUG:
        return f"must be at most {MAX_SLUG} characters"
    return None


@text
def check_package_name(value):
    if not PACKAGE_RE.fullmatch(value):
        return (
            "must be an importable name: lowercase ASCII letters, digits and '_', "
            "not starting with a digit"
        )
    if keyword.iskeyword(value):
        return "is a Python keyword"
    if value in RESERVED_PACKAGE_NAMES:
        return "would shadow a standard library or dependency module of the same name"
    return None


@text
def check_short_text(value):
    if has_control_characters(value):
        return "must not contain control characters or line breaks"
    if len(value) > MAX_TEXT:
        return f"must be at most {MAX_TEXT} characters"
    return None


@text
def check_email(value):
    if has_control_characters(value) or not EMAIL_RE.fullmatch(value):
        return "must look like name@example.com"
    return None


@text
def check_version(value):
    if not VERSION_RE.fullmatch(value):
        return "must be a PEP 440 version such as 0.1.0, 1.0rc1 or 2.0.dev3"
    return None


@text
def check_cors_origins(value):
    # Validated even when use_cors is off: cookiecutter still prompts for it and
    # its default passes, so only an answer someone typed can fail here.
    entries = [entry.strip() for entry in value.split(",")]
    for entry in entries:
        if entry != "*" and not ORIGIN_RE.fullmatch(entry):
            return (
                "give '*' or comma-separated origins like https://example.com or "
                "http://localhost:3000 (http/https, no path, no trailing slash)"
            )
    return None


def check_boolean(value):
    if not isinstance(value, bool):
        return "must be yes or no"
    return None


@functools.cache
def template_options():
    # Read the choices from cookiecutter.json itself: the rendered context only
    # holds the chosen value, and with --replay not even the list of options.
    # The file is out of reach when cruft renders (no _repo_dir) or when the
    # template was named by a relative path (`cookiecutter .`: this hook runs in
    # the new project's directory). Both build the answers with cookiecutter's
    # generate_context, which already refuses a value outside a choice list.
    path = Path(ANSWERS.get("_repo_dir", ""), "cookiecutter.json")
    if not path.is_absolute() or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def choice(field):
    def check(value):
        if template_options() is None:
            return None
        choices = template_options()[field]
        if value not in choices:
            return "must be one of " + ", ".join(choices)
        return None

    return check


# In cookiecutter.json order, which is the order errors are reported in; a
# derived field must come after the field it is derived from.
VALIDATORS = {
    "project_name": check_project_name,
    "project_slug": check_project_slug,
    "package_name": check_package_name,
    "description": check_short_text,
    "author_name": check_short_text,
    "author_email": check_email,
    "version": check_version,
    "open_source_license": choice("open_source_license"),
    "use_cors": check_boolean,
    "cors_origins": check_cors_origins,
    "use_compression": check_boolean,
    "database": choice("database"),
    "cache_backend": choice("cache_backend"),
    "auth": choice("auth"),
    "use_rate_limit": check_boolean,
    "use_docker": check_boolean,
    "use_github_actions": check_boolean,
    "ajax_demo": check_boolean,
    "use_metrics": check_boolean,
}


def render(expression):
    """Render a cookiecutter.json expression as cookiecutter did, or None.

    The interpreter running this hook is the one running cookiecutter, so the
    same Jinja environment (slugify filter included) is importable here.
    """
    try:
        from cookiecutter.utils import create_env_with_context

        context = {"cookiecutter": ANSWERS}
        env = create_env_with_context(context)
        return env.from_string(expression).render(**context)
    except Exception:  # no derivation known: report the field as typed
        return None


def derived_from(field):
    """Return the fields this answer was derived from, if it was not typed.

    An answer equal to what cookiecutter.json's own expression makes of the
    other answers is a default the person accepted, so an error in it is
    reported on the field they typed instead.
    """
    expression = TEMPLATE_ENTRIES.get(field)
    if not isinstance(expression, str) or JINJA_EXPRESSION not in expression:
        return []
    if render(expression) != ANSWERS.get(field):
        return []
    return REFERENCED_FIELD.findall(expression)


def find_errors():
    errors = []
    bad = set()
    for field, check in VALIDATORS.items():
        value = ANSWERS.get(field)
        problem = check(value)
        if problem is None:
            continue
        bad.add(field)
        sources = derived_from(field)
        if bad.intersection(sources):
            # The person typed the source, not this field: one error is enough.
            continue
        if sources:
            problem += (
                f" (derived from {' and '.join(sources)}; answer {field} explicitly)"
            )
        errors.append(f"ERROR: {field} = {value!r}: {problem}")
    return errors


def main():
    errors = find_errors()
    for line in errors:
        print(line, file=sys.stderr)
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
