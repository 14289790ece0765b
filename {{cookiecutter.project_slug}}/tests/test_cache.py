"""The items list is cached; every committed write makes the next read fresh."""

{% if cookiecutter.cache_backend == "redis" -%}
import pytest
{% endif -%}
from sqlalchemy import insert

from {{ cookiecutter.package_name }} import cache
from {{ cookiecutter.package_name }}.db import db
from {{ cookiecutter.package_name }}.models import Item

ITEMS = "/api/v1/items"
{%- if cookiecutter.cache_backend == "redis" %}
# On the Redis server: what is cached is what every worker shares.
pytestmark = pytest.mark.usefixtures("redis_server")
{%- endif %}


def insert_behind_the_api(app, name: str) -> None:
    """Write on a connection of its own, past the session's events: only a
    cache hit can miss the row."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(insert(Item), {"name": name})


def names(response) -> list[str]:
    return [item["name"] for item in response.get_json()["items"]]


def test_a_repeated_read_is_served_from_the_cache(app, client):
    client.post(ITEMS, json={"name": "first"})
    assert names(client.get(ITEMS)) == ["first"]

    insert_behind_the_api(app, "unseen")

    assert names(client.get(ITEMS)) == ["first"]


def test_the_query_string_is_part_of_the_key(client):
    for name in ("a", "b", "c"):
        client.post(ITEMS, json={"name": name})

    assert names(client.get(f"{ITEMS}?limit=1")) == ["a"]
    assert names(client.get(f"{ITEMS}?limit=2")) == ["a", "b"]
    assert names(client.get(f"{ITEMS}?limit=2&offset=1")) == ["b", "c"]


def test_create_invalidates_every_cached_page(app, client):
    client.get(ITEMS)
    client.get(f"{ITEMS}?limit=1")
    insert_behind_the_api(app, "unseen")

    client.post(ITEMS, json={"name": "created"})

    assert names(client.get(ITEMS)) == ["unseen", "created"]
    assert names(client.get(f"{ITEMS}?limit=1")) == ["unseen"]


def test_delete_invalidates(client):
    location = client.post(ITEMS, json={"name": "doomed"}).headers["Location"]
    assert names(client.get(ITEMS)) == ["doomed"]

    client.delete(location)

    assert names(client.get(ITEMS)) == []


def test_an_update_invalidates_the_cached_page(client):
    location = client.post(ITEMS, json={"name": "before"}).headers["Location"]
    assert names(client.get(ITEMS)) == ["before"]

    client.patch(location, json={"name": "after"})

    assert names(client.get(ITEMS)) == ["after"]


def test_errors_are_not_cached(client):
    assert client.get(f"{ITEMS}?limit=0").status_code == 422
    client.post(ITEMS, json={"name": "x"})

    assert client.get(f"{ITEMS}/1").status_code == 200
    assert client.get(f"{ITEMS}?limit=1").status_code == 200


def test_a_cached_answer_still_gets_an_etag_and_304(client):
    client.post(ITEMS, json={"name": "x"})
    first = client.get(ITEMS)

    again = client.get(ITEMS, headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert client.get(ITEMS).status_code == 200


def test_a_commit_through_any_session_makes_the_tables_reads_fresh(app, client):
    # No view names what to forget: the session's events see the table.
    client.post(ITEMS, json={"name": "first"})
    assert names(client.get(ITEMS)) == ["first"]

    with app.app_context():
        db.session.add(Item(name="from a script"))
        db.session.commit()

    assert names(client.get(ITEMS)) == ["first", "from a script"]


def test_a_rolled_back_write_keeps_the_cached_page(app, client):
    client.post(ITEMS, json={"name": "first"})
    client.get(ITEMS)
    insert_behind_the_api(app, "unseen")

    with app.app_context():
        db.session.add(Item(name="never"))
        db.session.flush()
        db.session.rollback()

    assert names(client.get(ITEMS)) == ["first"]


def test_answers_kept_by_another_release_are_never_served(app, client, monkeypatch):
    client.post(ITEMS, json={"name": "first"})
    client.get(ITEMS)
    insert_behind_the_api(app, "unseen")

    monkeypatch.setattr(cache, "RELEASE", "a-new-release")

    assert names(client.get(ITEMS)) == ["first", "unseen"]


def test_the_release_is_a_digest_of_the_code(tmp_path):
    (tmp_path / "module.py").write_text("A = 1\n")
    before = cache.digest_of(tmp_path)

    (tmp_path / "module.py").write_text("A = 2\n")

    assert cache.digest_of(tmp_path) != before
