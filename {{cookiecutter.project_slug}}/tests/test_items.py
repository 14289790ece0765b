import pytest

from {{ cookiecutter.package_name }}.db import get_db
from {{ cookiecutter.package_name }}.validation import MAX_INTEGER

ITEMS = "/api/v1/items"


def create(client, **fields):
    response = client.post(ITEMS, json=fields)
    assert response.status_code == 201, response.get_json()
    return response


def count_rows(app) -> int:
    with app.app_context():
        return get_db().execute("SELECT COUNT(*) FROM items").fetchone()[0]


def test_create_answers_201_with_location_of_the_new_item(client):
    response = create(client, name="Coffee beans", quantity=3)

    item = response.get_json()
    assert item["name"] == "Coffee beans"
    assert item["quantity"] == 3
    assert item["created_at"].endswith("+00:00")
    assert response.headers["Location"] == f"{ITEMS}/{item['id']}"
    assert client.get(response.headers["Location"]).get_json() == item


def test_quantity_defaults_to_zero_and_name_is_trimmed(client):
    item = create(client, name="  Tea  ").get_json()

    assert item["name"] == "Tea"
    assert item["quantity"] == 0


def test_list_pages_with_limit_and_offset(client):
    for number in range(5):
        create(client, name=f"item {number}")

    page = client.get(f"{ITEMS}?limit=2&offset=1").get_json()

    assert [item["name"] for item in page["items"]] == ["item 1", "item 2"]
    assert (page["limit"], page["offset"], page["total"]) == (2, 1, 5)


def test_empty_list(client):
    response = client.get(ITEMS)

    assert response.status_code == 200
    assert response.get_json() == {"items": [], "limit": 100, "offset": 0, "total": 0}


@pytest.mark.parametrize(
    "query",
    # The last one is an Arabic-Indic digit: str.isdigit() alone would accept it.
    ["limit=0", "limit=2001", "limit=abc", "limit=-1", "offset=-1", "limit=\u0661"],
)
def test_bad_paging_parameters_are_400(client, query):
    response = client.get(f"{ITEMS}?{query}")

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert query.split("=")[0] in response.get_json()["detail"]


def test_get_missing_item_is_404_problem(client):
    response = client.get(f"{ITEMS}/12345")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "There is no item 12345."


@pytest.mark.parametrize("item_id", ["abc", "-1", str(MAX_INTEGER + 1), "1.5"])
def test_ids_that_cannot_exist_are_404_not_500(client, item_id):
    response = client.get(f"{ITEMS}/{item_id}")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_delete_answers_204_without_body_then_the_item_is_gone(client):
    location = create(client, name="Soon gone").headers["Location"]

    response = client.delete(location)

    assert response.status_code == 204
    assert response.data == b""
    assert client.get(location).status_code == 404
    assert client.delete(location).status_code == 404


LENGTH = "must be 1 to 200 characters long"
NOT_AN_INTEGER = "must be an integer"
OUT_OF_RANGE = f"must be between 0 and {MAX_INTEGER}"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "name", "is required"),
        ({"name": ""}, "name", LENGTH),
        ({"name": "   "}, "name", LENGTH),
        ({"name": "x" * 201}, "name", LENGTH),
        ({"name": 5}, "name", "must be a string"),
        ({"name": "a", "quantity": "3"}, "quantity", NOT_AN_INTEGER),
        ({"name": "a", "quantity": True}, "quantity", NOT_AN_INTEGER),
        ({"name": "a", "quantity": 1.5}, "quantity", NOT_AN_INTEGER),
        ({"name": "a", "quantity": -1}, "quantity", OUT_OF_RANGE),
        ({"name": "a", "colour": "red"}, "colour", "is not a known field"),
    ],
)
def test_a_wrong_field_is_422_naming_it(app, client, body, field, message):
    response = client.post(ITEMS, json=body)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == [{"field": field, "message": message}]
    assert count_rows(app) == 0


def test_every_wrong_field_is_listed(client):
    response = client.post(ITEMS, json={"quantity": None, "extra": 1})

    assert response.get_json()["errors"] == [
        {"field": "name", "message": "is required"},
        {"field": "quantity", "message": NOT_AN_INTEGER},
        {"field": "extra", "message": "is not a known field"},
    ]


def test_a_huge_integer_is_422_not_stored_rounded(app, client):
    # orjson reads integers beyond 64 bits as floats: refused, not rounded.
    data = '{"name": "big", "quantity": 123456789012345678901234567890}'

    response = client.post(ITEMS, data=data, content_type="application/json")

    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "quantity"
    assert count_rows(app) == 0


def test_rejected_bodies_write_nothing(app, client):
    client.post(ITEMS, data="{bad", content_type="application/json")
    client.post(ITEMS, data='{"name": "x"}', content_type="text/plain")
    client.post(ITEMS, json=["name"])

    assert count_rows(app) == 0
