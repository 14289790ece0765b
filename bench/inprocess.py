r"""Where a request's time goes: the baked app in-process, part by part.

    .venv/bin/python bench/inprocess.py            # bake all options, time parts
    .venv/bin/python bench/inprocess.py --cprofile # and print the top of cProfile
    .venv/bin/python bench/inprocess.py --request "GET /api/v1/items?limit=2000" \
        --items 2000
    .venv/bin/python bench/inprocess.py --request "POST /api/v1/items"

Calls the WSGI app directly (no server, no test client), so what is left is the
app's own cost. For health, each after_request function is timed by leaving it
out. With ``--request``, the CPU time (``time.process_time``) of that request
is timed with the rate limits on and off, in alternating samples, on a table
seeded with ``--items`` items; a POST sends the bench's new item.
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

from bench import ALL_OPTIONS, HEALTH, NEW_ITEM, bake  # noqa: E402

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


def call(app, count: int, environ: dict = ENVIRON, sent: bytes = b"") -> str:
    """Send the request (with ``sent`` as its body) ``count`` times; the last status."""
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    for _ in range(count):
        body = app({**environ, "wsgi.input": io.BytesIO(sent)}, start_response)
        for _chunk in body:
            pass
        body.close()
    return statuses[-1] if statuses else ""


def microseconds(app, count: int = 3000, repeats: int = 7) -> float:
    """The median cost of one request, in µs."""
    call(app, 300)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call(app, count)
        samples.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(samples)


def request_environ(request: str) -> tuple[dict, bytes]:
    """``"GET /path?query"`` as a WSGI environ and body; a POST sends the new item."""
    method, _, target = request.partition(" ")
    path, _, query = target.partition("?")
    environ = {**ENVIRON, "REQUEST_METHOD": method, "PATH_INFO": path}
    environ["QUERY_STRING"] = query
    body = b""
    if method in ("POST", "PUT", "PATCH"):
        body = NEW_ITEM.encode()
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ, body


def time_request(make_app, request: str, items: int, cprofile: bool) -> None:
    """CPU µs of one request, rate limits on and off, paired samples."""
    from flask_api.db import db
    from flask_api.models import Item

    apps = {
        "rate limits on": make_app({}),
        "off": make_app({"RATELIMIT_ENABLED": False}),
    }
    with apps["off"].app_context():
        db.create_all()
        db.session.add_all(Item(name=f"item {n}", quantity=n) for n in range(items))
        db.session.commit()
    environ, body = request_environ(request)
    for label, app in apps.items():
        status = call(app, 300, environ, body)
        if not status.startswith("2"):
            raise SystemExit(f"{request} answered {status} ({label})")
    samples: dict[str, list[float]] = {label: [] for label in apps}
    for _ in range(7):
        for label, app in apps.items():
            started = time.process_time()
            call(app, 500, environ, body)
            samples[label].append((time.process_time() - started) / 500 * 1e6)
    for label, values in samples.items():
        print(f"{request}, {label}: {statistics.median(values):.0f} µs CPU per request")
    if cprofile:
        profile = cProfile.Profile()
        profile.runcall(call, apps["rate limits on"], 2000, environ, body)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument(
        "--request", help='"METHOD /path?query" to time instead of health'
    )
    parser.add_argument("--items", type=int, default=20, help="items seeded (20)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="profile-") as scratch:
        src = bake(ALL_OPTIONS, Path(scratch))
        sys.path.insert(0, str(src))
        import bare
        from flask_api import create_app

        def make_app(overrides: dict):
            return create_app(
                {
                    "SECRET_KEY": "profile-secret-of-at-least-32-characters",
                    # Thousands of requests from one client: the limit runs,
                    # never refuses.
                    "RATELIMIT_APPLICATION": "100000000/minute",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch}/profile.sqlite3",
                    "CACHE_DIR": f"{scratch}/cache",
                    **overrides,
                }
            )

        if args.request:
            time_request(make_app, args.request, args.items, args.cprofile)
            return 0
        app = make_app({})
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
