import pytest
from sqlalchemy import func, select

from {{ cookiecutter.package_name }}.db import db
from {{ cookiecutter.package_name }}.models import Item
from {{ cookiecutter.package_name }}.validation import MAX_INTEGER

ITEMS = "/api/v1/items"


def create(client, **fields):
    response = client.post(ITEMS, json=fields)
    assert response.status_code == 201, response.get_json()
    return response


def count_rows(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Item)).scalar_one()


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
    # The last one is an Arabic-Indic digit: Python's int() would accept it.
    ["limit=0", "limit=2001", "limit=abc", "limit=-1", "offset=-1", "limit=\u0661"],
)
def test_bad_paging_parameters_are_422_naming_them(client, query):
    response = client.get(f"{ITEMS}?{query}")

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [error["field"] for error in response.get_json()["errors"]] == [
        query.split("=")[0]
    ]


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
    assert "Content-Type" not in response.headers
    assert client.get(location).status_code == 404
    assert client.delete(location).status_code == 404


REQUIRED = "Missing data for required field."
LENGTH = "Length must be between 1 and 200."
BLANK = "Must contain a character other than a space, and no NUL character."
NOT_A_STRING = "Not a valid string."
NOT_AN_INTEGER = "Not a valid integer."
OUT_OF_RANGE = (
    f"Must be greater than or equal to 0 and less than or equal to {MAX_INTEGER}."
)
UNKNOWN = "Unknown field."


@pytest.mark.parametrize(
    ("body", "field", "messages"),
    [
        ({}, "name", [REQUIRED]),
        ({"name": ""}, "name", [LENGTH, BLANK]),
        ({"name": "   "}, "name", [BLANK]),
        ({"name": " \u0085\ufeff"}, "name", [BLANK]),
        ({"name": "a\x00b"}, "name", [BLANK]),
        ({"name": "x" * 201}, "name", [LENGTH]),
        ({"name": 5}, "name", [NOT_A_STRING]),
        ({"name": None}, "name", ["Field may not be null."]),
        ({"name": "a", "quantity": "3"}, "quantity", [NOT_AN_INTEGER]),
        ({"name": "a", "quantity": True}, "quantity", [NOT_AN_INTEGER]),
        ({"name": "a", "quantity": 1.5}, "quantity", [NOT_AN_INTEGER]),
        ({"name": "a", "quantity": -1}, "quantity", [OUT_OF_RANGE]),
        ({"name": "a", "quantity": MAX_INTEGER + 1}, "quantity", [OUT_OF_RANGE]),
        ({"name": "a", "colour": "red"}, "colour", [UNKNOWN]),
        ({"name": "a", "id": 7}, "id", [UNKNOWN]),
    ],
)
def test_a_wrong_field_is_422_naming_it(app, client, body, field, messages):
    response = client.post(ITEMS, json=body)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == [
        {"field": field, "message": message} for message in messages
    ]
    assert count_rows(app) == 0


def test_every_wrong_field_is_listed(client):
    response = client.post(ITEMS, json={"quantity": None, "extra": 1})

    errors = response.get_json()["errors"]
    assert sorted(errors, key=lambda error: error["field"]) == [
        {"field": "extra", "message": UNKNOWN},
        {"field": "name", "message": REQUIRED},
        {"field": "quantity", "message": "Field may not be null."},
    ]


def test_a_whole_number_written_as_a_float_is_that_integer(client):
    # JSON Schema counts 3.0 as the integer 3, and so does the document.
    item = create(client, name="Float", quantity=3.0).get_json()

    assert item["quantity"] == 3
    assert isinstance(item["quantity"], int)


def test_a_float_too_large_to_hold_its_integer_exactly_is_refused(app, client):
    data = '{"name": "big", "quantity": 18014398509481985.0}'

    response = client.post(ITEMS, data=data, content_type="application/json")

    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "quantity", "message": NOT_AN_INTEGER}
    ]
    assert count_rows(app) == 0


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


def test_patch_changes_only_the_fields_sent(client):
    location = create(client, name="Tea", quantity=1).headers["Location"]

    response = client.patch(location, json={"quantity": 4})

    assert response.status_code == 200
    assert response.get_json()["name"] == "Tea"
    assert response.get_json()["quantity"] == 4
    assert client.get(location).get_json() == response.get_json()


def test_patch_trims_the_name_and_validates_like_create(app, client):
    location = create(client, name="Tea").headers["Location"]

    assert client.patch(location, json={"name": "  Green tea "}).get_json()["name"] == (
        "Green tea"
    )
    refused = client.patch(location, json={"quantity": -1, "id": 3})
    assert refused.status_code == 422
    assert {error["field"] for error in refused.get_json()["errors"]} == {
        "quantity",
        "id",
    }
    assert client.get(location).get_json()["quantity"] == 0


def test_patch_with_the_current_etag_succeeds_and_answers_the_new_one(client):
    location = create(client, name="Tea").headers["Location"]
    etag = client.get(location).headers["ETag"]

    response = client.patch(location, json={"quantity": 2}, headers={"If-Match": etag})

    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert response.headers["ETag"] == client.get(location).headers["ETag"]


def test_patch_with_a_stale_etag_is_412_and_changes_nothing(client):
    location = create(client, name="Tea").headers["Location"]
    stale = client.get(location).headers["ETag"]
    assert client.patch(location, json={"quantity": 1}).status_code == 200

    response = client.patch(location, json={"quantity": 9}, headers={"If-Match": stale})

    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    assert client.get(location).get_json()["quantity"] == 1


def test_delete_with_a_stale_etag_is_412_and_keeps_the_item(client):
    location = create(client, name="Tea").headers["Location"]
    stale = client.get(location).headers["ETag"]
    client.patch(location, json={"name": "Coffee"})

    assert client.delete(location, headers={"If-Match": stale}).status_code == 412
    assert client.get(location).status_code == 200
    current = client.get(location).headers["ETag"]
    assert client.delete(location, headers={"If-Match": current}).status_code == 204


def test_patch_of_a_missing_item_is_404(client):
    response = client.patch(f"{ITEMS}/999", json={"quantity": 1})

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_patch_with_a_body_that_is_not_json_is_415_and_changes_nothing(client):
    location = create(client, name="Tea").headers["Location"]

    response = client.patch(location, data="quantity=3", content_type="text/plain")

    assert response.status_code == 415
    assert client.get(location).get_json()["quantity"] == 0
