"""gunicorn against granian, serving the baked all-options app with production settings.

    bench/run --servers              7 rounds of 5 s per load, about 5 minutes
    bench/run --servers --smoke      one round of one second: proves it works
    bench/run --servers --template ../other-checkout   bake another checkout

A one-off question, not a row of the README table: is granian at least 25%
faster end to end than gunicorn with the baked project's production settings?
Both run the same bake with 2 workers:

- gunicorn with the project's own ``gunicorn.conf.py`` (sync workers, the app
  preloaded, one JSON access-log line per request with the request id);
- granian ``--interface wsgi --workers 2 --access-log``, its access log as JSON
  lines too (``granian_logging.py``); everything else at granian's defaults.

Both write their logs to a file, as a container platform would collect them.
wrk (1 thread, 8 connections) loads health, one item and the first page of
items; granian keeps connections alive, gunicorn's sync workers close each, so
health is loaded once more with ``Connection: close`` to show what keep-alive
is worth. Each round loads every row, alternating the order of the two
servers, so that the drift of this shared machine cancels out. Figures are the
medians over rounds, the ratio the median of each round's granian / gunicorn
(the range of the rounds in brackets). Afterwards it prints the access-log
line each server wrote for a request that sent an X-Request-ID and for one
that did not, and how many access lines each wrote in all.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import granian_logging

from bench import (
    ALL_OPTIONS,
    BENCH,
    BROWSER_HEADERS,
    HEALTH,
    ITEMS,
    TEMPLATE,
    Load,
    Result,
    Server,
    bake,
    finish_migration,
    free_port,
    machine,
    run_wrk,
    seed,
    start_migration,
    stop,
    wait_for,
)

SERVERS = ("gunicorn", "granian")
WORKERS = 2
CONNECTIONS = 8
SEEDED_ITEMS = 200  # more than one default page (100 items)
READ_ITEM_NUMBER = 10
SENT_ID = "servers-check-0001"
FRESH_CONNECTIONS = (*BROWSER_HEADERS, ("Connection", "close"))

Row = tuple[str, tuple[tuple[str, str], ...]]  # path, request headers


@dataclass
class Running:
    server: Server
    log: Path


def main() -> int:
    args = parse_args()
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("servers.py needs wrk: run bench/run --servers")
    load_before = os.getloadavg()[0]  # other work on the machine skews figures
    with tempfile.TemporaryDirectory(prefix="servers-") as scratch:
        work = Path(scratch)
        project = bake(ALL_OPTIONS, work / "bake", args.template).parent
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(project / "src"), str(BENCH)]),
            "SECRET_KEY": "benchmark-only-secret-of-32-characters",
            "DATABASE_URL": f"sqlite:///{work / 'items.sqlite3'}",
            # One address making thousands of requests a second: far beyond a
            # client's rate limit, which still runs (and costs what it costs).
            "RATELIMIT_DEFAULT": "1000000/minute",
        }
        migration = start_migration(project / "src", env)
        if migration is not None:
            finish_migration(migration, "the bake")
        with contextlib.ExitStack() as stack:
            running = {
                name: stack.enter_context(start(name, project, work, env, args))
                for name in SERVERS
            }
            for name, item in running.items():
                wait_for(lambda s=item.server: _healthy(s), name)
            # One database for both: the loads only read it.
            item_path = seed(running["gunicorn"].server, SEEDED_ITEMS)[READ_ITEM_NUMBER]
            rows = {
                "health": (HEALTH, BROWSER_HEADERS),
                # gunicorn's sync workers close every connection; granian
                # keeps them open unless asked not to: this row shows the part
                # keep-alive plays in the others.
                "health, new connection each": (HEALTH, FRESH_CONNECTIONS),
                "one item": (item_path, BROWSER_HEADERS),
                "first page (100 items)": (ITEMS, BROWSER_HEADERS),
            }
            results = measure(wrk, running, rows, args)
            samples = {name: log_samples(item) for name, item in running.items()}
        counts = {name: len(access_lines(item.log)) for name, item in running.items()}
    print(report(results, rows, args, samples, counts, load_before))
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds per load (7)")
    parser.add_argument("--duration", type=float, default=5, help="seconds per load")
    parser.add_argument(
        "--connections", type=int, default=CONNECTIONS, help="wrk connections (8)"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="one round of one second each"
    )
    parser.add_argument(
        "--template",
        type=Path,
        default=TEMPLATE,
        help="the checkout of the template to bake (this one)",
    )
    parser.add_argument(
        "--granian-option",
        action="append",
        default=[],
        help="one more granian option, e.g. --granian-option=--blocking-threads=1",
    )
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.duration = 1, 1
    return args


@contextlib.contextmanager
def start(
    name: str, project: Path, work: Path, env: dict[str, str], args: argparse.Namespace
) -> Iterator[Running]:
    port = free_port()
    log = work / f"{name}.log"
    if name == "gunicorn":
        env = {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(WORKERS)}
        command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    else:
        log_config = work / "granian-logging.json"
        log_config.write_text(json.dumps(granian_logging.logging_config()))
        command = [
            sys.executable, "-m", "granian",
            "--interface", "wsgi", "--workers", str(WORKERS),
            "--host", "127.0.0.1", "--port", str(port),
            "--log-config", str(log_config),
            "--access-log", "--access-log-fmt", granian_logging.ACCESS_FORMAT,
            *args.granian_option,
            "--factory", "flask_api:create_app",
        ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=project, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield Running(Server(name, port, process), log)
    finally:
        stop(process)


def _healthy(server: Server) -> bool:
    if server.process.poll() is not None:
        sys.exit(f"{server.name} exited with {server.process.returncode}")
    status, _, _ = get(server, HEALTH)
    return status == 200


def get(
    server: Server, path: str, headers: dict[str, str] | None = None
) -> tuple[int, str, bytes]:
    """The status, the X-Request-ID and the body of a GET."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        request_id = response.getheader("X-Request-ID", "")
        return response.status, request_id, response.read()
    finally:
        connection.close()


