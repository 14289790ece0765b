"""JSON goes through orjson: what differs from Flask's default provider."""

import dataclasses
import datetime
import decimal
import uuid

import pytest


@dataclasses.dataclass
class Point:
    x: int
    y: int


@pytest.fixture
def dumps(app):
    return app.json.dumps


def test_datetimes_are_iso_8601_and_naive_ones_utc(dumps):
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5)

    assert dumps(moment) == '"2026-01-02T03:04:05+00:00"'
    assert dumps(moment.date()) == '"2026-01-02"'


def test_uuid_dataclass_and_decimal(dumps):
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")

    assert dumps(value) == '"12345678-1234-5678-1234-567812345678"'
    assert dumps(Point(1, 2)) == '{"x":1,"y":2}'
    assert dumps(decimal.Decimal("1.50")) == '"1.50"'


def test_keys_keep_their_order(dumps):
    assert dumps({"b": 1, "a": 2}) == '{"b":1,"a":2}'


@pytest.mark.parametrize("value", [object(), 2**64])
def test_what_cannot_be_serialized_raises_type_error(dumps, value):
    with pytest.raises(TypeError):
        dumps(value)


def test_jsonify_answers_use_it(client):
    response = client.post("/api/v1/echo", json={"b": 1, "a": 2})

    assert response.data == b'{"b":1,"a":2}'
