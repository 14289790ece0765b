"""The production server: ``python -m {{ cookiecutter.package_name }}``.

It is ``gunicorn --config gunicorn.conf.py`` (run it from the folder holding
that file; further arguments go to gunicorn), with one check first. gunicorn
parses WEB_CONCURRENCY with ``int()`` as it is imported, before it reads any
configuration file, so a value that is not a number would stop it with a
traceback instead of the one line every other setting gets. Once the check
passes, this process becomes gunicorn (exec): gunicorn is the process that
receives signals, PID 1 in a container, where SIGTERM starts its graceful
shutdown.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

from .settings import SettingsError, positive_int

GUNICORN = ["-m", "gunicorn", "--config", "gunicorn.conf.py"]


def check_gunicorn_environment(environ: MutableMapping[str, str]) -> None:
    """Check what gunicorn reads before gunicorn.conf.py, by that file's rule."""
    # Empty means unset to gunicorn.conf.py, as to every setting; int("") fails.
    if environ.get("WEB_CONCURRENCY") == "":
        del environ["WEB_CONCURRENCY"]
    positive_int(environ, "WEB_CONCURRENCY", default=1)  # gunicorn's own default


def main() -> None:
    try:
        check_gunicorn_environment(os.environ)
    except SettingsError as error:
        sys.exit(error.message)
    os.execv(sys.executable, [sys.executable, *GUNICORN, *sys.argv[1:]])


if __name__ == "__main__":
    main()
