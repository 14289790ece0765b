"""Prometheus metrics of one process; the sum over gunicorn's workers is the
template's own test (a real Prometheus server scrapes a served project)."""

import pytest
from prometheus_client import REGISTRY

from {{ cookiecutter.package_name }}.db import db
from {{ cookiecutter.package_name }}.metrics import UNMATCHED, parse_bind
from {{ cookiecutter.package_name }}.settings import SettingsError

ITEM_ROUTE = "/api/v1/items/<item_id>"


def count(method: str, route: str, status: int) -> float:
    labels = {"method": method, "route": route, "status": str(status)}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


def observed(method: str, route: str) -> float:
    labels = {"method": method, "route": route}
    sample = REGISTRY.get_sample_value("http_request_duration_seconds_count", labels)
    return sample or 0.0


def routes_counted() -> set[str]:
    return {
        sample.labels["route"]
        for metric in REGISTRY.collect()
        if metric.name == "http_requests"
        for sample in metric.samples
    }


def test_requests_are_counted_by_route_template_not_by_path(client):
    first = client.post("/api/v1/items", json={"name": "first"}).get_json()["id"]
    second = client.post("/api/v1/items", json={"name": "second"}).get_json()["id"]
    before = count("GET", ITEM_ROUTE, 200), observed("GET", ITEM_ROUTE)

    for item_id in (first, second, first):
        assert client.get(f"/api/v1/items/{item_id}").status_code == 200

    assert count("GET", ITEM_ROUTE, 200) == before[0] + 3
    assert observed("GET", ITEM_ROUTE) == before[1] + 3
    assert f"/api/v1/items/{first}" not in routes_counted()


def test_errors_are_counted_with_their_status(client):
    before = count("GET", ITEM_ROUTE, 404)

    assert client.get("/api/v1/items/999999").status_code == 404

    assert count("GET", ITEM_ROUTE, 404) == before + 1


def test_a_path_no_route_matches_is_one_series(client):
    before = count("GET", UNMATCHED, 404)

    for path in ("/no/such/path", "/another/one"):
        assert client.get(path).status_code == 404

    assert count("GET", UNMATCHED, 404) == before + 2
    assert "/no/such/path" not in routes_counted()


def test_probes_and_docs_are_not_counted(client):
    before = routes_counted(), observed("GET", "/api/v1/health")

    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/health/ready").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200

    assert routes_counted() == before[0]
    assert observed("GET", "/api/v1/health") == before[1] == 0


def test_pooled_connections_are_all_returned_after_requests(app, client):
    # The gauge is the process's: other tests' engines may hold connections.
    in_use = REGISTRY.get_sample_value("db_pool_connections_in_use") or 0.0
    with app.app_context(), db.engine.connect():
        assert REGISTRY.get_sample_value("db_pool_connections_in_use") == in_use + 1

    client.post("/api/v1/items", json={"name": "pooled"})
    client.get("/api/v1/items")

    assert REGISTRY.get_sample_value("db_pool_connections_in_use") == in_use


def test_build_info_names_the_version():
    from {{ cookiecutter.package_name }}.__about__ import __version__

    samples = [
        sample
        for metric in REGISTRY.collect()
        if metric.name == "app_build_info"
        for sample in metric.samples
    ]
    assert [sample.labels["version"] for sample in samples] == [__version__]


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("0.0.0.0:9100", ("0.0.0.0", 9100)),
        ("[::1]:9464", ("::1", 9464)),
    ],
)
def test_metrics_bind_is_host_and_port(value, address):
    assert parse_bind(value) == address


@pytest.mark.parametrize("value", ["", "9464", "host:", "host:port", "host:70000"])
def test_a_bad_metrics_bind_is_one_line_naming_it(value):
    with pytest.raises(SettingsError, match=r"^METRICS_BIND must be host:port"):
        parse_bind(value)
