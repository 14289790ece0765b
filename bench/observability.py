r"""What metrics cost on GET /api/v1/items/<id>: in-process and end to end.

    .venv/bin/python bench/observability.py                  # both
    .venv/bin/python bench/observability.py --rounds 7 --seconds 5

Two bakes of the default options, one with ``use_metrics`` and one without.
In-process: one child process builds two apps of the metrics bake, one
without ``metrics.init_app`` (what the other bake runs), calls their WSGI apps
directly in alternating batches and reports the median CPU time
(``time.process_time``) of one request for each. End to end: each bake under
its own gunicorn (``gunicorn.conf.py``, 2 workers, so prometheus_client's
multiprocess files are written as in production), loaded by wrk in alternating
rounds. Medians of the rounds and their ratio are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "tests"))

from processes import GUNICORN, free_port, migrate, running  # noqa: E402

from bench import ALL_OPTIONS, bake  # noqa: E402

PATH = "/api/v1/items/1"
SECRET_KEY = "bench-secret-long-enough-for-production-start"
VARIANTS = {"metrics on": (True, "on"), "metrics off": (False, "off")}

# Run in a child with the bake's src on sys.path: two apps of the metrics bake
# in one process, one built without metrics.init_app (what a bake without
# metrics runs), timed in alternating batches; the median CPU per request each.
CHILD = r"""
import json, statistics, sys, time
from flask_api import create_app, metrics
config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1],
          "RATELIMIT_ENABLED": False}
apps = {"metrics on": create_app(config)}
metrics.init_app = lambda app: None
apps["metrics off"] = create_app(config)
assert apps["metrics on"].test_client().post(
    "/api/v1/items", json={"name": "bench"}).status_code == 201
environ = {
    "REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/items/1", "QUERY_STRING": "",
    "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
    "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr, "wsgi.multithread": False,
    "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    "HTTP_HOST": "127.0.0.1:8000", "HTTP_ACCEPT_ENCODING": "identity",
}
statuses = []
def start_response(status, headers, exc_info=None):
    statuses.append(status)
def batch(app, count):
    start = time.process_time()
    for _ in range(count):
        b"".join(app.wsgi_app(dict(environ), start_response))
    return (time.process_time() - start) / count
samples = {name: [] for name in apps}
for name, app in apps.items():
    batch(app, 200)
for _ in range(int(sys.argv[2])):
    for name, app in apps.items():
        samples[name].append(batch(app, 300))
assert set(statuses) == {"200 OK"}, set(statuses)
print(json.dumps({name: statistics.median(values) for name, values in samples.items()}))
"""


def in_process(src: Path, rounds: int, work: Path) -> dict:
    database = work / "in-process.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(src), "SECRET_KEY": SECRET_KEY}
    migrate(src.parent, {**env, "DATABASE_URL": f"sqlite:///{database}"})
    result = subprocess.run(
        [sys.executable, "-c", CHILD, f"sqlite:///{database}", str(rounds)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def end_to_end(sources: dict[str, Path], rounds: int, seconds: int, work: Path):
    rates: dict[str, list[float]] = {name: [] for name in sources}
    for round_number in range(rounds):
        for name, src in sources.items():
            port = free_port()
            database = work / f"e2e-{name.replace(' ', '-')}-{round_number}.sqlite3"
            env = {
                **os.environ,
                "PYTHONPATH": str(src),
                "SECRET_KEY": SECRET_KEY,
                "DATABASE_URL": f"sqlite:///{database}",
                "BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": "2",
                "RATELIMIT_DEFAULT": "1000000/second",
            }
            migrate(src.parent, env)
            log = work / f"gunicorn-{round_number}.log"
            with running(GUNICORN, cwd=src.parent, env=env, port=port, log=log) as app:
                app.wait_until_answering("/api/v1/health")
                response, _ = app.request(
                    "POST", "/api/v1/items", b'{"name": "bench"}',
                    {"Content-Type": "application/json"},
                )  # fmt: skip
                assert response.status == 201
                wrk = subprocess.run(
                    ["wrk", "-t1", "-c4", f"-d{seconds}s",
                     f"http://127.0.0.1:{port}{PATH}"],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                app.terminate()
            rate = re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout)
            assert rate and "Non-2xx" not in wrk.stdout, wrk.stdout
            rates[name].append(float(rate.group(1)))
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--skip-e2e", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-observability-") as scratch:
        work = Path(scratch)
        sources = {
            name: bake({**ALL_OPTIONS, "use_metrics": on}, work / folder)
            for name, (on, folder) in VARIANTS.items()
        }
        started = time.monotonic()
        cpu = in_process(sources["metrics on"], 4 * arguments.rounds, work)
        on, off = cpu["metrics on"], cpu["metrics off"]
        print(
            f"in-process CPU per GET {PATH}: metrics on {on * 1e6:.0f} us, "
            f"off {off * 1e6:.0f} us (on/off {on / off:.3f}, "
            f"+{(on - off) * 1e6:.0f} us), medians of {4 * arguments.rounds} "
            "alternating batches of 300"
        )
        if not arguments.skip_e2e:
            rate = end_to_end(sources, arguments.rounds, arguments.seconds, work)
            on, off = rate["metrics on"], rate["metrics off"]
            print(
                f"end to end, gunicorn 2 workers, wrk -c4: metrics on {on:.0f} "
                f"req/s, off {off:.0f} req/s (on/off {on / off:.3f}), median of "
                f"{arguments.rounds} rounds of {arguments.seconds} s"
            )
        print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
