"""Remove what the chosen options leave unused, then say what to do next.

One table: an option's value, and the paths (relative to the new project) that
exist only for the other values. Code and tests of an option live in their own
files, so deleting files is all that pruning takes.
"""

import os
import shlex
import shutil
import sys
from pathlib import Path

PACKAGE = Path("src") / "{{ cookiecutter.package_name }}"

CHOSEN = {
    "open_source_license": "{{ cookiecutter.open_source_license }}",
    "use_cors": "{{ cookiecutter.use_cors }}" == "True",
    "use_compression": "{{ cookiecutter.use_compression }}" == "True",
    "database": "{{ cookiecutter.database }}",
    "cache_backend": "{{ cookiecutter.cache_backend }}",
    "use_rate_limit": "{{ cookiecutter.use_rate_limit }}" == "True",
    "auth": "{{ cookiecutter.auth }}",
    "use_docker": "{{ cookiecutter.use_docker }}" == "True",
    "use_github_actions": "{{ cookiecutter.use_github_actions }}" == "True",
    "ajax_demo": "{{ cookiecutter.ajax_demo }}" == "True",
    "use_metrics": "{{ cookiecutter.use_metrics }}" == "True",
}

# cookiecutter records where it was asked to write; cruft does not, and its
# update, diff and check generate into a temporary directory, where next steps
# would send the person to a directory about to vanish.
SHOW_NEXT_STEPS = "{{ '_output_dir' in cookiecutter }}" == "True"

REDIS_ONLY = ["tests/test_cache_redis.py", "tests/redis_server.py"]
# Authentication: the gate and its tests, then each kind of credential.
AUTH_ANY = [PACKAGE / "auth.py", "tests/credentials.py", "tests/test_auth.py"]
API_KEY_ONLY = [
    PACKAGE / "keys.py",
    PACKAGE / "migrations/versions/0002_create_api_keys.py",
    "tests/test_keys.py",
]
JWT_ONLY = [
    PACKAGE / "users.py",
    PACKAGE / "tokens.py",
    PACKAGE / "api/auth.py",
    PACKAGE / "login_limits.py",
    PACKAGE / "migrations/versions/0002_create_users.py",
    PACKAGE / "migrations/versions/0003_end_sessions.py",
    "tests/test_tokens.py",
    "tests/test_login_limits.py",
]

# (option, value) -> paths to delete when the option has that value.
UNUSED = {
    ("open_source_license", "Proprietary"): ["LICENSE"],
    ("use_cors", False): [PACKAGE / "cors.py", "tests/test_cors.py"],
    ("use_compression", False): [
        PACKAGE / "compression.py",
        "tests/test_compression.py",
    ],
    ("cache_backend", "none"): [
        PACKAGE / "cache.py",
        "tests/test_cache.py",
        *REDIS_ONLY,
    ],
    ("cache_backend", "simple"): REDIS_ONLY,
    ("auth", "none"): [*AUTH_ANY, *API_KEY_ONLY, *JWT_ONLY],
    ("auth", "api_key"): JWT_ONLY,
    ("auth", "jwt"): API_KEY_ONLY,
    ("database", "sqlite"): [
        "tests/postgres_server.py",
        "tests/test_database_outage.py",
    ],
    ("use_rate_limit", False): [PACKAGE / "ratelimit.py", "tests/test_ratelimit.py"],
    ("use_docker", False): ["Dockerfile", ".dockerignore", "compose.yaml"],
    ("use_github_actions", False): [".github"],
    ("ajax_demo", False): [
        PACKAGE / "demo.py",
        PACKAGE / "demo.html",
        PACKAGE / "static",
        "tests/test_demo.py",
    ],
    ("use_metrics", False): [
        PACKAGE / "metrics.py",
        "tests/test_metrics.py",
        "prometheus",
    ],
}


def paths_to_remove(chosen: dict) -> list[Path]:
    return [
        Path(path)
        for (option, value), paths in UNUSED.items()
        if chosen[option] == value
        for path in paths
    ]


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        # Two options may both leave a file unused: it goes once.
        path.unlink(missing_ok=True)


def shown_path(project: Path) -> str:
    """The project as the person can reach it from where they ran cookiecutter.

    The hook runs inside the project; cookiecutter changed its own directory,
    not the shell's, which PWD still names. Outside it: the absolute path.
    """
    shell_dir = os.environ.get("PWD", "")
    if shell_dir and os.path.isdir(shell_dir):
        start = Path(shell_dir).resolve()
        if project.is_relative_to(start) and project != start:
            return shlex.quote(project.relative_to(start).as_posix())
    return shlex.quote(str(project))


def next_steps(project: Path, chosen: dict) -> str:
    lines = [
        f"Created {project.name}. Next steps:",
        f"  cd {shown_path(project)}",
        "  python -m venv .venv && . .venv/bin/activate",
        "  pip install -e '.[dev]'",
        "  pytest",
    ]
    flask = "flask --app {{ cookiecutter.package_name }}"
    if chosen["auth"] == "api_key":
        lines += [
            f"API keys: `{flask} db upgrade`, then",
            f"`{flask} keys create NAME --scope read-write` (see README).",
        ]
    elif chosen["auth"] == "jwt":
        lines += [
            f"Users: `{flask} db upgrade`, then",
            f"`{flask} users create NAME` (see README).",
        ]
    if chosen["cache_backend"] == "redis":
        lines += [
            "Redis cache: install redis-server (the tests start their own); for the",
            "app, run `redis-server` or set REDIS_URL (see .env.example).",
        ]
    return "\n".join(lines)


def main() -> int:
    for path in paths_to_remove(CHOSEN):
        remove(path)
    if SHOW_NEXT_STEPS:
        print(next_steps(Path.cwd().resolve(), CHOSEN))
    return 0


if __name__ == "__main__":
    sys.exit(main())
