"""Where a request's time goes: the baked app in-process, part by part.

    .venv/bin/python bench/inprocess.py            # bake all options, time parts
    .venv/bin/python bench/inprocess.py --cprofile # and print the top of cProfile

Calls the WSGI app directly (no server, no test client), so what is left is the
app's own cost. Each after_request function is timed by leaving it out.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "apps"))

from bench import ALL_OPTIONS, HEALTH, bake  # noqa: E402

ENVIRON = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": HEALTH,
    "QUERY_STRING": "",
    "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "8000",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": False,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    "wsgi.version": (1, 0),
    "HTTP_HOST": "127.0.0.1:8000",
    "HTTP_ORIGIN": "http://localhost:3000",
    "HTTP_ACCEPT_ENCODING": "identity",
}


def call(app, count: int) -> None:
    def start_response(status, headers, exc_info=None):
        pass

    for _ in range(count):
        body = app({**ENVIRON, "wsgi.input": io.BytesIO()}, start_response)
        for _chunk in body:
            pass
        body.close()


def microseconds(app, count: int = 3000, repeats: int = 7) -> float:
    """The median cost of one request, in µs."""
    call(app, 300)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call(app, count)
        samples.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="profile-") as scratch:
        src = bake(ALL_OPTIONS, Path(scratch))
        sys.path.insert(0, str(src))
        import bare
        from flask_api import create_app

        app = create_app(
            {
                "SECRET_KEY": "profile-secret-of-at-least-32-characters",
                # Thousands of requests from one client: the limit runs, never refuses.
                "RATELIMIT_APPLICATION": "1000000/minute",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch}/profile.sqlite3",
            }
        )
        base, total = microseconds(bare.app), microseconds(app)
        print(f"bare Flask {base:.0f} µs, all options {total:.0f} µs per request")
        hooks = list(app.after_request_funcs[None])
        for hook in hooks:
            # Paired samples, with and without: the machine's drift cancels.
            saved = []
            for _ in range(7):
                app.after_request_funcs[None] = hooks
                whole = microseconds(app, repeats=1)
                app.after_request_funcs[None] = [h for h in hooks if h is not hook]
                saved.append(whole - microseconds(app, repeats=1))
            name = getattr(hook, "__qualname__", hook)
            print(f"  {name}: {statistics.median(saved):.1f} µs")
        app.after_request_funcs[None] = hooks
        if args.cprofile:
            profile = cProfile.Profile()
            profile.runcall(call, app, 20000)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
