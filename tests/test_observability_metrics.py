"""Prometheus metrics under gunicorn: the sum over every worker, exact, scraped
by a real Prometheus server (Debian's ``prometheus``).

The baked API runs under gunicorn with several workers; requests come at once
from several threads, each on a new connection, so the workers share them. One
worker is killed in the middle and gunicorn replaces it. Prometheus then
scrapes the master's METRICS_BIND and sees exactly the requests made, counted
by route template; the probes are not in its figures, and the alerts file the
project ships loads into it and passes ``promtool check rules``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import bake
from presets import DEFAULTS
from processes import Server, free_port, migrate, run, running

pytestmark = pytest.mark.slow

CONTEXT = {**DEFAULTS, "use_metrics": True}
GUNICORN = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
WORKERS = 3
ITEM_ROUTE = "/api/v1/items/<item_id>"
BEFORE_KILL, AFTER_KILL, MISSING = 60, 40, 7


@pytest.fixture(scope="module")
def project(cookies_session) -> Path:
    return bake(cookies_session, CONTEXT)


def workers_of(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text()
    return {int(pid) for pid in children.split()}


def spread(server: Server, path: str, count: int) -> list[int]:
    """``count`` GETs of ``path`` at once, each on a new connection."""

    def one(_: int) -> int:
        return server.request("GET", path)[0].status

    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        return list(pool.map(one, range(count)))


def query(port: int, expression: str) -> list[dict]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode(
        {"query": expression}
    )
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)["data"]["result"]


def prometheus_config(directory: Path, target: str, rules: Path) -> Path:
    config = directory / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: [{json.dumps(str(rules))}]\n"
        "scrape_configs:\n"
        f"  - job_name: {CONTEXT.get('project_slug', 'flask-api')}\n"
        f"    static_configs: [{{targets: [{json.dumps(target)}]}}]\n"
    )
    return config


def scraped(port: int, expression: str, timeout: float = 30) -> list[dict]:
    """The first non-empty answer once Prometheus has scraped the target."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if query(port, "up == 1") and (result := query(port, expression)):
                return result
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    raise AssertionError(f"Prometheus had no {expression} in {timeout} s")


def evaluated_rules(port: int, timeout: float = 15) -> list[str]:
    """Each rule's health once Prometheus has evaluated them all."""
    url = f"http://127.0.0.1:{port}/api/v1/rules"
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(url, timeout=5) as answer:
            groups = json.load(answer)["data"]["groups"]
        health = [rule["health"] for group in groups for rule in group["rules"]]
        if "unknown" not in health or time.monotonic() > deadline:
            return health
        time.sleep(0.2)


def server_env(project: Path, tmp_path: Path, port: int, **settings: str) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(project / "src"),
        "SECRET_KEY": "metrics-test-secret-long-enough-for-start-up",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'metrics.sqlite3'}",
        "BIND": f"127.0.0.1:{port}",
        "TMPDIR": str(tmp_path),
        **settings,
    }


def test_promtool_passes_the_shipped_rules(project):
    result = run(["promtool", "check", "rules", "prometheus/alerts.yml"], cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 3 rules found" in result.stdout


def test_prometheus_scrapes_the_exact_sum_over_workers(project, tmp_path):
    port, metrics_port, prometheus_port = free_port(), free_port(), free_port()
    env = server_env(
        project, tmp_path, port,
        METRICS_BIND=f"127.0.0.1:{metrics_port}", WEB_CONCURRENCY=str(WORKERS),
    )  # fmt: skip
    migrate(project, env)
    with running(
        GUNICORN, cwd=project, env=env, port=port, log=tmp_path / "gunicorn.log"
    ) as app:
        app.wait_until_answering("/api/v1/health")
        app.wait_for_output("Metrics at http://127.0.0.1", timeout=10)
        response, body = app.request(
            "POST", "/api/v1/items", b'{"name": "counted"}',
            {"Content-Type": "application/json"},
        )  # fmt: skip
        assert response.status == 201, body
        item = f"/api/v1/items/{json.loads(body)['id']}"

        assert spread(app, item, BEFORE_KILL) == [200] * BEFORE_KILL
        workers = workers_of(app.process.pid)
        assert len(workers) == WORKERS
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while len(workers_of(app.process.pid) - {victim}) < WORKERS:
            assert time.monotonic() < deadline, "the killed worker was not replaced"
            time.sleep(0.1)
        assert spread(app, item, AFTER_KILL) == [200] * AFTER_KILL
        assert spread(app, "/api/v1/items/999999", MISSING) == [404] * MISSING
        assert spread(app, "/api/v1/health", 20) == [200] * 20

        config = prometheus_config(
            tmp_path, f"127.0.0.1:{metrics_port}", project / "prometheus/alerts.yml"
        )
        prometheus = [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}",
        ]
        with running(
            prometheus, cwd=tmp_path, env=dict(os.environ), port=prometheus_port,
            log=tmp_path / "prometheus.log",
        ) as server:  # fmt: skip
            try:
                ok = scraped(
                    prometheus_port,
                    f'sum(http_requests_total{{route="{ITEM_ROUTE}",status="200"}})',
                )
                missing = query(
                    prometheus_port,
                    f'sum(http_requests_total{{route="{ITEM_ROUTE}",status="404"}})',
                )
                routes = query(
                    prometheus_port, "count by (route) (http_requests_total)"
                )
                health = evaluated_rules(prometheus_port)
            finally:
                server.process.send_signal(signal.SIGTERM)
                server.process.wait(timeout=30)
        assert app.terminate() == 0, app.output()[-3000:]

    # Every request of the first worker, killed, is still in the sum.
    assert float(ok[0]["value"][1]) == BEFORE_KILL + AFTER_KILL
    assert float(missing[0]["value"][1]) == MISSING
    # One series per route template: no raw path, no probe.
    assert {series["metric"]["route"] for series in routes} == {
        "/api/v1/items",
        ITEM_ROUTE,
    }
    assert health == ["ok"] * 3


def test_the_metrics_directory_is_removed_when_gunicorn_stops(project, tmp_path):
    port = free_port()
    (tmp_path / "tmp").mkdir()
    env = server_env(
        project, tmp_path, port, WEB_CONCURRENCY="2", TMPDIR=str(tmp_path / "tmp")
    )
    migrate(project, env)
    with running(
        GUNICORN, cwd=project, env=env, port=port, log=tmp_path / "gunicorn.log"
    ) as app:
        app.wait_until_answering("/api/v1/health")
        assert spread(app, "/api/v1/items", 4) == [200] * 4
        [directory] = (tmp_path / "tmp").iterdir()
        assert list(directory.glob("counter_*.db"))
        assert app.terminate() == 0, app.output()[-3000:]
    assert not directory.exists()


def test_a_bad_metrics_bind_stops_gunicorn_with_one_line(project, tmp_path):
    env = server_env(project, tmp_path, free_port(), METRICS_BIND="9464")
    result = subprocess.run(
        GUNICORN, cwd=project, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "METRICS_BIND must be host:port (like 127.0.0.1:9464), got '9464'" in (
        result.stdout + result.stderr
    )
    assert "Traceback" not in result.stdout + result.stderr