@dataclass
class Measured:
    """What wrk saw, and the CPU time the server's processes spent meanwhile."""

    result: Result
    cpu_ms_per_request: float

    @property
    def requests_per_second(self) -> float:
        return self.result.requests_per_second


def measure(
    wrk: str,
    running: dict[str, Running],
    rows: dict[str, Row],
    args: argparse.Namespace,
) -> dict[tuple[str, str], list[Measured]]:
    """Every round loads every row, so drift spreads over all rows alike."""
    loads = {
        (row, name): Load(f"{name} {row}", name, path, headers)
        for row, (path, headers) in rows.items()
        for name in SERVERS
    }
    for (_, name), load in loads.items():  # warm up every worker
        run_wrk(wrk, running[name].server, load, 1, args.connections)
    results: dict[tuple[str, str], list[Measured]] = {key: [] for key in loads}
    for number in range(args.rounds):
        order = SERVERS if number % 2 == 0 else SERVERS[::-1]
        for row in rows:
            for name in order:
                server = running[name].server
                cpu_before = cpu_seconds(server.process.pid)
                result = run_wrk(
                    wrk, server, loads[(row, name)], args.duration, args.connections
                )
                cpu = cpu_seconds(server.process.pid) - cpu_before
                results[(row, name)].append(
                    Measured(result, cpu * 1000 / result.requests)
                )
        print(f"  round {number + 1}/{args.rounds}", file=sys.stderr)
    return results


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and of all its descendants.

    Less swayed than requests/s by whatever else the machine runs: what a
    server spends per request, whoever gets the cores.
    """
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    total, pending = 0, [pid]
    while pending:
        current = Path("/proc") / str(pending.pop())
        with contextlib.suppress(OSError):  # a process that just ended
            # Fields after the command's ")": state is field 3, utime 14, stime 15.
            fields = (current / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            for task in (current / "task").iterdir():
                pending += map(int, (task / "children").read_text().split())
    return total / ticks_per_second


def log_samples(running: Running) -> dict[str, str]:
    """The access-log line of a request with an X-Request-ID and of one without."""
    samples = {}
    for sent in (SENT_ID, None):
        before = len(access_lines(running.log))
        headers = {"X-Request-ID": sent} if sent else {}
        _, answered, _ = get(running.server, HEALTH, headers)
        wait_for(
            lambda before=before: len(access_lines(running.log)) > before,
            f"the access-log line of {running.server.name}",
        )
        line = access_lines(running.log)[-1]
        key = "client sends an id" if sent else "client sends none"
        samples[key] = f"answer's X-Request-ID {answered}, log line {line}"
    return samples


def access_lines(log: Path) -> list[str]:
    """Each line of the server's access logger (gunicorn.access, granian.access)."""
    return [
        line
        for line in log.read_text().splitlines()
        if line.startswith("{") and json.loads(line)["logger"].endswith(".access")
    ]


def report(
    results: dict[tuple[str, str], list[Measured]],
    rows: dict[str, Row],
    args: argparse.Namespace,
    samples: dict[str, dict[str, str]],
    counts: dict[str, int],
    load_before: float,
) -> str:
    def median(row: str, name: str, attribute: str) -> float:
        return statistics.median(
            getattr(m.result, attribute) for m in results[(row, name)]
        )

    def cpu(row: str, name: str) -> float:
        return statistics.median(m.cpu_ms_per_request for m in results[(row, name)])

    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}: "
        f"{args.rounds} rounds of {args.duration:g} s per load, {WORKERS} workers "
        f"per server, wrk with 1 thread and {args.connections} connections; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after.",
        "",
        "| Request | gunicorn req/s | granian req/s | granian / gunicorn (rounds) "
        "| gunicorn p50 / p99 ms | granian p50 / p99 ms "
        "| CPU ms per request, gunicorn / granian |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row, (path, _) in rows.items():
        pairs = zip(results[(row, "granian")], results[(row, "gunicorn")], strict=True)
        ratios = [a.requests_per_second / b.requests_per_second for a, b in pairs]
        ratio = statistics.median(ratios)
        cells = [f"`GET {path}` ({row})"]
        cells += [f"{median(row, n, 'requests_per_second'):,.0f}" for n in SERVERS]
        cells.append(f"{ratio:.2f}x ({min(ratios):.2f}-{max(ratios):.2f})")
        cells += [
            f"{median(row, n, 'p50_ms'):.2f} / {median(row, n, 'p99_ms'):.2f}"
            for n in SERVERS
        ]
        cells.append(" / ".join(f"{cpu(row, n):.3f}" for n in SERVERS))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Access log, one line per request:"]
    for name in SERVERS:
        lines.append(f"- {name}: {counts[name]:,} access lines written")
        lines += [f"  - {key}: {text}" for key, text in samples[name].items()]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
