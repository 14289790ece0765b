r"""Rate limiters side by side, in-process: what ratelimit.py was chosen over.

    .venv/bin/python bench/limiters.py

One small Flask app (a blueprint route answering a dict) limited each way,
called as a WSGI app (no server), with one application limit per client and
the quota headers on every answer, as the baked API gives them:

- Flask-Limiter 4 as the template used it (its ``application`` limit, a
  request filter for the exempt blueprints, the headers from
  ``current_limit.window``), and with its own headers switched on instead;
- ``limits`` used directly the textbook way: ``FixedWindowRateLimiter.hit``,
  then ``get_window_stats`` for the headers;
- the baked ``ratelimit.py``: ``limits`` for the limit strings, keys and
  storages, windows aligned on the clock, one ``incr`` per limit.

Each with in-memory counts and, when redis-server is installed, with a Redis
of its own. Per variant: the CPU time one request adds to the bare app
(``time.process_time``, alternating rounds, medians), the storage round trips
per request (Redis: commands sent), and the threads started per 1,000
requests (``limits``' ``MemoryStorage`` restarts a timer thread whenever the
last one ended).
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import Blueprint, Flask, Response, request

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench import ALL_OPTIONS_REDIS, bake  # noqa: E402

ITEMS = "/api/v1/items"
LIMIT = "100000000 per minute"  # runs on every request, never refuses
ROUNDS, REQUESTS = 7, 1000
ENVIRON = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": ITEMS,
    "QUERY_STRING": "",
    "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "8000",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "192.0.2.1",
    "wsgi.url_scheme": "http",
    "wsgi.input": io.BytesIO(),
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": False,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    "wsgi.version": (1, 0),
}


def bare_app() -> Flask:
    app = Flask(__name__)
    api = Blueprint("api", __name__)

    @api.get(ITEMS)
    def items() -> dict:
        return {"items": [], "total": 0}

    app.register_blueprint(api)
    return app


def flask_limiter(storage_uri: str, own_headers: bool = False) -> Flask:
    """Flask-Limiter 4 as ratelimit.py configured it before it used limits."""
    import math

    from flask import current_app
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    app = bare_app()
    app.config.update(
        RATELIMIT_APPLICATION=LIMIT,
        RATELIMIT_STORAGE_URI=storage_uri,
        RATELIMIT_HEADERS_ENABLED=own_headers,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
    )

    def add_headers(response: Response) -> Response:
        (limiter,) = current_app.extensions["limiter"]
        limit = limiter.current_limit
        if limit is not None:
            reset_time, remaining = limit.window
            response.headers["X-RateLimit-Limit"] = str(limit.limit.amount)
            response.headers["X-RateLimit-Remaining"] = str(remaining)
            response.headers["X-RateLimit-Reset"] = str(math.ceil(reset_time))
        return response

    if not own_headers:
        app.after_request(add_headers)
    limiter = Limiter(lambda: f"address:{get_remote_address()}", app=app)
    limiter.request_filter(
        lambda: request.method == "OPTIONS" or request.blueprint in {"health"}
    )
    return app


def limits_textbook(storage_uri: str) -> Flask:
    """``limits`` directly: hit, then the window's stats for the headers."""
    from flask import g
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    app = bare_app()
    limit = parse(LIMIT)
    limiter = FixedWindowRateLimiter(storage_from_string(storage_uri))

    @app.before_request
    def check() -> None:
        client = f"address:{request.remote_addr}"
        g.allowed = limiter.hit(limit, "api", client)
        g.stats = limiter.get_window_stats(limit, "api", client)

    @app.after_request
    def add_headers(response: Response) -> Response:
        reset, remaining = g.stats
        response.headers["X-RateLimit-Limit"] = str(limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-RateLimit-Reset"] = str(int(reset))
        return response

    return app


def baked(storage_uri: str) -> Flask:
    """The baked ratelimit.py on the bare app."""
    from flask_api import ratelimit

    app = bare_app()
    app.config.update(RATELIMIT_APPLICATION=LIMIT, RATELIMIT_STORAGE_URI=storage_uri)
    ratelimit.init_app(app)
    return app


def call(app: Flask, count: int) -> None:
    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    for _ in range(count):
        for _chunk in app(dict(ENVIRON), start_response):
            pass


def cpu_per_request(apps: dict[str, Flask]) -> dict[str, float]:
    """Median CPU µs per request of each app, in alternating rounds."""
    for app in apps.values():
        call(app, 200)
    samples: dict[str, list[float]] = {name: [] for name in apps}
    for number in range(ROUNDS):
        order = list(apps.items())
        for name, app in order if number % 2 == 0 else reversed(order):
            started = time.process_time()
            call(app, REQUESTS)
            samples[name].append((time.process_time() - started) / REQUESTS * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


@contextlib.contextmanager
def counting(owner: type, method: str) -> Iterator[list[int]]:
    """Count the calls of ``owner.method`` in the block."""
    calls = [0]
    original = getattr(owner, method)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(owner, method, counted)
    try:
        yield calls
    finally:
        setattr(owner, method, original)


def round_trips(app: Flask) -> float:
    from redis.connection import AbstractConnection

    with counting(AbstractConnection, "send_packed_command") as sent:
        call(app, 100)
    return sent[0] / 100


def threads_started(app: Flask) -> float:
    """Threads started per 1,000 requests, at about 2,000 requests a second."""
    with counting(threading.Thread, "start") as started:
        for _ in range(20):
            call(app, 50)
            time.sleep(0.025)
    return started[0] / 1000 * 1000


def report(title: str, variants: dict[str, Callable[[], Flask]], redis: bool) -> None:
    apps = {"no limiter": bare_app()}
    apps.update((name, make()) for name, make in variants.items())
    cpu = cpu_per_request(apps)
    print(f"\n{title}")
    print("| limiter | CPU µs per request added | round trips | threads per 1,000 |")
    print("|---|---:|---:|---:|")
    for name, app in apps.items():
        if name == "no limiter":
            continue
        trips = f"{round_trips(app):.1f}" if redis else "-"
        print(
            f"| {name} | {cpu[name] - cpu['no limiter']:.0f} | {trips} "
            f"| {threads_started(app):.0f} |"
        )
    print(f"(bare app: {cpu['no limiter']:.0f} µs per request)")


def main() -> int:
    import warnings

    warnings.simplefilter("ignore")  # Flask-Limiter's notes on its own config
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    with tempfile.TemporaryDirectory(prefix="limiters-") as scratch:
        src = bake(ALL_OPTIONS_REDIS, Path(scratch))
        sys.path.insert(0, str(src))  # after the bake: cookiecutter sets sys.path anew

        def variants(uri: str) -> dict[str, Callable[[], Flask]]:
            return {
                "Flask-Limiter 4 (as configured before)": lambda: flask_limiter(uri),
                "Flask-Limiter 4, its own headers": lambda: flask_limiter(uri, True),
                "limits: hit + get_window_stats": lambda: limits_textbook(uri),
                "ratelimit.py (limits, clock-aligned windows)": lambda: baked(uri),
            }

        report("In memory (memory://)", variants("memory://"), redis=False)
        sys.path.insert(0, str(BENCH.parent / "tests"))
        import shutil

        if shutil.which("redis-server"):
            from processes import started_redis

            with started_redis(Path(scratch)) as server:
                report(f"Redis ({server.url})", variants(server.url), redis=True)
        else:
            print("redis-server is not installed: no Redis figures")
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
